/*
 * report_json.c - the machine-readable report, schema crashsig.report/1 (docs/report-format.md).
 *
 * Streamed: each input, incident and finding is built as a cJSON tree and printed in turn, in
 * the bytes cJSON would print for the whole document, so the report's memory does not grow
 * with the incidents (outputs are written to a temporary file and renamed, run.c).  Every
 * string goes through cJSON, which escapes quotes, control characters and NULs; a side that is
 * absent is null, never omitted, so consumers can rely on the shape.
 *
 * Not for: deciding anything.  The order of incidents and findings is the scan's.
 */
#include "report_writers.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "crashsig/frame_names.h"
#include "crashsig/signatures.h"
#include "report_util.h"
#include "json_write.h"

static void add_text(cJSON *obj, const char *key, const char *text)
{
    cJSON_AddItemToObject(obj, key, report_json_text(text ? text : ""));
}

static void add_time(cJSON *obj, const char *key, cs_filetime t)
{
    if (t == 0) {
        cJSON_AddNullToObject(obj, key);
        return;
    }
    char iso[CS_ISO_TIME_SIZE];
    cs_time_format_iso(t, iso);
    cJSON_AddStringToObject(obj, key, iso);
}

static void add_string_or_null(cJSON *obj, const char *key, const char *value)
{
    if (value)
        add_text(obj, key, value);
    else
        cJSON_AddNullToObject(obj, key);
}

static cJSON *frames_array(const struct dotnet_frame *frames, size_t count)
{
    cJSON *array = cJSON_CreateArray();
    for (size_t i = 0; i < count; i++)
        cJSON_AddItemToArray(array, report_json_text(frames[i].text));
    return array;
}

/* Parallel to frames_array: {"file", "line"} where a frame names its source (" in
 * C:\src\A.cs:line 41", in any language of Windows), else null, so "frames" stays an array of
 * strings for the consumers that read it. */
static cJSON *frame_locations_array(const struct dotnet_frame *frames, size_t count)
{
    cJSON *array = cJSON_CreateArray();
    for (size_t i = 0; i < count; i++) {
        char *file;
        unsigned long line;
        if (!frame_source_location(&frames[i], &file, &line)) {
            cJSON_AddItemToArray(array, cJSON_CreateNull());
            continue;
        }
        cJSON *location = cJSON_CreateObject();
        add_text(location, "file", file);
        cJSON_AddNumberToObject(location, "line", (double)line);
        cJSON_AddItemToArray(array, location);
        free(file);
    }
    return array;
}

static void add_event_identity(cJSON *obj, const struct event *ev)
{
    add_text(obj, "file", ev->file);
    cJSON_AddNumberToObject(obj, "record_id", (double)ev->record_id);
    cJSON_AddNumberToObject(obj, "event_record_id", (double)ev->event_record_id);
    cJSON_AddNumberToObject(obj, "event_id", ev->event_id);
    cJSON_AddBoolToObject(obj, "recovered", ev->recovered);
    add_time(obj, "time", ev->time);
}

/* An exception code as 8 lower-case hex digits ("e0434352"), or null. */
static void add_code_or_null(cJSON *obj, const char *key, bool has_code, uint32_t code)
{
    char text[9];
    app_error_format_code(code, text);
    if (has_code)
        cJSON_AddStringToObject(obj, key, text);
    else
        cJSON_AddNullToObject(obj, key);
}

