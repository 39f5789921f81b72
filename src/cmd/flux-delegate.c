/* SPDX-License-Identifier: LGPL-3.0 */

/* flux-delegate.c - the flux delegate command
 *
 *   flux delegate list        the targets as the delegate.so plugin sees
 *                             them (its jobtap query: cached, so a hung
 *                             target cannot slow the answer)
 *   flux delegate info JOBID  where a delegated job went: its eventlog's
 *                             delegate::failover and delegate::submit
 *                             events and what followed; for a sibling
 *                             job, each copy (delegate::sibling) and
 *                             what became of it (delegate::grant,
 *                             delegate::revoke)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <jansson.h>
#include <flux/core.h>
#include <flux/optparse.h>

#define PLUGIN "delegate.so"

static void die (const char *fmt, ...)
{
    va_list ap;

    fprintf (stderr, "flux-delegate: ");
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fprintf (stderr, "\n");
    exit (1);
}

static flux_t *connect_instance (void)
{
    flux_t *h = flux_open (NULL, 0);
    if (!h)
        die ("cannot connect to the Flux instance: %s", strerror (errno));
    return h;
}

/* ---- list ---- */

static const char *count_pair (json_t *target, const char *what, char *buf, size_t size)
{
    int free_n = 0, total_n = 0;

    (void)json_unpack (target,
                       "{s:{s:i} s:{s:i}}",
                       "free",
                       what,
                       &free_n,
                       "total",
                       what,
                       &total_n);
    snprintf (buf, size, "%d/%d", free_n, total_n);
    return buf;
}

static int cmd_list (optparse_t *p, int ac, char **av)
{
    flux_t *h;
    flux_future_t *f;
    json_t *targets;
    json_t *tg;
    size_t i;
    char nodes[32], cores[32], gpus[32];
    double timeout = optparse_get_duration (p, "timeout", 2.);

    if (optparse_option_index (p) != ac)
        return optparse_fatal_usage (p, 1, NULL);
    h = connect_instance ();
    if (!(f = flux_rpc_pack (h,
                             "job-manager.jobtap-query",
                             0,
                             0,
                             "{s:s}",
                             "name",
                             PLUGIN))
        || flux_future_wait_for (f, timeout) < 0
        || flux_rpc_get_unpack (f, "{s:o}", "targets", &targets) < 0) {
        if (errno == ETIMEDOUT)
            die ("the job manager did not answer within %gs", timeout);
        die ("cannot query %s (is it loaded?): %s", PLUGIN, future_strerror (f, errno));
    }
    if (!optparse_hasopt (p, "no-header"))
        printf ("%-12s %-5s %-6s %5s %8s %8s %9s %9s %7s  %s\n",
                "LABEL",
                "STATE",
                "ACCEPT",
                "JOBS",
                "PENDING",
                "RUNNING",
                "NODES",
                "CORES",
                "GPUS",
                "URI");
    json_array_foreach (targets, i, tg)
    {
        const char *uri = "", *state = "";
        json_t *label_o = NULL;   // null for a target without a label
        json_t *accept_o = NULL;  // null: not known (never connected)
        int jobs = 0, pending = 0, running = 0, metrics = 0;
        const char *label;
        const char *accept;

        (void)json_unpack (tg,
                           "{s?o s?o s?s s?s s?i s?b s?i s?i}",
                           "label",
                           &label_o,
                           "accept",
                           &accept_o,
                           "uri",
                           &uri,
                           "state",
                           &state,
                           "jobs",
                           &jobs,
                           "metrics",
                           &metrics,
                           "pending",
                           &pending,
                           "running",
                           &running);
        label = json_string_value (label_o);
        accept =
            json_is_boolean (accept_o) ? (json_is_true (accept_o) ? "yes" : "no") : "-";
        if (metrics)
            printf ("%-12s %-5s %-6s %5d %8d %8d %9s %9s %7s  %s\n",
                    label ? label : "-",
                    state,
                    accept,
                    jobs,
                    pending,
                    running,
                    count_pair (tg, "nodes", nodes, sizeof (nodes)),
                    count_pair (tg, "cores", cores, sizeof (cores)),
                    count_pair (tg, "gpus", gpus, sizeof (gpus)),
                    uri);
        else
            printf ("%-12s %-5s %-6s %5d %8s %8s %9s %9s %7s  %s\n",
                    label ? label : "-",
                    state,
                    accept,
                    jobs,
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                    uri);
    }
    flux_future_destroy (f);
    flux_close (h);
    return 0;
}

