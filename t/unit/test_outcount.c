/* SPDX-License-Identifier: LGPL-3.0 */

/* test_outcount.c - how far an output eventlog has got
 */

#include "src/plugin/outcount.h"
#include "tap.h"

static const char *header2 =
    "{\"timestamp\":1.0,\"name\":\"header\",\"context\":{\"version\":1,"
    "\"encoding\":{\"stdout\":\"UTF-8\",\"stderr\":\"UTF-8\"},"
    "\"count\":{\"stdout\":2,\"stderr\":2},\"options\":{}}}";

static const char *eof_out0 =
    "{\"timestamp\":1.2,\"name\":\"data\",\"context\":"
    "{\"stream\":\"stdout\",\"rank\":\"0\",\"eof\":true}}";

static const char *data_out0 =
    "{\"timestamp\":1.1,\"name\":\"data\",\"context\":"
    "{\"stream\":\"stdout\",\"rank\":\"0\",\"data\":\"hi\\n\"}}";

static void test_two_tasks (void)
{
    struct outcount c = {0};

    ok (!outcount_ended (&c), "nothing seen: not ended");
    outcount_entry (&c, header2);
    ok (c.streams == 4 && c.eofs == 0, "the header counts 4 streams");
    outcount_entry (&c, data_out0);
    ok (c.eofs == 0, "data without eof ends nothing");
    outcount_entry (&c, eof_out0);
    outcount_entry (&c, eof_out0);
    outcount_entry (&c, eof_out0);
    ok (!outcount_ended (&c), "3 of 4 streams ended: not ended");
    outcount_entry (&c, eof_out0);
    ok (outcount_ended (&c), "4 of 4 ended");
}

static void test_eof_before_header (void)
{
    struct outcount c = {0};

    outcount_entry (&c, eof_out0);
    ok (!outcount_ended (&c), "an eof with no header seen is not the end");
    outcount_entry (&c,
                    "{\"timestamp\":1,\"name\":\"header\",\"context\":"
                    "{\"count\":{\"stdout\":1}}}");
    ok (outcount_ended (&c), "the header's one stream had ended");
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
        "{\"name\":\"data\",\"context\":{\"eof\":\"yes\"}}",
        "{\"name\":\"log\",\"context\":{\"eof\":true}}",
        "{\"name\":\"data\",\"context\":{\"eof\":false}}",
    };

    for (size_t i = 0; i < sizeof (bad) / sizeof (bad[0]); i++) {
        outcount_entry (&c, bad[i]);
        ok (c.streams == 0 && c.eofs == 0, "counts nothing: %s", bad[i]);
    }
    outcount_entry (&c, "{\"name\":\"header\",\"context\":{\"count\":{}}}");
    ok (c.streams == 0 && !outcount_ended (&c),
        "a header counting no stream never ends the log");
}

int main (void)
{
    test_two_tasks ();
    test_eof_before_header ();
    test_ignored ();
    return done_testing ();
}

// vi:ts=4 sw=4 expandtab
