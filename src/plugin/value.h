/* SPDX-License-Identifier: LGPL-3.0 */

/* value.h - parse the value of a delegate request
 *
 * A job asks for delegation with --dependency=delegate:VALUE.  VALUE
 * names the Flux instance that should run the job, as a URI:
 *
 *   local:///ABSOLUTE/PATH             a broker socket on this host
 *   ssh://[USER@]HOST[:PORT]/PATH      a broker reached through ssh
 *
 * These functions are pure: no broker, no I/O.  Errors are written to
 * 'errp' as one line that names the value and what is wrong with it.
 */

#ifndef DELEGATE_VALUE_H
#define DELEGATE_VALUE_H

#include <stddef.h>
#include <flux/core.h>

/* Longest accepted value (bytes).  A socket path is at most 108 bytes;
 * an ssh URI adds a user and a host name.
 */
#define DELEGATE_VALUE_MAX 1024

/* Check that 'uri' is a URI that flux_open(3) can be asked to connect
 * to for delegation.  Return 0 if so, else -1 with 'errp' set.
 */
int delegate_uri_check (const char *uri, flux_error_t *errp);

/* Check a delegate dependency value (the text after "delegate:").
 * Return 0 if it is acceptable, else -1 with 'errp' set.
 */
int delegate_value_check (const char *value, flux_error_t *errp);

/* Parse a duration: a number of seconds, optionally followed by one of
 * the suffixes ms, s, m, h, d (Flux Standard Duration).  It must be
 * finite and greater than zero.  Return 0 on success, else -1.
 */
int delegate_duration_parse (const char *s, double *seconds);

#endif /* !DELEGATE_VALUE_H */

// vi:ts=4 sw=4 expandtab
