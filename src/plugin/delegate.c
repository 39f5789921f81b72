/* SPDX-License-Identifier: LGPL-3.0 */

/* delegate.c - jobtap plugin: run a job on another Flux instance
 *
 *   flux jobtap load /path/to/delegate.so [link-timeout=DURATION]
 *                                         [lease=DURATION]
 *                                         [link-idle=DURATION]
 *                                         [metrics-interval=DURATION]
 *                                         [only-configured=true|false]
 *                                         [journal=true|false]
 *   flux submit --dependency=delegate:URI ...
 *
 * Protocol with the job manager (the per-job state machine is in
 * delegation.c, the remote side in link.c):
 *
 *   job.create      a copy made here for another instance is recognised
 *                   (accept.h); a job with a delegate dependency is
 *                   checked (one delegate dependency, a valid URI; for
 *                   another user than the instance owner, a target that
 *                   takes its J, request.h) or rejected; this plugin
 *                   subscribes to its events.
 *   job.dependency.delegate
 *                   adds the "delegate" dependency that holds the job.
 *   job.new         a new job with no other dependency is sent at once,
 *                   held on the target until it may run.
 *   job.state.depend
 *                   the job may run, and its copy is released (or, if
 *                   not sent yet, sent), once its other dependencies
 *                   are gone (job.event.dependency-add/-remove).  When
 *                   the remote job is allocated, the job gets the
 *                   alloc-bypass flag and job-exec's test mode with
 *                   override, and the dependency is removed.
 *   job.state.sched gives the job the R of the remote job.
 *   job.event.exception
 *                   a fatal exception on the source cancels the remote job.
 *   job.state.priority, job.priority.get
 *                   a copy made here waits in PRIORITY for its ack.
 *
 * Messages:
 *   job-manager.delegate.stdin (a service, open to guests: a job's owner
 *                   attaches to it)
 *                   takes and drops what flux job attach sends as stdin.
 *   shell-ID.kill (events, flux job kill)
 *                   the signal is sent to the remote job of job ID.
 *   job-manager.delegate.hello, .accept, .ack, .grant (services, accept.h)
 *                   the accepting side, for other instances' sources.
 *   plugin.query    the targets, the delegations in flight, the
 *                   accepting side.
 *
 * Events posted: delegate::submit {jobid, uri, label, attempt[, userid]}
 * when the target accepted the job (userid: the copy runs there as the
 * job's owner), with a memo {delegate: {target}};
 * delegate::failover {uri, label, attempt, note} when an attempt failed
 * and another follows; for sibling jobs delegate::sibling, ::grant,
 * ::revoke and ::siblings (see delegation_siblings.c).  Exceptions raised:
 * DelegationFailure, or the type of the remote job's exception (see delegation.c).
 *
 * Nothing here blocks: remote traffic runs on each link's own thread.
 * This file is the glue only: the delegations (delegation.h) reach the
 * job manager through host_jobtap.c, their targets through the thread
 * links of link.c (link_thread_open).
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <flux/core.h>
#include <flux/jobtap.h>

#include "accept.h"
#include "delegation.h"
#include "host_jobtap.h"
#include "instance.h"
#include "kill_events.h"
#include "link_thread.h"
#include "options.h"
#include "request.h"
#include "value.h"

#define AUX_NAME "delegate::delegation"
#define CTX_NAME "delegate::ctx"

struct delegate_ctx {
    flux_plugin_t *p;
    flux_t *h;
    struct host host;
    struct delegation_env *env;
    struct targets *targets;
    struct instance *instance;        // the origin of the copies
    struct accept *accept;            // the accepting side
    struct delegate_options opt;      // the load options
    bool multi_user;                  // access.allow-guest-user
    struct kill_events *kill_events;  // flux job kill
};

static struct delegate_ctx *ctx_get (flux_plugin_t *p)
{
    return flux_plugin_aux_get (p, CTX_NAME);
}

static struct delegation *job_delegation (flux_plugin_t *p)
{
    return flux_jobtap_job_aux_get (p, FLUX_JOBTAP_CURRENT_JOB, AUX_NAME);
}

static bool only_configured (struct delegate_ctx *ctx)
{
    return ctx->opt.only_configured == 1
           || (ctx->opt.only_configured < 0 && ctx->multi_user);
}

/* Why the target at 'uri' cannot take another user's job (request.h). */
static const char *refusal (const char *uri, const char *queue, void *arg)
{
    return targets_refusal (arg, uri, true, queue);
}

