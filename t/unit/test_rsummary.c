/* SPDX-License-Identifier: LGPL-3.0 */

/* test_rsummary.c - resource summaries from R, job shapes from jobspecs
 * and whether one can hold the other
 */

#include <stdlib.h>
#include <string.h>

#include "src/plugin/rsummary.h"
#include "tap.h"
#include "tap_json.h"

/* An RFC 20 R with the R_lite entries 'R_lite' (a JSON array).
 */
static json_t *R (const char *R_lite)
{
    char buf[8192];

    snprintf (buf,
              sizeof (buf),
              "{\"version\":1,\"execution\":{\"R_lite\":%s,"
              "\"nodelist\":[\"n[0-3]\"],\"starttime\":0,\"expiration\":0}}",
              R_lite);
    return load (buf);
}

/* Nodes in the group of (cores, gpus), or -1 if there is none.
 */
static int group_nodes (const struct rsummary *rs, int cores, int gpus)
{
    for (int i = 0; i < rs->ngroups; i++)
        if (rs->group[i].cores == cores && rs->group[i].gpus == gpus)
            return rs->group[i].nodes;
    return -1;
}

static int totals_are (const struct rsummary *rs, int nodes, int cores, int gpus)
{
    int n = -1, c = -1, g = -1;

    rsummary_totals (rs, &n, &c, &g);
    if (n != nodes || c != cores || g != gpus)
        printf ("#   totals: %d nodes, %d cores, %d gpus\n", n, c, g);
    return n == nodes && c == cores && g == gpus;
}

static const char *all4 =
    "[{\"rank\":\"0-3\",\"children\":{\"core\":\"0-7\",\"gpu\":\"0-1\"}}]";

static void test_from_R (void)
{
    json_t *all = R (all4);
    json_t *hetero =
        R ("[{\"rank\":\"0-1\",\"children\":{\"core\":\"0-3\"}},"
           "{\"rank\":\"2\",\"children\":{\"core\":\"0-15\",\"gpu\":\"0-3\"}}]");
    json_t *alloc =
        R ("[{\"rank\":\"0\",\"children\":{\"core\":\"0-7\",\"gpu\":\"0-1\"}},"
           "{\"rank\":\"1\",\"children\":{\"core\":\"0-3\",\"gpu\":\"0\"}}]");
    json_t *down =
        R ("[{\"rank\":\"3\",\"children\":{\"core\":\"0-7\",\"gpu\":\"0-1\"}}]");
    struct rsummary rs;
    flux_error_t error;

    ok (rsummary_from_R (all, NULL, NULL, &rs, &error) == 0 && rs.ngroups == 1
            && group_nodes (&rs, 8, 2) == 4,
        "4 nodes of 8 cores and 2 GPUs: one group of 4");
    ok (totals_are (&rs, 4, 32, 8), "totals 4 nodes, 32 cores, 8 GPUs");

    ok (rsummary_from_R (hetero, NULL, NULL, &rs, &error) == 0 && rs.ngroups == 2
            && group_nodes (&rs, 4, 0) == 2 && group_nodes (&rs, 16, 4) == 1,
        "heterogeneous nodes: 2 x (4 cores) and 1 x (16 cores, 4 GPUs)");
    ok (totals_are (&rs, 3, 24, 4), "heterogeneous totals 3 nodes, 24 cores, 4 GPUs");

    ok (rsummary_from_R (all, alloc, NULL, &rs, &error) == 0 && rs.ngroups == 3
            && group_nodes (&rs, 0, 0) == 1 && group_nodes (&rs, 4, 1) == 1
            && group_nodes (&rs, 8, 2) == 2,
        "allocated cores and GPUs are taken off their nodes");
    ok (totals_are (&rs, 3, 20, 5),
        "free totals 3 nodes (one is all allocated), 20 cores, 5 GPUs");

    ok (rsummary_from_R (all, NULL, down, &rs, &error) == 0 && rs.ngroups == 1
            && group_nodes (&rs, 8, 2) == 3,
        "a down node is left out");
    ok (totals_are (&rs, 3, 24, 6), "totals without the down node");

    ok (rsummary_from_R (all, alloc, down, &rs, &error) == 0
            && group_nodes (&rs, 8, 2) == 1 && group_nodes (&rs, 4, 1) == 1
            && group_nodes (&rs, 0, 0) == 1,
        "allocated and down together");
    ok (totals_are (&rs, 2, 12, 3), "totals with allocated and down: 2 nodes free");

    json_decref (all);
    json_decref (hetero);
    json_decref (alloc);
    json_decref (down);
}

