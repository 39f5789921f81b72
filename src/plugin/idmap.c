/* SPDX-License-Identifier: LGPL-3.0 */

/* idmap.c - job id -> pointer (see idmap.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdlib.h>

#include "idmap.h"

#define IDMAP_MIN_SLOTS 16

struct slot {
    uint64_t id;  // 0: empty
    void *value;
};

struct idmap {
    struct slot *slots;
    size_t size;  // a power of two
    size_t count;
};

/* Job ids (RFC 19) carry a timestamp in their high bits and a
 * sequence number in their low ones: mix them all into the low bits.
 */
static size_t home (const struct idmap *m, uint64_t id)
{
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdULL;
    id ^= id >> 33;
    return (size_t)id & (m->size - 1);
}

static size_t find (const struct idmap *m, uint64_t id)
{
    size_t i = home (m, id);

    while (m->slots[i].id != 0 && m->slots[i].id != id)
        i = (i + 1) & (m->size - 1);
    return i;
}

static int resize (struct idmap *m, size_t size)
{
    struct slot *old = m->slots;
    size_t old_size = m->size;

    if (!(m->slots = calloc (size, sizeof (*m->slots)))) {
        m->slots = old;
        return -1;
    }
    m->size = size;
    for (size_t i = 0; i < old_size; i++)
        if (old[i].id != 0)
            m->slots[find (m, old[i].id)] = old[i];
    free (old);
    return 0;
}

int idmap_put (struct idmap *m, uint64_t id, void *value)
{
    size_t i;

    if (id == 0 || !value) {
        errno = EINVAL;
        return -1;
    }
    if ((m->count + 1) * 2 > m->size && resize (m, m->size * 2) < 0)
        return -1;
    i = find (m, id);
    if (m->slots[i].id == 0)
        m->count++;
    m->slots[i].id = id;
    m->slots[i].value = value;
    return 0;
}

void *idmap_get (const struct idmap *m, uint64_t id)
{
    if (id == 0)
        return NULL;
    return m->slots[find (m, id)].value;
}

/* Close the gap at 'hole': move back each later entry of the run that
 * may not stay where it is once 'hole' is empty.
 */
static void shift_back (struct idmap *m, size_t hole)
{
    size_t mask = m->size - 1;
    size_t i = hole;

    for (;;) {
        size_t h;
        i = (i + 1) & mask;
        if (m->slots[i].id == 0)
            break;
        h = home (m, m->slots[i].id);
        /* the entry at i stays if its home lies cyclically in (hole, i] */
        if (hole <= i ? (hole < h && h <= i) : (hole < h || h <= i))
            continue;
        m->slots[hole] = m->slots[i];
        hole = i;
    }
    m->slots[hole].id = 0;
    m->slots[hole].value = NULL;
}

bool idmap_remove (struct idmap *m, uint64_t id, const void *value)
{
    size_t i;

    if (id == 0)
        return false;
    i = find (m, id);
    if (m->slots[i].id == 0 || (value && m->slots[i].value != value))
        return false;
    shift_back (m, i);
    m->count--;
    if (m->size > IDMAP_MIN_SLOTS && m->count * 8 < m->size)
        (void)resize (m, m->size / 2);  // on failure, stays larger
    return true;
}

size_t idmap_count (const struct idmap *m)
{
    return m->count;
}

struct idmap *idmap_create (void)
{
    struct idmap *m = calloc (1, sizeof (*m));

    if (!m || !(m->slots = calloc (IDMAP_MIN_SLOTS, sizeof (*m->slots)))) {
        free (m);
        return NULL;
    }
    m->size = IDMAP_MIN_SLOTS;
    return m;
}

void idmap_destroy (struct idmap *m)
{
    if (m) {
        int saved_errno = errno;
        free (m->slots);
        free (m);
        errno = saved_errno;
    }
}

// vi:ts=4 sw=4 expandtab
