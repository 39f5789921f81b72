/* SPDX-License-Identifier: LGPL-3.0 */

/* jobspec.c - the job as the source and the target see it (jobspec.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobspec.h"

static json_t *error_null (flux_error_t *errp, const char *msg)
{
    if (errp)
        snprintf (errp->text, sizeof (errp->text), "%s", msg);
    return NULL;
}

/* Return attributes.system of 'jobspec', or NULL.
 */
static json_t *system_attrs (json_t *jobspec)
{
    json_t *attrs = json_object_get (jobspec, "attributes");
    json_t *system = json_object_get (attrs, "system");
    return json_is_object (system) ? system : NULL;
}

/* Set (or, if 'value' is NULL, delete) key 'name' in 'system'.
 */
static int system_replace (json_t *system, const char *name, json_t *value)
{
    if (!value) {
        (void)json_object_del (system, name); /* absent is fine */
        return 0;
    }
    return json_object_set (system, name, value);
}

static int b64_value (unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decode 'len' bytes of base64 (standard or URL alphabet, padding
 * optional) into a new NUL-terminated buffer.  NULL if malformed.
 */
static char *b64_decode (const char *src, size_t len)
{
    char *dst = malloc (len * 3 / 4 + 4);
    size_t n = 0;
    unsigned int acc = 0;
    int bits = 0;

    if (!dst)
        return NULL;
    while (len > 0 && src[len - 1] == '=')
        len--;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value (src[i]);
        if (v < 0) {
            free (dst);
            return NULL;
        }
        acc = (acc << 6) | v;
        if ((bits += 6) >= 8) {
            bits -= 8;
            dst[n++] = (acc >> bits) & 0xff;
        }
    }
    dst[n] = '\0';
    return dst;
}

json_t *delegate_J_jobspec (const char *J, flux_error_t *errp)
{
    const char *p1;
    const char *p2;
    char *payload;
    json_t *jobspec;

    if (!J || !(p1 = strchr (J, '.')) || !(p2 = strchr (p1 + 1, '.')))
        return error_null (errp, "J is not HEADER.PAYLOAD.SIGNATURE");
    if (!(payload = b64_decode (p1 + 1, p2 - p1 - 1)))
        return error_null (errp, "J payload is not base64");
    jobspec = json_loads (payload, 0, NULL);
    free (payload);
    if (!json_is_object (jobspec)) {
        json_decref (jobspec);
        return error_null (errp, "J payload is not a JSON object");
    }
    return jobspec;
}

const char *delegate_jobspec_queue (json_t *jobspec)
{
    const char *queue = NULL;

    (void)
        json_unpack (jobspec, "{s:{s:{s?s}}}", "attributes", "system", "queue", &queue);
    return queue;
}

json_t *delegate_jobspec_remote (json_t *current,
                                 json_t *submitted,
                                 json_t *origin,
                                 flux_error_t *errp)
{
    json_t *copy;
    json_t *system;
    json_t *orig_system;

    if (!json_is_object (current))
        return error_null (errp, "jobspec is not an object");
    if (!(copy = json_deep_copy (current)))
        return error_null (errp, "out of memory copying jobspec");
    if (!(system = system_attrs (copy))) {
        json_decref (copy);
        return error_null (errp, "jobspec has no attributes.system object");
    }
    orig_system = system_attrs (submitted);
    if (system_replace (system,
                        "environment",
                        json_object_get (orig_system, "environment"))
            < 0
        || system_replace (system, "exec", json_object_get (orig_system, "exec")) < 0
        || system_replace (system, "dependencies", NULL) < 0
        || system_replace (system, "delegate", NULL) < 0
        || system_replace (system, "delegate_origin", origin) < 0) {
        json_decref (copy);
        return error_null (errp, "out of memory editing jobspec");
    }
    return copy;
}

json_t *delegate_exec_test_create (void)
{
    return json_pack ("{s:i s:s}",
                      "override",
                      1,
                      "run_duration",
                      DELEGATE_RUN_DURATION);
}

json_t *delegate_source_R (json_t *remote_R, flux_error_t *errp)
{
    json_t *R;
    json_t *execution;

    if (!json_is_object (remote_R)
        || !json_is_object (execution = json_object_get (remote_R, "execution"))
        || !json_is_array (json_object_get (execution, "R_lite")))
        return error_null (errp, "target R has no execution.R_lite");
    if (!(R = json_deep_copy (remote_R)))
        return error_null (errp, "out of memory copying R");
    execution = json_object_get (R, "execution");
    if (json_object_set_new (execution, "expiration", json_real (0.)) < 0) {
        json_decref (R);
        return error_null (errp, "out of memory editing R");
    }
    return R;
}

char *delegate_jobspec_with_key (const char *jobspec, const char *key)
{
    json_t *o = json_loads (jobspec, 0, NULL);
    json_t *origin = NULL;
    char *s = NULL;

    (void)json_unpack (o,
                       "{s:{s:{s:o}}}",
                       "attributes",
                       "system",
                       "delegate_origin",
                       &origin);
    if (json_is_object (origin)
        && json_object_set_new (origin, "key", json_string (key)) == 0)
        s = json_dumps (o, JSON_COMPACT);
    json_decref (o);
    return s;
}

// vi:ts=4 sw=4 expandtab
