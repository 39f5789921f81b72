/* SPDX-License-Identifier: LGPL-3.0 */

/* test_accept_conf.c - the [delegate-accept] table
 */

#include "src/plugin/accept_conf.h"
#include "tap.h"
#include "tap_json.h"

static int parse (const char *text, struct accept_conf *ac, flux_error_t *error)
{
    json_t *conf = load (text);
    int rc = accept_conf_parse (conf, ac, error);
    json_decref (conf);
    return rc;
}

static void bad (const char *text, const char *want)
{
    struct accept_conf ac = {.hop_limit = 7};
    flux_error_t error;

    ok (parse (text, &ac, &error) < 0 && strstr (error.text, want) && ac.hop_limit == 7,
        "%s: refused (%s), nothing changed",
        text,
        want);
}

int main (int argc, char **argv)
{
    struct accept_conf ac;
    flux_error_t error;
    json_t *origin;

    ok (parse ("{}", &ac, &error) == 0 && !ac.enabled && ac.hop_limit == 1
            && ac.ack_timeout == 60.,
        "no table: not accepting");
    ok (parse ("{\"delegate-accept\":{}}", &ac, &error) == 0 && ac.enabled
            && ac.hop_limit == 1 && ac.ack_timeout == 60. && ac.origins == NULL,
        "an empty table: accepting, defaults hop-limit 1, ack-timeout 60s, any origin");
    origin = load ("{\"host\":\"login2\",\"uri\":\"ssh://login2/run/flux/local\"}");
    ok (accept_conf_origin_allowed (&ac, origin), "no allow-origins: any origin");
    accept_conf_clear (&ac);
    ok (parse ("{\"delegate-accept\":{\"hop-limit\":3,\"ack-timeout\":\"2m\","
               "\"allow-origins\":[\"login1\",\"ssh://login2/run/flux/local\"]}}",
               &ac,
               &error)
                == 0
            && ac.hop_limit == 3 && ac.ack_timeout == 120.,
        "hop-limit and ack-timeout (a duration) read");
    ok (accept_conf_origin_allowed (&ac, origin),
        "an origin listed by its URI: allowed");
    json_decref (origin);
    origin = load ("{\"host\":\"login1\"}");
    ok (accept_conf_origin_allowed (&ac, origin),
        "an origin listed by its host: allowed");
    json_decref (origin);
    origin = load ("{\"host\":\"login3\",\"uri\":\"local:///run/flux/local\"}");
    ok (!accept_conf_origin_allowed (&ac, origin), "an origin not listed: refused");
    json_decref (origin);
    accept_conf_clear (&ac);
    ok (parse ("{\"delegate-accept\":{\"ack-timeout\":0.5}}", &ac, &error) == 0
            && ac.ack_timeout == 0.5,
        "ack-timeout as a number of seconds");
    accept_conf_clear (&ac);
    bad ("{\"delegate-accept\":1}", "delegate-accept must be a table");
    bad ("{\"delegate-accept\":{\"hop-limit\":0}}",
         "hop-limit must be an integer from 1 to 64");
    bad ("{\"delegate-accept\":{\"hop-limit\":\"2\"}}", "hop-limit must be an integer");
    bad ("{\"delegate-accept\":{\"ack-timeout\":\"soon\"}}",
         "ack-timeout must be a duration");
    bad ("{\"delegate-accept\":{\"ack-timeout\":-1}}",
         "ack-timeout must be greater than zero");
    bad ("{\"delegate-accept\":{\"allow-origins\":\"login1\"}}",
         "allow-origins must be an array of strings");
    bad ("{\"delegate-accept\":{\"allow-origins\":[\"a\",\"\"]}}",
         "allow-origins[1] must be a host name or a URI");
    bad ("{\"delegate-accept\":{\"hop\":1}}", "unknown key 'hop'");
    return done_testing ();
}

// vi:ts=4 sw=4 expandtab
