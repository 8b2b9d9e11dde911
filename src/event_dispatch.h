/*
 * event_dispatch.h - the "events" stage of the scan: each event the reader kept goes to the
 * parser of its source (event_sources.h) and, parsed, to the correlator.  An event whose text
 * cannot be parsed is counted and becomes a warning of the input it came from; nothing is
 * dropped silently.  Private to the scan (src/scan.c).
 *
 * The stage has two halves, because the scan holds a file's events until it knows the file is
 * not an error (an error contributes nothing): event_parse turns an event into the form it is
 * held in - parsed, its raw strings dropped where nothing needs them, a .NET crash shared by
 * every event of the same text - and event_deliver counts it, says its warning under the
 * current input and hands it on.  A crash loop so costs bytes per event while it is held.
 *
 * Not for: reading events (reader.h), the parsers themselves (dotnet_crash.h, app_error.h)
 * or pairing (correlator.h).
 */
#ifndef CRASHSIG_EVENT_DISPATCH_H
#define CRASHSIG_EVENT_DISPATCH_H

#include "crashsig/correlator.h"
#include "crashsig/iis.h"
#include "crashsig/result.h"

struct event_dispatch {
    struct run_result *result;          /* event counts */
    struct correlator *correlator;      /* takes the parsed events */
    struct iis_stage *iis;              /* takes the WAS, ASP.NET and ANCM events */
    struct input_report *current;       /* where warnings about the events go now */
    struct dotnet_crash_cache *crashes; /* the scan's .NET crashes by text (owned by the scan) */
    struct string_pool *strings;        /* the scan's shared strings (owned by the scan) */
};

/* An event as event_parse leaves it: exactly one of the pointers is set, or none when the
 * event could not be parsed (unparsed) or is not wanted at all (nothing to deliver). */
struct parsed_event {
    char *warning; /* owned; said under the current input when delivered; may be NULL */
    bool unparsed; /* counted as unparsed when delivered */
    struct dotnet_event *dotnet;
    struct app_error_event *app_error;
    struct wer_event *wer;
    struct event *other; /* WAS, ASP.NET, ANCM: parsed when delivered (the IIS stage) */
};

/* Parses ev (taking its contents: event_move) into out.  Uses only d->crashes and
 * d->strings. */
void event_parse(struct event_dispatch *d, struct event *ev, struct parsed_event *out);
/* True when out holds nothing to deliver (a 1001 that is not about a crash). */
bool parsed_event_is_empty(const struct parsed_event *pe);
/* Counts pe, says its warning and hands what it holds on; pe is left empty. */
void event_deliver(struct event_dispatch *d, struct parsed_event *pe);
void parsed_event_free(struct parsed_event *pe);

/* event_parse then event_deliver. */
void event_dispatch(struct event_dispatch *d, struct event *ev);

#endif
