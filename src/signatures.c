/*
 * signatures.c - load the signature catalog (signatures/catalog.json, schema
 * crashsig.signatures/1, documented in docs/signatures.md) and classify incidents with it.
 *
 * The loader is strict on purpose: an unknown key, a misspelled severity or an empty list is
 * an error naming the signature and the field, because a typo in a rule must not silently turn
 * the rule off.  Classification tries the signatures in file order and the first whose rule
 * holds wins; every condition is a single pass over the frames, so classification is linear in
 * the size of the incident.
 *
 * Not for: fingerprints and grouping (findings.c), or deciding what a frame is (the parser
 * owns the frame text; dotnet_crash.c decides what the crashing thread is).
 */
#include "crashsig/signatures.h"

#include <cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CATALOG_SCHEMA "crashsig.signatures/1"

/* Generated at build time from signatures/catalog.json. */
extern const char crashsig_builtin_catalog[];
extern const size_t crashsig_builtin_catalog_size;

struct string_list {
    size_t count;
    char **items;
};

/* "Some frame matches one of the globs" (or, for a "none" requirement, "no frame does"),
 * among the bottom frames of the crashing thread or anywhere in the crash. */
struct frame_requirement {
    bool must_be_absent;
    size_t bottom; /* 0: any frame of any exception or of the Stack: list */
    struct string_list globs;
};

struct frame_requirements {
    size_t count;
    struct frame_requirement *items;
};

enum presence { PRESENCE_ANY = 0, PRESENCE_REQUIRED, PRESENCE_ABSENT };

/* One alternative of a signature's "match": every present condition must hold. */
struct match_rule {
    enum presence dotnet;
    enum presence managed_exception; /* the .NET event names a managed exception type */
    unsigned kinds;                  /* bit (1 << enum dotnet_crash_kind); 0 = no condition */
    unsigned iis_origins;            /* bit (1 << enum iis_origin) of an incident only IIS saw;
                                        0 = no condition */
    struct frame_requirements frames;
    size_t code_count;
    uint32_t *codes;
    struct string_list modules;
    struct string_list applications;
    struct string_list exception_types;
};

struct severity_override {
    char *application; /* glob, case-insensitive */
    enum severity severity;
};

struct signature_rules {
    size_t rule_count;
    struct match_rule *rules;
    struct frame_requirements marks; /* frames to highlight when present; never required */
    size_t override_count;
    struct severity_override *overrides;
};

struct catalog {
    size_t count;
    struct signature *items;
};

/* ---- freeing ---------------------------------------------------------------------------- */

static void string_list_free(struct string_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    memset(list, 0, sizeof(*list));
}

static void frame_requirements_free(struct frame_requirements *reqs)
{
    for (size_t i = 0; i < reqs->count; i++)
        string_list_free(&reqs->items[i].globs);
    free(reqs->items);
    memset(reqs, 0, sizeof(*reqs));
}

static void match_rule_free(struct match_rule *rule)
{
    frame_requirements_free(&rule->frames);
    free(rule->codes);
    string_list_free(&rule->modules);
    string_list_free(&rule->applications);
    string_list_free(&rule->exception_types);
}

static void signature_free(struct signature *sig)
{
    free(sig->id);
    free(sig->title);
    free(sig->explanation);
    free(sig->fix);
    struct signature_rules *rules = sig->rules;
    if (rules == NULL)
        return;
    for (size_t i = 0; i < rules->rule_count; i++)
        match_rule_free(&rules->rules[i]);
    free(rules->rules);
    frame_requirements_free(&rules->marks);
    for (size_t i = 0; i < rules->override_count; i++)
        free(rules->overrides[i].application);
    free(rules->overrides);
    free(rules);
}

void catalog_free(struct catalog *catalog)
{
    if (catalog == NULL)
        return;
    for (size_t i = 0; i < catalog->count; i++)
        signature_free(&catalog->items[i]);
    free(catalog->items);
    free(catalog);
}

/* ---- loading ---------------------------------------------------------------------------- */

/* Where the loader is, so every message names the signature (index and, once read, id). */
struct loader {
    struct cs_error *err;
    size_t index;
    const char *id; /* NULL until the signature's id has been read */
};

