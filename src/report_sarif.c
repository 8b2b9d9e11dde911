/*
 * report_sarif.c - SARIF 2.1.0 (OASIS), the static-analysis result format that GitHub code
 * scanning, Azure DevOps and many viewers read (docs/report-format.md).  It validates against
 * the OASIS JSON schema (tests/schemas/sarif-schema-2.1.0.json).
 *
 * The mapping: each signature is a rule (id, title, explanation, fix, default level); each
 * finding is a result with the finding's fingerprint as its partial fingerprint
 * "crashsig/v2", its count as occurrenceCount, and its locations: first the user frame's source
 * file and line when the stack has them (relative to SRCROOT under --source-root, declared in
 * originalUriBaseIds), then one per .evtx file that holds its events, naming the latest record,
 * each with the logical location: the first user-code frame (a function) or, for a crash
 * without a .NET event, the faulting module.  Each input is an artifact; unreadable and
 * damaged inputs are tool notifications.  Every result carries baselineState: "unchanged"
 * (and a suppression) when the baseline knows it, else "new".  Severities map to levels:
 * critical and high "error", medium "warning", low "note".
 *
 * Not for: the crashsig JSON report (report_json.c), which has every field.
 */
#include "report_writers.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/frame_names.h"
#include "crashsig/platform.h"
#include "json_write.h"
#include "crashsig/signatures.h"
#include "report_util.h"

#define SARIF_SCHEMA_URI                                                                           \
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
/* the key names the recipe (findings.h), so a tool never compares fingerprints of two */
#define FINGERPRINT_KEY      "crashsig/v2"
#define SOURCE_ROOT_ID       "SRCROOT"
#define MAX_RESULT_LOCATIONS 16
#define MAX_RESULT_INCIDENTS 10
#define MAX_NOTIFICATIONS    20 /* per input */

static const char *sarif_level(enum severity s)
{
    return s >= SEVERITY_HIGH ? "error" : s == SEVERITY_MEDIUM ? "warning" : "note";
}

static cJSON *message(const char *text)
{
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddItemToObject(obj, "text", report_json_text(text));
    return obj;
}

/* A path as a URI reference: absolute paths become file: URIs (file:///C:/... for a Windows
 * drive), relative ones stay relative, and every byte that is not unreserved is
 * percent-encoded.  '\' separates folders only on Windows; elsewhere it is a name character. */
static char *path_uri(const char *path)
{
    bool drive = platform_path_has_drive(path), absolute = platform_path_is_absolute(path);
    char *uri = cs_xmalloc(strlen(path) * 3 + 16), *o = uri;
    if (absolute)
        o += sprintf(o, "file://%s", drive ? "/" : "");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        bool keep = *p < 0x80 && (isalnum(*p) || strchr("-._~/", *p) != NULL);
        if (platform_is_separator((char)*p))
            *o++ = '/';
        else if (keep || (drive && p == (const unsigned char *)path + 1))
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    *o = '\0';
    return uri;
}

struct artifacts {
    size_t count;
    const char **paths; /* borrowed */
};

static size_t artifact_index(struct artifacts *a, const char *path)
{
    path = path ? path : "";
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->paths[i], path) == 0)
            return i;
    a->paths = cs_xrealloc(a->paths, (a->count + 1) * sizeof(*a->paths));
    a->paths[a->count] = path;
    return a->count++;
}

static cJSON *artifact_location(struct artifacts *a, const char *path)
{
    cJSON *loc = cJSON_CreateObject();
    char *uri = path_uri(path ? path : "");
    cJSON_AddStringToObject(loc, "uri", uri);
    free(uri);
    cJSON_AddNumberToObject(loc, "index", (double)artifact_index(a, path));
    return loc;
}

