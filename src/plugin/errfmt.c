/* SPDX-License-Identifier: LGPL-3.0 */

/* errfmt.c - write an error message into a flux_error_t (errfmt.h)
 */

#include <stdarg.h>
#include <stdio.h>

#include "errfmt.h"

int errfmt (flux_error_t *errp, const char *fmt, ...)
{
    if (errp) {
        va_list ap;
        va_start (ap, fmt);
        vsnprintf (errp->text, sizeof (errp->text), fmt, ap);
        va_end (ap);
    }
    return -1;
}

// vi:ts=4 sw=4 expandtab
