/*
 * event.c - ownership helpers for the normalized event (event.h).
 */
#include "crashsig/event.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void event_data_free(struct event_data *d)
{
    for (size_t i = 0; i < d->count; i++) {
        free(d->values[i]);
        if (d->names)
            free(d->names[i]);
    }
    free(d->values);
    free(d->names);
    memset(d, 0, sizeof(*d));
}

void event_free(struct event *e)
{
    if (e->strings_shared) {
        shared_string_release(e->computer);
        shared_string_release(e->channel);
        shared_string_release(e->provider);
    } else {
        free(e->computer);
        free(e->channel);
        free(e->provider);
    }
    if (!e->data_borrowed)
        event_data_free(&e->data);
    memset(e, 0, sizeof(*e));
}

void event_move(struct event *dst, struct event *src)
{
    *dst = *src;
    memset(src, 0, sizeof(*src));
}

static char **copy_strings(char *const *strings, size_t count)
{
    if (strings == NULL)
        return NULL;
    char **copy = cs_xcalloc(count, sizeof(char *));
    for (size_t i = 0; i < count; i++)
        copy[i] = cs_strdup(strings[i]);
    return copy;
}

void event_copy(struct event *dst, const struct event *src)
{
    *dst = *src;
    dst->computer = cs_strdup(src->computer);
    dst->channel = cs_strdup(src->channel);
    dst->provider = cs_strdup(src->provider);
    dst->data.values = copy_strings(src->data.values, src->data.count);
    dst->data.names = copy_strings(src->data.names, src->data.count);
    dst->data_borrowed = false;
    dst->strings_shared = false;
}

/* ---- shared strings -------------------------------------------------------------------- */

struct shared_string {
    size_t references;
    uint64_t hash;
    char text[]; /* what holders point at */
};

struct string_pool {
    size_t count, capacity; /* capacity a power of two, at most half full */
    struct shared_string **slots;
};

#define FNV64_PRIME 0x100000001b3ull

uint64_t cs_fnv1a_text(uint64_t hash, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        hash = (hash ^ *p) * FNV64_PRIME;
    return hash;
}

uint64_t cs_fnv1a_bytes(uint64_t hash, const void *bytes, size_t size)
{
    const unsigned char *p = bytes;
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ p[i]) * FNV64_PRIME;
    return hash;
}

static struct shared_string *shared_string_of(char *s)
{
    return (struct shared_string *)(s - offsetof(struct shared_string, text));
}

void shared_string_release(char *s)
{
    if (s == NULL)
        return;
    struct shared_string *shared = shared_string_of(s);
    if (--shared->references == 0)
        free(shared);
}

struct string_pool *string_pool_new(void)
{
    return cs_xcalloc(1, sizeof(struct string_pool));
}

void string_pool_free(struct string_pool *pool)
{
    if (pool == NULL)
        return;
    for (size_t i = 0; i < pool->capacity; i++)
        if (pool->slots[i])
            shared_string_release(pool->slots[i]->text);
    free(pool->slots);
    free(pool);
}

/* The slot of text: its string's, or the empty one where it belongs. */
static size_t pool_slot(const struct string_pool *pool, uint64_t hash, const char *text)
{
    size_t mask = pool->capacity - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        const struct shared_string *s = pool->slots[i];
        if (s == NULL || (s->hash == hash && strcmp(s->text, text) == 0))
            return i;
    }
}

static void pool_grow(struct string_pool *pool)
{
    struct string_pool bigger = {pool->count, pool->capacity ? pool->capacity * 2 : 64, NULL};
    bigger.slots = cs_xcalloc(bigger.capacity, sizeof(*bigger.slots));
    for (size_t i = 0; i < pool->capacity; i++)
        if (pool->slots[i])
            bigger.slots[pool_slot(&bigger, pool->slots[i]->hash, pool->slots[i]->text)] =
                pool->slots[i];
    free(pool->slots);
    *pool = bigger;
}

char *string_pool_intern(struct string_pool *pool, const char *text)
{
    if (text == NULL)
        return NULL;
    uint64_t hash = cs_fnv1a_text(CS_FNV64_OFFSET_BASIS, text);
    if (pool->count >= pool->capacity / 2)
        pool_grow(pool);
    size_t slot = pool_slot(pool, hash, text);
    struct shared_string *s = pool->slots[slot];
    if (s == NULL) {
        size_t n = strlen(text);
        s = cs_xmalloc(sizeof(*s) + n + 1);
        s->references = 1; /* the pool's */
        s->hash = hash;
        memcpy(s->text, text, n + 1);
        pool->slots[slot] = s;
        pool->count++;
    }
    s->references++;
    return s->text;
}

void string_pool_take(struct string_pool *pool, char **s)
{
    char *shared = string_pool_intern(pool, *s);
    free(*s);
    *s = shared;
}

void event_share_strings(struct event *e, struct string_pool *pool)
{
    if (e->strings_shared)
        return;
    string_pool_take(pool, &e->computer);
    string_pool_take(pool, &e->channel);
    string_pool_take(pool, &e->provider);
    e->strings_shared = true;
}
