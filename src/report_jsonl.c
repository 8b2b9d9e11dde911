/*
 * report_jsonl.c - JSON Lines for log shippers (Splunk, Elastic, Loki, Fluent Bit): one
 * incident per line, each line a complete JSON object, schema crashsig.incident/1
 * (docs/report-format.md).
 *
 * A line is the incident object of the JSON report plus what a shipper cannot look up
 * elsewhere: the schema, the tool version and whether the finding is known in the baseline.
 * Lines are printed unformatted, so a newline in log text is the escape "\n", never a line
 * break; nothing is written for a run without incidents.
 *
 * Not for: the whole-run document (report_json.c).
 */
#include "report_writers.h"

#include <stdlib.h>

#include "crashsig/signatures.h"
#include "report_util.h"

static cJSON *incident_line(const struct incident *incident, bool known)
{
    cJSON *line = cJSON_CreateObject();
    cJSON_AddStringToObject(line, "schema", REPORT_INCIDENT_SCHEMA);
    cJSON_AddStringToObject(line, "tool", "crashsig " CRASHSIG_VERSION);
    cJSON *fields = report_json_incident(incident);
    /* move the incident's fields up into the line, keeping their order */
    while (fields->child) {
        cJSON *item = cJSON_DetachItemViaPointer(fields, fields->child);
        cJSON_AddItemToObject(line, item->string, item); /* copies the key, frees the old */
    }
    cJSON_Delete(fields);
    cJSON_AddBoolToObject(line, "known", known);
    return line;
}

int report_write_jsonl(FILE *out, const struct run_result *result,
                       const struct report_options *options)
{
    (void)options; /* JSON Lines has no presentation choices: always UTC, never colour */
    bool *known = report_incidents_known(result);
    int rc = 0;
    for (size_t i = 0; i < result->incidents.count && rc == 0; i++) {
        cJSON *line = incident_line(&result->incidents.items[i], known[i]);
        char *text = cJSON_PrintUnformatted(line);
        cJSON_Delete(line);
        if (text == NULL || fputs(text, out) < 0 || fputc('\n', out) == EOF)
            rc = -1;
        free(text);
    }
    free(known);
    return rc != 0 || ferror(out) ? -1 : 0;
}
