/* SPDX-License-Identifier: LGPL-3.0 */

/* host_jobtap.c - the host of the delegations in a real job manager
 * (see host.h, host_jobtap.h)
 *
 * Each request is a future with its continuation; its callback is made
 * once the future was freed, so that it may send the next request.
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_jobtap.h"
#include "output_kvs.h"

struct jobtap_host {
    flux_plugin_t *p;
    flux_t *h;
    flux_reactor_t *r;
    char *service;
};

struct host_req {
    flux_future_t *f;
    host_lookup_f lookup_cb;  // one of the two
    host_done_f done_cb;
    void *arg;
};

struct host_timer {
    flux_watcher_t *w;
    host_timer_f cb;
    void *arg;
};

static double jt_now (void *h)
{
    struct jobtap_host *jt = h;
    return flux_reactor_now (jt->r);
}

static void jt_log (void *h, int level, const char *msg)
{
    struct jobtap_host *jt = h;
    flux_log (jt->h, level, "%s", msg);
}

/* ---- the job manager ---- */

static json_t *jt_jobspec (void *h, flux_jobid_t id)
{
    struct jobtap_host *jt = h;
    flux_plugin_arg_t *args;
    json_t *jobspec = NULL;

    if ((args = flux_jobtap_job_lookup (jt->p, id))
        && flux_plugin_arg_unpack (args,
                                   FLUX_PLUGIN_ARG_IN,
                                   "{s:o}",
                                   "jobspec",
                                   &jobspec)
               == 0)
        json_incref (jobspec);
    else
        jobspec = NULL;
    flux_plugin_arg_destroy (args);
    return jobspec;
}

static int jt_post_event (void *h, flux_jobid_t id, const char *name, json_t *context)
{
    struct jobtap_host *jt = h;

    if (!context)
        return flux_jobtap_event_post_pack (jt->p, id, name, NULL);
    return flux_jobtap_event_post_pack (jt->p, id, name, "O", context);
}

static int jt_raise (
    void *h, flux_jobid_t id, const char *type, int severity, const char *note)
{
    struct jobtap_host *jt = h;
    return flux_jobtap_raise_exception (jt->p, id, type, severity, "%s", note);
}

static int jt_dependency_remove (void *h, flux_jobid_t id, const char *name)
{
    struct jobtap_host *jt = h;
    return flux_jobtap_dependency_remove (jt->p, id, name);
}

static int jt_set_flag (void *h, flux_jobid_t id, const char *flag)
{
    struct jobtap_host *jt = h;
    return flux_jobtap_job_set_flag (jt->p, id, flag);
}

static int jt_jobspec_update (void *h, flux_jobid_t id, const char *key, json_t *value)
{
    struct jobtap_host *jt = h;
    return flux_jobtap_jobspec_update_id_pack (jt->p, id, "{s:O}", key, value);
}

/* ---- requests ---- */

static void req_cb (flux_future_t *f, void *arg)
{
    struct host_req req = *(struct host_req *)arg;
    const char *value = NULL;
    char errstr[256] = "";
    int errnum = 0;

    free (arg);
    if (req.lookup_cb) {
        if (flux_kvs_lookup_get (f, &value) < 0) {
            errnum = errno;
            value = NULL;
        }
        req.lookup_cb (req.arg, value, errnum);  // value lives with f
    } else {
        if (flux_future_get (f, NULL) < 0) {
            errnum = errno;
            snprintf (errstr, sizeof (errstr), "%s", future_strerror (f, errnum));
        }
    }
    flux_future_destroy (f);
    if (req.done_cb)
        req.done_cb (req.arg, errnum, errstr);
}

static struct host_req *req_create (flux_future_t *f,
                                    host_lookup_f lookup_cb,
                                    host_done_f done_cb,
                                    void *arg)
{
    struct host_req *req;

    if (!f || !(req = calloc (1, sizeof (*req)))) {
        flux_future_destroy (f);
        return NULL;
    }
    req->f = f;
    req->lookup_cb = lookup_cb;
    req->done_cb = done_cb;
    req->arg = arg;
    if (flux_future_then (f, -1., req_cb, req) < 0) {
        flux_future_destroy (f);
        free (req);
        return NULL;
    }
    return req;
}

static struct host_req *jt_lookup (
    void *h, const char *ns, const char *key, host_lookup_f cb, void *arg)
{
    struct jobtap_host *jt = h;
    return req_create (flux_kvs_lookup (jt->h, ns, 0, key), cb, NULL, arg);
}