static void test_from_R_shapes (void)
{
    struct rsummary rs;
    flux_error_t error;
    json_t *o;

    o = R ("[{\"rank\":\"5,7\",\"children\":{\"core\":\"0-1\"}}]");
    ok (rsummary_from_R (o, NULL, NULL, &rs, &error) == 0 && totals_are (&rs, 2, 4, 0),
        "ranks need not start at 0 (5,7: 2 nodes)");
    json_decref (o);

    o =
        R ("[{\"rank\":\"0\",\"children\":{\"core\":\"0-3\"}},"
           "{\"rank\":\"0\",\"children\":{\"core\":\"4-7\",\"gpu\":\"0\"}}]");
    ok (rsummary_from_R (o, NULL, NULL, &rs, &error) == 0 && rs.ngroups == 1
            && group_nodes (&rs, 8, 1) == 1,
        "two R_lite entries for one rank add up");
    json_decref (o);

    o = R ("[{\"rank\":\"0-1\"}]");
    ok (rsummary_from_R (o, NULL, NULL, &rs, &error) == 0
            && group_nodes (&rs, 0, 0) == 2,
        "an entry without children is nodes with no cores");
    json_decref (o);

    o = R ("[]");
    ok (rsummary_from_R (o, NULL, NULL, &rs, &error) == 0 && rs.ngroups == 0
            && totals_are (&rs, 0, 0, 0),
        "an empty R_lite: no nodes");
    json_decref (o);
}

/* More kinds of node than RSUMMARY_GROUPS: the extra nodes count with
 * fewer cores, never more.
 */
static void test_from_R_many_groups (void)
{
    char buf[4096];
    size_t len = 0;
    struct rsummary rs;
    flux_error_t error;
    json_t *o;

    /* rank r has r+1 cores: 1 .. 17 (flux writes one core as "0", not "0-0") */
    len += snprintf (buf + len,
                     sizeof (buf) - len,
                     "[{\"rank\":\"0\",\"children\":{\"core\":\"0\"}}");
    for (int r = 1; r <= RSUMMARY_GROUPS; r++)
        len += snprintf (buf + len,
                         sizeof (buf) - len,
                         ",{\"rank\":\"%d\",\"children\":{\"core\":\"0-%d\"}}",
                         r,
                         r);
    snprintf (buf + len, sizeof (buf) - len, "]");
    o = R (buf);
    ok (rsummary_from_R (o, NULL, NULL, &rs, &error) == 0
            && rs.ngroups == RSUMMARY_GROUPS && group_nodes (&rs, 16, 0) == 2
            && group_nodes (&rs, 17, 0) == -1,
        "the 17th kind of node (17 cores) joins the group of 16 cores");
    ok (totals_are (&rs, 17, 136 + 16, 0), "totals count it with 16 cores");
    json_decref (o);

    /* rank r has r+2 cores (2 .. 17), then rank 16 has 1 core */
    len = 0;
    len += snprintf (buf + len, sizeof (buf) - len, "[");
    for (int r = 0; r < RSUMMARY_GROUPS; r++)
        len += snprintf (buf + len,
                         sizeof (buf) - len,
                         "%s{\"rank\":\"%d\",\"children\":{\"core\":\"0-%d\"}}",
                         r ? "," : "",
                         r,
                         r + 1);
    snprintf (buf + len,
              sizeof (buf) - len,
              ",{\"rank\":\"%d\",\"children\":{\"core\":\"0\"}}]",
              RSUMMARY_GROUPS);
    o = R (buf);
    ok (rsummary_from_R (o, NULL, NULL, &rs, &error) == 0
            && rs.ngroups == RSUMMARY_GROUPS && group_nodes (&rs, 1, 0) == -1
            && totals_are (&rs, 16, 152, 0),
        "a 17th kind smaller than every group is left out");
    json_decref (o);
}

