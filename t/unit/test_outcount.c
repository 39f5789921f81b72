/* SPDX-License-Identifier: LGPL-3.0 */

/* test_outcount.c - how far an output eventlog has got: the streams ended
 * are counted by distinct (stream, rank) pair
 */

#include <stdio.h>

#include "src/plugin/outcount.h"
#include "tap.h"

static const char *header2 =
    "{\"timestamp\":1.0,\"name\":\"header\",\"context\":{\"version\":1,"
    "\"encoding\":{\"stdout\":\"UTF-8\",\"stderr\":\"UTF-8\"},"
    "\"count\":{\"stdout\":2,\"stderr\":2},\"options\":{}}}";

static const char *data_out0 =
    "{\"timestamp\":1.1,\"name\":\"data\",\"context\":"
    "{\"stream\":\"stdout\",\"rank\":\"0\",\"data\":\"hi\\n\"}}";

/* The end of STREAM of task RANK, as an entry (static buffer).
 */
static const char *eof (const char *stream, const char *rank)
{
    static char buf[256];

    snprintf (buf,
              sizeof (buf),
              "{\"timestamp\":1.2,\"name\":\"data\",\"context\":"
              "{\"stream\":\"%s\",\"rank\":\"%s\",\"eof\":true}}",
              stream,
              rank);
    return buf;
}

static void test_two_tasks (void)
{
    struct outcount c = {0};

    ok (!outcount_ended (&c), "nothing seen: not ended");
    outcount_entry (&c, header2);
    ok (c.streams == 4 && c.eofs == 0, "the header counts 4 streams");
    outcount_entry (&c, data_out0);
    ok (c.eofs == 0, "data without eof ends nothing");

    outcount_entry (&c, eof ("stdout", "0"));
    outcount_entry (&c, eof ("stdout", "0"));
    outcount_entry (&c, eof ("stdout", "0"));
    outcount_entry (&c, eof ("stdout", "0"));
    ok (c.eofs == 1 && !outcount_ended (&c),
        "the same pair (stdout, 0) ended 4 times: 1 stream of 4 ended, not ended");

    outcount_entry (&c, eof ("stderr", "0"));
    ok (c.eofs == 2, "the same rank on another stream is another pair: 2 ended");
    outcount_entry (&c, eof ("stdout", "1"));
    ok (c.eofs == 3 && !outcount_ended (&c),
        "the same stream of another rank is another pair: 3 of 4, not ended");
    outcount_entry (&c, eof ("stderr", "0"));
    outcount_entry (&c, eof ("stdout", "1"));
    ok (c.eofs == 3 && !outcount_ended (&c),
        "pairs already ended, repeated: still 3 of 4, not ended");

    outcount_entry (&c, eof ("stderr", "1"));
    ok (c.eofs == 4 && outcount_ended (&c), "the 4th distinct pair: 4 of 4, ended");
    ok (c.ended == NULL, "once ended, the pairs are freed");
    outcount_entry (&c, eof ("stdout", "7"));
    ok (c.eofs == 4 && outcount_ended (&c), "once ended, nothing more is counted");
    outcount_clear (&c);
    ok (c.streams == 0 && c.eofs == 0 && c.ended == NULL && !outcount_ended (&c),
        "outcount_clear: ready to count another log");
}

static void test_rank_as_given (void)
{
    struct outcount c = {0};

    outcount_entry (&c,
                    "{\"name\":\"header\",\"context\":"
                    "{\"count\":{\"stdout\":2}}}");
    outcount_entry (&c, eof ("stdout", "0-1"));
    ok (c.eofs == 1 && !outcount_ended (&c),
        "the rank string is taken as given: \"0-1\" is 1 pair, 1 of 2, not ended");
    outcount_entry (&c, eof ("stdout", "0"));
    ok (c.eofs == 2 && outcount_ended (&c),
        "\"0\" is another pair than \"0-1\": 2 of 2, ended");
    outcount_clear (&c);
}

