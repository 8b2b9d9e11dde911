/*
 * report_html.c - the report to look at and to send to the developers: one self-contained
 * HTML file that opens offline from a mail attachment or a CI artifact.  A header (what was
 * scanned, the verdict), a timeline drawn here as inline SVG (a lane per computer and
 * application, a mark per incident, a histogram per lane when marks would pile up), the
 * findings most severe first (exception, stack with the identifying frames and the user frame
 * marked, Why and Fix, incidents), the known findings collapsed, and the inputs.
 *
 * Safe by construction: every string from a log goes through put_log_text, which escapes it
 * for text and attribute context alike, shows control characters as \xNN and bidirectional
 * or invisible format characters as \uXXXX (so a log string can neither inject markup nor
 * reorder the report's own text), and cuts it at a size.  The page has no script, no event
 * handler and no external resource, and its Content-Security-Policy forbids them anyway.
 * Everything shown is bounded (lanes, marks, findings, rows, frames, bytes per string), so a
 * storm of 50,000 incidents gives a file of a few hundred kilobytes that says what it left out.
 *
 * Not for: deciding anything (order, grouping, what fails the run: all in the result), or
 * JavaScript of any kind.
 */
#include "report_writers.h"

#include <stdlib.h>
#include <string.h>

#include "crashsig/signatures.h"
#include "report_util.h"

/* What is shown at most; the rest is counted and said. */
#define FINDINGS_IN_FULL   40  /* new findings with stack, Why/Fix and incidents */
#define FINDINGS_LISTED    400 /* beyond those: one table row each */
#define INCIDENT_ROWS      20  /* per finding: the latest */
#define DEFAULT_MAX_FRAMES 40
#define COMPUTERS_LISTED   20
#define INPUT_ROWS         500
#define WARNINGS_LISTED    20 /* per input */
#define LANES_SHOWN        24
#define MARKS_PER_LANE     150  /* more incidents than this in a lane: a histogram */
#define MARKS_TOTAL        1500 /* marks in the whole timeline; lanes after it: histograms */
#define HISTOGRAM_BINS     100

/* Bytes of one log string shown at most, by what it is. */
#define CUT_NAME    200 /* computer, application, module, signature id */
#define CUT_MESSAGE 4000
#define CUT_FRAME   1000
#define CUT_TITLE   300 /* the text of a timeline tooltip */
#define CUT_PATH    1000
#define CUT_WARNING 600

/* The timeline's drawing, in SVG user units (the picture scales to the page). */
#define SVG_WIDTH   1000
#define PLOT_LEFT   12
#define PLOT_RIGHT  988
#define LANE_TOP    10
#define LANE_HEIGHT 44
#define AXIS_HEIGHT 44

#define PALETTE_SIZE 8 /* signature colours (.s0 ... .s7 in the style sheet) */

struct lane_entry;
struct lane;

/* What the page's parts look up, worked out once (each is linear or n log n in the result). */
struct page {
    size_t *finding_of;         /* per incident: its finding's index */
    size_t *slot;               /* per finding: its signature's colour, .s0 to .s7 */
    bool *first_of_signature;   /* per finding: the first finding of its signature */
    bool *listed;               /* per finding: it is on the page, with an anchor */
    struct lane_entry *entries; /* the incidents by lane key */
    struct lane *lanes;         /* runs of entries */
    size_t lane_count;
    size_t computer_count; /* distinct computers with an incident */
};

struct html_out {
    FILE *f;
    bool local; /* times in the local time zone */
    const struct run_result *result;
    const struct page *page;
};

/* ---- escaping ------------------------------------------------------------------------- */

/* Format characters that are invisible or change the direction of the text around them. */
static bool is_invisible_format(uint32_t cp)
{
    return cp == 0x00ad || cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
           (cp >= 0xfff9 && cp <= 0xfffb) || (cp >= 0xfdd0 && cp <= 0xfdef) ||
           (cp & 0xfffe) == 0xfffe; /* noncharacters: HTML calls them parse errors */
}

static uint32_t utf8_code_point(const unsigned char *p, size_t n)
{
    if (n == 1)
        return p[0];
    uint32_t cp = p[0] & (0xff >> (n + 1));
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (p[i] & 0x3f);
    return cp;
}

/* Writes untrusted text escaped for HTML text and attribute values: markup characters as
 * references, control bytes and invalid UTF-8 as \xNN, C1 controls and invisible or
 * bidirectional format characters as \uXXXX, at most max bytes of it (then "…").  With
 * newlines set, a line feed becomes <br> (catalog prose); otherwise it is \x0a too. */
