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

/* The plugin's load options (see delegate.c), with their defaults.
 */
struct delegate_options {
    double link_timeout;
    double lease;  // of sibling copies
    double link_idle;
    double metrics_interval;
    int only_configured;  // 1, 0, or -1: as access.allow-guest-user
    int journal;
};

/* Set 'o' to the defaults, then to the options given.  -1 (logged, errno
 * EINVAL) if one is bad.
 */
int options_read (flux_plugin_t *p, flux_t *h, struct delegate_options *o);

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
