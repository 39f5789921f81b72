/* SPDX-License-Identifier: LGPL-3.0 */

/* test_conf.c - parsing the [[delegate]] targets of the instance configuration
 */

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "src/plugin/conf.h"
#include "tap.h"
#include "tap_json.h"

/* Parse 's', first in a child process so that a crash in the parser
 * fails the test points that use it rather than the whole program:
 * then NULL is returned with the signal in 'error'.
 */
static struct delegate_conf *parse (const char *s, flux_error_t *error)
{
    json_t *o = load (s);
    struct delegate_conf *dc = NULL;
    pid_t pid;
    int status = 0;

    fflush (stdout);
    if ((pid = fork ()) == 0) {
        delegate_conf_destroy (delegate_conf_parse (o, NULL));
        _exit (0);
    }
    if (pid < 0 || waitpid (pid, &status, 0) < 0) {
        printf ("Bail out! cannot fork\n");
        exit (1);
    }
    if (WIFSIGNALED (status)) {
        snprintf (error->text,
                  sizeof (error->text),
                  "delegate_conf_parse crashed (signal %d)",
                  WTERMSIG (status));
        printf ("#   %s on %s\n", error->text, s);
    } else {
        error->text[0] = '\0';
        dc = delegate_conf_parse (o, error);
    }
    json_decref (o);  // the result must not point into the configuration
    return dc;
}

static void test_tables (void)
{
    flux_error_t error;
    struct delegate_conf *dc = parse (
        "{\"delegate\":["
        "{\"uri\":\"ssh://login1/run/flux/local\",\"label\":\"cluster-a\"},"
        "{\"uri\":\"local:///tmp/b/local-0\",\"max-jobs\":25},"
        "{\"label\":\"site.c_2\",\"uri\":\"ssh://u@c:2222/s\"}"
        "],\"other\":{\"x\":1}}",
        &error);

    ok (dc != NULL, "[[delegate]] tables are parsed (%s)", dc ? "" : error.text);
    if (!dc)
        return;
    ok (dc->count == 3, "three targets");
    is_str (dc->targets[0].uri, "ssh://login1/run/flux/local", "target 0 uri");
    is_str (dc->targets[0].label, "cluster-a", "target 0 label");
    is_str (dc->targets[1].uri, "local:///tmp/b/local-0", "target 1 uri");
    ok (dc->targets[1].label == NULL, "target 1 has no label");
    ok (dc->targets[1].max_jobs == 25 && dc->targets[0].max_jobs == 0,
        "target 1 max-jobs 25, target 0 no limit (0)");
    is_str (dc->targets[2].uri, "ssh://u@c:2222/s", "target 2 uri");
    is_str (dc->targets[2].label, "site.c_2", "target 2 label");

    ok (delegate_conf_find_label (dc, "cluster-a") == 0, "find_label cluster-a is 0");
    ok (delegate_conf_find_label (dc, "site.c_2") == 2, "find_label site.c_2 is 2");
    ok (delegate_conf_find_label (dc, "cluster") == -1, "find_label of a prefix is -1");
    ok (delegate_conf_find_label (dc, "nope") == -1, "find_label of an unknown is -1");
    ok (delegate_conf_find_label (dc, NULL) == -1, "find_label NULL is -1");
    ok (delegate_conf_find_uri (dc, "local:///tmp/b/local-0") == 1, "find_uri is 1");
    ok (delegate_conf_find_uri (dc, "ssh://u@c:2222/s") == 2, "find_uri is 2");
    ok (delegate_conf_find_uri (dc, "local:///tmp/b") == -1,
        "find_uri of a prefix is -1");
    ok (delegate_conf_find_uri (dc, "cluster-a") == -1,
        "find_uri does not match a label");
    ok (delegate_conf_find_uri (dc, NULL) == -1, "find_uri NULL is -1");
    ok (delegate_conf_find_uri (NULL, "local:///tmp/b/local-0") == -1
            && delegate_conf_find_label (NULL, "cluster-a") == -1,
        "find on a NULL configuration is -1");
    delegate_conf_destroy (dc);
}

static void test_legacy (void)
{
    flux_error_t error;
    struct delegate_conf *dc =
        parse ("{\"delegate\":[\"local:///tmp/u0\",\"ssh://h/u1\"]}", &error);

    ok (dc != NULL && dc->count == 2, "legacy delegate = [URI, URI]: two targets");
    if (!dc)
        return;
    is_str (dc->targets[0].uri, "local:///tmp/u0", "legacy target 0 uri");
    is_str (dc->targets[1].uri, "ssh://h/u1", "legacy target 1 uri");
    ok (dc->targets[0].label == NULL && dc->targets[1].label == NULL,
        "legacy targets have no label");
    ok (delegate_conf_find_uri (dc, "ssh://h/u1") == 1, "legacy find_uri is 1");
    ok (delegate_conf_find_label (dc, "ssh://h/u1") == -1,
        "legacy find_label of a URI is -1");
    delegate_conf_destroy (dc);
}

