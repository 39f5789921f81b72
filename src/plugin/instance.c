/* SPDX-License-Identifier: LGPL-3.0 */

/* instance.c - this instance's origin and id (instance.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instance.h"

#define INSTANCE_KEY "delegate.instance"

struct instance {
    flux_t *h;
    json_t *origin;
    flux_future_t *f_uri;
    flux_future_t *f_id;
    flux_future_t *f_commit;
};

static void local_uri_cb (flux_future_t *f, void *arg)
{
    struct instance *in = arg;
    const char *uri;

    if (flux_rpc_get_unpack (f, "{s:s}", "value", &uri) == 0)
        (void)json_object_set_new (in->origin, "uri", json_string (uri));
}

/* A new UUID (version 4, RFC 9562) from the kernel's random source. */
static int uuid_make (char *buf, size_t size)
{
    FILE *fp = fopen ("/proc/sys/kernel/random/uuid", "r");
    int rc = -1;

    if (fp) {
        if (fgets (buf, size, fp) && strlen (buf) >= 36) {
            buf[36] = '\0';
            rc = 0;
        }
        fclose (fp);
    }
    return rc;
}

static void commit_cb (flux_future_t *f, void *arg)
{
    struct instance *in = arg;

    if (flux_future_get (f, NULL) < 0)
        flux_log (in->h,
                  LOG_ERR,
                  "delegate: cannot keep the instance id in the KVS: %s",
                  future_strerror (f, errno));
}

static void id_cb (flux_future_t *f, void *arg)
{
    struct instance *in = arg;
    const char *id = NULL;
    char uuid[64];
    flux_kvs_txn_t *txn = NULL;

    if (flux_kvs_lookup_get (f, &id) < 0 || !id || !*id) {
        if (errno != ENOENT && id == NULL)
            flux_log (in->h,
                      LOG_ERR,
                      "delegate: cannot read %s: %s",
                      INSTANCE_KEY,
                      future_strerror (f, errno));
        if (uuid_make (uuid, sizeof (uuid)) < 0) {
            flux_log (in->h, LOG_ERR, "delegate: cannot make an instance id");
            return;
        }
        id = uuid;
        if (!(txn = flux_kvs_txn_create ())
            || flux_kvs_txn_put (txn, 0, INSTANCE_KEY, uuid) < 0
            || !(in->f_commit = flux_kvs_commit (in->h, NULL, 0, txn))
            || flux_future_then (in->f_commit, -1., commit_cb, in) < 0)
            flux_log_error (in->h, "delegate: cannot keep the instance id");
        flux_kvs_txn_destroy (txn);
    }
    (void)json_object_set_new (in->origin, "instance", json_string (id));
}

struct instance *instance_create (flux_t *h)
{
    struct instance *in = calloc (1, sizeof (*in));
    char host[256] = "";

    if (!in)
        return NULL;
    in->h = h;
    (void)gethostname (host, sizeof (host) - 1);
    if (!(in->origin = json_pack ("{s:s}", "host", host))
        || !(in->f_uri = flux_rpc_pack (h,
                                        "attr.get",
                                        FLUX_NODEID_ANY,
                                        0,
                                        "{s:s}",
                                        "name",
                                        "local-uri"))
        || flux_future_then (in->f_uri, -1., local_uri_cb, in) < 0
        || !(in->f_id = flux_kvs_lookup (h, NULL, 0, INSTANCE_KEY))
        || flux_future_then (in->f_id, -1., id_cb, in) < 0) {
        instance_destroy (in);
        return NULL;
    }
    return in;
}

void instance_destroy (struct instance *in)
{
    if (in) {
        int saved_errno = errno;
        flux_future_destroy (in->f_uri);
        flux_future_destroy (in->f_id);
        flux_future_destroy (in->f_commit);
        json_decref (in->origin);
        free (in);
        errno = saved_errno;
    }
}

json_t *instance_origin (struct instance *in)
{
    return in->origin;
}

// vi:ts=4 sw=4 expandtab
