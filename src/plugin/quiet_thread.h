/* SPDX-License-Identifier: LGPL-3.0 */

/* quiet_thread.h - a thread that takes no signals, inside the broker
 *
 * A link thread must not take the broker's signals: it blocks them all,
 * so that a write to a dead ssh pipe gets EPIPE rather than a SIGPIPE
 * for the whole broker.  A process such a thread forks (ssh, for ssh://
 * URIs) gets an empty signal mask, or it could not be stopped by SIGTERM
 * or SIGINT.  Stopping is cooperative only: a thread is never
 * cancelled (pthread_cancel would leave whatever it held, locks and
 * half-open connections, as they were); one that does not end in time
 * is left to end by itself (the caller detaches it).
 */

#ifndef DELEGATE_QUIET_THREAD_H
#define DELEGATE_QUIET_THREAD_H

#include <pthread.h>
#include <stdbool.h>

/* Start 'fn (arg)' with every signal blocked, named 'name' (at most 15
 * characters: /proc/PID/task/TID/comm).  Return 0, or -1 with errno.
 */
int quiet_thread_create (pthread_t *thread,
                         const char *name,
                         void *(*fn) (void *),
                         void *arg);

/* Join 'thread' if it ends within 'seconds': return true.  Otherwise
 * return false; the thread is still joinable.
 */
bool quiet_thread_join (pthread_t thread, double seconds);

#endif /* !DELEGATE_QUIET_THREAD_H */

// vi:ts=4 sw=4 expandtab
