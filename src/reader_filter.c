/*
 * reader_filter.c - the reader's filter (reader_filter.h).
 *
 * Not for: the list of wanted sources (event_sources.c).
 */
#include "crashsig/reader_filter.h"

bool reader_filter_wants(const struct reader_filter *filter, const char *provider,
                         uint32_t event_id)
{
    for (size_t i = 0; i < filter->count; i++) {
        const struct reader_want *w = &filter->wants[i];
        if (cs_strcasecmp(w->provider, provider) != 0)
            continue;
        for (size_t k = 0; k < w->event_id_count; k++)
            if (w->event_ids[k] == event_id)
                return true;
    }
    return false;
}
