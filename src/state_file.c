/*
 * state_file.c - the --state file: JSON (schema crashsig.state/1, described in
 * docs/ci-and-scheduled-tasks.md) read and written with cJSON, replaced atomically, guarded by
 * a lock file.
 *
 * 64-bit values (record ids) are written as decimal strings and times as ISO 8601 strings with
 * the full 100 ns precision, because a JSON number is a double and would round them.  Reading
 * is strict: a missing or mistyped field is an error naming it, so a damaged file is never
 * half-read into a state that would report crashes twice or not at all.
 *
 * Also one run's hold on the file: lock, clean-up of killed runs' temporary files, load,
 * save, unlock (state_file_open ... state_file_close).
 *
 * Not for: what a run does with the state (state.c).
 */
#include "state_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "crashsig/platform.h"
#include "crashsig/text_file.h"
#include "json_write.h"

/* A state file this large is not one crashsig wrote (the bounds in state.h keep it far
 * smaller); refusing it keeps a wrong --state path from eating memory. */
#define MAX_STATE_FILE_SIZE (512L * 1024 * 1024)

#define RESET_HINT "fix or remove it, or start over with --reset-state"

/* ---- writing ----------------------------------------------------------------------------- */

static cJSON *time_json(cs_filetime t)
{
    if (t == 0)
        return cJSON_CreateNull();
    char iso[CS_ISO_TIME_SIZE];
    cs_time_format_iso(t, iso);
    return cJSON_CreateString(iso);
}

static cJSON *u64_json(uint64_t v)
{
    char text[24];
    snprintf(text, sizeof(text), "%" PRIu64, v);
    return cJSON_CreateString(text);
}

static cJSON *strings_json(char *const *strings, size_t count)
{
    if (strings == NULL)
        return cJSON_CreateNull();
    cJSON *array = cJSON_CreateArray();
    for (size_t i = 0; i < count; i++)
        cJSON_AddItemToArray(array,
                             strings[i] ? cJSON_CreateString(strings[i]) : cJSON_CreateNull());
    return array;
}

static cJSON *event_json(const struct event *ev)
{
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddStringToObject(obj, "file", ev->file ? ev->file : "");
    cJSON_AddItemToObject(obj, "record_id", u64_json(ev->record_id));
    cJSON_AddItemToObject(obj, "event_record_id", u64_json(ev->event_record_id));
    cJSON_AddBoolToObject(obj, "recovered", ev->recovered);
    cJSON_AddItemToObject(obj, "time", time_json(ev->time));
    cJSON_AddItemToObject(obj, "written_time", time_json(ev->written_time));
    cJSON_AddStringToObject(obj, "computer", ev->computer ? ev->computer : "");
    cJSON_AddStringToObject(obj, "channel", ev->channel ? ev->channel : "");
    cJSON_AddStringToObject(obj, "provider", ev->provider ? ev->provider : "");
    cJSON_AddNumberToObject(obj, "event_id", ev->event_id);
    cJSON_AddNumberToObject(obj, "level", ev->level);
    cJSON_AddItemToObject(obj, "data", strings_json(ev->data.values, ev->data.count));
    cJSON_AddItemToObject(obj, "data_names", strings_json(ev->data.names, ev->data.count));
    return obj;
}

/* Event identities as [time, "record", event id]. */
static cJSON *ids_json(const struct state_event_id *ids, size_t count)
{
    cJSON *array = cJSON_CreateArray();
    for (size_t i = 0; i < count; i++) {
        cJSON *id = cJSON_CreateArray();
        cJSON_AddItemToArray(id, time_json(ids[i].time));
        cJSON_AddItemToArray(id, u64_json(ids[i].record));
        cJSON_AddItemToArray(id, cJSON_CreateNumber(ids[i].event_id));
        cJSON_AddItemToArray(array, id);
    }
    return array;
}

