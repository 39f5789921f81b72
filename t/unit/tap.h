/* SPDX-License-Identifier: LGPL-3.0 */

/* tap.h - the smallest TAP producer that serves our unit tests
 *
 *   ok (cond, fmt, ...)    one test point
 *   is_str (got, want, fmt, ...)
 *   done_testing ()        prints the plan; returns the exit code
 */

#ifndef DELEGATE_TAP_H
#define DELEGATE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static inline int tap_vok (int cond, const char *fmt, va_list ap)
{
    tap_count++;
    printf ("%sok %d - ", cond ? "" : "not ", tap_count);
    vprintf (fmt, ap);
    printf ("\n");
    if (!cond)
        tap_failed++;
    return cond;
}

static inline int ok (int cond, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    cond = tap_vok (cond, fmt, ap);
    va_end (ap);
    return cond;
}

static inline int is_str (const char *got, const char *want, const char *fmt, ...)
{
    va_list ap;
    int cond = got && want && strcmp (got, want) == 0;
    va_start (ap, fmt);
    cond = tap_vok (cond, fmt, ap);
    va_end (ap);
    if (!cond)
        printf ("#   got:  '%s'\n#   want: '%s'\n",
                got ? got : "(null)",
                want ? want : "(null)");
    return cond;
}

static inline int done_testing (void)
{
    printf ("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif /* !DELEGATE_TAP_H */
