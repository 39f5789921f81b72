/* SPDX-License-Identifier: LGPL-3.0 */

/* rsummary.c - what a target's resources can hold (see rsummary.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <flux/idset.h>

#include "errfmt.h"
#include "rsummary.h"

struct node {
    int cores;
    int gpus;
    int cores_used;
    int gpus_used;
    bool present;
    bool down;
};

struct nodes {
    struct node *v;
    unsigned int n;
};

static int grow (struct nodes *ns, unsigned int rank)
{
    if (rank >= ns->n) {
        unsigned int n = rank + 1;
        struct node *v;
        if (rank > 10000000 || !(v = realloc (ns->v, n * sizeof (*v))))
            return -1;
        memset (v + ns->n, 0, (n - ns->n) * sizeof (*v));
        ns->v = v;
        ns->n = n;
    }
    return 0;
}

static int count_ids (json_t *children, const char *name)
{
    const char *s = json_string_value (json_object_get (children, name));
    struct idset *ids;
    int n;

    if (!s || !(ids = idset_decode (s)))
        return 0;
    n = (int)idset_count (ids);
    idset_destroy (ids);
    return n;
}

enum mark { MARK_ALL, MARK_USED, MARK_DOWN };

/* Apply the R_lite entries of 'R' to the nodes.
 */
static int mark (struct nodes *ns, json_t *R, enum mark how, flux_error_t *errp)
{
    json_t *R_lite = NULL;
    json_t *entry;
    size_t i;

    if (!R)
        return 0;
    if (json_unpack (R, "{s:{s:o}}", "execution", "R_lite", &R_lite) < 0
        || !json_is_array (R_lite))
        return errfmt (errp, "R has no execution.R_lite array");
    json_array_foreach (R_lite, i, entry)
    {
        const char *ranks = NULL;
        json_t *children = NULL;
        struct idset *ids;
        int cores, gpus;

        if (json_unpack (entry, "{s:s s?o}", "rank", &ranks, "children", &children) < 0
            || !(ids = idset_decode (ranks)))
            return errfmt (errp, "R_lite entry has no valid rank idset");
        cores = count_ids (children, "core");
        gpus = count_ids (children, "gpu");
        for (unsigned int r = idset_first (ids); r != IDSET_INVALID_ID;
             r = idset_next (ids, r)) {
            if (grow (ns, r) < 0) {
                idset_destroy (ids);
                return errfmt (errp, "R rank out of range");
            }
            if (how == MARK_ALL) {
                ns->v[r].present = true;
                ns->v[r].cores += cores;
                ns->v[r].gpus += gpus;
            } else if (how == MARK_USED) {
                ns->v[r].cores_used += cores;
                ns->v[r].gpus_used += gpus;
            } else
                ns->v[r].down = true;
        }
        idset_destroy (ids);
    }
    return 0;
}

/* Add 'count' nodes of (cores, gpus) to 'rs'.  When the groups are full,
 * the nodes join the group that is no bigger in either count and has the
 * most cores (or are left out), so the summary never overstates.
 */
static void add_nodes (struct rsummary *rs, int count, int cores, int gpus)
{
    int best = -1;

    for (int i = 0; i < rs->ngroups; i++) {
        struct rgroup *g = &rs->group[i];
        if (g->cores == cores && g->gpus == gpus) {
            g->nodes += count;
            return;
        }
    }
    if (rs->ngroups < RSUMMARY_GROUPS) {
        rs->group[rs->ngroups++] = (struct rgroup){count, cores, gpus};
        return;
    }
    for (int i = 0; i < rs->ngroups; i++) {
        struct rgroup *g = &rs->group[i];
        if (g->cores <= cores && g->gpus <= gpus
            && (best < 0 || g->cores > rs->group[best].cores))
            best = i;
    }
    if (best >= 0)
        rs->group[best].nodes += count;
}

int rsummary_from_R (json_t *all,
                     json_t *allocated,
                     json_t *down,
                     struct rsummary *rs,
                     flux_error_t *errp)
{
    struct nodes ns = {NULL, 0};
    int rc = -1;

    memset (rs, 0, sizeof (*rs));
    if (!all) {
        errfmt (errp, "no R given");
        goto out;
    }
    if (mark (&ns, all, MARK_ALL, errp) < 0
        || mark (&ns, allocated, MARK_USED, errp) < 0
        || mark (&ns, down, MARK_DOWN, errp) < 0)
        goto out;
    for (unsigned int r = 0; r < ns.n; r++) {
        struct node *n = &ns.v[r];
        int cores = n->cores - n->cores_used;
        int gpus = n->gpus - n->gpus_used;
        if (!n->present || n->down)
            continue;
        add_nodes (rs, 1, cores > 0 ? cores : 0, gpus > 0 ? gpus : 0);
    }
    rc = 0;
out:
    free (ns.v);
    return rc;
}

