/*
 * event_sources.h - the one table of the Windows events crashsig reads: each source is a
 * provider name, the event ids of it that matter and, where most of its events are about
 * something else, the values that mark the ones that matter.  The reader's filter, the prefilter's
 * needles, the --live export's query and the scan's dispatch to an event parser are all made
 * from it, so a new kind of evidence (a WAS, WER, ASP.NET or ANCM event) is added here, with
 * its parser, and nowhere else.
 *
 * Not for: what an event means (dotnet_crash.h, app_error.h) or how it pairs (correlator.h).
 */
#ifndef CRASHSIG_EVENT_SOURCES_H
#define CRASHSIG_EVENT_SOURCES_H

#include "crashsig/event.h"
#include "crashsig/reader_filter.h"

enum event_source {
    EVENT_SOURCE_DOTNET_RUNTIME, /* ".NET Runtime" 1023/1025/1026/1027/1028: a fatal managed
                                    error, its exception and stack (dotnet_crash.h) */
    EVENT_SOURCE_APP_ERROR,      /* "Application Error" 1000: the process died (app_error.h) */
    EVENT_SOURCE_WER,            /* "Windows Error Reporting" 1001: the crash report and dump
                                    Windows kept (wer_report.h) */
    EVENT_SOURCE_WAS,            /* "Microsoft-Windows-WAS" (System log): a worker of an
                                    application pool died, hung or lived; a pool was disabled
                                    (was.h) */
    EVENT_SOURCE_ASPNET_4,       /* "ASP.NET 4.0.30319.0" 1325: a crash (aspnet.h) */
    EVENT_SOURCE_ASPNET_2,       /* "ASP.NET 2.0.50727.0", the same events of .NET 2.0-3.5 */
    EVENT_SOURCE_ANCM,           /* "IIS AspNetCore Module V2": an ASP.NET Core app in IIS
                                    exited or could not start (ancm.h) */
    EVENT_SOURCE_COUNT,
    EVENT_SOURCE_NONE = EVENT_SOURCE_COUNT, /* not an event crashsig reads */
};

/* The provider name of a source, as events carry it (".NET Runtime"). */
const char *event_source_provider(enum event_source source);

/* The table's row of a source (its event ids and the values one of its strings must have), or
 * NULL for EVENT_SOURCE_NONE. */
const struct reader_want *event_source_want(enum event_source source);

/* The source of an event the reader kept (so its event id is one the source lists), by its
 * provider, compared case-insensitively as the reader does; EVENT_SOURCE_NONE for another. */
enum event_source event_source_of(const struct event *ev);

/* Every source as the reader's filter: constant data, valid for the whole program. */
const struct reader_filter *event_sources_filter(void);

#endif
