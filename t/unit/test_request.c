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
    ok (request_check (dc, v, 6, 5, false, &error) == 0,
        "another user than the owner, a configured label: accepted");
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

/* Targets a and b are configured; "a" accepts other users' jobs, with
 * queue "batch"; "b" does not.
 */
static const char *fake_refusal (const char *uri, const char *queue, void *arg)
{
    (*(int *)arg)++;
    if (strcmp (uri, "local:///a") != 0)
        return "does not accept other users' jobs";
    if (queue && strcmp (queue, "batch") != 0)
        return "has no such queue";
    return NULL;
}

static int other (struct delegate_conf *dc,
                  const char *value,
                  const char *system,
                  flux_error_t *error)
{
    char text[512];
    json_t *v = json_string (value);
    json_t *jobspec;
    int calls = 0;
    int rc;

    snprintf (text, sizeof (text), "{\"attributes\":{\"system\":%s}}", system);
    jobspec = load (text);
    rc = request_check_other_user (dc, v, jobspec, fake_refusal, &calls, error);
    json_decref (jobspec);
    json_decref (v);
    return rc < 0 ? rc : calls;
}

static void test_other_user (void)
{
    json_t *conf = load (
        "{\"delegate\":[{\"uri\":\"local:///a\",\"label\":\"a\"},"
        "{\"uri\":\"local:///b\",\"label\":\"b\"}]}");
    struct delegate_conf *dc = delegate_conf_parse (conf, NULL);
    json_t *v = json_string ("local:///elsewhere");
    flux_error_t error;

    ok (request_check (dc, v, 6, 5, false, &error) < 0
            && strstr (error.text,
                       "local:///elsewhere: not a configured target (another"
                       " user's job may go only to one)"),
        "another user, a URI not configured: refused, saying why");
    ok (request_check (dc, v, 5, 5, false, &error) == 0,
        "the owner, the same URI: accepted");
    json_decref (v);
    ok (other (dc, "a", "{}", &error) == 1, "an accepting target by label: taken");
    ok (other (dc, "local:///a", "{}", &error) == 1, "and by URI");
    ok (other (dc, "b", "{}", &error) < 0
            && strstr (error.text, "b does not accept other users' jobs"),
        "a target that does not accept: refused, saying why");
    ok (other (dc, "a", "{\"queue\":\"batch\"}", &error) == 1,
        "a queue the target has: taken");
    ok (other (dc, "a", "{\"queue\":\"debug\"}", &error) < 0
            && strstr (error.text, "a has no such queue debug"),
        "a queue the target lacks: refused, naming it");
    ok (other (dc,
               "a",
               "{\"dependencies\":[{\"scheme\":\"afterok\",\"value\":\"f1\"}]}",
               &error)
                < 0
            && strstr (error.text,
                       "its dependency afterok:f1 names a job of this instance"),
        "an afterok dependency: refused, naming it");
    ok (other (dc,
               "a",
               "{\"dependencies\":[{\"scheme\":\"begin-time\",\"value\":\"1\"}]}",
               &error)
            == 1,
        "a begin-time dependency travels");
    ok (other (dc, "round_robin", "{}", &error) >= 1,
        "a policy with an accepting target: taken");
    ok (other (dc, "assign:1", "{}", &error) < 0
            && strstr (error.text,
                       "no target of assign:1 takes other users' jobs (it must"
                       " accept them and be connected)"),
        "a policy whose only target does not accept: refused");
    ok (other (dc, "round_robin", "{\"queue\":\"debug\"}", &error) < 0
            && strstr (error.text, "in queue debug"),
        "a policy with no target with the queue: refused, naming it");
    delegate_conf_destroy (dc);
    json_decref (conf);
}

int main (int argc, char **argv)
{
    test_find ();
    test_check ();
    test_other_user ();
    return done_testing ();
}

// vi:ts=4 sw=4 expandtab