json_t *rsummary_encode (const struct rsummary *rs)
{
    json_t *a = json_array ();

    for (int i = 0; a && i < rs->ngroups; i++) {
        const struct rgroup *g = &rs->group[i];
        if (json_array_append_new (a, json_pack ("[iii]", g->nodes, g->cores, g->gpus))
            < 0) {
            json_decref (a);
            return NULL;
        }
    }
    return a;
}

int rsummary_decode (json_t *o, struct rsummary *rs)
{
    json_t *entry;
    size_t i;

    memset (rs, 0, sizeof (*rs));
    if (!json_is_array (o))
        return -1;
    json_array_foreach (o, i, entry)
    {
        int nodes, cores, gpus;
        if (json_unpack (entry, "[iii]", &nodes, &cores, &gpus) < 0)
            return -1;
        add_nodes (rs, nodes, cores, gpus);
    }
    return 0;
}

void rsummary_totals (const struct rsummary *rs, int *nodes, int *cores, int *gpus)
{
    *nodes = *cores = *gpus = 0;
    for (int i = 0; i < rs->ngroups; i++) {
        if (rs->group[i].cores > 0 || rs->group[i].gpus > 0)
            *nodes += rs->group[i].nodes;
        *cores += rs->group[i].nodes * rs->group[i].cores;
        *gpus += rs->group[i].nodes * rs->group[i].gpus;
    }
}

/* Slots of the shape that fit on a node of group 'g'.
 */
static long slots_per_node (const struct rgroup *g, const struct job_shape *s)
{
    long n = s->cores > 0 ? g->cores / s->cores : 1L << 30;
    if (s->gpus > 0 && g->gpus / s->gpus < n)
        n = g->gpus / s->gpus;
    return n;
}

bool rsummary_can_hold (const struct rsummary *rs, const struct job_shape *s)
{
    long have = 0;

    if (s->nnodes > 0) {
        /* each node must hold its share of the slots */
        long per_node = (s->nslots + s->nnodes - 1) / s->nnodes;
        for (int i = 0; i < rs->ngroups; i++)
            if (slots_per_node (&rs->group[i], s) >= per_node)
                have += rs->group[i].nodes;
        return have >= s->nnodes;
    }
    for (int i = 0; i < rs->ngroups && have < s->nslots; i++)
        have += rs->group[i].nodes * slots_per_node (&rs->group[i], s);
    return have >= s->nslots;
}

static int count_of (json_t *o)
{
    json_t *count = json_object_get (o, "count");
    json_int_t n = 1;

    if (json_is_integer (count))
        n = json_integer_value (count);
    else if (json_is_object (count))
        n = json_integer_value (json_object_get (count, "min"));
    else if (count)
        return -1;  // a count that is not a number
    return n > 0 && n < 1000000 ? (int)n : -1;
}

/* Read a slot's cores and GPUs.
 */
static int slot_parse (json_t *slot, struct job_shape *s)
{
    json_t *with = json_object_get (slot, "with");
    json_t *v;
    size_t i;

    if ((s->nslots = count_of (slot)) < 0)
        return -1;
    json_array_foreach (with, i, v)
    {
        const char *type = json_string_value (json_object_get (v, "type"));
        if (type && !strcmp (type, "core"))
            s->cores = count_of (v);
        else if (type && !strcmp (type, "gpu"))
            s->gpus = count_of (v);
    }
    return s->cores < 0 || s->gpus < 0 ? -1 : 0;
}

int job_shape_from_jobspec (json_t *jobspec, struct job_shape *s, flux_error_t *errp)
{
    json_t *top = json_array_get (json_object_get (jobspec, "resources"), 0);
    const char *type = json_string_value (json_object_get (top, "type"));

    memset (s, 0, sizeof (*s));
    if (!type)
        return errfmt (errp, "jobspec has no resources");
    if (!strcmp (type, "node")) {
        json_t *slot = json_array_get (json_object_get (top, "with"), 0);
        const char *stype = json_string_value (json_object_get (slot, "type"));
        if ((s->nnodes = count_of (top)) < 0 || !stype || strcmp (stype, "slot") != 0
            || slot_parse (slot, s) < 0)
            return errfmt (errp, "cannot read the node and slot counts of the jobspec");
        if ((long)s->nslots * s->nnodes >= 1000000)
            return errfmt (errp,
                           "cannot read the node and slot counts of the jobspec: too "
                           "many slots");
        s->nslots *= s->nnodes;  // slots per node in jobspec, in total here
        return 0;
    }
    if (!strcmp (type, "slot") && slot_parse (top, s) == 0)
        return 0;
    return errfmt (errp, "cannot read the slot counts of the jobspec");
}

// vi:ts=4 sw=4 expandtab