/* Check the request of a new job, and make its route.
 */
static struct route *request_route (struct delegate_ctx *ctx,
                                    json_t *value,
                                    json_t *jobspec,
                                    uint32_t userid,
                                    flux_error_t *errp)
{
    const struct delegate_conf *dc = targets_conf (ctx->targets);

    if (request_check (dc, value, userid, getuid (), only_configured (ctx), errp) < 0
        || (userid != getuid ()
            && request_check_other_user (dc,
                                         value,
                                         jobspec,
                                         refusal,
                                         ctx->targets,
                                         errp)
                   < 0))
        return NULL;
    return route_create (json_string_value (value), errp);
}

/* A job found active when the plugin was loaded (after a remove).
 */
static int recover_job (flux_plugin_t *p,
                        struct delegate_ctx *ctx,
                        flux_jobid_t id,
                        uint32_t userid,
                        int urgency,
                        json_t *value,
                        int hops)
{
    struct route *route = NULL;
    struct delegation *d;
    flux_error_t error;

    snprintf (error.text, sizeof (error.text), "the target is not a string");
    if (!json_is_string (value)
        || !(route = route_create (json_string_value (value), &error))
        || !(d = delegation_create (ctx->env, id, userid, urgency, route))) {
        route_destroy (route);
        return flux_jobtap_raise_exception (p,
                                            FLUX_JOBTAP_CURRENT_JOB,
                                            "DelegationFailure",
                                            0,
                                            "delegate: cannot take the job over: %s",
                                            route ? strerror (errno) : error.text);
    }
    if (flux_jobtap_job_aux_set (p,
                                 FLUX_JOBTAP_CURRENT_JOB,
                                 AUX_NAME,
                                 d,
                                 (flux_free_f)delegation_destroy)
        < 0) {
        delegation_destroy (d);
        return -1;
    }
    if (flux_jobtap_job_subscribe (p, FLUX_JOBTAP_CURRENT_JOB) < 0)
        return -1;
    delegation_set_hops (d, hops);
    delegation_recover (d);
    return 0;
}

static int create_cb (flux_plugin_t *p,
                      const char *topic,
                      flux_plugin_arg_t *args,
                      void *arg)
{
    struct delegate_ctx *ctx = ctx_get (p);
    json_t *jobspec;
    json_t *value = NULL;
    flux_jobid_t id;
    int userid;
    int urgency;
    int state;
    struct route *route;
    struct delegation *d;
    flux_error_t error;
    enum arrival_kind kind;
    int hops = 0;
    int rc;

    if (flux_plugin_arg_unpack (args,
                                FLUX_PLUGIN_ARG_IN,
                                "{s:o s:I s:i s:i s:i}",
                                "jobspec",
                                &jobspec,
                                "id",
                                &id,
                                "userid",
                                &userid,
                                "urgency",
                                &urgency,
                                "state",
                                &state)
        < 0)
        return flux_jobtap_reject_job (p, args, "delegate: cannot read job");
    rc = request_find (jobspec, &value, &error);
    if ((kind =
             accept_job_create (ctx->accept, id, userid, jobspec, rc > 0, state, &hops))
        == ARRIVAL_HERE)
        return 0;  // a copy made here: its delegate request is satisfied
    if (rc <= 0) {
        if (rc < 0)
            return flux_jobtap_reject_job (p, args, "delegate: %s", error.text);
        return 0;
    }
    if (state != FLUX_JOB_STATE_NEW)
        return recover_job (p, ctx, id, userid, urgency, value, hops);
    if (!(route = request_route (ctx, value, jobspec, userid, &error)))
        return flux_jobtap_reject_job (p, args, "delegate: %s", error.text);
    if (!(d = delegation_create (ctx->env, id, userid, urgency, route))) {
        route_destroy (route);
        return flux_jobtap_reject_job (p,
                                       args,
                                       "delegate: cannot set up delegation: %s",
                                       strerror (errno));
    }
    delegation_set_hops (d, hops);
    if (kind == ARRIVAL_ONWARD)  // sent on once its source acknowledged it
        delegation_dependency_add (d, ACCEPT_ACK_DEPENDENCY);
    if (flux_jobtap_job_aux_set (p,
                                 FLUX_JOBTAP_CURRENT_JOB,
                                 AUX_NAME,
                                 d,
                                 (flux_free_f)delegation_destroy)
        < 0)
        return flux_jobtap_reject_job (p,
                                       args,
                                       "delegate: cannot set up delegation: %s",
                                       strerror (errno));
    if (flux_jobtap_job_subscribe (p, FLUX_JOBTAP_CURRENT_JOB) < 0)
        return flux_jobtap_reject_job (p,
                                       args,
                                       "delegate: cannot set up delegation: %s",
                                       strerror (errno));
    return 0;
}

