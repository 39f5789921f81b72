/* SPDX-License-Identifier: LGPL-3.0 */

/* accept_conf.c - the [delegate-accept] table (accept_conf.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <string.h>

#include "accept_conf.h"
#include "errfmt.h"
#include "value.h"

#define TABLE "delegate-accept"

static int parse_origins (json_t *o, json_t **originsp, flux_error_t *errp)
{
    size_t i;
    json_t *entry;

    if (!o) {
        *originsp = NULL;
        return 0;
    }
    if (!json_is_array (o))
        return errfmt (errp, TABLE ".allow-origins must be an array of strings");
    json_array_foreach (o, i, entry)
    {
        if (!json_is_string (entry) || json_string_length (entry) == 0)
            return errfmt (errp,
                           TABLE ".allow-origins[%zu] must be a host name or a URI",
                           i);
    }
    *originsp = json_incref (o);
    return 0;
}

static int parse_ack_timeout (json_t *o, double *secondsp, flux_error_t *errp)
{
    if (!o)
        *secondsp = ACCEPT_DEFAULT_ACK_TIMEOUT;
    else if (json_is_number (o)) {
        if ((*secondsp = json_number_value (o)) <= 0.)
            return errfmt (errp, TABLE ".ack-timeout must be greater than zero");
    } else if (!json_is_string (o)
               || delegate_duration_parse (json_string_value (o), secondsp) < 0)
        return errfmt (errp,
                       TABLE
                       ".ack-timeout must be a duration (e.g. \"60s\") or"
                       " a number of seconds greater than zero");
    return 0;
}

int accept_conf_parse (json_t *conf, struct accept_conf *ac, flux_error_t *errp)
{
    json_t *table = json_object_get (conf, TABLE);
    json_t *hop = NULL;
    json_t *ack = NULL;
    json_t *origins = NULL;
    struct accept_conf new = {.hop_limit = ACCEPT_DEFAULT_HOP_LIMIT,
                              .ack_timeout = ACCEPT_DEFAULT_ACK_TIMEOUT};
    const char *key;
    json_t *value;

    if (!table) {
        *ac = new;
        return 0;
    }
    if (!json_is_object (table))
        return errfmt (errp, TABLE " must be a table");
    json_object_foreach (table, key, value)
    {
        if (strcmp (key, "allow-origins") && strcmp (key, "hop-limit")
            && strcmp (key, "ack-timeout"))
            return errfmt (errp,
                           TABLE
                           ": unknown key '%.64s' (known: allow-origins,"
                           " hop-limit, ack-timeout)",
                           key);
    }
    hop = json_object_get (table, "hop-limit");
    ack = json_object_get (table, "ack-timeout");
    if (hop) {
        if (!json_is_integer (hop) || json_integer_value (hop) < 1
            || json_integer_value (hop) > 64)
            return errfmt (errp, TABLE ".hop-limit must be an integer from 1 to 64");
        new.hop_limit = json_integer_value (hop);
    }
    if (parse_ack_timeout (ack, &new.ack_timeout, errp) < 0
        || parse_origins (json_object_get (table, "allow-origins"), &origins, errp) < 0)
        return -1;
    new.origins = origins;
    new.enabled = true;
    *ac = new;
    return 0;
}

void accept_conf_clear (struct accept_conf *ac)
{
    json_decref (ac->origins);
    ac->origins = NULL;
    ac->enabled = false;
}

bool accept_conf_origin_allowed (const struct accept_conf *ac, json_t *origin)
{
    const char *host = NULL;
    const char *uri = NULL;
    size_t i;
    json_t *entry;

    if (!ac->origins)
        return true;
    (void)json_unpack (origin, "{s?s s?s}", "host", &host, "uri", &uri);
    json_array_foreach (ac->origins, i, entry)
    {
        const char *s = json_string_value (entry);
        if ((host && !strcmp (s, host)) || (uri && !strcmp (s, uri)))
            return true;
    }
    return false;
}

// vi:ts=4 sw=4 expandtab