CS_PRINTF_FORMAT(3, 4)
static int load_error(struct loader *ld, const char *field, const char *fmt, ...)
{
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    if (ld->id)
        cs_error_set(ld->err, "catalog: signature %zu (\"%s\"): %s: %s", ld->index, ld->id, field,
                     detail);
    else
        cs_error_set(ld->err, "catalog: signature %zu: %s: %s", ld->index, field, detail);
    return -1;
}

/* Rejects keys outside allowed and keys given twice (cJSON keeps both, and which one wins
 * would otherwise be an accident of the implementation). */
static int check_keys(struct loader *ld, const cJSON *object, const char *path,
                      const char *const *allowed, size_t allowed_count)
{
    for (const cJSON *item = object->child; item; item = item->next) {
        bool known = false;
        for (size_t i = 0; i < allowed_count && !known; i++)
            known = strcmp(item->string, allowed[i]) == 0;
        if (!known)
            return load_error(ld, path, "unknown key \"%s\"", item->string);
        for (const cJSON *other = item->next; other; other = other->next) {
            if (strcmp(other->string, item->string) == 0)
                return load_error(ld, path, "duplicate key \"%s\"", item->string);
        }
    }
    return 0;
}

static int read_text(struct loader *ld, const cJSON *object, const char *key, char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    if (item == NULL)
        return load_error(ld, key, "missing");
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0')
        return load_error(ld, key, "must be a non-empty string");
    *out = cs_strdup(item->valuestring);
    return 0;
}

static int read_severity(struct loader *ld, const cJSON *item, const char *path, enum severity *out)
{
    if (!cJSON_IsString(item) || severity_from_name(item->valuestring, out) != 0 ||
        strcmp(item->valuestring, severity_name(*out)) != 0)
        return load_error(ld, path, "must be one of \"critical\", \"high\", \"medium\", \"low\"");
    return 0;
}

static int read_string_list(struct loader *ld, const cJSON *array, const char *path,
                            struct string_list *out)
{
    int size = cJSON_IsArray(array) ? cJSON_GetArraySize(array) : 0;
    if (size == 0)
        return load_error(ld, path, "must be a non-empty array of strings");
    out->items = cs_xcalloc((size_t)size, sizeof(char *));
    for (const cJSON *item = array->child; item; item = item->next) {
        if (!cJSON_IsString(item) || item->valuestring[0] == '\0')
            return load_error(ld, path, "entry %zu must be a non-empty string", out->count);
        out->items[out->count++] = cs_strdup(item->valuestring);
    }
    return 0;
}

static int read_frame_requirement(struct loader *ld, const cJSON *object, const char *path,
                                  bool allow_none, struct frame_requirement *out)
{
    static const char *const keys[] = {"any", "none", "bottom"};
    if (!cJSON_IsObject(object))
        return load_error(ld, path, "must be an object");
    if (check_keys(ld, object, path, keys, 3) != 0)
        return -1;
    const cJSON *any = cJSON_GetObjectItemCaseSensitive(object, "any");
    const cJSON *none = cJSON_GetObjectItemCaseSensitive(object, "none");
    if (none && !allow_none)
        return load_error(ld, path, "\"none\" cannot be used here: marks are never required");
    if ((any == NULL) == (none == NULL))
        return load_error(ld, path, "needs exactly one of \"any\" and \"none\"");
    char field[96];
    snprintf(field, sizeof(field), "%s.%s", path, any ? "any" : "none");
    out->must_be_absent = none != NULL;
    if (read_string_list(ld, any ? any : none, field, &out->globs) != 0)
        return -1;
    const cJSON *bottom = cJSON_GetObjectItemCaseSensitive(object, "bottom");
    if (bottom) {
        snprintf(field, sizeof(field), "%s.bottom", path);
        if (!cJSON_IsNumber(bottom) || bottom->valuedouble < 1 || bottom->valuedouble > 100000 ||
            bottom->valuedouble != (double)bottom->valueint)
            return load_error(ld, field, "must be a positive integer");
        out->bottom = (size_t)bottom->valueint;
    }
    return 0;
}

