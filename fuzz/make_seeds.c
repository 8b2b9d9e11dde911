/*
 * make_seeds.c - write the fuzz targets' seed inputs from the fixture specs (fixtures/*.json):
 * every .NET Runtime event text becomes a fuzz_dotnet_crash seed and every Application Error
 * 1000 a fuzz_app_error seed, in those targets' input formats.  Deterministic: the same specs
 * always give the same files, named after the fixture and the record's index.
 *
 *     make_seeds OUTDIR SPEC.json...   writes OUTDIR/dotnet_crash/ and OUTDIR/app_error/
 *
 * Not for: the whole-file and catalog seeds, which are the fixture .evtx files and the
 * catalog as they are (fuzz/run.sh copies them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

/* The event id selectors of fuzz_dotnet_crash.c's EVENT_IDS table. */
static int dotnet_selector(int event_id)
{
    switch (event_id) {
    case 1025:
        return 1;
    case 1027:
        return 2;
    case 1023:
        return 3;
    case 1028:
        return 4;
    default:
        return 0;
    }
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    size_t got = fread(text, 1, (size_t)size, f);
    text[got] = '\0';
    fclose(f);
    return text;
}

static int write_seed(const char *dir, const char *kind, const char *spec, int index,
                      const char *bytes, size_t size)
{
    const char *base = strrchr(spec, '/');
    base = base ? base + 1 : spec;
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s/%.*s-%03d", dir, kind, (int)strcspn(base, "."), base,
             index);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(bytes, 1, size, f) != size || fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

/* Appends s and its terminating NUL (the separator of fuzz_app_error.c's strings). */
static size_t append(char *buf, size_t at, size_t cap, const char *s)
{
    size_t n = strlen(s) + 1;
    if (at + n > cap)
        return at;
    memcpy(buf + at, s, n);
    return at + n;
}

static int app_error_seed(const cJSON *record, char *buf, size_t cap, size_t *size)
{
    const cJSON *data = cJSON_GetObjectItem(record, "data");
    const cJSON *named = cJSON_GetObjectItem(record, "named_data");
    size_t at = 1;
    buf[0] = (char)((named ? 1 : 0) | 0x80); /* 0x80: render the reports */
    const cJSON *list = named ? named : data, *item;
    cJSON_ArrayForEach(item, list)
    {
        if (named) {
            at = append(buf, at, cap, cJSON_GetArrayItem(item, 0)->valuestring);
            at = append(buf, at, cap, cJSON_GetArrayItem(item, 1)->valuestring);
        } else if (cJSON_IsString(item)) {
            at = append(buf, at, cap, item->valuestring);
        }
    }
    *size = at > 1 ? at - 1 : at; /* no separator after the last string */
    return 0;
}

static int seed_spec(const char *dir, const char *spec)
{
    char *text = read_text(spec);
    cJSON *root = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (root == NULL) {
        fprintf(stderr, "make_seeds: %s: not a JSON spec\n", spec);
        return -1;
    }
    const cJSON *defaults = cJSON_GetObjectItem(root, "defaults");
    const cJSON *record;
    int index = 0, rc = 0;
    static char buf[1 << 20];
    cJSON_ArrayForEach(record, cJSON_GetObjectItem(root, "records"))
    {
        const cJSON *provider = cJSON_GetObjectItem(record, "provider");
        if (!cJSON_IsString(provider))
            provider = cJSON_GetObjectItem(defaults, "provider");
        int event_id = cJSON_GetObjectItem(record, "event_id")->valueint;
        const cJSON *data = cJSON_GetObjectItem(record, "data");
        size_t size = 0;
        index++;
        if (cJSON_IsString(provider) && strcmp(provider->valuestring, ".NET Runtime") == 0 &&
            cJSON_IsString(cJSON_GetArrayItem(data, 0))) {
            const char *message = cJSON_GetArrayItem(data, 0)->valuestring;
            size = strlen(message) + 1 < sizeof(buf) ? strlen(message) + 1 : sizeof(buf);
            buf[0] = (char)(dotnet_selector(event_id) | 0x80); /* 0x80: render the reports */
            memcpy(buf + 1, message, size - 1);
            rc |= write_seed(dir, "dotnet_crash", spec, index, buf, size);
        } else if (cJSON_IsString(provider) &&
                   strcmp(provider->valuestring, "Application Error") == 0 && event_id == 1000) {
            app_error_seed(record, buf, sizeof(buf), &size);
            rc |= write_seed(dir, "app_error", spec, index, buf, size);
        }
    }
    cJSON_Delete(root);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: make_seeds OUTDIR SPEC.json...\n");
        return 2;
    }
    int rc = 0;
    for (int i = 2; i < argc; i++)
        rc |= seed_spec(argv[1], argv[i]);
    return rc ? 1 : 0;
}
