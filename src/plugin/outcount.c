/* SPDX-License-Identifier: LGPL-3.0 */

/* outcount.c - how far an output eventlog (RFC 24) has got (outcount.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "outcount.h"

/* A pair's key: the stream name, a NUL, the rank string.
 */
static char *key_create (const char *stream, const char *rank)
{
    size_t ls = strlen (stream) + 1;
    size_t lr = strlen (rank) + 1;
    char *key = malloc (ls + lr);

    if (key) {
        memcpy (key, stream, ls);
        memcpy (key + ls, rank, lr);
    }
    return key;
}

static int key_cmp (const char *key, const char *stream, const char *rank)
{
    int rc = strcmp (key, stream);
    return rc ? rc : strcmp (key + strlen (key) + 1, rank);
}

/* Add the pair unless it is there: binary search in the sorted keys.
 */
static void add_eof (struct outcount *c, const char *stream, const char *rank)
{
    int lo = 0, hi = c->eofs;
    char **ended;
    char *key;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int rc = key_cmp (c->ended[mid], stream, rank);
        if (rc == 0)
            return;  // ended already
        if (rc < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!(key = key_create (stream, rank)))
        return;
    if (!(ended = realloc (c->ended, (c->eofs + 1) * sizeof (*ended)))) {
        free (key);
        return;
    }
    memmove (&ended[lo + 1], &ended[lo], (c->eofs - lo) * sizeof (*ended));
    ended[lo] = key;
    c->ended = ended;
    c->eofs++;
}

/* Free the pairs kept (the counts stay).
 */
static void drop_pairs (struct outcount *c)
{
    if (c->ended) {
        for (int i = 0; i < c->eofs; i++)
            free (c->ended[i]);
        free (c->ended);
        c->ended = NULL;
    }
}

void outcount_clear (struct outcount *c)
{
    drop_pairs (c);
    memset (c, 0, sizeof (*c));
}

void outcount_entry (struct outcount *c, const char *entry)
{
    json_t *e;
    const char *name = NULL;
    const char *stream = NULL;
    const char *rank = NULL;
    int out = 0, err = 0, eof = 0;

    if (outcount_ended (c))
        return;
    e = json_loads (entry, JSON_DISABLE_EOF_CHECK, NULL);
    if (json_unpack (e, "{s:s}", "name", &name) == 0) {
        if (!strcmp (name, "header")
            && json_unpack (e,
                            "{s:{s:{s?i s?i}}}",
                            "context",
                            "count",
                            "stdout",
                            &out,
                            "stderr",
                            &err)
                   == 0)
            c->streams = out + err;
        else if (!strcmp (name, "data")
                 && json_unpack (e,
                                 "{s:{s:s s:s s?b}}",
                                 "context",
                                 "stream",
                                 &stream,
                                 "rank",
                                 &rank,
                                 "eof",
                                 &eof)
                        == 0
                 && eof)
            add_eof (c, stream, rank);
    }
    json_decref (e);
    if (outcount_ended (c))
        drop_pairs (c);  // nothing is counted from now on
}

bool outcount_ended (const struct outcount *c)
{
    return c->streams > 0 && c->eofs >= c->streams;
}

// vi:ts=4 sw=4 expandtab
