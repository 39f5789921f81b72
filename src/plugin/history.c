/* SPDX-License-Identifier: LGPL-3.0 */

/* history.c - what a source job's eventlog says of its delegation
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "errfmt.h"
#include "history.h"

/* A target's label as an event gives it (a string, or null for a target
 * without one), "" if none.
 */
static void set_label (char *buf, size_t size, json_t *label)
{
    snprintf (buf, size, "%s", json_is_string (label) ? json_string_value (label) : "");
}

static void take_submit (struct history *h, json_t *context)
{
    json_int_t id = 0;
    const char *uri = "";
    json_t *label = NULL;  // a string, or null for a target without one
    int attempt = 0;

    (void)json_unpack (context,
                       "{s?I s?s s?o s?i}",
                       "jobid",
                       &id,
                       "uri",
                       &uri,
                       "label",
                       &label,
                       "attempt",
                       &attempt);
    h->remote_id = id;
    snprintf (h->uri, sizeof (h->uri), "%s", uri);
    set_label (h->label, sizeof (h->label), label);
    h->attempt = attempt;
    if (attempt > h->attempts)
        h->attempts = attempt;
}

static void take_dependency (struct history *h, bool add, json_t *context)
{
    const char *desc = NULL;

    if (json_unpack (context, "{s:s}", "description", &desc) < 0
        || !strcmp (desc, "delegate"))
        return;
    for (int i = 0; i < h->ndeps; i++) {
        if (!strcmp (h->deps[i], desc)) {
            if (!add)
                memmove (h->deps[i],
                         h->deps[i + 1],
                         sizeof (h->deps[0]) * (h->ndeps-- - i - 1));
            return;
        }
    }
    if (add && h->ndeps < HISTORY_DEPS)
        snprintf (h->deps[h->ndeps++], sizeof (h->deps[0]), "%s", desc);
}

static void take_sibling (struct history *h, bool revoke, json_t *context)
{
    json_int_t id = 0;
    const char *uri = "";
    json_t *label = NULL;
    struct history_sibling *s;

    if (json_unpack (context,
                     "{s:s s?I s?o}",
                     "uri",
                     &uri,
                     "jobid",
                     &id,
                     "label",
                     &label)
            < 0
        || id <= 0)
        return;
    for (int i = 0; revoke && i < h->nsiblings; i++) {
        s = &h->siblings[i];
        if (s->remote_id == (flux_jobid_t)id && !strcmp (s->uri, uri))
            s->revoked = true;
    }
    if (revoke || h->nsiblings >= HISTORY_SIBLINGS)
        return;
    s = &h->siblings[h->nsiblings++];
    s->remote_id = id;
    snprintf (s->uri, sizeof (s->uri), "%s", uri);
    set_label (s->label, sizeof (s->label), label);
}

int history_live_siblings (const struct history *h)
{
    int n = 0;

    for (int i = 0; i < h->nsiblings; i++)
        if (!h->siblings[i].revoked)
            n++;
    return n;
}

static void take_entry (struct history *h, const char *name, json_t *context)
{
    int severity = 1;
    int attempt = 0;

    if (!strcmp (name, "delegate::submit"))
        take_submit (h, context);
    else if (!strcmp (name, "delegate::sibling"))
        take_sibling (h, false, context);
    else if (!strcmp (name, "delegate::revoke"))
        take_sibling (h, true, context);
    else if (!strcmp (name, "delegate::failover")) {
        (void)json_unpack (context, "{s?i}", "attempt", &attempt);
        if (attempt > h->attempts)
            h->attempts = attempt;
    } else if (!strncmp (name, "delegate::accept", 16)) {
        const char *key = "";
        (void)json_unpack (context, "{s?s s?i}", "key", &key, "hops", &h->accept_hops);
        snprintf (h->accept_key, sizeof (h->accept_key), "%s", key);
    } else if (!strcmp (name, "dependency-add"))
        take_dependency (h, true, context);
    else if (!strcmp (name, "dependency-remove"))
        take_dependency (h, false, context);
    else if (!strcmp (name, "alloc"))
        h->alloc = true;
    else if (!strcmp (name, "start"))
        h->start = true;
    else if (!strcmp (name, "finish"))
        h->finish = true;
    else if (!strcmp (name, "exception")
             && json_unpack (context, "{s:i}", "severity", &severity) == 0
             && severity == 0)
        h->fatal = true;
}

int history_parse (const char *eventlog, struct history *h, flux_error_t *errp)
{
    const char *line = eventlog;
    int n = 0;

    memset (h, 0, sizeof (*h));
    while (line && *line) {
        const char *end = strchr (line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen (line);
        json_t *entry = json_loadb (line, len, 0, NULL);
        const char *name;
        json_t *context = NULL;

        n++;
        if (!entry
            || json_unpack (entry, "{s:s s?o}", "name", &name, "context", &context)
                   < 0) {
            json_decref (entry);
            return errfmt (errp, "eventlog line %d is not an entry", n);
        }
        take_entry (h, name, context);
        json_decref (entry);
        line = end ? end + 1 : NULL;
    }
    return 0;
}

// vi:ts=4 sw=4 expandtab
