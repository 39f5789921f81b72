/* SPDX-License-Identifier: LGPL-3.0 */

/* tqueue.h - a queue between two threads, with a file descriptor to poll
 *
 * One thread pushes items; the other watches tqueue_fd() for POLLIN and
 * then takes everything queued with tqueue_pop().  Pushing never blocks
 * for longer than a mutex held for a few instructions.
 *
 * A queue can be closed: pushes fail (EPIPE) until it is reopened.  The
 * reader closes it only when empty (tqueue_close_if_empty), so that no
 * item is ever left behind; the writer closes it to tell the reader to
 * stop (tqueue_close).
 */

#ifndef DELEGATE_TQUEUE_H
#define DELEGATE_TQUEUE_H

#include <stdbool.h>

struct tqueue;

struct tqueue *tqueue_create (void);

/* Free the queue; 'destroy' (if not NULL) is called on items left.
 */
void tqueue_destroy (struct tqueue *q, void (*destroy) (void *item));

/* Append 'item' and make tqueue_fd() readable.  -1 with errno EPIPE if
 * the queue is closed (the item stays the caller's), or ENOMEM.
 */
int tqueue_push (struct tqueue *q, void *item);

/* Remove and return the oldest item, or NULL if the queue is empty.
 * Once it returns NULL, tqueue_fd() is no longer readable until the
 * next push or close.
 */
void *tqueue_pop (struct tqueue *q);

/* Close the queue and make tqueue_fd() readable; items queued stay
 * until popped.
 */
void tqueue_close (struct tqueue *q);

/* Close the queue if it is empty, in one step with the test: return
 * true if it is closed now (or was already).
 */
bool tqueue_close_if_empty (struct tqueue *q);

bool tqueue_is_closed (struct tqueue *q);

/* Take pushes again.
 */
void tqueue_reopen (struct tqueue *q);

int tqueue_fd (struct tqueue *q);

#endif /* !DELEGATE_TQUEUE_H */

// vi:ts=4 sw=4 expandtab
