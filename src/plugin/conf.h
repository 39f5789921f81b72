/* SPDX-License-Identifier: LGPL-3.0 */

/* conf.h - the targets configured for this instance
 *
 * In the instance configuration (TOML, flux config load):
 *
 *   [[delegate]]                  # one table per target, in order
 *   uri = "ssh://login1/run/flux/local"
 *   label = "cluster-a"           # optional
 *   max-jobs = 100                # optional: jobs in flight there
 *
 * or the older form
 *
 *   delegate = ["URI0", "URI1"]
 *
 * A target's index is its position (0, 1, ...).  Labels use letters,
 * digits, '-', '_' and '.'; a label may not be a policy name nor repeat
 * another.  Pure functions: no broker.
 */

#ifndef DELEGATE_CONF_H
#define DELEGATE_CONF_H

#include <jansson.h>
#include <flux/core.h>

struct target_conf {
    char *uri;
    char *label;   // NULL if none
    int max_jobs;  // jobs in flight at most; 0: no limit
};

struct delegate_conf {
    int count;
    struct target_conf *targets;
    int shared;  // references beyond the first (delegate_conf_incref)
};

/* Parse the "delegate" key of the instance configuration 'conf' (the
 * whole configuration object; no "delegate" key means no targets).
 * Return a new configuration, or NULL with 'errp' naming the key and the
 * problem.
 */
struct delegate_conf *delegate_conf_parse (json_t *conf, flux_error_t *errp);

/* Drop a reference to 'dc': the last one frees it.
 */
void delegate_conf_destroy (struct delegate_conf *dc);

/* Another reference to 'dc'.  A configuration is not changed once made,
 * so the jobs routed while it is in force share it as their snapshot
 * (route.h) rather than each keeping a copy.
 */
struct delegate_conf *delegate_conf_incref (const struct delegate_conf *dc);

/* Return a copy of 'dc' (NULL on ENOMEM).
 */
struct delegate_conf *delegate_conf_copy (const struct delegate_conf *dc);

/* Index of the target with 'label' (or 'uri'), or -1.
 */
int delegate_conf_find_label (const struct delegate_conf *dc, const char *label);
int delegate_conf_find_uri (const struct delegate_conf *dc, const char *uri);

#endif /* !DELEGATE_CONF_H */

// vi:ts=4 sw=4 expandtab
