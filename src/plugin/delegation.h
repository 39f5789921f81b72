/* SPDX-License-Identifier: LGPL-3.0 */

/* delegation.h - one source job delegated to a target (the state machine)
 *
 * See the top of delegation.c for the states and transitions.
 */

#ifndef DELEGATE_DELEGATION_H
#define DELEGATE_DELEGATION_H

#include <jansson.h>
#include <flux/core.h>
#include <flux/jobtap.h>

#include "link.h"
#include "route.h"
#include "targets.h"

/* The job manager dependency that holds a delegated job in DEPEND.
 */
#define DELEGATION_DEPENDENCY "delegate"

/* What every delegation shares: set up by the plugin.
 */
struct delegation_env {
    flux_plugin_t *p;
    flux_t *h;
    double link_timeout;  // seconds
    bool journal;         // links read the targets' journals (journal.h)
    double link_idle;     // seconds: an unused link closes (link.h)
    json_t *origin;       // attributes.system.delegate_origin of copies
    char service[128];    // where flux job attach sends stdin (output.h)
    struct targets *targets;
    struct delegation *list;
    int waiting;                      // delegations waiting for a slot on a full target
    struct delegation *settle_head;   // to decide once the callbacks
    struct delegation **settle_tail;  //   under way are over
    flux_watcher_t *settle_w;
};

/* Set up, and tear down, what the delegations of 'env' share; the
 * fields above 'list' are the caller's.
 */
int delegation_env_init (struct delegation_env *env);
void delegation_env_fini (struct delegation_env *env);

struct delegation;

/* Create the delegation of job 'id' to where 'route' says (the
 * delegation takes 'route').
 */
struct delegation *delegation_create (struct delegation_env *env,
                                      flux_jobid_t id,
                                      uint32_t userid,
                                      int urgency,
                                      struct route *route);
void delegation_destroy (struct delegation *d);

/* Take over a job found active when the plugin was loaded (its past is
 * read from its eventlog; see delegation_recover.c).
 */
void delegation_recover (struct delegation *d);

/* Find the delegation of job 'id', or NULL.
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
int delegation_sched (struct delegation *d, flux_plugin_arg_t *args);
void delegation_kill (struct delegation *d, int signum);
void delegation_exception (struct delegation *d,
                           const char *type,
                           int severity,
                           const char *note);

/* Link side: a report for this job, or a change of its link's state.
 */
void delegation_link_report (struct delegation *d, const struct link_report *rep);
void delegation_link_state (struct delegation *d, bool up, const char *why);

/* Walk all delegations: for (d = env->list; d; d = delegation_next (d))
 */
struct delegation *delegation_next (struct delegation *d);

/* True while the job holds a slot of its target: from the choice of the
 * target until the remote job finished or the delegation ended.
 */
bool delegation_in_flight (struct delegation *d);

/* Try again every delegation waiting for a slot, oldest job first.
 */
void delegation_wake_all (struct delegation_env *env);

/* State name, for logs and queries.
 */
const char *delegation_state_name (struct delegation *d);

/* The link of the current attempt (NULL before the first).
 */
struct link *delegation_link (struct delegation *d);

#endif /* !DELEGATE_DELEGATION_H */

// vi:ts=4 sw=4 expandtab
