/* SPDX-License-Identifier: LGPL-3.0 */

/* accept_lease.c - copies of sibling jobs: held before they start until
 * the source grants them (accept.h)
 *
 * A copy asked for with a lease (seconds) is one of several offered to
 * different targets; the first allocated and granted runs the job.
 *
 *   allocated ── job.state.run: prolog-start "delegate-lease" (the ask,
 *      │         which the source reads in this instance's events);
 *      │         the lease timer starts
 *      v
 *   HELD ── grant {ids} within the lease ──> prolog-finish 0: it starts
 *        ── the lease expires ─────────────> cancelled, prolog-finish 1:
 *        │                                   it never starts, its
 *        │                                   resources are freed
 *        └─ an exception (the source cancels
 *           the sibling) ──────────────────> prolog-finish 1
 *
 * So every ask resolves within the lease, by this instance's clock,
 * into "started" or "ended without start".  A grant that arrives later
 * finds nothing held and is ignored.
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "accept_impl.h"

void lease_take (struct arrival *arr, double lease)
{
    arr->lease = lease;
    arr->onward = false;  // a sibling runs where it is granted
    if (flux_jobtap_job_subscribe (arr->a->p, arr->id) < 0)
        flux_log_error (arr->a->h, "delegate: copy %ju: subscribe", (uintmax_t)arr->id);
}

void lease_clear (struct arrival *arr)
{
    flux_watcher_destroy (arr->lease_timer);
    arr->lease_timer = NULL;
}

/* The hold ends: the copy starts (status 0) or does not (1). */
static void release_hold (struct arrival *arr, int status)
{
    if (!arr->held)
        return;
    arr->held = false;
    lease_clear (arr);
    if (flux_jobtap_prolog_finish (arr->a->p, arr->id, LEASE_PROLOG, status) < 0)
        flux_log_error (arr->a->h,
                        "delegate: copy %ju: prolog-finish",
                        (uintmax_t)arr->id);
}

static void lease_expired_cb (flux_reactor_t *r,
                              flux_watcher_t *w,
                              int revents,
                              void *arg)
{
    struct arrival *arr = arg;
    struct accept *a = arr->a;

    /* the exception first: a prolog-finish alone, whatever its status,
     * would let the copy start (its exception callback ends the hold)
     */
    lease_clear (arr);
    if (flux_jobtap_raise_exception (a->p,
                                     arr->id,
                                     "cancel",
                                     0,
                                     "delegate: the source did not grant this"
                                     " copy within its lease (%gs)",
                                     arr->lease)
        < 0)
        flux_log_error (a->h, "delegate: cannot cancel copy %ju", (uintmax_t)arr->id);
    release_hold (arr, 1);
}

int accept_run (struct accept *a)
{
    struct arrival *arr =
        flux_jobtap_job_aux_get (a->p, FLUX_JOBTAP_CURRENT_JOB, ARRIVAL_AUX);
    flux_reactor_t *r = flux_get_reactor (a->h);

    if (!arr || arr->lease <= 0. || arr->held || arr->lease_timer)
        return 0;
    if (!(arr->lease_timer =
              flux_timer_watcher_create (r, arr->lease, 0., lease_expired_cb, arr))
        || flux_jobtap_prolog_start (a->p, LEASE_PROLOG) < 0) {
        lease_clear (arr);
        return flux_jobtap_raise_exception (a->p,
                                            FLUX_JOBTAP_CURRENT_JOB,
                                            "cancel",
                                            0,
                                            "delegate: cannot hold this copy"
                                            " for its grant: %s",
                                            strerror (errno));
    }
    arr->held = true;
    flux_watcher_start (arr->lease_timer);
    return 0;
}

void accept_exception (struct accept *a)
{
    struct arrival *arr =
        flux_jobtap_job_aux_get (a->p, FLUX_JOBTAP_CURRENT_JOB, ARRIVAL_AUX);

    if (arr)
        release_hold (arr, 1);
}

void lease_grant (struct accept *a, flux_jobid_t id)
{
    struct arrival *arr = arrival_get (a, id);

    if (arr)
        release_hold (arr, 0);
}

// vi:ts=4 sw=4 expandtab