static void test_from_R_errors (void)
{
    json_t *all = R (all4);
    struct rsummary rs;
    flux_error_t error;
    json_t *o;

    error.text[0] = '\0';
    ok (rsummary_from_R (NULL, NULL, NULL, &rs, &error) < 0
            && strstr (error.text, "no R given"),
        "no R is refused (%s)",
        error.text);

    o = load ("{\"version\":1}");
    error.text[0] = '\0';
    ok (rsummary_from_R (o, NULL, NULL, &rs, &error) < 0
            && strstr (error.text, "execution.R_lite"),
        "an R without execution is refused (%s)",
        error.text);
    error.text[0] = '\0';
    ok (rsummary_from_R (all, o, NULL, &rs, &error) < 0
            && strstr (error.text, "execution.R_lite"),
        "an allocated R without execution is refused");
    error.text[0] = '\0';
    ok (rsummary_from_R (all, NULL, o, &rs, &error) < 0
            && strstr (error.text, "execution.R_lite"),
        "a down R without execution is refused");
    json_decref (o);

    o = load ("{\"version\":1,\"execution\":{\"R_lite\":{}}}");
    ok (rsummary_from_R (o, NULL, NULL, &rs, &error) < 0
            && strstr (error.text, "R_lite"),
        "an R_lite that is not an array is refused");
    json_decref (o);

    o = R ("[{\"rank\":\"x\",\"children\":{\"core\":\"0\"}}]");
    ok (rsummary_from_R (o, NULL, NULL, &rs, &error) < 0
            && strstr (error.text, "rank idset"),
        "a bad rank idset is refused (%s)",
        error.text);
    json_decref (o);

    o = R ("[{\"children\":{\"core\":\"0\"}}]");
    ok (rsummary_from_R (o, NULL, NULL, &rs, &error) < 0
            && strstr (error.text, "rank idset"),
        "an entry without a rank is refused");
    json_decref (o);

    o = R ("[{\"rank\":\"20000000\",\"children\":{\"core\":\"0\"}}]");
    ok (rsummary_from_R (o, NULL, NULL, &rs, &error) < 0
            && strstr (error.text, "out of range"),
        "a huge rank is refused (%s)",
        error.text);
    json_decref (o);
    json_decref (all);
}

static void test_encode_decode (void)
{
    json_t *all =
        R ("[{\"rank\":\"0-1\",\"children\":{\"core\":\"0-3\"}},"
           "{\"rank\":\"2\",\"children\":{\"core\":\"0-15\",\"gpu\":\"0-3\"}}]");
    json_t *want = load ("[[2,4,0],[1,16,4]]");
    struct rsummary rs, back;
    json_t *o;

    rsummary_from_R (all, NULL, NULL, &rs, NULL);
    o = rsummary_encode (&rs);
    ok (o && json_equal (o, want), "encoded as [[2,4,0],[1,16,4]]");
    memset (&back, 0xff, sizeof (back));
    ok (rsummary_decode (o, &back) == 0 && back.ngroups == rs.ngroups
            && !memcmp (back.group, rs.group, rs.ngroups * sizeof (rs.group[0])),
        "decode (encode (rs)) is rs");
    json_decref (o);

    memset (&rs, 0, sizeof (rs));
    o = rsummary_encode (&rs);
    ok (o && json_is_array (o) && json_array_size (o) == 0,
        "an empty summary is encoded as []");
    ok (rsummary_decode (o, &back) == 0 && back.ngroups == 0,
        "[] decodes to no groups");
    json_decref (o);

    o = load ("[[1,4,0],[2,4,0],[3,8,1]]");
    ok (rsummary_decode (o, &back) == 0 && back.ngroups == 2
            && group_nodes (&back, 4, 0) == 3 && group_nodes (&back, 8, 1) == 3,
        "decode merges entries of the same kind");
    ok (totals_are (&back, 6, 36, 3), "decoded totals 6 nodes, 36 cores, 3 GPUs");
    json_decref (o);

    o = load ("{\"nodes\":1}");
    ok (rsummary_decode (o, &back) < 0, "decode refuses an object");
    json_decref (o);
    o = load ("[[1,4]]");
    ok (rsummary_decode (o, &back) < 0, "decode refuses [[1,4]]");
    json_decref (o);
    o = load ("[[\"1\",4,0]]");
    ok (rsummary_decode (o, &back) < 0, "decode refuses a string count");
    json_decref (o);
    o = load ("[1,4,0]");
    ok (rsummary_decode (o, &back) < 0, "decode refuses a flat array");
    json_decref (o);
    ok (rsummary_decode (NULL, &back) < 0, "decode refuses NULL");
    json_decref (all);
    json_decref (want);
}

static struct rsummary summary (const char *encoded)
{
    struct rsummary rs;
    json_t *o = load (encoded);

    if (rsummary_decode (o, &rs) < 0) {
        printf ("Bail out! cannot decode %s\n", encoded);
        exit (1);
    }
    json_decref (o);
    return rs;
}

