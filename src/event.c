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
    event_data_free(&e->data);
    memset(e, 0, sizeof(*e));
}

void event_move(struct event *dst, struct event *src)
{
    *dst = *src;
    memset(src, 0, sizeof(*src));
}
