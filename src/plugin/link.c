/* SPDX-License-Identifier: LGPL-3.0 */

/* link.c - the thread link (link_thread.h): the job manager's side
 *
 * The link's operations queue a command for its thread (link_run.c) and
 * return; a watcher on the job manager's reactor hands the thread's
 * reports to the callback.  The thread comes and goes:
 *
 *   none ── command ──> running ── ends idle: closes the command queue ──┐
 *    ^                     │ (its last act: the report queue closed)     │
 *    │                     v                                             │
 *    └── joined <── a push finds the command queue closed, or the ───────┘
 *                   report watcher finds the report queue closed
 *
 * so the next command after an idle end starts a new thread, which
 * connects again; the commands never meet a thread that has stopped
 * reading them.
 *
 * link_destroy() closes the command queue (the thread's stop) and waits
 * STOP_WAIT for the thread to end.  A thread stuck on a hung target (in
 * flux_open(3)'s handshake, or a write) is not cancelled: it is
 * detached, and from then on the link is its own, to free when it ends
 * (link_impl.h); the report watcher is gone, so no callback comes.  As
 * that may be after the plugin was removed, the plugin is pinned in
 * memory first (pin_plugin).
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "link_impl.h"
#include "link_thread.h"
#include "quiet_thread.h"

#define STOP_WAIT 0.2  // seconds link_destroy() waits for the thread
#define THREAD_NAME "delegate-link"

void report_destroy (void *item)
{
    struct link_report *rep = item;
    if (rep) {
        json_decref (rep->obj);
        free (rep->text);
        free (rep);
    }
}

void cmd_destroy (void *item)
{
    struct cmd *cmd = item;
    if (cmd) {
        free (cmd->text);
        rjob_copy_destroy (cmd->copy);
        free (cmd);
    }
}

/* ---- the thread ---- */

static int thread_start (struct tlink *l)
{
    tqueue_reopen (l->cmds);
    tqueue_reopen (l->reports);
    l->stopping = false;
    l->want_connect = false;
    atomic_store (&l->one_out, false);
    if (quiet_thread_create (&l->thread, THREAD_NAME, link_run, l) < 0)
        return -1;
    l->running = true;
    return 0;
}

/* Join the thread.  Once it ended idle (it closed the command queue),
 * all it does is drop what it holds and close the report queue, which
 * blocks on nothing; its reports not delivered yet stay queued, first.
 */
static void thread_join (struct tlink *l)
{
    (void)pthread_join (l->thread, NULL);
    l->running = false;
}

/* A thread left running by link_destroy() runs this plugin's code until
 * it ends, which may be long after the plugin was removed: flux jobtap
 * remove dlclose()s it, and the code would be unmapped under the thread.
 * So the plugin is opened once more, by the path it was loaded from
 * (dladdr() of one of its functions), with RTLD_NODELETE: it is never
 * unmapped after that (the handle is never closed), and a later load of
 * the same path gets this same copy.  Done once, and only when a thread
 * has to be left behind.
 */
static int pin_plugin (void)
{
    static bool pinned;
    Dl_info info;

    if (pinned)
        return 0;
    if (dladdr ((void *)pin_plugin, &info) == 0 || !info.dli_fname
        || !dlopen (info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE))
        return -1;
    pinned = true;
    return 0;
}

/* The thread did not end within STOP_WAIT: leave the link to it.
 */
static void thread_abandon (struct tlink *l)
{
    if (pin_plugin () < 0) {
        /* Not expected (the path is that of the plugin, loaded): rather
         * wait for the target than let the thread run in unmapped code.
         */
        thread_join (l);
        tlink_free (l);
        return;
    }
    (void)pthread_detach (l->thread);
    if (atomic_exchange (&l->one_out, true))
        tlink_free (l);  // it ended meanwhile
}

/* ---- commands ---- */

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

/* Queue 'cmd' for the thread, starting one if none runs, or another if
 * the one there ended idle (its queue is closed).
 */
static int cmd_send (struct tlink *l, struct cmd *cmd)
{
    if (!cmd)
        return -1;
    if (!l->running && thread_start (l) < 0)
        goto error;
    if (tqueue_push (l->cmds, cmd) == 0)
        return 0;
    if (errno != EPIPE)
        goto error;
    thread_join (l);
    if (thread_start (l) < 0 || tqueue_push (l->cmds, cmd) < 0)
        goto error;
    return 0;
error:
    cmd_destroy (cmd);
    return -1;
}

