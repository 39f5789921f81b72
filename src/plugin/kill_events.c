/* SPDX-License-Identifier: LGPL-3.0 */

/* kill_events.c - flux job kill on a delegated job (kill_events.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kill_events.h"

struct kill_events {
    flux_t *h;
    struct delegation_env *env;
    flux_msg_handler_t *mh;
    flux_future_t *f_subscribe;
};

static void kill_event_cb (flux_t *h,
                           flux_msg_handler_t *mh,
                           const flux_msg_t *msg,
                           void *arg)
{
    struct kill_events *k = arg;
    const char *topic;
    int signum;
    char *end;
    flux_jobid_t id;
    struct delegation *d;

    if (flux_event_unpack (msg, &topic, "{s:i}", "signum", &signum) < 0
        || strncmp (topic, "shell-", 6) != 0)
        return;
    errno = 0;
    id = strtoull (topic + 6, &end, 10);
    if (errno == 0 && !strcmp (end, ".kill") && (d = delegation_lookup (k->env, id)))
        delegation_kill (d, signum);
}

struct kill_events *kill_events_create (flux_t *h, struct delegation_env *env)
{
    struct kill_events *k = calloc (1, sizeof (*k));
    struct flux_match match = FLUX_MATCH_EVENT;

    if (!k)
        return NULL;
    k->h = h;
    k->env = env;
    match.topic_glob = "shell-*.kill";
    if (!(k->mh = flux_msg_handler_create (h, match, kill_event_cb, k))
        || !(k->f_subscribe = flux_event_subscribe_ex (h, "shell-", 0))) {
        kill_events_destroy (k);
        return NULL;
    }
    flux_msg_handler_start (k->mh);
    return k;
}

void kill_events_destroy (struct kill_events *k)
{
    if (k) {
        int saved_errno = errno;
        flux_msg_handler_destroy (k->mh);
        if (k->f_subscribe)
            flux_future_destroy (flux_event_unsubscribe_ex (k->h, "shell-", 0));
        flux_future_destroy (k->f_subscribe);
        free (k);
        errno = saved_errno;
    }
}

// vi:ts=4 sw=4 expandtab