/* SARIF's rule name is an identifier: "async-void-threadpool" -> "AsyncVoidThreadpool". */
static char *rule_name(const char *id)
{
    char *name = cs_xmalloc(strlen(id) + 1), *o = name;
    bool upper = true;
    for (const char *p = id; *p; p++) {
        if (!isalnum((unsigned char)*p)) {
            upper = true;
            continue;
        }
        *o++ = upper ? (char)toupper((unsigned char)*p) : *p;
        upper = false;
    }
    *o = '\0';
    return name;
}

static cJSON *rule_object(const struct signature *sig)
{
    cJSON *rule = cJSON_CreateObject();
    cJSON_AddStringToObject(rule, "id", sig->id);
    char *name = rule_name(sig->id);
    cJSON_AddStringToObject(rule, "name", name);
    free(name);
    cJSON_AddItemToObject(rule, "shortDescription", message(sig->title));
    cJSON_AddItemToObject(rule, "fullDescription", message(sig->explanation));
    cJSON_AddItemToObject(rule, "help", message(sig->fix));
    cJSON *config = cJSON_AddObjectToObject(rule, "defaultConfiguration");
    cJSON_AddStringToObject(config, "level", sarif_level(sig->severity));
    cJSON *props = cJSON_AddObjectToObject(rule, "properties");
    cJSON_AddStringToObject(props, "severity", severity_name(sig->severity));
    return rule;
}

/* The rules: the catalog's signatures, else those with findings; *sigs is parallel. */
static cJSON *rules_array(const struct run_result *result, const struct report_options *options,
                          const struct signature ***sigs, size_t *count)
{
    size_t cap = options->catalog ? catalog_count(options->catalog) : result->findings.count;
    *sigs = cs_xcalloc(cap, sizeof(**sigs));
    *count = 0;
    for (size_t i = 0; options->catalog && i < cap; i++)
        (*sigs)[(*count)++] = catalog_at(options->catalog, i);
    for (size_t i = 0; !options->catalog && i < result->findings.count; i++) {
        const struct signature *sig = result->findings.items[i].signature;
        bool seen = false;
        for (size_t k = 0; k < *count && !seen; k++)
            seen = (*sigs)[k] == sig;
        if (!seen)
            (*sigs)[(*count)++] = sig;
    }
    cJSON *rules = cJSON_CreateArray();
    for (size_t i = 0; i < *count; i++)
        cJSON_AddItemToArray(rules, rule_object((*sigs)[i]));
    return rules;
}

/* Where the crash is in the code: the user frame, or the module a native crash died in. */
static cJSON *logical_locations(const struct run_result *result, const struct finding *f)
{
    cJSON *list = cJSON_CreateArray();
    cJSON *loc = cJSON_CreateObject();
    const struct incident *latest = &result->incidents.items[f->incidents[f->count - 1]];
    const char *module = latest->app_error ? latest->app_error->fault.module_name : NULL;
    if (f->user_frame) {
        cJSON_AddItemToObject(loc, "fullyQualifiedName", report_json_text(f->user_frame));
        cJSON_AddStringToObject(loc, "kind", "function");
    } else if (module) {
        cJSON_AddItemToObject(loc, "name", report_json_text(module));
        cJSON_AddStringToObject(loc, "kind", "module");
    } else {
        cJSON_Delete(loc);
        return list;
    }
    cJSON_AddItemToArray(list, loc);
    return list;
}

/* A folder separator in a path from a Windows log, or a deterministic build's "/_/". */
static bool is_source_separator(char c)
{
    return c == '\\' || c == '/';
}

/* The part of path under root (compared case-insensitively and with either separator, as
 * Windows does), or NULL when path is not under it. */
static const char *under_root(const char *path, const char *root)
{
    if (root == NULL || root[0] == '\0')
        return NULL;
    size_t n = strlen(root);
    while (n > 1 && is_source_separator(root[n - 1]))
        n--;
    for (size_t i = 0; i < n; i++) {
        char a = path[i], b = root[i];
        if (a == '\0')
            return NULL;
        if (is_source_separator(a) && is_source_separator(b))
            continue;
        if (tolower((unsigned char)a) != tolower((unsigned char)b))
            return NULL;
    }
    if (is_source_separator(root[n - 1]))
        return path + n;
    if (!is_source_separator(path[n]))
        return NULL;
    while (is_source_separator(path[n]))
        n++;
    return path + n;
}

