/* SPDX-License-Identifier: LGPL-3.0 */

/* output.h - the remote job's output, copied to the source job
 *
 * flux job attach SOURCEID reads the "output" eventlog (RFC 24) in the
 * job's guest KVS namespace once the exec eventlog there shows
 * "shell.init".  A source job runs no shell: job-exec (test mode)
 * creates the namespace and its exec eventlog when the job starts, and
 * moves them to the primary namespace when it finishes.  So, while the
 * source job runs:
 *
 *   remote guest.output entries ──> appended in order, in batches (one
 *   commit in flight at a time), to "output" in the source guest
 *   namespace; the batch with the header also appends "shell.init" to
 *   "exec.eventlog" there, naming 'service', whose "stdin" method takes
 *   and drops what attach sends (stdin is not forwarded).
 *
 * Entries that come before output_start() wait for it.  The source job
 * starts only once the header is copied (output_shown), as a local
 * job's shell writes it before the job starts.  The copy is
 * complete when the remote eventlog ended, or every stream of every
 * task sent its EOF, and all was committed.  The source job must not
 * finish before: job-exec then removes the namespace.
 */

#ifndef DELEGATE_OUTPUT_H
#define DELEGATE_OUTPUT_H

#include <flux/core.h>

struct output;

/* Called once the header is copied, and when the copy becomes complete.
 */
typedef void (*output_complete_f) (void *arg);

struct output *output_create (
    flux_t *h, flux_jobid_t id, const char *service, output_complete_f cb, void *arg);
void output_destroy (struct output *o);

/* An entry of the remote output eventlog (one line of JSON).
 */
int output_add (struct output *o, const char *entry);

/* The remote output eventlog ended ('error' NULL) or cannot be read.
 */
void output_end (struct output *o, const char *error);

/* The source job runs: its guest namespace exists.
 */
void output_start (struct output *o);

/* After a plugin reload: 'count' entries, the header among them if any,
 * were copied by the plugin before.
 */
void output_resume (struct output *o, int count);

bool output_complete (struct output *o);

/* True once the header (and "shell.init") is committed, or the copy
 * ended without: flux job attach finds what it waits for.
 */
bool output_shown (struct output *o);

#endif /* !DELEGATE_OUTPUT_H */

// vi:ts=4 sw=4 expandtab
