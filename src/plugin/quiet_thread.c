/* SPDX-License-Identifier: LGPL-3.0 */

/* quiet_thread.c - a thread that takes no signals (quiet_thread.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "quiet_thread.h"

struct start {
    void *(*fn) (void *);
    void *arg;
    const char *name;
};

static __thread bool quiet;

/* In the child of a fork from a quiet thread, unblock every signal. */
static void atfork_child (void)
{
    sigset_t none;

    if (quiet) {
        sigemptyset (&none);
        pthread_sigmask (SIG_SETMASK, &none, NULL);
    }
}

/* glibc drops the handler when the plugin is unloaded (dlclose). */
static void register_atfork (void)
{
    (void)pthread_atfork (NULL, NULL, atfork_child);
}

static void *trampoline (void *arg)
{
    struct start start = *(struct start *)arg;

    free (arg);
    quiet = true;
    (void)pthread_setname_np (pthread_self (), start.name);
    return start.fn (start.arg);
}

int quiet_thread_create (pthread_t *thread,
                         const char *name,
                         void *(*fn) (void *),
                         void *arg)
{
    static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
    struct start *start;
    sigset_t all, saved;
    int e;

    if (!(start = malloc (sizeof (*start))))
        return -1;
    start->fn = fn;
    start->arg = arg;
    start->name = name;
    (void)pthread_once (&atfork_once, register_atfork);
    sigfillset (&all);
    pthread_sigmask (SIG_SETMASK, &all, &saved);
    e = pthread_create (thread, NULL, trampoline, start);
    pthread_sigmask (SIG_SETMASK, &saved, NULL);
    if (e != 0) {
        free (start);
        errno = e;
        return -1;
    }
    return 0;
}

bool quiet_thread_join (pthread_t thread, double seconds)
{
    struct timespec deadline;
    long ns = (long)(seconds * 1e9);

    clock_gettime (CLOCK_REALTIME, &deadline);
    deadline.tv_sec += ns / 1000000000;
    deadline.tv_nsec += ns % 1000000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    return pthread_timedjoin_np (thread, NULL, &deadline) == 0;
}

// vi:ts=4 sw=4 expandtab
