/* SPDX-License-Identifier: LGPL-3.0 */

/* rsummary.h - what a target's resources can hold, in a few numbers
 *
 * A resource summary groups the nodes of an R (RFC 20) by their number
 * of cores and GPUs.  A job shape is what a jobspec (RFC 25) asks for:
 * slots of C cores and G GPUs, optionally spread over N nodes.  Pure
 * functions: no broker.
 */

#ifndef DELEGATE_RSUMMARY_H
#define DELEGATE_RSUMMARY_H

#include <stdbool.h>
#include <jansson.h>
#include <flux/core.h>

#define RSUMMARY_GROUPS 16

struct rgroup {
    int nodes;
    int cores;  // per node
    int gpus;   // per node
};

struct rsummary {
    int ngroups;  // past RSUMMARY_GROUPS, nodes are counted with fewer cores
    struct rgroup group[RSUMMARY_GROUPS];
};

struct job_shape {
    int nnodes;  // 0: any number of nodes
    int nslots;
    int cores;  // per slot
    int gpus;   // per slot
};

/* Summarize the nodes of 'all' less the cores and GPUs in 'allocated'
 * and less the nodes in 'down' (either may be NULL) into 'rs'.
 * Return 0, or -1 with 'errp' set if an R cannot be read.
 */
int rsummary_from_R (json_t *all,
                     json_t *allocated,
                     json_t *down,
                     struct rsummary *rs,
                     flux_error_t *errp);

/* Encode as [[nodes, cores, gpus], ...] and back.
 */
json_t *rsummary_encode (const struct rsummary *rs);
int rsummary_decode (json_t *o, struct rsummary *rs);

/* Total nodes, cores and GPUs in 'rs'.  A node counts if it has a core
 * or a GPU: a node whose cores are all allocated is not a free node.
 */
void rsummary_totals (const struct rsummary *rs, int *nodes, int *cores, int *gpus);

/* True if the resources in 'rs' can hold a job of 'shape'.
 */
bool rsummary_can_hold (const struct rsummary *rs, const struct job_shape *shape);

/* Read the shape of a jobspec's resources.  Return 0, or -1 with 'errp'.
 */
int job_shape_from_jobspec (json_t *jobspec,
                            struct job_shape *shape,
                            flux_error_t *errp);

#endif /* !DELEGATE_RSUMMARY_H */

// vi:ts=4 sw=4 expandtab
