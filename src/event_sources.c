/*
 * event_sources.c - the table of event_sources.h.
 *
 * Not for: parsing the events.
 */
#include "crashsig/event_sources.h"

static const uint32_t DOTNET_RUNTIME_IDS[] = {1023, 1025, 1026, 1027, 1028};
static const uint32_t APP_ERROR_IDS[] = {1000};
static const uint32_t WER_IDS[] = {1001};

/* In enum event_source order. */
static const struct reader_want SOURCES[EVENT_SOURCE_COUNT] = {
    {".NET Runtime", DOTNET_RUNTIME_IDS, sizeof(DOTNET_RUNTIME_IDS) / sizeof(uint32_t)},
    {"Application Error", APP_ERROR_IDS, sizeof(APP_ERROR_IDS) / sizeof(uint32_t)},
    {"Windows Error Reporting", WER_IDS, sizeof(WER_IDS) / sizeof(uint32_t)},
};

static const struct reader_filter FILTER = {SOURCES, EVENT_SOURCE_COUNT};

const char *event_source_provider(enum event_source source)
{
    return source < EVENT_SOURCE_COUNT ? SOURCES[source].provider : "";
}

enum event_source event_source_of(const struct event *ev)
{
    for (size_t s = 0; ev->provider && s < EVENT_SOURCE_COUNT; s++)
        if (cs_strcasecmp(ev->provider, SOURCES[s].provider) == 0)
            return (enum event_source)s;
    return EVENT_SOURCE_NONE;
}

const struct reader_filter *event_sources_filter(void)
{
    return &FILTER;
}