static void put_escaped(FILE *f, const char *text, size_t max, bool newlines)
{
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    const unsigned char *start = p;
    while (*p) {
        if ((size_t)(p - start) >= max) {
            fputs("\xe2\x80\xa6", f);
            return;
        }
        size_t n = report_utf8_sequence(p);
        uint32_t cp = n ? utf8_code_point(p, n) : 0;
        if (*p == '\n' && newlines)
            fputs("<br>", f);
        else if (n == 0 || *p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else if ((cp >= 0x80 && cp < 0xa0) || is_invisible_format(cp))
            fprintf(f, "\\u%04X", (unsigned)cp);
        else if (*p == '&')
            fputs("&amp;", f);
        else if (*p == '<')
            fputs("&lt;", f);
        else if (*p == '>')
            fputs("&gt;", f);
        else if (*p == '"')
            fputs("&quot;", f);
        else if (*p == '\'')
            fputs("&#39;", f);
        else
            fwrite(p, 1, n, f);
        p += n ? n : 1;
    }
}

/* Log text inline with the report's own words: escaped and isolated (<bdi>), so right-to-left
 * text in it cannot reorder what stands around it. */
static void put_log(FILE *f, const char *text, size_t max)
{
    fputs("<bdi>", f);
    put_escaped(f, text, max, false);
    fputs("</bdi>", f);
}

static void put_plain(FILE *f, const char *text, size_t max)
{
    put_escaped(f, text, max, false);
}

/* ---- times ---------------------------------------------------------------------------- */

#define TICKS_PER_SECOND 10000000LL

/* A time to the second, in the report's time zone: "2026-03-02T09:12:44Z". */
static void time_to_seconds(cs_filetime t, bool local, char out[CS_LOCAL_TIME_SIZE])
{
    report_format_time(t, local, out);
    char *dot = strchr(out, '.');
    if (dot) {
        const char *rest = dot + 1 + strspn(dot + 1, "0123456789");
        memmove(dot, rest, strlen(rest) + 1);
    }
}

static void put_time(struct html_out *o, cs_filetime t)
{
    char text[CS_LOCAL_TIME_SIZE];
    time_to_seconds(t, o->local, text);
    fprintf(o->f, "<time>%s</time>", text);
}

/* The local time zone's offset from UTC at t, in seconds (0 in UTC reports). */
static int64_t zone_offset(cs_filetime t, bool local)
{
    if (!local || t == 0)
        return 0;
    char text[CS_LOCAL_TIME_SIZE];
    cs_time_format_local(t, text);
    size_t len = strlen(text);
    if (len < 6 || (text[len - 6] != '+' && text[len - 6] != '-'))
        return 0;
    int64_t minutes = (text[len - 5] - '0') * 600 + (text[len - 4] - '0') * 60 +
                      (text[len - 2] - '0') * 10 + (text[len - 1] - '0');
    return (text[len - 6] == '-' ? -60 : 60) * minutes;
}

/* A calendar date from days since 1970-01-01 (proleptic Gregorian), by 400-year eras. */
struct civil {
    int64_t year;
    int month, day, hour, minute, second;
};

static struct civil civil_from_seconds(int64_t unix_seconds)
{
    int64_t days = unix_seconds / 86400 - (unix_seconds % 86400 < 0);
    int64_t rem = unix_seconds - days * 86400;
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    struct civil c;
    c.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    c.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    c.year = yoe + era * 400 + (c.month <= 2);
    c.hour = (int)(rem / 3600);
    c.minute = (int)(rem / 60 % 60);
    c.second = (int)(rem % 60);
    return c;
}

static int64_t seconds_from_civil(int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400, yoe = year - era * 400;
    int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (era * 146097 + doe - 719468) * 86400;
}

static int64_t unix_seconds(cs_filetime t)
{
    return (int64_t)(t / TICKS_PER_SECOND) - CS_UNIX_EPOCH_SECONDS;
}

/* The time axis: what x a time has, and ticks at round steps in the report's time zone. */
struct axis {
    cs_filetime start, end; /* end > start */
    bool local;
    int64_t step; /* seconds, or months when months is set */
    bool months;
};

static double axis_x(const struct axis *a, cs_filetime t)
{
    /* in doubles: an incident of unknown time (0) lies before the start */
    double share = ((double)t - (double)a->start) / (double)(a->end - a->start);
    share = share < 0 ? 0 : share > 1 ? 1 : share;
    return PLOT_LEFT + share * (PLOT_RIGHT - PLOT_LEFT);
}

/* Steps a reader counts in, from one second to a year; at most about eight ticks. */
static const int64_t TICK_SECONDS[] = {1,     2,     5,     10,    15,     30,    60,
                                       120,   300,   600,   900,   1800,   3600,  7200,
                                       10800, 21600, 43200, 86400, 172800, 604800};
static const int64_t TICK_MONTHS[] = {1, 2, 3, 6, 12, 24, 60, 120, 600};
#define MAX_TICKS 8

static struct axis axis_for(cs_filetime first, cs_filetime last, bool local)
{
    struct axis a = {.local = local};
    /* a single incident, or a burst within a second, still gets a readable minute around it */
    cs_filetime span = last - first, min_span = 60 * TICKS_PER_SECOND;
    cs_filetime pad = span < min_span ? (min_span - span) / 2 : span / 40;
    a.start = first > pad ? first - pad : 0;
    a.end = last + pad;
    double seconds = (double)(a.end - a.start) / TICKS_PER_SECOND;
    for (size_t i = 0; i < sizeof(TICK_SECONDS) / sizeof(TICK_SECONDS[0]); i++)
        if (seconds / (double)TICK_SECONDS[i] <= MAX_TICKS) {
            a.step = TICK_SECONDS[i];
            return a;
        }
    a.months = true;
    for (size_t i = 0; i < sizeof(TICK_MONTHS) / sizeof(TICK_MONTHS[0]); i++) {
        a.step = TICK_MONTHS[i];
        if (seconds / (30.44 * 86400 * (double)a.step) <= MAX_TICKS)
            break;
    }
    return a;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The first tick at or after the axis start, a round time in the report's time zone: unix
 * seconds, or for month steps a month count (year * 12 + month - 1) that tick_seconds turns
 * into seconds. */
static int64_t first_tick(const struct axis *a)
{
    int64_t offset = zone_offset(a->start, a->local);
    int64_t local_start = unix_seconds(a->start) + offset;
    if (a->months) {
        struct civil c = civil_from_seconds(local_start);
        int64_t month = c.year * 12 + (c.month - 1);
        if (local_start > seconds_from_civil(c.year, c.month, 1))
            month++;
        return -floor_div(-month, a->step) * a->step;
    }
    /* weeks start on Monday, and 1970-01-05 was one */
    int64_t shift = a->step == 604800 ? 4 * 86400 : 0;
    int64_t tick = -floor_div(-(local_start - shift), a->step) * a->step + shift;
    return tick - offset;
}

/* The unix time of tick i after first (a month count for month steps). */
static int64_t tick_seconds(const struct axis *a, int64_t first, int i)
{
    if (!a->months)
        return first + i * a->step;
    int64_t month_index = first + i * a->step;
    int64_t local = seconds_from_civil(month_index / 12, (int)(month_index % 12) + 1, 1);
    cs_filetime guess = (cs_filetime)(local + CS_UNIX_EPOCH_SECONDS) * TICKS_PER_SECOND;
    return local - zone_offset(guess, a->local);
}

static void put_tick_label(FILE *f, const struct axis *a, int64_t seconds, bool with_date, double x,
                           double y)
{
    cs_filetime t = (cs_filetime)(seconds + CS_UNIX_EPOCH_SECONDS) * TICKS_PER_SECOND;
    struct civil c = civil_from_seconds(seconds + zone_offset(t, a->local));
    fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">", x, y);
    if (a->months)
        fprintf(f, "%04lld-%02d", (long long)c.year, c.month);
    else if (a->step >= 86400)
        fprintf(f, "%04lld-%02d-%02d", (long long)c.year, c.month, c.day);
    else {
        if (a->step < 60)
            fprintf(f, "%02d:%02d:%02d", c.hour, c.minute, c.second);
        else
            fprintf(f, "%02d:%02d", c.hour, c.minute);
        if (with_date)
            fprintf(f, "<tspan x=\"%.1f\" dy=\"14\">%04lld-%02d-%02d</tspan>", x, (long long)c.year,
                    c.month, c.day);
    }
    fputs("</text>\n", f);
}

static void draw_axis(FILE *f, const struct axis *a, double top, double bottom)
{
    int64_t first = first_tick(a);
    int last_day = -1;
    for (int i = 0; i <= MAX_TICKS + 1; i++) {
        int64_t s = tick_seconds(a, first, i);
        cs_filetime t = (cs_filetime)(s + CS_UNIX_EPOCH_SECONDS) * TICKS_PER_SECOND;
        if (t > a->end)
            break;
        if (t < a->start)
            continue;
        double x = axis_x(a, t);
        fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x,
                top, x, bottom + 4);
        /* the date under a time of day where it changes, and under the first tick */
        struct civil c = civil_from_seconds(s + zone_offset(t, a->local));
        bool with_date = c.day != last_day;
        last_day = c.day;
        put_tick_label(f, a, s, with_date, x, bottom + 18);
    }
}

/* ---- the timeline's lanes --------------------------------------------------------------- */

/*
 * A lane is one computer and the process that crashed there: the application, or for an IIS
 * worker whose application pool the IIS stage found, the pool (several w3wp.exe serve several
 * pools, and the question is which site went down).  The key is computed here only.
 */
struct lane_entry {
    const char *computer;
    const char *process; /* the application, or the pool when is_pool */
    bool is_pool;
    size_t incident;
};

static struct lane_entry lane_key_of(const struct incident *incident, size_t index)
{
    const char *pool = incident->iis ? incident->iis->app_pool : NULL;
    if (pool && pool[0])
        return (struct lane_entry){incident_computer(incident), pool, true, index};
    return (struct lane_entry){incident_computer(incident), incident_application(incident), false,
                               index};
}

