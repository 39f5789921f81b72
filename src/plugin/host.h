/* SPDX-License-Identifier: LGPL-3.0 */

/* host.h - what the delegations need of the job manager they run in
 *
 * The delegations (delegation.h) reach their instance only through this
 * table: the job manager (events, exceptions, dependencies, flags,
 * jobspec updates), its KVS, job-exec's override, timers and the clock,
 * the log, and the copy of a remote job's output.  The plugin gives the
 * table of a real job manager (host_jobtap.h); the unit tests a fake,
 * which drives the state machine with no broker and a clock of its own.
 *
 * Requests (lookup, commit, override) are answered later, once, through
 * their callback, unless cancelled first (req_cancel: no callback
 * after).  A request that cannot be sent returns NULL with errno.
 * req_cancel and timer_destroy take NULL, and do nothing with it.
 */

#ifndef DELEGATE_HOST_H
#define DELEGATE_HOST_H

#include <stdbool.h>
#include <jansson.h>
#include <flux/core.h>

#include "output.h"

struct host_req;
struct host_timer;

/* A KVS lookup's answer: 'value' (NULL with 'errnum' set on error).
 */
typedef void (*host_lookup_f) (void *arg, const char *value, int errnum);

/* A request's end: 'errnum' 0, or the error with its text in 'errstr'.
 */
typedef void (*host_done_f) (void *arg, int errnum, const char *errstr);

typedef void (*host_timer_f) (void *arg);

struct host_ops {
    /* the clock (seconds), and the log (LOG_ERR, LOG_INFO...) */
    double (*now) (void *h);
    void (*log) (void *h, int level, const char *msg);

    /* the job manager: each returns 0, or -1 with errno */
    json_t *(*jobspec) (void *h, flux_jobid_t id);  // a new reference
    int (*post_event) (void *h,
                       flux_jobid_t id,
                       const char *name,
                       json_t *context);  // context: borrowed, may be NULL
    int (*raise) (
        void *h, flux_jobid_t id, const char *type, int severity, const char *note);
    int (*dependency_remove) (void *h, flux_jobid_t id, const char *name);
    int (*set_flag) (void *h, flux_jobid_t id, const char *flag);
    int (*jobspec_update) (void *h, flux_jobid_t id, const char *key, json_t *value);

    /* requests */
    struct host_req *(*lookup) (void *h,
                                const char *ns,  // NULL: the primary one
                                const char *key,
                                host_lookup_f cb,
                                void *arg);
    struct host_req *(*commit_R) (
        void *h, flux_jobid_t id, json_t *R, host_done_f cb, void *arg);
    /* job-exec accepts it from the job's owner only: sent as 'userid' */
    struct host_req *(*exec_override) (void *h,
                                       flux_jobid_t id,
                                       uint32_t userid,
                                       const char *event,  // "start", "finish"
                                       int status,
                                       host_done_f cb,
                                       void *arg);
    void (*req_cancel) (void *h, struct host_req *req);

    /* one-shot timers, stopped when created */
    struct host_timer *(*timer_create) (void *h, host_timer_f cb, void *arg);
    void (*timer_arm) (void *h, struct host_timer *t, double seconds);
    void (*timer_stop) (void *h, struct host_timer *t);
    bool (*timer_armed) (void *h, struct host_timer *t);
    void (*timer_destroy) (void *h, struct host_timer *t);

    /* the copy of the remote output of job 'id' (output.h) */
    struct output *(*output_create) (void *h,
                                     flux_jobid_t id,
                                     output_complete_f cb,
                                     void *arg);
};

struct host {
    const struct host_ops *ops;
    void *h;
};

#endif /* !DELEGATE_HOST_H */

// vi:ts=4 sw=4 expandtab
