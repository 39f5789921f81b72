/* SPDX-License-Identifier: LGPL-3.0 */

/* strmap.c - string -> pointer (strmap.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"
#include "strmap.h"

struct entry {
    struct entry *next;  // of the same hash
    struct entry *all_next;
    struct entry **all_pprev;
    const char *key;
    void *value;
};

struct strmap {
    struct idmap *chains;  // hash -> first entry
    struct entry *all;     // every entry, to free them
    size_t count;
};

static uint64_t hash (const char *key)
{
    uint64_t h = 14695981039346656037ULL;  // FNV-1a
    for (const unsigned char *s = (const unsigned char *)key; *s; s++)
        h = (h ^ *s) * 1099511628211ULL;
    return h ? h : 1;  // 0 is no id
}

struct strmap *strmap_create (void)
{
    struct strmap *m = calloc (1, sizeof (*m));

    if (!m || !(m->chains = idmap_create ())) {
        free (m);
        return NULL;
    }
    return m;
}

void strmap_destroy (struct strmap *m)
{
    if (m) {
        int saved_errno = errno;
        while (m->all) {
            struct entry *e = m->all;
            m->all = e->all_next;
            free (e);
        }
        idmap_destroy (m->chains);
        free (m);
        errno = saved_errno;
    }
}

static struct entry *find (const struct strmap *m, const char *key, uint64_t h)
{
    struct entry *e = idmap_get (m->chains, h);
    while (e && strcmp (e->key, key) != 0)
        e = e->next;
    return e;
}

int strmap_put (struct strmap *m, const char *key, void *value)
{
    uint64_t h;
    struct entry *e;

    if (!m || !key || !value) {
        errno = EINVAL;
        return -1;
    }
    h = hash (key);
    if ((e = find (m, key, h))) {
        e->key = key;
        e->value = value;
        return 0;
    }
    if (!(e = calloc (1, sizeof (*e))))
        return -1;
    e->key = key;
    e->value = value;
    e->next = idmap_get (m->chains, h);
    if (idmap_put (m->chains, h, e) < 0) {
        free (e);
        return -1;
    }
    if ((e->all_next = m->all))
        e->all_next->all_pprev = &e->all_next;
    e->all_pprev = &m->all;
    m->all = e;
    m->count++;
    return 0;
}

void *strmap_get (const struct strmap *m, const char *key)
{
    struct entry *e = m && key ? find (m, key, hash (key)) : NULL;
    return e ? e->value : NULL;
}

int strmap_remove (struct strmap *m, const char *key, const void *value)
{
    uint64_t h;
    struct entry *head;
    struct entry **pp;

    if (!m || !key)
        return 0;
    h = hash (key);
    head = idmap_get (m->chains, h);
    for (pp = &head; *pp; pp = &(*pp)->next) {
        struct entry *e = *pp;
        if (strcmp (e->key, key) != 0 || (value && e->value != value))
            continue;
        *pp = e->next;
        if (head)
            (void)idmap_put (m->chains, h, head);
        else
            (void)idmap_remove (m->chains, h, NULL);
        if ((*e->all_pprev = e->all_next))
            e->all_next->all_pprev = e->all_pprev;
        free (e);
        m->count--;
        return 1;
    }
    return 0;
}

size_t strmap_count (const struct strmap *m)
{
    return m ? m->count : 0;
}

// vi:ts=4 sw=4 expandtab