static cJSON *dotnet_object(const struct incident *incident)
{
    const struct dotnet_event *de = incident->dotnet;
    if (de == NULL)
        return cJSON_CreateNull();
    const struct dotnet_crash *crash = de->crash;
    cJSON *obj = cJSON_CreateObject();
    add_event_identity(obj, &de->event);
    cJSON_AddStringToObject(obj, "kind", dotnet_crash_kind_name(crash->kind));
    add_string_or_null(obj, "runtime", crash->runtime);
    const struct dotnet_exception *root = dotnet_crash_innermost(crash);
    add_string_or_null(obj, "exception", root ? root->type : NULL);
    add_string_or_null(obj, "message", root ? root->message : crash->failfast_message);
    add_string_or_null(obj, "native_exception", crash->native_exception);
    add_code_or_null(obj, "native_code", crash->has_native_code, crash->native_code);

    size_t count;
    const struct dotnet_frame *frames = dotnet_crash_thread_frames(crash, &count);
    cJSON_AddItemToObject(obj, "frames", frames_array(frames, count));
    cJSON_AddItemToObject(obj, "frame_locations", frame_locations_array(frames, count));
    cJSON *matched = cJSON_AddArrayToObject(obj, "matched_frames");
    for (size_t i = 0; i < incident->matched_count; i++)
        cJSON_AddItemToArray(matched, report_json_text(incident_matched_frame(incident, i)->text));

    cJSON *exceptions = cJSON_AddArrayToObject(obj, "exceptions");
    for (size_t i = 0; i < crash->exception_count; i++) {
        const struct dotnet_exception *ex = &crash->exceptions[i];
        cJSON *e = cJSON_CreateObject();
        add_text(e, "type", ex->type);
        add_string_or_null(e, "message", ex->message);
        cJSON_AddItemToObject(e, "frames", frames_array(ex->frames, ex->frame_count));
        cJSON_AddItemToObject(e, "frame_locations",
                              frame_locations_array(ex->frames, ex->frame_count));
        cJSON_AddItemToArray(exceptions, e);
    }
    cJSON_AddBoolToObject(obj, "truncated", crash->truncated);
    return obj;
}

static cJSON *app_error_object(const struct incident *incident)
{
    const struct app_error_event *ae = incident->app_error;
    if (ae == NULL)
        return cJSON_CreateNull();
    const struct app_error *fault = &ae->fault;
    cJSON *obj = cJSON_CreateObject();
    add_event_identity(obj, &ae->event);
    add_text(obj, "application", fault->app_name);
    add_string_or_null(obj, "app_version", fault->app_version);
    add_string_or_null(obj, "module", fault->module_name);
    add_string_or_null(obj, "module_version", fault->module_version);
    add_code_or_null(obj, "exception_code", fault->has_exception_code, fault->exception_code);
    add_string_or_null(obj, "faulting_offset", fault->faulting_offset);
    if (fault->has_process_id)
        cJSON_AddNumberToObject(obj, "process_id", fault->process_id);
    else
        cJSON_AddNullToObject(obj, "process_id");
    add_time(obj, "process_start",
             fault->has_process_creation_time ? fault->process_creation_time : 0);
    add_string_or_null(obj, "app_path", fault->app_path);
    add_string_or_null(obj, "module_path", fault->module_path);
    add_string_or_null(obj, "report_id", fault->report_id);
    cJSON *secondary = cJSON_AddArrayToObject(obj, "secondary_codes");
    for (size_t i = 0; i < ae->secondary_count; i++) {
        const struct app_error_secondary *s = &ae->secondary[i];
        cJSON *item = cJSON_CreateObject();
        add_code_or_null(item, "exception_code", s->has_exception_code, s->exception_code);
        cJSON_AddNumberToObject(item, "record_id", (double)s->record_id);
        cJSON_AddNumberToObject(item, "event_record_id", (double)s->event_record_id);
        add_time(item, "time", s->time);
        cJSON_AddItemToArray(secondary, item);
    }
    return obj;
}

static cJSON *texts_array(char *const *texts, size_t count)
{
    cJSON *array = cJSON_CreateArray();
    for (size_t i = 0; i < count; i++)
        cJSON_AddItemToArray(array, report_json_text(texts[i]));
    return array;
}