static bool same_lane_key(const struct lane_entry *x, const struct lane_entry *y)
{
    return x->is_pool == y->is_pool && cs_strcasecmp(x->computer, y->computer) == 0 &&
           cs_strcasecmp(x->process, y->process) == 0;
}

static int compare_lane_entries(const void *a, const void *b)
{
    const struct lane_entry *x = a, *y = b;
    int c = cs_strcasecmp(x->computer, y->computer);
    if (c == 0)
        c = (int)x->is_pool - (int)y->is_pool;
    if (c == 0)
        c = cs_strcasecmp(x->process, y->process);
    if (c == 0) /* the incidents are in time order; keep it within a lane */
        c = x->incident < y->incident ? -1 : x->incident > y->incident;
    return c;
}

struct lane {
    size_t first, count; /* a run of the sorted entries */
    bool histogram;
};

/* Sorted entries grouped into lanes; lanes[] in key order.  Returns the lane count. */
static size_t group_lanes(const struct lane_entry *entries, size_t n, struct lane *lanes)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || !same_lane_key(&entries[i], &entries[i - 1]))
            lanes[count++] = (struct lane){.first = i};
        lanes[count - 1].count++;
    }
    return count;
}

static int compare_lanes_by_size(const void *a, const void *b)
{
    const struct lane *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

static int compare_lanes_by_key(const void *a, const void *b)
{
    const struct lane *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

/*
 * What kind of process death a mark stands for, each with its shape: a crash, a hang (WAS
 * killed a worker that did not answer its pings), a worker that died with no crash record (WAS
 * saw it die), an ASP.NET Core app that could not start.  The IIS signatures say which.
 */
enum mark_kind {
    MARK_CRASH,           /* circle */
    MARK_HANG,            /* square */
    MARK_WORKER_DIED,     /* triangle */
    MARK_STARTUP_FAILURE, /* diamond */
};
#define MARK_KIND_COUNT 4

static const char *const MARK_KIND_NAMES[MARK_KIND_COUNT] = {"crash", "hang", "worker died",
                                                             "startup failure"};

static enum mark_kind mark_kind_of(const struct incident *incident)
{
    const char *id = incident->signature ? incident->signature->id : "";
    if (strcmp(id, "iis-worker-hang") == 0)
        return MARK_HANG;
    if (strcmp(id, "iis-worker-died") == 0)
        return MARK_WORKER_DIED;
    if (strcmp(id, "aspnetcore-startup-failure") == 0)
        return MARK_STARTUP_FAILURE;
    return MARK_CRASH;
}

/* Opens the kind's shape centred on x, y (the caller adds attributes and closes it); returns
 * the element's name. */
static const char *draw_shape(FILE *f, enum mark_kind kind, double x, double y, double r)
{
    switch (kind) {
    case MARK_HANG:
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", x - r, y - r,
                2 * r, 2 * r);
        return "rect";
    case MARK_WORKER_DIED:
        fprintf(f, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"", x, y - r * 1.2, x + r,
                y + r * 0.8, x - r, y + r * 0.8);
        return "polygon";
    case MARK_STARTUP_FAILURE:
        fprintf(f, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\"", x, y - r * 1.3,
                x + r * 1.3, y, x, y + r * 1.3, x - r * 1.3, y);
        return "polygon";
    case MARK_CRASH:
        break;
    }
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"", x, y, r);
    return "circle";
}

struct timeline {
    struct axis axis;
};

static void draw_mark(struct html_out *o, const struct timeline *tl, size_t index, double y)
{
    const struct run_result *r = o->result;
    const struct incident *incident = &r->incidents.items[index];
    size_t finding_index = o->page->finding_of[index];
    const struct finding *finding = &r->findings.items[finding_index];
    double x = axis_x(&tl->axis, incident_time(incident));
    bool linked = o->page->listed[finding_index];
    if (linked)
        fprintf(o->f, "<a href=\"#f-%s\">", finding->fingerprint);
    const char *element = draw_shape(o->f, mark_kind_of(incident), x, y, 6);
    fprintf(o->f, " class=\"m s%zu\"><title>", o->page->slot[finding_index]);
    char when[CS_LOCAL_TIME_SIZE];
    time_to_seconds(incident_time(incident), o->local, when);
    fprintf(o->f, "%s \xc2\xb7 ", when);
    put_plain(o->f, incident_computer(incident), CUT_NAME);
    if (incident->app_error && incident->app_error->fault.has_process_id)
        fprintf(o->f, " \xc2\xb7 pid %u", incident->app_error->fault.process_id);
    fprintf(o->f, " \xc2\xb7 %s", finding->signature->id);
    if (finding->exception) {
        fputs(" \xc2\xb7 ", o->f);
        put_plain(o->f, finding->exception, CUT_TITLE);
    }
    fprintf(o->f, "</title></%s>", element);
    if (linked)
        fputs("</a>", o->f);
    fputc('\n', o->f);
}

/* A dense lane: incidents counted in equal slices of the axis, a bar per slice, coloured by
 * the signature most of its incidents have. */
static void draw_histogram(struct html_out *o, const struct timeline *tl,
                           const struct lane_entry *entries, const struct lane *lane, double top)
{
    size_t counts[HISTOGRAM_BINS] = {0}, by_slot[HISTOGRAM_BINS][PALETTE_SIZE] = {{0}}, max = 0;
    for (size_t i = lane->first; i < lane->first + lane->count; i++) {
        size_t index = entries[i].incident;
        double x = axis_x(&tl->axis, incident_time(&o->result->incidents.items[index]));
        size_t bin = (size_t)((x - PLOT_LEFT) / (PLOT_RIGHT - PLOT_LEFT) * HISTOGRAM_BINS);
        bin = bin >= HISTOGRAM_BINS ? HISTOGRAM_BINS - 1 : bin;
        by_slot[bin][o->page->slot[o->page->finding_of[index]]]++;
        if (++counts[bin] > max)
            max = counts[bin];
    }
    double width = (double)(PLOT_RIGHT - PLOT_LEFT) / HISTOGRAM_BINS;
    double floor_y = top + LANE_HEIGHT - 4, room = LANE_HEIGHT - 20;
    cs_filetime bin_ticks = (tl->axis.end - tl->axis.start) / HISTOGRAM_BINS;
    for (size_t b = 0; b < HISTOGRAM_BINS; b++) {
        if (counts[b] == 0)
            continue;
        size_t slot = 0;
        for (size_t s = 1; s < PALETTE_SIZE; s++)
            slot = by_slot[b][s] > by_slot[b][slot] ? s : slot;
        double height = 2 + (room - 2) * (double)counts[b] / (double)max;
        char from[CS_LOCAL_TIME_SIZE], to[CS_LOCAL_TIME_SIZE];
        time_to_seconds(tl->axis.start + b * bin_ticks, o->local, from);
        time_to_seconds(tl->axis.start + (b + 1) * bin_ticks, o->local, to);
        fprintf(o->f,
                "<rect class=\"bin s%zu\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                "<title>%zu incident%s from %s to %s</title></rect>\n",
                slot, PLOT_LEFT + b * width, floor_y - height, width, height, counts[b],
                counts[b] == 1 ? "" : "s", from, to);
    }
}

