/* SPDX-License-Identifier: LGPL-3.0 */

/* request.c - the delegate request of a job, checked at submission
 * (request.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <stdio.h>
#include <string.h>

#include "errfmt.h"
#include "jobspec.h"
#include "request.h"
#include "value.h"

/* Find the delegate request: a delegate dependency or the attribute
 * system.delegate, given once.
 * Return 1 and set 'valuep' if found, 0 if none, -1 (errp set) if bad.
 */
int request_find (json_t *jobspec, json_t **valuep, flux_error_t *errp)
{
    json_t *deps = NULL;
    json_t *attr = NULL;
    json_t *entry;
    size_t i;
    int found = 0;

    (void)json_unpack (jobspec,
                       "{s:{s:{s?o s?o}}}",
                       "attributes",
                       "system",
                       "dependencies",
                       &deps,
                       "delegate",
                       &attr);
    json_array_foreach (deps, i, entry)
    {
        const char *scheme = NULL;
        if (json_unpack (entry, "{s:s}", "scheme", &scheme) < 0
            || strcmp (scheme, "delegate") != 0)
            continue;
        if (found++) {
            return errfmt (errp, "only one target may be given");
        }
        *valuep = json_object_get (entry, "value");
    }
    if (attr) {
        if (found) {
            return errfmt (errp,
                           "give the target with --dependency=delegate:VALUE or"
                           " with -S system.delegate=VALUE, not both");
        }
        *valuep = attr;
        found = 1;
    }
    return found;
}

/* List the configured labels into 'buf', for error messages.
 */
static const char *label_list (const struct delegate_conf *dc, char *buf, size_t size)
{
    size_t len = 0;

    snprintf (buf, size, "none");
    for (int i = 0; i < dc->count && len < size; i++) {
        if (dc->targets[i].label)
            len += snprintf (buf + len,
                             size - len,
                             "%s%s",
                             len ? ", " : "",
                             dc->targets[i].label);
    }
    return buf;
}

int request_check (const struct delegate_conf *dc,
                   json_t *value,
                   uint32_t userid,
                   uint32_t owner,
                   bool only_configured,
                   flux_error_t *errp)
{
    struct delegate_request req;
    char labels[128];

    if (!json_is_string (value))
        return errfmt (errp, "the target must be a string");
    if (delegate_value_parse (json_string_value (value), &req, errp) < 0)
        return -1;
    if (req.kind == DELEGATE_URI && userid != owner
        && delegate_conf_find_uri (dc, req.text) < 0)
        return errfmt (errp,
                       "%.64s: not a configured target (another user's job"
                       " may go only to one)",
                       req.text);
    if (req.kind == DELEGATE_URI && only_configured
        && delegate_conf_find_uri (dc, req.text) < 0)
        return errfmt (errp,
                       "%.64s: not a configured target, and only-configured is on",
                       req.text);
    if (req.kind == DELEGATE_LABEL && delegate_conf_find_label (dc, req.text) < 0)
        return errfmt (errp,
                       "unknown target label '%.48s' (configured labels: %.64s)",
                       req.text,
                       label_list (dc, labels, sizeof (labels)));
    return 0;
}

/* An after* dependency names a job of this instance: signed into J, it
 * would name another (or no) job on the target.
 */
static int check_travels (json_t *jobspec, flux_error_t *errp)
{
    json_t *deps = NULL;
    json_t *entry;
    size_t i;

    (void)json_unpack (jobspec,
                       "{s:{s:{s?o}}}",
                       "attributes",
                       "system",
                       "dependencies",
                       &deps);
    json_array_foreach (deps, i, entry)
    {
        const char *scheme = "";
        const char *value = "";
        (void)json_unpack (entry, "{s?s s?s}", "scheme", &scheme, "value", &value);
        if (!strncmp (scheme, "after", 5))
            return errfmt (errp,
                           "another user's job travels as signed: its dependency"
                           " %.16s:%.32s names a job of this instance",
                           scheme,
                           value);
    }
    return 0;
}

int request_check_other_user (const struct delegate_conf *dc,
                              json_t *value,
                              json_t *jobspec,
                              request_refusal_f refusal,
                              void *arg,
                              flux_error_t *errp)
{
    struct delegate_request req;
    const char *queue = delegate_jobspec_queue (jobspec);
    const char *why;
    int i;

    if (check_travels (jobspec, errp) < 0
        || delegate_value_parse (json_string_value (value), &req, errp) < 0)
        return -1;
    if (req.kind == DELEGATE_POLICY) {
        for (i = 0; i < dc->count; i++) {
            if (req.policy == POLICY_ASSIGN && i != req.assign)
                continue;
            if (!(why = refusal (dc->targets[i].uri, queue, arg)))
                return 0;
        }
        return errfmt (errp,
                       "no target of %.32s takes other users' jobs%s%.32s"
                       " (it must accept them and be connected)",
                       req.text,
                       queue ? " in queue " : "",
                       queue ? queue : "");
    }
    i = req.kind == DELEGATE_LABEL ? delegate_conf_find_label (dc, req.text)
                                   : delegate_conf_find_uri (dc, req.text);
    if (i < 0)
        return errfmt (errp, "%.64s: not a configured target", req.text);
    if ((why = refusal (dc->targets[i].uri, queue, arg)))
        return errfmt (errp,
                       "%.64s %s%s%.32s",
                       req.text,
                       why,
                       queue ? " " : "",
                       queue ? queue : "");
    return 0;
}

// vi:ts=4 sw=4 expandtab