/* The merged Windows Error Reporting 1001s of the incident's report, or null. */
static cJSON *wer_object(const struct incident *incident)
{
    const struct wer_info *wer = incident->app_error ? incident->app_error->wer : NULL;
    if (wer == NULL)
        return cJSON_CreateNull();
    cJSON *obj = cJSON_CreateObject();
    add_text(obj, "file", wer->file);
    cJSON_AddNumberToObject(obj, "record_id", (double)wer->record_id);
    cJSON_AddNumberToObject(obj, "event_record_id", (double)wer->event_record_id);
    add_string_or_null(obj, "report_id", wer->report_id);
    add_string_or_null(obj, "event_name", wer->event_name);
    add_string_or_null(obj, "bucket", wer->bucket);
    add_string_or_null(obj, "report_path", wer->report_path);
    cJSON_AddItemToObject(obj, "attached_files",
                          texts_array(wer->attached_files, wer->attached_count));
    cJSON_AddItemToObject(obj, "dump_files", texts_array(wer->dump_files, wer->dump_count));
    return obj;
}

static void add_pid_or_null(cJSON *obj, const char *key, bool has, uint32_t pid)
{
    if (has)
        cJSON_AddNumberToObject(obj, key, pid);
    else
        cJSON_AddNullToObject(obj, key);
}

/* One IIS record: "was", "aspnet" or "ancm" of an incident's "iis". */
static cJSON *iis_record_object(const struct iis_record *r, bool with_event_record_id,
                                const char *application_id)
{
    if (!r->present)
        return cJSON_CreateNull();
    cJSON *obj = cJSON_CreateObject();
    add_text(obj, "file", r->file);
    cJSON_AddNumberToObject(obj, "record_id", (double)r->record_id);
    if (with_event_record_id)
        cJSON_AddNumberToObject(obj, "event_record_id", (double)r->event_record_id);
    cJSON_AddNumberToObject(obj, "event_id", r->event_id);
    add_time(obj, "time", r->time);
    add_pid_or_null(obj, "process_id", r->has_process_id, r->process_id);
    if (application_id)
        add_text(obj, "application_id", application_id);
    return obj;
}

static cJSON *iis_object(const struct incident *incident)
{
    const struct incident_iis *iis = incident->iis;
    if (iis == NULL)
        return cJSON_CreateNull();
    cJSON *obj = cJSON_CreateObject();
    add_string_or_null(obj, "app_pool", iis->app_pool);
    if (iis->has_site_id)
        cJSON_AddNumberToObject(obj, "site_id", iis->site_id);
    else
        cJSON_AddNullToObject(obj, "site_id");
    add_string_or_null(obj, "app_path", iis->app_path);
    add_string_or_null(obj, "physical_path", iis->physical_path);
    cJSON_AddItemToObject(obj, "was", iis_record_object(&iis->was, true, NULL));
    cJSON_AddItemToObject(
        obj, "aspnet",
        iis_record_object(&iis->aspnet, false,
                          iis->aspnet.present && iis->app_path ? iis->app_path : NULL));
    cJSON_AddItemToObject(obj, "ancm", iis_record_object(&iis->ancm, false, NULL));
    return obj;
}

static cJSON *signature_object(const struct signature *sig, enum severity severity)
{
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddStringToObject(obj, "id", sig ? sig->id : "");
    cJSON_AddStringToObject(obj, "severity", severity_name(severity));
    cJSON_AddStringToObject(obj, "title", sig ? sig->title : "");
    return obj;
}

cJSON *report_json_incident(const struct incident *incident)
{
    cJSON *obj = cJSON_CreateObject();
    add_text(obj, "computer", incident_computer(incident));
    /* the name as the log wrote it, when the report uses the machine's canonical name */
    add_string_or_null(obj, "computer_logged",
                       incident->computer ? incident_logged_computer(incident) : NULL);
    add_text(obj, "application", incident_application(incident));
    add_time(obj, "time", incident_time(incident));
    cJSON_AddItemToObject(obj, "signature",
                          signature_object(incident->signature, incident->severity));
    cJSON_AddBoolToObject(obj, "paired", incident->paired);
    cJSON_AddItemToObject(obj, "dotnet", dotnet_object(incident));
    cJSON_AddItemToObject(obj, "app_error", app_error_object(incident));
    cJSON_AddItemToObject(obj, "wer", wer_object(incident));
    if (incident->paired)
        cJSON_AddNumberToObject(obj, "gap_ms", (double)incident->gap_ms);
    else
        cJSON_AddNullToObject(obj, "gap_ms");
    cJSON_AddStringToObject(obj, "fingerprint", incident->fingerprint);
    cJSON_AddItemToObject(obj, "iis", iis_object(incident));
    const struct dotnet_frame *user = incident_user_frame(incident);
    add_string_or_null(obj, "user_frame", user ? user->method : NULL);
    char *readable = incident_user_frame_readable(incident);
    add_string_or_null(obj, "user_frame_readable", readable);
    free(readable);
    return obj;
}

