/* SPDX-License-Identifier: LGPL-3.0 */

/* link_thread.h - the link of the plugin: a thread per target
 *
 * The link owns a thread with its own reactor and its own flux_t handle
 * on the target.  Everything that can block (flux_open(3), which waits
 * without a timeout for a handshake, and any traffic on the remote
 * handle) happens on that thread, never on the job manager's.
 *
 * The job manager's thread talks to it through two queues:
 *
 *   commands   link_submit(), link_follow(), link_drop()... return at once;
 *              the link thread picks them up.
 *   reports    the link thread queues a report and wakes a watcher on
 *              the job manager's reactor, which calls the report
 *              callback there, one report at a time, in order.
 *
 * See link.h for the protocol; link_impl.h for the inside: link.c (the
 * job manager's side), link_run.c (the thread).
 */

#ifndef DELEGATE_LINK_THREAD_H
#define DELEGATE_LINK_THREAD_H

#include <flux/core.h>

#include "link.h"

/* A link_open_f: 'arg' is the reactor (flux_reactor_t *) on which the
 * reports are delivered.
 */
struct link *link_thread_open (void *arg,
                               const char *uri,
                               const struct link_params *params,
                               link_report_f cb,
                               void *cb_arg);

#endif /* !DELEGATE_LINK_THREAD_H */

// vi:ts=4 sw=4 expandtab