/*
 * Rapid-Fail Protection outages: the time IIS kept an application pool stopped after too many
 * crashes, a shaded band on the pool's lane from start to end (or to the axis end, "still
 * disabled").  An outage whose pool has no lane drawn (no incident of it shown) has no band;
 * the findings and the text report still name it.
 */
struct outage_band {
    size_t lane; /* index among the lanes drawn */
    cs_filetime start, end;
    bool still_disabled; /* no end seen: the pool was still stopped when the log ends */
};

static size_t outage_bands_of(const struct run_result *result, const struct lane_entry *entries,
                              const struct lane *lanes, size_t shown, struct outage_band *bands,
                              size_t max)
{
    size_t count = 0;
    for (size_t i = 0; i < result->outages.count && count < max; i++) {
        const struct outage *out = &result->outages.items[i];
        struct lane_entry key = {out->computer, out->app_pool, true, 0};
        for (size_t l = 0; l < shown; l++) {
            if (!same_lane_key(&entries[lanes[l].first], &key))
                continue;
            bands[count++] = (struct outage_band){l, out->disabled_at, out->ended_at, !out->ended};
            break;
        }
    }
    return count;
}

static void draw_outage_bands(struct html_out *o, const struct axis *a,
                              const struct outage_band *bands, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const struct outage_band *band = &bands[i];
        cs_filetime end = band->still_disabled ? a->end : band->end;
        double x = axis_x(a, band->start), y = LANE_TOP + (double)band->lane * LANE_HEIGHT + 16;
        double width = axis_x(a, end) - x;
        char from[CS_LOCAL_TIME_SIZE], to[CS_LOCAL_TIME_SIZE];
        time_to_seconds(band->start, o->local, from);
        time_to_seconds(end, o->local, to);
        fprintf(o->f,
                "<rect class=\"outage\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\">"
                "<title>Rapid-Fail Protection stopped the pool from %s %s%s</title></rect>\n",
                x, y, width < 1 ? 1 : width, LANE_HEIGHT - 18, from,
                band->still_disabled ? "and it was still disabled at " : "to ", to);
    }
}

#define MAX_OUTAGE_BANDS 256

static void draw_lanes(struct html_out *o, const struct timeline *tl,
                       const struct lane_entry *entries, struct lane *lanes, size_t shown)
{
    FILE *f = o->f;
    struct outage_band bands[MAX_OUTAGE_BANDS];
    size_t band_count = outage_bands_of(o->result, entries, lanes, shown, bands, MAX_OUTAGE_BANDS);
    for (size_t l = 0; l < shown; l++) {
        const struct lane *lane = &lanes[l];
        double top = LANE_TOP + (double)l * LANE_HEIGHT;
        const struct lane_entry *key = &entries[lane->first];
        fprintf(f,
                "<g class=\"lane\">\n<rect class=\"band%s\" x=\"0\" y=\"%.1f\" width=\"%d\" "
                "height=\"%d\"/>\n<text class=\"lane-label\" x=\"%d\" y=\"%.1f\">",
                l % 2 ? " odd" : "", top, SVG_WIDTH, LANE_HEIGHT, PLOT_LEFT, top + 13);
        put_plain(f, key->computer, CUT_NAME);
        fputs(key->is_pool ? " \xc2\xb7 pool " : " \xc2\xb7 ", f);
        put_plain(f, key->process, CUT_NAME);
        fprintf(f, " \xc2\xb7 %zu incident%s%s</text>\n", lane->count, lane->count == 1 ? "" : "s",
                lane->histogram ? " (histogram: too many to mark one by one)" : "");
        if (lane->histogram)
            draw_histogram(o, tl, entries, lane, top);
        else
            for (size_t i = lane->first; i < lane->first + lane->count; i++)
                draw_mark(o, tl, entries[i].incident, top + 29);
        fputs("</g>\n", f);
    }
    draw_outage_bands(o, &tl->axis, bands, band_count);
}

static void write_legend(struct html_out *o, const bool *kinds_seen)
{
    const struct run_result *r = o->result;
    fputs("<ul class=\"legend\">\n", o->f);
    for (size_t i = 0; i < r->findings.count; i++)
        if (o->page->first_of_signature[i])
            fprintf(o->f,
                    "<li><svg class=\"key\" viewBox=\"0 0 14 14\" aria-hidden=\"true\"><rect "
                    "class=\"s%zu\" x=\"1\" y=\"1\" width=\"12\" height=\"12\"/></svg>%s</li>\n",
                    o->page->slot[i], r->findings.items[i].signature->id);
    for (int k = 0; k < MARK_KIND_COUNT; k++) {
        if (!kinds_seen[k])
            continue;
        fputs("<li><svg class=\"key\" viewBox=\"0 0 14 14\" aria-hidden=\"true\">", o->f);
        draw_shape(o->f, (enum mark_kind)k, 7, 7, 5);
        fprintf(o->f, " class=\"shape\"/></svg>%s</li>\n", MARK_KIND_NAMES[k]);
    }
    fputs("</ul>\n", o->f);
}

static void write_timeline(struct html_out *o)
{
    const struct run_result *r = o->result;
    const struct page *page = o->page;
    size_t n = r->incidents.count;
    fputs("<section id=\"timeline\">\n<h2>Timeline</h2>\n", o->f);
    if (n == 0) {
        fputs("<p>No incident to draw.</p>\n</section>\n", o->f);
        return;
    }
    struct timeline tl;
    cs_filetime first = 0, last = 0;
    for (size_t i = 0; i < r->findings.count; i++) {
        const struct finding *f = &r->findings.items[i];
        first = first == 0 || (f->first && f->first < first) ? f->first : first;
        last = f->last > last ? f->last : last;
    }
    tl.axis = axis_for(first, last, o->local);

    /* the busiest lanes, shown in key order */
    struct lane *lanes = cs_xcalloc(page->lane_count, sizeof(*lanes));
    memcpy(lanes, page->lanes, page->lane_count * sizeof(*lanes));
    qsort(lanes, page->lane_count, sizeof(*lanes), compare_lanes_by_size);
    size_t shown = page->lane_count < LANES_SHOWN ? page->lane_count : LANES_SHOWN;
    size_t hidden_incidents = 0, marks = 0;
    for (size_t l = shown; l < page->lane_count; l++)
        hidden_incidents += lanes[l].count;
    qsort(lanes, shown, sizeof(*lanes), compare_lanes_by_key);
    bool kinds_seen[MARK_KIND_COUNT] = {false};
    for (size_t l = 0; l < shown; l++) {
        lanes[l].histogram =
            lanes[l].count > MARKS_PER_LANE || marks + lanes[l].count > MARKS_TOTAL;
        if (!lanes[l].histogram)
            marks += lanes[l].count;
        for (size_t i = lanes[l].first; i < lanes[l].first + lanes[l].count; i++)
            kinds_seen[mark_kind_of(&r->incidents.items[page->entries[i].incident])] = true;
    }

    double plot_bottom = LANE_TOP + (double)shown * LANE_HEIGHT;
    fprintf(o->f,
            "<p class=\"note\">A lane per computer and application (an IIS worker's lane is its "
            "application pool); a mark per incident (its tooltip says when, where and what; it "
            "links to its finding); a shaded band while Rapid-Fail Protection kept a pool "
            "stopped. Times in %s.</p>\n",
            o->local ? "local time" : "UTC");
    write_legend(o, kinds_seen);
    fprintf(o->f,
            "<div class=\"tl\"><svg viewBox=\"0 0 %d %.0f\" role=\"img\" aria-label=\"Timeline of "
            "%zu incidents in %zu lanes\">\n",
            SVG_WIDTH, plot_bottom + AXIS_HEIGHT, n, page->lane_count);
    draw_axis(o->f, &tl.axis, LANE_TOP, plot_bottom);
    draw_lanes(o, &tl, page->entries, lanes, shown);
    fputs("</svg></div>\n", o->f);
    if (shown < page->lane_count)
        fprintf(o->f,
                "<p class=\"more\">%zu more lanes with %zu incidents not shown (the busiest %zu "
                "are; every incident is in --format json).</p>\n",
                page->lane_count - shown, hidden_incidents, shown);
    fputs("</section>\n", o->f);
    free(lanes);
}

