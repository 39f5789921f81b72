/* SPDX-License-Identifier: LGPL-3.0 */

/* test_value.c - the delegate value, label, policy name and duration parsers
 */

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "src/plugin/value.h"
#include "tap.h"

struct row {
    const char *value;
    int ok;
    enum delegate_kind kind;      // when ok
    enum delegate_policy policy;  // when ok
    int assign;                   // when ok: N of assign:N, K of siblings:K
    const char *msg;              // substring of the error when !ok
};

#define URI(v)                                   \
    {                                            \
        v, 1, DELEGATE_URI, POLICY_NONE, 0, NULL \
    }
#define POLICY(v, p, n)                   \
    {                                     \
        v, 1, DELEGATE_POLICY, p, n, NULL \
    }
#define LABEL(v)                                   \
    {                                              \
        v, 1, DELEGATE_LABEL, POLICY_NONE, 0, NULL \
    }
#define BAD(v, m)                  \
    {                              \
        v, 0, 0, POLICY_NONE, 0, m \
    }

static const struct row rows[] = {
    /* URIs */
    URI ("local:///tmp/flux-abc/local-0"),
    URI ("ssh://host/tmp/flux-abc/local-0"),
    URI ("ssh://user@host:2222/tmp/s"),
    URI ("ssh://127.0.0.1:22/tmp/s"),
    URI ("ssh://host:65535/tmp/s"),
    BAD ("local://", "absolute socket path"),
    BAD ("local:///", "socket path is missing"),
    BAD ("local://relative/path", "absolute socket path"),
    BAD ("ssh://", "needs a host and a socket path"),
    BAD ("ssh://host", "needs a host and a socket path"),
    BAD ("ssh://host/", "socket path is missing"),
    BAD ("ssh:///tmp/s", "host name is missing"),
    BAD ("ssh://@host/tmp/s", "user name before '@' is empty"),
    BAD ("ssh://host:/tmp/s", "port must be a number"),
    BAD ("ssh://host:0/tmp/s", "port must be a number"),
    BAD ("ssh://host:65536/tmp/s", "port must be a number"),
    BAD ("ssh://host:22a/tmp/s", "port must be a number"),
    BAD ("tcp://host:1234", "unsupported URI scheme 'tcp'"),
    BAD ("://x", "not a URI"),
    BAD ("1abc://x/y", "not a URI"),
    /* policies */
    POLICY ("random", POLICY_RANDOM, 0),
    POLICY ("round_robin", POLICY_ROUND_ROBIN, 0),
    POLICY ("least_pending", POLICY_LEAST_PENDING, 0),
    POLICY ("shortest_match", POLICY_SHORTEST_MATCH, 0),
    POLICY ("earliest_start", POLICY_EARLIEST_START, 0),
    POLICY ("assign:0", POLICY_ASSIGN, 0),
    POLICY ("assign:12", POLICY_ASSIGN, 12),
    POLICY ("assign:007", POLICY_ASSIGN, 7),
    BAD ("assign", "assign needs a target index: assign:N"),
    BAD ("assign:", "assign needs a target index: assign:N"),
    BAD ("assign:x", "must be a number >= 0"),
    BAD ("assign:-1", "must be a number >= 0"),
    BAD ("assign:1.5", "must be a number >= 0"),
    BAD ("assign:1:2", "must be a number >= 0"),
    BAD ("assign: 1", "space, control or non-ASCII byte at offset 7"),
    BAD ("assign:99999999999999999999", "assign:99999999999999999999"),
    BAD ("random:1", "not a URI"),
    POLICY ("siblings", POLICY_SIBLINGS, 0),
    POLICY ("siblings:1", POLICY_SIBLINGS, 1),
    POLICY ("siblings:3", POLICY_SIBLINGS, 3),
    POLICY ("siblings:64", POLICY_SIBLINGS, 64),
    BAD ("siblings:0", "the count of siblings:K must be a number from 1 to 64"),
    BAD ("siblings:65", "the count of siblings:K must be a number from 1 to 64"),
    BAD ("siblings:", "the count of siblings:K must be a number from 1 to 64"),
    BAD ("siblings:x", "the count of siblings:K must be a number from 1 to 64"),
    /* labels */
    LABEL ("cluster-a"),
    LABEL ("cluster_b"),
    LABEL ("site.cluster"),
    LABEL ("A1-b_2.c"),
    LABEL ("x"),
    LABEL ("Random"),
    LABEL ("randomly"),
    LABEL ("assigned"),
    BAD ("cluster/a", "not a URI"),
    BAD ("cluster!", "not a URI"),
    BAD ("cluster:a", "not a URI"),
    BAD ("a/b/c", "a policy or a label"),
    /* 65 characters: one too many for a label */
    BAD ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "not a URI"),
    /* empty, bad bytes */
    BAD ("", "no target given"),
    BAD (NULL, "no target given"),
    BAD ("local:///tmp/a b", "space, control or non-ASCII byte at offset 14"),
    BAD ("local:///tmp/\xc3\x28", "non-ASCII"),
    BAD ("local:///tmp/\x01", "control"),
    BAD ("clu\xffster", "non-ASCII byte at offset 3"),
    BAD ("a\tb", "control or non-ASCII byte at offset 1"),
    BAD ("random\x7f", "at offset 6"),
    BAD (" random", "at offset 0"),
};

