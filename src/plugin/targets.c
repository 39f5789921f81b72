/* SPDX-License-Identifier: LGPL-3.0 */

/* targets.c - the remote instances this job manager delegates to
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"

struct target {
    struct target *next;
    struct link *link;
};

struct targets {
    struct delegation_env *env;
    struct target *list;
};

static void report_cb (struct link *l, const struct link_report *rep, void *arg)
{
    struct targets *t = arg;
    struct delegation *d;

    if (rep->type == LINK_UP || rep->type == LINK_DOWN) {
        if (rep->type == LINK_DOWN)
            flux_log (t->env->h,
                      LOG_DEBUG,
                      "delegate: %s: %s",
                      link_uri (l),
                      rep->text);
        for (d = t->env->list; d; d = delegation_next (d))
            if (delegation_link (d) == l)
                delegation_link_state (d, rep->type == LINK_UP, rep->text);
    } else if ((d = delegation_lookup (t->env, rep->srcid)) && delegation_link (d) == l)
        delegation_link_report (d, rep);
}

struct link *targets_link (struct targets *t, const char *uri)
{
    struct target *tg;

    for (tg = t->list; tg; tg = tg->next)
        if (!strcmp (link_uri (tg->link), uri))
            return tg->link;
    if (!(tg = calloc (1, sizeof (*tg))))
        return NULL;
    if (!(tg->link = link_create (flux_get_reactor (t->env->h), uri, report_cb, t))) {
        free (tg);
        return NULL;
    }
    tg->next = t->list;
    t->list = tg;
    return tg->link;
}

json_t *targets_query (struct targets *t)
{
    json_t *a = json_array ();

    for (struct target *tg = t->list; a && tg; tg = tg->next) {
        int jobs = 0;
        for (struct delegation *d = t->env->list; d; d = delegation_next (d))
            if (delegation_link (d) == tg->link)
                jobs++;
        (void)json_array_append_new (a,
                                     json_pack ("{s:s s:s s:i}",
                                                "uri",
                                                link_uri (tg->link),
                                                "state",
                                                link_is_up (tg->link) ? "up" : "down",
                                                "jobs",
                                                jobs));
    }
    return a;
}

struct targets *targets_create (struct delegation_env *env)
{
    struct targets *t = calloc (1, sizeof (*t));
    if (t)
        t->env = env;
    return t;
}

void targets_destroy (struct targets *t)
{
    if (t) {
        int saved_errno = errno;
        while (t->list) {
            struct target *tg = t->list;
            t->list = tg->next;
            link_destroy (tg->link);
            free (tg);
        }
        free (t);
        errno = saved_errno;
    }
}

// vi:ts=4 sw=4 expandtab
