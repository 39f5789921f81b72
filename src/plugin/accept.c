/* SPDX-License-Identifier: LGPL-3.0 */

/* accept.c - the accepting side (accept.h): the submissions in flight,
 * the copies they make, how a copy is recognised at job.create and found
 * again after a reload (the services, the hold in PRIORITY and the
 * settings are accept_service.c)
 *
 * Per copy asked for (a request asks for one or several, answered through
 * waiters: accept_answer.c):
 *
 *   copy ── checks (owner, [delegate-accept], origin, hops) ──> refused
 *      │ key of a submission in flight: answered with it
 *      │ key of a copy not acknowledged yet: answered with its id
 *      v
 *   SUBMITTING (struct submission) ── ingest refuses ──> refused
 *      │ job.create of the copy: an arrival (struct arrival, job aux)
 *      │ with its event; held in PRIORITY (or by "delegate-ack")
 *      v
 *   ANSWERED ── ack ─────────> ACKED (priority given / dependency gone)
 *            ── ack-timeout ─> the copy is cancelled
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accept_impl.h"
#include "errfmt.h"
#include "jobspec.h"

/* ---- small helpers ---- */

int msgs_append (const flux_msg_t ***v, int *n, const flux_msg_t *msg)
{
    const flux_msg_t **nv = realloc (*v, (*n + 1) * sizeof (*nv));
    if (!nv)
        return -1;
    nv[(*n)++] = flux_msg_incref (msg);
    *v = nv;
    return 0;
}

struct arrival *key_find (struct accept *a, const char *key)
{
    return strmap_get (a->by_key, key);
}

void key_map (struct arrival *arr)
{
    if (strmap_put (arr->a->by_key, arr->key, arr) == 0)
        arr->mapped = true;
}

static void key_unmap (struct arrival *arr)
{
    if (arr->mapped)
        (void)strmap_remove (arr->a->by_key, arr->key, arr);
    arr->mapped = false;
}

/* ---- arrivals: the copies made here ---- */

void arrival_done (struct arrival *arr)
{
    if (!arr->acked) {
        arr->acked = true;
        arr->a->unacked--;
    }
    key_unmap (arr);
    flux_watcher_destroy (arr->ack_timer);
    arr->ack_timer = NULL;
}

static void submission_forget_candidate (struct submission *s, flux_jobid_t id)
{
    for (int i = 0; i < s->ncand; i++) {
        if (s->cand[i] == id) {
            s->cand[i] = s->cand[--s->ncand];
            return;
        }
    }
}

static void arrival_destroy (struct arrival *arr)
{
    if (arr) {
        arrival_done (arr);
        lease_clear (arr);
        if (arr->sub)
            submission_forget_candidate (arr->sub, arr->id);
        free (arr->key);
        free (arr);
    }
}

static void ack_timeout_cb (flux_reactor_t *r,
                            flux_watcher_t *w,
                            int revents,
                            void *arg)
{
    struct arrival *arr = arg;
    struct accept *a = arr->a;

    arrival_done (arr);
    if (flux_jobtap_raise_exception (a->p,
                                     arr->id,
                                     "cancel",
                                     0,
                                     "delegate: the source did not acknowledge"
                                     " this copy within %gs (ack-timeout)",
                                     a->conf.ack_timeout)
        < 0)
        flux_log_error (a->h, "delegate: cannot cancel copy %ju", (uintmax_t)arr->id);
}

void arrival_await_ack (struct arrival *arr)
{
    flux_reactor_t *r = flux_get_reactor (arr->a->h);

    if (arr->acked || arr->ack_timer)
        return;
    if ((arr->ack_timer = flux_timer_watcher_create (r,
                                                     arr->a->conf.ack_timeout,
                                                     0.,
                                                     ack_timeout_cb,
                                                     arr)))
        flux_watcher_start (arr->ack_timer);
    else
        flux_log_error (arr->a->h,
                        "delegate: no ack timer for copy %ju",
                        (uintmax_t)arr->id);
}

struct arrival *arrival_create (struct accept *a,
                                flux_jobid_t id,
                                const char *key,
                                int hops)
{
    struct arrival *arr = calloc (1, sizeof (*arr));

    if (!arr || (key && !(arr->key = strdup (key))))
        goto error;
    arr->a = a;
    arr->id = id;
    arr->hops = hops;
    arr->onward = hops < a->conf.hop_limit;
    a->unacked++;
    if (flux_jobtap_job_aux_set (a->p,
                                 id,
                                 ARRIVAL_AUX,
                                 arr,
                                 (flux_free_f)arrival_destroy)
        < 0) {
        a->unacked--;
        goto error;
    }
    return arr;
error:
    if (arr)
        free (arr->key);
    free (arr);
    return NULL;
}

struct arrival *arrival_get (struct accept *a, flux_jobid_t id)
{
    return flux_jobtap_job_aux_get (a->p, id, ARRIVAL_AUX);
}

