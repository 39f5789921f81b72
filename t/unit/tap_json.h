/* SPDX-License-Identifier: LGPL-3.0 */

/* tap_json.h - JSON test data for the unit tests
 *
 *   load (s)   parse 's' or bail out of the TAP run
 */

#ifndef DELEGATE_TAP_JSON_H
#define DELEGATE_TAP_JSON_H

#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>

static inline json_t *load (const char *s)
{
    json_t *o = json_loads (s, 0, NULL);
    if (!o) {
        printf ("Bail out! bad test JSON: %s\n", s);
        exit (1);
    }
    return o;
}

#endif /* !DELEGATE_TAP_JSON_H */
