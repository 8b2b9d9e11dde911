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
    return match_any(filter->apps, filter->app_count, incident_application(incident)) &&
           match_any(filter->computers, filter->computer_count, incident_computer(incident)) &&
           (filter->pool_count == 0 ||
            (incident->iis && incident->iis->app_pool &&
             match_any(filter->pools, filter->pool_count, incident->iis->app_pool))) &&
           match_any(filter->signatures, filter->signature_count,
                     incident->signature ? incident->signature->id : "");
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
    filter_outages(filter, &result->outages);
    bool *keep = cs_xcalloc(result->incidents.count, sizeof(bool));
    for (size_t i = 0; i < result->incidents.count; i++)
        keep[i] = incident_filter_match(filter, &result->incidents.items[i]);
    size_t removed = run_result_keep(result, keep);
    free(keep);
    return removed;
}
