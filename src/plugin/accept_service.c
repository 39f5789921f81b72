/* SPDX-License-Identifier: LGPL-3.0 */

/* accept_service.c - the accepting side's services, its hold of copies
 * in PRIORITY, its settings (accept.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accept_impl.h"
#include "errfmt.h"

#define KEY_MAX 255

static int respond_error (struct accept *a,
                          const flux_msg_t *msg,
                          int errnum,
                          const char *fmt,
                          ...) __attribute__ ((format (printf, 4, 5)));

static int respond_error (
    struct accept *a, const flux_msg_t *msg, int errnum, const char *fmt, ...)
{
    char text[512];
    va_list ap;

    va_start (ap, fmt);
    vsnprintf (text, sizeof (text), fmt, ap);
    va_end (ap);
    if (flux_respond_error (a->h, msg, errnum, text) < 0)
        flux_log_error (a->h, "delegate: respond to accept");
    return -1;
}

static const char *origin_name (json_t *origin, char *buf, size_t size)
{
    const char *host = "?";
    const char *uri = NULL;

    (void)json_unpack (origin, "{s?s s?s}", "host", &host, "uri", &uri);
    if (uri)
        snprintf (buf, size, "%s (%s)", host, uri);
    else
        snprintf (buf, size, "%s", host);
    return buf;
}

/* Whether the request may hand this instance jobs at all: return 0, or
 * -1 with it answered.
 */
static int check_sender (struct accept *a, const flux_msg_t *msg)
{
    if (flux_msg_authorize (msg, FLUX_USERID_UNKNOWN) < 0)
        return respond_error (a,
                              msg,
                              EPERM,
                              "only the instance owner may hand jobs over");
    if (!a->conf.enabled)
        return respond_error (a,
                              msg,
                              EPERM,
                              "this instance does not accept delegated jobs:"
                              " its configuration has no [delegate-accept] table");
    return 0;
}

/* Whether this copy is taken: 0, or an errno with 'errp' set. */
static int check_copy (struct accept *a, const struct copy_ask *ask, flux_error_t *errp)
{
    char name[512];

    if (strlen (ask->key) == 0 || strlen (ask->key) > KEY_MAX
        || !json_is_object (ask->origin) || (!ask->J == !ask->jobspec) || ask->hops < 1
        || ask->urgency < FLUX_JOB_URGENCY_MIN || ask->urgency > FLUX_JOB_URGENCY_MAX
        || ask->lease < 0. || ask->lease > LEASE_MAX) {
        errfmt (errp, "malformed accept request");
        return EPROTO;
    }
    if (!accept_conf_origin_allowed (&a->conf, ask->origin)) {
        errfmt (errp,
                "origin %s is not in delegate-accept.allow-origins",
                origin_name (ask->origin, name, sizeof (name)));
        return EPERM;
    }
    if (ask->hops > a->conf.hop_limit) {
        errfmt (errp,
                "hop limit %d reached: the job was delegated %d times"
                " already (delegate-accept.hop-limit)",
                a->conf.hop_limit,
                ask->hops - 1);
        return EPERM;
    }
    return 0;
}

/* One copy asked for: answered through 'w' (now, or once made). */
static void accept_copy (struct accept *a, const struct waiter *w, json_t *copy)
{
    struct copy_ask ask = {0};
    struct submission *s;
    struct arrival *arr;
    flux_error_t error;
    int errnum;

    if (json_unpack (copy,
                     "{s:s s:o s:i s:i s:I s?s s?s s?F}",
                     "key",
                     &ask.key,
                     "origin",
                     &ask.origin,
                     "hops",
                     &ask.hops,
                     "urgency",
                     &ask.urgency,
                     "userid",
                     &ask.userid,
                     "J",
                     &ask.J,
                     "jobspec",
                     &ask.jobspec,
                     "lease",
                     &ask.lease)
        < 0) {
        waiter_answer (a, w, 0, EPROTO, "malformed accept request");
        return;
    }
    if ((errnum = check_copy (a, &ask, &error)))
        waiter_answer (a, w, 0, errnum, error.text);
    else if ((s = submission_find (a, ask.key))) {  // a resend: answered with the first
        if (waiters_append (&s->waiters, &s->nwaiters, w) < 0)
            waiter_answer (a, w, 0, ENOMEM, "out of memory");
    } else if ((arr = key_find (a, ask.key)))
        waiter_answer (a, w, arr->id, 0, NULL);
    else if (submission_start (a, w, &ask, &error) < 0)
        waiter_answer (a, w, 0, EINVAL, error.text);
}

