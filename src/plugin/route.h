/* SPDX-License-Identifier: LGPL-3.0 */

/* route.h - where one job goes: its request, the targets tried, failover
 *
 * A job asks for a URI, a label or a policy (value.h).  A URI or a label
 * names one target: one attempt.  A policy chooses among the targets
 * configured when the job is first delegated (a snapshot), and after a
 * failed attempt chooses again among those not tried yet.
 */

#ifndef DELEGATE_ROUTE_H
#define DELEGATE_ROUTE_H

#include <jansson.h>
#include <flux/core.h>

#include "targets.h"
#include "value.h"

struct route;

/* Parse 'value' (copied).  NULL with 'errp' set if it is not valid.
 */
struct route *route_create (const char *value, flux_error_t *errp);
void route_destroy (struct route *r);

/* Choose the target of the next attempt for a job with 'jobspec'.
 * Sets the target's URI and label (NULL if none), valid until the next
 * call.  Return 0, or -1 with the reason in 'err' (of 'size' bytes)
 * when no target is left: after failed attempts it lists each target
 * tried and why it failed.  Return 1 (the reason in 'err') if the job
 * must wait: its named target, or every target its policy may still
 * choose, is at its max-jobs.
 */
int route_next (struct route *r,
                struct targets *t,
                json_t *jobspec,
                const char **urip,
                const char **labelp,
                char *err,
                size_t size);

/* Record why the current attempt failed.
 */
void route_failed (struct route *r, const char *why);

/* True if a failed attempt may be followed by another (policies only).
 */
bool route_can_failover (struct route *r);

/* Attempts made so far (1 for the first).
 */
int route_attempt (struct route *r);

#endif /* !DELEGATE_ROUTE_H */

// vi:ts=4 sw=4 expandtab
