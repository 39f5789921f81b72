/* SPDX-License-Identifier: LGPL-3.0 */

/* instance.h - this instance as its copies name it (their origin)
 *
 * The origin is an object {host, uri, instance}: the host name of this
 * broker, its local-uri, and the id of this instance, a UUID kept in
 * its KVS under "delegate.instance" (made the first time), so that it
 * stays the same across restarts that keep the KVS.  The copies record
 * the origin (attributes.system.delegate_origin, accept.h), and the
 * keys of the accept requests begin with the instance id.  uri and
 * instance are read asynchronously: they appear in the object when
 * known.
 */

#ifndef DELEGATE_INSTANCE_H
#define DELEGATE_INSTANCE_H

#include <jansson.h>
#include <flux/core.h>

struct instance;

/* Start reading what the origin holds.  NULL with errno on failure.
 */
struct instance *instance_create (flux_t *h);
void instance_destroy (struct instance *in);

/* The origin object (borrowed: it lives as long as 'in').
 */
json_t *instance_origin (struct instance *in);

#endif /* !DELEGATE_INSTANCE_H */

// vi:ts=4 sw=4 expandtab
