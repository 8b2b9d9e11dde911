/*
 * incident_filter.c - keep the incidents a filter asks for and regroup the findings
 * (incident_filter.h).
 *
 * Not for: parsing the options that build a filter (the CLI, timeutil.h).
 */
#include "crashsig/incident_filter.h"

#include <stdlib.h>
#include <string.h>

#include "crashsig/signatures.h"

bool incident_filter_is_empty(const struct incident_filter *filter)
{
    return filter->since == 0 && filter->until == 0 && filter->app_count == 0 &&
           filter->computer_count == 0 && filter->pool_count == 0 && filter->signature_count == 0 &&
           filter->min_severity == SEVERITY_NONE;
}

static bool match_any(const char *const *globs, size_t count, const char *text)
{
    if (count == 0)
        return true;
    for (size_t i = 0; i < count; i++)
        if (cs_glob_match(globs[i], text ? text : "", true))
            return true;
    return false;
}

bool incident_filter_match(const struct incident_filter *filter, const struct incident *incident)
{
    cs_filetime t = incident_time(incident);
    if (filter->since && t < filter->since)
        return false;
    if (filter->until && t >= filter->until)
        return false;
    if (incident->severity < filter->min_severity)
        return false;
    /* --app svchost.exe also finds "svchost.exe_AppXSvc", by the path's file name */
    const char *file = incident_app_file_name(incident);
    bool app = match_any(filter->apps, filter->app_count, incident_application(incident)) ||
               (file && match_any(filter->apps, filter->app_count, file));
    return app &&
           match_any(filter->computers, filter->computer_count, incident_computer(incident)) &&
           (filter->pool_count == 0 ||
            (incident->iis && incident->iis->app_pool &&
             match_any(filter->pools, filter->pool_count, incident->iis->app_pool))) &&
           match_any(filter->signatures, filter->signature_count,
                     incident->signature ? incident->signature->id : "");
}

/* What one filter option looks at in an incident. */
typedef const char *(*incident_value_fn)(const struct incident *incident);

static const char *signature_value(const struct incident *incident)
{
    return incident->signature ? incident->signature->id : "";
}

static const char *pool_value(const struct incident *incident)
{
    return incident->iis && incident->iis->app_pool ? incident->iis->app_pool : "";
}

static int compare_names(const void *a, const void *b)
{
    return cs_strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/* Log text in a message for a terminal: control characters become '?'. */
static void append_safe(char **text, size_t *length, const char *value)
{
    size_t n = strlen(value);
    *text = cs_xrealloc(*text, *length + n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)value[i];
        (*text)[(*length)++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    (*text)[*length] = '\0';
}

/* "--app 'Contoso' matched nothing; applications seen: Contoso.Web.exe, w3wp.exe" */
static char *unmatched_message(const char *option, const char *glob, const char *what,
                               const char **values, size_t count)
{
    char *text = NULL;
    size_t length = 0;
    append_safe(&text, &length, option);
    append_safe(&text, &length, " '");
    append_safe(&text, &length, glob);
    append_safe(&text, &length, "' matched nothing; ");
    append_safe(&text, &length, what);
    append_safe(&text, &length, count ? " seen: " : " seen: none (no incident in the logs)");
    size_t named = 0;
    for (size_t i = 0; i < count && named < FILTER_MAX_VALUES_NAMED; i++) {
        if (i > 0 && cs_strcasecmp(values[i], values[i - 1]) == 0)
            continue;
        append_safe(&text, &length, named ? ", " : "");
        append_safe(&text, &length, values[i][0] ? values[i] : "(none)");
        named++;
    }
    if (named == FILTER_MAX_VALUES_NAMED && count > named)
        append_safe(&text, &length, ", ...");
    return text;
}

static void add_unmatched(struct run_result *result, char *message)
{
    result->unmatched_filters =
        cs_xrealloc(result->unmatched_filters,
                    (result->unmatched_filter_count + 1) * sizeof(*result->unmatched_filters));
    result->unmatched_filters[result->unmatched_filter_count++] = message;
}

/* Reports each glob of one option that matched no incident's value. */
static void check_option(struct run_result *result, const char *option, const char *what,
                         const char *const *globs, size_t glob_count, incident_value_fn value)
{
    if (glob_count == 0)
        return;
    size_t n = result->incidents.count;
    const char **values = cs_xcalloc(n + 1, sizeof(*values));
    for (size_t i = 0; i < n; i++) {
        const char *v = value(&result->incidents.items[i]);
        values[i] = v ? v : "";
    }
    qsort(values, n, sizeof(*values), compare_names);
    for (size_t g = 0; g < glob_count; g++) {
        bool matched = false;
        for (size_t i = 0; i < n && !matched; i++)
            matched = cs_glob_match(globs[g], values[i], true);
        if (!matched)
            add_unmatched(result, unmatched_message(option, globs[g], what, values, n));
    }
    free(values);
}

/* An outage passes the filters that can speak of it: its time, computer and pool. */
static bool outage_passes(const struct incident_filter *filter, const struct outage *o)
{
    return !(filter->since && o->disabled_at < filter->since) &&
           !(filter->until && o->disabled_at >= filter->until) &&
           match_any(filter->computers, filter->computer_count, o->computer) &&
           match_any(filter->pools, filter->pool_count, o->app_pool);
}

static void filter_outages(const struct incident_filter *filter, struct outage_list *outages)
{
    size_t kept = 0;
    for (size_t i = 0; i < outages->count; i++) {
        if (outage_passes(filter, &outages->items[i])) {
            outages->items[kept++] = outages->items[i];
            continue;
        }
        struct outage_list one = {1, &outages->items[i]};
        outage_list_free_items(&one);
    }
    outages->count = kept;
}

size_t incident_filter_apply(const struct incident_filter *filter, struct run_result *result)
{
    if (incident_filter_is_empty(filter))
        return 0;
    check_option(result, "--app", "applications", filter->apps, filter->app_count,
                 incident_application);
    check_option(result, "--computer", "computers", filter->computers, filter->computer_count,
                 incident_computer);
    check_option(result, "--signature", "signatures", filter->signatures, filter->signature_count,
                 signature_value);
    check_option(result, "--pool", "application pools", filter->pools, filter->pool_count,
                 pool_value);
    filter_outages(filter, &result->outages);
    bool *keep = cs_xcalloc(result->incidents.count, sizeof(bool));
    for (size_t i = 0; i < result->incidents.count; i++)
        keep[i] = incident_filter_match(filter, &result->incidents.items[i]);
    size_t removed = run_result_keep(result, keep);
    free(keep);
    return removed;
}