/* Feed ENTRY to C; note after how many entries C first ended.
 */
static void feed (struct outcount *c, const char *entry, int *fed, int *ended_after)
{
    outcount_entry (c, entry);
    (*fed)++;
    if (*ended_after < 0 && outcount_ended (c))
        *ended_after = *fed;
}

/* 64 tasks: their ends come in a scrambled order, each twice, the end of
 * one stream last of all: the log ends with that entry, not before.
 */
static void test_many (void)
{
    struct outcount c = {0};
    const int n = 64;
    char rank[16];
    int fed = 0, ended_after = -1;

    outcount_entry (&c,
                    "{\"name\":\"header\",\"context\":"
                    "{\"count\":{\"stdout\":64,\"stderr\":64}}}");
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < n; i++) {
            int r = (i * 37 + 11) % n;  // 37 and 64 are coprime: a permutation
            snprintf (rank, sizeof (rank), "%d", r);
            feed (&c, eof ("stdout", rank), &fed, &ended_after);
            if (round == 1 || i < n - 1)  // the last rank's stderr: last of all
                feed (&c, eof ("stderr", rank), &fed, &ended_after);
        }
    }
    ok (ended_after == fed && c.eofs == 2 * n,
        "128 distinct pairs, ends repeated, scrambled: ended by the last "
        "distinct one (entry %d of %d), not before",
        ended_after,
        fed);
    outcount_clear (&c);
}

static void test_eof_before_header (void)
{
    struct outcount c = {0};

    outcount_entry (&c, eof ("stdout", "0"));
    outcount_entry (&c, eof ("stdout", "0"));
    ok (!outcount_ended (&c) && c.eofs == 1,
        "an eof with no header seen is not the end, and counts once");
    outcount_entry (&c,
                    "{\"timestamp\":1,\"name\":\"header\",\"context\":"
                    "{\"count\":{\"stdout\":1}}}");
    ok (outcount_ended (&c), "the header's one stream had ended");
    outcount_clear (&c);
}

static void test_ignored (void)
{
    struct outcount c = {0};
    const char *bad[] = {
        "",
        "not json",
        "[1,2]",
        "{\"name\":3}",
        "{\"name\":\"header\"}",
        "{\"name\":\"header\",\"context\":{\"count\":\"x\"}}",
        "{\"name\":\"data\",\"context\":{\"stream\":\"stdout\",\"rank\":\"0\","
        "\"eof\":\"yes\"}}",
        "{\"name\":\"log\",\"context\":{\"stream\":\"stdout\",\"rank\":\"0\","
        "\"eof\":true}}",
        "{\"name\":\"data\",\"context\":{\"stream\":\"stdout\",\"rank\":\"0\","
        "\"eof\":false}}",
        "{\"name\":\"data\",\"context\":{\"eof\":true}}",
        "{\"name\":\"data\",\"context\":{\"rank\":\"0\",\"eof\":true}}",
        "{\"name\":\"data\",\"context\":{\"stream\":\"stdout\",\"eof\":true}}",
        "{\"name\":\"data\",\"context\":{\"stream\":\"stdout\",\"rank\":0,"
        "\"eof\":true}}",
    };

    for (size_t i = 0; i < sizeof (bad) / sizeof (bad[0]); i++) {
        outcount_entry (&c, bad[i]);
        ok (c.streams == 0 && c.eofs == 0, "counts nothing: %s", bad[i]);
    }
    outcount_entry (&c, "{\"name\":\"header\",\"context\":{\"count\":{}}}");
    ok (c.streams == 0 && !outcount_ended (&c),
        "a header counting no stream never ends the log");
    outcount_clear (&c);
}

int main (void)
{
    test_two_tasks ();
    test_rank_as_given ();
    test_many ();
    test_eof_before_header ();
    test_ignored ();
    return done_testing ();
}

// vi:ts=4 sw=4 expandtab