static cJSON *finding_object(const struct finding *f, bool known)
{
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddStringToObject(obj, "fingerprint", f->fingerprint);
    cJSON_AddBoolToObject(obj, "known", known);
    cJSON_AddItemToObject(obj, "signature", signature_object(f->signature, f->severity));
    add_text(obj, "application", f->application);
    add_string_or_null(obj, "exception", f->exception);
    add_string_or_null(obj, "user_frame", f->user_frame);
    add_string_or_null(obj, "user_frame_readable", f->user_frame_readable);
    add_string_or_null(obj, "fix_in", f->fix_in);
    cJSON_AddNumberToObject(obj, "count", (double)f->count);
    add_time(obj, "first", f->first);
    add_time(obj, "last", f->last);
    cJSON_AddItemToObject(obj, "computers", report_json_texts(f->computers, f->computer_count));
    cJSON *incidents = cJSON_AddArrayToObject(obj, "incidents");
    for (size_t i = 0; i < f->count; i++)
        cJSON_AddItemToArray(incidents, cJSON_CreateNumber((double)f->incidents[i]));
    report_json_add_pools(obj, f);
    return obj;
}

static cJSON *evidence_object(const struct iis_record *r, bool with_event_record_id)
{
    cJSON *obj = cJSON_CreateObject();
    add_text(obj, "file", r->file);
    cJSON_AddNumberToObject(obj, "record_id", (double)r->record_id);
    if (with_event_record_id)
        cJSON_AddNumberToObject(obj, "event_record_id", (double)r->event_record_id);
    else
        cJSON_AddNumberToObject(obj, "event_id", r->event_id);
    add_time(obj, "time", r->time);
    return obj;
}

static cJSON *outage_object(const struct outage *o)
{
    cJSON *obj = cJSON_CreateObject();
    add_text(obj, "computer", o->computer);
    add_text(obj, "app_pool", o->app_pool);
    add_time(obj, "disabled_at", o->disabled_at);
    if (o->ended) {
        add_time(obj, "ended_at", o->ended_at);
        cJSON_AddItemToObject(obj, "end_evidence", evidence_object(&o->end_evidence, false));
    } else {
        cJSON_AddNullToObject(obj, "ended_at");
        cJSON_AddNullToObject(obj, "end_evidence");
    }
    cJSON_AddBoolToObject(obj, "still_disabled", !o->ended);
    cJSON_AddNumberToObject(obj, "duration_ms", (double)o->duration_ms);
    cJSON_AddItemToObject(obj, "was", evidence_object(&o->was, true));
    cJSON *failures = cJSON_AddArrayToObject(obj, "incidents");
    for (size_t i = 0; i < o->failure_count; i++) {
        const struct outage_failure *f = &o->failures[i];
        cJSON *item = cJSON_CreateObject();
        add_time(item, "time", f->time);
        add_pid_or_null(item, "process_id", f->has_process_id, f->process_id);
        cJSON_AddStringToObject(item, "signature", f->signature ? f->signature->id : "");
        cJSON_AddStringToObject(item, "fingerprint", f->fingerprint);
        cJSON_AddItemToArray(failures, item);
    }
    cJSON_AddNumberToObject(obj, "crashes_before", (double)o->failure_count);
    cJSON_AddBoolToObject(obj, "reported_before", o->reported_before);
    return obj;
}

