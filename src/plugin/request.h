/* SPDX-License-Identifier: LGPL-3.0 */

/* request.h - the delegate request of a job, checked at submission
 *
 * A job asks for delegation with one delegate dependency
 * (--dependency=delegate:VALUE) or the attribute system.delegate
 * (-S system.delegate=VALUE), not both.  Pure functions: no broker.
 */

#ifndef DELEGATE_REQUEST_H
#define DELEGATE_REQUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <flux/core.h>

#include "conf.h"

/* Find the request in 'jobspec'.  Return 1 and set 'valuep' (borrowed)
 * if found, 0 if the job asks for no delegation, -1 with 'errp' set if it
 * asks twice.
 */
int request_find (json_t *jobspec, json_t **valuep, flux_error_t *errp);

/* Check 'value' for a job of 'userid' in an instance owned by 'owner'
 * whose configured targets are 'dc'.  With 'only_configured', or for
 * another user than 'owner', a URI must be a configured target's.
 * Return 0, or -1 with 'errp' set.
 */
int request_check (const struct delegate_conf *dc,
                   json_t *value,
                   uint32_t userid,
                   uint32_t owner,
                   bool only_configured,
                   flux_error_t *errp);

/* Why the target at 'uri' cannot take the job (in 'queue', NULL if
 * none), or NULL if it can.
 */
typedef const char *(*request_refusal_f) (const char *uri,
                                          const char *queue,
                                          void *arg);

/* A job of another user than the instance owner travels as it was
 * signed (accept.h): check that it can, and that its target (or one of
 * its policy's) takes it.  'value' passed request_check().  Return 0, or
 * -1 with 'errp' saying why not.
 */
int request_check_other_user (const struct delegate_conf *dc,
                              json_t *value,
                              json_t *jobspec,
                              request_refusal_f refusal,
                              void *arg,
                              flux_error_t *errp);

#endif /* !DELEGATE_REQUEST_H */

// vi:ts=4 sw=4 expandtab