/* delegate_conf_destroy (NULL), in a child process: true if it returned
 * (the child exited 0), false if it crashed.
 */
static bool destroy_null_exits (void)
{
    pid_t pid;
    int status = 0;

    fflush (stdout);
    if ((pid = fork ()) == 0) {
        delegate_conf_destroy (NULL);
        _exit (0);
    }
    return pid > 0 && waitpid (pid, &status, 0) == pid && WIFEXITED (status)
           && WEXITSTATUS (status) == 0;
}

static void test_empty (void)
{
    flux_error_t error;
    struct delegate_conf *dc;

    dc = parse ("{}", &error);
    ok (dc != NULL && dc->count == 0, "no delegate key: 0 targets");
    ok (delegate_conf_find_label (dc, "a") == -1
            && delegate_conf_find_uri (dc, "a") == -1,
        "nothing is found in an empty configuration");
    delegate_conf_destroy (dc);

    dc = parse ("{\"tbon\":{\"fanout\":2}}", &error);
    ok (dc != NULL && dc->count == 0, "other keys only: 0 targets");
    delegate_conf_destroy (dc);

    dc = parse ("{\"delegate\":[]}", &error);
    ok (dc != NULL && dc->count == 0, "delegate = []: 0 targets");
    delegate_conf_destroy (dc);

    ok (destroy_null_exits (), "delegate_conf_destroy (NULL) returns (in a child)");
}

struct bad {
    const char *conf;
    const char *key;   // the key the error must name
    const char *what;  // and the problem
};

static const struct bad bads[] = {
    {"{\"delegate\":\"local:///tmp/x\"}", "delegate:", "expected [[delegate]] tables"},
    {"{\"delegate\":{\"uri\":\"local:///tmp/x\"}}", "delegate:", "an array of URIs"},
    {"{\"delegate\":42}", "delegate:", "expected"},
    {"{\"delegate\":[\"local:///tmp/x\",42]}",
     "delegate[1]:",
     "expected a table or a URI string"},
    {"{\"delegate\":[[\"local:///tmp/x\"]]}",
     "delegate[0]:",
     "expected a table or a URI string"},
    {"{\"delegate\":[null]}", "delegate[0]:", "expected a table or a URI string"},
    {"{\"delegate\":[{\"uri\":\"local:///tmp/x\"},{\"label\":\"b\"}]}",
     "delegate[1]:",
     "the key 'uri' is required"},
    {"{\"delegate\":[{}]}", "delegate[0]:", "the key 'uri' is required"},
    {"{\"delegate\":[{\"uri\":7}]}", "delegate[0].uri:", "must be a string"},
    {"{\"delegate\":[{\"uri\":[\"local:///tmp/x\"]}]}",
     "delegate[0].uri:",
     "must be a string"},
    {"{\"delegate\":[{\"uri\":\"tcp://h:1\"}]}",
     "delegate[0].uri:",
     "unsupported URI scheme 'tcp'"},
    {"{\"delegate\":[{\"uri\":\"local:///tmp/x\"},{\"uri\":\"cluster-a\"}]}",
     "delegate[1].uri:",
     "not a URI"},
    {"{\"delegate\":[\"local:///tmp/x\",\"ssh://host\"]}",
     "delegate[1].uri:",
     "needs a host and a socket path"},
    {"{\"delegate\":[{\"uri\":\"\"}]}", "delegate[0].uri:", "empty"},
    {"{\"delegate\":[{\"uri\":\"local:///tmp/x\",\"lable\":\"a\"}]}",
     "delegate[0]:",
     "unknown key 'lable'"},
    {"{\"delegate\":[{\"uri\":\"local:///tmp/x\"},"
     "{\"uri\":\"local:///tmp/y\",\"weight\":2}]}",
     "delegate[1]:",
     "unknown key 'weight'"},
    {"{\"delegate\":[{\"uri\":\"local:///tmp/x\",\"label\":3}]}",
     "delegate[0].label:",
     "must be a string"},
    {"{\"delegate\":[{\"uri\":\"local:///tmp/x\"},"
     "{\"uri\":\"local:///tmp/y\",\"label\":true}]}",
     "delegate[1].label:",
     "must be a string"},
    {"{\"delegate\":[{\"uri\":\"local:///tmp/x\",\"label\":\"a/b\"}]}",
     "delegate[0].label:",
     "only letters, digits"},
    {"{\"delegate\":[{\"uri\":\"local:///tmp/x\",\"label\":\"assign:1\"}]}",
     "delegate[0].label:",
     "only letters, digits"},
    {"{\"delegate\":[{\"uri\":\"local:///tmp/x\",\"label\":\"\"}]}",
     "delegate[0].label:",
     "empty"},
    {"{\"delegate\":[{\"uri\":\"local:///tmp/x\",\"label\":\"random\"}]}",
     "delegate[0].label:",
     "'random' is a policy name"},
    {"{\"delegate\":[{\"uri\":\"local:///tmp/x\",\"label\":\"a\"},"
     "{\"uri\":\"local:///tmp/y\",\"label\":\"assign\"}]}",
     "delegate[1].label:",
     "'assign' is a policy name"},
    {"{\"delegate\":[{\"uri\":\"local:///tmp/x\",\"label\":\"earliest_start\"}]}",
     "delegate[0].label:",
     "is a policy name"},
    {"{\"delegate\":[{\"uri\":\"local:///tmp/x\",\"label\":\"a\"},"
     "{\"uri\":\"local:///tmp/y\"},"
     "{\"uri\":\"local:///tmp/z\",\"label\":\"a\"}]}",
     "delegate[2].label:",
     "'a' is used twice"},
    {"{\"delegate\":[{\"uri\":\"local:///tmp/x\"},{\"uri\":\"local:///tmp/x\"}]}",
     "delegate[1].uri:",
     "local:///tmp/x is configured twice"},
    {"{\"delegate\":[\"ssh://h/s\",\"local:///tmp/y\",\"ssh://h/s\"]}",
     "delegate[2].uri:",
     "ssh://h/s is configured twice"},
    {"{\"delegate\":[{\"uri\":\"ssh://h/s\",\"label\":\"a\"},"
     "{\"uri\":\"ssh://h/s\",\"label\":\"b\"}]}",
     "delegate[1].uri:",
     "configured twice"},
    {"{\"delegate\":[{\"uri\":\"ssh://h/s\",\"max-jobs\":0}]}",
     "delegate[0].max-jobs:",
     "must be an integer from 1"},
    {"{\"delegate\":[{\"uri\":\"ssh://h/s\",\"max-jobs\":\"10\"}]}",
     "delegate[0].max-jobs:",
     "must be an integer"},
    {"{\"delegate\":[{\"uri\":\"ssh://h/s\",\"max-jobs\":2.5}]}",
     "delegate[0].max-jobs:",
     "must be an integer"},
};