void accept_request (struct accept *a, const flux_msg_t *msg)
{
    json_t *payload;
    json_t *copies;
    json_t *copy;
    size_t i;
    struct batch *b;
    struct waiter w;

    if (a->scans > 0) {  // copies found on reload: their keys first
        if (msgs_append (&a->queued, &a->nqueued, msg) < 0)
            respond_error (a, msg, ENOMEM, "out of memory");
        return;
    }
    if (check_sender (a, msg) < 0)
        return;
    if (flux_request_unpack (msg, NULL, "o", &payload) < 0) {
        respond_error (a, msg, EPROTO, "malformed accept request");
        return;
    }
    if (!(copies = json_object_get (payload, "copies"))) {
        w = waiter_of_request (msg);
        accept_copy (a, &w, payload);
        return;
    }
    if (!json_is_array (copies) || json_array_size (copies) == 0
        || json_array_size (copies) > ACCEPT_BATCH_MAX) {
        respond_error (a,
                       msg,
                       EPROTO,
                       "malformed accept request: copies must be an array of 1"
                       " to %d",
                       ACCEPT_BATCH_MAX);
        return;
    }
    if (!(b = batch_create (a, msg, json_array_size (copies)))) {
        respond_error (a, msg, ENOMEM, "out of memory");
        return;
    }
    json_array_foreach (copies, i, copy)
    {
        w = waiter_of_batch (b, i);
        accept_copy (a, &w, copy);
    }
    batch_release (b);
}

static void accept_cb (flux_t *h,
                       flux_msg_handler_t *mh,
                       const flux_msg_t *msg,
                       void *arg)
{
    accept_request (arg, msg);
}

/* The source knows the copy's id: it may leave PRIORITY (or DEPEND).
 * An id already acknowledged, or not a copy, is ignored: the source
 * acknowledges again after a reconnect or a reload.
 */
static void acknowledged (struct accept *a, flux_jobid_t id)
{
    struct arrival *arr = arrival_get (a, id);

    if (!arr || arr->acked)
        return;
    arrival_done (arr);
    if (arr->onward) {
        if (flux_jobtap_dependency_remove (a->p, id, ACCEPT_ACK_DEPENDENCY) < 0)
            flux_log_error (a->h,
                            "delegate: copy %ju: remove dependency",
                            (uintmax_t)id);
    } else if (arr->have_priority
               && flux_jobtap_reprioritize_job (a->p, id, arr->priority) < 0)
        flux_log_error (a->h, "delegate: copy %ju: reprioritize", (uintmax_t)id);
}

/* A one-way message {"ids": [ID, ...]} of the instance owner: 'fn' for
 * each id (anything else in it is ignored).
 */
static void for_each_id (struct accept *a,
                         const flux_msg_t *msg,
                         void (*fn) (struct accept *a, flux_jobid_t id))
{
    json_t *ids;
    size_t i;
    json_t *id;

    if (flux_msg_authorize (msg, FLUX_USERID_UNKNOWN) < 0
        || flux_request_unpack (msg, NULL, "{s:o}", "ids", &ids) < 0
        || !json_is_array (ids))
        return;
    json_array_foreach (ids, i, id)
    {
        if (json_is_integer (id) && json_integer_value (id) > 0)
            fn (a, (flux_jobid_t)json_integer_value (id));
    }
}

/* The copies the source acknowledges. */
static void ack_cb (flux_t *h, flux_msg_handler_t *mh, const flux_msg_t *msg, void *arg)
{
    for_each_id (arg, msg, acknowledged);
}

/* Held copies of sibling jobs that may start (accept_lease.c). */
static void grant_cb (flux_t *h,
                      flux_msg_handler_t *mh,
                      const flux_msg_t *msg,
                      void *arg)
{
    for_each_id (arg, msg, lease_grant);
}

static void hello_cb (flux_t *h,
                      flux_msg_handler_t *mh,
                      const flux_msg_t *msg,
                      void *arg)
{
    struct accept *a = arg;

    if (flux_respond_pack (h,
                           msg,
                           "{s:b s:b s:i s:O?}",
                           "accept",
                           a->conf.enabled,
                           "lease",
                           a->conf.enabled,
                           "hop-limit",
                           a->conf.hop_limit,
                           "queues",
                           a->queues)
        < 0)
        flux_log_error (h, "delegate: respond to hello");
}

