/* SPDX-License-Identifier: LGPL-3.0 */

/* route.h - where one job goes: its request, the targets tried, failover
 *
 * A job asks for a URI, a label or a policy (value.h).  A URI or a label
 * names one target: one attempt.  A policy chooses among the targets
 * configured when the job is first delegated (a snapshot), and after a
 * failed attempt chooses again among those not tried yet.
 *
 * Each attempt is chosen in two steps, so that route needs nothing but
 * the configuration and what the caller knows of the targets:
 *
 *   n = route_candidates (r, conf)   the targets it may choose among
 *   views[i] for route_candidate (r, i), i < n   (the caller's snapshot)
 *   route_choose (r, views, ...)     ROUTE_CHOSEN, ROUTE_WAIT or ROUTE_NONE
 *
 * siblings[:K] (issue 17): route_choose returns ROUTE_SIBLINGS and
 * route_siblings() the targets of the round; with fewer than two
 * accepting targets the job falls back to earliest_start for good, and
 * route_note() says so.
 *
 * Pure: no broker.
 */

#ifndef DELEGATE_ROUTE_H
#define DELEGATE_ROUTE_H

#include <jansson.h>
#include <flux/core.h>

#include "conf.h"
#include "policy.h"
#include "value.h"

struct route;

enum route_result {
    ROUTE_CHOSEN,    // a target for the next attempt
    ROUTE_WAIT,      // its named target, or each one left, is at its max-jobs
    ROUTE_NONE,      // no target is left (the reason says why)
    ROUTE_SIBLINGS,  // siblings: a round of targets (route_siblings)
};

/* Rounds of siblings a job may be offered in: a new round follows one
 * whose copies all ended without starting.
 */
#define ROUTE_SIBLING_ROUNDS 3

struct route_choice {
    const char *uri;
    const char *label;  // NULL if none
};

/* Parse 'value' (copied).  NULL with 'errp' set if it is not valid.
 */
struct route *route_create (const char *value, flux_error_t *errp);
void route_destroy (struct route *r);

/* The number of targets the next attempt may choose among, with 'conf'
 * the configuration in force (a policy takes its snapshot at the first
 * call).  -1 with 'errp' set if there can be no next attempt: the one
 * target named already failed, or a label is not configured.
 */
int route_candidates (struct route *r,
                      const struct delegate_conf *conf,
                      flux_error_t *errp);

/* The URI of candidate 'i' (0 <= i < route_candidates()).
 */
const char *route_candidate (struct route *r, int i);

/* Choose the target of the next attempt for a job with 'jobspec', from
 * 'views' (one per candidate, in order).  'random' feeds the random
 * policy; 'rr_next' is the round_robin state, shared by all jobs.
 * ROUTE_CHOSEN sets 'choice' (valid until the next call).  ROUTE_WAIT
 * and ROUTE_NONE write the reason into 'err' (of 'size' bytes): after
 * failed attempts ROUTE_NONE lists each target tried and why it failed.
 */
enum route_result route_choose (struct route *r,
                                const struct target_view *views,
                                json_t *jobspec,
                                unsigned int random,
                                unsigned int *rr_next,
                                struct route_choice *choice,
                                char *err,
                                size_t size);

/* After ROUTE_SIBLINGS: the targets of the round, best first (up to
 * 'size'; valid until the next route_choose).  Returns how many.
 */
int route_siblings (struct route *r, struct route_choice *choices, int size);

/* True while the job is offered as siblings (false once it fell back to
 * earliest_start, with fewer than two accepting targets).
 */
bool route_is_siblings (struct route *r);

/* Why a siblings request goes as earliest_start, once (the caller frees
 * it), or NULL.
 */
char *route_note (struct route *r);

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
