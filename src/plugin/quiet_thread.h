/* SPDX-License-Identifier: LGPL-3.0 */

/* quiet_thread.h - a thread that takes no signals, inside the broker
 *
 * A link thread must not take the broker's signals: it blocks them all,
 * so that a write to a dead ssh pipe gets EPIPE rather than a SIGPIPE
 * for the whole broker.  A process such a thread forks (ssh, for ssh://
 * URIs) gets an empty signal mask, or it could not be stopped by SIGTERM
 * or SIGINT.  Stopping is cooperative first, then by cancellation.
 */

#ifndef DELEGATE_QUIET_THREAD_H
#define DELEGATE_QUIET_THREAD_H

#include <pthread.h>
#include <stdbool.h>

/* Start 'fn (arg)' with every signal blocked.  Return 0, or -1 with errno.
 */
int quiet_thread_create (pthread_t *thread, void *(*fn) (void *), void *arg);

/* Join 'thread' if it ends within 'seconds'; otherwise cancel it (at its
 * next cancellation point) and join it.  Return true if it ended by itself.
 */
bool quiet_thread_stop (pthread_t thread, double seconds);

#endif /* !DELEGATE_QUIET_THREAD_H */

// vi:ts=4 sw=4 expandtab
