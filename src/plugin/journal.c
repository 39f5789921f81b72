/* SPDX-License-Identifier: LGPL-3.0 */

/* journal.c - the target's job event journal, read by the link (journal.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <stdlib.h>
#include <string.h>

#include "journal.h"

struct journal {
    const struct journal_ops *ops;
    void *arg;
    flux_future_t *f;
    enum journal_state state;
};

static void journal_cb (flux_future_t *f, void *arg)
{
    struct journal *j = arg;
    json_int_t id;
    json_t *events;
    json_t *R = NULL;
    json_t *entry;
    size_t i;

    if (flux_rpc_get_unpack (f, "{s:I s:o s?o}", "id", &id, "events", &events, "R", &R)
        < 0) {
        journal_stop (j);
        j->ops->ended (j->arg);
        return;
    }
    if ((flux_jobid_t)id == FLUX_JOBID_ANY) {
        j->state = JOURNAL_LIVE;
        j->ops->live (j->arg);
    } else if (json_is_array (events)) {
        json_array_foreach (events, i, entry)
            j->ops->entry ((flux_jobid_t)id, entry, R, j->arg);
    }
    flux_future_reset (f);
}

/* The events asked for (allow filter), and the only ones that come.
 * "prolog-start" is a held sibling copy's ask (accept.h); the target's
 * own prologs bring it too, one message more per job there.
 */
static const char *journal_events[] =
    {"alloc", "prolog-start", "start", "exception", "finish", "clean"};

#define JOURNAL_NEVENTS (sizeof (journal_events) / sizeof (journal_events[0]))

int journal_event_index (const char *name)
{
    for (size_t i = 0; i < JOURNAL_NEVENTS; i++)
        if (!strcmp (name, journal_events[i]))
            return (int)i;
    return -1;
}

void journal_start (struct journal *j, flux_t *h)
{
    json_t *allow = json_object ();

    journal_stop (j);
    for (size_t i = 0; allow && i < JOURNAL_NEVENTS; i++)
        if (json_object_set_new (allow, journal_events[i], json_true ()) < 0) {
            json_decref (allow);
            allow = NULL;
        }
    if (!allow
        || !(j->f = flux_rpc_pack (h,
                                   "job-manager.events-journal",
                                   FLUX_NODEID_ANY,
                                   FLUX_RPC_STREAMING,
                                   "{s:O}",
                                   "allow",
                                   allow))
        || flux_future_then (j->f, -1., journal_cb, j) < 0)
        journal_stop (j);
    else
        j->state = JOURNAL_BACKLOG;
    json_decref (allow);
}

void journal_stop (struct journal *j)
{
    flux_future_destroy (j->f);
    j->f = NULL;
    j->state = JOURNAL_OFF;
}

enum journal_state journal_state (struct journal *j)
{
    return j->state;
}

void journal_destroy (struct journal *j)
{
    if (j) {
        journal_stop (j);
        free (j);
    }
}

struct journal *journal_create (const struct journal_ops *ops, void *arg)
{
    struct journal *j = calloc (1, sizeof (*j));

    if (j) {
        j->ops = ops;
        j->arg = arg;
    }
    return j;
}

// vi:ts=4 sw=4 expandtab