static cJSON *log_json(const struct state_log *log)
{
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddStringToObject(obj, "computer", log->computer);
    cJSON_AddStringToObject(obj, "channel", log->channel);
    cJSON_AddItemToObject(obj, "high_record",
                          log->has_marks ? u64_json(log->high_record) : cJSON_CreateNull());
    cJSON_AddItemToObject(obj, "high_time",
                          log->has_marks ? time_json(log->high_time) : cJSON_CreateNull());
    cJSON_AddItemToObject(obj, "recent_since", time_json(log->recent_since));
    cJSON_AddItemToObject(obj, "recent", ids_json(log->recent, log->recent_count));
    cJSON *pending = cJSON_AddArrayToObject(obj, "pending");
    for (size_t i = 0; i < log->pending_count; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "held_runs", log->pending[i].held_runs);
        cJSON_AddItemToObject(p, "event", event_json(&log->pending[i].event));
        cJSON_AddItemToArray(pending, p);
    }
    cJSON_AddItemToObject(obj, "open_outages", ids_json(log->open_outages, log->open_outage_count));
    return obj;
}

int state_write(const struct state *state, FILE *out)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", STATE_SCHEMA);
    cJSON_AddStringToObject(root, "written_by", "crashsig " CRASHSIG_VERSION);
    cJSON *logs = cJSON_AddArrayToObject(root, "logs");
    for (size_t i = 0; i < state->log_count; i++)
        cJSON_AddItemToArray(logs, log_json(state->logs[i]));
    return cs_json_write(out, root);
}

