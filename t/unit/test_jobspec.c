/* SPDX-License-Identifier: LGPL-3.0 */

/* test_jobspec.c - the copy sent to the target, the source exec block
 * and the source R
 */

#include <stdlib.h>
#include <string.h>

#include "src/plugin/jobspec.h"
#include "tap.h"
#include "tap_json.h"

static const char *current_js =
    "{\"version\":1,\"resources\":[],\"tasks\":[],"
    "\"attributes\":{\"system\":{\"duration\":60,"
    "\"dependencies\":[{\"scheme\":\"delegate\",\"value\":\"local:///x\"},"
    "{\"scheme\":\"afterok\",\"value\":\"f123\"}],"
    "\"delegate\":\"cluster-a\","
    "\"exec\":{\"test\":{\"override\":1,\"run_duration\":\"3650d\"}},"
    "\"shell\":{\"options\":{\"verbose\":1}}},"
    "\"user\":{\"tag\":\"x\"}}}";

static const char *submitted_js =
    "{\"version\":1,\"resources\":[],\"tasks\":[],"
    "\"attributes\":{\"system\":{\"duration\":30,"
    "\"environment\":{\"HOME\":\"/h\",\"PATH\":\"/bin\"}}}}";

static void test_remote_copy (void)
{
    json_t *current = load (current_js);
    json_t *submitted = load (submitted_js);
    json_t *origin = load ("{\"uri\":\"local:///src\",\"jobid\":42}");
    json_t *copy;
    json_t *system;
    flux_error_t error;

    copy = delegate_jobspec_remote (current, submitted, origin, &error);
    ok (copy != NULL, "remote copy built");
    system = json_object_get (json_object_get (copy, "attributes"), "system");
    ok (json_object_get (system, "dependencies") == NULL, "dependencies removed");
    ok (json_object_get (system, "delegate") == NULL, "system.delegate removed");
    ok (json_object_get (system, "exec") == NULL,
        "the source's exec test block is not sent (the submitted job had none)");
    ok (json_equal (json_object_get (system, "environment"),
                    json_object_get (json_object_get (json_object_get (submitted,
                                                                       "attributes"),
                                                      "system"),
                                     "environment")),
        "environment comes from the submitted jobspec");
    ok (json_integer_value (json_object_get (system, "duration")) == 60,
        "other attributes come from the current jobspec (updates kept)");
    ok (json_object_get (system, "shell") != NULL, "shell options kept");
    ok (json_equal (json_object_get (system, "delegate_origin"), origin),
        "origin recorded in attributes.system.delegate_origin");
    ok (json_object_get (json_object_get (json_object_get (current, "attributes"),
                                          "system"),
                         "dependencies")
            != NULL,
        "the current jobspec is not modified");
    json_decref (copy);

    copy = delegate_jobspec_remote (current, submitted, NULL, &error);
    system = json_object_get (json_object_get (copy, "attributes"), "system");
    ok (copy && json_object_get (system, "delegate_origin") == NULL,
        "no origin given, none recorded");
    json_decref (copy);

    ok (delegate_jobspec_remote (load ("[]"), submitted, NULL, &error) == NULL
            && strstr (error.text, "not an object"),
        "a jobspec that is not an object is refused (%s)",
        error.text);
    ok (delegate_jobspec_remote (load ("{\"version\":1}"), submitted, NULL, &error)
                == NULL
            && strstr (error.text, "attributes.system"),
        "a jobspec without attributes.system is refused (%s)",
        error.text);
    json_decref (current);
    json_decref (submitted);
    json_decref (origin);
}

