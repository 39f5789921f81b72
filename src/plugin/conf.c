/* SPDX-License-Identifier: LGPL-3.0 */

/* conf.c - the targets configured for this instance (see conf.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "errfmt.h"
#include "value.h"

/* errfmt() for functions that return a pointer */
#define fail(errp, ...) (errfmt ((errp), __VA_ARGS__), NULL)

void delegate_conf_destroy (struct delegate_conf *dc)
{
    if (dc && dc->shared > 0)
        dc->shared--;
    else if (dc) {
        for (int i = 0; i < dc->count; i++) {
            free (dc->targets[i].uri);
            free (dc->targets[i].label);
        }
        free (dc->targets);
        free (dc);
    }
}

struct delegate_conf *delegate_conf_incref (const struct delegate_conf *dc)
{
    struct delegate_conf *ref = (struct delegate_conf *)dc;  // the count only

    ref->shared++;
    return ref;
}

struct delegate_conf *delegate_conf_copy (const struct delegate_conf *dc)
{
    struct delegate_conf *copy = calloc (1, sizeof (*copy));

    if (!copy || !(copy->targets = calloc (dc->count + 1, sizeof (*copy->targets))))
        goto nomem;
    for (int i = 0; i < dc->count; i++) {
        struct target_conf *tc = &dc->targets[i];
        copy->count = i + 1;
        copy->targets[i].max_jobs = tc->max_jobs;
        if (!(copy->targets[i].uri = strdup (tc->uri))
            || (tc->label && !(copy->targets[i].label = strdup (tc->label))))
            goto nomem;
    }
    return copy;
nomem:
    delegate_conf_destroy (copy);
    return NULL;
}

int delegate_conf_find_label (const struct delegate_conf *dc, const char *label)
{
    for (int i = 0; dc && label && i < dc->count; i++)
        if (dc->targets[i].label && !strcmp (dc->targets[i].label, label))
            return i;
    return -1;
}

int delegate_conf_find_uri (const struct delegate_conf *dc, const char *uri)
{
    for (int i = 0; dc && uri && i < dc->count; i++)
        if (dc->targets[i].uri && !strcmp (dc->targets[i].uri, uri))
            return i;
    return -1;
}

/* Fill target 'i' from 'entry': a URI string (older form) or a table.
 */
static void *entry_parse (struct delegate_conf *dc,
                          int i,
                          json_t *entry,
                          flux_error_t *errp)
{
    json_t *uri = entry;
    json_t *label = NULL;
    const char *key;
    json_t *v;
    flux_error_t e;

    if (json_is_object (entry)) {
        json_object_foreach (entry, key, v)
        {
            if (strcmp (key, "uri") && strcmp (key, "label")
                && strcmp (key, "max-jobs"))
                return fail (errp, "delegate[%d]: unknown key '%s'", i, key);
        }
        if ((v = json_object_get (entry, "max-jobs"))) {
            if (!json_is_integer (v) || json_integer_value (v) < 1
                || json_integer_value (v) > 1000000)
                return fail (errp,
                             "delegate[%d].max-jobs: must be an integer from 1 to"
                             " 1000000",
                             i);
            dc->targets[i].max_jobs = (int)json_integer_value (v);
        }
        if (!(uri = json_object_get (entry, "uri")))
            return fail (errp, "delegate[%d]: the key 'uri' is required", i);
        label = json_object_get (entry, "label");
    } else if (!json_is_string (entry))
        return fail (errp, "delegate[%d]: expected a table or a URI string", i);
    if (!json_is_string (uri))
        return fail (errp, "delegate[%d].uri: must be a string", i);
    if (delegate_uri_check (json_string_value (uri), &e) < 0)
        return fail (errp, "delegate[%d].uri: %s", i, e.text);
    if (label) {
        const char *s = json_string_value (label);
        if (!s)
            return fail (errp, "delegate[%d].label: must be a string", i);
        if (delegate_label_check (s, &e) < 0)
            return fail (errp, "delegate[%d].label: %s", i, e.text);
        if (delegate_is_policy_name (s))
            return fail (errp, "delegate[%d].label: '%s' is a policy name", i, s);
        if (delegate_conf_find_label (dc, s) >= 0)
            return fail (errp, "delegate[%d].label: '%s' is used twice", i, s);
        if (!(dc->targets[i].label = strdup (s)))
            return fail (errp, "out of memory");
    }
    if (delegate_conf_find_uri (dc, json_string_value (uri)) >= 0)
        return fail (errp,
                     "delegate[%d].uri: %s is configured twice",
                     i,
                     json_string_value (uri));
    if (!(dc->targets[i].uri = strdup (json_string_value (uri))))
        return fail (errp, "out of memory");
    return dc;
}

struct delegate_conf *delegate_conf_parse (json_t *conf, flux_error_t *errp)
{
    struct delegate_conf *dc;
    json_t *list = json_object_get (conf, "delegate");
    json_t *entry;
    size_t i;

    if (list && !json_is_array (list))
        return fail (errp,
                     "delegate: expected [[delegate]] tables or an array of"
                     " URIs");
    if (!(dc = calloc (1, sizeof (*dc)))
        || !(dc->targets =
                 calloc (json_array_size (list) + 1, sizeof (*dc->targets)))) {
        delegate_conf_destroy (dc);
        return fail (errp, "out of memory");
    }
    json_array_foreach (list, i, entry)
    {
        dc->count = (int)i + 1;
        if (!entry_parse (dc, (int)i, entry, errp)) {
            delegate_conf_destroy (dc);
            return NULL;
        }
    }
    return dc;
}

// vi:ts=4 sw=4 expandtab