static void test_errors (void)
{
    for (size_t i = 0; i < sizeof (bads) / sizeof (bads[0]); i++) {
        flux_error_t error;
        struct delegate_conf *dc = parse (bads[i].conf, &error);

        ok (dc == NULL && !strncmp (error.text, bads[i].key, strlen (bads[i].key))
                && strstr (error.text, bads[i].what) != NULL,
            "refused, %s %s",
            bads[i].key,
            bads[i].what);
        if (dc || !strstr (error.text, bads[i].what))
            printf ("#   conf: %s\n#   error: %s\n", bads[i].conf, error.text);
        delegate_conf_destroy (dc);
    }
}

static void test_copy (void)
{
    flux_error_t error;
    struct delegate_conf *dc = parse (
        "{\"delegate\":[{\"uri\":\"local:///tmp/c0\",\"label\":\"c0\"},"
        "{\"uri\":\"ssh://h/c1\"}]}",
        &error);
    struct delegate_conf *copy = dc ? delegate_conf_copy (dc) : NULL;

    ok (copy != NULL && copy != dc && copy->count == 2 && copy->targets != dc->targets,
        "delegate_conf_copy makes a new configuration");
    if (copy) {
        ok (copy->targets[0].uri != dc->targets[0].uri
                && copy->targets[0].label != dc->targets[0].label,
            "the copy has its own strings");
        delegate_conf_destroy (dc);
        dc = NULL;
        is_str (copy->targets[0].uri, "local:///tmp/c0", "copy target 0 uri");
        is_str (copy->targets[0].label, "c0", "copy target 0 label");
        is_str (copy->targets[1].uri, "ssh://h/c1", "copy target 1 uri");
        ok (copy->targets[1].label == NULL, "copy target 1 has no label");
        ok (delegate_conf_find_label (copy, "c0") == 0
                && delegate_conf_find_uri (copy, "ssh://h/c1") == 1,
            "the copy outlives the original");
    }
    delegate_conf_destroy (copy);
    delegate_conf_destroy (dc);
}

static void test_no_errp (void)
{
    json_t *o = load ("{\"delegate\":[42]}");

    ok (delegate_conf_parse (o, NULL) == NULL, "an error without errp is still -1");
    json_decref (o);
}

int main (int argc, char **argv)
{
    test_tables ();
    test_legacy ();
    test_empty ();
    test_errors ();
    test_copy ();
    test_no_errp ();
    return done_testing ();
}
