/* SPDX-License-Identifier: LGPL-3.0 */

/* errfmt.h - write an error message into a flux_error_t
 */

#ifndef DELEGATE_ERRFMT_H
#define DELEGATE_ERRFMT_H

#include <flux/core.h>

/* Format into 'errp' (if not NULL) and return -1, for
 *   return errfmt (errp, "...", ...);
 */
int errfmt (flux_error_t *errp, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

#endif /* !DELEGATE_ERRFMT_H */

// vi:ts=4 sw=4 expandtab
