/* SPDX-License-Identifier: LGPL-3.0 */

/* options.c - the plugin's load options (options.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "lease.h"
#include "options.h"
#include "value.h"

/* A duration option given when loading: a number or a string such as
 * "10s".  Leaves 'value' alone when the option is not given.
 */
int option_duration (flux_plugin_t *p, flux_t *h, const char *name, double *value)
{
    json_t *o = NULL;
    char buf[64];
    const char *s;

    if (flux_plugin_conf_unpack (p, "{s?o}", name, &o) < 0 || !o)
        return 0;
    if (json_is_number (o)) {
        snprintf (buf, sizeof (buf), "%g", json_number_value (o));
        s = buf;
    } else
        s = json_string_value (o);
    if (delegate_duration_parse (s, value) < 0) {
        flux_log (h,
                  LOG_ERR,
                  "delegate: %s must be a duration > 0 such as 10 or 10s",
                  name);
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int option_lease (flux_plugin_t *p, flux_t *h, double *value)
{
    double lease = *value;

    if (option_duration (p, h, "lease", &lease) < 0)
        return -1;
    if (lease <= 0. || lease > LEASE_MAX) {
        flux_log (h,
                  LOG_ERR,
                  "delegate: lease=%g: the lease of sibling copies must be"
                  " more than 0 and at most %gs",
                  lease,
                  LEASE_MAX);
        errno = EINVAL;
        return -1;
    }
    *value = lease;
    return 0;
}

/* A boolean option given when loading: true or false (or 1 or 0, as
 * flux jobtap load passes KEY=VALUE as a string).  Leaves 'value' alone
 * when the option is not given.
 */
int option_bool (flux_plugin_t *p, flux_t *h, const char *name, int *value)
{
    json_t *o = NULL;
    const char *s;

    if (flux_plugin_conf_unpack (p, "{s?o}", name, &o) < 0 || !o)
        return 0;
    if (json_is_boolean (o))
        *value = json_is_true (o);
    else if (json_is_integer (o)
             && (json_integer_value (o) == 0 || json_integer_value (o) == 1))
        *value = (int)json_integer_value (o);
    else if ((s = json_string_value (o))
             && (!strcmp (s, "true") || !strcmp (s, "false")))
        *value = !strcmp (s, "true");
    else {
        flux_log (h, LOG_ERR, "delegate: %s must be true or false", name);
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int options_read (flux_plugin_t *p, flux_t *h, struct delegate_options *o)
{
    o->link_timeout = 10.;
    o->lease = LEASE_DEFAULT;
    o->link_idle = 60.;
    o->metrics_interval = 2.;
    o->only_configured = -1;
    o->journal = 1;
    if (option_duration (p, h, "link-timeout", &o->link_timeout) < 0
        || option_duration (p, h, "link-idle", &o->link_idle) < 0
        || option_lease (p, h, &o->lease) < 0
        || option_duration (p, h, "metrics-interval", &o->metrics_interval) < 0
        || option_bool (p, h, "only-configured", &o->only_configured) < 0
        || option_bool (p, h, "journal", &o->journal) < 0)
        return -1;
    return 0;
}

// vi:ts=4 sw=4 expandtab