struct hold {
    const char *rs;  // encoded summary
    struct job_shape shape;
    bool can;
    const char *why;
};

static const struct hold holds[] = {
    /* 4 nodes of 8 cores */
    {"[[4,8,0]]", {0, 1, 1, 0}, true, "1 core"},
    {"[[4,8,0]]", {0, 32, 1, 0}, true, "32 slots of 1 core: all of it"},
    {"[[4,8,0]]", {0, 33, 1, 0}, false, "33 slots of 1 core: too many"},
    {"[[4,8,0]]", {0, 8, 4, 0}, true, "8 slots of 4 cores"},
    {"[[4,8,0]]", {0, 5, 5, 0}, false, "5 slots of 5 cores: 1 per node"},
    {"[[4,8,0]]", {0, 4, 5, 0}, true, "4 slots of 5 cores: 1 per node"},
    {"[[4,8,0]]", {0, 1, 9, 0}, false, "a slot of 9 cores: more than a node has"},
    {"[[4,8,0]]", {0, 1, 1, 1}, false, "a GPU where there are none"},
    {"[[4,8,0]]", {4, 4, 8, 0}, true, "-N4 -n4 -c8"},
    {"[[4,8,0]]", {5, 5, 1, 0}, false, "-N5: one node too many"},
    {"[[4,8,0]]", {2, 4, 4, 0}, true, "-N2, 2 slots of 4 cores per node"},
    {"[[4,8,0]]", {2, 6, 4, 0}, false, "-N2, 3 slots of 4 cores per node"},
    {"[[4,8,0]]", {1, 1, 16, 0}, false, "-N1 -c16: more cores than a node has"},
    {"[[4,8,0]]", {2, 3, 4, 0}, true, "-N2, 3 slots of 4 cores: 2 on a node"},
    {"[[4,8,0]]", {2, 3, 5, 0}, false, "-N2, 3 slots of 5 cores: 2 on a node"},
    /* GPUs: 2 nodes with 2 GPUs, 2 without */
    {"[[2,8,2],[2,8,0]]", {0, 4, 1, 1}, true, "4 slots of a core and a GPU"},
    {"[[2,8,2],[2,8,0]]", {0, 5, 1, 1}, false, "5 slots of a core and a GPU"},
    {"[[2,8,2],[2,8,0]]", {0, 2, 1, 2}, true, "2 slots of 2 GPUs"},
    {"[[2,8,2],[2,8,0]]", {0, 1, 1, 3}, false, "a slot of 3 GPUs"},
    {"[[2,8,2],[2,8,0]]", {0, 32, 1, 0}, true, "32 slots of 1 core, no GPU"},
    {"[[2,8,2],[2,8,0]]", {2, 2, 1, 2}, true, "-N2 with 2 GPUs per node"},
    {"[[2,8,2],[2,8,0]]", {3, 3, 1, 1}, false, "-N3 with a GPU per node"},
    {"[[2,8,2],[2,8,0]]", {4, 4, 8, 0}, true, "-N4 without GPUs"},
    {"[[2,8,2],[2,8,0]]", {1, 2, 4, 1}, true, "-N1, 2 slots of 4 cores and a GPU"},
    {"[[2,8,2],[2,8,0]]", {1, 3, 2, 1}, false, "-N1, 3 slots of a GPU"},
    /* heterogeneous: 2 nodes of 4 cores, 1 of 16 */
    {"[[2,4,0],[1,16,0]]", {0, 6, 4, 0}, true, "6 slots of 4 cores (2 + 4)"},
    {"[[2,4,0],[1,16,0]]", {0, 7, 4, 0}, false, "7 slots of 4 cores"},
    {"[[2,4,0],[1,16,0]]", {0, 1, 16, 0}, true, "a slot of 16 cores on the big node"},
    {"[[2,4,0],[1,16,0]]", {0, 2, 16, 0}, false, "2 slots of 16 cores"},
    {"[[2,4,0],[1,16,0]]",
     {0, 3, 5, 0},
     true,
     "3 slots of 5 cores, all on the big one"},
    {"[[2,4,0],[1,16,0]]", {0, 4, 5, 0}, false, "4 slots of 5 cores"},
    {"[[2,4,0],[1,16,0]]", {1, 4, 4, 0}, true, "-N1 -n4 -c4 on the big node"},
    {"[[2,4,0],[1,16,0]]", {2, 4, 4, 0}, false, "-N2 -n4 -c4: one node has 8"},
    {"[[2,4,0],[1,16,0]]", {3, 3, 4, 0}, true, "-N3 -n3 -c4"},
    {"[[2,4,0],[1,16,0]]", {3, 3, 5, 0}, false, "-N3 -n3 -c5"},
    /* nothing free */
    {"[]", {0, 1, 1, 0}, false, "no nodes: 1 core"},
    {"[]", {1, 1, 1, 0}, false, "no nodes: -N1"},
    {"[[4,0,0]]", {0, 1, 1, 0}, false, "nodes with every core allocated"},
};

