/*
 * event_sources.c - the table of event_sources.h.
 *
 * Not for: parsing the events.
 */
#include "crashsig/event_sources.h"

static const uint32_t DOTNET_RUNTIME_IDS[] = {1023, 1025, 1026, 1027, 1028};
static const uint32_t APP_ERROR_IDS[] = {1000};
static const uint32_t WER_IDS[] = {1001};
/* The Event Names of a crash report (wer_report.h); every other 1001 (Windows Update, PnP,
 * AppHangB1, VisualStudioNonFatalErrors2, ...) is left out before libevtx parses it, and a
 * real machine writes far more of those than crash reports (docs/performance.md). */
static const char *const WER_CRASH_EVENT_NAMES[] = {"APPCRASH", "BEX", "BEX64", "CLR20r3",
                                                    "MoAppCrash"};
/* Deaths and hangs, Rapid-Fail Protection, and the recycle and idle events that prove a
 * worker lived (was.h). */
static const uint32_t WAS_IDS[] = {5002, 5009, 5010, 5011, 5013, 5074, 5075, 5076,
                                   5077, 5078, 5079, 5080, 5081, 5117, 5186};
/* Not 1309 (a failed request; the process lived): busy sites write thousands, and reading
 * them would triple the scan time of a realistic Application log (docs/performance.md). */
static const uint32_t ASPNET_IDS[] = {1325};
static const uint32_t ANCM_IDS[] = {1005, 1007, 1011, 1018, 1031, 1035};

#define COUNT(a)  (sizeof(a) / sizeof((a)[0]))
#define LIST(a)   (a), COUNT(a)
#define NO_VALUES NULL, 0

/* In enum event_source order: provider, event ids, values (reader_filter.h). */
static const struct reader_want SOURCES[EVENT_SOURCE_COUNT] = {
    {".NET Runtime", LIST(DOTNET_RUNTIME_IDS), NO_VALUES},
    {"Application Error", LIST(APP_ERROR_IDS), NO_VALUES},
    {"Windows Error Reporting", LIST(WER_IDS), LIST(WER_CRASH_EVENT_NAMES)},
    {"Microsoft-Windows-WAS", LIST(WAS_IDS), NO_VALUES},
    {"ASP.NET 4.0.30319.0", LIST(ASPNET_IDS), NO_VALUES},
    {"ASP.NET 2.0.50727.0", LIST(ASPNET_IDS), NO_VALUES},
    {"IIS AspNetCore Module V2", LIST(ANCM_IDS), NO_VALUES},
};

static const struct reader_filter FILTER = {SOURCES, EVENT_SOURCE_COUNT};

const char *event_source_provider(enum event_source source)
{
    return source < EVENT_SOURCE_COUNT ? SOURCES[source].provider : "";
}

const struct reader_want *event_source_want(enum event_source source)
{
    return source < EVENT_SOURCE_COUNT ? &SOURCES[source] : NULL;
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
