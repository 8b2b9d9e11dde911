/*
 * timeutil.c - wall clock, local time and typed-in times (timeutil.h).
 *
 * Local time goes through platform_localtime (localtime_r) and mktime, so the TZ rules of the
 * machine apply (daylight saving included); the UTC offset of a local time is computed from the
 * broken-down fields rather than from tm_gmtoff, which POSIX does not have.
 *
 * Not for: the log's own times (common.c).
 */
#include "crashsig/timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crashsig/platform.h"

#define MAX_DURATION_MS (3650ULL * 86400 * 1000)

cs_filetime cs_time_from_unix(int64_t seconds, long nanoseconds)
{
    int64_t since_1601 = seconds + CS_UNIX_EPOCH_SECONDS;
    if (since_1601 < 0)
        return 0;
    return (cs_filetime)since_1601 * CS_TICKS_PER_SECOND + (cs_filetime)(nanoseconds / 100);
}

cs_filetime cs_time_now(void)
{
    int64_t seconds;
    long nanoseconds;
    if (platform_time_utc(&seconds, &nanoseconds) != 0)
        return 0;
    return cs_time_from_unix(seconds, nanoseconds);
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (Howard Hinnant's civil algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The broken-down time read as if it were UTC: seconds since 1970. */
static int64_t seconds_from_fields(const struct tm *tm)
{
    int64_t days = days_from_civil((int64_t)tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday);
    return days * 86400 + tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec;
}

void cs_time_format_local(cs_filetime t, char out[CS_LOCAL_TIME_SIZE])
{
    if (t > CS_TIME_LATEST_ISO - 14 * 3600 * CS_TICKS_PER_SECOND) {
        cs_time_format_iso(t, out); /* a local year past 9999 would need five digits */
        return;
    }
    int64_t unix_seconds = (int64_t)(t / CS_TICKS_PER_SECOND) - CS_UNIX_EPOCH_SECONDS;
    unsigned fraction = (unsigned)(t % CS_TICKS_PER_SECOND);
    time_t when = (time_t)unix_seconds;
    struct tm tm;
    if (platform_localtime(when, &tm) != 0) {
        cs_time_format_iso(t, out); /* out of the C library's range: UTC is still right */
        return;
    }
    int64_t offset = seconds_from_fields(&tm) - unix_seconds;
    char sign = offset < 0 ? '-' : '+';
    if (offset < 0)
        offset = -offset;
    char text[96];
    snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%07u%c%02d:%02d", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, fraction, sign,
             (int)(offset / 3600), (int)(offset / 60 % 60));
    size_t len = strnlen(text, CS_LOCAL_TIME_SIZE - 1);
    memcpy(out, text, len);
    out[len] = '\0';
}

int cs_duration_parse_ms(const char *text, bool bare_is_seconds, uint64_t *out_ms)
{
    static const struct {
        const char *unit;
        double ms;
    } UNITS[] = {{"ms", 1},        {"s", 1000},       {"m", 60000},
                 {"h", 3600000.0}, {"d", 86400000.0}, {"w", 604800000.0}};
    if (text == NULL || !(isdigit((unsigned char)text[0]) || text[0] == '.'))
        return -1;
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (end == text || errno != 0 || value < 0)
        return -1;
    double scale = 0;
    if (*end == '\0' && bare_is_seconds)
        scale = 1000;
    for (size_t i = 0; i < sizeof(UNITS) / sizeof(UNITS[0]) && scale == 0; i++)
        if (strcmp(end, UNITS[i].unit) == 0)
            scale = UNITS[i].ms;
    if (scale == 0 || value * scale > (double)MAX_DURATION_MS)
        return -1;
    uint64_t ms = (uint64_t)(value * scale + 0.5);
    if (ms == 0)
        return -1;
    *out_ms = ms;
    return 0;
}

static bool read_number(const char **p, int digits, int *out)
{
    int v = 0;
    for (int i = 0; i < digits; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += digits;
    *out = v;
    return true;
}

/* "Z", "+02:00", "+0200", "-05"; sets *seconds east of UTC.  Returns false when malformed. */
static bool read_zone(const char **p, int *seconds)
{
    if (**p == 'Z' || **p == 'z') {
        (*p)++;
        *seconds = 0;
        return true;
    }
    int sign = **p == '+' ? 1 : **p == '-' ? -1 : 0;
    int hours, minutes = 0;
    if (sign == 0)
        return false;
    (*p)++;
    if (!read_number(p, 2, &hours))
        return false;
    if (**p == ':')
        (*p)++;
    if (isdigit((unsigned char)**p) && !read_number(p, 2, &minutes))
        return false;
    if (hours > 14 || minutes > 59)
        return false;
    *seconds = sign * (hours * 3600 + minutes * 60);
    return true;
}

struct typed_time {
    struct tm fields;
    unsigned fraction; /* 100 ns ticks */
    bool has_zone;
    int zone_seconds;
};

/* The time-of-day part after the date: "T10:00", " 10:00:00.5", each part optional after
 * the hour-and-minute. */
static bool read_clock(const char **p, struct typed_time *t)
{
    if (!read_number(p, 2, &t->fields.tm_hour) || *(*p)++ != ':' ||
        !read_number(p, 2, &t->fields.tm_min))
        return false;
    if (**p == ':') {
        (*p)++;
        if (!read_number(p, 2, &t->fields.tm_sec))
            return false;
        if (**p == '.') {
            (*p)++;
            int digits = 0;
            for (; isdigit((unsigned char)**p); (*p)++)
                if (digits < 7) {
                    t->fraction = t->fraction * 10 + (unsigned)(**p - '0');
                    digits++;
                }
            if (digits == 0)
                return false;
            for (; digits < 7; digits++)
                t->fraction *= 10;
        }
    }
    return t->fields.tm_hour <= 23 && t->fields.tm_min <= 59 && t->fields.tm_sec <= 60;
}

static bool read_typed_time(const char *text, struct typed_time *t)
{
    const char *p = text;
    memset(t, 0, sizeof(*t));
    int year, month;
    if (!read_number(&p, 4, &year) || *p++ != '-' || !read_number(&p, 2, &month) || *p++ != '-' ||
        !read_number(&p, 2, &t->fields.tm_mday))
        return false;
    /* a real calendar date: 2024-02-30 is a typing mistake, not March 1st.  Four digits make
     * the year at most 9999; FILETIME starts in 1601. */
    if (year < 1601 || t->fields.tm_mday < 1 ||
        (unsigned)t->fields.tm_mday > cs_days_in_month((unsigned)year, (unsigned)month))
        return false;
    t->fields.tm_year = year - 1900;
    t->fields.tm_mon = month - 1;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!read_clock(&p, t))
            return false;
    }
    if (*p != '\0') {
        if (!read_zone(&p, &t->zone_seconds))
            return false;
        t->has_zone = true;
    }
    return *p == '\0';
}

int cs_time_parse_user(const char *text, cs_filetime now, bool local, cs_filetime *out)
{
    uint64_t ms;
    if (cs_duration_parse_ms(text, false, &ms) == 0) {
        uint64_t ticks = ms * CS_TICKS_PER_MS;
        *out = ticks < now ? now - ticks : 1;
        return 0;
    }
    struct typed_time t;
    if (!read_typed_time(text, &t))
        return -1;
    int64_t unix_seconds;
    if (t.has_zone || !local) {
        unix_seconds = seconds_from_fields(&t.fields) - (t.has_zone ? t.zone_seconds : 0);
    } else {
        struct tm fields = t.fields;
        fields.tm_isdst = -1; /* let the zone rules decide whether DST applies */
        time_t when = mktime(&fields);
        if (when == (time_t)-1 && fields.tm_year + 1900 != 1969)
            return -1;
        unix_seconds = (int64_t)when;
    }
    if (unix_seconds + CS_UNIX_EPOCH_SECONDS < 0)
        return -1;
    *out = cs_time_from_unix(unix_seconds, 0) + t.fraction;
    return 0;
}
