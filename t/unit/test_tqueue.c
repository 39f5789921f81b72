/* SPDX-License-Identifier: LGPL-3.0 */

/* test_tqueue.c - the queue between the job manager and a link thread:
 * order, the descriptor's readability, closing, and the hand-over of an
 * idle link (a reader that ends when it closes the empty queue, a writer
 * that starts another reader when a push finds it closed) with no item
 * lost or reordered
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "src/plugin/tqueue.h"
#include "tap.h"

#define N 200000
#define PAUSE_EVERY 20000  // the writer lets the reader end now and then

static void bail_out (const char *what)
{
    printf ("Bail out! %s\n", what);
    exit (1);
}

/* Wait (5 s at most) until the reader closed the queue.
 */
static void wait_closed (struct tqueue *q)
{
    struct timespec ts = {.tv_nsec = 1000000};

    for (int i = 0; i < 5000 && !tqueue_is_closed (q); i++)
        nanosleep (&ts, NULL);
}

static bool readable (struct tqueue *q, int ms)
{
    struct pollfd pfd = {.fd = tqueue_fd (q), .events = POLLIN};
    return poll (&pfd, 1, ms) == 1;
}

static void *item (uintptr_t i)
{
    return (void *)(i + 1);  // never NULL
}

static void basics (void)
{
    struct tqueue *q = tqueue_create ();

    ok (q != NULL, "tqueue_create works");
    ok (!readable (q, 0), "an empty queue is not readable");
    ok (tqueue_push (q, item (0)) == 0 && tqueue_push (q, item (1)) == 0, "two pushes");
    ok (readable (q, 0), "a queue with items is readable");
    ok (tqueue_pop (q) == item (0) && tqueue_pop (q) == item (1),
        "items come out in order");
    ok (tqueue_pop (q) == NULL && !readable (q, 0),
        "once pop gives NULL, the queue is no longer readable");

    ok (tqueue_push (q, item (2)) == 0 && !tqueue_close_if_empty (q)
            && !tqueue_is_closed (q),
        "close_if_empty leaves a queue with an item open");
    ok (tqueue_pop (q) == item (2) && tqueue_pop (q) == NULL
            && tqueue_close_if_empty (q) && tqueue_is_closed (q),
        "close_if_empty closes an empty queue");
    errno = 0;
    ok (tqueue_push (q, item (3)) < 0 && errno == EPIPE,
        "a push to a closed queue fails with EPIPE");
    tqueue_reopen (q);
    ok (!tqueue_is_closed (q) && tqueue_push (q, item (3)) == 0,
        "a reopened queue takes pushes again");

    tqueue_close (q);
    ok (readable (q, 0) && tqueue_is_closed (q),
        "tqueue_close closes the queue and wakes the reader");
    ok (tqueue_pop (q) == item (3) && tqueue_pop (q) == NULL,
        "items pushed before the close are still popped");
    tqueue_destroy (q, NULL);
}

struct handover {
    struct tqueue *q;
    uintptr_t next;  // the item the reader expects next
    int bad_order;
    int lost_wakeups;
};

/* A reader as an idle link thread: take everything, and end when the
 * queue is empty and closed in the same step.
 */
static void *reader (void *arg)
{
    struct handover *h = arg;
    void *it;

    for (;;) {
        if (!readable (h->q, 2000))
            h->lost_wakeups++;
        while ((it = tqueue_pop (h->q))) {
            if (it != item (h->next))
                h->bad_order++;
            h->next++;
        }
        if (tqueue_close_if_empty (h->q))
            return NULL;
    }
}

/* Items left in the queue by a reader that ended (none should be).
 */
static int take_stranded (struct handover *h)
{
    int n = 0;
    void *it;

    while ((it = tqueue_pop (h->q))) {
        if (it != item (h->next))
            h->bad_order++;
        h->next++;
        n++;
    }
    return n;
}

static void handover (void)
{
    struct handover h = {.q = tqueue_create ()};
    pthread_t t;
    int handovers = 0;
    int stranded = 0;
    int errors = 0;

    if (pthread_create (&t, NULL, reader, &h) != 0)
        bail_out ("pthread_create");
    for (uintptr_t i = 0; i < N; i++) {
        if (i % PAUSE_EVERY == PAUSE_EVERY - 1)
            wait_closed (h.q);
        if (tqueue_push (h.q, item (i)) == 0)
            continue;
        if (errno != EPIPE)
            errors++;
        /* the reader ended: join it, start another, push again */
        pthread_join (t, NULL);
        handovers++;
        stranded += take_stranded (&h);
        tqueue_reopen (h.q);
        if (pthread_create (&t, NULL, reader, &h) != 0)
            bail_out ("pthread_create");
        if (tqueue_push (h.q, item (i)) < 0)
            errors++;
    }
    wait_closed (h.q);
    stranded += take_stranded (&h);
    tqueue_close (h.q);
    pthread_join (t, NULL);
    ok (stranded == 0, "no reader ended with an item left in its queue");
    ok (errors == 0, "pushes fail only with EPIPE, and only once per reader");
    ok (handovers >= N / PAUSE_EVERY, "%d hand-overs", handovers);
    ok (h.next == N && h.bad_order == 0,
        "%ju of %d items came through, in order",
        (uintmax_t)h.next,
        N);
    ok (h.lost_wakeups == 0, "no reader waited on a queue with items");
    tqueue_destroy (h.q, NULL);
}

int main (void)
{
    basics ();
    handover ();
    return done_testing ();
}

// vi:ts=4 sw=4 expandtab