/* A source path from a log as a URI reference: relative ones as they are, "C:\a\b.cs" as
 * "file:///C:/a/b.cs", "/_/a.cs" as "file:///_/a.cs"; either separator becomes '/', and every
 * byte that is not unreserved is percent-encoded.  Log text: the size is bounded by it. */
static char *source_uri(const char *path, bool relative)
{
    char *uri = cs_xmalloc(strlen(path) * 3 + 16), *o = uri;
    bool drive = isalpha((unsigned char)path[0]) && path[1] == ':';
    if (!relative && drive)
        o += sprintf(o, "file:///");
    else if (!relative && is_source_separator(path[0]))
        o += sprintf(o, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (is_source_separator((char)*p))
            *o++ = '/';
        else if ((*p < 0x80 && (isalnum(*p) || strchr("-._~", *p) != NULL)) ||
                 (drive && !relative && p == (const unsigned char *)path + 1))
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    *o = '\0';
    return uri;
}

/* The user frame's file and line, when the PDBs put them in the stack: relative to SRCROOT
 * when under --source-root, else an absolute file: URI.  NULL when there is none. */
static cJSON *source_location(const struct dotnet_frame *frame,
                              const struct report_options *options)
{
    char *file;
    unsigned long line;
    if (!frame_source_location(frame, &file, &line) || line == 0) {
        free(file);
        return NULL;
    }
    cJSON *loc = cJSON_CreateObject();
    cJSON *physical = cJSON_AddObjectToObject(loc, "physicalLocation");
    cJSON *artifact = cJSON_AddObjectToObject(physical, "artifactLocation");
    const char *relative = under_root(file, options->source_root);
    char *uri = source_uri(relative ? relative : file, relative != NULL);
    cJSON_AddStringToObject(artifact, "uri", uri);
    if (relative)
        cJSON_AddStringToObject(artifact, "uriBaseId", SOURCE_ROOT_ID);
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(physical, "region"), "startLine", (double)line);
    free(uri);
    free(file);
    return loc;
}

/* "record 4711 (event 1026)": where in the log the finding's latest crash is. */
static cJSON *record_message(const struct event *ev)
{
    char text[96];
    snprintf(text, sizeof(text), "record %llu (event %u), the latest of this finding in this log",
             (unsigned long long)ev->event_record_id, (unsigned)ev->event_id);
    return message(text);
}

/* One location per distinct file holding the finding's events, each with the logical
 * location (SARIF wants the same logical location repeated per physical one). */
static cJSON *result_locations(const struct run_result *result, const struct finding *f,
                               struct artifacts *artifacts, const struct report_options *options)
{
    cJSON *locations = cJSON_CreateArray();
    /* the source first: code-scanning tools show the first location */
    const struct incident *latest = &result->incidents.items[f->incidents[f->count - 1]];
    cJSON *source = source_location(incident_user_frame(latest), options);
    if (source) {
        cJSON_AddItemToObject(source, "logicalLocations", logical_locations(result, f));
        cJSON_AddItemToArray(locations, source);
    }
    const char *seen[MAX_RESULT_LOCATIONS];
    size_t seen_count = 0;
    for (size_t left = f->count; left > 0 && seen_count < MAX_RESULT_LOCATIONS; left--) {
        size_t i = left - 1; /* the latest first, so each log's location names its latest record */
        const struct incident *incident = &result->incidents.items[f->incidents[i]];
        const struct event *ev = incident_event(incident);
        bool dup = false;
        for (size_t k = 0; k < seen_count && !dup; k++)
            dup = strcmp(seen[k], ev->file ? ev->file : "") == 0;
        if (dup)
            continue;
        seen[seen_count++] = ev->file ? ev->file : "";
        cJSON *loc = cJSON_CreateObject();
        cJSON *physical = cJSON_AddObjectToObject(loc, "physicalLocation");
        cJSON_AddItemToObject(physical, "artifactLocation", artifact_location(artifacts, ev->file));
        cJSON_AddItemToObject(loc, "message", record_message(ev));
        cJSON_AddItemToObject(loc, "logicalLocations", logical_locations(result, f));
        cJSON_AddItemToArray(locations, loc);
    }
    return locations;
}

