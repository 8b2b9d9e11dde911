/*
 * aspnet.c - ASP.NET 1325 (aspnet.h).
 *
 * Not for: the rules of the stack parser (dotnet_crash.c), which the 1325 goes through.
 */
#include "crashsig/aspnet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/was.h"

/* Exception blocks carried over to the 1026 text; the stack parser has its own caps too. */
#define ASPNET_MAX_BLOCKS  64
#define ASPNET_MAX_MESSAGE 512

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool starts_with_nocase(const char *text, const char *prefix)
{
    for (; *prefix; text++, prefix++)
        if (lower(*text) != lower(*prefix))
            return false;
    return true;
}

bool iis_site_id_of(const char *app_path, uint32_t *site_id)
{
    static const char PREFIX[] = "/LM/W3SVC/";
    size_t n = sizeof(PREFIX) - 1;
    if (app_path == NULL || !starts_with_nocase(app_path, PREFIX))
        return false;
    uint64_t id = 0;
    size_t digits = 0;
    const char *p = app_path + n;
    for (; *p >= '0' && *p <= '9' && digits < 10; p++, digits++)
        id = id * 10 + (uint64_t)(*p - '0');
    if (digits == 0 || id > UINT32_MAX || (*p != '/' && *p != '\0' && *p != '-'))
        return false;
    *site_id = (uint32_t)id;
    return true;
}

struct text {
    char *p;
    size_t len, capacity;
};

static void text_add(struct text *t, const char *p, size_t n)
{
    if (t->len + n + 1 > t->capacity) {
        t->capacity = (t->len + n + 1) * 2;
        t->p = cs_xrealloc(t->p, t->capacity);
    }
    memcpy(t->p + t->len, p, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void text_adds(struct text *t, const char *s)
{
    text_add(t, s, strlen(s));
}

/* One exception block of the 1325: where its type and message lie in the text, and its
 * frame lines, each "   at ...\n" as the runtime writes them. */
struct block {
    const char *type, *message;
    size_t type_n, message_n;
    struct text frames;
};

/* The value after "Label:" at the start of line (ignoring leading blanks), or NULL. */
static const char *label_value(const char *line, size_t n, const char *label, size_t *value_n)
{
    while (n && (*line == ' ' || *line == '\t')) {
        line++;
        n--;
    }
    size_t ln = strlen(label);
    if (n < ln || memcmp(line, label, ln) != 0)
        return NULL;
    const char *v = line + ln;
    size_t vn = n - ln;
    while (vn && *v == ' ') {
        v++;
        vn--;
    }
    while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\r'))
        vn--;
    *value_n = vn;
    return v;
}

static char *dup_n(const char *p, size_t n)
{
    char *s = cs_xmalloc(n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static void add_warning(char *warning, size_t size, const char *text)
{
    size_t used = strlen(warning);
    if (used + 1 < size)
        snprintf(warning + used, size - used, "%s%s", used ? "; " : "", text);
}

/* The 1026 a .NET Framework runtime would have written: innermost exception first, each
 * "Exception Info: Type: message" followed by its frames. */
static char *framework_text(const char *provider, const struct block *blocks, size_t count)
{
    struct text t = {0};
    text_adds(&t, "Application: w3wp.exe\nFramework Version: ");
    text_adds(&t, provider && strstr(provider, "2.0.50727") ? "v2.0.50727" : "v4.0.30319");
    text_adds(&t, "\nDescription: The process was terminated due to an unhandled exception.\n");
    for (size_t i = count; i-- > 0;) {
        const struct block *b = &blocks[i];
        text_adds(&t, "Exception Info: ");
        text_add(&t, b->type, b->type_n);
        if (b->message_n) {
            text_adds(&t, ": ");
            text_add(&t, b->message, b->message_n);
        }
        text_adds(&t, "\n");
        if (b->frames.len)
            text_add(&t, b->frames.p, b->frames.len);
        text_adds(&t, "\n");
    }
    return t.p;
}

int aspnet_parse_1325(const char *text, const char *provider, struct aspnet_1325 *out,
                      char *warning, size_t warning_size, struct cs_error *err)
{
    memset(out, 0, sizeof(*out));
    if (warning_size)
        warning[0] = '\0';
    struct block blocks[ASPNET_MAX_BLOCKS];
    size_t count = 0;
    bool in_stack = false, dropped_blocks = false;
    for (const char *line = text ? text : ""; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        size_t vn;
        const char *v;
        struct block *cur = count ? &blocks[count - 1] : NULL;
        if ((v = label_value(line, n, "Application ID:", &vn)) != NULL &&
            out->application_id == NULL) {
            if (vn > ASPNET_MAX_APP_PATH)
                add_warning(warning, warning_size,
                            "an Application ID longer than 1024 bytes; ignored");
            else {
                out->application_id = dup_n(v, vn);
                out->has_site_id = iis_site_id_of(out->application_id, &out->site_id);
            }
            in_stack = false;
        } else if ((v = label_value(line, n, "Process ID:", &vn)) != NULL && count == 0) {
            char *pid = dup_n(v, vn);
            out->has_process_id = iis_parse_decimal_pid(pid, &out->process_id);
            if (!out->has_process_id)
                add_warning(warning, warning_size,
                            "its Process ID is not a decimal number, so it is joined by time only");
            free(pid);
            in_stack = false;
        } else if ((v = label_value(line, n, "Exception:", &vn)) != NULL ||
                   (v = label_value(line, n, "InnerException:", &vn)) != NULL) {
            if (count < ASPNET_MAX_BLOCKS)
                blocks[count++] = (struct block){.type = v, .type_n = vn, .frames = {0}};
            else
                dropped_blocks = true;
            in_stack = false;
        } else if (cur && (v = label_value(line, n, "Message:", &vn)) != NULL) {
            cur->message = v;
            cur->message_n = vn > ASPNET_MAX_MESSAGE ? ASPNET_MAX_MESSAGE : vn;
            in_stack = false;
        } else if (cur && (v = label_value(line, n, "StackTrace:", &vn)) != NULL) {
            if (vn) { /* the first frame shares the label's line */
                text_adds(&cur->frames, "   ");
                text_add(&cur->frames, v, vn);
                text_adds(&cur->frames, "\n");
            }
            in_stack = true;
        } else if (cur && in_stack && n >= 3 && memcmp(line, "   ", 3) == 0) {
            text_add(&cur->frames, line, n && line[n - 1] == '\r' ? n - 1 : n);
            text_adds(&cur->frames, "\n");
        } else if (n > 0 && !(n == 1 && line[0] == '\r')) {
            in_stack = false;
        }
        line = end ? end + 1 : line + n;
    }
    if (count == 0) {
        cs_error_set(err, "%s", "no \"Exception:\" line: not an ASP.NET 1325 crash report");
        return -1;
    }
    if (dropped_blocks)
        add_warning(warning, warning_size, "more than 64 exception blocks; the rest left out");
    char *text1026 = framework_text(provider, blocks, count);
    for (size_t i = 0; i < count; i++)
        free(blocks[i].frames.p);
    int rc = dotnet_crash_parse(text1026, 1026, &out->crash, err);
    free(text1026);
    return rc;
}

void aspnet_1325_free(struct aspnet_1325 *event)
{
    free(event->application_id);
    dotnet_crash_free(&event->crash);
    memset(event, 0, sizeof(*event));
}