/* Fills page from result: lanes, each incident's finding, colours, what is listed. */
static void page_prepare(struct page *page, const struct run_result *r)
{
    size_t n = r->incidents.count, findings = r->findings.count;
    page->finding_of = cs_xcalloc(n ? n : 1, sizeof(size_t));
    page->slot = cs_xcalloc(findings ? findings : 1, sizeof(size_t));
    page->first_of_signature = cs_xcalloc(findings ? findings : 1, sizeof(bool));
    page->listed = cs_xcalloc(findings ? findings : 1, sizeof(bool));
    /* colours by signature in order of appearance; a catalog has a few dozen signatures */
    const struct signature **seen = cs_xcalloc(findings ? findings : 1, sizeof(*seen));
    size_t seen_count = 0, rank[2] = {0, 0};
    for (size_t i = 0; i < findings; i++) {
        const struct finding *f = &r->findings.items[i];
        size_t k = 0;
        while (k < seen_count && seen[k] != f->signature)
            k++;
        page->first_of_signature[i] = k == seen_count;
        if (k == seen_count)
            seen[seen_count++] = f->signature;
        page->slot[i] = k % PALETTE_SIZE;
        page->listed[i] = rank[f->known]++ < FINDINGS_LISTED;
        for (size_t m = 0; m < f->count; m++)
            page->finding_of[f->incidents[m]] = i;
    }
    free(seen);
    page->entries = cs_xcalloc(n ? n : 1, sizeof(*page->entries));
    for (size_t i = 0; i < n; i++)
        page->entries[i] = lane_key_of(&r->incidents.items[i], i);
    qsort(page->entries, n, sizeof(*page->entries), compare_lane_entries);
    page->lanes = cs_xcalloc(n ? n : 1, sizeof(*page->lanes));
    page->lane_count = group_lanes(page->entries, n, page->lanes);
    for (size_t i = 0; i < n; i++) /* sorted by computer first */
        page->computer_count +=
            i == 0 || cs_strcasecmp(page->entries[i].computer, page->entries[i - 1].computer) != 0;
}

static void page_free(struct page *page)
{
    free(page->finding_of);
    free(page->slot);
    free(page->first_of_signature);
    free(page->listed);
    free(page->entries);
    free(page->lanes);
}

/* ---- findings ----------------------------------------------------------------------------- */

static void put_severity(FILE *f, enum severity severity)
{
    char upper[16];
    snprintf(upper, sizeof(upper), "%s", severity_name(severity));
    for (char *c = upper; *c; c++)
        *c = (char)(*c - ('a' <= *c && *c <= 'z' ? 32 : 0));
    fprintf(f, "<span class=\"sev sev-%s\">%s</span>", severity_name(severity), upper);
}

static void write_frame(FILE *f, const struct incident *incident, const struct dotnet_frame *frame,
                        const struct dotnet_frame *user)
{
    bool matched = incident_frame_matched(incident, frame), mine = frame == user;
    fprintf(f, "<li%s>",
            matched && mine ? " class=\"match user\""
            : matched       ? " class=\"match\""
            : mine          ? " class=\"user\""
                            : "");
    /* words, not only colour, say why a frame stands out */
    if (matched)
        fputs("<span class=\"tag\">\xe2\x96\xb6 signature</span> ", f);
    if (mine)
        fputs("<span class=\"tag\">\xe2\x98\x85 your code</span> ", f);
    fputs("<code>", f);
    put_log(f, frame->method, CUT_FRAME);
    fputs("</code></li>\n", f);
}

static void write_stack(FILE *f, const struct incident *incident, size_t max_frames)
{
    if (incident->dotnet == NULL)
        return;
    size_t count;
    const struct dotnet_frame *frames = dotnet_crash_thread_frames(incident->dotnet->crash, &count);
    if (count == 0)
        return;
    const struct dotnet_frame *user = incident_user_frame(incident);
    fputs("<h4>Stack of the latest incident</h4>\n<ol class=\"stack\">\n", f);
    size_t head, tail_start;
    report_stack_window(count, max_frames, &head, &tail_start);
    for (size_t i = 0; i < count; i++) {
        if (i == head && head < tail_start) {
            fprintf(f, "<li class=\"gap\">\xe2\x80\xa6 %zu frames not shown \xe2\x80\xa6</li>\n",
                    tail_start - head);
            i = tail_start;
        }
        write_frame(f, incident, &frames[i], user);
    }
    fputs("</ol>\n", f);
    const struct dotnet_crash *crash = incident->dotnet->crash;
    if (crash->capped)
        fputs("<p class=\"note\">The .NET text is longer than crashsig keeps: the middle of the "
              "stack is left out.</p>\n",
              f);
    else if (crash->truncated)
        fputs("<p class=\"note\">The runtime cut the .NET text near 32 KB: the bottom of the "
              "stack is lost.</p>\n",
              f);
}

static void write_exception(FILE *f, const struct incident *latest,
                            const struct incident *with_fault)
{
    if (latest->dotnet) {
        const struct dotnet_crash *crash = latest->dotnet->crash;
        const struct dotnet_exception *root = dotnet_crash_innermost(crash);
        fputs("<dt>Exception</dt><dd>", f);
        if (root) {
            fputs("<code>", f);
            put_log(f, root->type, CUT_NAME);
            fputs("</code>", f);
            if (root->message) {
                fputs(": ", f);
                put_log(f, root->message, CUT_MESSAGE);
            }
        } else if (crash->native_exception) {
            fputs("native: ", f);
            put_log(f, crash->native_exception, CUT_MESSAGE);
        } else {
            fputs(report_crash_kind_label(crash->kind), f);
            if (crash->failfast_message) {
                fputs(": ", f);
                put_log(f, crash->failfast_message, CUT_MESSAGE);
            }
        }
        fputs("</dd>\n", f);
        if (crash->runtime) {
            fputs("<dt>Runtime</dt><dd>", f);
            put_log(f, crash->runtime, CUT_NAME);
            fputs("</dd>\n", f);
        }
    }
    if (with_fault) {
        const struct app_error *fault = &with_fault->app_error->fault;
        fputs("<dt>Died in</dt><dd>", f);
        put_log(f, fault->module_name ? fault->module_name : "(unknown module)", CUT_NAME);
        if (fault->module_version) {
            fputs(" ", f);
            put_log(f, fault->module_version, CUT_NAME);
        }
        if (fault->has_exception_code) {
            char code[9];
            app_error_format_code(fault->exception_code, code);
            fprintf(f, ", exception code 0x%s", code);
        }
        if (fault->faulting_offset) {
            fputs(" at offset 0x", f);
            put_log(f, fault->faulting_offset, CUT_NAME);
        }
        fputs("</dd>\n", f);
    }
}