/* ---- info ---- */

struct info {
    char *target;  // label or URI of the last submission
    char *uri;
    json_int_t remote_id;
    json_int_t runs_as;  // the job's owner there, or -1: the instance owner
    int attempt;         // of the last submission
    char *outcome;       // of the last submission, or of the delegation
    bool delegated;      // the job asked for delegation
    json_t *failed;      // lines describing failed attempts
    json_t *siblings;    // copies of a sibling job: [{name, uri, jobid, fate}]
    char *note;          // delegate::siblings: why it went as earliest_start
};

static void set_str (char **dst, const char *fmt, ...)
{
    va_list ap;

    free (*dst);
    va_start (ap, fmt);
    if (vasprintf (dst, fmt, ap) < 0)
        die ("out of memory");
    va_end (ap);
}

static const char *f58 (json_int_t id, char *buf, size_t size)
{
    if (flux_job_id_encode ((flux_jobid_t)id, "f58", buf, size) < 0)
        snprintf (buf, size, "%ju", (uintmax_t)id);
    return buf;
}

static void finish_outcome (struct info *in, json_t *context)
{
    int status = 0;
    char buf[32];

    (void)json_unpack (context, "{s:i}", "status", &status);
    set_str (&in->outcome,
             "remote job %s: finished, %s %d",
             f58 (in->remote_id, buf, sizeof (buf)),
             WIFSIGNALED (status) ? "signal" : "exit code",
             WIFSIGNALED (status) ? WTERMSIG (status) : WEXITSTATUS (status));
}

/* The copy of a sibling job with remote 'id' on 'uri', if listed. */
static json_t *sibling_find (struct info *in, json_int_t id, const char *uri)
{
    size_t i;
    json_t *s;

    json_array_foreach (in->siblings, i, s)
    {
        json_int_t sid = 0;
        const char *suri = "";
        (void)json_unpack (s, "{s:I s:s}", "jobid", &sid, "uri", &suri);
        if (id && sid == id && !strcmp (suri, uri))
            return s;
    }
    return NULL;
}

/* delegate::sibling adds a copy; delegate::grant and ::revoke say what
 * became of it.  A copy without an id (refused, or revoked before its
 * target answered) has no delegate::sibling: its revoke adds it.
 */
static void info_sibling (struct info *in, const char *name, json_t *context)
{
    const char *uri = "", *note = "";
    json_t *label = NULL;
    json_int_t id = 0;
    json_t *fate, *s;

    (void)json_unpack (context,
                       "{s?s s?o s?I s?s}",
                       "uri",
                       &uri,
                       "label",
                       &label,
                       "jobid",
                       &id,
                       "note",
                       &note);
    if (!strcmp (name, "delegate::sibling"))
        fate = json_string ("offered");
    else if (!strcmp (name, "delegate::grant"))
        fate = json_string ("granted");
    else
        fate = json_sprintf ("revoked: %s", note);
    if (!fate)
        die ("out of memory");
    if (strcmp (name, "delegate::sibling") && (s = sibling_find (in, id, uri))) {
        if (json_object_set_new (s, "fate", fate) < 0)
            die ("out of memory");
        return;
    }
    if (json_array_append_new (in->siblings,
                               json_pack ("{s:s s:s s:I s:o}",
                                          "name",
                                          json_is_string (label)
                                              ? json_string_value (label)
                                              : uri,
                                          "uri",
                                          uri,
                                          "jobid",
                                          id,
                                          "fate",
                                          fate))
        < 0)
        die ("out of memory");
}

/* Print a failed attempt, or take in what an event says of the job.
 */
