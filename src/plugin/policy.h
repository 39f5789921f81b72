/* SPDX-License-Identifier: LGPL-3.0 */

/* policy.h - routing policies: pure functions over a snapshot of targets
 *
 *   random          any target not tried yet (those up first)
 *   assign:N        target N; on failover the next ones in
 *                   configuration order after N, wrapping around
 *   round_robin     the next target after the one chosen last
 *   least_pending   the fewest pending jobs
 *   shortest_match  the lowest Fluxion match time where known,
 *                   else as least_pending
 *   earliest_start  only targets whose resources could ever hold the job;
 *                   among them those whose free resources can start it
 *                   now first, then the fewest pending jobs
 *
 * Ties go to the lowest index.  A target without metrics yet counts as
 * having no pending jobs and, for earliest_start, as possibly able to
 * hold the job but not to start it now.  A target at its max-jobs (full)
 * is passed over for this decision; when only full targets are left the
 * job must wait for a slot (POLICY_WAIT).
 */

#ifndef DELEGATE_POLICY_H
#define DELEGATE_POLICY_H

#include <stdbool.h>
#include <flux/core.h>

#include "rsummary.h"
#include "value.h"

struct target_view {
    bool up;
    bool full;  // at its max-jobs
    bool have_metrics;
    int pending;
    int running;
    double match_time;  // seconds; < 0 if not known
    struct rsummary total;
    struct rsummary free;
    /* Why this target cannot take the job at all (route.c treats it as
     * tried), or NULL: e.g. it does not accept other users' jobs.
     */
    const char *refusal;
    bool accepts;  // the target accepts delegated jobs (accept.h)
};

struct policy_input {
    const struct delegate_request *req;  // kind DELEGATE_POLICY
    const struct target_view *targets;
    int count;
    const bool *tried;  // count entries
    const struct job_shape *shape;
    unsigned int random;    // a random number, for POLICY_RANDOM
    unsigned int *rr_next;  // POLICY_ROUND_ROBIN state, updated
};

#define POLICY_WAIT (-2)
#define POLICY_EXHAUSTED (-3)

/* Return the index of the chosen target; or, with 'errp' set:
 * POLICY_EXHAUSTED if every target has been tried, POLICY_WAIT if the
 * targets left are all full, -1 for any other failure (no target
 * configured, assign:N out of range, no target can hold the job).
 */
int policy_choose (const struct policy_input *in, flux_error_t *errp);

/* siblings[:K]: the targets a job is offered to at once, the first to
 * start it running it.  Those that accept delegated jobs, not tried,
 * without a refusal, that could ever hold the job, in earliest_start
 * order (ties: the lower index); the first 'k' of them (k <= 0: all).
 * Write their indexes to 'out' (room for in->count) and return how many;
 * or, with 'errp' set, POLICY_WAIT if only targets at their max-jobs are
 * left among them, -1 if there is none.
 */
int policy_siblings (const struct policy_input *in,
                     int k,
                     int *out,
                     flux_error_t *errp);

#endif /* !DELEGATE_POLICY_H */

// vi:ts=4 sw=4 expandtab
