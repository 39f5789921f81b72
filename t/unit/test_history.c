/* SPDX-License-Identifier: LGPL-3.0 */

/* test_history.c - what a source job's eventlog says of its delegation
 */

#include "src/plugin/history.h"
#include "tap.h"

static const char *pending =
    "{\"timestamp\":1.0,\"name\":\"submit\",\"context\":{\"userid\":0}}\n"
    "{\"timestamp\":1.1,\"name\":\"dependency-add\",\"context\":"
    "{\"description\":\"delegate\"}}\n"
    "{\"timestamp\":1.2,\"name\":\"dependency-add\",\"context\":"
    "{\"description\":\"after-finish=f1\"}}\n"
    "{\"timestamp\":1.3,\"name\":\"dependency-add\",\"context\":"
    "{\"description\":\"begin-time=5\"}}\n"
    "{\"timestamp\":1.4,\"name\":\"dependency-remove\",\"context\":"
    "{\"description\":\"after-finish=f1\"}}\n"
    "{\"timestamp\":1.5,\"name\":\"delegate::failover\",\"context\":"
    "{\"uri\":\"local:///a\",\"label\":\"a\",\"attempt\":1,\"note\":\"x\"}}\n"
    "{\"timestamp\":1.6,\"name\":\"delegate::submit\",\"context\":"
    "{\"jobid\":1234,\"uri\":\"local:///b\",\"label\":\"b\",\"attempt\":2}}\n";

static void test_pending (void)
{
    struct history h;
    flux_error_t error;

    ok (history_parse (pending, &h, &error) == 0, "a pending delegation parses");
    ok (h.remote_id == 1234, "remote id of the last submission");
    is_str (h.uri, "local:///b", "its URI");
    is_str (h.label, "b", "its label");
    ok (h.attempt == 2 && h.attempts == 2, "attempt 2 of 2");
    ok (!h.alloc && !h.start && !h.finish && !h.fatal,
        "not allocated, started or ended");
    ok (h.ndeps == 1, "one other dependency outstanding (delegate not counted)");
    is_str (h.deps[0], "begin-time=5", "the one added and not removed");
}

static void test_stages (void)
{
    struct history h;
    flux_error_t error;
    const char *running =
        "{\"timestamp\":1,\"name\":\"delegate::submit\",\"context\":"
        "{\"jobid\":7,\"uri\":\"ssh://h/p\",\"label\":null,\"attempt\":1}}\n"
        "{\"timestamp\":2,\"name\":\"alloc\",\"context\":{\"bypass\":true}}\n"
        "{\"timestamp\":3,\"name\":\"exception\",\"context\":"
        "{\"type\":\"x\",\"severity\":1,\"note\":\"\"}}\n"
        "{\"timestamp\":4,\"name\":\"start\"}";
    const char *ended =
        "{\"timestamp\":1,\"name\":\"exception\",\"context\":"
        "{\"type\":\"cancel\",\"severity\":0,\"note\":\"\"}}\n";

    ok (history_parse (running, &h, &error) == 0, "a running delegation parses");
    ok (h.remote_id == 7 && h.label[0] == '\0' && h.attempt == 1
            && !strcmp (h.uri, "ssh://h/p"),
        "remote id 7, no label (null), attempt 1, its URI");
    ok (h.alloc && h.start && !h.finish, "allocated and started");
    ok (!h.fatal, "a non-fatal exception is not fatal");
    ok (history_parse (ended, &h, &error) == 0 && h.fatal && h.remote_id == 0,
        "a fatal exception before any submission");
    ok (history_parse ("", &h, &error) == 0 && h.remote_id == 0 && h.ndeps == 0,
        "an empty eventlog: nothing happened");
}

static void test_bad (void)
{
    struct history h;
    flux_error_t error;

    ok (history_parse ("{\"name\":\"submit\"}\nnot json\n", &h, &error) < 0
            && strstr (error.text, "line 2") != NULL,
        "a line that is not JSON is refused, naming the line");
    ok (history_parse ("{\"timestamp\":1}\n", &h, &error) < 0,
        "an entry without a name is refused");
}

int main (int argc, char **argv)
{
    test_pending ();
    test_stages ();
    test_bad ();
    return done_testing ();
}

// vi:ts=4 sw=4 expandtab
