/* SPDX-License-Identifier: LGPL-3.0 */

/* targets.h - the remote instances this job manager delegates to
 *
 * One link (one connection, one thread) per distinct URI, created on
 * first use and kept until the plugin is unloaded.  Link reports are
 * routed to the delegation of the job they concern; link state changes
 * to every delegation that uses the link.
 */

#ifndef DELEGATE_TARGETS_H
#define DELEGATE_TARGETS_H

#include <jansson.h>

#include "delegation.h"
#include "link.h"

struct targets;

struct targets *targets_create (struct delegation_env *env);
void targets_destroy (struct targets *t);

/* Return the link for 'uri', creating it if needed (NULL on error).
 */
struct link *targets_link (struct targets *t, const char *uri);

/* Return an array with one object per link: uri, state, jobs.
 */
json_t *targets_query (struct targets *t);

#endif /* !DELEGATE_TARGETS_H */

// vi:ts=4 sw=4 expandtab
