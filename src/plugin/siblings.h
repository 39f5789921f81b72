/* SPDX-License-Identifier: LGPL-3.0 */

/* siblings.h - a job offered to several targets at once, the first that
 * can start it running it, exactly once (issue 17): the contract
 *
 * STATUS: design, on the branch issue17-siblings; what exists so far is
 * the target side (accept_lease.c: the hold before start, the grant, the
 * lease; t1015), the choice of targets (policy_siblings, policy.h;
 * t/unit/test_siblings.c) and the parsing of siblings[:K] (value.h).
 * Nothing below is built yet.
 *
 * Asked with -S system.delegate=siblings[:K] or
 * --dependency=delegate:siblings[:K].  PREPARE takes policy_siblings():
 * with fewer than two accepting targets that could hold the job it goes
 * on as earliest_start, posting delegate::siblings {note} to say so.
 * Otherwise the delegation enters OFFERED instead of SUBMIT:
 *
 *   PREPARE ── n >= 2 siblings ──> OFFERED
 *     one copy per sibling, each an accept request with lease (accept.h),
 *     each taking a slot of that target's max-jobs; each posts
 *     delegate::sibling {uri, label, jobid} once its id is known
 *
 *   OFFERED ── first ask (a copy's prolog-start "delegate-lease",
 *      │       read from that target's journal) ──> grant sent to it,
 *      │       delegate::grant {uri, label, jobid}; every other copy
 *      │       cancelled (link_drop with a reason), delegate::revoke
 *      │       {uri, label, jobid} each; their slots freed as they end
 *      v
 *   GRANTED ── the granted copy's "start" ──> RUN, then as a single
 *      │       target: the winner is the delegation's target (memo,
 *      │       R, output, exit code, cancel), the losers are dropped
 *      ├── the granted copy ended without "start" (the grant came after
 *      │   the lease: the target cancelled it) ──> OFFERED again with
 *      │   the copies left, or a new round of copies if none is left
 *      └── contact with the granted target lost for the link timeout
 *          ──> DelegationFailure, every other copy cancelled: a
 *          partition never makes a second run
 *
 * Exactly once, by the lease: a held copy starts only if its grant
 * arrives within the lease (default 5 s) by the target's clock, so every
 * ask resolves there into "started" or "ended without start", which the
 * source reads once in contact.  The source grants again only when it
 * knows no granted copy started.  A grant need not be durable: after a
 * reload or a restart, recovery reads delegate::sibling, ::grant and
 * ::revoke from the eventlog, waits until each outstanding ask has
 * resolved, takes a copy that started as the winner, and grants anew
 * only if none did.
 *
 * Cancel of the source job cancels every copy (link_drop with a
 * reason); a copy on a target unreachable then is found by the orphan
 * search when its link is back, or expires by its lease once allocated.
 *
 * Open questions for the implementation:
 *   - the journal brings prolog-start only if asked: ask for it (and
 *     skip other descriptions) only on links that have sibling copies,
 *     so that a site's own prologs cost nothing more on other links;
 *   - the lease: a [delegate] key (default 5 s), sent in each copy;
 *   - max-jobs: a sibling copy holds a slot of its target until it ends
 *     or is revoked (delegation_env.c counts slots per delegation today:
 *     it must count per copy).
 */

#ifndef DELEGATE_SIBLINGS_H
#define DELEGATE_SIBLINGS_H

#define SIBLINGS_DEFAULT_LEASE 5.0  // seconds

#endif /* !DELEGATE_SIBLINGS_H */

// vi:ts=4 sw=4 expandtab
