/* SPDX-License-Identifier: LGPL-3.0 */

/* jobspec.h - the job as the source and the target see it
 *
 * Pure functions over jansson objects (RFC 25 jobspec, RFC 20 R):
 *
 * - the copy of a job sent to the target: the job's current jobspec,
 *   with the environment and the exec block of the jobspec as it was
 *   submitted (the job manager hands plugins a jobspec without the
 *   environment, and this plugin replaces the exec block on the
 *   source), without attributes.system.dependencies (their job ids mean
 *   nothing on the target) and without the delegate request, and with
 *   attributes.system.delegate_origin recording where it came from;
 *
 * - the exec block that puts the source job in job-exec's test mode
 *   with override, so the plugin decides when it starts and finishes;
 *
 * - the R given to the source job: the target's R, with no expiration,
 *   so that the target alone enforces the time limit.
 */

#ifndef DELEGATE_JOBSPEC_H
#define DELEGATE_JOBSPEC_H

#include <jansson.h>
#include <flux/core.h>

/* Timer that job-exec's test mode arms when the source job starts.  It
 * must never fire before the remote job ends, and it must be finite so
 * that a reattach after an instance restart does not finish the job.
 */
#define DELEGATE_RUN_DURATION "3650d"

/* Return the jobspec signed into J (RFC 42 style HEADER.PAYLOAD.SIG,
 * each part base64), as submitted, environment included.  The payload
 * is read whatever the signing mechanism; the signature is not checked
 * (the job manager already accepted the job).
 * Return a new object, or NULL with 'errp' set.
 */
json_t *delegate_J_jobspec (const char *J, flux_error_t *errp);

/* The queue the job asks for (attributes.system.queue), or NULL.
 */
const char *delegate_jobspec_queue (json_t *jobspec);

/* Build the copy of a job sent to the target.
 * 'current' is the job manager's jobspec (updates applied, environment
 * removed), 'submitted' the jobspec signed into J, 'origin'
 * an object stored under attributes.system.delegate_origin (may be NULL).
 * Return a new object, or NULL with 'errp' set.
 */
json_t *delegate_jobspec_remote (json_t *current,
                                 json_t *submitted,
                                 json_t *origin,
                                 flux_error_t *errp);

/* The copy 'jobspec' (text, as delegate_jobspec_remote made it) with
 * 'key' as its attributes.system.delegate_origin.key: each copy of a
 * sibling job has its own.  A new string, or NULL (not such a copy, or
 * out of memory).
 */
char *delegate_jobspec_with_key (const char *jobspec, const char *key);

/* Return a new exec test object for the source job.
 */
json_t *delegate_exec_test_create (void);

/* Build the source job's R from the target's R: a copy with
 * execution.expiration set to 0 (no limit).
 * Return a new object, or NULL with 'errp' set.
 */
json_t *delegate_source_R (json_t *remote_R, flux_error_t *errp);

#endif /* !DELEGATE_JOBSPEC_H */

// vi:ts=4 sw=4 expandtab