static void write_incident_row(struct html_out *o, const struct incident *incident)
{
    FILE *f = o->f;
    const struct app_error *fault = incident->app_error ? &incident->app_error->fault : NULL;
    fputs("<tr><td>", f);
    put_time(o, incident_time(incident));
    fputs("</td><td>", f);
    put_log(f, incident_computer(incident), CUT_NAME);
    fputs("</td><td>", f);
    if (fault && fault->has_process_id)
        fprintf(f, "%u", fault->process_id);
    fputs("</td><td>", f);
    if (incident->paired)
        fprintf(f, "%lld ms", (long long)incident->gap_ms);
    else
        fputs(incident->dotnet ? "no 1000 found" : "no .NET event found", f);
    fputs("</td><td>", f);
    if (fault && fault->report_id) {
        fputs("<code>", f);
        put_log(f, fault->report_id, CUT_NAME);
        fputs("</code>", f);
    }
    fputs("</td></tr>\n", f);
}

static void write_incidents(struct html_out *o, const struct finding *finding)
{
    FILE *f = o->f;
    size_t shown = finding->count < INCIDENT_ROWS ? finding->count : INCIDENT_ROWS;
    fputs("<h4>Incidents</h4>\n<div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">Time"
          "</th><th scope=\"col\">Computer</th><th scope=\"col\">PID</th><th scope=\"col\">1000 "
          "after .NET event</th><th scope=\"col\">WER report</th></tr></thead>\n<tbody>\n",
          f);
    for (size_t i = finding->count - shown; i < finding->count; i++)
        write_incident_row(o, &o->result->incidents.items[finding->incidents[i]]);
    fputs("</tbody></table></div>\n", f);
    if (shown < finding->count) {
        fprintf(f, "<p class=\"more\">%zu earlier incidents not shown (the first at ",
                finding->count - shown);
        put_time(o, finding->first);
        fputs("; all are in --format json).</p>\n", f);
    }
}

/* The explanation and fix, once per signature: later findings of it point back. */
static bool explained_before(const struct run_result *result, size_t index)
{
    const struct finding *f = &result->findings.items[index];
    for (size_t k = 0; k < index && k < FINDINGS_IN_FULL; k++)
        if (result->findings.items[k].known == f->known &&
            result->findings.items[k].signature == f->signature)
            return true;
    return false;
}

static void write_finding(struct html_out *o, size_t index, size_t max_frames)
{
    FILE *f = o->f;
    const struct run_result *r = o->result;
    const struct finding *finding = &r->findings.items[index];
    const struct signature *sig = finding->signature;
    const struct incident *latest = &r->incidents.items[finding->incidents[finding->count - 1]];
    const struct incident *with_fault = NULL;
    for (size_t i = finding->count; i-- > 0 && with_fault == NULL;) {
        const struct incident *incident = &r->incidents.items[finding->incidents[i]];
        with_fault = incident->app_error ? incident : NULL;
    }

    fprintf(f, "<article class=\"finding\" id=\"f-%s\">\n<h3>", finding->fingerprint);
    put_severity(f, finding->severity);
    fprintf(f, " <span class=\"sig\">%s</span> ", sig->id);
    put_log(f, finding->application, CUT_NAME);
    fputs("</h3>\n<p class=\"title\">", f);
    put_plain(f, sig->title, CUT_MESSAGE);
    fputs("</p>\n<dl>\n<dt>Application</dt><dd>", f);
    put_log(f, finding->application, CUT_NAME);
    if (with_fault && with_fault->app_error->fault.app_version) {
        fputs(" ", f);
        put_log(f, with_fault->app_error->fault.app_version, CUT_NAME);
    }
    fprintf(f, "</dd>\n<dt>Count</dt><dd>%zu incident%s</dd>\n<dt>Seen</dt><dd>", finding->count,
            finding->count == 1 ? "" : "s");
    put_time(o, finding->first);
    if (finding->count > 1) {
        fputs(" to ", f);
        put_time(o, finding->last);
    }
    fputs("</dd>\n<dt>Computers</dt><dd>", f);
    size_t computers =
        finding->computer_count < COMPUTERS_LISTED ? finding->computer_count : COMPUTERS_LISTED;
    for (size_t i = 0; i < computers; i++) {
        fputs(i ? ", " : "", f);
        put_log(f, finding->computers[i], CUT_NAME);
    }
    if (computers < finding->computer_count)
        fprintf(f, " and %zu more", finding->computer_count - computers);
    fputs("</dd>\n", f);
    write_exception(f, latest, with_fault);
    fprintf(f, "<dt>Fingerprint</dt><dd><code>%s</code></dd>\n</dl>\n", finding->fingerprint);
    write_stack(f, latest, max_frames);
    if (explained_before(r, index)) {
        fprintf(f, "<p>Why and fix: as for <span class=\"sig\">%s</span> above.</p>\n", sig->id);
    } else {
        fputs("<h4>Why</h4>\n<p>", f);
        put_escaped(f, sig->explanation, CUT_MESSAGE, true);
        fputs("</p>\n<h4>Fix</h4>\n<p class=\"fix\">", f);
        put_escaped(f, sig->fix, CUT_MESSAGE, true);
        fputs("</p>\n", f);
    }
    write_incidents(o, finding);
    fputs("</article>\n", f);
}

/* One row of the findings beyond those shown in full. */
static void write_finding_row(struct html_out *o, const struct finding *finding)
{
    FILE *f = o->f;
    fprintf(f, "<tr id=\"f-%s\"><td>", finding->fingerprint);
    put_severity(f, finding->severity);
    fprintf(f, "</td><td class=\"sig\">%s</td><td>", finding->signature->id);
    put_log(f, finding->application, CUT_NAME);
    fprintf(f, "</td><td>%zu</td><td>", finding->count);
    put_log(f, finding->exception ? finding->exception : "", CUT_NAME);
    fputs("</td><td>", f);
    put_time(o, finding->last);
    fputs("</td></tr>\n", f);
}

/* The findings that are (known) or are not (!known) in the baseline: the first in full, the
 * next as rows, the rest counted. */
static void write_finding_group(struct html_out *o, bool known, size_t max_frames)
{
    const struct run_result *r = o->result;
    size_t rank = 0, rows = 0;
    for (size_t i = 0; i < r->findings.count; i++) {
        const struct finding *finding = &r->findings.items[i];
        if (finding->known != known)
            continue;
        if (rank < FINDINGS_IN_FULL) {
            if (known) {
                fputs("<details class=\"known\"><summary>", o->f);
                put_severity(o->f, finding->severity);
                fprintf(o->f, " %s ", finding->signature->id);
                put_log(o->f, finding->application, CUT_NAME);
                fprintf(o->f, ", %zu incident%s, last ", finding->count,
                        finding->count == 1 ? "" : "s");
                put_time(o, finding->last);
                fputs(" (known)</summary>\n", o->f);
            }
            write_finding(o, i, max_frames);
            if (known)
                fputs("</details>\n", o->f);
        } else if (rank < FINDINGS_LISTED) {
            if (rows++ == 0)
                fputs("<h3>More findings</h3>\n<div class=\"scroll\"><table>\n<thead><tr><th "
                      "scope=\"col\">Severity</th><th scope=\"col\">Signature</th><th "
                      "scope=\"col\">Application</th><th scope=\"col\">Incidents</th><th "
                      "scope=\"col\">Exception</th><th scope=\"col\">Last</th></tr></thead>\n"
                      "<tbody>\n",
                      o->f);
            write_finding_row(o, finding);
        }
        rank++;
    }
    if (rows)
        fputs("</tbody></table></div>\n", o->f);
    if (rank > FINDINGS_LISTED)
        fprintf(o->f,
                "<p class=\"more\">%zu more findings not shown (all are in --format json).</p>\n",
                rank - FINDINGS_LISTED);
}

