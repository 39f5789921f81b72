/* SPDX-License-Identifier: LGPL-3.0 */

/* route.c - where one job goes (see route.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "route.h"

struct route {
    char *value;
    struct delegate_request req;
    struct delegate_conf *snapshot;  // policies: targets at first attempt
    bool *tried;
    char **why;
    int current;  // index into snapshot, or -1
    int attempt;
    char *uri;  // URI and label requests
};

int route_attempt (struct route *r)
{
    return r->attempt;
}

bool route_can_failover (struct route *r)
{
    return r->req.kind == DELEGATE_POLICY;
}

void route_failed (struct route *r, const char *why)
{
    if (r->snapshot && r->current >= 0 && !r->why[r->current])
        r->why[r->current] = strdup (why);
}

static int fail (char *err, size_t size, const char *fmt, const char *arg)
{
    snprintf (err, size, fmt, arg);
    return -1;
}

/* "all targets failed: LABEL (URI): why; URI: why; ..." */
static int fail_all (struct route *r, char *err, size_t size)
{
    size_t len;
    bool first = true;

    snprintf (err, size, "all targets failed:");
    for (int i = 0; i < r->snapshot->count; i++) {
        struct target_conf *tc = &r->snapshot->targets[i];
        if (!r->tried[i] || (len = strlen (err)) >= size - 1)
            continue;
        if (tc->label)
            snprintf (err + len,
                      size - len,
                      "%s %s (%s): %s",
                      first ? "" : ";",
                      tc->label,
                      tc->uri,
                      r->why[i] ? r->why[i] : "failed");
        else
            snprintf (err + len,
                      size - len,
                      "%s %s: %s",
                      first ? "" : ";",
                      tc->uri,
                      r->why[i] ? r->why[i] : "failed");
        first = false;
    }
    return -1;
}

static int next_by_policy (
    struct route *r, struct targets *t, json_t *jobspec, char *err, size_t size)
{
    struct target_view views[r->snapshot->count + 1];
    struct job_shape shape;
    struct policy_input in = {
        .req = &r->req,
        .targets = views,
        .count = r->snapshot->count,
        .tried = r->tried,
        .shape = &shape,
        .random = (unsigned int)random (),
        .rr_next = targets_rr_next (t),
    };
    flux_error_t error;
    int i;

    if (job_shape_from_jobspec (jobspec, &shape, &error) < 0)
        return fail (err, size, "%s", error.text);
    for (i = 0; i < r->snapshot->count; i++)
        targets_view (t, r->snapshot->targets[i].uri, &views[i]);
    if ((i = policy_choose (&in, &error)) == POLICY_WAIT) {
        snprintf (err, size, "%s", error.text);
        return 1;
    }
    if (i < 0) {
        if (r->attempt > 0 && strstr (error.text, "every target has been tried"))
            return fail_all (r, err, size);
        return fail (err, size, "%s", error.text);
    }
    r->tried[i] = true;
    r->current = i;
    return 0;
}

int route_next (struct route *r,
                struct targets *t,
                json_t *jobspec,
                const char **urip,
                const char **labelp,
                char *err,
                size_t size)
{
    const struct delegate_conf *conf = targets_conf (t);
    int i;

    if (r->req.kind != DELEGATE_POLICY) {
        if (r->attempt > 0)
            return fail (err, size, "%s: the target failed", r->value);
        if (r->req.kind == DELEGATE_LABEL) {
            if ((i = delegate_conf_find_label (conf, r->value)) < 0)
                return fail (err, size, "unknown target label '%s'", r->value);
            if (!(r->uri = strdup (conf->targets[i].uri)))
                return fail (err, size, "%s: out of memory", r->value);
        }
        if (targets_full (t, r->uri ? r->uri : r->value)) {
            snprintf (err, size, "%s is at its max-jobs", r->value);
            return 1;
        }
        r->attempt++;
        *urip = r->uri ? r->uri : r->value;
        *labelp = targets_label (t, *urip);
        return 0;
    }
    if (!r->snapshot) {
        if (!(r->snapshot = delegate_conf_copy (conf))
            || !(r->tried = calloc (r->snapshot->count + 1, sizeof (bool)))
            || !(r->why = calloc (r->snapshot->count + 1, sizeof (char *))))
            return fail (err, size, "%s: out of memory", r->value);
    }
    if ((i = next_by_policy (r, t, jobspec, err, size)) != 0)
        return i;
    r->attempt++;
    *urip = r->snapshot->targets[r->current].uri;
    *labelp = r->snapshot->targets[r->current].label;
    return 0;
}

void route_destroy (struct route *r)
{
    if (r) {
        if (r->why)
            for (int i = 0; i < r->snapshot->count; i++)
                free (r->why[i]);
        free (r->why);
        free (r->tried);
        delegate_conf_destroy (r->snapshot);
        free (r->uri);
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
        fail (errp->text, sizeof (errp->text), "%s: out of memory", value);
        return NULL;
    }
    r->req = req;
    r->req.text = r->value;
    r->current = -1;
    return r;
}

// vi:ts=4 sw=4 expandtab
