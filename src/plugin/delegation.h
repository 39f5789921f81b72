/* SPDX-License-Identifier: LGPL-3.0 */

/* delegation.h - source jobs delegated to targets (the state machine)
 *
 * See the top of delegation.c for the states and transitions.  The
 * delegations reach the job manager only through a host (host.h) and
 * the targets through targets.h, so that the unit tests can drive them
 * with a fake host and fake links.
 */

#ifndef DELEGATE_DELEGATION_H
#define DELEGATE_DELEGATION_H

#include <jansson.h>
#include <flux/core.h>

#include "host.h"
#include "route.h"
#include "targets.h"

/* The job manager dependency that holds a delegated job in DEPEND.
 */
#define DELEGATION_DEPENDENCY "delegate"

struct delegation_env;
struct delegation;

struct delegation_env_params {
    double link_timeout;  // seconds
    double lease;         // seconds a sibling copy is held for its grant
    /* attributes.system.delegate_origin of the copies (the job id is
     * added to each): borrowed, the caller keeps it alive
     */
    json_t *origin;
    uint32_t owner;  // of this instance: other users' jobs go as J
    struct targets_params targets;
};

/* What every delegation shares, with the targets (NULL with errno).
 */
struct delegation_env *delegation_env_create (const struct host *host,
                                              const struct delegation_env_params *p);

/* Free the env and its targets (their links are closed).  The
 * delegations must have been destroyed first.
 */
void delegation_env_destroy (struct delegation_env *env);

struct targets *delegation_env_targets (struct delegation_env *env);

/* An object with the number of delegations in each state that has any
 * (empty when there is none).
 */
json_t *delegation_env_query (struct delegation_env *env);

/* Create the delegation of job 'id' to where 'route' says (the
 * delegation takes 'route').  NULL with errno.
 */
struct delegation *delegation_create (struct delegation_env *env,
                                      flux_jobid_t id,
                                      uint32_t userid,
                                      int urgency,
                                      struct route *route);
void delegation_destroy (struct delegation *d);

/* The job is itself a copy delegated 'hops' times (accept.h): its own
 * copies are one more.
 */
void delegation_set_hops (struct delegation *d, int hops);

/* Take over a job found active when the plugin was loaded (its past is
 * read from its eventlog; see delegation_recover.c).
 */
void delegation_recover (struct delegation *d);

/* The delegation of job 'id', or NULL.
 */
struct delegation *delegation_lookup (struct delegation_env *env, flux_jobid_t id);

/* Job manager side: called from the plugin's callbacks.
 */
void delegation_dependency_add (struct delegation *d, const char *description);
void delegation_dependency_remove (struct delegation *d, const char *description);
void delegation_depend (struct delegation *d);
/* job.new: a job with no other dependency is sent at once, held on the
 * target until it is in DEPEND with none (delegation_depend()).
 */
void delegation_new (struct delegation *d);
/* job.state.sched: the R to give the job (borrowed), or NULL if none.
 */
json_t *delegation_sched (struct delegation *d);
void delegation_kill (struct delegation *d, int signum);
void delegation_exception (struct delegation *d,
                           const char *type,
                           int severity,
                           const char *note);
/* The type, severity and note of an exception event's context, the
 * source job's or a remote job's (the defaults: "exception", 0, "").
 */
void delegation_exception_parse (json_t *context,
                                 const char **type,
                                 int *severity,
                                 const char **note);

/* State name, for logs and queries.
 */
const char *delegation_state_name (struct delegation *d);

#endif /* !DELEGATE_DELEGATION_H */

// vi:ts=4 sw=4 expandtab