static void write_findings(struct html_out *o, size_t max_frames)
{
    const struct run_result *r = o->result;
    size_t known = 0;
    for (size_t i = 0; i < r->findings.count; i++)
        known += r->findings.items[i].known;
    fputs("<section id=\"findings\">\n<h2>Findings</h2>\n", o->f);
    if (r->findings.count == known)
        fprintf(o->f, "<p>No %sfinding.</p>\n", known ? "new " : "");
    write_finding_group(o, false, max_frames);
    fputs("</section>\n", o->f);
    if (known == 0)
        return;
    fprintf(o->f,
            "<section id=\"known\">\n<h2>Known from the baseline</h2>\n<p>%zu finding%s whose "
            "fingerprint is in the baseline; they do not fail the run.</p>\n",
            known, known == 1 ? "" : "s");
    write_finding_group(o, true, max_frames);
    fputs("</section>\n", o->f);
}

/* ---- header and inputs ------------------------------------------------------------------ */

static void write_verdict(struct html_out *o)
{
    const struct run_result *r = o->result;
    FILE *f = o->f;
    size_t by[SEVERITY_CRITICAL + 1] = {0}, paired = 0, failing = 0;
    for (size_t i = 0; i < r->incidents.count; i++) {
        by[r->incidents.items[i].severity]++;
        paired += r->incidents.items[i].paired;
    }
    for (size_t i = 0; i < r->findings.count; i++)
        failing += run_result_finding_fails(r, &r->findings.items[i]);
    enum run_status status = run_result_status(r);
    fprintf(f, "<p class=\"verdict v%d\"><strong>%s</strong> ", (int)status,
            status == RUN_TROUBLE     ? "Trouble:"
            : status == RUN_INCIDENTS ? "Crashes:"
                                      : "Clean:");
    fprintf(f, "%zu incident%s (%zu paired) in %zu finding%s", r->incidents.count,
            r->incidents.count == 1 ? "" : "s", paired, r->findings.count,
            r->findings.count == 1 ? "" : "s");
    const char *sep = ": ";
    for (int s = SEVERITY_CRITICAL; s >= SEVERITY_LOW; s--)
        if (by[s]) {
            fprintf(f, "%s%zu %s", sep, by[s], severity_name((enum severity)s));
            sep = ", ";
        }
    if (failing)
        fprintf(f, "; %zu finding%s fail%s the run", failing, failing == 1 ? "" : "s",
                failing == 1 ? "s" : "");
    if (run_result_has_errors(r))
        fputs("; some logs could not be read", f);
    fputs(".</p>\n", f);
}

/* What the baseline, --state and the filters left out, when they did. */
static void write_context(struct html_out *o)
{
    const struct run_result *r = o->result;
    const struct run_omitted *om = &r->omitted;
    if (r->has_state && (om->already_seen || om->held_back))
        fprintf(o->f,
                "<p>State: %zu incident%s seen by an earlier run, not shown again; %zu .NET "
                "event%s held back until their 1000 is in the log.</p>\n",
                om->already_seen, om->already_seen == 1 ? "" : "s", om->held_back,
                om->held_back == 1 ? "" : "s");
    if (om->hidden_by_filters)
        fprintf(o->f, "<p>Filters: %zu incident%s not shown.</p>\n", om->hidden_by_filters,
                om->hidden_by_filters == 1 ? "" : "s");
}

static void write_header(struct html_out *o)
{
    const struct run_result *r = o->result;
    FILE *f = o->f;
    size_t damaged = 0, failed = 0;
    uint64_t records = 0;
    for (size_t i = 0; i < r->input_count; i++) {
        damaged += r->inputs[i].status == INPUT_DAMAGED;
        failed += r->inputs[i].status == INPUT_ERROR;
        records += r->inputs[i].records;
    }
    fputs("<header>\n<h1>crashsig: .NET crashes in Windows event logs</h1>\n", f);
    write_verdict(o);
    fprintf(f, "<dl class=\"facts\">\n<dt>Scanned</dt><dd>%zu log%s, %llu records", r->input_count,
            r->input_count == 1 ? "" : "s", (unsigned long long)records);
    if (damaged || failed)
        fprintf(f, "; %zu damaged, %zu unreadable (see Inputs)", damaged, failed);
    fputs("</dd>\n", f);
    /* the computers from the incidents, sorted by computer: each once */
    const struct page *page = o->page;
    fputs("<dt>Computers</dt><dd>", f);
    size_t listed = 0;
    for (size_t i = 0; i < r->incidents.count && listed < COMPUTERS_LISTED; i++) {
        const char *name = page->entries[i].computer;
        if (i > 0 && cs_strcasecmp(name, page->entries[i - 1].computer) == 0)
            continue;
        fputs(listed++ ? ", " : "", f);
        put_log(f, name, CUT_NAME);
    }
    if (page->computer_count > listed)
        fprintf(f, " and %zu more", page->computer_count - listed);
    if (page->computer_count == 0)
        fputs("none with a crash", f);
    fputs("</dd>\n", f);
    cs_filetime first = 0, last = 0;
    for (size_t i = 0; i < r->findings.count; i++) {
        const struct finding *finding = &r->findings.items[i];
        first = first == 0 || (finding->first && finding->first < first) ? finding->first : first;
        last = finding->last > last ? finding->last : last;
    }
    if (first) {
        fputs("<dt>Crashes from</dt><dd>", f);
        put_time(o, first);
        fputs(" to ", f);
        put_time(o, last);
        fputs("</dd>\n", f);
    }
    fprintf(f, "<dt>Times</dt><dd>%s</dd>\n<dt>Generated by</dt><dd>crashsig %s</dd>\n</dl>\n",
            o->local ? "local time, with the offset from UTC" : "UTC", CRASHSIG_VERSION);
    write_context(o);
    fputs("<nav><a href=\"#timeline\">Timeline</a> <a href=\"#findings\">Findings</a> <a "
          "href=\"#inputs\">Inputs</a></nav>\n</header>\n",
          f);
}