static void info_event (struct info *in, const char *name, json_t *context)
{
    const char *uri = "", *note = "", *type = "";
    json_t *label_o = NULL;  // null for a target without a label
    const char *label = NULL;
    int attempt = 0, severity = 0;
    json_int_t id = 0;
    char buf[32];

    if (!strcmp (name, "delegate::sibling") || !strcmp (name, "delegate::grant")
        || !strcmp (name, "delegate::revoke"))
        info_sibling (in, name, context);
    else if (!strcmp (name, "delegate::siblings")) {
        (void)json_unpack (context, "{s?s}", "note", &note);
        set_str (&in->note, "%s", note);
    } else if (!strcmp (name, "dependency-add")) {
        (void)json_unpack (context, "{s:s}", "description", &note);
        if (!strcmp (note, "delegate")) {
            in->delegated = true;
            set_str (&in->outcome, "waiting to be delegated");
        }
    } else if (!strcmp (name, "delegate::failover")) {
        (void)json_unpack (context,
                           "{s?o s?s s?i s?s}",
                           "label",
                           &label_o,
                           "uri",
                           &uri,
                           "attempt",
                           &attempt,
                           "note",
                           &note);
        label = json_string_value (label_o);
        if (json_array_append_new (in->failed,
                                   json_sprintf ("  %-3d %-12s failed: %s\n      %s",
                                                 attempt,
                                                 label ? label : "-",
                                                 note,
                                                 uri))
            < 0)
            die ("out of memory");
    } else if (!strcmp (name, "delegate::submit")) {
        in->runs_as = -1;
        (void)json_unpack (context,
                           "{s?I s?o s?s s?i s?I}",
                           "jobid",
                           &id,
                           "label",
                           &label_o,
                           "uri",
                           &uri,
                           "attempt",
                           &in->attempt,
                           "userid",
                           &in->runs_as);
        label = json_string_value (label_o);
        in->remote_id = id;
        set_str (&in->uri, "%s", uri);
        set_str (&in->target, "%s", label ? label : uri);
        set_str (&in->outcome, "remote job %s: pending", f58 (id, buf, sizeof (buf)));
    } else if (!strcmp (name, "start") && in->remote_id)
        set_str (&in->outcome,
                 "remote job %s: running",
                 f58 (in->remote_id, buf, sizeof (buf)));
    else if (!strcmp (name, "finish") && in->remote_id)
        finish_outcome (in, context);
    else if (!strcmp (name, "exception")
             && json_unpack (context,
                             "{s:s s:i s?s}",
                             "type",
                             &type,
                             "severity",
                             &severity,
                             "note",
                             &note)
                    == 0
             && severity == 0 && in->delegated)
        set_str (&in->outcome, "exception %s: %s", type, note);
}

static void print_siblings (struct info *in)
{
    size_t i;
    json_t *s;
    char buf[32];

    if (json_array_size (in->siblings) > 0)
        printf ("siblings:\n");
    json_array_foreach (in->siblings, i, s)
    {
        const char *name = "", *uri = "", *fate = "";
        json_int_t id = 0;
        (void)json_unpack (s,
                           "{s:s s:s s:I s:s}",
                           "name",
                           &name,
                           "uri",
                           &uri,
                           "jobid",
                           &id,
                           "fate",
                           &fate);
        printf ("  %-12s %-12s %s\n      %s\n",
                name,
                id ? f58 (id, buf, sizeof (buf)) : "-",
                fate,
                uri);
    }
}

