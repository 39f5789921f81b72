/* SPDX-License-Identifier: LGPL-3.0 */

/* link_run.c - the link thread (link_impl.h): the only code that touches
 * the remote handle
 *
 *        ┌─────────── stop, or idle ───────────────────────┐
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
 * The thread ends when:
 *
 *   stopped  the main side closed the command queue (link_destroy);
 *   idle     the link is not kept and had nothing to do (no remote job,
 *            no orphan search) for params.idle seconds: it closes its
 *            connection, reports DOWN "closed: idle for Ns", and ends if
 *            the command queue is empty, closing it in the same step
 *            (tqueue_close_if_empty); else it goes on with the commands.
 *            A push to the closed queue tells the main side to join this
 *            thread and start another (link.c).
 *
 * Either way it drops what it holds on the target, closes the report
 * queue (the main side joins it then), and, if the main side has let
 * go of the link meanwhile (a detached thread), frees it.
 *
 * The thread takes no signals (quiet_thread.h).
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link_impl.h"

#define BACKOFF_MIN 0.2
#define BACKOFF_MAX 5.0

/* The link thread connects while it has this to do.
 */
static bool has_work (struct tlink *l)
{
    return l->keep || !rjob_list_empty (&l->jobs) || !orphans_empty (l->orphans);
}

static void cmd_drain (struct tlink *l);

/* ---- reports, and what the rest of the thread uses ---- */

static void report_push (struct tlink *l,
                         enum link_report_type type,
                         flux_jobid_t srcid,
                         flux_jobid_t remote_id,
                         json_t *obj,
                         const char *text,
                         bool live)
{
    struct link_report *rep = calloc (1, sizeof (*rep));

    if (!rep)
        return;
    rep->type = type;
    rep->srcid = srcid;
    rep->remote_id = remote_id;
    rep->obj = json_incref (obj);
    rep->live = live;
    if ((text && !(rep->text = strdup (text))) || tqueue_push (l->reports, rep) < 0)
        report_destroy (rep);
}

void link_report (struct tlink *l,
                  enum link_report_type type,
                  flux_jobid_t srcid,
                  flux_jobid_t remote_id,
                  json_t *obj,
                  const char *text)
{
    report_push (l, type, srcid, remote_id, obj, text, false);
}

void link_report_event (struct tlink *l,
                        flux_jobid_t srcid,
                        flux_jobid_t remote_id,
                        json_t *entry,
                        bool live)
{
    report_push (l, LINK_EVENT, srcid, remote_id, entry, NULL, live);
}

flux_t *link_handle (struct tlink *l)
{
    return l->h;
}

void link_connection_error (struct tlink *l)
{
    flux_reactor_stop_error (l->r);
}

void link_add_orphan (struct tlink *l, flux_jobid_t srcid, json_t *origin)
{
    (void)orphans_add (l->orphans, srcid, origin);
}

struct rjob_list *link_jobs (struct tlink *l)
{
    return &l->jobs;
}

bool link_accepts (struct tlink *l)
{
    return l->accepts;
}

/* ---- connection ---- */

/* Drop the link's own futures on the remote handle (not the jobs').
 */
static void stop_link_traffic (struct tlink *l)
{
    flux_future_destroy (l->f_owner);
    flux_future_destroy (l->f_hello);
    l->f_owner = l->f_hello = NULL;
    metrics_stop (l->metrics);
    orphans_stop (l->orphans);
}

static void close_handle (struct tlink *l)
{
    flux_close (l->h);  // an ssh:// handle: its ssh process goes too
    l->h = NULL;
    atomic_store (&l->up, false);
}

static void disconnect (struct tlink *l, const char *why)
{
    if (!l->h)
        return;
    stop_link_traffic (l);
    rjob_list_disconnected (&l->jobs, l);
    close_handle (l);
    link_report (l, LINK_DOWN, 0, 0, NULL, why);
}

static void backoff_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    struct tlink *l = arg;
    l->want_connect = true;
    flux_reactor_stop (r);
}

static void connect_failed (struct tlink *l, const char *why)
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

static void connected (struct tlink *l, json_t *hello)
{
    l->backoff = 0.;
    atomic_store (&l->up, true);
    link_report (l, LINK_UP, 0, 0, hello, NULL);
    metrics_start (l->metrics, l->h, l->metrics_interval);
    orphans_start (l->orphans, l->h);
    rjob_list_up (&l->jobs, l->h);
    cmd_drain (l);
    if (!l->stopping)
        rjob_list_connected (&l->jobs, l);  // what each job needs now
}

static void connect_error (struct tlink *l, const char *text);

