/* SPDX-License-Identifier: LGPL-3.0 */

/* test_request.c - the delegate request of a job, checked at submission
 */

#include "src/plugin/request.h"
#include "tap.h"
#include "tap_json.h"

static char found[64];  // the value request_find() found, or ""

static int find (const char *jobspec, const char **value, flux_error_t *error)
{
    json_t *o = load (jobspec);
    json_t *v = NULL;
    int rc = request_find (o, &v, error);

    snprintf (found, sizeof (found), "%s", v ? json_string_value (v) : "");
    *value = found;
    json_decref (o);
    return rc;
}

static void test_find (void)
{
    flux_error_t error;
    const char *value;

    ok (find ("{\"attributes\":{\"system\":{}}}", &value, &error) == 0,
        "no request: 0");
    ok (find ("{\"attributes\":{\"system\":{\"dependencies\":"
              "[{\"scheme\":\"afterok\",\"value\":\"f1\"}]}}}",
              &value,
              &error)
            == 0,
        "another dependency only: 0");
    ok (find ("{\"attributes\":{\"system\":{\"dependencies\":"
              "[{\"scheme\":\"afterok\",\"value\":\"f1\"},"
              "{\"scheme\":\"delegate\",\"value\":\"b\"}]}}}",
              &value,
              &error)
                == 1
            && !strcmp (value, "b"),
        "a delegate dependency: 1, its value");
    ok (find ("{\"attributes\":{\"system\":{\"delegate\":\"assign:0\"}}}",
              &value,
              &error)
                == 1
            && !strcmp (value, "assign:0"),
        "system.delegate: 1, its value");
    ok (find ("{\"attributes\":{\"system\":{\"delegate\":\"a\",\"dependencies\":"
              "[{\"scheme\":\"delegate\",\"value\":\"b\"}]}}}",
              &value,
              &error)
                == -1
            && strstr (error.text, "not both"),
        "both forms: refused, not both");
    ok (find ("{\"attributes\":{\"system\":{\"dependencies\":"
              "[{\"scheme\":\"delegate\",\"value\":\"a\"},"
              "{\"scheme\":\"delegate\",\"value\":\"b\"}]}}}",
              &value,
              &error)
                == -1
            && strstr (error.text, "only one target"),
        "two delegate dependencies: refused");
}

static void test_check (void)
{
    flux_error_t error;
    json_t *conf =
        load ("{\"delegate\":[{\"uri\":\"local:///tmp/b\",\"label\":\"b\"}]}");
    struct delegate_conf *dc = delegate_conf_parse (conf, &error);
    json_t *v;

    if (!dc) {
        printf ("Bail out! %s\n", error.text);
        exit (1);
    }
    v = json_string ("b");
    ok (request_check (dc, v, 5, 5, false, &error) == 0,
        "a configured label: accepted");
    ok (request_check (dc, v, 6, 5, false, &error) < 0
            && strstr (error.text, "only the instance owner may delegate"),
        "another user than the owner: refused");
    json_decref (v);
    v = json_string ("c");
    ok (request_check (dc, v, 5, 5, false, &error) < 0
            && strstr (error.text, "unknown target label 'c' (configured labels: b)"),
        "an unknown label: refused, the labels listed");
    json_decref (v);
    v = json_integer (3);
    ok (request_check (dc, v, 5, 5, false, &error) < 0
            && strstr (error.text, "must be a string"),
        "a number: refused");
    json_decref (v);
    v = json_string ("local:///tmp/other");
    ok (request_check (dc, v, 5, 5, false, &error) == 0, "a free-form URI: accepted");
    ok (request_check (dc, v, 5, 5, true, &error) < 0
            && strstr (error.text,
                       "not a configured target, and only-configured is on"),
        "a free-form URI with only-configured: refused");
    json_decref (v);
    v = json_string ("local:///tmp/b");
    ok (request_check (dc, v, 5, 5, true, &error) == 0,
        "a configured URI with only-configured: accepted");
    json_decref (v);
    v = json_string ("assign:x");
    ok (request_check (dc, v, 5, 5, false, &error) < 0
            && strstr (error.text, "must be a number"),
        "a malformed value: refused with the value's error");
    json_decref (v);
    delegate_conf_destroy (dc);
    json_decref (conf);
}

int main (int argc, char **argv)
{
    test_find ();
    test_check ();
    return done_testing ();
}

// vi:ts=4 sw=4 expandtab
