/* SPDX-License-Identifier: LGPL-3.0 */

/* outcount.h - how far an output eventlog (RFC 24) has got
 *
 * The output eventlog of a job starts with a "header" whose context
 * counts the streams: "count": {"stdout": N, "stderr": M}, one of each
 * per task.  Each stream ends with a "data" entry whose context has
 * "eof": true.  Once every stream counted in the header has ended, the
 * job's standard output and error are whole: the source's copy is
 * complete there (output.h), and what the shell may still append (a
 * "log" entry) is not waited for.
 *
 * Both the source's copy (output.c) and the link's reader of the remote
 * eventlog (rjob_output.c) count the entries they see this way.
 *
 * Pure: no broker.
 */

#ifndef DELEGATE_OUTCOUNT_H
#define DELEGATE_OUTCOUNT_H

#include <stdbool.h>

struct outcount {
    int streams;  // from the header; 0 until it is seen
    int eofs;     // streams ended so far
};

/* Count one entry, a line of JSON.  Anything else (not JSON, another
 * name, no count) counts nothing.
 */
void outcount_entry (struct outcount *c, const char *entry);

/* Every stream named by the header has ended.
 */
bool outcount_ended (const struct outcount *c);

#endif /* !DELEGATE_OUTCOUNT_H */

// vi:ts=4 sw=4 expandtab
