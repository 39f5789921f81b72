/* SPDX-License-Identifier: LGPL-3.0 */

/* fake_host.c - a job manager and links for the delegations, with no
 * broker (see fake_host.h)
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"

static json_t *id_key (flux_jobid_t id)
{
    return json_sprintf ("%ju", (uintmax_t)id);
}

static void record (json_t *array, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

static void record (json_t *array, const char *fmt, ...)
{
    char s[1024];
    va_list ap;

    va_start (ap, fmt);
    vsnprintf (s, sizeof (s), fmt, ap);
    va_end (ap);
    (void)json_array_append_new (array, json_string (s));
}

/* ---- the host ---- */

static double h_now (void *h)
{
    return ((struct fake_host *)h)->now;
}

double fake_now (void *arg)
{
    return h_now (arg);
}

static void h_log (void *h, int level, const char *msg)
{
    struct fake_host *fh = h;
    (void)json_array_append_new (fh->logs, json_string (msg));
}

static json_t *h_jobspec (void *h, flux_jobid_t id)
{
    struct fake_host *fh = h;
    json_t *key = id_key (id);
    json_t *o = json_object_get (fh->jobspecs, json_string_value (key));

    json_decref (key);
    if (!o)
        errno = ENOENT;
    return json_incref (o);
}

static int h_post_event (void *h, flux_jobid_t id, const char *name, json_t *context)
{
    struct fake_host *fh = h;
    return json_array_append_new (fh->events,
                                  json_pack ("[I s O?]",
                                             (json_int_t)id,
                                             name,
                                             context));
}

static int h_raise (
    void *h, flux_jobid_t id, const char *type, int severity, const char *note)
{
    struct fake_host *fh = h;
    return json_array_append_new (fh->raised,
                                  json_pack ("[I s i s]",
                                             (json_int_t)id,
                                             type,
                                             severity,
                                             note));
}

static int h_dependency_remove (void *h, flux_jobid_t id, const char *name)
{
    record (((struct fake_host *)h)->calls,
            "dependency_remove %ju %s",
            (uintmax_t)id,
            name);
    return 0;
}

static int h_set_flag (void *h, flux_jobid_t id, const char *flag)
{
    record (((struct fake_host *)h)->calls, "set_flag %ju %s", (uintmax_t)id, flag);
    return 0;
}

static int h_jobspec_update (void *h, flux_jobid_t id, const char *key, json_t *value)
{
    record (((struct fake_host *)h)->calls,
            "jobspec_update %ju %s",
            (uintmax_t)id,
            key);
    return 0;
}

static struct host_req *req_add (struct fake_host *fh,
                                 enum fake_req_kind kind,
                                 flux_jobid_t id,
                                 void *arg)
{
    struct host_req *req = calloc (1, sizeof (*req));

    if (!req)
        return NULL;
    req->kind = kind;
    req->id = id;
    req->arg = arg;
    req->next = fh->reqs;
    fh->reqs = req;
    return req;
}

static struct host_req *h_lookup (
    void *h, const char *ns, const char *key, host_lookup_f cb, void *arg)
{
    struct fake_host *fh = h;
    struct host_req *req;
    flux_jobid_t id = 0;

    /* the job id is in the key (job.XXXX...) or the namespace (job-ID) */
    if (ns)
        (void)sscanf (ns, "job-%ju", &id);
    if ((req = req_add (fh, FAKE_LOOKUP, id, arg))) {
        snprintf (req->ns, sizeof (req->ns), "%s", ns ? ns : "");
        snprintf (req->key, sizeof (req->key), "%s", key);
        req->lookup_cb = cb;
    }
    return req;
}

static struct host_req *h_commit_R (
    void *h, flux_jobid_t id, json_t *R, host_done_f cb, void *arg)
{
    struct host_req *req = req_add (h, FAKE_COMMIT, id, arg);

    if (req)
        req->done_cb = cb;
    return req;
}

static struct host_req *h_exec_override (void *h,
                                         flux_jobid_t id,
                                         uint32_t userid,
                                         const char *event,
                                         int status,
                                         host_done_f cb,
                                         void *arg)
{
    struct host_req *req = req_add (h, FAKE_OVERRIDE, id, arg);

    if (req) {
        snprintf (req->event, sizeof (req->event), "%s", event);
        req->status = status;
        req->done_cb = cb;
    }
    return req;
}

static void req_forget (struct fake_host *fh, struct host_req *req)
{
    struct host_req **pp = &fh->reqs;

    while (*pp && *pp != req)
        pp = &(*pp)->next;
    if (*pp) {
        *pp = req->next;
        free (req);
    }
}

static void h_req_cancel (void *h, struct host_req *req)
{
    if (req)
        req_forget (h, req);
}