static int read_frame_requirements(struct loader *ld, const cJSON *array, const char *path,
                                   bool allow_none, struct frame_requirements *out)
{
    int size = cJSON_IsArray(array) ? cJSON_GetArraySize(array) : 0;
    if (size == 0)
        return load_error(ld, path, "must be a non-empty array of frame requirements");
    out->items = cs_xcalloc((size_t)size, sizeof(*out->items));
    for (const cJSON *item = array->child; item; item = item->next) {
        char field[80];
        snprintf(field, sizeof(field), "%s[%zu]", path, out->count);
        struct frame_requirement *req = &out->items[out->count++];
        if (read_frame_requirement(ld, item, field, allow_none, req) != 0)
            return -1;
    }
    return 0;
}

static int read_kinds(struct loader *ld, const cJSON *array, const char *path, unsigned *out)
{
    struct string_list names = {0};
    int rc = read_string_list(ld, array, path, &names);
    for (size_t i = 0; rc == 0 && i < names.count; i++) {
        enum dotnet_crash_kind kind;
        if (dotnet_crash_kind_from_name(names.items[i], &kind) != 0)
            rc = load_error(ld, path, "unknown kind \"%s\"", names.items[i]);
        else
            *out |= 1u << kind;
    }
    string_list_free(&names);
    return rc;
}

static int read_iis_origins(struct loader *ld, const cJSON *array, const char *path, unsigned *out)
{
    struct string_list names = {0};
    int rc = read_string_list(ld, array, path, &names);
    for (size_t i = 0; rc == 0 && i < names.count; i++) {
        enum iis_origin origin;
        if (iis_origin_from_name(names.items[i], &origin) != 0)
            rc = load_error(ld, path, "unknown IIS origin \"%s\"", names.items[i]);
        else
            *out |= 1u << origin;
    }
    string_list_free(&names);
    return rc;
}

