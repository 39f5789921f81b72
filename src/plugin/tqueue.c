/* SPDX-License-Identifier: LGPL-3.0 */

/* tqueue.c - a queue between two threads (see tqueue.h)
 *
 * The wake-up is a pipe: push writes a byte when the queue goes from
 * empty to non-empty (close writes one too), pop drains the pipe when it
 * finds the queue empty.  The pipe is read outside the lock, so a push
 * never waits on it: pop looks at the queue again once the pipe is
 * drained, as it may have read the byte of a push made meanwhile.
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "tqueue.h"

struct node {
    struct node *next;
    void *item;
};

struct tqueue {
    pthread_mutex_t lock;
    struct node *head;
    struct node *tail;
    bool closed;
    int fds[2];
};

struct tqueue *tqueue_create (void)
{
    struct tqueue *q = calloc (1, sizeof (*q));

    if (!q)
        return NULL;
    if (pipe2 (q->fds, O_CLOEXEC | O_NONBLOCK) < 0) {
        free (q);
        return NULL;
    }
    pthread_mutex_init (&q->lock, NULL);
    return q;
}

void tqueue_destroy (struct tqueue *q, void (*destroy) (void *item))
{
    if (q) {
        void *item;
        int saved_errno = errno;
        while ((item = tqueue_pop (q)))
            if (destroy)
                destroy (item);
        close (q->fds[0]);
        close (q->fds[1]);
        pthread_mutex_destroy (&q->lock);
        free (q);
        errno = saved_errno;
    }
}

static void wake (struct tqueue *q)
{
    char c = 0;
    /* EAGAIN means the pipe is full and thus already readable */
    while (write (q->fds[1], &c, 1) < 0 && errno == EINTR)
        ;
}

static void drain (struct tqueue *q)
{
    char buf[64];
    while (read (q->fds[0], buf, sizeof (buf)) > 0)
        ;
}

int tqueue_push (struct tqueue *q, void *item)
{
    struct node *n = malloc (sizeof (*n));
    bool was_empty;

    if (!n)
        return -1;
    n->next = NULL;
    n->item = item;
    pthread_mutex_lock (&q->lock);
    if (q->closed) {
        pthread_mutex_unlock (&q->lock);
        free (n);
        errno = EPIPE;
        return -1;
    }
    was_empty = (q->head == NULL);
    if (q->tail)
        q->tail->next = n;
    else
        q->head = n;
    q->tail = n;
    pthread_mutex_unlock (&q->lock);
    if (was_empty)
        wake (q);
    return 0;
}

static struct node *take (struct tqueue *q)
{
    struct node *n;

    pthread_mutex_lock (&q->lock);
    if ((n = q->head)) {
        q->head = n->next;
        if (!q->head)
            q->tail = NULL;
    }
    pthread_mutex_unlock (&q->lock);
    return n;
}

void *tqueue_pop (struct tqueue *q)
{
    struct node *n;
    void *item;

    if (!(n = take (q))) {
        drain (q);
        if (!(n = take (q)))
            return NULL;
    }
    item = n->item;
    free (n);
    return item;
}

void tqueue_close (struct tqueue *q)
{
    pthread_mutex_lock (&q->lock);
    q->closed = true;
    pthread_mutex_unlock (&q->lock);
    wake (q);
}

bool tqueue_close_if_empty (struct tqueue *q)
{
    bool closed;

    pthread_mutex_lock (&q->lock);
    if (!q->head)
        q->closed = true;
    closed = q->closed;
    pthread_mutex_unlock (&q->lock);
    return closed;
}

bool tqueue_is_closed (struct tqueue *q)
{
    bool closed;

    pthread_mutex_lock (&q->lock);
    closed = q->closed;
    pthread_mutex_unlock (&q->lock);
    return closed;
}

void tqueue_reopen (struct tqueue *q)
{
    pthread_mutex_lock (&q->lock);
    q->closed = false;
    pthread_mutex_unlock (&q->lock);
}

int tqueue_fd (struct tqueue *q)
{
    return q->fds[0];
}

// vi:ts=4 sw=4 expandtab
