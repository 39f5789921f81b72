/* SPDX-License-Identifier: LGPL-3.0 */

/* accept_reload.c - the copies an accepting side finds as it loads
 * (accept.h): those made before a flux jobtap remove, or a restart
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "accept_impl.h"
#include "history.h"

/* A copy found as the plugin loads: a jobspec copy's key and hops are in
 * its jobspec, a J copy's in its eventlog, read here.
 */
static void scan_done (struct accept *a)
{
    if (--a->scans > 0)
        return;
    while (a->nqueued > 0) {
        const flux_msg_t *msg = a->queued[0];
        memmove (a->queued, a->queued + 1, --a->nqueued * sizeof (*a->queued));
        accept_request (a, msg);
        flux_msg_decref (msg);
    }
}

static void scan_cb (flux_future_t *f, void *arg)
{
    struct accept *a = arg;
    flux_jobid_t id = *(flux_jobid_t *)flux_future_aux_get (f, "id");
    const char *eventlog;
    struct history hist;
    struct arrival *arr = arrival_get (a, id);

    if (arr && !arr->key && flux_kvs_lookup_get (f, &eventlog) == 0
        && history_parse (eventlog, &hist, NULL) == 0 && hist.accept_key[0]
        && (arr->key = strdup (hist.accept_key))) {
        arr->hops = hist.accept_hops;
        if (!arr->acked)
            key_map (arr);
    }
    flux_future_destroy (f);
    scan_done (a);
}

static void arrival_found (struct arrival *arr, int state)
{
    if ((arr->onward && state != FLUX_JOB_STATE_DEPEND)
        || (!arr->onward && state != FLUX_JOB_STATE_PRIORITY))
        arrival_done (arr);  // acknowledged before
    else {
        if (arr->key)
            key_map (arr);
        arrival_await_ack (arr);
    }
}

enum arrival_kind take_found (
    struct accept *a, flux_jobid_t id, uint32_t userid, json_t *jobspec, int state)
{
    bool onward =
        flux_jobtap_job_event_posted (a->p, id, "delegate::accept-onward") > 0;
    struct arrival *arr;
    flux_jobid_t *idp;
    flux_future_t *f = NULL;
    const char *jkey;
    char key[64];
    int hops = 1;

    if (userid == a->owner && (jkey = jobspec_key (jobspec, &hops))) {
        if (!(arr = arrival_create (a, id, jkey, hops)))
            return ARRIVAL_NONE;
        arr->onward = false;
        arrival_found (arr, state);
        return ARRIVAL_HERE;
    }
    if (!onward && flux_jobtap_job_event_posted (a->p, id, "delegate::accept") <= 0)
        return ARRIVAL_NONE;
    /* its hops are read below: until then, no further than the limit */
    if (!(arr = arrival_create (a, id, NULL, a->conf.hop_limit)))
        return ARRIVAL_NONE;
    arr->onward = onward;
    arrival_found (arr, state);
    if (flux_job_kvs_key (key, sizeof (key), id, "eventlog") < 0
        || !(idp = malloc (sizeof (*idp))))
        return onward ? ARRIVAL_ONWARD : ARRIVAL_HERE;
    *idp = id;
    if (!(f = flux_kvs_lookup (a->h, NULL, 0, key))
        || flux_future_aux_set (f, "id", idp, free) < 0) {
        free (idp);
        flux_future_destroy (f);
    } else if (flux_future_then (f, -1., scan_cb, a) < 0)
        flux_future_destroy (f);
    else
        a->scans++;
    return onward ? ARRIVAL_ONWARD : ARRIVAL_HERE;
}

// vi:ts=4 sw=4 expandtab