static int op_keep (struct link *link, double interval)
{
    struct cmd *cmd = cmd_create (CMD_KEEP, 0, NULL);

    if (cmd)
        cmd->interval = interval;
    return cmd_send ((struct tlink *)link, cmd);
}

static int op_submit (struct link *link, flux_jobid_t srcid, const struct link_job *job)
{
    struct cmd *cmd = cmd_create (CMD_SUBMIT, srcid, NULL);

    if (cmd) {
        cmd->urgency = job->urgency;
        cmd->hold = job->hold;
        if (!(cmd->copy = rjob_copy_create (job))) {
            cmd_destroy (cmd);
            return -1;
        }
    }
    return cmd_send ((struct tlink *)link, cmd);
}

static int op_release (struct link *link, flux_jobid_t srcid, int urgency)
{
    struct cmd *cmd = cmd_create (CMD_RELEASE, srcid, NULL);

    if (cmd)
        cmd->urgency = urgency;
    return cmd_send ((struct tlink *)link, cmd);
}

static int op_follow (struct link *link,
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
    return cmd_send ((struct tlink *)link, cmd);
}

static int op_drop (struct link *link, flux_jobid_t srcid, const char *cancel_reason)
{
    return cmd_send ((struct tlink *)link, cmd_create (CMD_DROP, srcid, cancel_reason));
}

static int op_kill (struct link *link, flux_jobid_t srcid, int signum)
{
    struct cmd *cmd = cmd_create (CMD_KILL, srcid, NULL);

    if (cmd)
        cmd->signum = signum;
    return cmd_send ((struct tlink *)link, cmd);
}

static int op_grant (struct link *link, flux_jobid_t srcid)
{
    return cmd_send ((struct tlink *)link, cmd_create (CMD_GRANT, srcid, NULL));
}

static const char *op_uri (struct link *link)
{
    return ((struct tlink *)link)->uri;
}

static bool op_is_up (struct link *link)
{
    return atomic_load (&((struct tlink *)link)->up);
}

/* ---- reports ---- */

static void report_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    struct tlink *l = arg;
    struct link_report *rep;

    while ((rep = tqueue_pop (l->reports))) {
        l->cb (&l->base, rep, l->cb_arg);
        report_destroy (rep);
    }
    if (l->running && tqueue_is_closed (l->reports))
        thread_join (l);  // it ended idle
}

/* ---- life cycle ---- */

void tlink_free (struct tlink *l)
{
    flux_watcher_destroy (l->report_w);
    link_run_fini (l);
    tqueue_destroy (l->cmds, cmd_destroy);
    tqueue_destroy (l->reports, report_destroy);
    free (l->touched);
    free (l->uri);
    free (l);
}

static void op_destroy (struct link *link)
{
    struct tlink *l = (struct tlink *)link;
    int saved_errno = errno;

    flux_watcher_destroy (l->report_w);
    l->report_w = NULL;
    if (l->running) {
        tqueue_close (l->cmds);
        if (!quiet_thread_join (l->thread, STOP_WAIT)) {
            thread_abandon (l);
            errno = saved_errno;
            return;
        }
        l->running = false;
    }
    tlink_free (l);
    errno = saved_errno;
}

static const struct link_ops tlink_ops = {
    .uri = op_uri,
    .is_up = op_is_up,
    .keep = op_keep,
    .submit = op_submit,
    .release = op_release,
    .follow = op_follow,
    .drop = op_drop,
    .kill = op_kill,
    .grant = op_grant,
    .destroy = op_destroy,
};

struct link *link_thread_open (void *arg,
                               const char *uri,
                               const struct link_params *params,
                               link_report_f cb,
                               void *cb_arg)
{
    flux_reactor_t *r = arg;
    struct tlink *l;

    if (!r || !uri || !params || !cb) {
        errno = EINVAL;
        return NULL;
    }
    if (!(l = calloc (1, sizeof (*l))))
        return NULL;
    l->base.ops = &tlink_ops;
    l->params = *params;
    l->cb = cb;
    l->cb_arg = cb_arg;
    atomic_init (&l->up, false);
    atomic_init (&l->one_out, false);
    if (!(l->uri = strdup (uri)) || !(l->cmds = tqueue_create ())
        || !(l->reports = tqueue_create ())
        || !(l->report_w = flux_fd_watcher_create (r,
                                                   tqueue_fd (l->reports),
                                                   FLUX_POLLIN,
                                                   report_cb,
                                                   l))
        || link_run_init (l) < 0)
        goto error;
    flux_watcher_start (l->report_w);
    return &l->base;
error:
    tlink_free (l);
    return NULL;
}

// vi:ts=4 sw=4 expandtab
