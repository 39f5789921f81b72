/* SPDX-License-Identifier: LGPL-3.0 */

/* fake_host.h - a job manager and links for the delegations, with no
 * broker: what the core asks of them is recorded, and the test answers
 *
 *   fake host (host.h)   a clock the test moves (fake_advance), timers
 *                        fired by it, the events, exceptions and other
 *                        job manager calls recorded, KVS lookups and
 *                        requests kept until the test answers them
 *   fake links (link.h)  the commands recorded; the test sends reports
 *                        as the link thread would (fake_report)
 */

#ifndef DELEGATE_FAKE_HOST_H
#define DELEGATE_FAKE_HOST_H

#include <jansson.h>
#include <flux/core.h>

#include "src/plugin/host.h"
#include "src/plugin/link.h"

struct fake_link {
    struct link base;
    struct fake_link *next;
    char *uri;
    link_report_f cb;
    void *cb_arg;
    bool up;
    bool kept;
    json_t *cmds;  // "submit ID URGENCY", "release ID URGENCY", ...
};

enum fake_req_kind { FAKE_LOOKUP, FAKE_COMMIT, FAKE_OVERRIDE };

struct host_req {
    struct host_req *next;
    enum fake_req_kind kind;
    char ns[64];     // LOOKUP: "" for the primary namespace
    char key[128];   // LOOKUP; COMMIT, OVERRIDE: the job id as a key
    char event[16];  // OVERRIDE
    int status;      // OVERRIDE
    flux_jobid_t id;
    host_lookup_f lookup_cb;
    host_done_f done_cb;
    void *arg;
};

struct host_timer {
    struct host_timer *next;
    host_timer_f cb;
    void *arg;
    bool armed;
    double due;
};

struct fake_host {
    double now;
    struct host_timer *timers;
    struct host_req *reqs;
    json_t *jobspecs;  // id (string) -> jobspec
    json_t *events;    // [id, name, context]
    json_t *raised;    // [id, type, severity, note]
    json_t *calls;     // "set_flag ID FLAG", "dependency_remove ID NAME", ...
    json_t *logs;      // strings
    json_t *outputs;   // id (string) -> [entries], "end", "start" marks
    struct fake_link *links;
    int fail_timer_create;  // make the next timer_create fail
};

extern const struct host_ops fake_host_ops;

void fake_host_init (struct fake_host *fh);
void fake_host_fini (struct fake_host *fh);

/* The link opener (link_open_f) of the fake links; 'arg' is the host.
 */
struct link *fake_link_open (void *arg,
                             const char *uri,
                             const struct link_params *params,
                             link_report_f cb,
                             void *cb_arg);
double fake_now (void *arg);

/* Fire the timers due by now, then move the clock by 'seconds', firing
 * each timer due on the way at its time.
 */
void fake_run (struct fake_host *fh);
void fake_advance (struct fake_host *fh, double seconds);

/* The pending request of job 'id' of 'kind' whose key ends with 'key'
 * (NULL: any), or NULL.
 */
struct host_req *fake_req_find (struct fake_host *fh,
                                flux_jobid_t id,
                                enum fake_req_kind kind,
                                const char *key);
/* Answer a request (and forget it): a lookup with 'value' (NULL: the
 * error 'errnum'); a commit or override with 'errnum'.
 */
void fake_answer (struct fake_host *fh,
                  struct host_req *req,
                  const char *value,
                  int errnum);

struct fake_link *fake_link_find (struct fake_host *fh, const char *uri);
/* Send a report on 'fl' as its thread would ('obj': JSON text, or NULL).
 */
void fake_report (struct fake_link *fl,
                  enum link_report_type type,
                  flux_jobid_t srcid,
                  flux_jobid_t remote_id,
                  const char *obj,
                  const char *text);
/* The number of recorded commands of 'fl' that start with 'prefix'. */
int fake_cmds (struct fake_link *fl, const char *prefix);

/* The number of events 'name' posted on job 'id'. */
int fake_events (struct fake_host *fh, flux_jobid_t id, const char *name);
/* The context of the last event 'name' of job 'id' (borrowed), or NULL. */
json_t *fake_event_context (struct fake_host *fh, flux_jobid_t id, const char *name);
/* The note of the last exception raised on job 'id', or NULL; its type
 * in '*type' if not NULL. */
const char *fake_raised (struct fake_host *fh, flux_jobid_t id, const char **type);
/* The number of recorded calls that start with 'prefix'. */
int fake_calls (struct fake_host *fh, const char *prefix);
/* True if a log line contains 'text'. */
bool fake_logged (struct fake_host *fh, const char *text);

/* A job's J as the job manager stores it: HEADER.PAYLOAD.SIG, the
 * payload the base64 of 'jobspec' (malloc'd).
 */
char *fake_J (const char *jobspec);

#endif /* !DELEGATE_FAKE_HOST_H */

// vi:ts=4 sw=4 expandtab
