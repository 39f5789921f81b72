/* SPDX-License-Identifier: LGPL-3.0 */

/* journal.h - the target's job event journal, read by the link
 *
 * Runs on the link thread, on the remote handle.  A remote job's eventlog
 * shows an event only once the target's job manager has committed it: up
 * to its batch timeout (10 ms by default) after the event, and a watch of
 * it costs the target a KVS watcher per job, which every commit there
 * visits.  The target's job manager also streams the events of all its
 * jobs as they are posted, with R on "alloc", to its instance owner
 * (job-manager.events-journal); one stream per link does for all jobs.
 *
 *   journal_start ── job-manager.events-journal
 *                    {allow: alloc, prolog-start, start, exception,
 *                     finish, clean}
 *     BACKLOG  entry(id, entry, R) for each event of each active job
 *        │ sentinel
 *        v
 *     LIVE     entry(id, entry, R) for each event as it is posted
 *        │ error (refused: not the owner; or the job manager went away)
 *        v
 *     OFF      ended() once; nothing more until the next journal_start
 *
 * journal_stop() (disconnect) drops the stream without a callback.
 */

#ifndef DELEGATE_JOURNAL_H
#define DELEGATE_JOURNAL_H

#include <jansson.h>
#include <flux/core.h>

enum journal_state { JOURNAL_OFF, JOURNAL_BACKLOG, JOURNAL_LIVE };

struct journal_ops {
    void (*entry) (flux_jobid_t id, json_t *entry, json_t *R, void *arg);
    void (*live) (void *arg);   // the backlog is over
    void (*ended) (void *arg);  // refused or ended
};

struct journal;

struct journal *journal_create (const struct journal_ops *ops, void *arg);
void journal_destroy (struct journal *j);

/* Connected on 'h': ask for the stream.
 */
void journal_start (struct journal *j, flux_t *h);

/* Disconnected: drop the stream (before 'h' is closed).
 */
void journal_stop (struct journal *j);

enum journal_state journal_state (struct journal *j);

/* The index of 'name' among the events the journal brings, or -1 if
 * entries so named do not come by it.
 */
int journal_event_index (const char *name);

#endif /* !DELEGATE_JOURNAL_H */

// vi:ts=4 sw=4 expandtab