/* The priority the plugins called before this one would give. */
static int64_t priority_wanted (flux_plugin_arg_t *args)
{
    json_int_t priority = -1;  // the job manager's "unavailable" is -2
    int urgency = FLUX_JOB_URGENCY_DEFAULT;

    (void)flux_plugin_arg_unpack (args,
                                  FLUX_PLUGIN_ARG_OUT,
                                  "{s?I}",
                                  "priority",
                                  &priority);
    if (priority != -1)
        return priority;
    (void)
        flux_plugin_arg_unpack (args, FLUX_PLUGIN_ARG_IN, "{s?i}", "urgency", &urgency);
    if (urgency == FLUX_JOB_URGENCY_HOLD)
        return FLUX_JOB_PRIORITY_MIN;
    if (urgency == FLUX_JOB_URGENCY_EXPEDITE)
        return FLUX_JOB_PRIORITY_MAX;
    return urgency;
}

int accept_priority (struct accept *a, flux_plugin_arg_t *args)
{
    struct arrival *arr =
        flux_jobtap_job_aux_get (a->p, FLUX_JOBTAP_CURRENT_JOB, ARRIVAL_AUX);
    int64_t priority;

    if (!arr || arr->acked || arr->onward)
        return 0;
    if ((priority = priority_wanted (args)) >= FLUX_JOB_PRIORITY_MIN) {
        arr->priority = priority;
        arr->have_priority = true;
    }
    return flux_jobtap_priority_unavail (a->p, args);
}

int accept_configure (struct accept *a, json_t *conf, flux_error_t *errp)
{
    struct accept_conf ac;
    json_t *queues = NULL;
    json_t *table = json_object_get (conf, "queues");
    const char *name;
    json_t *value;

    if (accept_conf_parse (conf, &ac, errp) < 0)
        return -1;
    if (json_is_object (table) && (queues = json_array ())) {
        json_object_foreach (table, name, value)
        {
            (void)json_array_append_new (queues, json_string (name));
        }
    }
    accept_conf_clear (&a->conf);
    a->conf = ac;
    json_decref (a->queues);
    a->queues = queues;
    return 0;
}

json_t *accept_query (struct accept *a)
{
    return json_pack ("{s:b s:i s:f s:O? s:i s:i}",
                      "enabled",
                      a->conf.enabled,
                      "hop-limit",
                      a->conf.hop_limit,
                      "ack-timeout",
                      a->conf.ack_timeout,
                      "allow-origins",
                      a->conf.origins,
                      "submitting",
                      a->nsubmitting,
                      "unacknowledged",
                      a->unacked);
}

static const struct {
    const char *method;
    flux_msg_handler_f cb;
} services[] = {
    {"hello", hello_cb},
    {"accept", accept_cb},
    {"ack", ack_cb},
    {"grant", grant_cb},
};

struct accept *accept_create (flux_plugin_t *p)
{
    struct accept *a = calloc (1, sizeof (*a));

    if (!a)
        return NULL;
    a->p = p;
    a->h = flux_jobtap_get_flux (p);
    a->owner = getuid ();
    a->conf.hop_limit = ACCEPT_DEFAULT_HOP_LIMIT;
    a->conf.ack_timeout = ACCEPT_DEFAULT_ACK_TIMEOUT;
    if (!(a->by_key = strmap_create ()) || !(a->subs_by_key = strmap_create ()))
        goto error;
    for (size_t i = 0; i < sizeof (services) / sizeof (services[0]); i++)
        if (flux_jobtap_service_register (p, services[i].method, services[i].cb, a) < 0)
            goto error;
    return a;
error:
    accept_destroy (a);
    return NULL;
}

void accept_destroy (struct accept *a)
{
    if (a) {
        int saved_errno = errno;
        while (a->submitting)
            submission_destroy (a->submitting,
                                ENOSYS,
                                "the delegate plugin was unloaded on the target");
        for (int i = 0; i < a->nqueued; i++) {
            (void)flux_respond_error (a->h,
                                      a->queued[i],
                                      ENOSYS,
                                      "the delegate plugin was unloaded");
            flux_msg_decref (a->queued[i]);
        }
        free (a->queued);
        accept_conf_clear (&a->conf);
        json_decref (a->queues);
        strmap_destroy (a->by_key);
        strmap_destroy (a->subs_by_key);
        free (a);
        errno = saved_errno;
    }
}

// vi:ts=4 sw=4 expandtab
