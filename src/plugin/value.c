/* SPDX-License-Identifier: LGPL-3.0 */

/* value.c - parse the value of a delegate request (see value.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <stdbool.h>

#include "errfmt.h"
#include "value.h"

/* Printable ASCII only: no spaces, no control bytes, no bytes >= 0x80
 * (which also keeps out text that is not UTF-8).
 */
static int find_bad_byte (const char *s)
{
    for (int i = 0; s[i] != '\0'; i++) {
        unsigned char c = s[i];
        if (c <= 0x20 || c >= 0x7f)
            return i;
    }
    return -1;
}

static bool is_scheme (const char *s, size_t len)
{
    if (len == 0 || !isalpha ((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i < len; i++) {
        unsigned char c = s[i];
        if (!isalnum (c) && c != '+' && c != '-' && c != '.')
            return false;
    }
    return true;
}

static int check_local (const char *uri, const char *path, flux_error_t *errp)
{
    if (path[0] != '/')
        return errfmt (errp,
                       "%s: a local URI needs an absolute socket path"
                       " (local:///PATH)",
                       uri);
    if (path[1] == '\0')
        return errfmt (errp, "%s: the socket path is missing", uri);
    return 0;
}

static int check_port (const char *uri,
                       const char *port,
                       size_t len,
                       flux_error_t *errp)
{
    long n = 0;

    if (len == 0 || len > 5)
        return errfmt (errp, "%s: the ssh port must be a number from 1 to 65535", uri);
    for (size_t i = 0; i < len; i++) {
        if (!isdigit ((unsigned char)port[i]))
            return errfmt (errp,
                           "%s: the ssh port must be a number from 1 to 65535",
                           uri);
        n = n * 10 + (port[i] - '0');
    }
    if (n < 1 || n > 65535)
        return errfmt (errp, "%s: the ssh port must be a number from 1 to 65535", uri);
    return 0;
}

/* [USER@]HOST[:PORT]/PATH
 */
static int check_ssh (const char *uri, const char *rest, flux_error_t *errp)
{
    const char *slash = strchr (rest, '/');
    const char *host = rest;
    const char *at;
    const char *colon;
    size_t hostlen;

    if (!slash)
        return errfmt (errp,
                       "%s: an ssh URI needs a host and a socket path"
                       " (ssh://[USER@]HOST[:PORT]/PATH)",
                       uri);
    if ((at = memchr (rest, '@', slash - rest))) {
        if (at == rest)
            return errfmt (errp, "%s: the user name before '@' is empty", uri);
        host = at + 1;
    }
    hostlen = slash - host;
    if ((colon = memchr (host, ':', hostlen))) {
        if (check_port (uri, colon + 1, slash - colon - 1, errp) < 0)
            return -1;
        hostlen = colon - host;
    }
    if (hostlen == 0)
        return errfmt (errp, "%s: the host name is missing", uri);
    if (slash[1] == '\0')
        return errfmt (errp, "%s: the socket path is missing", uri);
    return 0;
}

int delegate_uri_check (const char *uri, flux_error_t *errp)
{
    const char *sep;
    int bad;

    if (!uri || uri[0] == '\0')
        return errfmt (errp, "the target URI is empty");
    if (strlen (uri) > DELEGATE_VALUE_MAX)
        return errfmt (errp,
                       "the target URI is longer than %d bytes",
                       DELEGATE_VALUE_MAX);
    if ((bad = find_bad_byte (uri)) >= 0)
        return errfmt (errp,
                       "the target URI has a space, control or non-ASCII byte"
                       " at offset %d",
                       bad);
    if (!(sep = strstr (uri, "://")) || !is_scheme (uri, sep - uri))
        return errfmt (errp,
                       "%s: not a URI: expected local:///PATH or"
                       " ssh://[USER@]HOST[:PORT]/PATH",
                       uri);
    if (!strncmp (uri, "local://", 8))
        return check_local (uri, sep + 3, errp);
    if (!strncmp (uri, "ssh://", 6))
        return check_ssh (uri, sep + 3, errp);
    return errfmt (errp,
                   "%s: unsupported URI scheme '%.*s' (use local:// or ssh://)",
                   uri,
                   (int)(sep - uri),
                   uri);
}

static const struct {
    const char *name;
    enum delegate_policy policy;
} policies[] = {
    {"random", POLICY_RANDOM},
    {"assign", POLICY_ASSIGN},
    {"round_robin", POLICY_ROUND_ROBIN},
    {"least_pending", POLICY_LEAST_PENDING},
    {"shortest_match", POLICY_SHORTEST_MATCH},
    {"earliest_start", POLICY_EARLIEST_START},
    {"siblings", POLICY_SIBLINGS},
};

#define NPOLICIES (sizeof (policies) / sizeof (policies[0]))

bool delegate_is_policy_name (const char *name)
{
    for (size_t i = 0; i < NPOLICIES; i++)
        if (!strcmp (name, policies[i].name))
            return true;
    return false;
}

const char *delegate_policy_name (enum delegate_policy policy)
{
    for (size_t i = 0; i < NPOLICIES; i++)
        if (policies[i].policy == policy)
            return policies[i].name;
    return "none";
}

int delegate_label_check (const char *label, flux_error_t *errp)
{
    if (!label || label[0] == '\0')
        return errfmt (errp, "a label may not be empty");
    if (strlen (label) > 64)
        return errfmt (errp, "label '%.16s...' is longer than 64 characters", label);
    for (const char *c = label; *c; c++) {
        if (!isalnum ((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
            return errfmt (errp,
                           "label '%s' may have only letters, digits, '-', '_' and '.'",
                           label);
    }
    return 0;
}

/* assign:N with N a decimal integer >= 0 */
static int parse_assign (const char *value,
                         const char *arg,
                         int *np,
                         flux_error_t *errp)
{
    long n = 0;

    if (arg[0] == '\0')
        return errfmt (errp, "%s: assign needs a target index: assign:N", value);
    for (const char *c = arg; *c; c++) {
        if (!isdigit ((unsigned char)*c) || n > 100000)
            return errfmt (errp,
                           "%s: the index of assign:N must be a number >= 0",
                           value);
        n = n * 10 + (*c - '0');
    }
    if (n > 100000)
        return errfmt (errp, "%s: the index of assign:N must be a number >= 0", value);
    *np = (int)n;
    return 0;
}

int delegate_value_parse (const char *value,
                          struct delegate_request *req,
                          flux_error_t *errp)
{
    const char *colon;
    int bad;

    memset (req, 0, sizeof (*req));
    req->text = value;
    if (!value || value[0] == '\0')
        return errfmt (errp,
                       "no target given: use a URI (local:///PATH,"
                       " ssh://HOST/PATH), a policy or a configured label");
    if (strlen (value) > DELEGATE_VALUE_MAX)
        return errfmt (errp, "the target is longer than %d bytes", DELEGATE_VALUE_MAX);
    if ((bad = find_bad_byte (value)) >= 0)
        return errfmt (errp,
                       "the target has a space, control or non-ASCII byte"
                       " at offset %d",
                       bad);
    if (strstr (value, "://")) {
        req->kind = DELEGATE_URI;
        return delegate_uri_check (value, errp);
    }
    colon = strchr (value, ':');
    if (colon && !strncmp (value, "assign", colon - value) && colon - value == 6) {
        req->kind = DELEGATE_POLICY;
        req->policy = POLICY_ASSIGN;
        return parse_assign (value, colon + 1, &req->assign, errp);
    }
    if (colon && !strncmp (value, "siblings", colon - value) && colon - value == 8) {
        req->kind = DELEGATE_POLICY;
        req->policy = POLICY_SIBLINGS;
        if (parse_assign (value, colon + 1, &req->siblings, NULL) < 0
            || req->siblings < 1 || req->siblings > 64)
            return errfmt (errp,
                           "%s: the count of siblings:K must be a number from 1"
                           " to 64",
                           value);
        return 0;
    }
    for (size_t i = 0; i < NPOLICIES; i++) {
        if (!strcmp (value, policies[i].name)) {
            if (policies[i].policy == POLICY_ASSIGN)
                return errfmt (errp, "assign needs a target index: assign:N");
            req->kind = DELEGATE_POLICY;
            req->policy = policies[i].policy;
            return 0;
        }
    }
    req->kind = DELEGATE_LABEL;
    if (delegate_label_check (value, NULL) < 0)
        return errfmt (errp,
                       "%s: not a URI (local:///PATH, ssh://HOST/PATH),"
                       " a policy or a label",
                       value);
    return 0;
}

int delegate_duration_parse (const char *s, double *seconds)
{
    static const struct {
        const char *suffix;
        double scale;
    } units[] = {
        {"", 1.},
        {"ms", 1e-3},
        {"s", 1.},
        {"m", 60.},
        {"h", 3600.},
        {"d", 86400.},
    };
    char *end;
    double v;

    if (!s || !isdigit ((unsigned char)s[0]))
        return -1;
    v = strtod (s, &end);
    for (size_t i = 0; i < sizeof (units) / sizeof (units[0]); i++) {
        if (!strcmp (end, units[i].suffix)) {
            v *= units[i].scale;
            if (!(v > 0.) || v > 1e9)
                return -1;
            *seconds = v;
            return 0;
        }
    }
    return -1;
}

// vi:ts=4 sw=4 expandtab
