/*
 * report_text.c - the report for a person at a terminal: findings, most severe first, each
 * with what happened, the evidence (times, computers, the 1000's module, code and pid, the gap,
 * the stack with the frames that decided the signature marked) and what to change; then the
 * findings known from the baseline, one line each; then the summary line and, when they did
 * anything, what the baseline, --state and the filters left out.  Times are UTC, or local
 * with their offset (--local-time).
 *
 * Everything that came from a log is printed through put_safe (report_put_safe), which turns
 * control characters, escape sequences and invalid UTF-8 into visible \xNN text, and bidi
 * controls and invisible format characters into \uXXXX: a hostile event must not be able to
 * move the cursor, retitle the window, clear the screen or make one name look like another.
 *
 * Not for: JSON (report_json.c) or deciding anything.
 */
#include "report_writers.h"

#include <stdlib.h>
#include <string.h>

#include "crashsig/frame_names.h"
#include "crashsig/signatures.h"
#include "report_util.h"

#define DEFAULT_MAX_FRAMES 12
#define INCIDENTS_LISTED   5
#define COMPUTERS_LISTED   8
#define OVERVIEW_APP_WIDTH 28
#define OVERVIEW_LISTED    15
#define WRAP_COLUMN        92
/* The code Windows reports for every managed exception that kills a process ("CCR" + 0xe0). */
#define CLR_EXCEPTION_CODE 0xe0434352u

struct text_out {
    FILE *f;
    bool color;
    bool local; /* times in the local time zone */
};

static const char *severity_color(enum severity s)
{
    switch (s) {
    case SEVERITY_CRITICAL:
        return "\x1b[1;31m";
    case SEVERITY_HIGH:
        return "\x1b[31m";
    case SEVERITY_MEDIUM:
        return "\x1b[33m";
    default:
        return "\x1b[36m";
    }
}

static void style(struct text_out *o, const char *sgr)
{
    if (o->color)
        fputs(sgr, o->f);
}

/* Length of the well-formed UTF-8 sequence at p (1-4), or 0 when it is not one (RFC 3629: no
 * overlong forms, no UTF-16 surrogates, nothing above U+10FFFF). */
