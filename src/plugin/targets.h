/* SPDX-License-Identifier: LGPL-3.0 */

/* targets.h - the remote instances this job manager delegates to
 *
 * One target per distinct URI, each with its link (link.h), opened on
 * first use through the opener it was given and kept until the targets
 * are destroyed (a link that is not configured closes its connection
 * and thread when idle, and opens them again on its next command).  The
 * targets of the instance configuration (conf.h) are linked at once and
 * kept connected, and their metrics (metrics.h) are cached here for the
 * policies.
 *
 * A target counts the jobs in flight on it (targets_slot_take/release),
 * against its configured max-jobs.  It knows nothing of what holds the
 * slots: it reports upward through the targets_ops it was given,
 *
 *   job_report    a link report about one job (SUBMITTED, EVENT, R,
 *                 LOST, OUTPUT, OUTPUT_END, SUBMIT_FAILED)
 *   link_state    the target's link went up or down
 *   orphan        a copy left by a lost submission was found (cancelled,
 *                 or 'why' the cancel failed)
 *
 * and keeps the metrics reports itself.
 */

#ifndef DELEGATE_TARGETS_H
#define DELEGATE_TARGETS_H

#include <jansson.h>

#include "conf.h"
#include "link.h"
#include "policy.h"

struct targets;
struct target;

struct targets_ops {
    void (*job_report) (struct target *tg, const struct link_report *rep, void *arg);
    void (*link_state) (struct target *tg, bool up, const char *why, void *arg);
    void (*orphan) (struct target *tg,
                    flux_jobid_t srcid,
                    flux_jobid_t remote_id,
                    const char *why,
                    void *arg);
};

struct targets_params {
    link_open_f open;  // opens each target's link
    void *open_arg;
    struct link_params link;
    double metrics_interval;        // seconds; 0: no metrics
    double (*now) (void *now_arg);  // the clock (seconds)
    void *now_arg;
};

struct targets *targets_create (const struct targets_params *params,
                                const struct targets_ops *ops,
                                void *arg);
void targets_destroy (struct targets *t);

/* Take 'dc' as the configured targets (the previous list is freed).
 * A target that cannot be linked is left out; return -1 with errno if
 * any was.
 */
int targets_configure (struct targets *t, struct delegate_conf *dc);

/* The configured targets (never NULL).
 */
const struct delegate_conf *targets_conf (struct targets *t);

/* Return the target at 'uri', linking it if needed (NULL with errno).
 */
struct target *targets_get (struct targets *t, const char *uri);

/* The target at 'uri' if it is linked already, or NULL.
 */
struct target *targets_find (struct targets *t, const char *uri);

struct link *target_link (struct target *tg);
const char *target_uri (struct target *tg);

/* A place for the user of the targets to keep its own data per target
 * (NULL at first; the user frees what it put there).
 */
void **target_user (struct target *tg);

/* What the policies see of the target at 'uri' (one not linked yet is
 * down, with no metrics).
 */
void targets_view (struct targets *t, const char *uri, struct target_view *view);

/* Jobs in flight on 'tg': a slot is taken when a job chooses the
 * target and released when it finished there or moved away.
 */
void targets_slot_take (struct target *tg);
void targets_slot_release (struct target *tg);
int target_in_flight (struct target *tg);

/* True if 'tg' is a configured target with max-jobs jobs in flight.
 */
bool targets_full (struct targets *t, struct target *tg);

/* Why the target at 'uri' cannot take a job (of another user than this
 * instance's owner if 'other_user'; in 'queue' if not NULL), or NULL if
 * it can.  Another user's job needs a target that said it accepts them
 * when it last connected (accept.h), and has the queue.
 */
const char *targets_refusal (struct targets *t,
                             const char *uri,
                             bool other_user,
                             const char *queue);

/* State of the round_robin policy.
 */
unsigned int *targets_rr_next (struct targets *t);

/* Return an array with one object per target: label, uri, state,
 * accept (true, false, or null: not known), jobs,
 * pending, running, and free and total nodes, cores, gpus.
 */
json_t *targets_query (struct targets *t);

#endif /* !DELEGATE_TARGETS_H */

// vi:ts=4 sw=4 expandtab
