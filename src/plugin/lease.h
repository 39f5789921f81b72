/* SPDX-License-Identifier: LGPL-3.0 */

/* lease.h - the lease of a sibling job's copies: what both sides agree on
 *
 * A source offers a job to several accepting targets at once (siblings,
 * delegation_siblings.c), each copy asked with a lease in seconds.  The
 * target holds its copy once allocated with a prolog of description
 * LEASE_PROLOG, whose "prolog-start" event is the ask the source reads,
 * and starts it only on a grant that comes within the lease by its own
 * clock; otherwise it cancels it (accept_lease.c).
 */

#ifndef DELEGATE_LEASE_H
#define DELEGATE_LEASE_H

#define LEASE_PROLOG "delegate-lease"
#define LEASE_DEFAULT 5.0  // seconds: the source's, unless lease= is given
#define LEASE_MAX 3600.0   // seconds: the most a target holds a copy

#endif /* !DELEGATE_LEASE_H */

// vi:ts=4 sw=4 expandtab
