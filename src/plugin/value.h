/* SPDX-License-Identifier: LGPL-3.0 */

/* value.h - parse the value of a delegate request
 *
 * A job asks for delegation with --dependency=delegate:VALUE or
 * -S system.delegate=VALUE.  VALUE is read in this order:
 *
 *   1. it contains "://": a URI
 *        local:///ABSOLUTE/PATH           a broker socket on this host
 *        ssh://[USER@]HOST[:PORT]/PATH    a broker reached through ssh
 *   2. it is a policy name: random, round_robin, least_pending,
 *      shortest_match, earliest_start, assign:N (N >= 0), or siblings
 *      or siblings:K (K >= 1: offered to the K best targets at once)
 *   3. otherwise the label of a configured target
 *      (letters, digits, '-', '_' and '.')
 *
 * These functions are pure: no broker, no I/O.  Errors are written to
 * 'errp' as one line that names the value and what is wrong with it.
 */

#ifndef DELEGATE_VALUE_H
#define DELEGATE_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <flux/core.h>

/* Longest accepted value (bytes).  A socket path is at most 108 bytes;
 * an ssh URI adds a user and a host name.
 */
#define DELEGATE_VALUE_MAX 1024

/* Check that 'uri' is a URI that flux_open(3) can be asked to connect
 * to for delegation.  Return 0 if so, else -1 with 'errp' set.
 */
int delegate_uri_check (const char *uri, flux_error_t *errp);

enum delegate_kind {
    DELEGATE_URI,
    DELEGATE_POLICY,
    DELEGATE_LABEL,
};

enum delegate_policy {
    POLICY_NONE,
    POLICY_RANDOM,
    POLICY_ASSIGN,
    POLICY_ROUND_ROBIN,
    POLICY_LEAST_PENDING,
    POLICY_SHORTEST_MATCH,
    POLICY_EARLIEST_START,
    POLICY_SIBLINGS,
};

struct delegate_request {
    enum delegate_kind kind;
    enum delegate_policy policy;  // DELEGATE_POLICY
    int assign;                   // POLICY_ASSIGN: the index N
    int siblings;                 // POLICY_SIBLINGS: K, or 0 for all
    const char *text;             // the value (not copied)
};

/* Parse a delegate value into 'req' (which points into 'value').
 * Whether a label is configured is not checked here.
 * Return 0 if it is acceptable, else -1 with 'errp' set.
 */
int delegate_value_parse (const char *value,
                          struct delegate_request *req,
                          flux_error_t *errp);

/* Return true if 'name' is a policy name ("assign" counts as one).
 */
bool delegate_is_policy_name (const char *name);

/* Return the policy name of 'policy' ("assign" for POLICY_ASSIGN).
 */
const char *delegate_policy_name (enum delegate_policy policy);

/* Check the syntax of a target label.  Return 0 if valid, else -1.
 */
int delegate_label_check (const char *label, flux_error_t *errp);

/* Parse a duration: a number of seconds, optionally followed by one of
 * the suffixes ms, s, m, h, d (Flux Standard Duration).  It must be
 * finite and greater than zero.  Return 0 on success, else -1.
 */
int delegate_duration_parse (const char *s, double *seconds);

#endif /* !DELEGATE_VALUE_H */

// vi:ts=4 sw=4 expandtab
