/* SPDX-License-Identifier: LGPL-3.0 */

/* test_idmap.c - job id -> pointer map, checked against a plain array
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "src/plugin/idmap.h"
#include "tap.h"

#define N 5000

/* Ids shaped like Flux job ids: a timestamp in the high bits, a small
 * sequence number in the low ones, so that many share their low bits.
 */
static uint64_t job_id (int i)
{
    return ((uint64_t)(1000 + i / 7) << 24) | (uint64_t)(i % 7);
}

int main (void)
{
    struct idmap *m = idmap_create ();
    static int values[N];
    static bool present[N];
    int bad = 0;

    ok (m != NULL, "idmap_create works");
    ok (idmap_get (m, 42) == NULL, "an empty map has no entry");
    errno = 0;
    ok (idmap_put (m, 0, &values[0]) < 0 && errno == EINVAL, "id 0 is refused");
    ok (idmap_put (m, 1, NULL) < 0 && errno == EINVAL, "a NULL value is refused");

    for (int i = 0; i < N; i++) {
        if (idmap_put (m, job_id (i), &values[i]) < 0)
            bad++;
        present[i] = true;
    }
    ok (bad == 0 && idmap_count (m) == N,
        "%d ids put, %zu counted",
        N,
        idmap_count (m));
    ok (idmap_put (m, job_id (3), &values[4]) == 0 && idmap_count (m) == N
            && idmap_get (m, job_id (3)) == &values[4],
        "putting an id again replaces its value, the count unchanged");
    (void)idmap_put (m, job_id (3), &values[3]);
    ok (!idmap_remove (m, job_id (3), &values[9]),
        "removing with another value than the id's removes nothing");

    /* remove two ids in three, in an order unrelated to insertion, and
     * check every id against the array after (backward shift moves
     * entries: a wrong move loses or hides one)
     */
    bad = 0;
    for (int k = 0; k < N; k++) {
        int i = (int)(((long)k * 7919) % N);
        if (i % 3 != 0) {
            if (!idmap_remove (m, job_id (i), NULL))
                bad++;
            present[i] = false;
        }
    }
    ok (bad == 0, "every removal found its id");
    bad = 0;
    for (int i = 0; i < N; i++)
        if (idmap_get (m, job_id (i)) != (present[i] ? &values[i] : NULL))
            bad++;
    ok (bad == 0, "after removals, each id maps to its value or to nothing");
    ok (idmap_count (m) == (N + 2) / 3, "count %zu is what is left", idmap_count (m));
    ok (!idmap_remove (m, job_id (1), NULL), "an id removed twice is not found again");

    bad = 0;
    for (int i = 0; i < N; i++)
        if (present[i] && !idmap_remove (m, job_id (i), &values[i]))
            bad++;
    ok (bad == 0 && idmap_count (m) == 0, "emptied (the map shrinks as it goes)");
    ok (idmap_put (m, job_id (1), &values[1]) == 0
            && idmap_get (m, job_id (1)) == &values[1],
        "an emptied map takes ids again");
    idmap_destroy (m);
    return done_testing ();
}

// vi:ts=4 sw=4 expandtab
