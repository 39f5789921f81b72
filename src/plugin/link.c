/* SPDX-License-Identifier: LGPL-3.0 */

/* link.c - one remote Flux instance, reached from the job manager
 *
 * See link.h for the protocol.  This file has two halves:
 *
 *   main side    link_create/destroy, the command functions, and the
 *                report watcher; they run on the job manager's thread.
 *   link thread  link_thread() and everything it calls; the only code
 *                that touches the remote handle.
 *
 * Link thread loop:
 *
 *        ┌────────────── stop ─────────────────────────────┐
 *        v                                                 │
 *   [disconnected] ── work queued ──> flux_open() ──ok──> [open]
 *        ^   ^                           │                  │ security.owner
 *        │   └── backoff timer <── fail ─┘                  v read (async)
 *        │                                             [connected] (up)
 *        └──────────────── connection lost ─────────────────┘
 *
 * Jobs are sent, killed and followed (by the target's journal where it
 * is read, rjob_follow.c) only while connected.
 *
 * The link thread takes no signals (quiet_thread.h).  It owns the job
 * (struct rjob) list: after a clean stop it frees it; when it had to be
 * cancelled (stuck in flux_open), link_destroy() frees it after the join.
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "metrics.h"
#include "orphan.h"
#include "quiet_thread.h"
#include "rjob.h"
#include "tqueue.h"

#define BACKOFF_MIN 0.2
#define BACKOFF_MAX 5.0

enum cmd_type {
    CMD_SUBMIT,
    CMD_RELEASE,
    CMD_FOLLOW,
    CMD_DROP,
    CMD_KILL,
    CMD_KEEP,
    CMD_STOP
};

struct cmd {
    enum cmd_type type;
    flux_jobid_t srcid;
    flux_jobid_t remote_id;  // FOLLOW
    int skip_events;         // FOLLOW
    int skip_output;         // FOLLOW
    int urgency;             // SUBMIT, RELEASE
    int signum;              // KILL
    double interval;         // KEEP
    char *text;              // SUBMIT: jobspec, DROP: cancel reason (may be NULL)
};

struct link {
    char *uri;
    link_report_f cb;
    void *cb_arg;

    /* main side */
    flux_watcher_t *report_w;
    pthread_t thread;
    bool thread_running;

    /* shared */
    struct tqueue *cmds;
    struct tqueue *reports;
    volatile int up;

    /* link thread */
    flux_reactor_t *r;
    flux_watcher_t *cmd_w;
    flux_watcher_t *backoff_w;
    flux_t *h;
    flux_future_t *f_owner;  // attr.get security.owner, before "up"
    double backoff;
    bool stopping;
    bool want_connect;
    bool keep;
    double metrics_interval;
    struct metrics *metrics;
    struct orphans *orphans;
    struct rjob_list jobs;
};

/* The link thread connects while it has this to do.
 */
static bool has_work (struct link *l)
{
    return l->keep || !rjob_list_empty (&l->jobs) || !orphans_empty (l->orphans);
}

static void cmd_drain (struct link *l);

/* ---- reports (link thread -> main) ---- */

static void report_destroy (void *item)
{
    struct link_report *rep = item;
    if (rep) {
        json_decref (rep->obj);
        free (rep->text);
        free (rep);
    }
}

void link_report (struct link *l,
                  enum link_report_type type,
                  flux_jobid_t srcid,
                  flux_jobid_t remote_id,
                  json_t *obj,
                  const char *text)
{
    struct link_report *rep = calloc (1, sizeof (*rep));

    if (!rep)
        return;
    rep->type = type;
    rep->srcid = srcid;
    rep->remote_id = remote_id;
    rep->obj = json_incref (obj);
    if ((text && !(rep->text = strdup (text))) || tqueue_push (l->reports, rep) < 0)
        report_destroy (rep);
}

static void report_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    struct link *l = arg;
    struct link_report *rep;

    while ((rep = tqueue_pop (l->reports))) {
        l->cb (l, rep, l->cb_arg);
        report_destroy (rep);
    }
}

/* ---- connection (link thread) ---- */

flux_t *link_handle (struct link *l)
{
    return l->h;
}

/* A send on the remote handle failed: treat the connection as lost.
 */
