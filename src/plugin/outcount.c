/* SPDX-License-Identifier: LGPL-3.0 */

/* outcount.c - how far an output eventlog (RFC 24) has got (outcount.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <string.h>
#include <jansson.h>

#include "outcount.h"

void outcount_entry (struct outcount *c, const char *entry)
{
    json_t *e = json_loads (entry, JSON_DISABLE_EOF_CHECK, NULL);
    const char *name = NULL;
    int out = 0, err = 0, eof = 0;

    if (json_unpack (e, "{s:s}", "name", &name) == 0) {
        if (!strcmp (name, "header")
            && json_unpack (e,
                            "{s:{s:{s?i s?i}}}",
                            "context",
                            "count",
                            "stdout",
                            &out,
                            "stderr",
                            &err)
                   == 0)
            c->streams = out + err;
        else if (!strcmp (name, "data")
                 && json_unpack (e, "{s:{s?b}}", "context", "eof", &eof) == 0 && eof)
            c->eofs++;
    }
    json_decref (e);
}

bool outcount_ended (const struct outcount *c)
{
    return c->streams > 0 && c->eofs >= c->streams;
}

// vi:ts=4 sw=4 expandtab
