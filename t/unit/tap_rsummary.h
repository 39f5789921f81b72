/* SPDX-License-Identifier: LGPL-3.0 */

/* tap_rsummary.h - resource summaries as test data for the unit tests
 *
 *   summary (s)   decode the summary encoded in 's' or bail out
 */

#ifndef DELEGATE_TAP_RSUMMARY_H
#define DELEGATE_TAP_RSUMMARY_H

#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>

#include "src/plugin/rsummary.h"

static inline struct rsummary summary (const char *encoded)
{
    struct rsummary rs;
    json_t *o = json_loads (encoded, 0, NULL);

    if (!o || rsummary_decode (o, &rs) < 0) {
        printf ("Bail out! cannot decode %s\n", encoded);
        exit (1);
    }
    json_decref (o);
    return rs;
}

#endif /* !DELEGATE_TAP_RSUMMARY_H */

// vi:ts=4 sw=4 expandtab
