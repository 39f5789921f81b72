/* SPDX-License-Identifier: LGPL-3.0 */

/* world.h - the delegations of unit tests: an env with a fake host and
 * fake links (fake_host.h), jobs, and the steps that drive them
 */

#ifndef DELEGATE_TEST_WORLD_H
#define DELEGATE_TEST_WORLD_H

#include "src/plugin/delegation_impl.h"
#include "fake_host.h"

#define A "local:///tmp/a"
#define B "local:///tmp/b"
#define C "local:///tmp/c"
#define TIMEOUT 5.
#define OWNER 1000  // the instance owner: the jobs of these tests are its

extern const char *world_jobspec;   // every job's
extern const char *world_remote_R;  // every remote job's

struct world {
    struct fake_host fh;
    struct host host;
    struct delegation_env *env;
    struct targets *t;
    json_t *origin;
    struct delegation *jobs[64];
    int njobs;
};

/* An env whose targets are configured by 'conf' (JSON, or NULL). */
void world_init (struct world *w, const char *conf);
void world_fini (struct world *w);
struct fake_link *link_of (struct world *w, const char *uri);
const char *state (struct delegation *d);
/* Create the delegation of job 'id' to 'value'; with 'other', it has
 * another dependency (HOLD until it is gone). */
struct delegation *job (struct world *w,
                        flux_jobid_t id,
                        const char *value,
                        const char *other);
/* The J lookup of PREPARE is answered: the copy is sent. */
bool answer_J (struct world *w, struct delegation *d);
void submitted (struct world *w,
                struct delegation *d,
                const char *uri,
                flux_jobid_t remote_id);
void remote_event (struct world *w,
                   struct delegation *d,
                   const char *uri,
                   const char *entry);
bool answer (struct world *w,
             struct delegation *d,
             enum fake_req_kind kind,
             const char *key,
             const char *value);
void to_pending (struct world *w, struct delegation *d, const char *uri);
void to_run (struct world *w, struct delegation *d, const char *uri);
void to_running (struct world *w, struct delegation *d, const char *uri);
int in_flight (struct world *w, const char *uri);
bool query_is (struct world *w, const char *want);

#endif /* !DELEGATE_TEST_WORLD_H */

// vi:ts=4 sw=4 expandtab