static struct host_req *jt_commit_R (
    void *h, flux_jobid_t id, json_t *R, host_done_f cb, void *arg)
{
    struct jobtap_host *jt = h;
    flux_kvs_txn_t *txn;
    flux_future_t *f = NULL;
    char key[64];

    if (flux_job_kvs_key (key, sizeof (key), id, "R") < 0
        || !(txn = flux_kvs_txn_create ()))
        return NULL;
    if (flux_kvs_txn_pack (txn, 0, key, "O", R) == 0)
        f = flux_kvs_commit (jt->h, NULL, 0, txn);
    flux_kvs_txn_destroy (txn);
    return req_create (f, NULL, cb, arg);
}

/* job-exec's test mode takes the override from the job's owner only:
 * the job manager's messages may carry the credentials it sets.
 */
static struct host_req *jt_exec_override (void *h,
                                          flux_jobid_t id,
                                          uint32_t userid,
                                          const char *event,
                                          int status,
                                          host_done_f cb,
                                          void *arg)
{
    struct jobtap_host *jt = h;
    struct flux_msg_cred cred = {.userid = userid, .rolemask = FLUX_ROLE_USER};
    flux_future_t *f = NULL;
    flux_msg_t *msg;

    if ((msg = flux_request_encode ("job-exec.override", NULL))
        && flux_msg_pack (msg,
                          "{s:s s:I s:i}",
                          "event",
                          event,
                          "jobid",
                          id,
                          "status",
                          status)
               == 0
        && (userid == getuid () || flux_msg_set_cred (msg, cred) == 0))
        f = flux_rpc_message (jt->h, msg, FLUX_NODEID_ANY, 0);
    flux_msg_decref (msg);
    return req_create (f, NULL, cb, arg);
}

static void jt_req_cancel (void *h, struct host_req *req)
{
    if (req) {
        flux_future_destroy (req->f);
        free (req);
    }
}

/* ---- timers ---- */

static void timer_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    struct host_timer *t = arg;
    t->cb (t->arg);
}

static struct host_timer *jt_timer_create (void *h, host_timer_f cb, void *arg)
{
    struct jobtap_host *jt = h;
    struct host_timer *t = calloc (1, sizeof (*t));

    if (!t)
        return NULL;
    t->cb = cb;
    t->arg = arg;
    if (!(t->w = flux_timer_watcher_create (jt->r, 0., 0., timer_cb, t))) {
        free (t);
        return NULL;
    }
    return t;
}

static void jt_timer_arm (void *h, struct host_timer *t, double seconds)
{
    flux_timer_watcher_reset (t->w, seconds, 0.);
    flux_watcher_start (t->w);
}

static void jt_timer_stop (void *h, struct host_timer *t)
{
    flux_watcher_stop (t->w);
}

static bool jt_timer_armed (void *h, struct host_timer *t)
{
    return flux_watcher_is_active (t->w);
}

static void jt_timer_destroy (void *h, struct host_timer *t)
{
    if (t) {
        flux_watcher_destroy (t->w);
        free (t);
    }
}

static struct output *jt_output_create (void *h,
                                        flux_jobid_t id,
                                        output_complete_f cb,
                                        void *arg)
{
    struct jobtap_host *jt = h;
    return output_kvs_create (jt->h, id, jt->service, cb, arg);
}

static const struct host_ops jobtap_ops = {
    .now = jt_now,
    .log = jt_log,
    .jobspec = jt_jobspec,
    .post_event = jt_post_event,
    .raise = jt_raise,
    .dependency_remove = jt_dependency_remove,
    .set_flag = jt_set_flag,
    .jobspec_update = jt_jobspec_update,
    .lookup = jt_lookup,
    .commit_R = jt_commit_R,
    .exec_override = jt_exec_override,
    .req_cancel = jt_req_cancel,
    .timer_create = jt_timer_create,
    .timer_arm = jt_timer_arm,
    .timer_stop = jt_timer_stop,
    .timer_armed = jt_timer_armed,
    .timer_destroy = jt_timer_destroy,
    .output_create = jt_output_create,
};

int host_jobtap_init (struct host *host, flux_plugin_t *p, const char *service)
{
    struct jobtap_host *jt = calloc (1, sizeof (*jt));

    if (!jt)
        return -1;
    jt->p = p;
    if (!(jt->h = flux_jobtap_get_flux (p)) || !(jt->r = flux_get_reactor (jt->h))
        || !(jt->service = strdup (service))) {
        free (jt);
        return -1;
    }
    host->ops = &jobtap_ops;
    host->h = jt;
    return 0;
}

void host_jobtap_fini (struct host *host)
{
    struct jobtap_host *jt = host->h;

    if (jt) {
        free (jt->service);
        free (jt);
        host->h = NULL;
    }
}

// vi:ts=4 sw=4 expandtab
