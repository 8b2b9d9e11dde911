/*
 * event_sources.c - the table of event_sources.h.
 *
 * Not for: parsing the events.
 */
#include "crashsig/event_sources.h"

static const uint32_t DOTNET_RUNTIME_IDS[] = {1023, 1025, 1026, 1027, 1028};
static const uint32_t APP_ERROR_IDS[] = {1000};
static const uint32_t WER_IDS[] = {1001};
/* Deaths and hangs, Rapid-Fail Protection, and the recycle and idle events that prove a
 * worker lived (was.h). */
static const uint32_t WAS_IDS[] = {5002, 5009, 5010, 5011, 5013, 5074, 5075, 5076,
                                   5077, 5078, 5079, 5080, 5081, 5117, 5186};
/* Not 1309 (a failed request; the process lived): busy sites write thousands, and reading
 * them would triple the scan time of a realistic Application log (docs/performance.md). */
static const uint32_t ASPNET_IDS[] = {1325};
static const uint32_t ANCM_IDS[] = {1005, 1007, 1011, 1018, 1031, 1035};

/* In enum event_source order. */
static const struct reader_want SOURCES[EVENT_SOURCE_COUNT] = {
    {".NET Runtime", DOTNET_RUNTIME_IDS, sizeof(DOTNET_RUNTIME_IDS) / sizeof(uint32_t)},
    {"Application Error", APP_ERROR_IDS, sizeof(APP_ERROR_IDS) / sizeof(uint32_t)},
    {"Windows Error Reporting", WER_IDS, sizeof(WER_IDS) / sizeof(uint32_t)},
    {"Microsoft-Windows-WAS", WAS_IDS, sizeof(WAS_IDS) / sizeof(uint32_t)},
    {"ASP.NET 4.0.30319.0", ASPNET_IDS, sizeof(ASPNET_IDS) / sizeof(uint32_t)},
    {"ASP.NET 2.0.50727.0", ASPNET_IDS, sizeof(ASPNET_IDS) / sizeof(uint32_t)},
    {"IIS AspNetCore Module V2", ANCM_IDS, sizeof(ANCM_IDS) / sizeof(uint32_t)},
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
