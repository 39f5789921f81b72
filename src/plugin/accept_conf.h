/* SPDX-License-Identifier: LGPL-3.0 */

/* accept_conf.h - whether and from whom this instance accepts delegated
 * jobs: the [delegate-accept] table of the instance configuration
 *
 *   [delegate-accept]              # present (even empty): accepting
 *   allow-origins = ["login1", "ssh://login1/run/flux/local"]
 *                                  # absent: any origin
 *   hop-limit = 1                  # a copy delegated this many times is
 *                                  # not delegated again (default 1)
 *   ack-timeout = "60s"            # a copy its source did not
 *                                  # acknowledge by then is cancelled
 *
 * The origin of a job is declared by the source (its host and URI), so
 * allow-origins filters among the sources whose owner may connect as
 * this instance's owner; it authenticates nothing.  Pure functions.
 */

#ifndef DELEGATE_ACCEPT_CONF_H
#define DELEGATE_ACCEPT_CONF_H

#include <stdbool.h>
#include <jansson.h>
#include <flux/core.h>

#define ACCEPT_DEFAULT_HOP_LIMIT 1
#define ACCEPT_DEFAULT_ACK_TIMEOUT 60.

struct accept_conf {
    bool enabled;        // the table is present
    json_t *origins;     // array of strings, or NULL: any
    int hop_limit;       // >= 1
    double ack_timeout;  // seconds, > 0
};

/* Parse the "delegate-accept" key of the instance configuration 'conf'
 * (the whole object) into 'ac' (replacing nothing: call
 * accept_conf_clear() on a previous one).  Return 0, or -1 with 'errp'
 * naming the key and the problem ('ac' then unchanged).
 */
int accept_conf_parse (json_t *conf, struct accept_conf *ac, flux_error_t *errp);

void accept_conf_clear (struct accept_conf *ac);

/* True if a job from 'origin' ({"host": s, "uri"?: s}) may be taken:
 * allow-origins is absent, or names its host or its URI.
 */
bool accept_conf_origin_allowed (const struct accept_conf *ac, json_t *origin);

#endif /* !DELEGATE_ACCEPT_CONF_H */

// vi:ts=4 sw=4 expandtab
