/*
 * event_dispatch.c - each kept event to its parser, then to the correlator (event_dispatch.h).
 *
 * Not for: the parsing rules (dotnet_crash.c, app_error.c).
 */
#include "event_dispatch.h"

#include <stdlib.h>

#include "crashsig/event_sources.h"

static void on_dotnet_event(struct event_dispatch *d, struct event *ev)
{
    struct dotnet_event *de = cs_xcalloc(1, sizeof(*de));
    event_move(&de->event, ev);
    const char *text = de->event.data.count ? de->event.data.values[0] : "";
    struct cs_error err;
    if (dotnet_crash_parse(text, de->event.event_id, &de->crash, &err) != 0) {
        input_report_warn(d->current, "record %llu (.NET Runtime %u): %s",
                          (unsigned long long)de->event.record_id, de->event.event_id, err.message);
        d->result->unparsed_events++;
        dotnet_event_free(de);
        return;
    }
    if (de->crash.capped) /* the report marks it "truncated"; say why once, here */
        input_report_warn(d->current,
                          "record %llu (.NET Runtime %u): text beyond crashsig's limits (1000 "
                          "frames per stack, 64 exceptions, 64 KiB per message) left out",
                          (unsigned long long)de->event.record_id, de->event.event_id);
    d->result->dotnet_events++;
    correlator_add_dotnet(d->correlator, de);
}

static void on_app_error_event(struct event_dispatch *d, struct event *ev)
{
    struct app_error_event *ae = cs_xcalloc(1, sizeof(*ae));
    event_move(&ae->event, ev);
    struct cs_error err;
    if (app_error_parse(&ae->event.data, &ae->fault, &err) != 0) {
        input_report_warn(d->current, "record %llu (Application Error %u): %s",
                          (unsigned long long)ae->event.record_id, ae->event.event_id, err.message);
        d->result->unparsed_events++;
        app_error_event_free(ae);
        return;
    }
    d->result->app_error_events++;
    correlator_add_app_error(d->correlator, ae);
}

/* Only crash reports are kept: most 1001s are about something else (updates, drivers, hangs)
 * and are dropped here without a word, as the reader drops other providers. */
static void on_wer_event(struct event_dispatch *d, struct event *ev)
{
    struct wer_event *we = cs_xcalloc(1, sizeof(*we));
    event_move(&we->event, ev);
    struct cs_error err;
    if (wer_report_parse(&we->event.data, &we->report, &err) != 0) {
        input_report_warn(d->current, "record %llu (Windows Error Reporting %u): %s",
                          (unsigned long long)we->event.record_id, we->event.event_id, err.message);
        d->result->unparsed_events++;
        wer_event_free(we);
        return;
    }
    if (!wer_event_name_is_crash(we->report.event_name)) {
        wer_event_free(we);
        return;
    }
    correlator_add_wer(d->correlator, we);
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

void event_dispatch(struct event_dispatch *d, struct event *ev)
{
    switch (event_source_of(ev)) {
    case EVENT_SOURCE_DOTNET_RUNTIME:
        on_dotnet_event(d, ev);
        break;
    case EVENT_SOURCE_APP_ERROR:
        on_app_error_event(d, ev);
        break;
    case EVENT_SOURCE_WER:
        on_wer_event(d, ev);
        break;
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
    case EVENT_SOURCE_NONE:
        break; /* the reader's filter keeps only listed sources */
    }
}