static void test_can_hold (void)
{
    for (size_t i = 0; i < sizeof (holds) / sizeof (holds[0]); i++) {
        const struct hold *h = &holds[i];
        struct rsummary rs = summary (h->rs);

        ok (rsummary_can_hold (&rs, &h->shape) == h->can,
            "%s %s: %s",
            h->rs,
            h->can ? "holds" : "cannot hold",
            h->why);
    }
}

static int shape_is (
    const struct job_shape *s, int nnodes, int nslots, int cores, int gpus)
{
    if (s->nnodes != nnodes || s->nslots != nslots || s->cores != cores
        || s->gpus != gpus)
        printf ("#   shape: nnodes %d nslots %d cores %d gpus %d\n",
                s->nnodes,
                s->nslots,
                s->cores,
                s->gpus);
    return s->nnodes == nnodes && s->nslots == nslots && s->cores == cores
           && s->gpus == gpus;
}

struct shape_row {
    const char *resources;  // the jobspec's resources
    int rc;
    struct job_shape shape;  // when rc == 0
    const char *msg;         // substring of the error when rc < 0
    const char *what;
};

static const struct shape_row shapes[] = {
    /* as flux submit makes them */
    {"[{\"type\":\"node\",\"count\":2,\"with\":[{\"type\":\"slot\",\"count\":1,"
     "\"label\":\"task\",\"with\":[{\"type\":\"core\",\"count\":4}]}]}]",
     0,
     {2, 2, 4, 0},
     NULL,
     "-N2 -n2 -c4"},
    {"[{\"type\":\"slot\",\"count\":3,\"label\":\"task\",\"with\":"
     "[{\"type\":\"core\",\"count\":2},{\"type\":\"gpu\",\"count\":1}]}]",
     0,
     {0, 3, 2, 1},
     NULL,
     "-n3 -c2 -g1"},
    {"[{\"type\":\"node\",\"count\":2,\"with\":[{\"type\":\"slot\",\"count\":2,"
     "\"with\":[{\"type\":\"core\",\"count\":1}],\"label\":\"task\"}]}]",
     0,
     {2, 4, 1, 0},
     NULL,
     "-N2 -n3 (2 slots per node)"},
    {"[{\"type\":\"node\",\"count\":2,\"exclusive\":true,\"with\":[{\"type\":"
     "\"slot\",\"count\":1,\"with\":[{\"type\":\"core\",\"count\":1}],"
     "\"label\":\"task\"}]}]",
     0,
     {2, 2, 1, 0},
     NULL,
     "-N2 (exclusive)"},
    {"[{\"type\":\"node\",\"count\":1,\"with\":[{\"type\":\"slot\",\"count\":4,"
     "\"with\":[{\"type\":\"core\",\"count\":2},{\"type\":\"gpu\",\"count\":1}],"
     "\"label\":\"task\"}]}]",
     0,
     {1, 4, 2, 1},
     NULL,
     "-N1 -n4 -c2 -g1"},
    {"[{\"type\":\"slot\",\"count\":1,\"with\":[{\"type\":\"core\",\"count\":1}],"
     "\"label\":\"task\"}]",
     0,
     {0, 1, 1, 0},
     NULL,
     "-n1"},
    {"[{\"type\":\"slot\",\"count\":{\"min\":2,\"max\":4},\"label\":\"task\","
     "\"with\":[{\"type\":\"core\",\"count\":{\"min\":3}}]}]",
     0,
     {0, 2, 3, 0},
     NULL,
     "a count range is read as its min"},
    /* malformed */
    {"[]", -1, {0}, "no resources", "no resources"},
    {"{}", -1, {0}, "no resources", "resources not an array"},
    {"[{\"count\":1}]", -1, {0}, "no resources", "a resource without a type"},
    {"[{\"type\":\"core\",\"count\":1}]",
     -1,
     {0},
     "cannot read the slot counts",
     "a top resource that is neither node nor slot"},
    {"[{\"type\":\"node\",\"count\":1}]",
     -1,
     {0},
     "cannot read the node and slot counts",
     "a node without a slot"},
    {"[{\"type\":\"node\",\"count\":1,\"with\":[{\"type\":\"core\",\"count\":1}]}]",
     -1,
     {0},
     "cannot read the node and slot counts",
     "a node with cores, no slot"},
    {"[{\"type\":\"node\",\"count\":0,\"with\":[{\"type\":\"slot\",\"count\":1,"
     "\"with\":[{\"type\":\"core\",\"count\":1}]}]}]",
     -1,
     {0},
     "cannot read the node and slot counts",
     "node count 0"},
    {"[{\"type\":\"node\",\"count\":2,\"with\":[{\"type\":\"slot\",\"count\":-1,"
     "\"with\":[{\"type\":\"core\",\"count\":1}]}]}]",
     -1,
     {0},
     "cannot read the node and slot counts",
     "slot count -1 under a node"},
    {"[{\"type\":\"slot\",\"count\":0,\"with\":[{\"type\":\"core\",\"count\":1}]}]",
     -1,
     {0},
     "cannot read the slot counts",
     "slot count 0"},
    {"[{\"type\":\"slot\",\"count\":1,\"with\":[{\"type\":\"core\",\"count\":0}]}]",
     -1,
     {0},
     "cannot read the slot counts",
     "core count 0"},
    {"[{\"type\":\"slot\",\"count\":1,\"with\":[{\"type\":\"core\",\"count\":1},"
     "{\"type\":\"gpu\",\"count\":-2}]}]",
     -1,
     {0},
     "cannot read the slot counts",
     "gpu count -2"},
    {"[{\"type\":\"slot\",\"count\":{\"max\":4},\"with\":[{\"type\":\"core\","
     "\"count\":1}]}]",
     -1,
     {0},
     "cannot read the slot counts",
     "a count range without min"},
    {"[{\"type\":\"slot\",\"count\":2000000,\"with\":[{\"type\":\"core\","
     "\"count\":1}]}]",
     -1,
     {0},
     "cannot read the slot counts",
     "a slot count of 2000000"},
    {"[{\"type\":\"slot\",\"count\":\"2\",\"with\":[{\"type\":\"core\","
     "\"count\":1}]}]",
     -1,
     {0},
     "cannot read the slot counts",
     "a slot count that is a string (not silently read as 1)"},
    {"[{\"type\":\"node\",\"count\":65536,\"with\":[{\"type\":\"slot\","
     "\"count\":65536,\"with\":[{\"type\":\"core\",\"count\":1}]}]}]",
     -1,
     {0},
     "cannot read",
     "65536 nodes x 65536 slots: 2^32 slots overflow an int"},
};