static cJSON *result_properties(const struct run_result *result, const struct finding *f)
{
    cJSON *props = cJSON_CreateObject();
    cJSON_AddStringToObject(props, "severity", severity_name(f->severity));
    cJSON_AddItemToObject(props, "application", report_json_text(f->application));
    cJSON_AddItemToObject(props, "exception",
                          f->exception ? report_json_text(f->exception) : cJSON_CreateNull());
    char when[CS_LOCAL_TIME_SIZE];
    report_format_time(f->first, false, when);
    cJSON_AddStringToObject(props, "first", when);
    report_format_time(f->last, false, when);
    cJSON_AddStringToObject(props, "last", when);
    cJSON_AddItemToObject(props, "computers", report_json_texts(f->computers, f->computer_count));
    report_json_add_pools(props, f);
    /* the latest few in full (as in the JSON report): enough to act on, and a finding seen
     * ten thousand times must not make the file too big to upload */
    cJSON *incidents = cJSON_AddArrayToObject(props, "latest_incidents");
    size_t first = f->count > MAX_RESULT_INCIDENTS ? f->count - MAX_RESULT_INCIDENTS : 0;
    for (size_t i = first; i < f->count; i++)
        cJSON_AddItemToArray(incidents,
                             report_json_incident(&result->incidents.items[f->incidents[i]]));
    return props;
}

static cJSON *result_object(const struct run_result *result, size_t index, size_t rule_index,
                            struct artifacts *artifacts, const struct report_options *options)
{
    const struct finding *f = &result->findings.items[index];
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddStringToObject(obj, "ruleId", f->signature->id);
    cJSON_AddNumberToObject(obj, "ruleIndex", (double)rule_index);
    cJSON_AddStringToObject(obj, "level", sarif_level(f->severity));
    char *summary = report_finding_summary(f);
    cJSON_AddItemToObject(obj, "message", message(summary));
    free(summary);
    cJSON_AddItemToObject(obj, "locations", result_locations(result, f, artifacts, options));
    cJSON *fingerprints = cJSON_AddObjectToObject(obj, "partialFingerprints");
    cJSON_AddStringToObject(fingerprints, FINGERPRINT_KEY, f->fingerprint);
    cJSON_AddNumberToObject(obj, "occurrenceCount", (double)f->count);
    /* on every result, so code scanning alerts on the new ones only; without --baseline every
     * finding is new.  A known one is also suppressed: it is accepted, not fixed. */
    cJSON_AddStringToObject(obj, "baselineState", f->known ? "unchanged" : "new");
    if (f->known) {
        cJSON *suppression = cJSON_CreateObject();
        cJSON_AddStringToObject(suppression, "kind", "external");
        cJSON_AddStringToObject(suppression, "justification", "in the crashsig baseline");
        cJSON_AddItemToArray(cJSON_AddArrayToObject(obj, "suppressions"), suppression);
    }
    cJSON_AddItemToObject(obj, "properties", result_properties(result, f));
    return obj;
}

/* The rule of Rapid-Fail Protection outages: not a crash signature of the catalog, but a
 * result of its own (outage.h), always critical. */
#define OUTAGE_RULE_ID "iis-rapid-fail-protection"

