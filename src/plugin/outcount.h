/* SPDX-License-Identifier: LGPL-3.0 */

/* outcount.h - how far an output eventlog (RFC 24) has got
 *
 * The output eventlog of a job starts with a "header" whose context
 * counts the streams: "count": {"stdout": N, "stderr": M}, one of each
 * per task.  A stream ends with a "data" entry whose context has
 * "eof": true, and names it by "stream" and "rank".  Once as many
 * distinct streams have ended as the header counts, the job's standard
 * output and error are whole: the source's copy is complete there
 * (output.h), and what the shell may still append (a "log" entry) is not
 * waited for.
 *
 * A stream is the pair ("stream", "rank"), the rank string taken as it
 * is written: an end repeated for the same pair counts once.  flux-core's
 * shell writes one end per task, its rank a single number ("0"); an end
 * written for several tasks at once ("0-3") would count as one stream,
 * so the log would not be seen to end: the reader then waits for the
 * end of the eventlog itself (never too early).
 *
 * Both the source's copy (output.c) and the link's reader of the remote
 * eventlog (rjob_output.c) count the entries they see this way.
 *
 * Memory: the struct is held per running job, so it stays small (two
 * counts and a pointer); the pairs ended are kept, sorted, in an array
 * allocated as ends come (one string per pair), and freed as soon as
 * every stream has ended: from then on nothing more is counted.
 *
 * Pure: no broker.
 */

#ifndef DELEGATE_OUTCOUNT_H
#define DELEGATE_OUTCOUNT_H

#include <stdbool.h>

struct outcount {
    int streams;   // from the header; 0 until it is seen
    int eofs;      // distinct (stream, rank) pairs ended so far
    char **ended;  // those pairs, "stream\0rank", sorted; NULL once all ended
};

/* A zeroed struct outcount is ready to count.  outcount_clear() frees
 * what it holds and zeroes it again (to count another log, or before the
 * struct goes).
 */
void outcount_clear (struct outcount *c);

/* Count one entry, a line of JSON.  Anything else (not JSON, another
 * name, no count, an end that names no stream or rank) counts nothing,
 * and so does every entry once the log has ended.  Out of memory, an end
 * is not counted (the log is then never seen to end).
 */
void outcount_entry (struct outcount *c, const char *entry);

/* Every stream counted by the header has ended.
 */
bool outcount_ended (const struct outcount *c);

#endif /* !DELEGATE_OUTCOUNT_H */

// vi:ts=4 sw=4 expandtab