/* Hold job 'id' with the delegate dependency, and a copy made here that
 * may go further with "delegate-ack" until its source acknowledged it.
 */
static int hold_job (struct delegate_ctx *ctx, flux_jobid_t id)
{
    if ((flux_jobtap_dependency_add (ctx->p, id, DELEGATION_DEPENDENCY) < 0
         && errno != EEXIST)
        || (accept_holds_dependency (ctx->accept, id)
            && flux_jobtap_dependency_add (ctx->p, id, ACCEPT_ACK_DEPENDENCY) < 0
            && errno != EEXIST))
        return -1;
    return 0;
}

static int dependency_cb (flux_plugin_t *p,
                          const char *topic,
                          flux_plugin_arg_t *args,
                          void *arg)
{
    flux_jobid_t id;

    if (!job_delegation (p))
        return 0;  // a job loaded before this plugin
    if (flux_plugin_arg_unpack (args, FLUX_PLUGIN_ARG_IN, "{s:I}", "id", &id) < 0)
        return flux_jobtap_reject_job (p, args, "delegate: cannot read job");
    if (hold_job (ctx_get (p), id) < 0)
        return flux_jobtap_reject_job (p,
                                       args,
                                       "delegate: cannot add dependency: %s",
                                       strerror (errno));
    return 0;
}

static int new_cb (flux_plugin_t *p,
                   const char *topic,
                   flux_plugin_arg_t *args,
                   void *arg)
{
    struct delegation *d = job_delegation (p);
    int state;

    if (d
        && flux_plugin_arg_unpack (args, FLUX_PLUGIN_ARG_IN, "{s:i}", "state", &state)
               == 0
        && state == FLUX_JOB_STATE_NEW)
        delegation_new (d);
    return 0;
}

static int depend_cb (flux_plugin_t *p,
                      const char *topic,
                      flux_plugin_arg_t *args,
                      void *arg)
{
    struct delegation *d = job_delegation (p);
    flux_jobid_t id;

    if (!d)
        return 0;
    if (flux_plugin_arg_unpack (args, FLUX_PLUGIN_ARG_IN, "{s:I}", "id", &id) < 0)
        return -1;
    /* -S system.delegate=VALUE has no dependency entry: hold the job here */
    if (hold_job (ctx_get (p), id) < 0)
        return flux_jobtap_raise_exception (p,
                                            FLUX_JOBTAP_CURRENT_JOB,
                                            "DelegationFailure",
                                            0,
                                            "delegate: cannot add dependency: %s",
                                            strerror (errno));
    delegation_depend (d);
    return 0;
}

