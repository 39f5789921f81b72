/* SPDX-License-Identifier: LGPL-3.0 */

/* options.h - the plugin's load options
 *
 * Options come from "flux jobtap load delegate.so NAME=VALUE" or the
 * conf table of the plugin in the [job-manager] plugins configuration.
 * Each function leaves 'value' alone when the option is not given; a bad
 * value is logged on 'h', naming the option, and fails with EINVAL.
 */

#ifndef DELEGATE_OPTIONS_H
#define DELEGATE_OPTIONS_H

#include <flux/core.h>

/* A duration: a number of seconds, or a string such as "10s" or "500ms".
 */
int option_duration (flux_plugin_t *p, flux_t *h, const char *name, double *value);

/* The lease of sibling copies (delegation_siblings.c): a duration more
 * than 0 and at most LEASE_MAX (lease.h).
 */
int option_lease (flux_plugin_t *p, flux_t *h, double *value);

/* A boolean: true or false, 1 or 0, "true" or "false" (set to 1 or 0).
 */
int option_bool (flux_plugin_t *p, flux_t *h, const char *name, int *value);

#endif /* !DELEGATE_OPTIONS_H */

// vi:ts=4 sw=4 expandtab