bool accept_holds_dependency (struct accept *a, flux_jobid_t id)
{
    struct arrival *arr = arrival_get (a, id);
    return arr && arr->onward && !arr->acked;
}

/* ---- submissions in flight ---- */

/* In a->submitting, and by key in a->subs_by_key. */
static int submission_link (struct submission *s)
{
    struct accept *a = s->a;

    if (strmap_put (a->subs_by_key, s->key, s) < 0)
        return -1;
    if ((s->next = a->submitting))
        s->next->pprev = &s->next;
    s->pprev = &a->submitting;
    a->submitting = s;
    a->nsubmitting++;
    return 0;
}

static void submission_unlink (struct submission *s)
{
    if (!s->pprev)
        return;
    if ((*s->pprev = s->next))
        s->next->pprev = s->pprev;
    s->pprev = NULL;
    s->a->nsubmitting--;
    (void)strmap_remove (s->a->subs_by_key, s->key, s);
}

void submission_destroy (struct submission *s, int errnum, const char *text)
{
    struct accept *a = s->a;

    submission_unlink (s);
    for (int i = 0; i < s->ncand; i++) {
        struct arrival *arr = arrival_get (a, s->cand[i]);
        if (arr)
            arr->sub = NULL;
    }
    for (int i = 0; i < s->nwaiters; i++)
        waiter_answer (a, &s->waiters[i], 0, errnum ? errnum : EPROTO, text);
    free (s->waiters);
    free (s->cand);
    flux_future_destroy (s->f);
    json_decref (s->origin);
    json_decref (s->shape);
    free (s->key);
    free (s);
}

/* A job the copy was taken for, that the answer did not name. */
static void not_the_copy (struct accept *a, flux_jobid_t id, const char *key)
{
    struct arrival *arr = arrival_get (a, id);

    if (arr)
        arrival_done (arr);
    (void)flux_jobtap_raise_exception (a->p,
                                       id,
                                       "DelegationFailure",
                                       0,
                                       "delegate: this job could not be told apart"
                                       " from copy %s delegated here at the same"
                                       " time; submit it again",
                                       key);
}

static void submit_cb (flux_future_t *f, void *arg)
{
    struct submission *s = arg;
    struct accept *a = s->a;
    flux_jobid_t id;
    struct arrival *arr = NULL;
    char text[256];

    if (flux_job_submit_get_id (f, &id) < 0) {
        const char *why = flux_future_error_string (f);
        int errnum = errno;
        snprintf (text, sizeof (text), "%s", why ? why : strerror (errnum));
        for (int i = s->ncand - 1; i >= 0; i--)
            not_the_copy (a, s->cand[i], s->key);
        submission_destroy (s, errnum, text);
        return;
    }
    for (int i = s->ncand - 1; i >= 0; i--) {
        if (s->cand[i] == id)
            arr = arrival_get (a, id);
        else
            not_the_copy (a, s->cand[i], s->key);
    }
    if (!arr) {
        /* the copy was not recognised: it must not run as an ordinary job */
        (void)flux_jobtap_raise_exception (a->p,
                                           id,
                                           "DelegationFailure",
                                           0,
                                           "delegate: copy %s was not recognised"
                                           " as one when it was made here",
                                           s->key);
        submission_destroy (s,
                            EPROTO,
                            "the copy was not recognised as one on the target");
        return;
    }
    arr->sub = NULL;
    if (!arr->acked) {
        key_map (arr);
        arrival_await_ack (arr);
    }
    for (int i = 0; i < s->nwaiters; i++)
        waiter_answer (a, &s->waiters[i], id, 0, NULL);
    s->nwaiters = 0;
    submission_destroy (s, 0, NULL);
}

/* What identifies a J copy at job.create: its tasks, resources, cwd. */
static json_t *shape_of (json_t *jobspec)
{
    json_t *cwd = NULL;

    (void)json_unpack (jobspec, "{s:{s:{s:o}}}", "attributes", "system", "cwd", &cwd);
    return json_pack ("{s:O? s:O? s:O?}",
                      "tasks",
                      json_object_get (jobspec, "tasks"),
                      "resources",
                      json_object_get (jobspec, "resources"),
                      "cwd",
                      cwd);
}

static flux_future_t *submit_J (struct accept *a,
                                const char *J,
                                uint32_t userid,
                                int urgency)
{
    flux_msg_t *msg;
    flux_future_t *f = NULL;
    struct flux_msg_cred cred = {.userid = userid, .rolemask = FLUX_ROLE_USER};

    if ((msg = flux_request_encode ("job-ingest.submit", NULL))
        && flux_msg_pack (msg, "{s:s s:i s:i}", "J", J, "urgency", urgency, "flags", 0)
               == 0
        && flux_msg_set_cred (msg, cred) == 0)
        f = flux_rpc_message (a->h, msg, FLUX_NODEID_ANY, 0);
    flux_msg_decref (msg);
    return f;
}

