/* SPDX-License-Identifier: LGPL-3.0 */

/* tqueue.h - a queue between two threads, with a file descriptor to poll
 *
 * One thread pushes items; the other watches tqueue_fd() for POLLIN and
 * then takes everything queued with tqueue_pop().  Pushing never blocks
 * for longer than a mutex held for a few instructions.
 */

#ifndef DELEGATE_TQUEUE_H
#define DELEGATE_TQUEUE_H

struct tqueue;

struct tqueue *tqueue_create (void);

/* Free the queue; 'destroy' (if not NULL) is called on items left.
 */
void tqueue_destroy (struct tqueue *q, void (*destroy) (void *item));

/* Append 'item' and make tqueue_fd() readable.
 */
int tqueue_push (struct tqueue *q, void *item);

/* Remove and return the oldest item, or NULL if the queue is empty.
 * Once it returns NULL, tqueue_fd() is no longer readable until the
 * next push.
 */
void *tqueue_pop (struct tqueue *q);

int tqueue_fd (struct tqueue *q);

#endif /* !DELEGATE_TQUEUE_H */

// vi:ts=4 sw=4 expandtab
