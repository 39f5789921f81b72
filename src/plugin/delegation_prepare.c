/* SPDX-License-Identifier: LGPL-3.0 */

/* delegation_prepare.c - PREPARE: choose the target, read J, send the copy
 *
 * Part of the state machine drawn at the top of delegation.c.
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delegation_impl.h"
#include "jobspec.h"

/* ---- PREPARE: read the job as submitted (J), send the copy ---- */

/* The copy records where it came from: this instance and the job id.
 */
static json_t *origin_create (struct delegation *d)
{
    json_t *origin = json_deep_copy (d->env->origin);

    if (!origin || json_object_set_new (origin, "jobid", json_integer (d->id)) < 0) {
        json_decref (origin);
        return NULL;
    }
    return origin;
}

static char *remote_jobspec (struct delegation *d, const char *J, flux_error_t *errp)
{
    flux_plugin_arg_t *args;
    json_t *current;
    json_t *submitted = NULL;
    json_t *origin = NULL;
    json_t *copy = NULL;
    char *s = NULL;

    snprintf (errp->text, sizeof (errp->text), "out of memory");
    if ((args = flux_jobtap_job_lookup (d->env->p, d->id))
        && flux_plugin_arg_unpack (args,
                                   FLUX_PLUGIN_ARG_IN,
                                   "{s:o}",
                                   "jobspec",
                                   &current)
               == 0
        && (submitted = delegate_J_jobspec (J, errp)) && (origin = origin_create (d))
        && (copy = delegate_jobspec_remote (current, submitted, origin, errp)))
        s = json_dumps (copy, JSON_COMPACT);
    json_decref (copy);
    json_decref (origin);
    json_decref (submitted);
    flux_plugin_arg_destroy (args);
    return s;
}

static void J_cb (flux_future_t *f, void *arg)
{
    struct delegation *d = arg;
    const char *J;
    char *s = NULL;
    flux_error_t error;

    if (flux_kvs_lookup_get (f, &J) < 0) {
        fail (d,
              "DelegationFailure",
              false,
              "%s: cannot read the job as submitted: %s",
              link_uri (d->link),
              future_strerror (f, errno));
    } else if (!ended (d)) {
        if (!(s = remote_jobspec (d, J, &error)))
            fail (d,
                  "DelegationFailure",
                  false,
                  "%s: cannot prepare the job for the target: %s",
                  link_uri (d->link),
                  error.text);
        else if (link_submit (d->link,
                              d->id,
                              s,
                              d->may_run ? d->urgency : FLUX_JOB_URGENCY_HOLD)
                 < 0)
            fail (d,
                  "DelegationFailure",
                  false,
                  "%s: cannot queue the job: %s",
                  link_uri (d->link),
                  strerror (errno));
        else
            set_state (d, D_SUBMIT);
    }
    free (s);
    flux_future_destroy (f);
    d->f_J = NULL;
}

/* Choose the target of this attempt.  Return 0, 1 if the job waits for
 * a slot (WAIT), or -1 if the job failed.
 */
static int choose_target (struct delegation *d)
{
    flux_plugin_arg_t *args;
    json_t *jobspec = NULL;
    const char *uri;
    const char *label;
    char error[1024];
    int rc = -1;

    snprintf (error, sizeof (error), "cannot read the job");
    if ((args = flux_jobtap_job_lookup (d->env->p, d->id))
        && flux_plugin_arg_unpack (args,
                                   FLUX_PLUGIN_ARG_IN,
                                   "{s:o}",
                                   "jobspec",
                                   &jobspec)
               == 0
        && (rc = route_next (d->route,
                             d->env->targets,
                             jobspec,
                             &uri,
                             &label,
                             error,
                             sizeof (error)))
               == 0) {
        rc = -1;
        free (d->label);
        d->label = label ? strdup (label) : NULL;
        if ((d->link = targets_link (d->env->targets, uri)))
            rc = 0;
        else
            snprintf (error, sizeof (error), "%s: %s", uri, strerror (errno));
    }
    flux_plugin_arg_destroy (args);
    if (rc == 1) {  // a full target: wait for a slot (delegation_wake_all)
        d->link = NULL;
        set_state (d, D_WAIT);
    } else if (rc < 0) {
        d->link = NULL;
        fail (d, "DelegationFailure", false, "%s", error);
    }
    return rc;
}

void prepare (struct delegation *d)
{
    char key[64];

    if (choose_target (d) != 0)
        return;
    set_state (d, D_PREPARE);
    deadline_arm (d, "no answer within %gs", d->env->link_timeout);
    if (ended (d))
        return;  // the deadline could not be armed
    if (flux_job_kvs_key (key, sizeof (key), d->id, "J") < 0
        || lookup_then (d, &d->f_J, NULL, key, J_cb) < 0)
        fail (d,
              "DelegationFailure",
              false,
              "%s: cannot read the job as submitted: %s",
              link_uri (d->link),
              strerror (errno));
}

// vi:ts=4 sw=4 expandtab
