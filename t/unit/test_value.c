/* SPDX-License-Identifier: LGPL-3.0 */

/* test_value.c - the delegate value and duration parsers
 */

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "src/plugin/value.h"
#include "tap.h"

struct row {
    const char *value;
    int ok;
    const char *msg;  // substring of the error when !ok
};

static const struct row rows[] = {
    {"local:///tmp/flux-abc/local-0", 1, NULL},
    {"ssh://host/tmp/flux-abc/local-0", 1, NULL},
    {"ssh://user@host:2222/tmp/s", 1, NULL},
    {"ssh://127.0.0.1:22/tmp/s", 1, NULL},
    {"", 0, "no target given"},
    {NULL, 0, "no target given"},
    {"local://", 0, "absolute socket path"},
    {"local:///", 0, "socket path is missing"},
    {"local://relative/path", 0, "absolute socket path"},
    {"ssh://", 0, "needs a host and a socket path"},
    {"ssh://host", 0, "needs a host and a socket path"},
    {"ssh://host/", 0, "socket path is missing"},
    {"ssh:///tmp/s", 0, "host name is missing"},
    {"ssh://@host/tmp/s", 0, "user name before '@' is empty"},
    {"ssh://host:/tmp/s", 0, "port must be a number"},
    {"ssh://host:0/tmp/s", 0, "port must be a number"},
    {"ssh://host:65536/tmp/s", 0, "port must be a number"},
    {"ssh://host:22a/tmp/s", 0, "port must be a number"},
    {"tcp://host:1234", 0, "unsupported URI scheme 'tcp'"},
    {"://x", 0, "not a URI"},
    {"1abc://x/y", 0, "not a URI"},
    {"cluster-a", 0, "not a URI"},
    {"local:///tmp/a b", 0, "space, control or non-ASCII byte at offset 14"},
    {"local:///tmp/\xc3\x28", 0, "non-ASCII"},
    {"local:///tmp/\x01", 0, "control"},
};

static void test_values (void)
{
    for (size_t i = 0; i < sizeof (rows) / sizeof (rows[0]); i++) {
        flux_error_t error = {.text = ""};
        int rc = delegate_value_check (rows[i].value, &error);
        char v[64];
        /* keep the TAP output printable */
        snprintf (v, sizeof (v), "%s", rows[i].value ? rows[i].value : "(null)");
        for (char *c = v; *c; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                *c = '?';
        if (rows[i].ok)
            ok (rc == 0, "accepted: %s", v);
        else
            ok (rc < 0 && strstr (error.text, rows[i].msg) != NULL,
                "rejected: %s (%s)",
                v,
                rows[i].msg);
    }
}

static void test_long_value (void)
{
    flux_error_t error = {.text = ""};
    size_t n = 8192;
    char *s = malloc (n + 1);

    memset (s, 'a', n);
    memcpy (s, "local:///", 9);
    s[n] = '\0';
    ok (delegate_value_check (s, &error) < 0 && strstr (error.text, "longer than"),
        "an 8 KiB value is rejected (%s)",
        error.text);
    free (s);
}

static void test_durations (void)
{
    double d = 0.;

    ok (delegate_duration_parse ("10", &d) == 0 && d == 10., "10 is 10s");
    ok (delegate_duration_parse ("2.5s", &d) == 0 && d == 2.5, "2.5s");
    ok (delegate_duration_parse ("500ms", &d) == 0 && d == 0.5, "500ms");
    ok (delegate_duration_parse ("1m", &d) == 0 && d == 60., "1m");
    ok (delegate_duration_parse ("1h", &d) == 0 && d == 3600., "1h");
    ok (delegate_duration_parse ("0", &d) < 0, "0 is rejected");
    ok (delegate_duration_parse ("-1", &d) < 0, "-1 is rejected");
    ok (delegate_duration_parse ("10x", &d) < 0, "10x is rejected");
    ok (delegate_duration_parse ("", &d) < 0, "empty is rejected");
    ok (delegate_duration_parse (NULL, &d) < 0, "NULL is rejected");
    ok (delegate_duration_parse ("inf", &d) < 0, "inf is rejected");
}

int main (int argc, char **argv)
{
    test_values ();
    test_long_value ();
    test_durations ();
    return done_testing ();
}