static cJSON *input_object(const struct input_report *in)
{
    cJSON *obj = cJSON_CreateObject();
    add_text(obj, "path", in->path);
    cJSON_AddStringToObject(obj, "status", input_status_name(in->status));
    cJSON_AddNumberToObject(obj, "records", (double)in->records);
    cJSON_AddNumberToObject(obj, "recovered_records", (double)in->recovered_records);
    cJSON_AddNumberToObject(obj, "unreadable_records", (double)in->unreadable_records);
    cJSON_AddNumberToObject(obj, "events_kept", (double)in->events_kept);
    cJSON *warnings = cJSON_AddArrayToObject(obj, "warnings");
    for (size_t i = 0; i < in->warning_count; i++)
        cJSON_AddItemToArray(warnings, report_json_text(in->warnings[i]));
    add_string_or_null(obj, "error", in->error);
    return obj;
}

/* What the baseline, the filters and --state did to this report; null where not used. */
static void add_run_context(cJSON *obj, const struct run_result *result)
{
    size_t known = 0;
    for (size_t i = 0; i < result->findings.count; i++)
        known += result->findings.items[i].known;
    if (result->has_baseline) {
        cJSON_AddNumberToObject(obj, "known_findings", (double)known);
        cJSON_AddNumberToObject(obj, "new_findings", (double)(result->findings.count - known));
    } else {
        cJSON_AddNullToObject(obj, "known_findings");
        cJSON_AddNullToObject(obj, "new_findings");
    }
    cJSON_AddNumberToObject(obj, "hidden_by_filters", (double)result->omitted.hidden_by_filters);
    if (result->has_state) {
        cJSON *state = cJSON_AddObjectToObject(obj, "state");
        cJSON_AddNumberToObject(state, "already_seen", (double)result->omitted.already_seen);
        cJSON_AddNumberToObject(state, "held_back", (double)result->omitted.held_back);
        cJSON_AddNumberToObject(state, "outages_already_seen",
                                (double)result->omitted.outages_already_seen);
    } else {
        cJSON_AddNullToObject(obj, "state");
    }
}

static cJSON *summary_object(const struct run_result *result)
{
    size_t by_severity[SEVERITY_CRITICAL + 1] = {0}, paired = 0, damaged = 0, failed = 0;
    uint64_t records = 0;
    for (size_t i = 0; i < result->incidents.count; i++) {
        by_severity[result->incidents.items[i].severity]++;
        paired += result->incidents.items[i].paired;
    }
    for (size_t i = 0; i < result->input_count; i++) {
        damaged += result->inputs[i].status == INPUT_DAMAGED;
        failed += result->inputs[i].status == INPUT_ERROR;
        records += result->inputs[i].records + result->inputs[i].recovered_records;
    }
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddNumberToObject(obj, "inputs", (double)result->input_count);
    cJSON_AddNumberToObject(obj, "inputs_damaged", (double)damaged);
    cJSON_AddNumberToObject(obj, "inputs_failed", (double)failed);
    cJSON_AddNumberToObject(obj, "records", (double)records);
    cJSON_AddNumberToObject(obj, "incidents", (double)result->incidents.count);
    cJSON_AddNumberToObject(obj, "paired", (double)paired);
    cJSON_AddNumberToObject(obj, "findings", (double)result->findings.count);
    cJSON_AddNumberToObject(obj, "outages", (double)result->outages.count);
    cJSON *sev = cJSON_AddObjectToObject(obj, "by_severity");
    for (int s = SEVERITY_CRITICAL; s >= SEVERITY_LOW; s--)
        cJSON_AddNumberToObject(sev, severity_name((enum severity)s), (double)by_severity[s]);
    enum severity max = run_result_max_severity(result);
    if (max == SEVERITY_NONE)
        cJSON_AddNullToObject(obj, "max_severity");
    else
        cJSON_AddStringToObject(obj, "max_severity", severity_name(max));
    cJSON_AddStringToObject(obj, "fail_on", severity_name(result->fail_on));
    add_run_context(obj, result);
    return obj;
}

