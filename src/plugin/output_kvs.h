/* SPDX-License-Identifier: LGPL-3.0 */

/* output_kvs.h - the copy of a remote job's output into the source
 * job's guest KVS namespace (output.h, implemented by output.c)
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
 * job's shell writes it before the job starts.  The copy is complete
 * when the remote eventlog ended, or every stream of every task sent
 * its EOF, and all was committed.  The source job must not finish
 * before: job-exec then removes the namespace.
 */

#ifndef DELEGATE_OUTPUT_KVS_H
#define DELEGATE_OUTPUT_KVS_H

#include <flux/core.h>

#include "output.h"

struct output *output_kvs_create (
    flux_t *h, flux_jobid_t id, const char *service, output_complete_f cb, void *arg);

#endif /* !DELEGATE_OUTPUT_KVS_H */

// vi:ts=4 sw=4 expandtab
