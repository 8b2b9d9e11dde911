/*
 * reader_filter.c - the reader's filter (reader_filter.h).
 *
 * Not for: the list of wanted sources (event_sources.c), or the same rules on raw BinXML
 * (prefilter.c, which must keep every record these keep).
 */
#include "crashsig/reader_filter.h"

#include <ctype.h>

const struct reader_want *reader_filter_find(const struct reader_filter *filter,
                                             const char *provider, uint32_t event_id)
{
    for (size_t i = 0; i < filter->count; i++) {
        const struct reader_want *w = &filter->wants[i];
        if (cs_strcasecmp(w->provider, provider) != 0)
            continue;
        for (size_t k = 0; k < w->event_id_count; k++)
            if (w->event_ids[k] == event_id)
                return w;
    }
    return NULL;
}

bool reader_filter_wants(const struct reader_filter *filter, const char *provider,
                         uint32_t event_id)
{
    return reader_filter_find(filter, provider, event_id) != NULL;
}

/* The whitespace wer_report.c trims around a value (and the prefilter skips). */
static bool is_trimmed(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Where text goes on after value, when it starts with it (compared as cs_strcasecmp compares);
 * NULL when it does not. */
static const char *after_value(const char *text, const char *value)
{
    for (; *value; text++, value++)
        if (tolower((unsigned char)*text) != tolower((unsigned char)*value))
            return NULL;
    return text;
}

bool reader_want_value_is_one(const struct reader_want *want, const char *text)
{
    if (text == NULL)
        return false;
    while (is_trimmed(*text))
        text++;
    for (size_t i = 0; i < want->value_count; i++) {
        const char *rest = after_value(text, want->values[i]);
        while (rest && is_trimmed(*rest))
            rest++;
        if (rest && *rest == '\0')
            return true;
    }
    return false;
}

bool reader_want_strings_match(const struct reader_want *want, const char *const *strings,
                               size_t count)
{
    if (want->value_count == 0)
        return true;
    for (size_t i = 0; i < count; i++)
        if (reader_want_value_is_one(want, strings[i]))
            return true;
    return false;
}
