/*
 * iis_evidence.c - names of enum iis_origin, and freeing IIS evidence and outages
 * (iis_evidence.h, outage.h).
 *
 * Not for: making them (iis.c).
 */
#include "crashsig/iis_evidence.h"

#include <stdlib.h>
#include <string.h>

#include "crashsig/outage.h"

static const char *const ORIGIN_NAMES[] = {
    "", "worker-died", "worker-hang", "startup-failure", "ancm-exit", "ancm-exception"};

const char *iis_origin_name(enum iis_origin origin)
{
    return (unsigned)origin <= IIS_ORIGIN_ANCM_EXCEPTION ? ORIGIN_NAMES[origin] : "";
}

int iis_origin_from_name(const char *name, enum iis_origin *out)
{
    for (int o = IIS_ORIGIN_WORKER_DIED; o <= IIS_ORIGIN_ANCM_EXCEPTION; o++)
        if (name && strcmp(name, ORIGIN_NAMES[o]) == 0) {
            *out = (enum iis_origin)o;
            return 0;
        }
    return -1;
}

void incident_iis_free(struct incident_iis *iis)
{
    if (iis == NULL)
        return;
    free(iis->app_pool);
    free(iis->app_path);
    free(iis->physical_path);
    free(iis->ancm_text);
    if (iis->event) {
        event_free(iis->event);
        free(iis->event);
    }
    free(iis);
}

void outage_list_free_items(struct outage_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].computer);
        free(list->items[i].channel);
        free(list->items[i].app_pool);
        free(list->items[i].failures);
    }
}

void outage_list_free(struct outage_list *list)
{
    outage_list_free_items(list);
    free(list->items);
    memset(list, 0, sizeof(*list));
}