static struct host_timer *h_timer_create (void *h, host_timer_f cb, void *arg)
{
    struct fake_host *fh = h;
    struct host_timer *t;

    if (fh->fail_timer_create > 0) {
        fh->fail_timer_create--;
        errno = ENOMEM;
        return NULL;
    }
    if (!(t = calloc (1, sizeof (*t))))
        return NULL;
    t->cb = cb;
    t->arg = arg;
    t->next = fh->timers;
    fh->timers = t;
    return t;
}

static void h_timer_arm (void *h, struct host_timer *t, double seconds)
{
    t->armed = true;
    t->due = ((struct fake_host *)h)->now + seconds;
}

static void h_timer_stop (void *h, struct host_timer *t)
{
    t->armed = false;
}

static bool h_timer_armed (void *h, struct host_timer *t)
{
    return t->armed;
}

static void h_timer_destroy (void *h, struct host_timer *t)
{
    struct fake_host *fh = h;
    struct host_timer **pp = &fh->timers;

    if (!t)
        return;
    while (*pp && *pp != t)
        pp = &(*pp)->next;
    if (*pp)
        *pp = t->next;
    free (t);
}

/* ---- a fake output copy: entries recorded, complete at its end ---- */

struct fake_output {
    struct output base;
    struct fake_host *fh;
    json_t *log;  // this job's entries in fh->outputs
    output_complete_f cb;
    void *arg;
    bool started;
    bool ended;
};

static int o_add (struct output *o, const char *entry)
{
    struct fake_output *fo = (struct fake_output *)o;
    return json_array_append_new (fo->log, json_string (entry));
}

static void o_end (struct output *o, const char *error)
{
    struct fake_output *fo = (struct fake_output *)o;

    fo->ended = true;
    (void)json_array_append_new (fo->log, json_string (error ? error : "end"));
    if (fo->started)
        fo->cb (fo->arg);
}

static void o_start (struct output *o)
{
    struct fake_output *fo = (struct fake_output *)o;

    fo->started = true;
    (void)json_array_append_new (fo->log, json_string ("start"));
    fo->cb (fo->arg);
}

static void o_resume (struct output *o, int count)
{
    struct fake_output *fo = (struct fake_output *)o;
    (void)json_array_append_new (fo->log, json_sprintf ("resume %d", count));
}

static bool o_complete (struct output *o)
{
    struct fake_output *fo = (struct fake_output *)o;
    return fo->started && fo->ended;
}

static bool o_shown (struct output *o)
{
    return ((struct fake_output *)o)->started;
}

static void o_destroy (struct output *o)
{
    free (o);
}

static const struct output_ops fake_output_ops = {
    .add = o_add,
    .end = o_end,
    .start = o_start,
    .resume = o_resume,
    .complete = o_complete,
    .shown = o_shown,
    .destroy = o_destroy,
};

static struct output *h_output_create (void *h,
                                       flux_jobid_t id,
                                       output_complete_f cb,
                                       void *arg)
{
    struct fake_host *fh = h;
    struct fake_output *fo = calloc (1, sizeof (*fo));
    json_t *key = id_key (id);

    if (!fo)
        return NULL;
    fo->base.ops = &fake_output_ops;
    fo->fh = fh;
    fo->cb = cb;
    fo->arg = arg;
    fo->log = json_array ();
    (void)json_object_set_new (fh->outputs, json_string_value (key), fo->log);
    json_decref (key);
    return &fo->base;
}

const struct host_ops fake_host_ops = {
    .now = h_now,
    .log = h_log,
    .jobspec = h_jobspec,
    .post_event = h_post_event,
    .raise = h_raise,
    .dependency_remove = h_dependency_remove,
    .set_flag = h_set_flag,
    .jobspec_update = h_jobspec_update,
    .lookup = h_lookup,
    .commit_R = h_commit_R,
    .exec_override = h_exec_override,
    .req_cancel = h_req_cancel,
    .timer_create = h_timer_create,
    .timer_arm = h_timer_arm,
    .timer_stop = h_timer_stop,
    .timer_armed = h_timer_armed,
    .timer_destroy = h_timer_destroy,
    .output_create = h_output_create,
};

/* ---- the clock ---- */

static struct host_timer *next_due (struct fake_host *fh, double by)
{
    struct host_timer *best = NULL;

    for (struct host_timer *t = fh->timers; t; t = t->next)
        if (t->armed && t->due <= by && (!best || t->due < best->due))
            best = t;
    return best;
}

void fake_advance (struct fake_host *fh, double seconds)
{
    double until = fh->now + seconds;
    struct host_timer *t;

    while ((t = next_due (fh, until))) {
        if (t->due > fh->now)
            fh->now = t->due;
        t->armed = false;
        t->cb (t->arg);
    }
    fh->now = until;
}