void link_connection_error (struct link *l)
{
    flux_reactor_stop_error (l->r);
}

void link_add_orphan (struct link *l, flux_jobid_t srcid, json_t *origin)
{
    (void)orphans_add (l->orphans, srcid, origin);
}

/* Drop the link's own futures on the remote handle (not the jobs').
 */
static void stop_link_traffic (struct link *l)
{
    flux_future_destroy (l->f_owner);
    l->f_owner = NULL;
    metrics_stop (l->metrics);
    orphans_stop (l->orphans);
}

/* Drop every future on the remote handle, and the jobs with theirs.
 */
static void forget_target (struct link *l)
{
    stop_link_traffic (l);
    rjob_list_clear (&l->jobs);
}

static void disconnect (struct link *l, const char *why)
{
    if (!l->h)
        return;
    stop_link_traffic (l);
    rjob_list_disconnected (&l->jobs, l);
    flux_close (l->h);
    l->h = NULL;
    l->up = 0;
    link_report (l, LINK_DOWN, 0, 0, NULL, why);
}

struct rjob_list *link_jobs (struct link *l)
{
    return &l->jobs;
}

static void backoff_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    struct link *l = arg;
    l->want_connect = true;
    flux_reactor_stop (r);
}

static void connect_failed (struct link *l, const char *why)
{
    rjob_list_connect_failed (&l->jobs, l, why);
    link_report (l, LINK_DOWN, 0, 0, NULL, why);
    if (!has_work (l)) {
        l->backoff = 0.;
        return;
    }
    l->backoff = l->backoff < BACKOFF_MIN ? BACKOFF_MIN : l->backoff * 2;
    if (l->backoff > BACKOFF_MAX)
        l->backoff = BACKOFF_MAX;
    flux_timer_watcher_reset (l->backoff_w, l->backoff, 0.);
    flux_watcher_start (l->backoff_w);
}

static void connected (struct link *l)
{
    l->backoff = 0.;
    l->up = 1;
    link_report (l, LINK_UP, 0, 0, NULL, NULL);
    metrics_start (l->metrics, l->h, l->metrics_interval);
    orphans_start (l->orphans, l->h);
    rjob_list_up (&l->jobs, l->h);
    cmd_drain (l);
}

/* flux_job_submit(), in a flux-core built with flux-security, reads the
 * target's security.owner with flux_attr_get(), a synchronous RPC the
 * first time on a handle: it would block this thread, the events and
 * cancels of every job on it included, for as long as the target hangs.
 * So the link reads it asynchronously after each connect and caches it
 * in the handle before anything is sent.  Not having it (an error
 * answer) only means flux_job_submit() asks itself.
 */
static void owner_cb (flux_future_t *f, void *arg)
{
    struct link *l = arg;
    const char *owner;

    if (flux_rpc_get_unpack (f, "{s:s}", "value", &owner) == 0)
        (void)flux_attr_set_cacheonly (l->h, "security.owner", owner);
    flux_future_destroy (f);
    l->f_owner = NULL;
    connected (l);
}

/* Blocks this thread (only) until the target answers or fails.
 */
static void connect_target (struct link *l)
{
    flux_error_t error;
    char why[256];

    l->want_connect = false;
    if (!(l->h = flux_open_ex (l->uri, 0, &error))) {
        snprintf (why, sizeof (why), "cannot connect: %s", error.text);
        connect_failed (l, why);
        return;
    }
    if (flux_set_reactor (l->h, l->r) < 0) {
        snprintf (why, sizeof (why), "cannot connect: %s", strerror (errno));
        flux_close (l->h);
        l->h = NULL;
        connect_failed (l, why);
        return;
    }
    if (!(l->f_owner = flux_rpc_pack (l->h,
                                      "attr.get",
                                      FLUX_NODEID_ANY,
                                      0,
                                      "{s:s}",
                                      "name",
                                      "security.owner"))
        || flux_future_then (l->f_owner, -1., owner_cb, l) < 0) {
        snprintf (why, sizeof (why), "cannot connect: %s", strerror (errno));
        flux_future_destroy (l->f_owner);
        l->f_owner = NULL;
        flux_close (l->h);
        l->h = NULL;
        connect_failed (l, why);
    }
}

