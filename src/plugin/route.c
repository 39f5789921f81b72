/* SPDX-License-Identifier: LGPL-3.0 */

/* route.c - where one job goes (see route.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errfmt.h"
#include "jobspec.h"
#include "route.h"

struct route {
    char *value;
    struct delegate_request req;
    struct delegate_conf *snapshot;  // policies: targets at first attempt,
                                     //   shared with the jobs of its time
    bool *tried;
    char **why;   // made at the first failure
    int current;  // index into snapshot, or -1
    int attempt;
    char *uri;    // URI and label requests: the one target
    char *label;  //   and its label, if configured
    int *sibs;    // siblings: the targets of the last round (indexes)
    int nsibs;
    char *note;  // siblings: why the job goes as earliest_start
};

int route_attempt (struct route *r)
{
    return r->attempt;
}

bool route_can_failover (struct route *r)
{
    return r->req.kind == DELEGATE_POLICY;
}

static void failed_at (struct route *r, int i, const char *why)
{
    if (!r->snapshot || i < 0
        || (!r->why && !(r->why = calloc (r->snapshot->count + 1, sizeof (char *)))))
        return;  // out of memory: listed as "failed"
    if (!r->why[i])
        r->why[i] = strdup (why);
}

void route_failed (struct route *r, const char *why)
{
    failed_at (r, r->current, why);
}

static int set_str (char **dst, const char *src)
{
    char *s = NULL;

    if (src && !(s = strdup (src)))
        return -1;
    free (*dst);
    *dst = s;
    return 0;
}

/* The one target of a URI or label request, as configured now.
 */
static int named_target (struct route *r,
                         const struct delegate_conf *conf,
                         flux_error_t *errp)
{
    const char *uri = r->value;
    int i;

    if (r->attempt > 0)
        return errfmt (errp, "%s: the target failed", r->value);
    if (r->req.kind == DELEGATE_LABEL) {
        if ((i = delegate_conf_find_label (conf, r->value)) < 0)
            return errfmt (errp, "unknown target label '%s'", r->value);
        uri = conf->targets[i].uri;
    }
    i = delegate_conf_find_uri (conf, uri);
    if (set_str (&r->uri, uri) < 0
        || set_str (&r->label, i >= 0 ? conf->targets[i].label : NULL) < 0)
        return errfmt (errp, "%s: out of memory", r->value);
    return 1;
}

int route_candidates (struct route *r,
                      const struct delegate_conf *conf,
                      flux_error_t *errp)
{
    if (r->req.kind != DELEGATE_POLICY)
        return named_target (r, conf, errp);
    if (!r->snapshot) {
        r->snapshot = delegate_conf_incref (conf);
        if (!(r->tried = calloc (r->snapshot->count + 1, sizeof (bool))))
            return errfmt (errp, "%s: out of memory", r->value);
    }
    return r->snapshot->count;
}

const char *route_candidate (struct route *r, int i)
{
    if (r->req.kind != DELEGATE_POLICY)
        return i == 0 ? r->uri : NULL;
    return r->snapshot && i >= 0 && i < r->snapshot->count ? r->snapshot->targets[i].uri
                                                           : NULL;
}

/* "all targets failed: LABEL (URI): why; URI: why; ..." */
static void list_failures (struct route *r, char *err, size_t size)
{
    size_t len;
    bool first = true;

    snprintf (err, size, "all targets failed:");
    for (int i = 0; i < r->snapshot->count; i++) {
        struct target_conf *tc = &r->snapshot->targets[i];
        if (!r->tried[i] || (len = strlen (err)) >= size - 1)
            continue;
        snprintf (err + len,
                  size - len,
                  "%s %s%s%s%s: %s",
                  first ? "" : ";",
                  tc->label ? tc->label : "",
                  tc->label ? " (" : "",
                  tc->uri,
                  tc->label ? ")" : "",
                  r->why && r->why[i] ? r->why[i] : "failed");
        first = false;
    }
}

/* Targets that accept delegated jobs and hold sibling copies, and do
 * not refuse this one.
 */
static int accepting_count (const struct policy_input *in)
{
    int n = 0;

    for (int i = 0; i < in->count; i++)
        if (in->targets[i].accepts && !in->targets[i].refusal)
            n++;
    return n;
}

/* With fewer than two accepting targets, a siblings request goes as
 * earliest_start for good (route_note() says so once): return true.
 */
static bool siblings_fall_back (struct route *r, const struct policy_input *in)
{
    int n = accepting_count (in);
    char note[256];

    if (n >= 2)
        return false;
    if (r->attempt == 0) {
        snprintf (note,
                  sizeof (note),
                  "%s: %d target%s accept%s sibling jobs, fewer than two:"
                  " delegated as earliest_start",
                  r->value,
                  n,
                  n == 1 ? "" : "s",
                  n == 1 ? "s" : "");
        free (r->note);
        r->note = strdup (note);
    }
    r->req.policy = POLICY_EARLIEST_START;
    return true;
}

/* A round of siblings: the targets are never marked tried, a round may
 * offer the job to a target of an earlier one.
 */
