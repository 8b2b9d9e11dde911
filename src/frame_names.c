/*
 * frame_names.c - compiler-generated .NET names, made stable (fingerprint recipe v2), readable
 * and traced to their source file and line (frame_names.h).
 *
 * Not for: deciding which frame is user code (dotnet_crash.c) or hashing (findings.c).
 */
#include "crashsig/frame_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest word between a path and its line number (":line", ":Zeile", ":línea", ...). */
#define MAX_LINE_WORD 24
/* A line number has at most this many digits: no source file has a billion lines. */
#define MAX_LINE_DIGITS 9

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_kind_letter(char c)
{
    return c >= 'a' && c <= 'z';
}

/* Length of a compiler ordinal at p ("4", "4_0", "3_1"): digits and underscores, starting with
 * a digit; 0 when there is none. */
static size_t ordinal_length(const char *p)
{
    if (!is_digit(p[0]))
        return 0;
    size_t n = 0;
    while (is_digit(p[n]) || p[n] == '_')
        n++;
    return n;
}

char *frame_name_normalize(const char *method)
{
    const char *p = method ? method : "";
    char *out = cs_xmalloc(strlen(p) + 1), *o = out;
    while (*p) {
        /* ">d__4", ">b__0_1": a generated member's kind stays, its ordinal goes */
        if (p[0] == '>' && is_kind_letter(p[1]) && p[2] == '_' && p[3] == '_') {
            size_t n = ordinal_length(p + 4);
            if (n == 0 && p[1] == 'c' && strncmp(p + 4, "DisplayClass", 12) == 0) {
                *o++ = '>';
                *o++ = 'c';
                p += 16 + ordinal_length(p + 16);
                continue;
            }
            if (n > 0) {
                *o++ = '>';
                *o++ = p[1];
                p += 4 + n;
                continue;
            }
        }
        /* "<Process>g__Parse|3_1": the local function keeps its name, not its ordinal */
        if (p[0] == '|' && ordinal_length(p + 1) > 0) {
            p += 1 + ordinal_length(p + 1);
            continue;
        }
        *o++ = *p++;
    }
    *o = '\0';
    return out;
}

/* What a generated name says about the code it came from. */
struct generated_name {
    char *type;       /* the developer's type, '+' as '.'; owned */
    char *method;     /* the developer's method that encloses the generated code; owned */
    char *local_name; /* a local function's own name; owned, may be NULL */
    bool state_machine, lambda, local_function;
};

static char *copy_span(const char *start, size_t length)
{
    char *copy = cs_xmalloc(length + 1);
    memcpy(copy, start, length);
    copy[length] = '\0';
    return copy;
}

/* The name without the parameter list: no generated name holds a '('. */
static size_t name_length(const char *method)
{
    return strcspn(method, "(");
}

/* Fills g from a method whose name has a '<' at generated; the type is what precedes it. */
static void parse_generated(const char *name, size_t length, const char *generated,
                            struct generated_name *g)
{
    memset(g, 0, sizeof(*g));
    size_t type_length = (size_t)(generated - name);
    if (type_length > 0 && (name[type_length - 1] == '+' || name[type_length - 1] == '.'))
        type_length--;
    g->type = copy_span(name, type_length);
    for (char *c = g->type; *c; c++)
        if (*c == '+')
            *c = '.';
    const char *end = name + length;
    for (const char *p = generated; p < end; p++) {
        if (*p == '<' && p + 1 < end && p[1] != '<' && p[1] != '>' && g->method == NULL) {
            size_t n = strcspn(p + 1, ">");
            if (p + 1 + n > end)
                n = (size_t)(end - p - 1);
            g->method = copy_span(p + 1, n);
            p += n;
            continue;
        }
        if (*p != '>' || p + 1 >= end || !is_kind_letter(p[1]))
            continue;
        g->state_machine |= p[1] == 'd';
        g->lambda |= p[1] == 'b';
        if (p[1] == 'g' && p + 3 < end && p[2] == '_' && p[3] == '_' && g->local_name == NULL) {
            size_t n = strcspn(p + 4, "|>.+");
            if (p + 4 + n > end)
                n = (size_t)(end - p - 4);
            g->local_function = true;
            g->local_name = copy_span(p + 4, n);
        }
    }
}

