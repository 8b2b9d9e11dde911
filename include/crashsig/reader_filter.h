/*
 * reader_filter.h - which records the pipeline wants (a provider name, its event ids and,
 * for a source whose events are mostly about something else, the values one of its strings
 * must have) and where the reader hands each kept one: the contract between the reader, the
 * prefilter that selects chunks for it and the table of event sources that fills it.
 *
 * Not for: reading (reader.h) or the list of sources itself (event_sources.h).
 */
#ifndef CRASHSIG_READER_FILTER_H
#define CRASHSIG_READER_FILTER_H

#include "crashsig/event.h"

/*
 * Which records the pipeline wants: a provider name (case-insensitive) and its event ids.
 * When values is not empty, a record of the source is wanted only when one of its EventData
 * strings is one of them (reader_want_value_is_one): Windows Error Reporting 1001 is the
 * same event for a crash report and for a Windows Update failure, and only the event name
 * among its strings tells them apart.  Values are ASCII: the prefilter compares them with the
 * record's raw substitution values before libevtx parses the record.
 */
struct reader_want {
    const char *provider;
    const uint32_t *event_ids;
    size_t event_id_count;
    const char *const *values;
    size_t value_count;
};

struct reader_filter {
    const struct reader_want *wants;
    size_t count;
};

/* The source of the filter with this provider that lists event_id, or NULL. */
const struct reader_want *reader_filter_find(const struct reader_filter *filter,
                                             const char *provider, uint32_t event_id);

/* True when provider/event_id pass the filter (values aside: see reader_want_value_is_one). */
bool reader_filter_wants(const struct reader_filter *filter, const char *provider,
                         uint32_t event_id);

/* True when text, without the spaces, tabs and line breaks around it, is one of want's values
 * (ASCII letters in either case, as cs_strcasecmp compares).  False for NULL. */
bool reader_want_value_is_one(const struct reader_want *want, const char *text);

/* True when a record of want with these strings is wanted: want lists no values, or one of
 * the strings is one of them. */
bool reader_want_strings_match(const struct reader_want *want, const char *const *strings,
                               size_t count);

/* Called once per kept record; the callback takes ownership of *ev (event_move it) or leaves
 * it for the reader to free.  A non-zero return stops the scan of this file. */
typedef int (*reader_event_fn)(struct event *ev, void *ctx);

#endif
