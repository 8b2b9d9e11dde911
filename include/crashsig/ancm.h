/*
 * ancm.h - parse an ASP.NET Core Module event (source "IIS AspNetCore Module V2", Application
 * log): three unnamed strings, the message, "Process Id: <decimal>." and the module version.
 *
 *   1005  graceful shutdown failed (context only)
 *   1007  failed to load coreclr            } the app could not start
 *   1031  failed to start (HTTP 500.30)     }
 *   1011, 1035  "Application '/LM/W3SVC/2/ROOT/app' with physical root 'C:\...' has exited
 *               from Program.Main with exit code = '%d'"
 *   1018  "... hit unexpected managed exception, exception code = '0x%x'"
 *
 * The application path (site id) and the physical root are read from the message's quoted
 * values; the message itself is kept for the report.
 *
 * Not for: joining (iis.h).
 */
#ifndef CRASHSIG_ANCM_H
#define CRASHSIG_ANCM_H

#include "crashsig/event.h"
#include "crashsig/iis_evidence.h"

/* Bytes of the message kept for the report. */
#define ANCM_MAX_TEXT 4096

struct ancm_fields {
    enum iis_origin origin; /* what it is when no other evidence explains it; NONE: context */
    char *app_path;         /* "/LM/W3SVC/2/ROOT/app"; owned, may be NULL */
    bool has_site_id;
    uint32_t site_id;
    char *physical_path; /* owned, may be NULL */
    char *text;          /* the message, cut to ANCM_MAX_TEXT; owned */
    bool has_process_id;
    uint32_t process_id;
};

/* Returns 0 (with *warning non-empty when the process id was unusable), or -1 with err set
 * when the event has no message.  out is freed with ancm_fields_free in both cases. */
int ancm_parse(uint32_t event_id, const struct event_data *data, struct ancm_fields *out,
               char *warning, size_t warning_size, struct cs_error *err);
void ancm_fields_free(struct ancm_fields *fields);

#endif
