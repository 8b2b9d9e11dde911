/*
 * event_dispatch.c - each kept event to its parser, then to the correlator (event_dispatch.h).
 *
 * What a parsed event keeps is what a later stage reads: a .NET event keeps its text (--state
 * carries a lone one over to the next run, text and all) as a view of its shared crash; a 1000
 * or a 1001 keeps its parsed fields only, since nothing reads their raw strings again.
 *
 * Not for: the parsing rules (dotnet_crash.c, app_error.c).
 */
#include "event_dispatch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/event_sources.h"

/* The warning for the input, formatted now and said when the event is delivered; cut at 511
 * bytes as input_report_warn cuts. */
static void CS_PRINTF_FORMAT(2, 3) note_warning(struct parsed_event *out, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    out->warning = cs_strdup(line);
}

static void parse_dotnet_event(struct event_dispatch *d, struct event *ev, struct parsed_event *out)
{
    struct dotnet_event *de = cs_xcalloc(1, sizeof(*de));
    event_move(&de->event, ev);
    const char *text = de->event.data.count ? de->event.data.values[0] : "";
    struct cs_error err;
    de->shared = dotnet_crash_cache_get(d->crashes, text, de->event.event_id, &err);
    if (de->shared == NULL) {
        note_warning(out, "record %llu (.NET Runtime %u): %s",
                     (unsigned long long)de->event.record_id, de->event.event_id, err.message);
        out->unparsed = true;
        dotnet_event_free(de);
        return;
    }
    de->crash = &de->shared->crash;
    event_share_strings(&de->event, d->strings);
    if (de->event.data.count == 1 && de->event.data.names == NULL) {
        /* the text, once for every event that wrote it */
        event_data_free(&de->event.data);
        de->event.data = (struct event_data){1, &de->shared->text, NULL};
        de->event.data_borrowed = true;
    }
    if (de->crash->capped) /* the report marks it "truncated"; say why once, here */
        note_warning(out,
                     "record %llu (.NET Runtime %u): text beyond crashsig's limits (1000 "
                     "frames per stack, 64 exceptions, 64 KiB per message) left out",
                     (unsigned long long)de->event.record_id, de->event.event_id);
    out->dotnet = de;
}

static void parse_app_error_event(struct event_dispatch *d, struct event *ev,
                                  struct parsed_event *out)
{
    struct app_error_event *ae = cs_xcalloc(1, sizeof(*ae));
    event_move(&ae->event, ev);
    struct cs_error err;
    int rc = app_error_parse(&ae->event.data, &ae->fault, &err);
    event_data_free(&ae->event.data); /* parsed: nothing reads the strings again */
    if (rc != 0) {
        note_warning(out, "record %llu (Application Error %u): %s",
                     (unsigned long long)ae->event.record_id, ae->event.event_id, err.message);
        out->unparsed = true;
        app_error_event_free(ae);
        return;
    }
    app_error_event_share_strings(ae, d->strings);
    out->app_error = ae;
}

/* Only crash reports are kept: most 1001s are about something else (updates, drivers, hangs)
 * and are dropped here without a word, as the reader drops other providers. */
static void parse_wer_event(struct event *ev, struct parsed_event *out)
{
    struct wer_event *we = cs_xcalloc(1, sizeof(*we));
    event_move(&we->event, ev);
    struct cs_error err;
    int rc = wer_report_parse(&we->event.data, &we->report, &err);
    event_data_free(&we->event.data); /* parsed: nothing reads the strings again */
    if (rc != 0) {
        note_warning(out, "record %llu (Windows Error Reporting %u): %s",
                     (unsigned long long)we->event.record_id, we->event.event_id, err.message);
        out->unparsed = true;
        wer_event_free(we);
        return;
    }
    if (!wer_event_name_is_crash(we->report.event_name)) {
        wer_event_free(we);
        return;
    }
    out->wer = we;
}

void event_parse(struct event_dispatch *d, struct event *ev, struct parsed_event *out)
{
    memset(out, 0, sizeof(*out));
    switch (event_source_of(ev)) {
    case EVENT_SOURCE_DOTNET_RUNTIME:
        parse_dotnet_event(d, ev, out);
        break;
    case EVENT_SOURCE_APP_ERROR:
        parse_app_error_event(d, ev, out);
        break;
    case EVENT_SOURCE_WER:
        parse_wer_event(ev, out);
        break;
    case EVENT_SOURCE_WAS:
    case EVENT_SOURCE_ASPNET_4:
    case EVENT_SOURCE_ASPNET_2:
    case EVENT_SOURCE_ANCM:
        out->other = cs_xcalloc(1, sizeof(*out->other));
        event_move(out->other, ev);
        break;
    case EVENT_SOURCE_NONE:
        break; /* the reader's filter keeps only listed sources */
    }
}