static cJSON *outage_rule(void)
{
    cJSON *rule = cJSON_CreateObject();
    cJSON_AddStringToObject(rule, "id", OUTAGE_RULE_ID);
    cJSON_AddItemToObject(rule, "shortDescription",
                          message("IIS disabled an application pool (Rapid-Fail Protection)"));
    cJSON_AddItemToObject(
        rule, "fullDescription",
        message("WAS event 5002: the pool's workers failed 5 times within 5 minutes (the "
                "default), so WAS stopped the pool; every request got HTTP 503 until the pool "
                "was started again."));
    cJSON_AddItemToObject(rule, "help",
                          message("Fix the failures that tripped it (the findings of that pool); "
                                  "start the pool again (Start-WebAppPool) once they are fixed."));
    cJSON *config = cJSON_AddObjectToObject(rule, "defaultConfiguration");
    cJSON_AddStringToObject(config, "level", sarif_level(SEVERITY_CRITICAL));
    cJSON_AddStringToObject(cJSON_AddObjectToObject(rule, "properties"), "severity",
                            severity_name(SEVERITY_CRITICAL));
    return rule;
}

static cJSON *outage_result(const struct outage *o, size_t rule_index,
                            const struct report_options *options, struct artifacts *artifacts)
{
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddStringToObject(obj, "ruleId", OUTAGE_RULE_ID);
    cJSON_AddNumberToObject(obj, "ruleIndex", (double)rule_index);
    cJSON_AddStringToObject(obj, "level", sarif_level(SEVERITY_CRITICAL));
    char *sentence = report_outage_sentence(o, options);
    cJSON_AddItemToObject(obj, "message", message(sentence));
    free(sentence);
    cJSON *loc = cJSON_CreateObject();
    cJSON *physical = cJSON_AddObjectToObject(loc, "physicalLocation");
    cJSON_AddItemToObject(physical, "artifactLocation", artifact_location(artifacts, o->was.file));
    cJSON_AddItemToArray(cJSON_AddArrayToObject(obj, "locations"), loc);
    cJSON *props = cJSON_AddObjectToObject(obj, "properties");
    cJSON_AddItemToObject(props, "computer", report_json_text(o->computer));
    cJSON_AddItemToObject(props, "app_pool", report_json_text(o->app_pool));
    char when[CS_ISO_TIME_SIZE];
    cs_time_format_iso(o->disabled_at, when);
    cJSON_AddStringToObject(props, "disabled_at", when);
    cJSON_AddBoolToObject(props, "still_disabled", !o->ended);
    cJSON_AddNumberToObject(props, "duration_ms", (double)o->duration_ms);
    cJSON_AddNumberToObject(props, "crashes_before", (double)o->failure_count);
    return obj;
}

static void add_notification(cJSON *list, const char *level, const struct input_report *in,
                             const char *text, struct artifacts *artifacts)
{
    cJSON *n = cJSON_CreateObject();
    cJSON_AddStringToObject(n, "level", level);
    size_t len = strlen(in->path) + strlen(text) + 3;
    char *line = cs_xmalloc(len);
    snprintf(line, len, "%s: %s", in->path, text);
    cJSON_AddItemToObject(n, "message", message(line));
    free(line);
    cJSON *loc = cJSON_CreateObject();
    cJSON *physical = cJSON_AddObjectToObject(loc, "physicalLocation");
    cJSON_AddItemToObject(physical, "artifactLocation", artifact_location(artifacts, in->path));
    cJSON *locations = cJSON_AddArrayToObject(n, "locations");
    cJSON_AddItemToArray(locations, loc);
    cJSON_AddItemToArray(list, n);
}

static cJSON *invocation_object(const struct run_result *result, struct artifacts *artifacts)
{
    cJSON *inv = cJSON_CreateObject();
    cJSON_AddBoolToObject(inv, "executionSuccessful", !run_result_has_errors(result));
    cJSON *notes = cJSON_AddArrayToObject(inv, "toolExecutionNotifications");
    for (size_t i = 0; i < result->input_count; i++) {
        const struct input_report *in = &result->inputs[i];
        if (in->status == INPUT_ERROR)
            add_notification(notes, "error", in, in->error ? in->error : "unreadable", artifacts);
        for (size_t k = 0; k < in->warning_count && k < MAX_NOTIFICATIONS; k++)
            add_notification(notes, "warning", in, in->warnings[k], artifacts);
    }
    return inv;
}

