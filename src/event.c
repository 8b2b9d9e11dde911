/*
 * event.c - ownership helpers for the normalized event (event.h).
 */
#include "crashsig/event.h"

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
    free(e->computer);
    free(e->channel);
    free(e->provider);
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
}