static void test_shapes (void)
{
    for (size_t i = 0; i < sizeof (shapes) / sizeof (shapes[0]); i++) {
        const struct shape_row *r = &shapes[i];
        char buf[1024];
        json_t *js;
        struct job_shape s;
        flux_error_t error = {.text = ""};
        int rc;

        snprintf (buf,
                  sizeof (buf),
                  "{\"version\":1,\"resources\":%s,\"tasks\":[],"
                  "\"attributes\":{\"system\":{\"duration\":0}}}",
                  r->resources);
        js = load (buf);
        rc = job_shape_from_jobspec (js, &s, &error);
        if (r->rc == 0)
            ok (rc == 0
                    && shape_is (&s,
                                 r->shape.nnodes,
                                 r->shape.nslots,
                                 r->shape.cores,
                                 r->shape.gpus),
                "shape of %s: %d node(s), %d slot(s) of %d core(s), %d GPU(s)",
                r->what,
                r->shape.nnodes,
                r->shape.nslots,
                r->shape.cores,
                r->shape.gpus);
        else {
            ok (rc < 0 && strstr (error.text, r->msg) != NULL,
                "refused: %s (%s)",
                r->what,
                r->msg);
            if (rc == 0)
                shape_is (&s, -1, -1, -1, -1);
        }
        json_decref (js);
    }
    {
        struct job_shape s;
        flux_error_t error = {.text = ""};
        ok (job_shape_from_jobspec (NULL, &s, &error) < 0
                && strstr (error.text, "no resources"),
            "a NULL jobspec is refused");
    }
}

int main (int argc, char **argv)
{
    test_from_R ();
    test_from_R_shapes ();
    test_from_R_many_groups ();
    test_from_R_errors ();
    test_encode_decode ();
    test_can_hold ();
    test_shapes ();
    return done_testing ();
}
