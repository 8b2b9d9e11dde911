/*
 * reader_filter.h - which records the pipeline wants (a provider name and its event ids) and
 * where the reader hands each kept one: the contract between the reader, the prefilter that
 * selects chunks for it and the table of event sources that fills it.
 *
 * Not for: reading (reader.h) or the list of sources itself (event_sources.h).
 */
#ifndef CRASHSIG_READER_FILTER_H
#define CRASHSIG_READER_FILTER_H

#include "crashsig/event.h"

/* Which records the pipeline wants: a provider name (case-insensitive) and its event ids. */
struct reader_want {
    const char *provider;
    const uint32_t *event_ids;
    size_t event_id_count;
};

struct reader_filter {
    const struct reader_want *wants;
    size_t count;
};

/* True when provider/event_id pass the filter. */
bool reader_filter_wants(const struct reader_filter *filter, const char *provider,
                         uint32_t event_id);

/* Called once per kept record; the callback takes ownership of *ev (event_move it) or leaves
 * it for the reader to free.  A non-zero return stops the scan of this file. */
typedef int (*reader_event_fn)(struct event *ev, void *ctx);

#endif