static void write_inputs(struct html_out *o)
{
    const struct run_result *r = o->result;
    FILE *f = o->f;
    fputs("<section id=\"inputs\">\n<h2>Inputs</h2>\n<div class=\"scroll\"><table>\n<thead><tr>"
          "<th scope=\"col\">Log</th><th scope=\"col\">Status</th><th scope=\"col\">Records</th>"
          "<th scope=\"col\">Recovered</th><th scope=\"col\">Kept</th><th scope=\"col\">Warnings"
          "</th></tr></thead>\n<tbody>\n",
          f);
    size_t shown = r->input_count < INPUT_ROWS ? r->input_count : INPUT_ROWS;
    for (size_t i = 0; i < shown; i++) {
        const struct input_report *in = &r->inputs[i];
        fputs("<tr><td><code>", f);
        put_log(f, in->path, CUT_PATH);
        fprintf(f,
                "</code></td><td class=\"st-%s\">%s</td><td>%llu</td><td>%llu</td><td>%llu"
                "</td><td>",
                input_status_name(in->status), input_status_name(in->status),
                (unsigned long long)in->records, (unsigned long long)in->recovered_records,
                (unsigned long long)in->events_kept);
        if (in->status == INPUT_ERROR) {
            fputs("<p>", f);
            put_log(f, in->error, CUT_WARNING);
            fputs("</p>", f);
        }
        size_t warnings = in->warning_count < WARNINGS_LISTED ? in->warning_count : WARNINGS_LISTED;
        for (size_t k = 0; k < warnings; k++) {
            fputs("<p>", f);
            put_log(f, in->warnings[k], CUT_WARNING);
            fputs("</p>", f);
        }
        if (warnings < in->warning_count)
            fprintf(f, "<p>and %zu more</p>", in->warning_count - warnings);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
    if (shown < r->input_count)
        fprintf(f, "<p class=\"more\">%zu more logs not shown (all are in --format json).</p>\n",
                r->input_count - shown);
    fputs("</section>\n", f);
}

/* ---- the page ----------------------------------------------------------------------------- */

/* Light and dark, print, phone width.  Colours meet WCAG AA against their background. */
static const char STYLE[] =
    ":root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#57606a;--line:#d0d7de;"
    "--band:#f6f8fa;--code:#f3f4f6;--accent:#0a58ca;--user:#fff4c2;--match:#e7efff;"
    "--crit:#a4161a;--high:#b53c00;--medium:#7a5a00;--low:#1d5f8a}\n"
    "@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9da7b3;"
    "--line:#30363d;--band:#161b22;--code:#161b22;--accent:#6cb6ff;--user:#3d3000;"
    "--match:#14264a;--crit:#ff8182;--high:#ffa657;--medium:#e3b341;--low:#79c0ff}}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0 auto;max-width:72rem;padding:1rem;font:15px/1.5 system-ui,-apple-system,"
    "'Segoe UI',Roboto,'Noto Sans',sans-serif;color:var(--fg);background:var(--bg)}\n"
    "h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.25rem;margin:2rem 0 .5rem;"
    "border-bottom:1px solid var(--line)}h3{font-size:1.1rem;margin:0 0 .25rem}"
    "h4{font-size:.95rem;margin:1rem 0 .25rem}\n"
    "a{color:var(--accent)}code{font:13px/1.4 ui-monospace,'Cascadia Mono',Consolas,"
    "'DejaVu Sans Mono',monospace;overflow-wrap:anywhere}\n"
    ".verdict{font-size:1.1rem;padding:.5rem .75rem;border-left:4px solid var(--muted);"
    "background:var(--band)}.verdict.v1{border-color:var(--crit)}"
    ".verdict.v2{border-color:var(--high)}\n"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.5rem 0}"
    "dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}\n"
    "nav a{margin-right:1rem}.note,.more{color:var(--muted);font-size:.9rem}\n"
    ".finding{border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;"
    "margin:1rem 0}.title{margin:0 0 .5rem;font-weight:600}\n"
    ".sev{display:inline-block;font-size:.8rem;font-weight:700;padding:0 .35rem;"
    "border:1px solid currentColor;border-radius:4px}.sev-critical{color:var(--crit)}"
    ".sev-high{color:var(--high)}.sev-medium{color:var(--medium)}.sev-low{color:var(--low)}\n"
    ".sig{font-family:ui-monospace,Consolas,'DejaVu Sans Mono',monospace}\n"
    ".stack{margin:0;padding-left:2.5rem;background:var(--code);border-radius:4px}"
    ".stack li{padding:1px .25rem}.stack .match{background:var(--match)}"
    ".stack .user{background:var(--user);font-weight:700}.stack .gap{list-style:none;"
    "color:var(--muted)}.tag{font-size:.75rem;font-weight:600;color:var(--muted)}\n"
    ".scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.9rem;width:100%}"
    "th,td{text-align:left;padding:.2rem .5rem;border-bottom:1px solid var(--line);"
    "vertical-align:top}td p{margin:0}.st-damaged{color:var(--high)}.st-error{color:var(--crit)}\n"
    "details.known{border:1px solid var(--line);border-radius:6px;padding:.25rem .75rem;"
    "margin:.5rem 0}details.known .finding{border:0;padding:0}\n"
    ".legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem;"
    "font-size:.85rem}.key{width:14px;height:14px;vertical-align:-2px;margin-right:.3rem}\n"
    ".tl{overflow-x:auto}.tl svg{min-width:800px;width:100%;height:auto;display:block}\n"
    "svg text{fill:var(--fg);font:12px system-ui,sans-serif}svg .tick{fill:var(--muted);"
    "text-anchor:middle;font-size:11px}.band{fill:var(--bg)}.band.odd{fill:var(--band)}"
    ".grid{stroke:var(--line)}.m{stroke:var(--fg);stroke-width:1}.shape{fill:none;"
    "stroke:var(--fg);stroke-width:1.5}.outage{fill:var(--crit);fill-opacity:.18;"
    "stroke:var(--crit);stroke-dasharray:4 3}\n"
    ".s0{fill:#0072b2}.s1{fill:#d55e00}.s2{fill:#009e73}.s3{fill:#cc79a7}.s4{fill:#e69f00}"
    ".s5{fill:#56b4e9}.s6{fill:#f0e442}.s7{fill:#999}\n"
    "@media (max-width:600px){body{padding:.5rem;font-size:14px}dl{grid-template-columns:1fr}"
    "dt{margin-top:.3rem}}\n"
    "@media print{body{max-width:none;font-size:11pt}nav{display:none}.tl{overflow:visible}"
    ".tl svg{min-width:0}.finding{break-inside:avoid-page}a{color:inherit;"
    "text-decoration:none}}\n";

int report_write_html(FILE *out, const struct run_result *result,
                      const struct report_options *options)
{
    struct page page = {0};
    page_prepare(&page, result);
    struct html_out o = {out, options->local_time, result, &page};
    size_t max_frames = options->max_frames ? options->max_frames : DEFAULT_MAX_FRAMES;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          /* no script, no remote load, whatever a log string might manage to inject */
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"crashsig " CRASHSIG_VERSION "\">\n"
          "<title>crashsig report</title>\n<style>\n",
          out);
    fputs(STYLE, out);
    fputs("</style>\n</head>\n<body>\n", out);
    write_header(&o);
    fputs("<main>\n", out);
    write_timeline(&o);
    write_findings(&o, max_frames);
    write_inputs(&o);
    fputs("</main>\n<footer><p class=\"note\">crashsig " CRASHSIG_VERSION
          ": every string from a log is shown as text; control characters appear as \\xNN and "
          "invisible or direction-changing characters as \\uXXXX.</p></footer>\n</body>\n"
          "</html>\n",
          out);
    page_free(&page);
    return ferror(out) ? -1 : 0;
}
