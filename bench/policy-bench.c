/* SPDX-License-Identifier: LGPL-3.0 */

/* policy-bench.c - time one routing decision over 16 targets
 *
 * Each policy of policy.h chooses among 16 targets with different
 * resource sets (up to 8 node groups each) and loads, for a job whose
 * shape is read from a jobspec on every decision, as the plugin does.
 * Prints the mean and the worst batch mean per decision, in
 * microseconds.  Usage: policy-bench [DECISIONS]
 */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "src/plugin/policy.h"

#define NTARGETS 16
#define BATCH 1000

static const char *jobspec_text =
    "{\"version\":1,\"resources\":[{\"type\":\"node\",\"count\":2,"
    "\"with\":[{\"type\":\"slot\",\"count\":4,\"label\":\"task\","
    "\"with\":[{\"type\":\"core\",\"count\":2}]}]}],"
    "\"tasks\":[{\"command\":[\"true\"],\"slot\":\"task\","
    "\"count\":{\"per_slot\":1}}],\"attributes\":{\"system\":{}}}";

static double now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Target i: 1 + i % 8 node groups of 2..9 cores, a few busy nodes. */
static void make_targets (struct target_view *t)
{
    for (int i = 0; i < NTARGETS; i++) {
        struct rsummary *total = &t[i].total;
        struct rsummary *free = &t[i].free;

        t[i].up = (i != 3);
        t[i].have_metrics = (i != 5);
        t[i].pending = (i * 7) % 11;
        t[i].running = i;
        t[i].match_time = (i % 2) ? 0.001 * i : -1.;
        total->ngroups = free->ngroups = 1 + i % 8;
        for (int g = 0; g < total->ngroups; g++) {
            total->group[g] = (struct rgroup){4 + g, 2 + g, g % 2};
            free->group[g] = (struct rgroup){(4 + g) / (1 + i % 3), 2 + g, 0};
        }
    }
}

int main (int argc, char **argv)
{
    int n = argc > 1 ? atoi (argv[1]) : 200000;
    enum delegate_policy policies[] = {
        POLICY_RANDOM,
        POLICY_ASSIGN,
        POLICY_ROUND_ROBIN,
        POLICY_LEAST_PENDING,
        POLICY_SHORTEST_MATCH,
        POLICY_EARLIEST_START,
    };
    struct target_view t[NTARGETS];
    bool tried[NTARGETS] = {false};
    json_t *jobspec = json_loads (jobspec_text, 0, NULL);
    unsigned int rr = 0;
    volatile long sink = 0;  // keeps the decisions from being optimized out

    if (!jobspec || n < BATCH) {
        fprintf (stderr, "usage: policy-bench [DECISIONS >= %d]\n", BATCH);
        return 1;
    }
    make_targets (t);
    tried[7] = true;  // as after one failed attempt
    printf ("%d targets, %d decisions per policy, job shape read each time\n",
            NTARGETS,
            n);
    printf ("%-16s %12s %16s\n", "policy", "mean (us)", "worst batch (us)");
    for (size_t p = 0; p < sizeof (policies) / sizeof (policies[0]); p++) {
        struct delegate_request req = {
            .kind = DELEGATE_POLICY,
            .policy = policies[p],
            .assign = 9,
            .text = "bench",
        };
        double total = 0., worst = 0.;

        for (int b = 0; b < n / BATCH; b++) {
            double t0 = now (), dt;
            for (int k = 0; k < BATCH; k++) {
                struct job_shape shape;
                flux_error_t error;
                struct policy_input in = {
                    .req = &req,
                    .targets = t,
                    .count = NTARGETS,
                    .tried = tried,
                    .shape = &shape,
                    .random = (unsigned int)(b * BATCH + k),
                    .rr_next = &rr,
                };
                if (job_shape_from_jobspec (jobspec, &shape, &error) < 0) {
                    fprintf (stderr, "jobspec: %s\n", error.text);
                    return 1;
                }
                sink += policy_choose (&in, &error);
            }
            dt = now () - t0;
            total += dt;
            if (dt > worst)
                worst = dt;
        }
        printf ("%-16s %12.3f %16.3f\n",
                delegate_policy_name (policies[p]),
                total / (n / BATCH * BATCH) * 1e6,
                worst / BATCH * 1e6);
    }
    json_decref (jobspec);
    return 0;
}

// vi:ts=4 sw=4 expandtab
