/*
 * result.c - the result of a run (result.h): freeing it, narrowing it to the incidents that
 * are reported, and the exit policy that reads it.
 *
 * Not for: deciding which incidents to keep (run.c, state.c, incident_filter.c decide; this
 * only applies the decision).
 */
#include "crashsig/result.h"

#include <stdlib.h>
#include <string.h>

void run_result_free(struct run_result *result)
{
    for (size_t i = 0; i < result->input_count; i++)
        input_report_free(&result->inputs[i]);
    free(result->inputs);
    finding_list_free(&result->findings);
    incident_list_free(&result->incidents);
    outage_list_free(&result->outages);
    for (size_t i = 0; i < result->carried_file_count; i++)
        free(result->carried_files[i]);
    free(result->carried_files);
    for (size_t i = 0; i < result->unmatched_filter_count; i++)
        free(result->unmatched_filters[i]);
    free(result->unmatched_filters);
    memset(result, 0, sizeof(*result));
}

const char *run_result_carried_file(struct run_result *result, const char *file)
{
    if (file == NULL)
        return NULL;
    for (size_t i = 0; i < result->carried_file_count; i++)
        if (strcmp(result->carried_files[i], file) == 0)
            return result->carried_files[i];
    result->carried_files = cs_xrealloc(result->carried_files, (result->carried_file_count + 1) *
                                                                   sizeof(*result->carried_files));
    return result->carried_files[result->carried_file_count++] = cs_strdup(file);
}

size_t run_result_keep(struct run_result *result, const bool *keep)
{
    struct incident_list *list = &result->incidents;
    size_t kept = 0;
    for (size_t i = 0; i < list->count; i++) {
        if (keep[i]) {
            list->items[kept++] = list->items[i];
        } else {
            incident_free_members(&list->items[i]);
        }
    }
    size_t removed = list->count - kept;
    list->count = kept;
    /* findings point into the incident list by index: rebuild them for the new list */
    finding_list_free(&result->findings);
    findings_group(&result->incidents, &result->findings);
    return removed;
}

enum severity run_result_max_severity(const struct run_result *result)
{
    enum severity max = SEVERITY_NONE;
    for (size_t i = 0; i < result->incidents.count; i++)
        if (result->incidents.items[i].severity > max)
            max = result->incidents.items[i].severity;
    return result->outages.count ? SEVERITY_CRITICAL : max;
}

bool run_result_has_errors(const struct run_result *result)
{
    for (size_t i = 0; i < result->input_count; i++)
        if (result->inputs[i].status == INPUT_ERROR)
            return true;
    return false;
}

bool run_result_finding_fails(const struct run_result *result, const struct finding *finding)
{
    return result->fail_on != SEVERITY_NONE && finding->severity >= result->fail_on &&
           !finding->known;
}

bool run_result_outages_fail(const struct run_result *result)
{
    return result->fail_on != SEVERITY_NONE && result->outages.count > 0;
}

enum run_status run_result_status(const struct run_result *result)
{
    if (run_result_has_errors(result))
        return RUN_TROUBLE;
    if (run_result_outages_fail(result))
        return RUN_INCIDENTS;
    for (size_t i = 0; i < result->findings.count; i++)
        if (run_result_finding_fails(result, &result->findings.items[i]))
            return RUN_INCIDENTS;
    return RUN_CLEAN;
}