/* ---- commands (main -> link thread) ---- */

static void cmd_destroy (void *item)
{
    struct cmd *cmd = item;
    if (cmd) {
        free (cmd->text);
        free (cmd);
    }
}

static struct cmd *cmd_create (enum cmd_type type, flux_jobid_t srcid, const char *text)
{
    struct cmd *cmd = calloc (1, sizeof (*cmd));

    if (!cmd)
        return NULL;
    cmd->type = type;
    cmd->srcid = srcid;
    if (text && !(cmd->text = strdup (text))) {
        free (cmd);
        return NULL;
    }
    return cmd;
}

static int cmd_send (struct link *l, struct cmd *cmd)
{
    if (!cmd || tqueue_push (l->cmds, cmd) < 0) {
        cmd_destroy (cmd);
        return -1;
    }
    return 0;
}

static void cmd_run (struct link *l, struct cmd *cmd)
{
    struct rjob *job;

    switch (cmd->type) {
        case CMD_SUBMIT:
            if (!(job = rjob_create (&l->jobs, cmd->srcid, 0)))
                link_report (l,
                             LINK_SUBMIT_FAILED,
                             cmd->srcid,
                             0,
                             NULL,
                             "out of memory");
            else {
                rjob_set_submit (job, cmd->text, cmd->urgency);
                cmd->text = NULL;
            }
            break;
        case CMD_RELEASE:
            if ((job = rjob_lookup (&l->jobs, cmd->srcid)))
                rjob_set_urgency (job, cmd->urgency);
            break;
        case CMD_FOLLOW:
            if (!(job = rjob_create (&l->jobs, cmd->srcid, cmd->remote_id)))
                link_report (l, LINK_LOST, cmd->srcid, 0, NULL, "out of memory");
            else
                rjob_set_skip (job, cmd->skip_events, cmd->skip_output);
            break;
        case CMD_DROP:
            if ((job = rjob_lookup (&l->jobs, cmd->srcid)))
                rjob_drop (job, l, cmd->text);
            break;
        case CMD_KILL:
            if ((job = rjob_lookup (&l->jobs, cmd->srcid)) && l->up)
                rjob_kill (job, l, cmd->signum);
            break;
        case CMD_KEEP:
            l->keep = true;
            if (l->up && cmd->interval != l->metrics_interval)
                metrics_start (l->metrics, l->h, cmd->interval);
            l->metrics_interval = cmd->interval;
            break;
        case CMD_STOP:
            l->stopping = true;
            break;
    }
}

/* Apply every queued command before sending anything, so that a job
 * dropped while the link was busy connecting is never submitted.
 */
static void cmd_drain (struct link *l)
{
    struct cmd *cmd;

    while ((cmd = tqueue_pop (l->cmds))) {
        cmd_run (l, cmd);
        cmd_destroy (cmd);
    }
    if (l->up && !l->stopping)
        rjob_list_connected (&l->jobs, l);
}

static void cmd_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    struct link *l = arg;

    cmd_drain (l);
    if (l->stopping
        || (!l->h && has_work (l) && !flux_watcher_is_active (l->backoff_w))) {
        l->want_connect = !l->stopping;
        flux_reactor_stop (r);
    }
}

static void *link_thread (void *arg)
{
    struct link *l = arg;

    while (!l->stopping) {
        if (l->want_connect && !l->h)
            connect_target (l);
        if (flux_reactor_run (l->r, 0) < 0 && !l->stopping)
            disconnect (l, "lost connection to the target");
        if (!l->h && !l->stopping && has_work (l)
            && !flux_watcher_is_active (l->backoff_w))
            l->want_connect = true;
    }
    forget_target (l);
    if (l->h) {
        flux_close (l->h);
        l->h = NULL;
    }
    return NULL;
}

/* ---- main side ---- */

const char *link_uri (struct link *l)
{
    return l->uri;
}

bool link_is_up (struct link *l)
{
    return l->up != 0;
}

int link_keep (struct link *l, double interval)
{
    struct cmd *cmd = cmd_create (CMD_KEEP, 0, NULL);

    if (cmd)
        cmd->interval = interval;
    return cmd_send (l, cmd);
}

