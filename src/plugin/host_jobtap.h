/* SPDX-License-Identifier: LGPL-3.0 */

/* host_jobtap.h - the host of the delegations (host.h) in a real job
 * manager: jobtap calls, the job manager's KVS and reactor, job-exec
 */

#ifndef DELEGATE_HOST_JOBTAP_H
#define DELEGATE_HOST_JOBTAP_H

#include <flux/core.h>
#include <flux/jobtap.h>

#include "host.h"

/* Fill 'host' for the job manager of plugin 'p'; the output copies name
 * 'service' (whose "stdin" method takes what flux job attach sends).
 * Return 0, or -1 with errno.
 */
int host_jobtap_init (struct host *host, flux_plugin_t *p, const char *service);
void host_jobtap_fini (struct host *host);

#endif /* !DELEGATE_HOST_JOBTAP_H */

// vi:ts=4 sw=4 expandtab
