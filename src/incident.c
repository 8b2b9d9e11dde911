/*
 * incident.c - accessors and ownership for incidents (incident.h), and severity names.
 */
#include "crashsig/incident.h"

#include <stdlib.h>
#include <string.h>

static const char *const SEVERITY_NAMES[] = {"none", "low", "medium", "high", "critical"};

const char *severity_name(enum severity severity)
{
    if ((unsigned)severity > SEVERITY_CRITICAL)
        return "none";
    return SEVERITY_NAMES[severity];
}

int severity_from_name(const char *name, enum severity *out)
{
    for (int s = SEVERITY_LOW; s <= SEVERITY_CRITICAL; s++) {
        if (name && cs_strcasecmp(name, SEVERITY_NAMES[s]) == 0) {
            *out = (enum severity)s;
            return 0;
        }
    }
    return -1;
}

const struct event *incident_event(const struct incident *incident)
{
    if (incident->dotnet)
        return &incident->dotnet->event;
    if (incident->app_error)
        return &incident->app_error->event;
    return incident->iis ? incident->iis->event : NULL;
}

const struct dotnet_frame *incident_matched_frame(const struct incident *incident, size_t i)
{
    /* catalog_classify records only places of this crash, so they are in range */
    const struct dotnet_crash *crash = incident->dotnet->crash;
    const struct incident_frame_place *place = &incident->matched[i];
    if (place->block < crash->exception_count)
        return &crash->exceptions[place->block].frames[place->index];
    return &crash->stack_frames[place->index];
}

bool incident_frame_matched(const struct incident *incident, const struct dotnet_frame *frame)
{
    for (size_t i = 0; i < incident->matched_count; i++)
        if (incident_matched_frame(incident, i) == frame)
            return true;
    return false;
}

const char *incident_computer(const struct incident *incident)
{
    return incident->computer ? incident->computer : incident_logged_computer(incident);
}

const char *incident_logged_computer(const struct incident *incident)
{
    const struct event *ev = incident_event(incident);
    return ev && ev->computer ? ev->computer : "";
}

const char *incident_application(const struct incident *incident)
{
    if (incident->dotnet && incident->dotnet->crash->application[0])
        return incident->dotnet->crash->application;
    if (incident->app_error)
        return incident->app_error->fault.app_name;
    /* only IIS saw it: WAS and ANCM speak of the worker process */
    return incident->iis && incident->iis->event ? "w3wp.exe" : "";
}

const char *incident_app_file_name(const struct incident *incident)
{
    const char *path = incident->app_error ? incident->app_error->fault.app_path : NULL;
    if (path == NULL)
        return NULL;
    const char *name = path;
    for (const char *p = path; *p; p++)
        if (*p == '\\' || *p == '/')
            name = p + 1;
    return *name ? name : NULL;
}

cs_filetime incident_time(const struct incident *incident)
{
    const struct event *ev = incident_event(incident);
    return ev ? ev->time : 0;
}

bool incident_process_id(const struct incident *incident, uint32_t *pid)
{
    if (incident->app_error && incident->app_error->fault.has_process_id) {
        *pid = incident->app_error->fault.process_id;
        return true;
    }
    const struct incident_iis *iis = incident->iis;
    const struct iis_record *sides[] = {iis ? &iis->aspnet : NULL, iis ? &iis->ancm : NULL,
                                        iis ? &iis->was : NULL};
    for (size_t i = 0; i < 3; i++)
        if (sides[i] && sides[i]->present && sides[i]->has_process_id) {
            *pid = sides[i]->process_id;
            return true;
        }
    return false;
}

struct incident *incident_list_push(struct incident_list *list, const struct incident *incident)
{
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 16;
        list->items = cs_xrealloc(list->items, list->capacity * sizeof(*list->items));
    }
    list->items[list->count] = *incident;
    return &list->items[list->count++];
}

void dotnet_event_free(struct dotnet_event *ev)
{
    if (ev == NULL)
        return;
    event_free(&ev->event);
    if (ev->shared) {
        dotnet_crash_shared_release(ev->shared);
    } else if (ev->crash) {
        dotnet_crash_free(ev->crash);
        free(ev->crash);
    }
    free(ev);
}

struct dotnet_event *dotnet_event_new(void)
{
    struct dotnet_event *ev = cs_xcalloc(1, sizeof(*ev));
    ev->crash = cs_xcalloc(1, sizeof(*ev->crash));
    return ev;
}

/* The fault's strings that a crash loop repeats: all but the report id. */
#define FAULT_SHARED_FIELDS(f)                                                                     \
    &(f)->app_name, &(f)->app_version, &(f)->module_name, &(f)->module_version,                    \
        &(f)->faulting_offset, &(f)->app_path, &(f)->module_path

void app_error_event_share_strings(struct app_error_event *ev, struct string_pool *pool)
{
    event_share_strings(&ev->event, pool);
    if (ev->fault_shared)
        return;
    char **shared[] = {FAULT_SHARED_FIELDS(&ev->fault)};
    for (size_t i = 0; i < sizeof(shared) / sizeof(*shared); i++)
        string_pool_take(pool, shared[i]);
    ev->fault_shared = true;
}

void app_error_event_free(struct app_error_event *ev)
{
    if (ev == NULL)
        return;
    event_free(&ev->event);
    if (ev->fault_shared) {
        char **shared[] = {FAULT_SHARED_FIELDS(&ev->fault)};
        for (size_t i = 0; i < sizeof(shared) / sizeof(*shared); i++)
            shared_string_release(*shared[i]);
        free(ev->fault.report_id);
        memset(&ev->fault, 0, sizeof(ev->fault));
    } else {
        app_error_free(&ev->fault);
    }
    free(ev->secondary);
    wer_info_free(ev->wer);
    free(ev);
}

void incident_free_members(struct incident *incident)
{
    dotnet_event_free(incident->dotnet);
    app_error_event_free(incident->app_error);
    incident_iis_free(incident->iis);
    free(incident->computer);
    incident->dotnet = NULL;
    incident->app_error = NULL;
    incident->iis = NULL;
    incident->computer = NULL;
}

void incident_list_free(struct incident_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        incident_free_members(&list->items[i]);
    free(list->items);
    memset(list, 0, sizeof(*list));
}