void fake_run (struct fake_host *fh)
{
    fake_advance (fh, 0.);
}

/* ---- requests ---- */

static bool ends_with (const char *s, const char *tail)
{
    size_t n = strlen (s);
    size_t m = strlen (tail);
    return n >= m && !strcmp (s + n - m, tail);
}

struct host_req *fake_req_find (struct fake_host *fh,
                                flux_jobid_t id,
                                enum fake_req_kind kind,
                                const char *key)
{
    char full[128];

    for (struct host_req *req = fh->reqs; req; req = req->next) {
        if (req->kind != kind || (key && !ends_with (req->key, key)))
            continue;
        if (req->id == id)
            return req;
        /* a lookup in the primary namespace: the id is in the key */
        if (kind == FAKE_LOOKUP && req->id == 0 && key
            && flux_job_kvs_key (full, sizeof (full), id, key) >= 0
            && !strcmp (req->key, full))
            return req;
    }
    return NULL;
}

void fake_answer (struct fake_host *fh,
                  struct host_req *req,
                  const char *value,
                  int errnum)
{
    struct host_req r = *req;

    req_forget (fh, req);
    if (r.kind == FAKE_LOOKUP)
        r.lookup_cb (r.arg, value, value ? 0 : errnum);
    else
        r.done_cb (r.arg, errnum, errnum ? strerror (errnum) : "");
}

/* ---- links ---- */

static struct fake_link *fake_link (struct link *l)
{
    return (struct fake_link *)l;
}

static const char *l_uri (struct link *l)
{
    return fake_link (l)->uri;
}

static bool l_is_up (struct link *l)
{
    return fake_link (l)->up;
}

static int l_keep (struct link *l, double interval)
{
    fake_link (l)->kept = true;
    record (fake_link (l)->cmds, "keep");
    return 0;
}

static int l_submit (struct link *l, flux_jobid_t srcid, const struct link_job *job)
{
    record (fake_link (l)->cmds,
            "submit %ju %d",
            (uintmax_t)srcid,
            job->hold ? FLUX_JOB_URGENCY_HOLD : job->urgency);
    record (fake_link (l)->cmds,
            "copy %s %s hops=%d%s",
            job->J ? "J" : "jobspec",
            job->key,
            job->hops,
            job->lease > 0. ? " lease" : "");
    return 0;
}

static int l_release (struct link *l, flux_jobid_t srcid, int urgency)
{
    record (fake_link (l)->cmds, "release %ju %d", (uintmax_t)srcid, urgency);
    return 0;
}

static int l_follow (struct link *l,
                     flux_jobid_t srcid,
                     flux_jobid_t remote_id,
                     int skip_events,
                     int skip_output)
{
    record (fake_link (l)->cmds,
            "follow %ju %ju %d",
            (uintmax_t)srcid,
            (uintmax_t)remote_id,
            skip_output);
    return 0;
}

static int l_drop (struct link *l, flux_jobid_t srcid, const char *reason)
{
    record (fake_link (l)->cmds,
            "drop %ju %s",
            (uintmax_t)srcid,
            reason ? reason : "(keep)");
    return 0;
}

static int l_kill (struct link *l, flux_jobid_t srcid, int signum)
{
    record (fake_link (l)->cmds, "kill %ju %d", (uintmax_t)srcid, signum);
    return 0;
}

static int l_grant (struct link *l, flux_jobid_t srcid)
{
    record (fake_link (l)->cmds, "grant %ju", (uintmax_t)srcid);
    return 0;
}

static void l_destroy (struct link *l)
{
    struct fake_link *fl = fake_link (l);

    /* kept in the host's list, for the test to look at: freed at fini */
    fl->cb = NULL;
}

static const struct link_ops fake_link_ops = {
    .uri = l_uri,
    .is_up = l_is_up,
    .keep = l_keep,
    .submit = l_submit,
    .release = l_release,
    .follow = l_follow,
    .drop = l_drop,
    .kill = l_kill,
    .grant = l_grant,
    .destroy = l_destroy,
};

struct link *fake_link_open (void *arg,
                             const char *uri,
                             const struct link_params *params,
                             link_report_f cb,
                             void *cb_arg)
{
    struct fake_host *fh = arg;
    struct fake_link *fl = calloc (1, sizeof (*fl));

    if (!fl || !(fl->uri = strdup (uri))) {
        free (fl);
        return NULL;
    }
    fl->base.ops = &fake_link_ops;
    fl->cb = cb;
    fl->cb_arg = cb_arg;
    fl->up = true;
    fl->cmds = json_array ();
    fl->next = fh->links;
    fh->links = fl;
    return &fl->base;
}

