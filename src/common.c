/*
 * common.c - error messages, FILETIME <-> ISO 8601, allocation and string helpers shared by
 * every stage.
 *
 * Not for: anything with knowledge of events or reports.
 */
#include "crashsig/common.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cs_error_set(struct cs_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

static void out_of_memory(void)
{
    fputs("crashsig: out of memory\n", stderr);
    abort();
}

void *cs_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        out_of_memory();
    return p;
}

void *cs_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL)
        out_of_memory();
    return p;
}

void *cs_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        out_of_memory();
    return q;
}

char *cs_strndup(const char *s, size_t n)
{
    if (s == NULL)
        return NULL;
    size_t len = strnlen(s, n);
    char *copy = cs_xmalloc(len + 1);
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *cs_strdup(const char *s)
{
    return s == NULL ? NULL : cs_strndup(s, strlen(s));
}

int cs_strcasecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);
        if (ca != cb || ca == 0)
            return ca - cb;
    }
}

bool cs_same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int fold(int c, bool ignore_case)
{
    return ignore_case ? tolower((unsigned char)c) : (unsigned char)c;
}

/* Iterative glob with single-star backtracking: linear in practice and never recursive, so a
 * hostile frame text cannot blow the stack or take exponential time. */
bool cs_glob_match(const char *pattern, const char *text, bool ignore_case)
{
    const char *star = NULL, *resume = NULL;
    while (*text) {
        if (*pattern == '*') {
            star = pattern++;
            resume = text;
        } else if (*pattern == '?' ||
                   (*pattern && fold(*pattern, ignore_case) == fold(*text, ignore_case))) {
            pattern++;
            text++;
        } else if (star) {
            pattern = star + 1;
            text = ++resume;
        } else {
            return false;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

/* Days from 1601-01-01 to y-m-d (proleptic Gregorian), after Howard Hinnant's civil algorithm
 * shifted to the FILETIME epoch. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468 + 134774; /* 1970 -> 1601 */
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468 - 134774;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

unsigned cs_days_in_month(unsigned year, unsigned month)
{
    static const unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return days[month - 1] + (month == 2 && leap);
}

void cs_time_format_iso(cs_filetime t, char out[CS_ISO_TIME_SIZE])
{
    if (t > CS_TIME_LATEST_ISO) /* four-digit years only: RFC 3339 readers reject five */
        t = CS_TIME_LATEST_ISO;
    uint64_t seconds = t / CS_TICKS_PER_SECOND;
    unsigned fraction = (unsigned)(t % CS_TICKS_PER_SECOND);
    int64_t y;
    unsigned mo, d;
    civil_from_days((int64_t)(seconds / 86400), &y, &mo, &d);
    unsigned sod = (unsigned)(seconds % 86400);
    /* The year has four digits (clamped above); the wider scratch buffer only keeps the
     * compiler's truncation analysis quiet. */
    char text[64];
    snprintf(text, sizeof(text), "%04u-%02u-%02uT%02u:%02u:%02u.%07uZ", (unsigned)y, mo, d,
             sod / 3600, sod / 60 % 60, sod % 60, fraction);
    size_t len = strnlen(text, CS_ISO_TIME_SIZE - 1);
    memcpy(out, text, len);
    out[len] = '\0';
}

static bool read_digits(const char **p, int count, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < count; i++) {
        if (!isdigit((unsigned char)**p))
            return false;
        v = v * 10 + (unsigned)(**p - '0');
        (*p)++;
    }
    *out = v;
    return true;
}

static bool expect(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

int cs_time_parse_iso(const char *text, cs_filetime *out)
{
    const char *p = text;
    unsigned y, mo, d, h, mi, s, fraction = 0;
    if (!read_digits(&p, 4, &y) || !expect(&p, '-') || !read_digits(&p, 2, &mo) ||
        !expect(&p, '-') || !read_digits(&p, 2, &d) || !(expect(&p, 'T') || expect(&p, ' ')) ||
        !read_digits(&p, 2, &h) || !expect(&p, ':') || !read_digits(&p, 2, &mi) ||
        !expect(&p, ':') || !read_digits(&p, 2, &s))
        return -1;
    if (y < 1601 || d < 1 || d > cs_days_in_month(y, mo) || h > 23 || mi > 59 || s > 60)
        return -1;
    if (*p == '.') {
        p++;
        int digits = 0;
        while (isdigit((unsigned char)*p)) {
            if (digits < 7) {
                fraction = fraction * 10 + (unsigned)(*p - '0');
                digits++;
            }
            p++; /* finer than 100 ns cannot be represented; dropped */
        }
        if (digits == 0)
            return -1;
        for (; digits < 7; digits++)
            fraction *= 10;
    }
    if (*p != 'Z' || p[1] != '\0')
        return -1;
    int64_t days = days_from_civil(y, mo, d);
    uint64_t seconds = (uint64_t)days * 86400 + h * 3600u + mi * 60u + s;
    *out = seconds * CS_TICKS_PER_SECOND + fraction;
    return 0;
}