static bool parse_code(const char *text, uint32_t *out)
{
    uint32_t value = 0;
    size_t i = 0;
    for (; text[i]; i++) {
        char c = text[i];
        if (i == 8 || !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
        value = value << 4 | (uint32_t)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    *out = value;
    return i == 8;
}

static int read_codes(struct loader *ld, const cJSON *array, const char *path,
                      struct match_rule *rule)
{
    struct string_list texts = {0};
    int rc = read_string_list(ld, array, path, &texts);
    if (rc == 0)
        rule->codes = cs_xcalloc(texts.count, sizeof(uint32_t));
    for (size_t i = 0; rc == 0 && i < texts.count; i++) {
        if (!parse_code(texts.items[i], &rule->codes[rule->code_count++]))
            rc = load_error(ld, path, "\"%s\" is not 8 lower-case hex digits", texts.items[i]);
    }
    string_list_free(&texts);
    return rc;
}

static int read_rule_condition(struct loader *ld, const cJSON *item, const char *path,
                               struct match_rule *rule)
{
    char field[64];
    snprintf(field, sizeof(field), "%s.%s", path, item->string);
    const char *key = item->string;
    if (strcmp(key, "dotnet") == 0) {
        if (!cJSON_IsBool(item))
            return load_error(ld, field, "must be true or false");
        rule->dotnet = cJSON_IsTrue(item) ? PRESENCE_REQUIRED : PRESENCE_ABSENT;
        return 0;
    }
    if (strcmp(key, "managed_exception") == 0) {
        if (!cJSON_IsBool(item))
            return load_error(ld, field, "must be true or false");
        rule->managed_exception = cJSON_IsTrue(item) ? PRESENCE_REQUIRED : PRESENCE_ABSENT;
        return 0;
    }
    if (strcmp(key, "kind") == 0)
        return read_kinds(ld, item, field, &rule->kinds);
    if (strcmp(key, "frames") == 0)
        return read_frame_requirements(ld, item, field, true, &rule->frames);
    if (strcmp(key, "exception_code") == 0)
        return read_codes(ld, item, field, rule);
    if (strcmp(key, "module") == 0)
        return read_string_list(ld, item, field, &rule->modules);
    if (strcmp(key, "application") == 0)
        return read_string_list(ld, item, field, &rule->applications);
    if (strcmp(key, "iis") == 0)
        return read_iis_origins(ld, item, field, &rule->iis_origins);
    return read_string_list(ld, item, field, &rule->exception_types);
}

static int read_rule(struct loader *ld, const cJSON *object, const char *path,
                     struct match_rule *rule)
{
    static const char *const keys[] = {"dotnet",      "managed_exception", "kind",
                                       "frames",      "exception_code",    "module",
                                       "application", "exception_type",    "iis"};
    if (!cJSON_IsObject(object))
        return load_error(ld, path, "must be an object");
    if (check_keys(ld, object, path, keys, sizeof(keys) / sizeof(keys[0])) != 0)
        return -1;
    if (object->child == NULL)
        return load_error(ld, path,
                          "has no condition (it would match everything: say "
                          "\"dotnet\": true or false)");
    for (const cJSON *item = object->child; item; item = item->next) {
        if (read_rule_condition(ld, item, path, rule) != 0)
            return -1;
    }
    return 0;
}

static int read_rules(struct loader *ld, const cJSON *array, struct signature_rules *rules)
{
    int size = cJSON_IsArray(array) ? cJSON_GetArraySize(array) : 0;
    if (size == 0)
        return load_error(ld, "match", "must be a non-empty array of rules");
    rules->rules = cs_xcalloc((size_t)size, sizeof(*rules->rules));
    for (const cJSON *item = array->child; item; item = item->next) {
        char path[32];
        snprintf(path, sizeof(path), "match[%zu]", rules->rule_count);
        if (read_rule(ld, item, path, &rules->rules[rules->rule_count++]) != 0)
            return -1;
    }
    return 0;
}

static int read_overrides(struct loader *ld, const cJSON *array, struct signature_rules *rules)
{
    static const char *const keys[] = {"application", "severity"};
    int size = cJSON_IsArray(array) ? cJSON_GetArraySize(array) : 0;
    if (size == 0)
        return load_error(ld, "severity_by_application", "must be a non-empty array");
    rules->overrides = cs_xcalloc((size_t)size, sizeof(*rules->overrides));
    for (const cJSON *item = array->child; item; item = item->next) {
        char path[48];
        snprintf(path, sizeof(path), "severity_by_application[%zu]", rules->override_count);
        struct severity_override *o = &rules->overrides[rules->override_count++];
        if (!cJSON_IsObject(item))
            return load_error(ld, path, "must be an object");
        if (check_keys(ld, item, path, keys, 2) != 0)
            return -1;
        const cJSON *app = cJSON_GetObjectItemCaseSensitive(item, "application");
        if (!cJSON_IsString(app) || app->valuestring[0] == '\0')
            return load_error(ld, path, "\"application\" must be a non-empty string");
        o->application = cs_strdup(app->valuestring);
        char field[64];
        snprintf(field, sizeof(field), "%s.severity", path);
        if (read_severity(ld, cJSON_GetObjectItemCaseSensitive(item, "severity"), field,
                          &o->severity) != 0)
            return -1;
    }
    return 0;
}

static bool is_kebab_case(const char *id)
{
    if (id[0] < 'a' || id[0] > 'z')
        return false;
    for (const char *p = id; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-';
        if (!ok || (*p == '-' && (p[1] == '-' || p[1] == '\0')))
            return false;
    }
    return true;
}

static int read_signature_fields(struct loader *ld, const cJSON *object, struct signature *sig)
{
    if (read_text(ld, object, "title", &sig->title) != 0 ||
        read_severity(ld, cJSON_GetObjectItemCaseSensitive(object, "severity"), "severity",
                      &sig->severity) != 0 ||
        read_text(ld, object, "explanation", &sig->explanation) != 0 ||
        read_text(ld, object, "fix", &sig->fix) != 0)
        return -1;
    sig->rules = cs_xcalloc(1, sizeof(*sig->rules));
    const cJSON *overrides = cJSON_GetObjectItemCaseSensitive(object, "severity_by_application");
    if (overrides && read_overrides(ld, overrides, sig->rules) != 0)
        return -1;
    const cJSON *marks = cJSON_GetObjectItemCaseSensitive(object, "mark");
    if (marks && read_frame_requirements(ld, marks, "mark", false, &sig->rules->marks) != 0)
        return -1;
    const cJSON *match = cJSON_GetObjectItemCaseSensitive(object, "match");
    if (match == NULL)
        return load_error(ld, "match", "missing");
    return read_rules(ld, match, sig->rules);
}

static int read_signature(struct loader *ld, const cJSON *object, const struct catalog *catalog,
                          struct signature *sig)
{
    static const char *const keys[] = {
        "id",          "title", "severity", "severity_by_application",
        "explanation", "fix",   "match",    "mark"};
    if (!cJSON_IsObject(object))
        return load_error(ld, "signature", "must be an object");
    if (read_text(ld, object, "id", &sig->id) != 0)
        return -1;
    if (!is_kebab_case(sig->id))
        return load_error(ld, "id", "\"%s\" is not kebab-case (a-z, 0-9, single dashes)", sig->id);
    ld->id = sig->id;
    if (catalog_find(catalog, sig->id) != NULL)
        return load_error(ld, "id", "duplicate id");
    if (check_keys(ld, object, "signature", keys, sizeof(keys) / sizeof(keys[0])) != 0)
        return -1;
    return read_signature_fields(ld, object, sig);
}

/* The top level: {"schema": "crashsig.signatures/1", "signatures": [...]}. */
static int read_catalog(const cJSON *root, struct catalog *catalog, struct cs_error *err)
{
    static const char *const keys[] = {"schema", "signatures"};
    if (!cJSON_IsObject(root)) {
        cs_error_set(err, "catalog: the top level must be an object");
        return -1;
    }
    for (const cJSON *item = root->child; item; item = item->next) {
        if (strcmp(item->string, keys[0]) != 0 && strcmp(item->string, keys[1]) != 0) {
            cs_error_set(err, "catalog: unknown top-level key \"%s\"", item->string);
            return -1;
        }
    }
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, CATALOG_SCHEMA) != 0) {
        cs_error_set(err, "catalog: \"schema\" must be \"%s\"", CATALOG_SCHEMA);
        return -1;
    }
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "signatures");
    int size = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : 0;
    if (size == 0) {
        cs_error_set(err, "catalog: \"signatures\" must be a non-empty array");
        return -1;
    }
    catalog->items = cs_xcalloc((size_t)size, sizeof(*catalog->items));
    for (const cJSON *item = list->child; item; item = item->next) {
        struct loader ld = {err, catalog->count, NULL};
        struct signature *sig = &catalog->items[catalog->count];
        int rc = read_signature(&ld, item, catalog, sig);
        catalog->count++; /* counted even on failure so catalog_free releases it */
        if (rc != 0)
            return -1;
    }
    return 0;
}