int submission_start (struct accept *a,
                      const struct waiter *w,
                      const struct copy_ask *ask,
                      flux_error_t *errp)
{
    struct submission *s = calloc (1, sizeof (*s));
    json_t *signed_jobspec = NULL;

    if (!s || !(s->key = strdup (ask->key))
        || waiters_append (&s->waiters, &s->nwaiters, w) < 0)
        goto nomem;
    s->a = a;
    s->userid = ask->jobspec ? a->owner : ask->userid;
    s->hops = ask->hops;
    s->lease = ask->lease;
    s->origin = json_incref (ask->origin);
    if (submission_link (s) < 0)  // before the copy can be created
        goto nomem;
    if (ask->J) {
        if (!(signed_jobspec = delegate_J_jobspec (ask->J, errp)))
            goto error;
        if (!(s->shape = shape_of (signed_jobspec)))
            goto nomem;
        s->f = submit_J (a, ask->J, ask->userid, ask->urgency);
    } else  // its key and hops in delegate_origin, from the source
        s->f = flux_job_submit (a->h, ask->jobspec, ask->urgency, 0);
    if (!s->f || flux_future_then (s->f, -1., submit_cb, s) < 0) {
        errfmt (errp, "cannot submit the copy: %s", strerror (errno));
        goto error;
    }
    json_decref (signed_jobspec);
    return 0;
nomem:
    errfmt (errp, "out of memory");
error:
    json_decref (signed_jobspec);
    if (s) {
        s->a = a;
        s->nwaiters = 0;  // not answered here: the caller does
        submission_destroy (s, 0, NULL);
    }
    return -1;
}

struct submission *submission_find (struct accept *a, const char *key)
{
    return strmap_get (a->subs_by_key, key);
}

/* ---- job.create: is it a copy? ---- */

/* The key and hops a jobspec copy carries (submit_jobspec), or NULL. */
const char *jobspec_key (json_t *jobspec, int *hopsp)
{
    const char *key = NULL;

    (void)json_unpack (jobspec,
                       "{s:{s:{s:{s:s s?i}}}}",
                       "attributes",
                       "system",
                       "delegate_origin",
                       "key",
                       &key,
                       "hops",
                       hopsp);
    return key;
}

/* True if a new job of 'userid' looks like the J copy 's' submits. */
static bool looks_like (struct submission *s, uint32_t userid, json_t *jobspec)
{
    bool match;
    json_t *shape;

    if (!s->shape || s->userid != userid)
        return false;
    shape = shape_of (jobspec);
    match = shape && json_equal (shape, s->shape);
    json_decref (shape);
    return match;
}

/* A J copy carries its delegate request; a jobspec copy has none. */
static enum arrival_kind take_new (struct accept *a,
                                   flux_jobid_t id,
                                   uint32_t userid,
                                   json_t *jobspec,
                                   bool J,
                                   int *hopsp)
{
    flux_jobid_t *cand;
    struct submission *s;
    struct arrival *arr;
    int hops;

    if (!J) {  // a jobspec copy names its submission
        const char *key = jobspec_key (jobspec, &hops);
        if ((s = key ? submission_find (a, key) : NULL)
            && (s->shape || s->userid != userid || s->ncand > 0))
            s = NULL;
    } else {
        for (s = a->submitting; s; s = s->next)
            if (looks_like (s, userid, jobspec))
                break;
    }
    if (!s || !(cand = realloc (s->cand, (s->ncand + 1) * sizeof (*cand)))
        || !(arr = arrival_create (a, id, s->key, s->hops)))
        return ARRIVAL_NONE;
    s->cand = cand;
    s->cand[s->ncand++] = id;
    arr->sub = s;
    if (s->lease > 0.)
        lease_take (arr, s->lease);
    if (!J)  // a jobspec copy: its jobspec holds its key, it goes no further
        arr->onward = false;
    else if (flux_jobtap_event_post_pack (a->p,
                                          id,
                                          arr->onward ? "delegate::accept-onward"
                                                      : "delegate::accept",
                                          "{s:s s:O s:i}",
                                          "key",
                                          s->key,
                                          "origin",
                                          s->origin,
                                          "hops",
                                          s->hops)
             < 0)
        flux_log_error (a->h, "delegate: cannot record copy %s", s->key);
    *hopsp = arr->hops;
    return arr->onward ? ARRIVAL_ONWARD : ARRIVAL_HERE;
}

enum arrival_kind accept_job_create (struct accept *a,
                                     flux_jobid_t id,
                                     uint32_t userid,
                                     json_t *jobspec,
                                     bool has_request,
                                     int state,
                                     int *hopsp)
{
    if (state != FLUX_JOB_STATE_NEW) {
        enum arrival_kind kind = take_found (a, id, userid, jobspec, state);
        if (kind == ARRIVAL_ONWARD)  // its hops are read later: at most the limit
            *hopsp = a->conf.hop_limit;
        return kind;
    }
    if (!a->submitting)
        return ARRIVAL_NONE;
    return take_new (a, id, userid, jobspec, has_request, hopsp);
}

// vi:ts=4 sw=4 expandtab