/*
 * Prints item (freed here) as cJSON_Print would print it at this nesting depth inside the
 * document: cJSON_Print starts at depth 0, so every line after the first gets depth tabs.
 * What the report holds grows with the incidents; one item at a time keeps the memory of the
 * report to one incident's tree and its text, not the whole document's (about 13 KB an
 * incident when the tree and its text were built whole).
 */
static int print_at_depth(FILE *out, cJSON *item, int depth)
{
    char *text = cJSON_Print(item);
    cJSON_Delete(item);
    if (text == NULL)
        return -1;
    /* a line at a time: a report of 100,000 incidents is hundreds of megabytes of text */
    static const char TABS[] = "\t\t\t\t\t\t\t\t";
    int rc = 0;
    for (const char *p = text; *p && rc == 0;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        rc = fwrite(p, 1, n, out) == n ? 0 : -1;
        size_t tabs = depth < 0                          ? 0
                      : (size_t)depth < sizeof(TABS) - 1 ? (size_t)depth
                                                         : sizeof(TABS) - 1;
        if (nl && rc == 0 && tabs > 0)
            rc = fwrite(TABS, 1, tabs, out) == tabs ? 0 : -1;
        p += n;
    }
    free(text);
    return rc;
}

/* One of the document's arrays, "\tKEY:\t[ITEM, ITEM]," with the items made one at a time. */
typedef cJSON *(*json_item_fn)(const struct run_result *result, size_t index);

static int print_array(FILE *out, const char *key, const struct run_result *result, size_t count,
                       json_item_fn make)
{
    if (fprintf(out, "\t\"%s\":\t[", key) < 0)
        return -1;
    for (size_t i = 0; i < count; i++)
        if ((i && fputs(", ", out) == EOF) || print_at_depth(out, make(result, i), 2) != 0)
            return -1;
    return fputs("],\n", out) == EOF ? -1 : 0;
}

static cJSON *input_item(const struct run_result *result, size_t i)
{
    return input_object(&result->inputs[i]);
}

static cJSON *incident_item(const struct run_result *result, size_t i)
{
    return report_json_incident(&result->incidents.items[i]);
}

static cJSON *finding_item(const struct run_result *result, size_t i)
{
    return finding_object(&result->findings.items[i], result->findings.items[i].known);
}

static cJSON *outage_item(const struct run_result *result, size_t i)
{
    return outage_object(&result->outages.items[i]);
}

/* The document is streamed, array item by array item, in exactly the bytes cJSON_Print gives
 * for the whole tree (tests/test_report_formats.c); the caller's output is all or nothing
 * (run.c writes to a temporary file), so a failure midway never leaves half a report. */
int report_write_json(FILE *out, const struct run_result *result,
                      const struct report_options *options)
{
    (void)options; /* JSON has no presentation choices: always UTC, never colour */
    if (fprintf(out, "{\n\t\"schema\":\t\"%s\",\n\t\"tool\":\t", REPORT_JSON_SCHEMA) < 0)
        return -1;
    cJSON *tool = cJSON_CreateObject();
    cJSON_AddStringToObject(tool, "name", "crashsig");
    cJSON_AddStringToObject(tool, "version", CRASHSIG_VERSION);
    if (print_at_depth(out, tool, 1) != 0 || fputs(",\n", out) == EOF ||
        print_array(out, "inputs", result, result->input_count, input_item) != 0 ||
        print_array(out, "incidents", result, result->incidents.count, incident_item) != 0 ||
        print_array(out, "findings", result, result->findings.count, finding_item) != 0 ||
        print_array(out, "outages", result, result->outages.count, outage_item) != 0 ||
        fputs("\t\"summary\":\t", out) == EOF ||
        print_at_depth(out, summary_object(result), 1) != 0)
        return -1;
    return fputs("\n}\n", out) == EOF ? -1 : 0;
}
