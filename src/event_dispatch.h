/*
 * event_dispatch.h - the "events" stage of the scan: each event the reader kept goes to the
 * parser of its source (event_sources.h) and, parsed, to the correlator.  An event whose text
 * cannot be parsed is counted and becomes a warning of the input it came from; nothing is
 * dropped silently.  Private to the scan (src/scan.c).
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
    struct run_result *result;     /* event counts */
    struct correlator *correlator; /* takes the parsed events */
    struct iis_stage *iis;         /* takes the WAS, ASP.NET and ANCM events */
    struct input_report *current;  /* where warnings about the events go now */
};

/* Parses ev (taking its contents: event_move) and hands it to the correlator. */
void event_dispatch(struct event_dispatch *d, struct event *ev);

#endif