struct fake_link *fake_link_find (struct fake_host *fh, const char *uri)
{
    for (struct fake_link *fl = fh->links; fl; fl = fl->next)
        if (!strcmp (fl->uri, uri) && fl->cb)
            return fl;
    return NULL;
}

void fake_report (struct fake_link *fl,
                  enum link_report_type type,
                  flux_jobid_t srcid,
                  flux_jobid_t remote_id,
                  const char *obj,
                  const char *text)
{
    struct link_report rep = {
        .type = type,
        .srcid = srcid,
        .remote_id = remote_id,
        .obj = obj ? json_loads (obj, 0, NULL) : NULL,
        .text = text ? strdup (text) : NULL,
    };

    if (type == LINK_UP || type == LINK_DOWN)
        fl->up = type == LINK_UP;
    fl->cb (&fl->base, &rep, fl->cb_arg);
    json_decref (rep.obj);
    free (rep.text);
}

static int count_prefix (json_t *array, const char *prefix)
{
    size_t i;
    json_t *v;
    int n = 0;

    json_array_foreach (array, i, v) if (!strncmp (json_string_value (v),
                                                   prefix,
                                                   strlen (prefix))) n++;
    return n;
}

int fake_cmds (struct fake_link *fl, const char *prefix)
{
    return fl ? count_prefix (fl->cmds, prefix) : 0;
}

int fake_calls (struct fake_host *fh, const char *prefix)
{
    return count_prefix (fh->calls, prefix);
}

/* ---- what was recorded ---- */

int fake_events (struct fake_host *fh, flux_jobid_t id, const char *name)
{
    size_t i;
    json_t *e;
    int n = 0;

    json_array_foreach (fh->events,
                        i,
                        e) if ((flux_jobid_t)json_integer_value (json_array_get (e, 0))
                                   == id
                               && !strcmp (json_string_value (json_array_get (e, 1)),
                                           name)) n++;
    return n;
}

json_t *fake_event_context (struct fake_host *fh, flux_jobid_t id, const char *name)
{
    size_t i;
    json_t *e;
    json_t *ctx = NULL;

    json_array_foreach (fh->events,
                        i,
                        e) if ((flux_jobid_t)json_integer_value (json_array_get (e, 0))
                                   == id
                               && !strcmp (json_string_value (json_array_get (e, 1)),
                                           name)) ctx = json_array_get (e, 2);
    return ctx;
}

const char *fake_raised (struct fake_host *fh, flux_jobid_t id, const char **type)
{
    size_t i;
    json_t *e;
    const char *note = NULL;

    json_array_foreach (fh->raised, i, e) if ((flux_jobid_t)json_integer_value (
                                                  json_array_get (e, 0))
                                              == id)
    {
        note = json_string_value (json_array_get (e, 3));
        if (type)
            *type = json_string_value (json_array_get (e, 1));
    }
    return note;
}

bool fake_logged (struct fake_host *fh, const char *text)
{
    size_t i;
    json_t *v;

    json_array_foreach (fh->logs, i, v) if (strstr (json_string_value (v),
                                                    text)) return true;
    return false;
}

/* ---- J ---- */

static char *base64 (const char *s)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = strlen (s);
    char *out = malloc (4 * (len / 3 + 1) + 1);
    size_t o = 0;

    for (size_t i = 0; out && i < len; i += 3) {
        unsigned int v = (unsigned char)s[i] << 16;
        if (i + 1 < len)
            v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)s[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? tab[v & 63] : '=';
    }
    if (out)
        out[o] = '\0';
    return out;
}

char *fake_J (const char *jobspec)
{
    char *payload = base64 (jobspec);
    char *J = NULL;

    if (payload && asprintf (&J, "e30=.%s.none", payload) < 0)
        J = NULL;
    free (payload);
    return J;
}

/* ---- life ---- */

void fake_host_init (struct fake_host *fh)
{
    memset (fh, 0, sizeof (*fh));
    fh->now = 1000.;
    fh->jobspecs = json_object ();
    fh->events = json_array ();
    fh->raised = json_array ();
    fh->calls = json_array ();
    fh->logs = json_array ();
    fh->outputs = json_object ();
}

void fake_host_fini (struct fake_host *fh)
{
    while (fh->reqs)
        req_forget (fh, fh->reqs);
    while (fh->timers)
        h_timer_destroy (fh, fh->timers);
    while (fh->links) {
        struct fake_link *fl = fh->links;
        fh->links = fl->next;
        json_decref (fl->cmds);
        free (fl->uri);
        free (fl);
    }
    json_decref (fh->jobspecs);
    json_decref (fh->events);
    json_decref (fh->raised);
    json_decref (fh->calls);
    json_decref (fh->logs);
    json_decref (fh->outputs);
}

// vi:ts=4 sw=4 expandtab
