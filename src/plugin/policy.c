/* SPDX-License-Identifier: LGPL-3.0 */

/* policy.c - routing policies (see policy.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <stdarg.h>
#include <stdio.h>

#include "errfmt.h"
#include "policy.h"

static bool open_for (const struct policy_input *in, int i)
{
    return !in->tried[i] && !in->targets[i].full;
}

static int full_count (const struct policy_input *in)
{
    int n = 0;
    for (int i = 0; i < in->count; i++)
        if (!in->tried[i] && in->targets[i].full)
            n++;
    return n;
}

static int untried_count (const struct policy_input *in, bool up_only)
{
    int n = 0;
    for (int i = 0; i < in->count; i++)
        if (open_for (in, i) && (!up_only || in->targets[i].up))
            n++;
    return n;
}

/* The first untried target at or after 'start', wrapping around.
 */
static int next_untried (const struct policy_input *in, int start)
{
    for (int k = 0; k < in->count; k++) {
        int i = (start + k) % in->count;
        if (open_for (in, i))
            return i;
    }
    return -1;
}

static int choose_assign (const struct policy_input *in, flux_error_t *errp)
{
    int n = in->req->assign;

    if (n >= in->count)
        return in->count == 0
                   ? errfmt (errp, "assign:%d: no targets are configured", n)
                   : errfmt (errp,
                             "assign:%d is out of range: the configured targets"
                             " are 0 to %d",
                             n,
                             in->count - 1);
    return next_untried (in, n);
}

static int choose_random (const struct policy_input *in)
{
    bool up_only = untried_count (in, true) > 0;
    int n = untried_count (in, up_only);
    int pick;

    if (n == 0)
        return -1;
    pick = (int)(in->random % (unsigned int)n);
    for (int i = 0; i < in->count; i++) {
        if (open_for (in, i) && (!up_only || in->targets[i].up) && pick-- == 0)
            return i;
    }
    return -1;
}

static int choose_round_robin (const struct policy_input *in)
{
    int i = next_untried (in, (int)(*in->rr_next % (unsigned int)in->count));
    if (i >= 0)
        *in->rr_next = (unsigned int)i + 1;
    return i;
}

/* Rank of a target for least_pending: up targets first, then fewer
 * pending jobs.  Lower is better.
 */
static long pending_rank (const struct target_view *t)
{
    return (t->up ? 0 : 1L << 40) + (t->have_metrics ? t->pending : 0);
}

static int choose_least_pending (const struct policy_input *in)
{
    int best = -1;
    for (int i = 0; i < in->count; i++) {
        if (open_for (in, i)
            && (best < 0
                || pending_rank (&in->targets[i]) < pending_rank (&in->targets[best])))
            best = i;
    }
    return best;
}

static int choose_shortest_match (const struct policy_input *in)
{
    int best = -1;
    for (int i = 0; i < in->count; i++) {
        const struct target_view *t = &in->targets[i];
        if (open_for (in, i) && t->up && t->match_time >= 0.
            && (best < 0 || t->match_time < in->targets[best].match_time))
            best = i;
    }
    return best >= 0 ? best : choose_least_pending (in);
}

/* Rank for earliest_start, or -1 if the target can never hold the job:
 * can start now < can hold (or unknown); then up first; then pending.
 */
static long start_rank (const struct target_view *t, const struct job_shape *shape)
{
    long rank;

    if (!t->have_metrics)
        rank = 1L << 41;
    else if (!rsummary_can_hold (&t->total, shape))
        return -1;
    else if (rsummary_can_hold (&t->free, shape))
        rank = 0;
    else
        rank = 1L << 41;
    return rank + pending_rank (t);
}

static int choose_earliest_start (const struct policy_input *in, flux_error_t *errp)
{
    int best = -1;
    long best_rank = 0;
    int candidates = 0;

    for (int i = 0; i < in->count; i++) {
        long rank;
        if (!open_for (in, i))
            continue;
        candidates++;
        if ((rank = start_rank (&in->targets[i], in->shape)) < 0)
            continue;
        if (best < 0 || rank < best_rank) {
            best = i;
            best_rank = rank;
        }
    }
    if (best < 0 && candidates > 0)
        return errfmt (errp,
                       "no target can hold the job (%d node(s), %d slot(s) of"
                       " %d core(s) and %d GPU(s))",
                       in->shape->nnodes,
                       in->shape->nslots,
                       in->shape->cores,
                       in->shape->gpus);
    return best;
}

static bool sibling_candidate (const struct policy_input *in, int i)
{
    const struct target_view *t = &in->targets[i];
    return t->accepts && !t->refusal && !in->tried[i] && start_rank (t, in->shape) >= 0;
}

int policy_siblings (const struct policy_input *in, int k, int *out, flux_error_t *errp)
{
    int n = 0;
    int full = 0;

    for (int i = 0; i < in->count; i++) {
        int at;
        if (!sibling_candidate (in, i))
            continue;
        if (in->targets[i].full) {
            full++;
            continue;
        }
        /* insertion by rank: a later index goes after an equal rank */
        long rank = start_rank (&in->targets[i], in->shape);
        for (at = n; at > 0 && start_rank (&in->targets[out[at - 1]], in->shape) > rank;
             at--)
            out[at] = out[at - 1];
        out[at] = i;
        n++;
    }
    if (n == 0 && full > 0) {
        (void)errfmt (errp, "every accepting target left is at its max-jobs");
        return POLICY_WAIT;
    }
    if (n == 0)
        return errfmt (errp, "no target that accepts delegated jobs can hold the job");
    return k > 0 && k < n ? k : n;
}

int policy_choose (const struct policy_input *in, flux_error_t *errp)
{
    int i = -1;

    if (in->count == 0)
        return errfmt (errp, "no targets are configured");
    switch (in->req->policy) {
        case POLICY_ASSIGN:
            if ((i = choose_assign (in, errp)) < 0 && in->req->assign >= in->count)
                return -1;
            break;
        case POLICY_RANDOM:
            i = choose_random (in);
            break;
        case POLICY_ROUND_ROBIN:
            i = choose_round_robin (in);
            break;
        case POLICY_LEAST_PENDING:
            i = choose_least_pending (in);
            break;
        case POLICY_SHORTEST_MATCH:
            i = choose_shortest_match (in);
            break;
        case POLICY_EARLIEST_START:
            if ((i = choose_earliest_start (in, errp)) < 0 && untried_count (in, false)
                && full_count (in) == 0)
                return -1;
            break;
        case POLICY_SIBLINGS:  // several targets at once: policy_siblings()
            return errfmt (errp, "siblings: not supported yet");
        case POLICY_NONE:
            return errfmt (errp, "no policy given");
    }
    if (i < 0 && full_count (in) > 0) {
        (void)errfmt (errp, "every target left is at its max-jobs");
        return POLICY_WAIT;
    }
    if (i < 0) {
        (void)errfmt (errp, "every target has been tried");
        return POLICY_EXHAUSTED;
    }
    return i;
}

// vi:ts=4 sw=4 expandtab
