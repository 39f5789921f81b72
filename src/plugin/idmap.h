/* SPDX-License-Identifier: LGPL-3.0 */

/* idmap.h - job id -> pointer, in constant expected time
 *
 * An open-addressing hash table (linear probing, deletion by backward
 * shift: no tombstones) that doubles when half full and halves when an
 * eighth full.  Used wherever a report or a command names a job by id:
 * the delegations of the job manager's thread, the remote jobs of a
 * link thread, so that no work per event grows with the jobs in flight.
 * Not thread-safe: one map belongs to one thread.  Pure: no broker.
 */

#ifndef DELEGATE_IDMAP_H
#define DELEGATE_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idmap;

struct idmap *idmap_create (void);
void idmap_destroy (struct idmap *m);

/* Map 'id' (not 0) to 'value' (not NULL), replacing any earlier value.
 * Return 0, or -1 with errno (EINVAL, ENOMEM).
 */
int idmap_put (struct idmap *m, uint64_t id, void *value);

/* The value of 'id', or NULL.
 */
void *idmap_get (const struct idmap *m, uint64_t id);

/* Remove 'id' if 'value' is what it maps to (NULL: whatever it maps to).
 * Return true if an entry was removed.
 */
bool idmap_remove (struct idmap *m, uint64_t id, const void *value);

size_t idmap_count (const struct idmap *m);

#endif /* !DELEGATE_IDMAP_H */

// vi:ts=4 sw=4 expandtab
