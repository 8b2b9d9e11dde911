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
           filter->computer_count == 0 && filter->signature_count == 0 &&
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
           match_any(filter->signatures, filter->signature_count,
                     incident->signature ? incident->signature->id : "");
}

size_t incident_filter_apply(const struct incident_filter *filter, struct run_result *result)
{
    if (incident_filter_is_empty(filter))
        return 0;
    bool *keep = cs_xcalloc(result->incidents.count, sizeof(bool));
    for (size_t i = 0; i < result->incidents.count; i++)
        keep[i] = incident_filter_match(filter, &result->incidents.items[i]);
    size_t removed = run_result_keep(result, keep);
    free(keep);
    return removed;
}