static void generated_name_free(struct generated_name *g)
{
    free(g->type);
    free(g->method);
    free(g->local_name);
}

/* "Type.Method", or the one of them that is there. */
static char *join_owner(const struct generated_name *g)
{
    const char *method = g->method ? g->method : "";
    size_t length = strlen(g->type) + strlen(method) + 2;
    char *owner = cs_xmalloc(length);
    snprintf(owner, length, "%s%s%s", g->type, g->type[0] && method[0] ? "." : "", method);
    return owner;
}

/* Parses method's name when the compiler generated part of it; false (g untouched) when it is
 * a plain name of length *length. */
static bool parse_method(const char *method, struct generated_name *g, size_t *length)
{
    *length = name_length(method);
    const char *generated = memchr(method, '<', *length);
    if (generated == NULL)
        return false;
    parse_generated(method, *length, generated, g);
    return true;
}

char *frame_name_owner(const char *method)
{
    const char *text = method ? method : "";
    struct generated_name g;
    size_t length;
    if (!parse_method(text, &g, &length))
        return copy_span(text, length);
    char *owner = join_owner(&g);
    generated_name_free(&g);
    return owner;
}

char *frame_name_readable(const char *method)
{
    struct generated_name g;
    size_t length;
    if (!parse_method(method ? method : "", &g, &length))
        return NULL;
    char *owner = join_owner(&g);
    const char *async = g.state_machine ? "async " : "";
    size_t size = strlen(owner) + (g.local_name ? strlen(g.local_name) : 0) + 64;
    char *readable = cs_xmalloc(size);
    if (g.method == NULL)
        snprintf(readable, size, "compiler-generated code in %s", owner);
    else if (g.local_function)
        snprintf(readable, size, "%slocal function %s in %s", async, g.local_name, owner);
    else if (g.lambda)
        snprintf(readable, size, "%slambda in %s", async, owner);
    else if (g.state_machine)
        snprintf(readable, size, "async method or iterator %s", owner);
    else
        snprintf(readable, size, "compiler-generated code in %s", owner);
    free(owner);
    generated_name_free(&g);
    return readable;
}

bool frame_source_location(const struct dotnet_frame *frame, char **file, unsigned long *line)
{
    *file = NULL;
    *line = 0;
    if (frame == NULL || frame->text == NULL || frame->method == NULL)
        return false;
    size_t method_length = strlen(frame->method);
    if (strncmp(frame->text, frame->method, method_length) != 0)
        return false;
    /* " in PATH:WORD N": the localized "in" word, the path, the localized "line" word */
    const char *rest = frame->text + method_length;
    if (*rest != ' ')
        return false;
    rest++;
    size_t in_word = strcspn(rest, " ");
    if (in_word == 0 || in_word > MAX_LINE_WORD || rest[in_word] != ' ')
        return false;
    const char *path = rest + in_word + 1;
    size_t end = strlen(path);
    while (end > 0 && (path[end - 1] == ' ' || path[end - 1] == '\r' || path[end - 1] == '\t'))
        end--;
    size_t digits = 0;
    while (digits < end && is_digit(path[end - 1 - digits]))
        digits++;
    if (digits == 0 || digits > MAX_LINE_DIGITS || digits == end || path[end - 1 - digits] != ' ')
        return false;
    size_t word_end = end - 1 - digits, colon = word_end;
    while (colon > 0 && path[colon - 1] != ':' && path[colon - 1] != ' ' &&
           word_end - colon < MAX_LINE_WORD)
        colon--;
    if (colon == 0 || colon == word_end || path[colon - 1] != ':' || colon - 1 == 0)
        return false;
    *line = strtoul(path + end - digits, NULL, 10);
    *file = copy_span(path, colon - 1);
    return true;
}
