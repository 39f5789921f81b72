/* SPDX-License-Identifier: LGPL-3.0 */

/* targets.h - the remote instances this job manager delegates to
 *
 * One link (one connection, one thread) per distinct URI, created on
 * first use and kept until the plugin is unloaded.  The targets of the
 * instance configuration (conf.h) are linked at once and kept connected,
 * and their metrics (metrics.h) are cached here for the policies.
 *
 * Link reports are routed to the delegation of the job they concern;
 * link state changes to every delegation that uses the link.  A
 * configured target may cap its jobs in flight (max-jobs): delegations
 * past it wait, and are woken when one ends.
 */

#ifndef DELEGATE_TARGETS_H
#define DELEGATE_TARGETS_H

#include <jansson.h>

#include "conf.h"
#include "link.h"
#include "policy.h"

struct targets;
struct delegation_env;

struct targets *targets_create (struct delegation_env *env, double metrics_interval);
void targets_destroy (struct targets *t);

/* Take 'dc' as the configured targets (the previous list is freed).
 */
void targets_configure (struct targets *t, struct delegate_conf *dc);

/* The configured targets (never NULL).
 */
const struct delegate_conf *targets_conf (struct targets *t);

/* Return the link for 'uri', creating it if needed (NULL on error).
 */
struct link *targets_link (struct targets *t, const char *uri);

/* The label of the configured target with 'uri', or NULL.
 */
const char *targets_label (struct targets *t, const char *uri);

/* What the policies see of the target at 'uri'.
 */
void targets_view (struct targets *t, const char *uri, struct target_view *view);

/* True if 'uri' is a configured target with max-jobs jobs in flight.
 */
bool targets_full (struct targets *t, const char *uri);

/* A delegation left a target: wake those waiting for a slot (soon, from
 * the reactor).
 */
void targets_slot_freed (struct targets *t);

/* State of the round_robin policy.
 */
unsigned int *targets_rr_next (struct targets *t);

/* Return an array with one object per target: label, uri, state, jobs,
 * pending, running, and free and total nodes, cores, gpus.
 */
json_t *targets_query (struct targets *t);

#endif /* !DELEGATE_TARGETS_H */

// vi:ts=4 sw=4 expandtab
