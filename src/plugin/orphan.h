/* SPDX-License-Identifier: LGPL-3.0 */

/* orphan.h - remote jobs whose submission answer was lost
 *
 * Runs on the link thread, on the remote handle.  When the connection
 * drops while a submission is unanswered, the target may still create
 * the job once it reads the request (a stopped broker resumed, say).
 * Such an orphan cannot run: every copy is submitted held (urgency 0)
 * and released only once its id came back.  Every copy also carries
 * attributes.system.delegate_origin {uri, host, jobid}, which is how
 * the orphan is recognised.
 *
 * The link records each lost submission here (orphans_add).  While the
 * link is connected, a hunt runs at once and then every ORPHAN_RETRY
 * seconds:
 *
 *   job-list.list {states: pending} ── held jobs ──> job-info.lookup
 *   jobspec, one at a time ── origin is a lost submission's ──>
 *   cancel it, report LINK_ORPHAN(srcid, remote id), forget the entry
 *
 * An entry not found is forgotten once it has been looked for over
 * ORPHAN_WATCH seconds of connected time: the request never arrived.
 */

#ifndef DELEGATE_ORPHAN_H
#define DELEGATE_ORPHAN_H

#include <jansson.h>
#include <flux/core.h>

struct tlink;
struct orphans;

struct orphans *orphans_create (struct tlink *l, flux_reactor_t *r);
void orphans_destroy (struct orphans *o);

/* Look for the job submitted for 'srcid' with 'origin' (the copy's
 * delegate_origin object; a reference is taken).
 */
int orphans_add (struct orphans *o, flux_jobid_t srcid, json_t *origin);

bool orphans_empty (struct orphans *o);

/* Connected on 'h': hunt now and then until no entry is left.
 */
void orphans_start (struct orphans *o, flux_t *h);

/* Disconnected: drop requests in flight (before 'h' is closed).
 */
void orphans_stop (struct orphans *o);

#endif /* !DELEGATE_ORPHAN_H */

// vi:ts=4 sw=4 expandtab
