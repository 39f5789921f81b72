/* SPDX-License-Identifier: LGPL-3.0 */

/* strmap.h - string -> pointer, in constant expected time
 *
 * An idmap (idmap.h) keyed by a 64-bit hash of the string (FNV-1a), with
 * the few strings of one hash chained.  The map copies nothing: a key
 * must stay valid while its entry is in the map (the value usually holds
 * it).  Not thread-safe.  Pure: no broker.
 */

#ifndef DELEGATE_STRMAP_H
#define DELEGATE_STRMAP_H

#include <stddef.h>

struct strmap;

struct strmap *strmap_create (void);
void strmap_destroy (struct strmap *m);

/* Map 'key' to 'value' (not NULL), replacing an earlier value of 'key'.
 * Return 0, or -1 with errno (EINVAL, ENOMEM).
 */
int strmap_put (struct strmap *m, const char *key, void *value);

/* The value of 'key', or NULL. */
void *strmap_get (const struct strmap *m, const char *key);

/* Remove 'key' if it maps to 'value' (NULL: whatever it maps to).
 * Return 1 if an entry was removed, else 0.
 */
int strmap_remove (struct strmap *m, const char *key, const void *value);

size_t strmap_count (const struct strmap *m);

#endif /* !DELEGATE_STRMAP_H */

// vi:ts=4 sw=4 expandtab
