/* SPDX-License-Identifier: LGPL-3.0 */

/* output.h - the remote job's output, copied to the source job: the
 * interface (the plugin's implementation is output.c, output_kvs.h)
 *
 * The copy of the remote output eventlog (RFC 24) into the source job,
 * which flux job attach reads.  Entries are given in order (add), the
 * end of the remote eventlog is told (end), and the copy is written once
 * the source job's guest namespace exists (start).  The source job
 * starts once the header is shown, and must not finish before the copy
 * is complete: the complete callback tells both.
 */

#ifndef DELEGATE_OUTPUT_H
#define DELEGATE_OUTPUT_H

#include <stdbool.h>

/* Called once the header is copied, and when the copy becomes complete.
 */
typedef void (*output_complete_f) (void *arg);

struct output;

struct output_ops {
    int (*add) (struct output *o, const char *entry);
    void (*end) (struct output *o, const char *error);
    void (*start) (struct output *o);
    void (*resume) (struct output *o, int count);
    bool (*complete) (struct output *o);
    bool (*shown) (struct output *o);
    void (*destroy) (struct output *o);
};

/* Every implementation's object starts with this.
 */
struct output {
    const struct output_ops *ops;
};

static inline void output_destroy (struct output *o)
{
    if (o)
        o->ops->destroy (o);
}

/* An entry of the remote output eventlog (one line of JSON).
 */
static inline int output_add (struct output *o, const char *entry)
{
    return o->ops->add (o, entry);
}

/* The remote output eventlog ended ('error' NULL) or cannot be read.
 */
static inline void output_end (struct output *o, const char *error)
{
    o->ops->end (o, error);
}

/* The source job runs: its guest namespace exists.
 */
static inline void output_start (struct output *o)
{
    o->ops->start (o);
}

/* After a plugin reload: 'count' entries, the header among them if any,
 * were copied by the plugin before.
 */
static inline void output_resume (struct output *o, int count)
{
    o->ops->resume (o, count);
}

static inline bool output_complete (struct output *o)
{
    return o->ops->complete (o);
}

/* True once the header (and "shell.init") is committed, or the copy
 * ended without: flux job attach finds what it waits for.
 */
static inline bool output_shown (struct output *o)
{
    return o->ops->shown (o);
}

#endif /* !DELEGATE_OUTPUT_H */

// vi:ts=4 sw=4 expandtab
