/* SPDX-License-Identifier: LGPL-3.0 */

/* test_strmap.c - string -> pointer map, checked against a plain array
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "src/plugin/strmap.h"
#include "tap.h"

#define N 3000

int main (void)
{
    struct strmap *m = strmap_create ();
    static char keys[N][32];
    static int values[N];
    static int present[N];
    int bad = 0;
    int other = 0;

    ok (m != NULL, "strmap_create works");
    for (int i = 0; i < N; i++) {
        snprintf (keys[i], sizeof (keys[i]), "uuid-%d/%d/1", i % 17, i);
        if (strmap_put (m, keys[i], &values[i]) < 0)
            bad++;
        present[i] = 1;
    }
    ok (bad == 0 && strmap_count (m) == N, "%d keys put", N);
    for (int i = 0; i < N; i++)
        if (strmap_get (m, keys[i]) != &values[i])
            bad++;
    ok (bad == 0, "each key gets its value");
    ok (strmap_get (m, "uuid-1/99999/1") == NULL, "a key not put: NULL");
    ok (strmap_remove (m, keys[5], &other) == 0
            && strmap_get (m, keys[5]) == &values[5],
        "remove with another value: nothing removed");
    for (int i = 0; i < N; i += 3) {
        if (strmap_remove (m, keys[i], &values[i]) != 1)
            bad++;
        present[i] = 0;
    }
    for (int i = 0; i < N; i++)
        if (strmap_get (m, keys[i]) != (present[i] ? &values[i] : NULL))
            bad++;
    ok (bad == 0 && strmap_count (m) == N - (N + 2) / 3,
        "a third removed: the rest still found");
    ok (strmap_put (m, keys[1], &other) == 0 && strmap_get (m, keys[1]) == &other
            && strmap_count (m) == N - (N + 2) / 3,
        "put on a key present replaces its value");
    errno = 0;
    ok (strmap_put (m, keys[2], NULL) < 0 && errno == EINVAL, "a NULL value: EINVAL");
    strmap_destroy (m);  // with entries left: valgrind shows none leaks
    ok (strmap_count (NULL) == 0, "a NULL map counts 0");
    return done_testing ();
}

// vi:ts=4 sw=4 expandtab
