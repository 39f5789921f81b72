/* SPDX-License-Identifier: LGPL-3.0 */

/* kill_events.h - flux job kill on a delegated job
 *
 * flux job kill publishes the event shell-ID.kill {signum} for the job
 * shells of job ID; a delegated job has its shells on the target, so
 * the signal is passed to its delegation (delegation_kill).
 */

#ifndef DELEGATE_KILL_EVENTS_H
#define DELEGATE_KILL_EVENTS_H

#include <flux/core.h>

#include "delegation.h"

struct kill_events;

/* Subscribe to shell-*.kill on 'h'; the delegations of 'env'.  NULL
 * with errno on failure.
 */
struct kill_events *kill_events_create (flux_t *h, struct delegation_env *env);

/* Unsubscribes without waiting for the answer: nothing blocks here.
 */
void kill_events_destroy (struct kill_events *k);

#endif /* !DELEGATE_KILL_EVENTS_H */

// vi:ts=4 sw=4 expandtab