static int cmd_info (optparse_t *p, int ac, char **av)
{
    int optindex = optparse_option_index (p);
    flux_jobid_t id;
    flux_t *h;
    flux_future_t *f;
    const char *eventlog;
    struct info in = {0};
    char buf[32];
    char *copy, *line, *saveptr = NULL;
    size_t i;
    json_t *failed;

    if (optindex != ac - 1)
        return optparse_fatal_usage (p, 1, NULL);
    if (flux_job_id_parse (av[optindex], &id) < 0)
        die ("%s: not a job id", av[optindex]);
    h = connect_instance ();
    if (!(f = flux_rpc_pack (h,
                             "job-info.lookup",
                             0,
                             0,
                             "{s:I s:[s] s:i}",
                             "id",
                             (json_int_t)id,
                             "keys",
                             "eventlog",
                             "flags",
                             0))
        || flux_rpc_get_unpack (f, "{s:s}", "eventlog", &eventlog) < 0)
        die ("%s: %s", av[optindex], future_strerror (f, errno));
    if (!(copy = strdup (eventlog)) || !(in.failed = json_array ())
        || !(in.siblings = json_array ()))
        die ("out of memory");
    for (line = strtok_r (copy, "\n", &saveptr); line;
         line = strtok_r (NULL, "\n", &saveptr)) {
        json_t *entry = json_loads (line, 0, NULL);
        const char *name;
        json_t *context = NULL;

        if (json_unpack (entry, "{s:s s?o}", "name", &name, "context", &context) == 0)
            info_event (&in, name, context);
        json_decref (entry);
    }
    if (!in.delegated)
        die ("%s: the job was not delegated", av[optindex]);
    printf ("job %s\n", f58 (id, buf, sizeof (buf)));
    if (in.note)
        printf ("note: %s\n", in.note);
    print_siblings (&in);
    printf ("attempts:\n");
    json_array_foreach (in.failed, i, failed)
        printf ("%s\n", json_string_value (failed));
    if (in.target)
        printf ("  %-3d %-12s %s\n      %s\n",
                in.attempt,
                in.target,
                in.outcome,
                in.uri);
    else
        printf ("  %s\n", in.outcome);
    if (in.target) {
        printf ("target: %s\nremote job: %s\n",
                in.target,
                f58 (in.remote_id, buf, sizeof (buf)));
        if (in.runs_as >= 0)
            printf ("runs as: userid %jd (the job's owner)\n", (intmax_t)in.runs_as);
        else
            printf ("runs as: the target's instance owner\n");
    }
    free (copy);
    free (in.target);
    free (in.uri);
    free (in.outcome);
    free (in.note);
    json_decref (in.failed);
    json_decref (in.siblings);
    flux_future_destroy (f);
    flux_close (h);
    return 0;
}

/* ---- command line ---- */

static struct optparse_option list_opts[] = {
    {.name = "no-header", .key = 'n', .usage = "Do not print the header line"},
    {.name = "timeout",
     .has_arg = 1,
     .arginfo = "DURATION",
     .usage =
         "Give up if the job manager does not answer within DURATION (default 2s)"},
    OPTPARSE_TABLE_END,
};

static struct optparse_option no_opts[] = {OPTPARSE_TABLE_END};

static struct optparse_subcommand subcommands[] = {
    {"list",
     "[OPTIONS]",
     "List the delegation targets: label, state (up, down), whether it "
     "accepts delegated jobs (yes, no, - not known yet), jobs delegated "
     "there, pending and running jobs there, free/total nodes, cores and "
     "GPUs, URI",
     cmd_list,
     0,
     list_opts},
    {"info",
     "JOBID",
     "Show where a delegated job went: for a sibling job each copy offered "
     "and its fate (offered, granted, revoked); each attempt and its "
     "outcome, the target, the remote job id, and whom it runs as there",
     cmd_info,
     0,
     no_opts},
    OPTPARSE_SUBCMD_END,
};

int main (int argc, char *argv[])
{
    optparse_t *p;
    int optindex;

    (void)setlocale (LC_ALL, "");  // job ids as flux prints them
    if (!(p = optparse_create ("flux-delegate")))
        die ("out of memory");

    if (optparse_set (p, OPTPARSE_USAGE, "[OPTIONS] list|info ...") != OPTPARSE_SUCCESS
        || optparse_add_doc (p,
                             "Jobs delegated to other Flux instances by the "
                             "delegate.so jobtap plugin.  'list' shows the "
                             "targets as the plugin sees them; 'info JOBID' "
                             "where a delegated job went.  See flux-delegate(1).",
                             0)
               != OPTPARSE_SUCCESS
        || optparse_reg_subcommands (p, subcommands) != OPTPARSE_SUCCESS)
        die ("cannot set up the command line parser");
    if ((optindex = optparse_parse_args (p, argc, argv)) < 0)
        return 1;
    if (optindex == argc) {
        optparse_print_usage (p);
        return 1;
    }
    if (optparse_run_subcommand (p, argc, argv) != OPTPARSE_SUCCESS)
        return 1;
    optparse_destroy (p);
    return 0;
}

// vi:ts=4 sw=4 expandtab
