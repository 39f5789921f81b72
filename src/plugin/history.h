/* SPDX-License-Identifier: LGPL-3.0 */

/* history.h - what a source job's eventlog says of its delegation
 *
 * A plugin loaded while delegated jobs are active (flux jobtap load after
 * a remove) gets job.create for each of them, but not their past.  It
 * reads the job's eventlog (RFC 21) from the KVS and takes from it:
 *
 *   delegate::submit   the last one: the remote job, its URI and label,
 *                      the attempt number
 *   delegate::failover the attempts that failed before
 *   dependency-add/-remove
 *                      the other dependencies still outstanding
 *   alloc, start, finish, a fatal exception
 *                      how far the source job got
 *   delegate::sibling, delegate::revoke
 *                      the copies of a job offered as siblings, and those
 *                      that went
 *   delegate::accept, delegate::accept-onward
 *                      on a target, a job that arrived by delegation:
 *                      the key of its submission and its hops
 *
 * Pure: no broker.
 */

#ifndef DELEGATE_HISTORY_H
#define DELEGATE_HISTORY_H

#include <stdbool.h>
#include <flux/core.h>

#define HISTORY_DEPS 16
#define HISTORY_SIBLINGS 64

/* A copy of a sibling job (delegate::sibling), and whether it went since
 * (delegate::revoke).
 */
struct history_sibling {
    flux_jobid_t remote_id;
    char uri[512];
    char label[128];  // "" if none
    bool revoked;
};

struct history {
    flux_jobid_t remote_id;  // 0: never submitted
    char uri[1024];          // of the last submission
    char label[128];         // "" if none
    int attempt;             // of the last submission (0: none)
    int attempts;            // failed or submitted, so far
    bool alloc;              // the source job got its R
    bool start;
    bool finish;
    bool fatal;  // a fatal exception was raised on the source job
    int ndeps;   // other dependencies outstanding (at most HISTORY_DEPS)
    char deps[HISTORY_DEPS][64];
    char accept_key[256];  // "" if the job did not arrive by delegation
    int accept_hops;
    int nsiblings;  // the copies of the sibling rounds, oldest first
    struct history_sibling siblings[HISTORY_SIBLINGS];
};

/* The copies of siblings not revoked. */
int history_live_siblings (const struct history *h);

/* Read 'eventlog' (RFC 18 lines) into 'h'.  Return 0, or -1 with 'errp'
 * set if a line is not an eventlog entry.
 */
int history_parse (const char *eventlog, struct history *h, flux_error_t *errp);

#endif /* !DELEGATE_HISTORY_H */

// vi:ts=4 sw=4 expandtab