static size_t utf8_sequence(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t len = p[0] >= 0xc2 && p[0] <= 0xdf   ? 2
                 : p[0] >= 0xe0 && p[0] <= 0xef ? 3
                 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
                                                : 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
        (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
        return 0;
    /* C1 controls (U+0080..U+009F) act as escape introducers on some terminals */
    if (len == 2 && p[0] == 0xc2 && p[1] < 0xa0)
        return 0;
    return len;
}

/* The code point of a well-formed sequence of n bytes at p when it is one that reorders or
 * hides text on screen: the bidi controls (U+061C, U+200E/F, U+202A-202E, U+2066-2069), the
 * line and paragraph separators U+2028/9, and U+FEFF.  Shown, they would let a log make an
 * application, computer or frame name look like another ("Trojan Source"); 0 for the rest. */
static unsigned hidden_code_point(const unsigned char *p, size_t n)
{
    if (n == 2 && p[0] == 0xd8 && p[1] == 0x9c)
        return 0x061c;
    if (n != 3)
        return 0;
    unsigned cp = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
    bool hidden = cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
                  (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
    return hidden ? cp : 0;
}

/* Writes untrusted text: printable UTF-8 as is, bidi and invisible format characters as
 * \uXXXX, everything else as \xNN. */
void report_put_safe(FILE *f, const char *text)
{
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    while (*p) {
        size_t n = (*p < 0x20 || *p == 0x7f) ? 0 : utf8_sequence(p);
        unsigned hidden = n ? hidden_code_point(p, n) : 0;
        if (n == 0) {
            fprintf(f, "\\x%02x", *p);
            p++;
        } else if (hidden) {
            fprintf(f, "\\u%04X", hidden);
            p += n;
        } else {
            fwrite(p, 1, n, f);
            p += n;
        }
    }
}

static void put_safe(struct text_out *o, const char *text)
{
    report_put_safe(o->f, text);
}

/* Writes catalog prose wrapped before WRAP_COLUMN; continuation lines are indented. */
static void put_wrapped(struct text_out *o, const char *text, int indent)
{
    int column = indent;
    const char *p = text;
    while (*p) {
        if (*p == '\n') {
            fprintf(o->f, "\n%*s", indent, "");
            column = indent;
            p++;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        int word = (int)strcspn(p, " \n");
        if (column > indent && column + 1 + word > WRAP_COLUMN) {
            fprintf(o->f, "\n%*s", indent, "");
            column = indent;
        } else if (column > indent) {
            fputc(' ', o->f);
            column++;
        }
        fwrite(p, 1, (size_t)word, o->f);
        column += word;
        p += word;
    }
    fputc('\n', o->f);
}

/* A time to the millisecond: people compare crashes by the second, the gap by the
 * millisecond; the 100 ns ticks are noise here (JSON keeps them). */
static void format_time_ms(struct text_out *o, cs_filetime t, char text[CS_LOCAL_TIME_SIZE])
{
    report_format_time(t, o->local, text);
    char *dot = strchr(text, '.');
    if (dot == NULL)
        return;
    size_t digits = strspn(dot + 1, "0123456789");
    if (digits > 3)
        memmove(dot + 4, dot + 1 + digits, strlen(dot + 1 + digits) + 1);
}

/* "Dump  \\?\C:\...\memory.hdmp" and "WER report  <folder>", indented, when the
 * incident has a Windows Error Reporting report. */
static void print_wer(struct text_out *o, const struct incident *incident, int indent)
{
    const struct wer_info *wer = incident->app_error ? incident->app_error->wer : NULL;
    if (wer == NULL)
        return;
    for (size_t i = 0; i < wer->dump_count; i++) {
        fprintf(o->f, "%*sDump       ", indent, "");
        put_safe(o, wer->dump_files[i]);
        fputc('\n', o->f);
    }
    if (wer->report_path) {
        fprintf(o->f, "%*sWER report ", indent, "");
        put_safe(o, wer->report_path);
        fputc('\n', o->f);
    }
}

/* "  pool OrdersPool  WAS 5011" after an incident's line; an incident only IIS saw says what
 * IIS saw instead. */
static void print_iis_detail(struct text_out *o, const struct incident *incident)
{
    const struct incident_iis *iis = incident->iis;
    if (iis == NULL)
        return;
    if (incident->dotnet == NULL && incident->app_error == NULL) {
        uint32_t pid;
        if (incident_process_id(incident, &pid))
            fprintf(o->f, "  pid %u", pid);
    }
    if (iis->app_pool) {
        fputs("  pool ", o->f);
        put_safe(o, iis->app_pool);
    }
    if (iis->app_path) {
        fputs("  ", o->f);
        put_safe(o, iis->app_path);
    }
    if (iis->was.present)
        fprintf(o->f, "  WAS %u", iis->was.event_id);
    if (iis->aspnet.present)
        fprintf(o->f, "  ASP.NET %u", iis->aspnet.event_id);
    if (iis->ancm.present)
        fprintf(o->f, "  ANCM %u", iis->ancm.event_id);
}

static void print_incident_line(struct text_out *o, const struct incident *incident)
{
    char when[CS_LOCAL_TIME_SIZE];
    format_time_ms(o, incident_time(incident), when);
    fprintf(o->f, "    %s  ", when);
    put_safe(o, incident_computer(incident));
    if (incident->app_error) {
        const struct app_error *fault = &incident->app_error->fault;
        if (fault->has_process_id)
            fprintf(o->f, "  pid %u", fault->process_id);
        fputs("  ", o->f);
        put_safe(o, fault->module_name ? fault->module_name : "?");
        if (fault->has_exception_code) {
            char code[9];
            app_error_format_code(fault->exception_code, code);
            fprintf(o->f, " %s", code);
        }
        const struct app_error_event *ae = incident->app_error;
        for (size_t i = 0; i < ae->secondary_count; i++) {
            char code[9];
            app_error_format_code(ae->secondary[i].exception_code, code);
            fprintf(o->f, " then %s", ae->secondary[i].has_exception_code ? code : "?");
        }
    }
    /* "the 1000 came": a bare "1000 180 ms" reads as one number */
    if (incident->paired && incident->gap_ms >= 0)
        fprintf(o->f, "  the 1000 came %lld ms after the .NET event", (long long)incident->gap_ms);
    else if (incident->paired)
        fprintf(o->f, "  the 1000 came %lld ms before the .NET event",
                -(long long)incident->gap_ms);
    else if (incident->dotnet)
        fputs("  no Application Error 1000 found", o->f);
    else if (incident->app_error)
        fputs("  no .NET Runtime event found", o->f);
    print_iis_detail(o, incident);
    fputc('\n', o->f);
    print_wer(o, incident, 6);
}

static void print_stack(struct text_out *o, const struct incident *incident, size_t max_frames)
{
    if (incident->dotnet == NULL)
        return;
    size_t count;
    const struct dotnet_frame *frames = dotnet_crash_thread_frames(incident->dotnet->crash, &count);
    if (count == 0)
        return;
    size_t head, tail_start;
    report_stack_window(count, max_frames, &head, &tail_start);
    bool any_marked = false;
    for (size_t i = 0; i < count; i++)
        any_marked |= (i < head || i >= tail_start) && incident_frame_matched(incident, &frames[i]);
    /* the legend only when a '>' follows: a legend for nothing reads as a missing mark */
    fputs(any_marked ? "  Stack      (> marks the frames that identify the signature)\n"
                     : "  Stack\n",
          o->f);
    for (size_t i = 0; i < count; i++) {
        if (i == head && head < tail_start) {
            fprintf(o->f, "               ... %zu more frame%s ...\n", tail_start - head,
                    tail_start - head == 1 ? "" : "s");
            i = tail_start;
        }
        bool marked = incident_frame_matched(incident, &frames[i]);
        fputs(marked ? "             > " : "               ", o->f);
        if (marked)
            style(o, "\x1b[1m");
        put_safe(o, frames[i].method);
        if (marked)
            style(o, "\x1b[0m");
        fputc('\n', o->f);
    }
    /* Say so when frames are missing, or a reader takes the last frame shown for the thread's
     * entry point. */
    const struct dotnet_crash *crash = incident->dotnet->crash;
    if (crash->capped)
        fputs("             (the .NET text is longer than crashsig keeps: the middle of the "
              "stack is left out)\n",
              o->f);
    else if (crash->truncated)
        fputs("             (the runtime cut the .NET text near 32 KB: the bottom of the stack "
              "is lost)\n",
              o->f);
}

/* The exception and runtime from one incident's .NET event, where the process died from
 * another's 1000 (the latest of the finding that has each: a lost 1000 must not hide where
 * the others died). */
static void print_exception(struct text_out *o, const struct incident *incident,
                            const struct incident *with_fault)
{
    if (incident->dotnet) {
        const struct dotnet_crash *crash = incident->dotnet->crash;
        const struct dotnet_exception *root = dotnet_crash_innermost(crash);
        fputs("  Exception  ", o->f);
        if (root) {
            put_safe(o, root->type);
            if (root->message) {
                fputs(": ", o->f);
                put_safe(o, root->message);
            }
        } else if (crash->native_exception) {
            fputs("native: ", o->f);
            put_safe(o, crash->native_exception);
        } else {
            fputs(report_crash_kind_label(crash->kind), o->f);
            if (crash->failfast_message) {
                fputs(": ", o->f);
                put_safe(o, crash->failfast_message);
            }
        }
        fputc('\n', o->f);
        if (crash->runtime) {
            fputs("  Runtime    ", o->f);
            put_safe(o, crash->runtime);
            fputc('\n', o->f);
        }
    }
    if (with_fault) {
        const struct app_error *fault = &with_fault->app_error->fault;
        const char *module = fault->module_name ? fault->module_name : "(unknown module)";
        fputs("  Died in    ", o->f);
        if (fault->has_exception_code && fault->exception_code == CLR_EXCEPTION_CODE) {
            /* every managed exception leaves through RaiseException: KERNELBASE is the
             * messenger, not the culprit */
            fputs("managed exception (e0434352) raised through ", o->f);
            put_safe(o, module);
        } else {
            put_safe(o, module);
            if (fault->has_exception_code) {
                char code[9];
                app_error_format_code(fault->exception_code, code);
                fprintf(o->f, ", exception code 0x%s", code);
            }
        }
        if (fault->faulting_offset) {
            fputs(" at offset 0x", o->f);
            put_safe(o, fault->faulting_offset);
        }
        fputc('\n', o->f);
    }
}

/* "  User code  Contoso.Orders.StockLevel.EnsureValid(), called from async lambda in
 * Contoso.Orders.InventorySync.RunAll" and its source file and line when the stack has them:
 * the developer's code in words, not the compiler's names. */
static void print_user_code(struct text_out *o, const struct finding *f,
                            const struct incident *latest)
{
    if (f->user_frame_readable == NULL)
        return;
    fputs("  User code  ", o->f);
    put_safe(o, f->user_frame_readable);
    const struct dotnet_frame *user = incident_user_frame(latest);
    if (f->fix_frame && f->user_frame && strcmp(f->fix_frame->method, f->user_frame) != 0) {
        char *readable = frame_name_readable(f->fix_frame->method);
        fputs("\n             called from ", o->f);
        put_safe(o, readable ? readable : f->fix_frame->method);
        free(readable);
    }
    fputc('\n', o->f);
    char *file;
    unsigned long line;
    if (user && frame_source_location(user, &file, &line)) {
        fputs("  Source     ", o->f);
        put_safe(o, file);
        fprintf(o->f, ", line %lu\n", line);
        free(file);
    }
}

#define VERSIONS_LISTED 4

/* "  App        3.9.0.0  C:\Program Files\Contoso\Contoso.exe (seen in 3.8.1.0 and 3.9.0.0)":
 * the latest 1000's version and path, and every version the finding's 1000s name, oldest
 * incident first, when there is more than one. */
static void print_app_identity(struct text_out *o, const struct run_result *result,
                               const struct finding *f, const struct incident *with_fault)
{
    if (with_fault == NULL)
        return;
    const struct app_error *fault = &with_fault->app_error->fault;
    if (fault->app_version == NULL && fault->app_path == NULL)
        return;
    fputs("  App        ", o->f);
    put_safe(o, fault->app_version ? fault->app_version : "(no version)");
    if (fault->app_path) {
        fputs("  ", o->f);
        put_safe(o, fault->app_path);
    }
    const char *versions[VERSIONS_LISTED];
    size_t count = 0, more = 0;
    for (size_t i = 0; i < f->count; i++) {
        const struct incident *incident = &result->incidents.items[f->incidents[i]];
        const char *v = incident->app_error ? incident->app_error->fault.app_version : NULL;
        bool seen = v == NULL;
        for (size_t k = 0; k < count && !seen; k++)
            seen = strcmp(versions[k], v) == 0;
        if (!seen && count < VERSIONS_LISTED)
            versions[count++] = v;
        else if (!seen)
            more++;
    }
    if (count > 1) {
        fputs(" (seen in ", o->f);
        for (size_t k = 0; k < count; k++) {
            if (k)
                fputs(k + 1 == count && more == 0 ? " and " : ", ", o->f);
            put_safe(o, versions[k]);
        }
        if (more)
            fprintf(o->f, " and %zu more", more);
        fputc(')', o->f);
    }
    fputc('\n', o->f);
}

/* "CRITICAL", coloured, padded to 8 columns. */
static void put_severity(struct text_out *o, enum severity severity)
{
    style(o, severity_color(severity));
    char upper[16];
    snprintf(upper, sizeof(upper), "%s", severity_name(severity));
    for (char *c = upper; *c; c++)
        *c = (char)(*c - ('a' <= *c && *c <= 'z' ? 32 : 0));
    fprintf(o->f, "%-8s", upper);
    style(o, "\x1b[0m");
}

/* "CRITICAL async-void-threadpool  w3wp.exe  3 incidents  [1cee82d527c9c574]", no newline */
static void print_finding_header(struct text_out *o, const struct finding *f)
{
    put_severity(o, f->severity);
    style(o, "\x1b[1m");
    fprintf(o->f, " %s", f->signature->id);
    style(o, "\x1b[0m");
    fputs("  ", o->f);
    put_safe(o, f->application);
    fprintf(o->f, "  %zu incident%s  [%s]", f->count, f->count == 1 ? "" : "s", f->fingerprint);
}

/* "  Pools      OrdersPool, ReportsPool (sites 2, 3)": which IIS pools and sites it hit. */
static void print_pools(struct text_out *o, const struct finding *f)
{
    if (f->app_pool_count == 0 && f->site_id_count == 0)
        return;
    fputs("  Pools      ", o->f);
    size_t pools = f->app_pool_count < COMPUTERS_LISTED ? f->app_pool_count : COMPUTERS_LISTED;
    for (size_t i = 0; i < pools; i++) {
        if (i)
            fputs(", ", o->f);
        put_safe(o, f->app_pools[i]);
    }
    if (pools < f->app_pool_count)
        fprintf(o->f, " and %zu more", f->app_pool_count - pools);
    if (f->app_pool_count == 0)
        fputs("(not named: scan the System log too)", o->f);
    for (size_t i = 0; i < f->site_id_count && i < COMPUTERS_LISTED; i++)
        fprintf(o->f, "%s%u",
                i                       ? ", "
                : f->site_id_count == 1 ? " (site "
                                        : " (sites ",
                f->site_ids[i]);
    fputs(f->site_id_count ? ")\n" : "\n", o->f);
}

/* explain: print the signature's explanation and fix (only for its first finding). */
static void print_finding(struct text_out *o, const struct run_result *result,
                          const struct finding *f, size_t max_frames, bool explain)
{
    const struct signature *sig = f->signature;
    print_finding_header(o, f);
    fprintf(o->f, "\n  %s\n", sig->title);

    const struct incident *latest = &result->incidents.items[f->incidents[f->count - 1]];
    const struct incident *with_fault = NULL;
    for (size_t i = f->count; i-- > 0 && with_fault == NULL;) {
        const struct incident *incident = &result->incidents.items[f->incidents[i]];
        with_fault = incident->app_error ? incident : NULL;
    }
    print_exception(o, latest, with_fault);
    print_user_code(o, f, latest);
    print_app_identity(o, result, f, with_fault);
    for (size_t i = f->count; i-- > 0;) {
        const struct incident *incident = &result->incidents.items[f->incidents[i]];
        if (incident->app_error && incident->app_error->wer) {
            print_wer(o, incident, 2);
            break;
        }
    }
    fputs("  Computers  ", o->f);
    size_t computers = f->computer_count < COMPUTERS_LISTED ? f->computer_count : COMPUTERS_LISTED;
    for (size_t i = 0; i < computers; i++) {
        if (i)
            fputs(", ", o->f);
        put_safe(o, f->computers[i]);
    }
    if (computers < f->computer_count)
        fprintf(o->f, " and %zu more (all in --format json)", f->computer_count - computers);
    fputc('\n', o->f);
    print_pools(o, f);
    fputs("  Incidents\n", o->f);
    size_t shown = f->count < INCIDENTS_LISTED ? f->count : INCIDENTS_LISTED;
    for (size_t i = f->count - shown; i < f->count; i++)
        print_incident_line(o, &result->incidents.items[f->incidents[i]]);
    if (shown < f->count) {
        char first[CS_LOCAL_TIME_SIZE];
        format_time_ms(o, f->first, first);
        fprintf(o->f, "    ... and %zu earlier, the first at %s\n", f->count - shown, first);
    }
    print_stack(o, latest, max_frames);
    if (explain) {
        fputs("  Why        ", o->f);
        put_wrapped(o, sig->explanation, 13);
        if (f->fix_in) {
            fputs("  Fix in ", o->f);
            put_safe(o, f->fix_in);
            fputs(":\n             ", o->f);
        } else {
            fputs("  Fix        ", o->f);
        }
        put_wrapped(o, sig->fix, 13);
    } else {
        fprintf(o->f, "  Why, Fix   as for %s above", sig->id);
        if (f->fix_in) {
            fputs("; fix in ", o->f);
            put_safe(o, f->fix_in);
        }
        fputc('\n', o->f);
    }
    fputc('\n', o->f);
}

/* Unreadable inputs always; damage warnings unless they are summarized after the report.
 * Returns the number of lines written. */
static size_t print_inputs(struct text_out *o, const struct run_result *result, bool warnings)
{
    size_t lines = 0;
    for (size_t i = 0; i < result->input_count; i++) {
        const struct input_report *in = &result->inputs[i];
        if (in->status == INPUT_ERROR) {
            fputs("error: ", o->f);
            put_safe(o, in->path);
            fputs(": ", o->f);
            put_safe(o, in->error);
            fputc('\n', o->f);
            lines++;
        }
        for (size_t k = 0; warnings && k < in->warning_count; k++) {
            fputs("warning: ", o->f);
            put_safe(o, in->path);
            fputs(": ", o->f);
            put_safe(o, in->warnings[k]);
            fputc('\n', o->f);
            lines++;
        }
    }
    return lines;
}

/* The kinds of damage warning a summary counts logs by (reader.c words them). */
enum warning_kind {
    WARNING_DIRTY,
    WARNING_HEADER,
    WARNING_CHUNKS,
    WARNING_RECORDS,
    WARNING_OTHER,
    WARNING_KINDS
};

static enum warning_kind warning_kind_of(const char *warning)
{
    if (strstr(warning, "marked dirty"))
        return WARNING_DIRTY;
    if (strncmp(warning, "chunk ", 6) == 0 || strstr(warning, "damaged chunks") ||
        strstr(warning, "chunks early"))
        return WARNING_CHUNKS;
    if (strstr(warning, "could not be parsed"))
        return WARNING_RECORDS;
    if (strncmp(warning, "file header:", 12) == 0)
        return WARNING_HEADER;
    return WARNING_OTHER;
}

/* "14 of 38 logs were copied while Windows had them open (dirty); 3 had damaged chunks:
 * crashsig -v lists them" - on a terminal, after the answer, instead of a screen of warnings. */
static void print_warning_summary(struct text_out *o, const struct run_result *result)
{
    size_t logs[WARNING_KINDS] = {0}, any = 0;
    for (size_t i = 0; i < result->input_count; i++) {
        bool has[WARNING_KINDS] = {false};
        for (size_t k = 0; k < result->inputs[i].warning_count; k++)
            has[warning_kind_of(result->inputs[i].warnings[k])] = true;
        for (int kind = 0; kind < WARNING_KINDS; kind++)
            logs[kind] += has[kind];
        any += result->inputs[i].warning_count > 0;
    }
    if (any == 0)
        return;
    /* what the logs of each kind had; the dirty ones were copied, see below */
    static const char *const had[WARNING_KINDS] = {NULL, "a damaged file header", "damaged chunks",
                                                   "unreadable records", "other warnings"};
    const char *sep = "";
    for (int kind = 0; kind < WARNING_KINDS; kind++) {
        size_t n = logs[kind];
        if (n == 0)
            continue;
        if (sep[0] == '\0')
            fprintf(o->f, "%zu of %zu log%s ", n, result->input_count,
                    result->input_count == 1 ? "" : "s");
        else
            fprintf(o->f, "%s%zu ", sep, n);
        if (kind == WARNING_DIRTY)
            fprintf(o->f, "%s copied while Windows had %s open (dirty)", n == 1 ? "was" : "were",
                    n == 1 ? "it" : "them");
        else
            fprintf(o->f, "had %s", had[kind]);
        sep = "; ";
    }
    fputs(": crashsig -v lists them.\n", o->f);
}

/* What the baseline, --state and the filters did, one line each, only when they did it. */
static void print_context(struct text_out *o, const struct run_result *result)
{
    size_t known = 0;
    for (size_t i = 0; i < result->findings.count; i++)
        known += result->findings.items[i].known;
    if (result->has_baseline)
        fprintf(
            o->f, "Baseline: %zu new finding%s, %zu known (known findings do not fail the run).\n",
            result->findings.count - known, result->findings.count - known == 1 ? "" : "s", known);
    const struct run_omitted *inc = &result->omitted;
    if (result->has_state && (inc->already_seen || inc->held_back || inc->outages_already_seen)) {
        fprintf(o->f, "State: %zu incident%s seen by an earlier run, not shown again",
                inc->already_seen, inc->already_seen == 1 ? "" : "s");
        if (inc->outages_already_seen)
            fprintf(o->f, "; %zu Rapid-Fail Protection outage%s too", inc->outages_already_seen,
                    inc->outages_already_seen == 1 ? "" : "s");
        if (inc->held_back)
            fprintf(o->f,
                    "; %zu .NET event%s held back until %s Application Error 1000 is in the "
                    "log (the next run reports %s)",
                    inc->held_back, inc->held_back == 1 ? "" : "s",
                    inc->held_back == 1 ? "its" : "their", inc->held_back == 1 ? "it" : "them");
        fputs(".\n", o->f);
    }
    if (result->omitted.hidden_by_filters)
        fprintf(o->f, "Filters: %zu incident%s not shown.\n", result->omitted.hidden_by_filters,
                result->omitted.hidden_by_filters == 1 ? "" : "s");
}

static void print_summary(struct text_out *o, const struct run_result *result)
{
    size_t by[SEVERITY_CRITICAL + 1] = {0}, damaged = 0, failed = 0, paired = 0;
    for (size_t i = 0; i < result->incidents.count; i++) {
        by[result->incidents.items[i].severity]++;
        paired += result->incidents.items[i].paired;
    }
    for (size_t i = 0; i < result->input_count; i++) {
        damaged += result->inputs[i].status == INPUT_DAMAGED;
        failed += result->inputs[i].status == INPUT_ERROR;
    }
    fprintf(o->f, "%zu incident%s (%zu paired) in %zu finding%s", result->incidents.count,
            result->incidents.count == 1 ? "" : "s", paired, result->findings.count,
            result->findings.count == 1 ? "" : "s");
    const char *sep = ": ";
    for (int s = SEVERITY_CRITICAL; s >= SEVERITY_LOW; s--) {
        if (by[s]) {
            fprintf(o->f, "%s%zu %s", sep, by[s], severity_name((enum severity)s));
            sep = ", ";
        }
    }
    fprintf(o->f, "; %zu log%s scanned", result->input_count, result->input_count == 1 ? "" : "s");
    if (damaged)
        fprintf(o->f, ", %zu damaged", damaged);
    if (failed)
        fprintf(o->f, ", %zu unreadable", failed);
    fprintf(o->f, ".\n");
    print_context(o, result);
}

/* Known findings, one line each: they are in the baseline, so the details are not news. */
static void print_known(struct text_out *o, const struct run_result *result)
{
    bool header = false;
    for (size_t i = 0; i < result->findings.count; i++) {
        if (!result->findings.items[i].known)
            continue;
        if (!header)
            fputs("Known findings (in the baseline):\n", o->f);
        header = true;
        const struct finding *f = &result->findings.items[i];
        char last[CS_LOCAL_TIME_SIZE];
        format_time_ms(o, f->last, last);
        fputs("  ", o->f);
        print_finding_header(o, f);
        fprintf(o->f, "  last %s\n", last);
    }
    if (header)
        fputc('\n', o->f);
}

/* Whether an earlier finding printed in full already explained this signature. */
/* Terminal columns of UTF-8 text, for padding: one per character (wide CJK characters take
 * two on most terminals; that small misalignment is accepted). */
static size_t text_columns(const char *text)
{
    size_t columns = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        columns += (*p & 0xc0) != 0x80;
    return columns;
}

/* A time to the second: the overview has no room for 100 ns. */
static void put_time_to_seconds(struct text_out *o, cs_filetime t)
{
    char text[CS_LOCAL_TIME_SIZE];
    report_format_time(t, o->local, text);
    char *dot = strchr(text, '.');
    if (dot) {
        const char *rest = dot + 1 + strspn(dot + 1, "0123456789");
        memmove(dot, rest, strlen(rest) + 1);
    }
    fputs(text, o->f);
}

/* Two overview lines would read the same: signature, application and exception. */
static bool look_alike(const struct finding *a, const struct finding *b)
{
    return a->signature == b->signature && cs_strcasecmp(a->application, b->application) == 0 &&
           cs_same_text(a->exception, b->exception);
}

/* The faulting module of the finding's latest 1000, or NULL. */
static const char *finding_module(const struct run_result *result, const struct finding *f)
{
    for (size_t i = f->count; i-- > 0;) {
        const struct incident *incident = &result->incidents.items[f->incidents[i]];
        if (incident->app_error && incident->app_error->fault.module_name)
            return incident->app_error->fault.module_name;
    }
    return NULL;
}

/* What tells an overview line from a look-alike one, in this order: the user frame, the
 * faulting module, the number of computers, the last time. */
enum overview_detail {
    DETAIL_NONE,
    DETAIL_USER_FRAME,
    DETAIL_MODULE,
    DETAIL_COMPUTERS,
    DETAIL_LAST
};

static enum overview_detail overview_detail(const struct run_result *result,
                                            const struct finding *f)
{
    enum overview_detail detail = DETAIL_NONE;
    for (size_t i = 0; i < result->findings.count; i++) {
        const struct finding *g = &result->findings.items[i];
        if (g == f || g->known || !look_alike(f, g))
            continue;
        enum overview_detail here =
            !cs_same_text(f->user_frame_readable, g->user_frame_readable) ? DETAIL_USER_FRAME
            : !cs_same_text(finding_module(result, f), finding_module(result, g)) ? DETAIL_MODULE
            : f->computer_count != g->computer_count                              ? DETAIL_COMPUTERS
                                                                                  : DETAIL_LAST;
        detail = detail == DETAIL_NONE || here < detail ? here : detail;
    }
    return detail;
}

static void print_overview_detail(struct text_out *o, const struct run_result *result,
                                  const struct finding *f)
{
    switch (overview_detail(result, f)) {
    case DETAIL_USER_FRAME:
        /* "at": the readable name may begin "async lambda in ..." */
        fputs("  at ", o->f);
        put_safe(o, f->user_frame_readable ? f->user_frame_readable : "(no user code)");
        break;
    case DETAIL_MODULE: {
        const char *module = finding_module(result, f);
        fputs("  died in ", o->f);
        put_safe(o, module ? module : "(unknown module)");
        break;
    }
    case DETAIL_COMPUTERS:
        fprintf(o->f, "  on %zu computer%s", f->computer_count, f->computer_count == 1 ? "" : "s");
        break;
    case DETAIL_LAST:
        fputs("  last ", o->f);
        put_time_to_seconds(o, f->last);
        break;
    default:
        break;
    }
}

/* With several findings, one line for each before the details, so that what died, how often
 * and of what fits on one screen. */
static void print_overview(struct text_out *o, const struct run_result *result)
{
    size_t shown = 0, id_width = 0, app_width = 0;
    cs_filetime first = 0, last = 0;
    for (size_t i = 0; i < result->findings.count; i++) {
        const struct finding *f = &result->findings.items[i];
        if (result->findings.items[i].known)
            continue;
        size_t id = strlen(f->signature->id), app = text_columns(f->application);
        id_width = id > id_width ? id : id_width;
        app_width = app > app_width ? app : app_width;
        first = shown == 0 || f->first < first ? f->first : first;
        last = f->last > last ? f->last : last;
        shown++;
    }
    if (shown < 2)
        return;
    app_width = app_width > OVERVIEW_APP_WIDTH ? OVERVIEW_APP_WIDTH : app_width;
    fprintf(o->f, "%zu findings, ", shown);
    put_time_to_seconds(o, first);
    fputs(" to ", o->f);
    put_time_to_seconds(o, last);
    fputs(":\n", o->f);
    size_t listed = 0;
    for (size_t i = 0; i < result->findings.count; i++) {
        const struct finding *f = &result->findings.items[i];
        if (result->findings.items[i].known)
            continue;
        fputs("  ", o->f);
        put_severity(o, f->severity);
        fprintf(o->f, "  %-*s  ", (int)id_width, f->signature->id);
        put_safe(o, f->application);
        size_t app = text_columns(f->application);
        fprintf(o->f, "%*s  %4zu incident%s", (int)(app < app_width ? app_width - app : 0), "",
                f->count, f->count == 1 ? "" : "s");
        if (f->exception) {
            fputs(f->count == 1 ? "   " : "  ", o->f);
            put_safe(o, f->exception);
        }
        print_overview_detail(o, result, f);
        fputc('\n', o->f);
        if (++listed == OVERVIEW_LISTED && shown > listed) {
            fprintf(o->f, "  ... and %zu more finding%s, below\n", shown - listed,
                    shown - listed == 1 ? "" : "s");
            break;
        }
    }
    fputc('\n', o->f);
}

/* "3 min 50 s", "31 min", "2 h 5 min", "12 s". */
static void put_duration(FILE *f, int64_t ms)
{
    int64_t s = ms / 1000, h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
    if (h)
        fprintf(f, "%lld h %lld min", (long long)h, (long long)m);
    else if (m && sec)
        fprintf(f, "%lld min %lld s", (long long)m, (long long)sec);
    else if (m)
        fprintf(f, "%lld min", (long long)m);
    else
        fprintf(f, "%lld s", (long long)sec);
}

/* "(async-void-threadpool x5, iis-worker-died x1)": the signatures of the failures, in the
 * order they first appear. */
static void put_failure_signatures(struct text_out *o, const struct outage *out)
{
    fputs(" (", o->f);
    for (size_t i = 0; i < out->failure_count; i++) {
        const struct signature *sig = out->failures[i].signature;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = out->failures[k].signature == sig;
        if (seen)
            continue;
        size_t n = 0;
        for (size_t k = i; k < out->failure_count; k++)
            n += out->failures[k].signature == sig;
        fprintf(o->f, "%s%s \xc3\x97%zu", i ? ", " : "", sig ? sig->id : "?", n);
    }
    fputc(')', o->f);
}

/* One outage as a sentence: "Pool OrdersPool on WEB-PROD-03 was disabled by Rapid-Fail
 * Protection at 09:16:02 after 5 crashes in 3 min 50 s (async-void-threadpool x5); still
 * disabled when the log ends, 31 min later." */
static void put_outage_sentence(struct text_out *o, const struct outage *out)
{
    fputs("Pool ", o->f);
    style(o, "\x1b[1m");
    put_safe(o, out->app_pool);
    style(o, "\x1b[0m");
    fputs(" on ", o->f);
    put_safe(o, out->computer);
    fputs(" was disabled by Rapid-Fail Protection at ", o->f);
    put_time_to_seconds(o, out->disabled_at);
    bool hang = false;
    for (size_t k = 0; k < out->failure_count; k++)
        hang = hang || (out->failures[k].signature &&
                        strcmp(out->failures[k].signature->id, "iis-worker-hang") == 0);
    if (out->failure_count) {
        fprintf(o->f, " after %zu %s%s", out->failure_count, hang ? "failure" : "crash",
                out->failure_count == 1 ? ""
                : hang                  ? "s"
                                        : "es");
        if (out->failure_count > 1) {
            fputs(" in ", o->f);
            put_duration(o->f, (int64_t)((out->failures[out->failure_count - 1].time -
                                          out->failures[0].time) /
                                         CS_TICKS_PER_MS));
        }
        put_failure_signatures(o, out);
    } else {
        fputs(" (the failures that tripped it are not in the logs read)", o->f);
    }
    if (out->ended) {
        fputs("; back at ", o->f);
        put_time_to_seconds(o, out->ended_at);
        fputs(" (", o->f);
        put_duration(o->f, out->duration_ms);
        fputs(" down)", o->f);
        if (out->reported_before) /* --state: the alert for it went out in an earlier run */
            fputs("; an earlier run reported it still disabled", o->f);
    } else {
        fputs("; still disabled when the log ends, ", o->f);
        put_duration(o->f, out->duration_ms);
        fputs(" later", o->f);
    }
    fputc('.', o->f);
}

/* The outages lead the report: a site that serves 503s is the first thing to know. */
static void print_outages(struct text_out *o, const struct run_result *result)
{
    for (size_t i = 0; i < result->outages.count; i++) {
        put_severity(o, SEVERITY_CRITICAL);
        fputc(' ', o->f);
        put_outage_sentence(o, &result->outages.items[i]);
        fputc('\n', o->f);
    }
}

int report_text_outage(FILE *out, const struct outage *outage, const struct report_options *options)
{
    struct text_out o = {out, false, options->local_time};
    put_outage_sentence(&o, outage);
    return ferror(out) ? -1 : 0;
}

static bool explained_before(const struct run_result *result, size_t index)
{
    const struct finding *f = &result->findings.items[index];
    for (size_t k = 0; k < index; k++)
        if (!result->findings.items[k].known && result->findings.items[k].signature == f->signature)
            return true;
    return false;
}

int report_text_finding(FILE *out, const struct run_result *result, size_t finding,
                        const struct report_options *options)
{
    struct text_out o = {out, false, options->local_time};
    size_t max_frames = options->max_frames ? options->max_frames : DEFAULT_MAX_FRAMES;
    print_finding(&o, result, &result->findings.items[finding], max_frames, true);
    return ferror(out) ? -1 : 0;
}

int report_write_text(FILE *out, const struct run_result *result,
                      const struct report_options *options)
{
    struct text_out o = {out, options->color, options->local_time};
    size_t max_frames = options->max_frames ? options->max_frames : DEFAULT_MAX_FRAMES;
    print_outages(&o, result);
    /* a blank line between the outage and input lines and the report, and none above a
     * report alone */
    if (print_inputs(&o, result, !options->summarize_warnings) > 0 || result->outages.count)
        fputc('\n', out);
    print_overview(&o, result);
    for (size_t i = 0; i < result->findings.count; i++) {
        if (result->findings.items[i].known)
            continue;
        print_finding(&o, result, &result->findings.items[i], max_frames,
                      !explained_before(result, i));
    }
    print_known(&o, result);
    print_summary(&o, result);
    if (options->summarize_warnings)
        print_warning_summary(&o, result);
    return ferror(out) ? -1 : 0;
}

int report_text_signature(FILE *out, const struct signature *sig)
{
    struct text_out o = {.f = out};
    fprintf(out, "%s\n  %s\n  Severity   %s", sig->id, sig->title, severity_name(sig->severity));
    for (size_t i = 0; i < signature_override_count(sig); i++) {
        enum severity severity;
        const char *application = signature_override_at(sig, i, &severity);
        fprintf(out, "%s%s in %s", i ? ", " : "; ", severity_name(severity), application);
    }
    fputs("\n  Why        ", out);
    put_wrapped(&o, sig->explanation, 13);
    fputs("  Fix        ", out);
    put_wrapped(&o, sig->fix, 13);
    return ferror(out) ? -1 : 0;
}