/* Whether the target accepts delegated jobs (accept.h): a target
 * without the plugin, or an older one, has no such service (ENOSYS,
 * or EPERM where the service is not for us);
 * another error is a failed connect, tried again.
 */
static void hello_cb (flux_future_t *f, void *arg)
{
    struct tlink *l = arg;
    json_t *hello = NULL;
    int accept = 0;

    if (flux_rpc_get_unpack (f, "o", &hello) < 0) {
        if (errno != ENOSYS && errno != EPERM) {
            char why[256];
            snprintf (why, sizeof (why), "hello: %s", future_strerror (f, errno));
            connect_error (l, why);
            return;
        }
        hello = NULL;
    } else if (json_unpack (hello, "{s?b}", "accept", &accept) < 0)
        hello = NULL;
    l->accepts = accept;
    hello = hello ? json_incref (hello) : json_pack ("{s:b}", "accept", 0);
    flux_future_destroy (f);
    l->f_hello = NULL;
    connected (l, hello);
    json_decref (hello);
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
    struct tlink *l = arg;
    const char *owner;

    if (flux_rpc_get_unpack (f, "{s:s}", "value", &owner) == 0)
        (void)flux_attr_set_cacheonly (l->h, "security.owner", owner);
    flux_future_destroy (f);
    l->f_owner = NULL;
    if (!(l->f_hello =
              flux_rpc (l->h, "job-manager.delegate.hello", "{}", FLUX_NODEID_ANY, 0))
        || flux_future_then (l->f_hello, -1., hello_cb, l) < 0)
        connect_error (l, strerror (errno));
}

static void connect_error (struct tlink *l, const char *text)
{
    char why[256];

    snprintf (why, sizeof (why), "cannot connect: %s", text);
    flux_future_destroy (l->f_owner);
    flux_future_destroy (l->f_hello);
    l->f_owner = l->f_hello = NULL;
    if (l->h)
        close_handle (l);
    connect_failed (l, why);
}

/* Blocks this thread (only) until the target answers or fails, for as
 * long as that takes: the main side may have given up on the thread
 * meanwhile (link_destroy), which it checks once back.
 */
static void connect_target (struct tlink *l)
{
    flux_error_t error;

    l->want_connect = false;
    if (!(l->h = flux_open_ex (l->uri, 0, &error))) {
        connect_error (l, error.text);
        return;
    }
    if (tqueue_is_closed (l->cmds)) {
        close_handle (l);
        l->stopping = true;
        return;
    }
    if (flux_set_reactor (l->h, l->r) < 0
        || !(l->f_owner = flux_rpc_pack (l->h,
                                         "attr.get",
                                         FLUX_NODEID_ANY,
                                         0,
                                         "{s:s}",
                                         "name",
                                         "security.owner"))
        || flux_future_then (l->f_owner, -1., owner_cb, l) < 0)
        connect_error (l, strerror (errno));
}

/* ---- commands ---- */

/* Remember that a command of this batch concerns job 'srcid'.  If it
 * cannot be remembered (out of memory), every job is started after the
 * batch, as after a connect.
 */
static void touch (struct tlink *l, flux_jobid_t srcid)
{
    if (l->ntouched == l->touched_size) {
        int size = l->touched_size ? 2 * l->touched_size : 16;
        flux_jobid_t *a = realloc (l->touched, size * sizeof (*a));
        if (!a) {
            l->ntouched = -1;
            return;
        }
        l->touched = a;
        l->touched_size = size;
    }
    if (l->ntouched >= 0)
        l->touched[l->ntouched++] = srcid;
}

/* Start what the jobs the batch concerns need now (the link is up):
 * the others have what they need, and walking them all after each
 * batch would cost each command as much as there are jobs.
 */
static void start_touched (struct tlink *l)
{
    struct rjob *job;

    if (l->ntouched < 0)
        rjob_list_connected (&l->jobs, l);
    for (int i = 0; i < l->ntouched; i++)
        if ((job = rjob_lookup (&l->jobs, l->touched[i])))
            rjob_start (job, l);
}

static void cmd_run (struct tlink *l, struct cmd *cmd)
{
    struct rjob *job;

    if (cmd->type == CMD_SUBMIT || cmd->type == CMD_RELEASE || cmd->type == CMD_FOLLOW
        || cmd->type == CMD_GRANT)
        touch (l, cmd->srcid);
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
                rjob_set_submit (job, cmd->copy, cmd->urgency, cmd->hold);
                cmd->copy = NULL;
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
            if ((job = rjob_lookup (&l->jobs, cmd->srcid)) && atomic_load (&l->up))
                rjob_kill (job, l, cmd->signum);
            break;
        case CMD_GRANT:
            if ((job = rjob_lookup (&l->jobs, cmd->srcid)))
                rjob_set_grant (job);
            break;
        case CMD_KEEP:
            l->keep = true;
            if (atomic_load (&l->up) && cmd->interval != l->metrics_interval)
                metrics_start (l->metrics, l->h, cmd->interval);
            l->metrics_interval = cmd->interval;
            break;
    }
}

