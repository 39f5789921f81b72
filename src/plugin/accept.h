/* SPDX-License-Identifier: LGPL-3.0 */

/* accept.h - the accepting side: this instance takes jobs delegated to it
 * by cooperating sources (a [delegate-accept] table, accept_conf.h)
 *
 * Services, owner only (job-manager.delegate.*):
 *
 *   hello    {} -> {accept:b, lease:b, hop-limit:i, queues:[s]|null}
 *            asked by a source's link each time it connects; 'lease':
 *            it holds copies asked with a lease (sibling jobs)
 *   accept   COPY -> {id:I}, or
 *            {copies:[COPY, ...]} (1 to ACCEPT_BATCH_MAX) ->
 *              {results:[{id:I} | {errnum:i, error:s}, ...]}, in order,
 *              once every copy is answered
 *            where COPY is {key:s, origin:{host:s, uri?:s, ...}, hops:i,
 *              urgency:i, userid:I, J:s | jobspec:s, lease?:f}:
 *            make the copy of a source job: J (signed by the job's owner,
 *            submitted with that userid and the user role, so ingest
 *            checks the signer) or a jobspec (a job of the source's
 *            owner: submitted, and run, as this instance's owner; its
 *            attributes.system.delegate_origin holds the key and hops).
 *            'key' ("INSTANCE/SRCID/ATTEMPT", and "/N" for the Nth
 *            copy of a sibling job) makes it idempotent: a resend gets
 *            the job made for the first request.
 *   grant    {ids:[I]} (no response): these copies of sibling jobs,
 *            held before they start, may start (accept_lease.c)
 *   ack      {ids:[I]} (no response): the source knows these copies'
 *            ids; they may leave PRIORITY (ids of copies acknowledged
 *            already, or of no copy, are ignored).
 *
 * A copy waits in PRIORITY (the job.state.priority and job.priority.get
 * callbacks answer "unavailable") until its ack, then gets the priority
 * the plugins before this one gave it.  Not acknowledged within
 * ack-timeout of its answer, it is cancelled.  A jobspec copy carries
 * its key and hops in attributes.system.delegate_origin (the source puts
 * them there) and posts no event.  A J copy records its key, origin
 * and hops in one event, delegate::accept (its delegate request is
 * satisfied: it runs here) or delegate::accept-onward (hops below
 * hop-limit: it may be delegated again, held by the "delegate-ack"
 * dependency instead until its ack).  A reloaded plugin finds its copies
 * by these.
 *
 * A copy is recognised at job.create: a jobspec copy by the key the
 * accepting side put into attributes.system.delegate_origin; a J copy,
 * whose jobspec cannot carry anything, by its owner and its tasks,
 * resources and working directory while its submission is in flight.
 * A job of the same user that looks the same in that instant cannot be
 * told apart: when the answer names the other job, it gets an exception
 * saying so.
 */

#ifndef DELEGATE_ACCEPT_H
#define DELEGATE_ACCEPT_H

#include <stdbool.h>
#include <jansson.h>
#include <flux/core.h>
#include <flux/jobtap.h>

#include "lease.h"

#define ACCEPT_ACK_DEPENDENCY "delegate-ack"
#define ACCEPT_BATCH_MAX 256  // copies in one accept request

struct accept;

enum arrival_kind {
    ARRIVAL_NONE,    // not a copy made here
    ARRIVAL_HERE,    // a copy whose delegate request is satisfied
    ARRIVAL_ONWARD,  // a copy that may be delegated again
};

struct accept *accept_create (flux_plugin_t *p);
void accept_destroy (struct accept *a);

/* conf.update: read [delegate-accept] (and the queues) from 'conf'.
 * Return 0, or -1 with 'errp' set (the settings in force stay).
 */
int accept_configure (struct accept *a, json_t *conf, flux_error_t *errp);

/* job.create of job 'id': is it a copy made here?  'has_request': the
 * job asks for delegation (request.h: a J copy does, a jobspec copy does
 * not).  For ARRIVAL_ONWARD, '*hopsp' is its hops.  'state' is
 * FLUX_JOB_STATE_NEW for a new job, else the job is found active as the
 * plugin loads.
 */
enum arrival_kind accept_job_create (struct accept *a,
                                     flux_jobid_t id,
                                     uint32_t userid,
                                     json_t *jobspec,
                                     bool has_request,
                                     int state,
                                     int *hopsp);

/* True if job 'id' still waits for its ack in DEPEND (ARRIVAL_ONWARD):
 * the caller holds it with ACCEPT_ACK_DEPENDENCY.
 */
bool accept_holds_dependency (struct accept *a, flux_jobid_t id);

/* job.state.priority and job.priority.get: hold a copy not acknowledged
 * yet in PRIORITY.
 */
int accept_priority (struct accept *a, flux_plugin_arg_t *args);

/* job.state.run: a copy of a sibling job (a lease) is held here, its
 * "prolog-start" the source's cue, until granted or the lease expires.
 */
int accept_run (struct accept *a);

/* job.event.exception of a copy held for its grant: it ends there. */
void accept_exception (struct accept *a);

/* For plugin.query. */
json_t *accept_query (struct accept *a);

#endif /* !DELEGATE_ACCEPT_H */

// vi:ts=4 sw=4 expandtab
