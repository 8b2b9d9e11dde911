/*
 * baseline.c - read and write baselines of finding fingerprints (baseline.h).
 *
 * Not for: deciding the exit status (result.c) or how known findings are shown (report_*.c).
 */
#include "crashsig/baseline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "crashsig/text_file.h"
#include "json_write.h"
#include "crashsig/signatures.h"
#include "report_util.h"

#define MAX_BASELINE_FILE_SIZE (64L * 1024 * 1024)

static bool is_fingerprint(const char *text)
{
    if (strlen(text) != INCIDENT_FINGERPRINT_SIZE - 1)
        return false;
    for (const char *p = text; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

static int compare_fingerprints(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int read_findings(const char *path, const cJSON *findings, struct baseline *out,
                         struct cs_error *err)
{
    size_t n = (size_t)cJSON_GetArraySize(findings), index = 0;
    out->fingerprints = cs_xcalloc(n, sizeof(*out->fingerprints));
    const cJSON *f;
    cJSON_ArrayForEach(f, findings)
    {
        const cJSON *fp = cJSON_GetObjectItemCaseSensitive(f, "fingerprint");
        if (!cJSON_IsString(fp) || !is_fingerprint(fp->valuestring)) {
            cs_error_set(err,
                         "%s: findings[%zu].fingerprint is not 16 lower-case hex digits "
                         "(write baselines with --write-baseline)",
                         path, index);
            return -1;
        }
        memcpy(out->fingerprints[out->count++], fp->valuestring, INCIDENT_FINGERPRINT_SIZE);
        index++;
    }
    if (out->count > 1)
        qsort(out->fingerprints, out->count, sizeof(*out->fingerprints), compare_fingerprints);
    size_t unique = 0;
    for (size_t i = 0; i < out->count; i++)
        if (unique == 0 || strcmp(out->fingerprints[unique - 1], out->fingerprints[i]) != 0)
            memmove(out->fingerprints[unique++], out->fingerprints[i], INCIDENT_FINGERPRINT_SIZE);
    out->count = unique;
    return 0;
}

int baseline_load(const char *path, struct baseline *out, struct cs_error *err)
{
    memset(out, 0, sizeof(*out));
    size_t size;
    char *text;
    int read = text_file_read(path, "baseline", MAX_BASELINE_FILE_SIZE, &text, &size, err);
    if (read == 1)
        cs_error_set(err, "cannot read baseline %s: %s", path, strerror(ENOENT));
    if (read != 0)
        return -1;
    cJSON *root = cJSON_ParseWithLength(text, size);
    free(text);
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    const cJSON *findings = cJSON_GetObjectItemCaseSensitive(root, "findings");
    int rc = -1;
    if (root == NULL)
        cs_error_set(err, "%s: not a crashsig baseline (invalid JSON)", path);
    else if (!cJSON_IsString(schema) || (strcmp(schema->valuestring, BASELINE_SCHEMA) != 0 &&
                                         strcmp(schema->valuestring, BASELINE_SCHEMA_V1) != 0))
        cs_error_set(err,
                     "%s: not a crashsig baseline (schema is not \"" BASELINE_SCHEMA
                     "\" or \"" BASELINE_SCHEMA_V1 "\")",
                     path);
    else if (!cJSON_IsArray(findings))
        cs_error_set(err, "%s: \"findings\" is missing or not an array", path);
    else
        rc = read_findings(path, findings, out, err);
    /* the schema says which recipe: /1 files were all written by recipe 1 */
    out->recipe = rc == 0 && strcmp(schema->valuestring, BASELINE_SCHEMA_V1) == 0 ? 1 : 2;
    cJSON_Delete(root);
    if (rc != 0)
        baseline_free(out);
    return rc;
}

void baseline_free(struct baseline *baseline)
{
    free(baseline->fingerprints);
    memset(baseline, 0, sizeof(*baseline));
}

bool baseline_contains(const struct baseline *baseline, const char *fingerprint)
{
    if (baseline == NULL || baseline->count == 0)
        return false;
    return bsearch(fingerprint, baseline->fingerprints, baseline->count,
                   sizeof(*baseline->fingerprints), compare_fingerprints) != NULL;
}

/* A recipe-1 baseline names the incidents' old fingerprints; the incidents of one finding may
 * have had several (ordinals renumbered between builds), and any of them makes it known. */
static bool known_by_recipe_1(const struct baseline *baseline, const struct run_result *result,
                              const struct finding *f)
{
    for (size_t i = 0; i < f->count; i++) {
        char v1[INCIDENT_FINGERPRINT_SIZE];
        incident_fingerprint_v1(&result->incidents.items[f->incidents[i]], v1);
        if (baseline_contains(baseline, v1))
            return true;
    }
    return false;
}

void baseline_mark(const struct baseline *baseline, struct run_result *result)
{
    result->has_baseline = true;
    for (size_t i = 0; i < result->findings.count; i++) {
        struct finding *f = &result->findings.items[i];
        f->known = baseline && (baseline_contains(baseline, f->fingerprint) ||
                                (baseline->recipe == 1 && known_by_recipe_1(baseline, result, f)));
    }
}

static void add_time(cJSON *obj, const char *key, cs_filetime t)
{
    char iso[CS_ISO_TIME_SIZE];
    cs_time_format_iso(t, iso);
    if (t)
        cJSON_AddStringToObject(obj, key, iso);
    else
        cJSON_AddNullToObject(obj, key);
}

static int compare_finding_pointers(const void *a, const void *b)
{
    const struct finding *x = *(const struct finding *const *)a;
    const struct finding *y = *(const struct finding *const *)b;
    return strcmp(x->fingerprint, y->fingerprint);
}

static cJSON *finding_entry(const struct finding *f)
{
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddStringToObject(obj, "fingerprint", f->fingerprint);
    cJSON_AddStringToObject(obj, "signature", f->signature ? f->signature->id : "");
    /* log text: report_json_text keeps the file valid JSON whatever the log held */
    cJSON_AddItemToObject(obj, "application", report_json_text(f->application));
    cJSON_AddItemToObject(obj, "exception",
                          f->exception ? report_json_text(f->exception) : cJSON_CreateNull());
    cJSON_AddItemToObject(obj, "user_frame",
                          f->user_frame ? report_json_text(f->user_frame) : cJSON_CreateNull());
    cJSON_AddNumberToObject(obj, "count", (double)f->count);
    add_time(obj, "first", f->first);
    add_time(obj, "last", f->last);
    return obj;
}

int baseline_write(FILE *out, const struct run_result *result)
{
    size_t n = result->findings.count;
    const struct finding **sorted = cs_xcalloc(n, sizeof(*sorted));
    for (size_t i = 0; i < n; i++)
        sorted[i] = &result->findings.items[i];
    if (n > 1)
        qsort(sorted, n, sizeof(*sorted), compare_finding_pointers);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", BASELINE_SCHEMA);
    cJSON_AddNumberToObject(root, "fingerprint_recipe", FINGERPRINT_RECIPE);
    cJSON_AddStringToObject(root, "written_by", "crashsig " CRASHSIG_VERSION);
    cJSON *findings = cJSON_AddArrayToObject(root, "findings");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(findings, finding_entry(sorted[i]));
    free(sorted);
    return cs_json_write(out, root);
}