static void test_user_exec_kept (void)
{
    json_t *current = load (current_js);
    json_t *submitted = load (
        "{\"attributes\":{\"system\":{\"exec\":{\"test\":{\"run_duration\":\"1s\"}}}}"
        "}");
    json_t *copy = delegate_jobspec_remote (current, submitted, NULL, NULL);
    json_t *exec =
        json_object_get (json_object_get (json_object_get (copy, "attributes"),
                                          "system"),
                         "exec");

    ok (json_equal (exec,
                    json_object_get (json_object_get (json_object_get (submitted,
                                                                       "attributes"),
                                                      "system"),
                                     "exec")),
        "the exec block the user submitted is what the target gets");
    json_decref (copy);
    json_decref (current);
    json_decref (submitted);
}

static void test_exec_test (void)
{
    json_t *test = delegate_exec_test_create ();

    ok (test != NULL && json_integer_value (json_object_get (test, "override")) == 1
            && !strcmp (json_string_value (json_object_get (test, "run_duration")),
                        DELEGATE_RUN_DURATION),
        "exec test block has override and a finite run_duration");
    json_decref (test);
}

static void test_source_R (void)
{
    json_t *remote = load (
        "{\"version\":1,\"execution\":{\"R_lite\":[{\"rank\":\"3-4\","
        "\"children\":{\"core\":\"0-1\"}}],\"nodelist\":[\"far[3-4]\"],"
        "\"starttime\":100.0,\"expiration\":160.0}}");
    json_t *R;
    json_t *execution;
    flux_error_t error;

    R = delegate_source_R (remote, &error);
    execution = json_object_get (R, "execution");
    ok (R && json_real_value (json_object_get (execution, "expiration")) == 0.,
        "source R has no expiration");
    ok (json_equal (json_object_get (execution, "nodelist"),
                    json_object_get (json_object_get (remote, "execution"),
                                     "nodelist")),
        "source R keeps the remote nodelist");
    ok (json_real_value (
            json_object_get (json_object_get (remote, "execution"), "expiration"))
            == 160.,
        "remote R is not modified");
    ok (delegate_source_R (load ("{\"version\":1}"), &error) == NULL
            && strstr (error.text, "R_lite"),
        "R without execution.R_lite is refused (%s)",
        error.text);
    json_decref (R);
    json_decref (remote);
}

static void test_queue (void)
{
    json_t *with =
        json_pack ("{s:{s:{s:s}}}", "attributes", "system", "queue", "batch");
    json_t *without = json_pack ("{s:{s:{}}}", "attributes", "system");
    const char *q = delegate_jobspec_queue (with);

    ok (q && !strcmp (q, "batch"), "the queue a job asks for is read");
    ok (delegate_jobspec_queue (without) == NULL, "no queue: NULL");
    ok (delegate_jobspec_queue (NULL) == NULL, "no jobspec: NULL");
    json_decref (with);
    json_decref (without);
}

static void test_with_key (void)
{
    const char *copy =
        "{\"attributes\":{\"system\":{\"delegate_origin\":"
        "{\"jobid\":1,\"key\":\"I/1/1\"}}}}";
    char *s = delegate_jobspec_with_key (copy, "I/1/1/2");
    json_t *o = s ? json_loads (s, 0, NULL) : NULL;
    const char *key = NULL;
    int jobid = 0;

    (void)json_unpack (o,
                       "{s:{s:{s:{s:s s:i}}}}",
                       "attributes",
                       "system",
                       "delegate_origin",
                       "key",
                       &key,
                       "jobid",
                       &jobid);
    ok (key && !strcmp (key, "I/1/1/2") && jobid == 1,
        "a sibling's copy gets its own key, the rest of its origin kept");
    json_decref (o);
    free (s);
    ok (delegate_jobspec_with_key ("{\"attributes\":{\"system\":{}}}", "k") == NULL,
        "a jobspec without delegate_origin: NULL");
    ok (delegate_jobspec_with_key ("not json", "k") == NULL, "not JSON: NULL");
}

int main (int argc, char **argv)
{
    test_queue ();
    test_with_key ();
    test_remote_copy ();
    test_user_exec_kept ();
    test_exec_test ();
    test_source_R ();
    return done_testing ();
}