/* Apply every queued command before sending anything, so that a job
 * dropped while the link was busy connecting is never submitted.  A
 * closed queue, once empty, is the main side's stop.
 */
static void cmd_drain (struct tlink *l)
{
    struct cmd *cmd;

    while ((cmd = tqueue_pop (l->cmds))) {
        cmd_run (l, cmd);
        cmd_destroy (cmd);
    }
    if (tqueue_is_closed (l->cmds))
        l->stopping = true;
    if (atomic_load (&l->up) && !l->stopping)
        start_touched (l);
    l->ntouched = 0;  // not up: every job is started once connected
}

static void cmd_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    struct tlink *l = arg;

    cmd_drain (l);
    flux_watcher_stop (l->idle_w);  // idle from now on, if at all (prep_cb)
    if (l->stopping
        || (!l->h && has_work (l) && !flux_watcher_is_active (l->backoff_w))) {
        l->want_connect = !l->stopping;
        flux_reactor_stop (r);
    }
}

/* ---- before each wait ---- */

/* Send what this pass batched (the acks, rjob.h); then the idle timer
 * runs while there is nothing to do.
 */
static void prep_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    struct tlink *l = arg;

    rjob_list_flush (&l->jobs, l);
    if (l->params.idle <= 0.)
        return;
    if (has_work (l))
        flux_watcher_stop (l->idle_w);
    else if (!flux_watcher_is_active (l->idle_w)) {
        flux_timer_watcher_reset (l->idle_w, l->params.idle, 0.);
        flux_watcher_start (l->idle_w);
    }
}

static void idle_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    struct tlink *l = arg;
    char why[64];

    if (has_work (l))
        return;
    snprintf (why, sizeof (why), "closed: idle for %gs", l->params.idle);
    disconnect (l, why);
    if (tqueue_close_if_empty (l->cmds)) {
        l->stopping = true;
        flux_reactor_stop (r);
    }
}

/* ---- the thread ---- */

static void *link_end (struct tlink *l)
{
    stop_link_traffic (l);
    rjob_list_clear (&l->jobs);
    if (l->h)
        close_handle (l);
    tqueue_close (l->reports);
    if (atomic_exchange (&l->one_out, true))
        tlink_free (l);  // detached by link_destroy(): the link is ours
    return NULL;
}

int link_run_init (struct tlink *l)
{
    if (rjob_list_init (&l->jobs, l, l->params.journal) < 0
        || !(l->r = flux_reactor_create (0))
        || !(l->cmd_w = flux_fd_watcher_create (l->r,
                                                tqueue_fd (l->cmds),
                                                FLUX_POLLIN,
                                                cmd_cb,
                                                l))
        || !(l->backoff_w = flux_timer_watcher_create (l->r, 0., 0., backoff_cb, l))
        || !(l->idle_w = flux_timer_watcher_create (l->r, 0., 0., idle_cb, l))
        || !(l->prep_w = flux_prepare_watcher_create (l->r, prep_cb, l))
        || !(l->metrics = metrics_create (l, l->r))
        || !(l->orphans = orphans_create (l, l->r)))
        return -1;
    flux_watcher_start (l->cmd_w);
    flux_watcher_start (l->prep_w);
    return 0;
}

void link_run_fini (struct tlink *l)
{
    flux_watcher_destroy (l->cmd_w);
    flux_watcher_destroy (l->backoff_w);
    flux_watcher_destroy (l->idle_w);
    flux_watcher_destroy (l->prep_w);
    metrics_destroy (l->metrics);
    orphans_destroy (l->orphans);
    rjob_list_fini (&l->jobs);
    flux_reactor_destroy (l->r);
}

void *link_run (void *arg)
{
    struct tlink *l = arg;

    while (!l->stopping) {
        if (l->want_connect && !l->h)
            connect_target (l);
        if (l->stopping)
            break;
        if (flux_reactor_run (l->r, 0) < 0 && !l->stopping)
            disconnect (l, "lost connection to the target");
        if (!l->h && !l->stopping && has_work (l)
            && !flux_watcher_is_active (l->backoff_w))
            l->want_connect = true;
    }
    return link_end (l);
}

// vi:ts=4 sw=4 expandtab