static void printable (char *buf, size_t size, const char *s)
{
    snprintf (buf, size, "%s", s ? s : "(null)");
    for (char *c = buf; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            *c = '?';
}

static void test_values (void)
{
    for (size_t i = 0; i < sizeof (rows) / sizeof (rows[0]); i++) {
        const struct row *r = &rows[i];
        flux_error_t error = {.text = ""};
        struct delegate_request req;
        int rc;
        char v[80];

        memset (&req, 0xff, sizeof (req));
        rc = delegate_value_parse (r->value, &req, &error);
        printable (v, sizeof (v), r->value);
        if (r->ok) {
            ok (rc == 0 && req.kind == r->kind && req.text == r->value
                    && (r->kind != DELEGATE_POLICY
                        || (req.policy == r->policy
                            && (r->policy != POLICY_ASSIGN || req.assign == r->assign)
                            && (r->policy != POLICY_SIBLINGS
                                || req.siblings == r->assign))),
                "accepted: %s (kind %d policy %s assign %d)",
                v,
                r->kind,
                delegate_policy_name (r->policy),
                r->assign);
            if (rc != 0)
                printf ("#   error: %s\n", error.text);
        } else {
            ok (rc < 0 && strstr (error.text, r->msg) != NULL,
                "rejected: %s (%s)",
                v,
                r->msg);
            if (rc == 0 || !strstr (error.text, r->msg))
                printf ("#   rc %d, error: %s\n", rc, error.text);
        }
    }
}

static void test_long_values (void)
{
    flux_error_t error = {.text = ""};
    struct delegate_request req;
    size_t n = 8192;
    char *s = malloc (n + 1);

    memset (s, 'a', n);
    s[n] = '\0';
    ok (delegate_value_parse (s, &req, &error) < 0
            && strstr (error.text, "longer than 1024 bytes"),
        "an 8 KiB label is rejected (%s)",
        error.text);

    memcpy (s, "local:///", 9);
    error.text[0] = '\0';
    ok (delegate_value_parse (s, &req, &error) < 0
            && strstr (error.text, "longer than 1024 bytes"),
        "an 8 KiB URI is rejected (%s)",
        error.text);

    s[DELEGATE_VALUE_MAX] = '\0';
    ok (delegate_value_parse (s, &req, &error) == 0 && req.kind == DELEGATE_URI,
        "a URI of exactly %d bytes is accepted",
        DELEGATE_VALUE_MAX);
    s[DELEGATE_VALUE_MAX] = 'a';
    s[DELEGATE_VALUE_MAX + 1] = '\0';
    ok (delegate_value_parse (s, &req, &error) < 0
            && strstr (error.text, "longer than"),
        "a URI of %d bytes is rejected",
        DELEGATE_VALUE_MAX + 1);
    free (s);
}

static void test_uri_check (void)
{
    flux_error_t error = {.text = ""};

    ok (delegate_uri_check ("ssh://h/p", &error) == 0, "uri_check: ssh://h/p");
    ok (delegate_uri_check ("cluster-a", &error) < 0
            && strstr (error.text, "not a URI"),
        "uri_check: a label is not a URI");
    ok (delegate_uri_check (NULL, &error) < 0 && strstr (error.text, "empty"),
        "uri_check: NULL is refused (%s)",
        error.text);
    ok (delegate_uri_check ("random", NULL) < 0, "uri_check: no errp is fine");
}

static void test_policy_names (void)
{
    static const char *names[] = {
        "random",
        "assign",
        "round_robin",
        "least_pending",
        "shortest_match",
        "earliest_start",
    };
    static const enum delegate_policy policies[] = {
        POLICY_RANDOM,
        POLICY_ASSIGN,
        POLICY_ROUND_ROBIN,
        POLICY_LEAST_PENDING,
        POLICY_SHORTEST_MATCH,
        POLICY_EARLIEST_START,
    };

    for (size_t i = 0; i < sizeof (names) / sizeof (names[0]); i++) {
        ok (delegate_is_policy_name (names[i]), "%s is a policy name", names[i]);
        is_str (delegate_policy_name (policies[i]),
                names[i],
                "policy %d is named %s",
                policies[i],
                names[i]);
    }
    is_str (delegate_policy_name (POLICY_NONE), "none", "POLICY_NONE is none");
    ok (!delegate_is_policy_name ("assign:1"), "assign:1 is not a policy name");
    ok (!delegate_is_policy_name ("Random"), "Random is not a policy name");
    ok (!delegate_is_policy_name ("round-robin"), "round-robin is not a policy name");
    ok (!delegate_is_policy_name ("cluster-a"), "cluster-a is not a policy name");
    ok (!delegate_is_policy_name (""), "the empty string is not a policy name");
    ok (!delegate_is_policy_name ("none"), "none is not a policy name");
}

static void test_labels (void)
{
    flux_error_t error = {.text = ""};
    char s[66];

    ok (delegate_label_check ("cluster-a", &error) == 0, "label cluster-a");
    ok (delegate_label_check ("a.b_c-D9", &error) == 0, "label a.b_c-D9");
    ok (delegate_label_check ("7", &error) == 0, "label 7");
    ok (delegate_label_check ("random", &error) == 0,
        "label_check checks only the syntax: random passes");
    memset (s, 'x', 64);
    s[64] = '\0';
    ok (delegate_label_check (s, &error) == 0, "a label of 64 characters");
    s[64] = 'x';
    s[65] = '\0';
    ok (delegate_label_check (s, &error) < 0 && strstr (error.text, "longer than 64"),
        "a label of 65 characters is refused (%s)",
        error.text);
    ok (delegate_label_check ("", &error) < 0 && strstr (error.text, "empty"),
        "the empty label is refused (%s)",
        error.text);
    ok (delegate_label_check (NULL, &error) < 0 && strstr (error.text, "empty"),
        "a NULL label is refused");
    ok (delegate_label_check ("a/b", &error) < 0 && strstr (error.text, "'a/b'")
            && strstr (error.text, "only letters, digits"),
        "label a/b is refused (%s)",
        error.text);
    ok (delegate_label_check ("a!", &error) < 0, "label a! is refused");
    ok (delegate_label_check ("a:1", &error) < 0, "label a:1 is refused");
    ok (delegate_label_check ("a b", &error) < 0, "label 'a b' is refused");
    ok (delegate_label_check ("caf\xc3\xa9", &error) < 0,
        "a label with UTF-8 letters is refused");
    ok (delegate_label_check ("a@b", NULL) < 0, "no errp is fine");
}

static void test_durations (void)
{
    double d = 0.;

    ok (delegate_duration_parse ("10", &d) == 0 && d == 10., "10 is 10s");
    ok (delegate_duration_parse ("2.5s", &d) == 0 && d == 2.5, "2.5s");
    ok (delegate_duration_parse ("500ms", &d) == 0 && d == 0.5, "500ms");
    ok (delegate_duration_parse ("1m", &d) == 0 && d == 60., "1m");
    ok (delegate_duration_parse ("1h", &d) == 0 && d == 3600., "1h");
    ok (delegate_duration_parse ("2d", &d) == 0 && d == 172800., "2d");
    ok (delegate_duration_parse ("0.5m", &d) == 0 && d == 30., "0.5m");
    d = 7.;
    ok (delegate_duration_parse ("0", &d) < 0 && d == 7., "0 is rejected");
    ok (delegate_duration_parse ("0ms", &d) < 0, "0ms is rejected");
    ok (delegate_duration_parse ("-1", &d) < 0, "-1 is rejected");
    ok (delegate_duration_parse ("10x", &d) < 0, "10x is rejected");
    ok (delegate_duration_parse ("10 s", &d) < 0, "'10 s' is rejected");
    ok (delegate_duration_parse ("1hs", &d) < 0, "1hs is rejected");
    ok (delegate_duration_parse ("s", &d) < 0, "s is rejected");
    ok (delegate_duration_parse ("", &d) < 0, "empty is rejected");
    ok (delegate_duration_parse (NULL, &d) < 0, "NULL is rejected");
    ok (delegate_duration_parse ("inf", &d) < 0, "inf is rejected");
    ok (delegate_duration_parse ("nan", &d) < 0, "nan is rejected");
    ok (delegate_duration_parse ("1e999", &d) < 0, "1e999 (infinite) is rejected");
}

int main (int argc, char **argv)
{
    test_values ();
    test_long_values ();
    test_uri_check ();
    test_policy_names ();
    test_labels ();
    test_durations ();
    return done_testing ();
}