static enum route_result choose_siblings (struct route *r,
                                          struct policy_input *in,
                                          char *err,
                                          size_t size)
{
    flux_error_t error;

    if (r->attempt >= ROUTE_SIBLING_ROUNDS) {
        snprintf (err,
                  size,
                  "%s: no sibling started the job in %d rounds",
                  r->value,
                  r->attempt);
        return ROUTE_NONE;
    }
    if (!r->sibs && !(r->sibs = calloc (in->count + 1, sizeof (int)))) {
        snprintf (err, size, "%s: out of memory", r->value);
        return ROUTE_NONE;
    }
    if ((r->nsibs = policy_siblings (in, r->req.siblings, r->sibs, &error)) < 0) {
        snprintf (err, size, "%s", error.text);
        return r->nsibs == POLICY_WAIT ? ROUTE_WAIT : ROUTE_NONE;
    }
    r->current = -1;
    return ROUTE_SIBLINGS;
}

static enum route_result choose_by_policy (struct route *r,
                                           const struct target_view *views,
                                           json_t *jobspec,
                                           unsigned int random,
                                           unsigned int *rr_next,
                                           char *err,
                                           size_t size)
{
    struct job_shape shape;
    struct policy_input in = {
        .req = &r->req,
        .targets = views,
        .count = r->snapshot->count,
        .tried = r->tried,
        .shape = &shape,
        .random = random,
        .rr_next = rr_next,
    };
    flux_error_t error;
    bool refused = false;
    int i;

    for (int k = 0; k < in.count; k++) {
        if (views[k].refusal && !r->tried[k]) {  // as if tried: never chosen
            r->tried[k] = true;
            failed_at (r, k, views[k].refusal);
            refused = true;
        }
    }
    if (job_shape_from_jobspec (jobspec, &shape, &error) < 0)
        i = -1;
    else if (r->req.policy == POLICY_SIBLINGS && !siblings_fall_back (r, &in))
        return choose_siblings (r, &in, err, size);
    else  // siblings that fell back: earliest_start from now on
        i = policy_choose (&in, &error);
    if (i == POLICY_EXHAUSTED && (r->attempt > 0 || refused))
        list_failures (r, err, size);
    else if (i < 0)
        snprintf (err, size, "%s", error.text);
    if (i == POLICY_WAIT)
        return ROUTE_WAIT;
    if (i < 0)
        return ROUTE_NONE;
    r->tried[i] = true;
    r->current = i;
    return ROUTE_CHOSEN;
}

enum route_result route_choose (struct route *r,
                                const struct target_view *views,
                                json_t *jobspec,
                                unsigned int random,
                                unsigned int *rr_next,
                                struct route_choice *choice,
                                char *err,
                                size_t size)
{
    enum route_result res;

    if (r->req.kind != DELEGATE_POLICY) {
        if (!r->uri) {
            snprintf (err, size, "%s: no target", r->value);
            return ROUTE_NONE;
        }
        if (views[0].refusal) {
            snprintf (err, size, "%s: %s", r->value, views[0].refusal);
            return ROUTE_NONE;
        }
        if (views[0].full) {
            snprintf (err, size, "%s is at its max-jobs", r->value);
            return ROUTE_WAIT;
        }
        choice->uri = r->uri;
        choice->label = r->label;
    } else {
        if (!r->snapshot) {
            snprintf (err, size, "%s: no target", r->value);
            return ROUTE_NONE;
        }
        res = choose_by_policy (r, views, jobspec, random, rr_next, err, size);
        if (res == ROUTE_SIBLINGS)
            r->attempt++;
        if (res != ROUTE_CHOSEN)
            return res;
        choice->uri = r->snapshot->targets[r->current].uri;
        choice->label = r->snapshot->targets[r->current].label;
    }
    r->attempt++;
    return ROUTE_CHOSEN;
}

int route_siblings (struct route *r, struct route_choice *choices, int size)
{
    int n = 0;

    for (int i = 0; i < r->nsibs && n < size; i++, n++) {
        choices[n].uri = r->snapshot->targets[r->sibs[i]].uri;
        choices[n].label = r->snapshot->targets[r->sibs[i]].label;
    }
    return n;
}

bool route_is_siblings (struct route *r)
{
    return r->req.kind == DELEGATE_POLICY && r->req.policy == POLICY_SIBLINGS;
}

char *route_note (struct route *r)
{
    char *note = r->note;

    r->note = NULL;
    return note;
}

void route_destroy (struct route *r)
{
    if (r) {
        free (r->sibs);
        free (r->note);
        if (r->why)
            for (int i = 0; i < r->snapshot->count; i++)
                free (r->why[i]);
        free (r->why);
        free (r->tried);
        delegate_conf_destroy (r->snapshot);
        free (r->uri);
        free (r->label);
        free (r->value);
        free (r);
    }
}

struct route *route_create (const char *value, flux_error_t *errp)
{
    struct route *r;
    struct delegate_request req;

    if (delegate_value_parse (value, &req, errp) < 0)
        return NULL;
    if (!(r = calloc (1, sizeof (*r))) || !(r->value = strdup (value))) {
        free (r);
        errfmt (errp, "%s: out of memory", value);
        return NULL;
    }
    r->req = req;
    r->req.text = r->value;
    r->current = -1;
    return r;
}

// vi:ts=4 sw=4 expandtab