int state_save_begin(const struct state *state, const char *path, struct atomic_file *af,
                     struct cs_error *err)
{
    if (atomic_file_begin(af, path, err) != 0)
        return -1;
    if (state_write(state, af->f) != 0) {
        cs_error_set(err, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
        atomic_file_discard(af);
        return -1;
    }
    if (atomic_file_close(af, err) != 0) {
        atomic_file_discard(af);
        return -1;
    }
    return 0;
}

/* ---- reading ----------------------------------------------------------------------------- */

struct reader {
    const char *path;
    struct cs_error *err;
    char where[160]; /* the field being read, for messages: "logs[2].pending[0].event" */
};

static int damaged(struct reader *r, const char *field, const char *problem)
{
    cs_error_set(r->err, "%s: damaged state file: %s%s%s %s; " RESET_HINT, r->path, r->where,
                 r->where[0] && field[0] ? "." : "", field, problem);
    return -1;
}

static const cJSON *field(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

static int read_string(struct reader *r, const cJSON *obj, const char *name, char **out)
{
    const cJSON *item = field(obj, name);
    if (!cJSON_IsString(item))
        return damaged(r, name, "is missing or not a string");
    *out = cs_strdup(item->valuestring);
    return 0;
}

static int read_time(struct reader *r, const cJSON *obj, const char *name, cs_filetime *out)
{
    const cJSON *item = field(obj, name);
    *out = 0;
    if (cJSON_IsNull(item))
        return 0;
    if (!cJSON_IsString(item) || cs_time_parse_iso(item->valuestring, out) != 0)
        return damaged(r, name, "is not an ISO 8601 UTC time or null");
    return 0;
}

static int parse_u64(const cJSON *item, uint64_t *out)
{
    if (!cJSON_IsString(item) || item->valuestring[0] < '0' || item->valuestring[0] > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(item->valuestring, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static int read_u64(struct reader *r, const cJSON *obj, const char *name, uint64_t *out)
{
    if (parse_u64(field(obj, name), out) != 0)
        return damaged(r, name, "is not a decimal string");
    return 0;
}

static int read_small(struct reader *r, const cJSON *obj, const char *name, double max, double *out)
{
    const cJSON *item = field(obj, name);
    if (!cJSON_IsNumber(item) || item->valuedouble < 0 || item->valuedouble > max ||
        item->valuedouble != (double)(uint64_t)item->valuedouble)
        return damaged(r, name, "is not a whole number in range");
    *out = item->valuedouble;
    return 0;
}

/* data and data_names: arrays of strings (names may hold nulls), data_names may be null. */
static int read_strings(struct reader *r, const cJSON *obj, const char *name, bool nulls_allowed,
                        size_t expected, char ***out, size_t *count)
{
    const cJSON *item = field(obj, name);
    *out = NULL;
    if (cJSON_IsNull(item) && nulls_allowed)
        return 0;
    if (!cJSON_IsArray(item))
        return damaged(r, name, "is not an array");
    size_t n = (size_t)cJSON_GetArraySize(item);
    if (nulls_allowed && n != expected)
        return damaged(r, name, "does not match data");
    char **strings = cs_xcalloc(n, sizeof(char *));
    size_t i = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, item)
    {
        if (!cJSON_IsString(s) && !(nulls_allowed && cJSON_IsNull(s))) {
            for (size_t k = 0; k < i; k++)
                free(strings[k]);
            free(strings);
            return damaged(r, name, "holds something other than strings");
        }
        strings[i++] = cJSON_IsString(s) ? cs_strdup(s->valuestring) : NULL;
    }
    *out = strings;
    *count = n;
    return 0;
}

static int read_event(struct reader *r, struct state *state, const cJSON *obj, struct event *ev)
{
    char *file = NULL;
    double event_id, level;
    const cJSON *recovered = field(obj, "recovered");
    if (!cJSON_IsObject(obj))
        return damaged(r, "", "is not an object");
    if (read_string(r, obj, "file", &file) != 0)
        return -1;
    ev->file = state_intern_file(state, file);
    free(file);
    if (read_u64(r, obj, "record_id", &ev->record_id) != 0 ||
        read_u64(r, obj, "event_record_id", &ev->event_record_id) != 0 ||
        read_time(r, obj, "time", &ev->time) != 0 ||
        read_time(r, obj, "written_time", &ev->written_time) != 0 ||
        read_string(r, obj, "computer", &ev->computer) != 0 ||
        read_string(r, obj, "channel", &ev->channel) != 0 ||
        read_string(r, obj, "provider", &ev->provider) != 0 ||
        read_small(r, obj, "event_id", 65535, &event_id) != 0 ||
        read_small(r, obj, "level", 255, &level) != 0)
        return -1;
    if (!cJSON_IsBool(recovered))
        return damaged(r, "recovered", "is not true or false");
    ev->recovered = cJSON_IsTrue(recovered);
    ev->event_id = (uint32_t)event_id;
    ev->level = (uint8_t)level;
    size_t names = 0;
    if (read_strings(r, obj, "data", false, 0, &ev->data.values, &ev->data.count) != 0 ||
        read_strings(r, obj, "data_names", true, ev->data.count, &ev->data.names, &names) != 0)
        return -1;
    for (size_t i = 0; i < ev->data.count; i++)
        if (ev->data.values[i] == NULL)
            return damaged(r, "data", "holds a null");
    return 0;
}

/* "recent" and "open_outages": arrays of [time, "record", event id]. */
static int read_ids(struct reader *r, const cJSON *array, const char *name,
                    struct state_event_id **ids, size_t *count)
{
    if (!cJSON_IsArray(array))
        return damaged(r, name, "is not an array");
    size_t n = (size_t)cJSON_GetArraySize(array);
    *ids = cs_xcalloc(n + 1, sizeof(**ids));
    const cJSON *id;
    cJSON_ArrayForEach(id, array)
    {
        struct state_event_id *e = &(*ids)[*count];
        const cJSON *t = cJSON_GetArrayItem(id, 0), *rec = cJSON_GetArrayItem(id, 1);
        const cJSON *eid = cJSON_GetArrayItem(id, 2);
        if (!cJSON_IsArray(id) || cJSON_GetArraySize(id) != 3 || !cJSON_IsString(t) ||
            cs_time_parse_iso(t->valuestring, &e->time) != 0 || parse_u64(rec, &e->record) != 0 ||
            !cJSON_IsNumber(eid) || eid->valuedouble < 0 || eid->valuedouble > 65535)
            return damaged(r, name, "holds an entry that is not [time, \"record\", event id]");
        e->event_id = (uint32_t)eid->valuedouble;
        (*count)++;
    }
    /* the lookups rely on the order: a hand-edited file may not keep it */
    qsort(*ids, *count, sizeof(**ids), state_event_id_compare);
    size_t unique = 0;
    for (size_t i = 0; i < *count; i++)
        if (unique == 0 || state_event_id_compare(&(*ids)[unique - 1], &(*ids)[i]) != 0)
            (*ids)[unique++] = (*ids)[i];
    *count = unique;
    return 0;
}

static int read_pending(struct reader *r, struct state *state, const cJSON *array,
                        struct state_log *log)
{
    if (!cJSON_IsArray(array))
        return damaged(r, "pending", "is not an array");
    size_t n = (size_t)cJSON_GetArraySize(array);
    log->pending = cs_xcalloc(n, sizeof(*log->pending));
    size_t base = strlen(r->where);
    const cJSON *p;
    cJSON_ArrayForEach(p, array)
    {
        struct pending_event *pe = &log->pending[log->pending_count++];
        double held;
        snprintf(r->where + base, sizeof(r->where) - base, ".pending[%zu]", log->pending_count - 1);
        if (!cJSON_IsObject(p) || read_small(r, p, "held_runs", 1e6, &held) != 0)
            return cJSON_IsObject(p) ? -1 : damaged(r, "", "is not an object");
        pe->held_runs = (unsigned)held;
        size_t here = strlen(r->where);
        snprintf(r->where + here, sizeof(r->where) - here, ".event");
        if (read_event(r, state, field(p, "event"), &pe->event) != 0)
            return -1;
    }
    r->where[base] = '\0';
    return 0;
}

static int read_log(struct reader *r, struct state *state, const cJSON *obj)
{
    char *computer = NULL, *channel = NULL;
    if (!cJSON_IsObject(obj))
        return damaged(r, "", "is not an object");
    if (read_string(r, obj, "computer", &computer) != 0 ||
        read_string(r, obj, "channel", &channel) != 0) {
        free(computer);
        return -1;
    }
    bool duplicate = state_find_log(state, computer, channel, false) != NULL;
    struct state_log *log = state_find_log(state, computer, channel, true);
    free(computer);
    free(channel);
    if (duplicate)
        return damaged(r, "", "names a log that is listed twice");
    log->has_marks = !cJSON_IsNull(field(obj, "high_record"));
    if ((log->has_marks && (read_u64(r, obj, "high_record", &log->high_record) != 0 ||
                            read_time(r, obj, "high_time", &log->high_time) != 0)) ||
        read_time(r, obj, "recent_since", &log->recent_since) != 0 ||
        read_ids(r, field(obj, "recent"), "recent", &log->recent, &log->recent_count) != 0 ||
        read_pending(r, state, field(obj, "pending"), log) != 0)
        return -1;
    /* added within crashsig.state/1: a file written before outages were remembered has none */
    const cJSON *open = field(obj, "open_outages");
    if (open && read_ids(r, open, "open_outages", &log->open_outages, &log->open_outage_count))
        return -1;
    return 0;
}

static int read_root(struct reader *r, struct state *state, const cJSON *root)
{
    const cJSON *schema = field(root, "schema");
    if (!cJSON_IsObject(root) || !cJSON_IsString(schema)) {
        cs_error_set(r->err, "%s: not a crashsig state file (no \"schema\"); " RESET_HINT, r->path);
        return -1;
    }
    if (strcmp(schema->valuestring, STATE_SCHEMA) != 0) {
        cs_error_set(r->err,
                     "%s: state schema \"%.64s\" is not supported by crashsig " CRASHSIG_VERSION
                     ", which reads \"" STATE_SCHEMA "\"; use the crashsig that wrote it, or "
                     "start over with --reset-state",
                     r->path, schema->valuestring);
        return -1;
    }
    const cJSON *logs = field(root, "logs"), *log;
    if (!cJSON_IsArray(logs))
        return damaged(r, "logs", "is missing or not an array");
    size_t index = 0;
    cJSON_ArrayForEach(log, logs)
    {
        snprintf(r->where, sizeof(r->where), "logs[%zu]", index++);
        if (read_log(r, state, log) != 0)
            return -1;
    }
    return 0;
}

int state_load(const char *path, struct state **out, struct cs_error *err)
{
    *out = NULL;
    size_t size = 0;
    char *text;
    int read = text_file_read(path, "state file", MAX_STATE_FILE_SIZE, &text, &size, err);
    if (read != 0) {
        if (read == 1)
            *out = state_new(); /* the first run */
        return read == 1 ? 0 : -1;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, size, &end, false);
    if (root == NULL) {
        size_t at = end && end >= text ? (size_t)(end - text) : 0;
        cs_error_set(err, "%s: not a crashsig state file (%s at byte %zu); " RESET_HINT, path,
                     size == 0 ? "empty" : "invalid JSON", at);
        free(text);
        return -1;
    }
    free(text);
    struct state *state = state_new();
    struct reader r = {.path = path, .err = err};
    int rc = read_root(&r, state, root);
    cJSON_Delete(root);
    if (rc != 0) {
        state_free(state);
        return -1;
    }
    state_rebuild_carried(state);
    *out = state;
    return 0;
}

/* ---- the lock ---------------------------------------------------------------------------- */

struct state_lock {
    FILE *file;
};

int state_lock_acquire(const char *path, struct state_lock **out, struct cs_error *err)
{
    size_t len = strlen(path) + sizeof(".lock");
    char *lock_path = cs_xmalloc(len);
    snprintf(lock_path, len, "%s.lock", path);
    /* "a": created when missing, never truncated; the lock file stays, its content is unused */
    FILE *f = platform_fopen(lock_path, "a");
    if (f == NULL) {
        cs_error_set(err, "cannot lock state file %s: cannot open %s: %s", path, lock_path,
                     strerror(errno));
        free(lock_path);
        return -1;
    }
    struct cs_error why = {""};
    int rc = platform_lock_file(f, &why);
    if (rc != 0) {
        if (rc == 1)
            cs_error_set(err,
                         "state file %s is in use by another crashsig run (it holds %s); "
                         "nothing was scanned, try again when that run has finished",
                         path, lock_path);
        else
            cs_error_set(err, "cannot lock state file %s (%s): %s", path, lock_path, why.message);
        fclose(f);
        free(lock_path);
        return -1;
    }
    free(lock_path);
    *out = cs_xcalloc(1, sizeof(**out));
    (*out)->file = f;
    return 0;
}

void state_lock_release(struct state_lock *lock)
{
    if (lock == NULL)
        return;
    platform_unlock_file(lock->file);
    fclose(lock->file);
    free(lock);
}

/* ---- one run's hold on the file ---------------------------------------------------------- */

struct state_file {
    char *path;
    struct state_lock *lock;
    struct state *state;
};

int state_file_open(const char *path, bool reset, struct state_file **out, struct cs_error *err)
{
    *out = NULL;
    struct state_lock *lock;
    if (state_lock_acquire(path, &lock, err) != 0)
        return -1;
    atomic_file_remove_stale(path);
    struct state *state = NULL;
    if (reset)
        state = state_new();
    else if (state_load(path, &state, err) != 0) {
        state_lock_release(lock);
        return -1;
    }
    *out = cs_xcalloc(1, sizeof(**out));
    (*out)->path = cs_strdup(path);
    (*out)->lock = lock;
    (*out)->state = state;
    return 0;
}

struct state *state_file_state(const struct state_file *file)
{
    return file->state;
}

int state_file_save(struct state_file *file, struct cs_error *err)
{
    struct atomic_file af;
    if (state_save_begin(file->state, file->path, &af, err) != 0)
        return -1;
    return atomic_file_commit(&af, err);
}

void state_file_close(struct state_file *file)
{
    if (file == NULL)
        return;
    state_free(file->state);
    state_lock_release(file->lock);
    free(file->path);
    free(file);
}