static cJSON *artifacts_array(const struct artifacts *artifacts)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < artifacts->count; i++) {
        cJSON *a = cJSON_CreateObject();
        cJSON *loc = cJSON_AddObjectToObject(a, "location");
        char *uri = path_uri(artifacts->paths[i]);
        cJSON_AddStringToObject(loc, "uri", uri);
        free(uri);
        cJSON *roles = cJSON_AddArrayToObject(a, "roles");
        cJSON_AddItemToArray(roles, cJSON_CreateString("analysisTarget"));
        cJSON_AddItemToArray(list, a);
    }
    return list;
}

static size_t rule_index_of(const struct signature *const *sigs, size_t count,
                            const struct signature *sig)
{
    for (size_t i = 0; i < count; i++)
        if (sigs[i] == sig)
            return i;
    return 0;
}

int report_write_sarif(FILE *out, const struct run_result *result,
                       const struct report_options *options)
{
    struct artifacts artifacts = {0};
    for (size_t i = 0; i < result->input_count; i++)
        artifact_index(&artifacts, result->inputs[i].path); /* inputs first, in scan order */
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "$schema", SARIF_SCHEMA_URI);
    cJSON_AddStringToObject(root, "version", "2.1.0");
    cJSON *run = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "runs"), run);
    cJSON *driver = cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "tool"), "driver");
    cJSON_AddStringToObject(driver, "name", "crashsig");
    cJSON_AddStringToObject(driver, "version", CRASHSIG_VERSION);
    cJSON_AddStringToObject(driver, "semanticVersion", CRASHSIG_VERSION);
    const struct signature **sigs;
    size_t sig_count;
    cJSON *rules = rules_array(result, options, &sigs, &sig_count);
    if (result->outages.count)
        cJSON_AddItemToArray(rules, outage_rule()); /* index sig_count */
    cJSON_AddItemToObject(driver, "rules", rules);
    if (options->source_root && options->source_root[0]) {
        cJSON *bases = cJSON_AddObjectToObject(run, "originalUriBaseIds");
        cJSON *root_base = cJSON_AddObjectToObject(bases, SOURCE_ROOT_ID);
        size_t n = strlen(options->source_root);
        bool slash = is_source_separator(options->source_root[n - 1]);
        char *uri = source_uri(options->source_root, false);
        if (!slash) { /* a base URI names a folder only with its closing '/' */
            uri = cs_xrealloc(uri, strlen(uri) + 2);
            strcat(uri, "/");
        }
        cJSON_AddStringToObject(root_base, "uri", uri);
        free(uri);
        cJSON_AddItemToObject(root_base, "description",
                              message("--source-root: the folder the application was built from"));
    }
    cJSON *invocations = cJSON_AddArrayToObject(run, "invocations");
    cJSON_AddItemToArray(invocations, invocation_object(result, &artifacts));
    cJSON *results = cJSON_CreateArray();
    for (size_t i = 0; i < result->findings.count; i++)
        cJSON_AddItemToArray(
            results,
            result_object(result, i,
                          rule_index_of(sigs, sig_count, result->findings.items[i].signature),
                          &artifacts, options));
    for (size_t i = 0; i < result->outages.count; i++)
        cJSON_AddItemToArray(
            results, outage_result(&result->outages.items[i], sig_count, options, &artifacts));
    cJSON_AddItemToObject(run, "artifacts", artifacts_array(&artifacts)); /* after: all known */
    cJSON_AddItemToObject(run, "results", results);
    free(sigs);
    free(artifacts.paths);
    return cs_json_write(out, root);
}