int link_submit (struct link *l, flux_jobid_t srcid, const char *jobspec, int urgency)
{
    struct cmd *cmd = cmd_create (CMD_SUBMIT, srcid, jobspec);

    if (cmd)
        cmd->urgency = urgency;
    return cmd_send (l, cmd);
}

int link_release (struct link *l, flux_jobid_t srcid, int urgency)
{
    struct cmd *cmd = cmd_create (CMD_RELEASE, srcid, NULL);

    if (cmd)
        cmd->urgency = urgency;
    return cmd_send (l, cmd);
}

int link_follow (struct link *l,
                 flux_jobid_t srcid,
                 flux_jobid_t remote_id,
                 int skip_events,
                 int skip_output)
{
    struct cmd *cmd = cmd_create (CMD_FOLLOW, srcid, NULL);

    if (cmd) {
        cmd->remote_id = remote_id;
        cmd->skip_events = skip_events;
        cmd->skip_output = skip_output;
    }
    return cmd_send (l, cmd);
}

int link_drop (struct link *l, flux_jobid_t srcid, const char *cancel_reason)
{
    return cmd_send (l, cmd_create (CMD_DROP, srcid, cancel_reason));
}

int link_kill (struct link *l, flux_jobid_t srcid, int signum)
{
    struct cmd *cmd = cmd_create (CMD_KILL, srcid, NULL);

    if (cmd)
        cmd->signum = signum;
    return cmd_send (l, cmd);
}

static void stop_thread (struct link *l)
{
    bool asked;

    if (!l->thread_running)
        return;
    l->thread_running = false;
    asked = cmd_send (l, cmd_create (CMD_STOP, 0, NULL)) == 0;
    if (quiet_thread_stop (l->thread, asked ? 0.2 : 0.))
        return;
    /* Stuck in flux_open() or a blocking write: cancelled at its next
     * cancellation point (read, poll, sleep); free its state here.
     */
    forget_target (l);
    l->h = NULL;  // may be half-open; leaked rather than touched
}

void link_destroy (struct link *l)
{
    if (l) {
        int saved_errno = errno;
        stop_thread (l);
        flux_watcher_destroy (l->report_w);
        flux_watcher_destroy (l->cmd_w);
        flux_watcher_destroy (l->backoff_w);
        metrics_destroy (l->metrics);
        orphans_destroy (l->orphans);
        rjob_list_fini (&l->jobs);
        flux_reactor_destroy (l->r);
        tqueue_destroy (l->cmds, cmd_destroy);
        tqueue_destroy (l->reports, report_destroy);
        free (l->uri);
        free (l);
        errno = saved_errno;
    }
}

struct link *link_create (
    flux_reactor_t *r, const char *uri, bool journal, link_report_f cb, void *arg)
{
    struct link *l;

    if (!r || !uri || !cb) {
        errno = EINVAL;
        return NULL;
    }
    if (!(l = calloc (1, sizeof (*l))))
        return NULL;
    l->cb = cb;
    l->cb_arg = arg;
    if (rjob_list_init (&l->jobs, l, journal) < 0 || !(l->uri = strdup (uri))
        || !(l->cmds = tqueue_create ()) || !(l->reports = tqueue_create ())
        || !(l->report_w = flux_fd_watcher_create (r,
                                                   tqueue_fd (l->reports),
                                                   FLUX_POLLIN,
                                                   report_cb,
                                                   l))
        || !(l->r = flux_reactor_create (0))
        || !(l->cmd_w = flux_fd_watcher_create (l->r,
                                                tqueue_fd (l->cmds),
                                                FLUX_POLLIN,
                                                cmd_cb,
                                                l))
        || !(l->backoff_w = flux_timer_watcher_create (l->r, 0., 0., backoff_cb, l))
        || !(l->metrics = metrics_create (l, l->r))
        || !(l->orphans = orphans_create (l, l->r)))
        goto error;
    flux_watcher_start (l->report_w);
    flux_watcher_start (l->cmd_w);
    if (quiet_thread_create (&l->thread, link_thread, l) < 0)
        goto error;
    l->thread_running = true;
    return l;
error:
    link_destroy (l);
    return NULL;
}

// vi:ts=4 sw=4 expandtab