static int dependency_event_cb (flux_plugin_t *p,
                                const char *topic,
                                flux_plugin_arg_t *args,
                                void *arg)
{
    struct delegation *d = job_delegation (p);
    const char *description;

    if (!d
        || flux_plugin_arg_unpack (args,
                                   FLUX_PLUGIN_ARG_IN,
                                   "{s:{s:{s:s}}}",
                                   "entry",
                                   "context",
                                   "description",
                                   &description)
               < 0)
        return 0;
    if (!strcmp (topic, "job.event.dependency-add"))
        delegation_dependency_add (d, description);
    else
        delegation_dependency_remove (d, description);
    return 0;
}

static int exception_cb (flux_plugin_t *p,
                         const char *topic,
                         flux_plugin_arg_t *args,
                         void *arg)
{
    struct delegation *d = job_delegation (p);
    json_t *context;
    const char *type, *note;
    int severity;

    if (flux_plugin_arg_unpack (args,
                                FLUX_PLUGIN_ARG_IN,
                                "{s:{s:o}}",
                                "entry",
                                "context",
                                &context)
        < 0)
        return 0;
    delegation_exception_parse (context, &type, &severity, &note);
    if (d)
        delegation_exception (d, type, severity, note);
    else if (severity == 0)  // a copy held for its grant ends there
        accept_exception (ctx_get (p)->accept);
    return 0;
}

static int run_cb (flux_plugin_t *p,
                   const char *topic,
                   flux_plugin_arg_t *args,
                   void *arg)
{
    return accept_run (ctx_get (p)->accept);
}

static int sched_cb (flux_plugin_t *p,
                     const char *topic,
                     flux_plugin_arg_t *args,
                     void *arg)
{
    struct delegation *d = job_delegation (p);
    json_t *R;

    if (!d || !(R = delegation_sched (d)))
        return 0;
    return flux_plugin_arg_pack (args, FLUX_PLUGIN_ARG_OUT, "{s:O}", "R", R);
}

static int priority_cb (flux_plugin_t *p,
                        const char *topic,
                        flux_plugin_arg_t *args,
                        void *arg)
{
    return accept_priority (ctx_get (p)->accept, args);
}

static int query_cb (flux_plugin_t *p,
                     const char *topic,
                     flux_plugin_arg_t *args,
                     void *arg)
{
    struct delegate_ctx *ctx = ctx_get (p);
    json_t *states = delegation_env_query (ctx->env);
    json_t *targets = targets_query (ctx->targets);
    json_t *accept = accept_query (ctx->accept);
    int rc = -1;

    if (states && targets && accept)
        rc = flux_plugin_arg_pack (args,
                                   FLUX_PLUGIN_ARG_OUT,
                                   "{s:O s:O s:O s:f s:f s:f s:f s:b}",
                                   "targets",
                                   targets,
                                   "accept",
                                   accept,
                                   "delegations",
                                   states,
                                   "link-timeout",
                                   ctx->opt.link_timeout,
                                   "lease",
                                   ctx->opt.lease,
                                   "link-idle",
                                   ctx->opt.link_idle,
                                   "metrics-interval",
                                   ctx->opt.metrics_interval,
                                   "only-configured",
                                   only_configured (ctx));
    json_decref (states);
    json_decref (targets);
    json_decref (accept);
    return rc;
}

static void ctx_destroy (struct delegate_ctx *ctx)
{
    if (ctx) {
        int saved_errno = errno;
        kill_events_destroy (ctx->kill_events);
        delegation_env_destroy (ctx->env);  // and the targets with it
        host_jobtap_fini (&ctx->host);
        accept_destroy (ctx->accept);
        instance_destroy (ctx->instance);
        free (ctx);
        errno = saved_errno;
    }
}

/* The instance configuration: its [[delegate]] targets.  An invalid one
 * is refused and the targets in force stay.
 */