static void describe_json_error(const char *text, size_t offset, struct cs_error *err)
{
    unsigned line = 1, column = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
    }
    cs_error_set(err, "catalog: invalid JSON at line %u, column %u", line, column);
}

/* cJSON wants NUL-terminated text and stops at the end of the value.  After it only whitespace
 * may follow, then NUL bytes up to length (a generator may count the terminator); anything
 * else is an error rather than silently ignored. */
static cJSON *parse_json(const char *json, size_t length, struct cs_error *err)
{
    char *text = cs_strndup(json, length); /* ends at the first NUL */
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, false);
    size_t offset = end ? (size_t)(end - text) : 0;
    free(text);
    if (root == NULL) {
        describe_json_error(json, offset, err);
        return NULL;
    }
    while (offset < length && json[offset] && strchr(" \t\r\n", json[offset]))
        offset++;
    size_t rest = offset;
    while (rest < length && json[rest] == '\0')
        rest++;
    if (rest < length) {
        describe_json_error(json, offset, err);
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

int catalog_load_json(const char *json, size_t length, struct catalog **out, struct cs_error *err)
{
    *out = NULL;
    cJSON *root = parse_json(json, length, err);
    if (root == NULL)
        return -1;
    struct catalog *catalog = cs_xcalloc(1, sizeof(*catalog));
    int rc = read_catalog(root, catalog, err);
    cJSON_Delete(root);
    if (rc != 0) {
        catalog_free(catalog);
        return -1;
    }
    *out = catalog;
    return 0;
}

int catalog_load_builtin(struct catalog **out, struct cs_error *err)
{
    return catalog_load_json(crashsig_builtin_catalog, crashsig_builtin_catalog_size, out, err);
}

size_t catalog_count(const struct catalog *catalog)
{
    return catalog->count;
}

const struct signature *catalog_at(const struct catalog *catalog, size_t index)
{
    return index < catalog->count ? &catalog->items[index] : NULL;
}

const struct signature *catalog_find(const struct catalog *catalog, const char *id)
{
    for (size_t i = 0; i < catalog->count; i++) {
        if (catalog->items[i].id && strcmp(catalog->items[i].id, id) == 0)
            return &catalog->items[i];
    }
    return NULL;
}

enum severity signature_severity_for(const struct signature *sig, const char *application)
{
    const struct signature_rules *rules = sig->rules;
    for (size_t i = 0; rules && application && i < rules->override_count; i++) {
        if (cs_glob_match(rules->overrides[i].application, application, true))
            return rules->overrides[i].severity;
    }
    return sig->severity;
}

size_t signature_override_count(const struct signature *sig)
{
    return sig->rules ? sig->rules->override_count : 0;
}

const char *signature_override_at(const struct signature *sig, size_t index,
                                  enum severity *severity)
{
    const struct severity_override *o = &sig->rules->overrides[index];
    *severity = o->severity;
    return o->application;
}

/* ---- classification --------------------------------------------------------------------- */

/* A frame that satisfied a requirement, with its place in the crash so the matched frames can
 * be reported in stack order: block is the exception's index (exception_count for the Stack:
 * frames), index the frame's position in it. */
struct frame_hit {
    const struct dotnet_frame *frame;
    size_t block, index;
};

struct match_state {
    const struct incident *incident;
    const struct dotnet_crash *crash; /* NULL without a .NET event */
    const struct dotnet_frame *thread;
    size_t thread_count, thread_block;
    size_t hit_count;
    struct frame_hit hits[INCIDENT_MAX_MATCHED_FRAMES];
};

static void match_state_init(struct match_state *st, const struct incident *incident)
{
    memset(st, 0, sizeof(*st));
    st->incident = incident;
    if (incident->dotnet == NULL)
        return;
    const struct dotnet_crash *crash = incident->dotnet->crash;
    st->crash = crash;
    st->thread = dotnet_crash_thread_frames(crash, &st->thread_count);
    st->thread_block = crash->exception_count;
    for (size_t i = 0; i < crash->exception_count; i++) {
        if (crash->exceptions[i].frames == st->thread)
            st->thread_block = i;
    }
}

static bool glob_any(const struct string_list *globs, const char *text, bool ignore_case)
{
    for (size_t i = 0; text && i < globs->count; i++) {
        if (cs_glob_match(globs->items[i], text, ignore_case))
            return true;
    }
    return false;
}

static bool frame_matches(const struct frame_requirement *req, const struct dotnet_frame *frame)
{
    return glob_any(&req->globs, frame->method ? frame->method : frame->text, false);
}

static bool find_in_block(const struct frame_requirement *req, const struct dotnet_frame *frames,
                          size_t start, size_t count, size_t block, struct frame_hit *hit)
{
    for (size_t i = start; i < count; i++) {
        if (frame_matches(req, &frames[i])) {
            *hit = (struct frame_hit){&frames[i], block, i};
            return true;
        }
    }
    return false;
}

/* The first frame (top of stack first) the requirement's globs match, within its scope. */
static bool find_frame(const struct match_state *st, const struct frame_requirement *req,
                       struct frame_hit *hit)
{
    const struct dotnet_crash *crash = st->crash;
    if (crash == NULL)
        return false;
    if (req->bottom) {
        size_t start = st->thread_count > req->bottom ? st->thread_count - req->bottom : 0;
        return find_in_block(req, st->thread, start, st->thread_count, st->thread_block, hit);
    }
    for (size_t b = 0; b < crash->exception_count; b++) {
        const struct dotnet_exception *e = &crash->exceptions[b];
        if (find_in_block(req, e->frames, 0, e->frame_count, b, hit))
            return true;
    }
    return find_in_block(req, crash->stack_frames, 0, crash->stack_frame_count,
                         crash->exception_count, hit);
}

static void add_hit(struct match_state *st, const struct frame_hit *hit)
{
    for (size_t i = 0; i < st->hit_count; i++) {
        if (st->hits[i].frame == hit->frame)
            return;
    }
    if (st->hit_count < INCIDENT_MAX_MATCHED_FRAMES)
        st->hits[st->hit_count++] = *hit;
}

static bool code_listed(const struct match_rule *rule, const struct app_error *fault)
{
    for (size_t i = 0; fault && fault->has_exception_code && i < rule->code_count; i++) {
        if (rule->codes[i] == fault->exception_code)
            return true;
    }
    return false;
}

static bool exception_type_listed(const struct match_rule *rule, const struct dotnet_crash *crash)
{
    for (size_t i = 0; crash && i < crash->exception_count; i++) {
        if (glob_any(&rule->exception_types, crash->exceptions[i].type, false))
            return true;
    }
    return false;
}

/* The conditions that do not look at frames: cheap, so they are tested first. */
static bool rule_header_holds(const struct match_rule *rule, const struct match_state *st)
{
    const struct incident *incident = st->incident;
    const struct app_error *fault = incident->app_error ? &incident->app_error->fault : NULL;
    if (rule->dotnet == PRESENCE_REQUIRED && st->crash == NULL)
        return false;
    if (rule->dotnet == PRESENCE_ABSENT && st->crash != NULL)
        return false;
    if (rule->managed_exception != PRESENCE_ANY &&
        (st->crash == NULL ||
         (st->crash->exception_count > 0) != (rule->managed_exception == PRESENCE_REQUIRED)))
        return false;
    if (rule->kinds && (st->crash == NULL || (unsigned)st->crash->kind >= 32 ||
                        !(rule->kinds & (1u << st->crash->kind))))
        return false;
    if (rule->iis_origins &&
        !(incident->iis && (rule->iis_origins & (1u << incident->iis->origin)) &&
          incident->iis->origin != IIS_ORIGIN_NONE))
        return false;
    if (rule->code_count && !code_listed(rule, fault))
        return false;
    if (rule->modules.count && !(fault && glob_any(&rule->modules, fault->module_name, true)))
        return false;
    if (rule->applications.count &&
        !glob_any(&rule->applications, incident_application(incident), true))
        return false;
    if (rule->exception_types.count && !exception_type_listed(rule, st->crash))
        return false;
    return true;
}

/* On success the frames that satisfied the "any" requirements are added to st's hits. */
static bool rule_holds(const struct match_rule *rule, struct match_state *st)
{
    if (!rule_header_holds(rule, st))
        return false;
    struct frame_hit hits[INCIDENT_MAX_MATCHED_FRAMES];
    size_t hit_count = 0;
    for (size_t i = 0; i < rule->frames.count; i++) {
        const struct frame_requirement *req = &rule->frames.items[i];
        struct frame_hit hit;
        bool found = find_frame(st, req, &hit);
        if (found == req->must_be_absent)
            return false;
        if (found && hit_count < INCIDENT_MAX_MATCHED_FRAMES)
            hits[hit_count++] = hit;
    }
    for (size_t i = 0; i < hit_count; i++)
        add_hit(st, &hits[i]);
    return true;
}

static int compare_hits(const void *a, const void *b)
{
    const struct frame_hit *x = a, *y = b;
    if (x->block != y->block)
        return x->block < y->block ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void record_match(const struct signature *sig, struct match_state *st,
                         struct incident *incident)
{
    const struct frame_requirements *marks = &sig->rules->marks;
    for (size_t i = 0; i < marks->count; i++) {
        struct frame_hit hit;
        if (find_frame(st, &marks->items[i], &hit))
            add_hit(st, &hit);
    }
    qsort(st->hits, st->hit_count, sizeof(st->hits[0]), compare_hits);
    incident->signature = sig;
    incident->severity = signature_severity_for(sig, incident_application(incident));
    incident->matched_count = 0;
    for (size_t i = 0; i < st->hit_count; i++) {
        /* the parser's caps (64 exceptions, 1000 frames a stack) keep every place in range */
        if (st->hits[i].block > UINT16_MAX || st->hits[i].index > UINT16_MAX)
            continue;
        incident->matched[incident->matched_count++] =
            (struct incident_frame_place){(uint16_t)st->hits[i].block, (uint16_t)st->hits[i].index};
    }
}

int catalog_classify(const struct catalog *catalog, struct incident *incident, struct cs_error *err)
{
    incident->signature = NULL;
    incident->severity = SEVERITY_NONE;
    incident->matched_count = 0;
    struct match_state st;
    match_state_init(&st, incident);
    for (size_t s = 0; s < catalog->count; s++) {
        const struct signature *sig = &catalog->items[s];
        for (size_t r = 0; r < sig->rules->rule_count; r++) {
            if (rule_holds(&sig->rules->rules[r], &st)) {
                record_match(sig, &st, incident);
                return 0;
            }
        }
    }
    cs_error_set(err,
                 "no signature matched the crash of \"%s\": the catalog needs catch-all "
                 "signatures at its end",
                 incident_application(incident));
    return -1;
}

/* ---- classifying many incidents ---------------------------------------------------------- */

/* Remembered results; a key's slot is its hash modulo this, the newest result wins. */
#define MEMO_SLOTS 256

/* Everything catalog_classify reads of an incident. */
struct classify_key {
    const struct dotnet_crash *crash;
    bool has_fault, has_code;
    uint32_t code;
    const char *module, *application; /* borrowed from the incident */
    int iis_origin;                   /* -1 without IIS evidence */
};

struct classify_result {
    bool used;
    struct classify_key key;
    const struct signature *signature;
    enum severity severity;
    uint8_t matched_count;
    struct incident_frame_place matched[INCIDENT_MAX_MATCHED_FRAMES];
};

struct classify_memo {
    struct classify_result slots[MEMO_SLOTS];
};

struct classify_memo *classify_memo_new(void)
{
    return cs_xcalloc(1, sizeof(struct classify_memo));
}

void classify_memo_free(struct classify_memo *memo)
{
    free(memo);
}

static struct classify_key classify_key_of(const struct incident *incident)
{
    const struct app_error *fault = incident->app_error ? &incident->app_error->fault : NULL;
    return (struct classify_key){
        .crash = incident->dotnet ? incident->dotnet->crash : NULL,
        .has_fault = fault != NULL,
        .has_code = fault && fault->has_exception_code,
        .code = fault && fault->has_exception_code ? fault->exception_code : 0,
        .module = fault ? fault->module_name : NULL,
        .application = incident_application(incident),
        .iis_origin = incident->iis ? (int)incident->iis->origin : -1,
    };
}

static bool same_key(const struct classify_key *a, const struct classify_key *b)
{
    return a->crash == b->crash && a->has_fault == b->has_fault && a->has_code == b->has_code &&
           a->code == b->code && a->iis_origin == b->iis_origin &&
           cs_same_text(a->module, b->module) && cs_same_text(a->application, b->application);
}

static size_t classify_slot(const struct classify_key *key)
{
    uint64_t h = cs_fnv1a_bytes(CS_FNV64_OFFSET_BASIS, &key->crash, sizeof(key->crash));
    h = cs_fnv1a_bytes(h, &key->code, sizeof(key->code));
    h = cs_fnv1a_bytes(h, &key->iis_origin, sizeof(key->iis_origin));
    h = cs_fnv1a_text(h, key->module ? key->module : "");
    h = cs_fnv1a_text(h, key->application ? key->application : "");
    return (size_t)(h % MEMO_SLOTS);
}

int catalog_classify_memo(const struct catalog *catalog, struct classify_memo *memo,
                          struct incident *incident, struct cs_error *err)
{
    struct classify_key key = classify_key_of(incident);
    struct classify_result *slot = &memo->slots[classify_slot(&key)];
    if (slot->used && same_key(&slot->key, &key)) {
        incident->signature = slot->signature;
        incident->severity = slot->severity;
        incident->matched_count = slot->matched_count;
        memcpy(incident->matched, slot->matched, sizeof(incident->matched));
        return 0;
    }
    if (catalog_classify(catalog, incident, err) != 0)
        return -1;
    *slot = (struct classify_result){
        true, key, incident->signature, incident->severity, incident->matched_count, {{0, 0}}};
    memcpy(slot->matched, incident->matched, sizeof(slot->matched));
    return 0;
}
