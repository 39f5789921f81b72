/* SPDX-License-Identifier: LGPL-3.0 */

/* link_impl.h - inside the thread link (link_thread.h)
 *
 *   link.c      the job manager's side: the link's operations, the
 *               report watcher, starting, joining and stopping threads
 *   link_run.c  the link thread: connection, commands, idle closing
 *   rjob*.c, metrics.c, orphan.c, journal.c
 *               what the link thread does on the target
 *
 * Who touches what in struct tlink:
 *
 *   main side    'cb', 'cb_arg', 'report_w', 'thread', 'running'
 *   both         the queues (locked), the atomics
 *   link thread  the rest, while a thread runs ('running'); between two
 *                threads (the last one ended idle and was joined) the
 *                main side may, to start the next one.
 *
 * A thread that link_destroy() could not join in time is detached and
 * owns the whole struct from then on; it frees it when it ends.  The
 * main side and the thread each set 'one_out' when they are done with
 * it: whichever finds it set already frees (link.c, link_run.c).
 */

#ifndef DELEGATE_LINK_IMPL_H
#define DELEGATE_LINK_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <jansson.h>
#include <flux/core.h>

#include "link.h"
#include "metrics.h"
#include "orphan.h"
#include "rjob.h"
#include "tqueue.h"

enum cmd_type {
    CMD_SUBMIT,
    CMD_RELEASE,
    CMD_FOLLOW,
    CMD_DROP,
    CMD_KILL,
    CMD_KEEP,
    CMD_GRANT,
};

struct cmd {
    enum cmd_type type;
    flux_jobid_t srcid;
    flux_jobid_t remote_id;  // FOLLOW
    int skip_events;         // FOLLOW
    int skip_output;         // FOLLOW
    int urgency;             // SUBMIT, RELEASE
    bool hold;               // SUBMIT
    int signum;              // KILL
    double interval;         // KEEP
    char *text;              // DROP: cancel reason (may be NULL)
    struct rjob_copy *copy;  // SUBMIT
};

struct tlink {
    struct link base;
    char *uri;
    struct link_params params;

    /* main side */
    link_report_f cb;
    void *cb_arg;
    flux_watcher_t *report_w;
    pthread_t thread;
    bool running;  // 'thread' was started and not joined

    /* both: commands are closed by the main side to stop the thread, or
     * by the thread when it ends idle; reports are closed by the thread
     * as it ends.
     */
    struct tqueue *cmds;
    struct tqueue *reports;
    atomic_bool up;
    atomic_bool one_out;

    /* link thread */
    flux_reactor_t *r;
    flux_watcher_t *cmd_w;
    flux_watcher_t *backoff_w;
    flux_watcher_t *idle_w;  // timer: nothing to do for params.idle
    flux_watcher_t *prep_w;  // before each wait: sends the acks, arms idle_w
    flux_t *h;
    flux_future_t *f_owner;  // attr.get security.owner, before "up"
    flux_future_t *f_hello;  // then job-manager.delegate.hello
    bool accepts;            // the target's answer (accept.h)
    double backoff;
    bool stopping;
    bool want_connect;
    bool keep;
    double metrics_interval;
    struct metrics *metrics;
    struct orphans *orphans;
    struct rjob_list jobs;
    flux_jobid_t *touched;  // the jobs the commands of a batch concern
    int ntouched;
    int touched_size;
};

/* link.c */
void cmd_destroy (void *item);
void report_destroy (void *item);
/* Free the link and all it holds (no thread runs on it).
 */
void tlink_free (struct tlink *l);

/* link_run.c: what the thread runs on (its reactor and watchers, the
 * jobs, metrics and orphans), made and freed by the main side.
 */
int link_run_init (struct tlink *l);
void link_run_fini (struct tlink *l);
/* The thread's function; 'arg' is the struct tlink.
 */
void *link_run (void *arg);

/* link_run.c, for what runs on the link thread */
void link_report (struct tlink *l,
                  enum link_report_type type,
                  flux_jobid_t srcid,
                  flux_jobid_t remote_id,
                  json_t *obj,
                  const char *text);
/* An EVENT report ('live': see struct link_report). */
void link_report_event (struct tlink *l,
                        flux_jobid_t srcid,
                        flux_jobid_t remote_id,
                        json_t *entry,
                        bool live);
flux_t *link_handle (struct tlink *l);
/* A send on the remote handle failed: treat the connection as lost.
 */
void link_connection_error (struct tlink *l);
void link_add_orphan (struct tlink *l, flux_jobid_t srcid, json_t *origin);
struct rjob_list *link_jobs (struct tlink *l);
/* The target said it accepts delegated jobs when the link connected. */
bool link_accepts (struct tlink *l);

#endif /* !DELEGATE_LINK_IMPL_H */

// vi:ts=4 sw=4 expandtab