static int conf_update_cb (flux_plugin_t *p,
                           const char *topic,
                           flux_plugin_arg_t *args,
                           void *arg)
{
    struct delegate_ctx *ctx = ctx_get (p);
    json_t *conf;
    struct delegate_conf *dc;
    flux_error_t error;

    if (flux_plugin_arg_unpack (args, FLUX_PLUGIN_ARG_IN, "{s:o}", "conf", &conf) < 0)
        return flux_jobtap_error (p, args, "delegate: cannot read the configuration");
    if (!(dc = delegate_conf_parse (conf, &error))
        || accept_configure (ctx->accept, conf, &error) < 0) {
        delegate_conf_destroy (dc);
        return flux_jobtap_error (p, args, "delegate: %s", error.text);
    }
    if (targets_configure (ctx->targets, dc) < 0)
        flux_log_error (ctx->h, "delegate: a configured target cannot be linked");
    ctx->multi_user = false;
    (void)
        json_unpack (conf, "{s:{s:b}}", "access", "allow-guest-user", &ctx->multi_user);
    return 0;
}

/* flux job attach sends the stdin of a delegated job here (output.h):
 * taken and dropped, as it is not forwarded to the target.
 */
static void stdin_cb (flux_t *h,
                      flux_msg_handler_t *mh,
                      const flux_msg_t *msg,
                      void *arg)
{
    if (flux_respond (h, msg, NULL) < 0)
        flux_log_error (h, "delegate: respond to stdin");
}

static const struct flux_plugin_handler tab[] = {
    {"job.create", create_cb, NULL},
    {"job.dependency.delegate", dependency_cb, NULL},
    {"job.new", new_cb, NULL},
    {"job.state.depend", depend_cb, NULL},
    {"job.state.sched", sched_cb, NULL},
    {"job.event.dependency-add", dependency_event_cb, NULL},
    {"job.event.dependency-remove", dependency_event_cb, NULL},
    {"job.event.exception", exception_cb, NULL},
    {"job.state.priority", priority_cb, NULL},
    {"job.state.run", run_cb, NULL},
    {"job.priority.get", priority_cb, NULL},
    {"plugin.query", query_cb, NULL},
    {"conf.update", conf_update_cb, NULL},
    {0},
};

/* The delegations and their targets: links opened on the job manager's
 * reactor, the clock of the host.
 */
static int env_create (struct delegate_ctx *ctx)
{
    char service[128];
    struct delegation_env_params params = {
        .link_timeout = ctx->opt.link_timeout,
        .lease = ctx->opt.lease,
        .origin = instance_origin (ctx->instance),
        .owner = getuid (),
        .targets =
            {
                .open = link_thread_open,
                .open_arg = flux_get_reactor (ctx->h),
                .link = {.journal = ctx->opt.journal, .idle = ctx->opt.link_idle},
                .metrics_interval = ctx->opt.metrics_interval,
            },
    };

    snprintf (service,
              sizeof (service),
              "job-manager.%s",
              flux_plugin_get_name (ctx->p));
    if (host_jobtap_init (&ctx->host, ctx->p, service) < 0)
        return -1;
    params.targets.now = ctx->host.ops->now;
    params.targets.now_arg = ctx->host.h;
    if (!(ctx->env = delegation_env_create (&ctx->host, &params)))
        return -1;
    ctx->targets = delegation_env_targets (ctx->env);
    return 0;
}

int flux_plugin_init (flux_plugin_t *p)
{
    struct delegate_ctx *ctx;

    if (!(ctx = calloc (1, sizeof (*ctx))))
        return -1;
    ctx->p = p;
    if (!(ctx->h = flux_jobtap_get_flux (p))
        || flux_plugin_aux_set (p, CTX_NAME, ctx, (flux_free_f)ctx_destroy) < 0) {
        ctx_destroy (ctx);
        return -1;
    }
    if (options_read (p, ctx->h, &ctx->opt) < 0)
        return -1;
    /* conf.update runs after this, with the current configuration; the
     * plugin is named "delegate" (the output copies name its service)
     * once registered
     */
    if (!(ctx->instance = instance_create (ctx->h))
        || flux_plugin_register (p, "delegate", tab) < 0
        || !(ctx->accept = accept_create (p)) || env_create (ctx) < 0
        || flux_jobtap_service_register_ex (p, "stdin", FLUX_ROLE_USER, stdin_cb, ctx)
               < 0
        || !(ctx->kill_events = kill_events_create (ctx->h, ctx->env)))
        return -1;
    return 0;
}

// vi:ts=4 sw=4 expandtab
