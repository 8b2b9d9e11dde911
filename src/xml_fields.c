/*
 * xml_fields.c - see xml_fields.h.  Every search is bounded by the string's NUL, linear in the
 * XML size, and treats a missing or malformed value as absent rather than guessing.
 */
#include "xml_fields.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Caps the names kept for one event: real events have at most a few dozen Data elements. */
#define MAX_DATA_NAMES 4096

static void put_utf8(char **out, unsigned long cp)
{
    char *o = *out;
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xc0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xe0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *o++ = (char)(0x80 | (cp & 0x3f));
    } else {
        *o++ = (char)(0xf0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *o++ = (char)(0x80 | (cp & 0x3f));
    }
    *out = o;
}

/* A numeric reference "&#NNN;" or "&#xHH;" never grows when decoded (its UTF-8 is at most 4
 * bytes, the reference at least 4), so decoding in place is safe. */
static bool decode_reference(const char **in, char **out)
{
    const char *p = *in + 2;
    int base = 10;
    if (*p == 'x' || *p == 'X') {
        base = 16;
        p++;
    }
    char *end;
    unsigned long cp = strtoul(p, &end, base);
    if (end == p || *end != ';' || cp == 0 || cp > 0x10ffff || end - *in < 4)
        return false;
    put_utf8(out, cp);
    *in = end + 1;
    return true;
}

void xml_unescape(char *text)
{
    static const struct {
        const char *entity;
        char c;
    } entities[] = {
        {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    const char *in = text;
    char *out = text;
    while (*in) {
        if (*in != '&') {
            *out++ = *in++;
            continue;
        }
        if (in[1] == '#' && decode_reference(&in, &out))
            continue;
        bool replaced = false;
        for (size_t i = 0; i < sizeof(entities) / sizeof(entities[0]) && !replaced; i++) {
            size_t len = strlen(entities[i].entity);
            if (strncmp(in, entities[i].entity, len) == 0) {
                *out++ = entities[i].c;
                in += len;
                replaced = true;
            }
        }
        if (!replaced)
            *out++ = *in++;
    }
    *out = '\0';
}

/* The text of <tag>text</tag> (first occurrence), unescaped; NULL when absent. */
static char *element_text(const char *xml, const char *tag)
{
    char open[64];
    snprintf(open, sizeof(open), "<%s>", tag);
    const char *start = strstr(xml, open);
    if (start == NULL)
        return NULL;
    start += strlen(open);
    const char *end = strchr(start, '<');
    if (end == NULL)
        return NULL;
    char *text = cs_strndup(start, (size_t)(end - start));
    xml_unescape(text);
    return text;
}

/* The value of attr="..." inside the tag starting at tag_start; NULL when absent. */
static char *attribute_value(const char *tag_start, const char *attr)
{
    const char *tag_end = strchr(tag_start, '>');
    size_t attr_len = strlen(attr);
    for (const char *p = tag_start; *p && (tag_end == NULL || p < tag_end); p++) {
        if (isspace((unsigned char)p[0]) && strncmp(p + 1, attr, attr_len) == 0 &&
            p[1 + attr_len] == '=' && p[2 + attr_len] == '"') {
            const char *v = p + 3 + attr_len;
            const char *q = strchr(v, '"');
            if (q == NULL)
                return NULL;
            char *value = cs_strndup(v, (size_t)(q - v));
            xml_unescape(value);
            return value;
        }
    }
    return NULL;
}

static void extract_time(const char *xml, struct xml_fields *out)
{
    const char *tag = strstr(xml, "<TimeCreated");
    if (tag == NULL)
        return;
    char *value = attribute_value(tag, "SystemTime");
    if (value == NULL)
        return;
    cs_filetime t;
    if (cs_time_parse_iso(value, &t) == 0)
        out->time_created = t;
    free(value);
}

static void extract_record_id(const char *xml, struct xml_fields *out)
{
    char *text = element_text(xml, "EventRecordID");
    if (text == NULL)
        return;
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (end != text && *end == '\0') {
        out->has_event_record_id = true;
        out->event_record_id = v;
    }
    free(text);
}

static bool is_data_tag(const char *p)
{
    return strncmp(p, "<Data", 5) == 0 &&
           (p[5] == '>' || p[5] == '/' || isspace((unsigned char)p[5]));
}

static void extract_data_names(const char *xml, struct xml_fields *out)
{
    const char *start = strstr(xml, "<EventData");
    if (start == NULL)
        return;
    const char *end = strstr(start, "</EventData>");
    out->data_count = 0;
    for (const char *p = strstr(start, "<Data"); p && (end == NULL || p < end);
         p = strstr(p + 5, "<Data")) {
        if (!is_data_tag(p))
            continue;
        xml_fields_add_data(out, attribute_value(p, "Name"));
    }
}

void xml_fields_add_data(struct xml_fields *fields, char *name)
{
    if (name)
        fields->has_names = true;
    if (fields->name_count < MAX_DATA_NAMES) {
        fields->names = cs_xrealloc(fields->names, (fields->name_count + 1) * sizeof(char *));
        fields->names[fields->name_count++] = name;
    } else {
        free(name);
    }
    fields->data_count++;
}

void xml_fields_extract(const char *xml, struct xml_fields *out)
{
    memset(out, 0, sizeof(*out));
    out->data_count = -1;
    extract_time(xml, out);
    extract_record_id(xml, out);
    out->channel = element_text(xml, "Channel");
    out->computer = element_text(xml, "Computer");
    extract_data_names(xml, out);
}

void xml_fields_free(struct xml_fields *fields)
{
    for (size_t i = 0; i < fields->name_count; i++)
        free(fields->names[i]);
    free(fields->names);
    free(fields->channel);
    free(fields->computer);
    memset(fields, 0, sizeof(*fields));
}