bool parsed_event_is_empty(const struct parsed_event *pe)
{
    return !pe->warning && !pe->unparsed && !pe->dotnet && !pe->app_error && !pe->wer && !pe->other;
}

void parsed_event_free(struct parsed_event *pe)
{
    free(pe->warning);
    dotnet_event_free(pe->dotnet);
    app_error_event_free(pe->app_error);
    wer_event_free(pe->wer);
    if (pe->other)
        event_free(pe->other);
    free(pe->other);
    memset(pe, 0, sizeof(*pe));
}

/* "record 12 (Microsoft-Windows-WAS 5011): " then the parser's words. */
static void warn_about(struct event_dispatch *d, const struct event *ev, const char *what)
{
    input_report_warn(d->current, "record %llu (%s %u): %s", (unsigned long long)ev->record_id,
                      ev->provider ? ev->provider : "", ev->event_id, what);
}

static void on_was_event(struct event_dispatch *d, struct event *ev)
{
    struct was_fields fields;
    char warning[512];
    struct cs_error err;
    int rc = was_parse(ev->event_id, &ev->data, &fields, warning, sizeof(warning), &err);
    if (rc != 0 || warning[0])
        warn_about(d, ev, rc != 0 ? err.message : warning);
    if (rc != 0) {
        d->result->unparsed_events++;
        was_fields_free(&fields);
        return;
    }
    iis_stage_add_was(d->iis, ev, &fields);
}

static void on_aspnet_event(struct event_dispatch *d, struct event *ev)
{
    struct aspnet_1325 parsed;
    char warning[512];
    struct cs_error err;
    const char *text = ev->data.count ? ev->data.values[0] : "";
    int rc = aspnet_parse_1325(text, ev->provider, &parsed, warning, sizeof(warning), &err);
    if (rc != 0 || warning[0])
        warn_about(d, ev, rc != 0 ? err.message : warning);
    if (rc != 0) {
        d->result->unparsed_events++;
        aspnet_1325_free(&parsed);
        return;
    }
    iis_stage_add_1325(d->iis, ev, &parsed);
}

static void on_ancm_event(struct event_dispatch *d, struct event *ev)
{
    struct ancm_fields fields;
    char warning[512];
    struct cs_error err;
    int rc = ancm_parse(ev->event_id, &ev->data, &fields, warning, sizeof(warning), &err);
    if (rc != 0 || warning[0])
        warn_about(d, ev, rc != 0 ? err.message : warning);
    if (rc != 0) {
        d->result->unparsed_events++;
        ancm_fields_free(&fields);
        return;
    }
    iis_stage_add_ancm(d->iis, ev, &fields);
}

static void deliver_other(struct event_dispatch *d, struct event *ev)
{
    switch (event_source_of(ev)) {
    case EVENT_SOURCE_WAS:
        on_was_event(d, ev);
        break;
    case EVENT_SOURCE_ASPNET_4:
    case EVENT_SOURCE_ASPNET_2:
        on_aspnet_event(d, ev);
        break;
    case EVENT_SOURCE_ANCM:
        on_ancm_event(d, ev);
        break;
    default:
        break; /* event_parse keeps only these here */
    }
}

void event_deliver(struct event_dispatch *d, struct parsed_event *pe)
{
    if (pe->warning)
        input_report_warn(d->current, "%s", pe->warning);
    if (pe->unparsed)
        d->result->unparsed_events++;
    if (pe->dotnet) {
        d->result->dotnet_events++;
        correlator_add_dotnet(d->correlator, pe->dotnet);
        pe->dotnet = NULL;
    }
    if (pe->app_error) {
        d->result->app_error_events++;
        correlator_add_app_error(d->correlator, pe->app_error);
        pe->app_error = NULL;
    }
    if (pe->wer) {
        correlator_add_wer(d->correlator, pe->wer);
        pe->wer = NULL;
    }
    if (pe->other)
        deliver_other(d, pe->other);
    parsed_event_free(pe);
}

void event_dispatch(struct event_dispatch *d, struct event *ev)
{
    struct parsed_event pe;
    event_parse(d, ev, &pe);
    event_deliver(d, &pe);
}
