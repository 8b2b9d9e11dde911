/*
 * cli.c - the crashsig command line: parse options, call the library, print, choose the exit
 * status.  Everything else lives in the library (scan.h, report.h, signatures.h, state.h,
 * baseline.h, incident_filter.h); this file only wires them together in this order:
 *
 *     options -> lock and read --state -> scan (carrying the state's pending events)
 *             -> drop what the state says was reported -> filters -> baseline
 *             -> write every report (all or none) -> save the state -> exit status
 *
 * The state is saved only after every report was written, so a crash is never marked as
 * reported when its report did not get out (a failure means it is reported again next time).
 *
 * Exit status: 0 nothing at or above --fail-on (known findings do not count), 1 incidents at
 * or above --fail-on, 2 usage error, an input that could not be read (the report is still
 * written for the rest), or a state, baseline or output file that could not be used.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/atomic_file.h"
#include "crashsig/baseline.h"
#include "crashsig/incident_filter.h"
#include "crashsig/live_export.h"
#include "crashsig/platform.h"
#include "crashsig/report.h"
#include "crashsig/scan.h"
#include "crashsig/signatures.h"
#include "crashsig/state.h"
#include "crashsig/timeutil.h"
#include "progress.h"
#include "scan_worker.h"

enum { EXIT_CLEAN = 0, EXIT_INCIDENTS = 1, EXIT_TROUBLE = 2 };

enum output_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_JSONL, FORMAT_JUNIT, FORMAT_SARIF };

static const char *const FORMAT_NAMES[] = {"text", "json", "jsonl", "junit", "sarif"};
#define FORMAT_COUNT 5

/* One report to write: to stdout when path is NULL. */
struct output {
    enum output_format format;
    const char *path;
};

#define MAX_OUTPUTS 8
#define MAX_GLOBS   64
/* --live takes each of its channels once */
#define MAX_LIVE_CHANNELS 3

struct glob_list {
    size_t count;
    const char *items[MAX_GLOBS];
};

struct cli_options {
    enum output_format format; /* for stdout or --output */
    const char *output;
    size_t extra_count; /* --output-FORMAT FILE */
    struct output extra[MAX_OUTPUTS];
    uint64_t window_ms;
    enum severity fail_on; /* SEVERITY_NONE: never fail on incidents */
    int color;             /* -1 auto, 0 never, 1 always */
    enum progress_mode progress;
    bool local_time;
    unsigned jobs; /* 0: one per core */
    bool no_prefilter;
    const char *baseline;
    const char *write_baseline;
    const char *state;
    bool reset_state;
    const char *since, *until; /* parsed after all options: --local-time may come later */
    struct glob_list apps, computers, signatures;
    enum severity min_severity;
    const char *live[MAX_LIVE_CHANNELS]; /* --live: canonical channel names */
    size_t live_count;
};

static const char USAGE[] =
    "Usage: crashsig scan [OPTIONS] PATH...\n"
    "       crashsig scan [OPTIONS] --live CHANNEL [PATH...]\n"
    "       crashsig signatures\n"
    "       crashsig explain SIGNATURE-ID\n"
    "       crashsig --help | --version\n"
    "\n"
    "Scan exported Windows event logs (.evtx) for .NET crashes: pair each .NET Runtime\n"
    "fatal event (1026 and friends) with its Application Error 1000, name the crash\n"
    "signature, and say what to fix.  PATH is an .evtx file or a directory searched\n"
    "recursively for *.evtx.  Input files are only ever read.\n"
    "\n"
    "Reports:\n"
    "  -f, --format FORMAT    text (default), json, jsonl (one incident per line),\n"
    "                         junit (JUnit XML) or sarif (SARIF 2.1.0)\n"
    "  -o, --output FILE      write that report to FILE (atomically) instead of stdout\n"
    "      --output-text FILE, --output-json FILE, --output-jsonl FILE,\n"
    "      --output-junit FILE, --output-sarif FILE\n"
    "                         also write a report in that format to FILE; one scan feeds\n"
    "                         them all, and no file is replaced unless all were written\n"
    "      --fail-on LEVEL    exit 1 when an incident is at least LEVEL: low (default),\n"
    "                         medium, high, critical, or none to never fail on incidents\n"
    "      --baseline FILE    findings whose fingerprint is in FILE are reported as known\n"
    "                         and do not fail the run\n"
    "      --write-baseline FILE\n"
    "                         record the findings of this run in FILE\n"
    "\n"
    "Scheduled runs:\n"
    "      --state FILE       report only what no earlier run with this FILE reported,\n"
    "                         per log (computer and channel); FILE is locked while in use\n"
    "      --reset-state      with --state: forget what FILE remembers and start over\n"
    "      --live CHANNEL     Windows only: scan the running event log's Application,\n"
    "                         System or ForwardedEvents channel (exported to a temporary\n"
    "                         file that is removed afterwards); may be repeated\n"
    "\n"
    "Filters (on incidents, after pairing):\n"
    "      --since TIME       at or after TIME: 24h, 7d (back from now) or ISO 8601\n"
    "                         (2026-03-01, 2026-03-01T10:00, ...Z or +02:00)\n"
    "      --until TIME       before TIME\n"
    "      --app GLOB         only this application, e.g. w3wp.exe or 'Contoso*'\n"
    "                         (repeatable; case-insensitive)\n"
    "      --computer GLOB    only this computer (repeatable)\n"
    "      --signature ID     only this signature (repeatable; globs allowed)\n"
    "      --min-severity LEVEL\n"
    "                         only incidents of at least LEVEL\n"
    "\n"
    "Scanning and display:\n"
    "  -w, --window DURATION  pair events at most this far apart: 500ms, 10s, 2m\n"
    "                         (a bare number is seconds; default 10s)\n"
    "  -j, --jobs N           scan with N parallel workers (default: one per core)\n"
    "      --no-prefilter     parse every record instead of only the chunks that can\n"
    "                         hold a crash event (slower; same results)\n"
    "      --color WHEN       auto (default: on a terminal, unless NO_COLOR is set),\n"
    "                         always or never\n"
    "      --progress WHEN    auto (default: on stderr when it is a terminal and the scan\n"
    "                         takes over a second), always or never\n"
    "      --local-time       text report and typed times in local time (default UTC;\n"
    "                         JSON, JSON Lines and SARIF are always UTC)\n"
    "\n"
    "Exit status:\n"
    "  0  no incident at or above --fail-on (known findings do not count)\n"
    "  1  incidents at or above --fail-on were found\n"
    "  2  usage error, an input could not be read (the rest is still reported), or the\n"
    "     state, baseline or an output file could not be used\n"
    "\n"
    "Messages go to stderr, the report to stdout or --output.\n"
    "See crashsig(1), docs/ci-and-scheduled-tasks.md and docs/report-format.md.\n";

static int usage_error(const char *fmt, ...) CS_PRINTF_FORMAT(1, 2);

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("crashsig: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'crashsig --help'.\n", stderr);
    return EXIT_TROUBLE;
}

static int trouble(const char *message)
{
    fprintf(stderr, "crashsig: %s\n", message);
    return EXIT_TROUBLE;
}

static int load_catalog(struct catalog **catalog)
{
    struct cs_error err = {""};
    if (catalog_load_builtin(catalog, &err) != 0) {
        fprintf(stderr, "crashsig: built-in signature catalog is invalid: %s\n", err.message);
        return -1;
    }
    return 0;
}

static int command_signatures(void)
{
    struct catalog *catalog;
    if (load_catalog(&catalog) != 0)
        return EXIT_TROUBLE;
    printf("%-24s %-9s %s\n", "ID", "SEVERITY", "TITLE");
    for (size_t i = 0; i < catalog_count(catalog); i++) {
        const struct signature *sig = catalog_at(catalog, i);
        printf("%-24s %-9s %s\n", sig->id, severity_name(sig->severity), sig->title);
        for (size_t k = 0; k < signature_override_count(sig); k++) {
            enum severity severity;
            const char *application = signature_override_at(sig, k, &severity);
            printf("%-24s %-9s in %s\n", "", severity_name(severity), application);
        }
    }
    printf("\nTried in this order; the first that matches names the crash. "
           "'crashsig explain ID' tells more.\n");
    catalog_free(catalog);
    return EXIT_CLEAN;
}

static int command_explain(int argc, char **argv)
{
    if (argc != 2)
        return usage_error("%s", "explain takes one signature id (see 'crashsig signatures')");
    struct catalog *catalog;
    if (load_catalog(&catalog) != 0)
        return EXIT_TROUBLE;
    const struct signature *sig = catalog_find(catalog, argv[1]);
    if (sig == NULL) {
        catalog_free(catalog);
        return usage_error("unknown signature '%s' (see 'crashsig signatures')", argv[1]);
    }
    int rc = report_write_signature(stdout, sig);
    catalog_free(catalog);
    return rc == 0 ? EXIT_CLEAN : trouble("cannot write to standard output");
}

/* ---- options ----------------------------------------------------------------------------- */

enum long_only_option {
    OPT_FAIL_ON = 256,
    OPT_COLOR,
    OPT_NO_PREFILTER,
    OPT_OUTPUT_FORMAT, /* + format: --output-text ... --output-sarif */
    OPT_BASELINE = OPT_OUTPUT_FORMAT + FORMAT_COUNT,
    OPT_WRITE_BASELINE,
    OPT_STATE,
    OPT_RESET_STATE,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_APP,
    OPT_COMPUTER,
    OPT_SIGNATURE,
    OPT_MIN_SEVERITY,
    OPT_PROGRESS,
    OPT_LOCAL_TIME,
    OPT_LIVE,
};

static const struct option LONG_OPTIONS[] = {
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"window", required_argument, NULL, 'w'},
    {"jobs", required_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"no-prefilter", no_argument, NULL, OPT_NO_PREFILTER},
    {"output-text", required_argument, NULL, OPT_OUTPUT_FORMAT + FORMAT_TEXT},
    {"output-json", required_argument, NULL, OPT_OUTPUT_FORMAT + FORMAT_JSON},
    {"output-jsonl", required_argument, NULL, OPT_OUTPUT_FORMAT + FORMAT_JSONL},
    {"output-junit", required_argument, NULL, OPT_OUTPUT_FORMAT + FORMAT_JUNIT},
    {"output-sarif", required_argument, NULL, OPT_OUTPUT_FORMAT + FORMAT_SARIF},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"write-baseline", required_argument, NULL, OPT_WRITE_BASELINE},
    {"state", required_argument, NULL, OPT_STATE},
    {"reset-state", no_argument, NULL, OPT_RESET_STATE},
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"app", required_argument, NULL, OPT_APP},
    {"computer", required_argument, NULL, OPT_COMPUTER},
    {"signature", required_argument, NULL, OPT_SIGNATURE},
    {"min-severity", required_argument, NULL, OPT_MIN_SEVERITY},
    {"progress", required_argument, NULL, OPT_PROGRESS},
    {"local-time", no_argument, NULL, OPT_LOCAL_TIME},
    {"live", required_argument, NULL, OPT_LIVE},
    {NULL, 0, NULL, 0},
};

static int parse_format(const char *text, enum output_format *out)
{
    for (int i = 0; i < FORMAT_COUNT; i++)
        if (strcmp(text, FORMAT_NAMES[i]) == 0) {
            *out = (enum output_format)i;
            return 0;
        }
    return usage_error("unknown format '%s' (text, json, jsonl, junit or sarif)", text);
}

/* auto / always / never: -1, 1, 0. */
static int parse_when(const char *option, const char *text, int *out)
{
    if (strcmp(text, "auto") == 0)
        *out = -1;
    else if (strcmp(text, "always") == 0)
        *out = 1;
    else if (strcmp(text, "never") == 0)
        *out = 0;
    else
        return usage_error("bad --%s '%s' (auto, always or never)", option, text);
    return 0;
}

static int add_glob(struct glob_list *list, const char *option, const char *glob)
{
    if (list->count == MAX_GLOBS)
        return usage_error("too many --%s options (at most %d)", option, MAX_GLOBS);
    list->items[list->count++] = glob;
    return 0;
}

static int parse_jobs(const char *text, unsigned *out)
{
    char *end;
    unsigned long jobs = strtoul(text, &end, 10);
    if (end == text || *end != '\0' || jobs < 1 || jobs > 256)
        return usage_error("bad --jobs '%s' (a number from 1 to 256)", text);
    *out = (unsigned)jobs;
    return 0;
}

static int parse_level(const char *option, const char *text, bool none_allowed, enum severity *out)
{
    if (none_allowed && strcmp(text, "none") == 0) {
        *out = SEVERITY_NONE;
        return 0;
    }
    if (severity_from_name(text, out) == 0)
        return 0;
    return usage_error("bad --%s '%s' (low, medium, high, critical%s)", option, text,
                       none_allowed ? " or none" : "");
}

static int add_extra_output(struct cli_options *opt, int format, const char *path)
{
    if (opt->extra_count == MAX_OUTPUTS)
        return usage_error("too many --output-FORMAT options (at most %d)", MAX_OUTPUTS);
    opt->extra[opt->extra_count++] = (struct output){(enum output_format)format, path};
    return 0;
}

static int add_live_channel(struct cli_options *opt, const char *name)
{
    const char *channel = live_export_channel_name(name);
    if (channel == NULL)
        return usage_error("bad --live '%s' (%s)", name, live_export_channel_list());
    for (size_t i = 0; i < opt->live_count; i++)
        if (opt->live[i] == channel)
            return 0;
    opt->live[opt->live_count++] = channel; /* at most one per known channel: it fits */
    return 0;
}

/* Options that take no parsing beyond storing them. */
static bool store_simple_option(int c, const char *arg, struct cli_options *opt)
{
    switch (c) {
    case 'o':
        opt->output = arg;
        return true;
    case OPT_NO_PREFILTER:
        opt->no_prefilter = true;
        return true;
    case OPT_BASELINE:
        opt->baseline = arg;
        return true;
    case OPT_WRITE_BASELINE:
        opt->write_baseline = arg;
        return true;
    case OPT_STATE:
        opt->state = arg;
        return true;
    case OPT_RESET_STATE:
        opt->reset_state = true;
        return true;
    case OPT_SINCE:
        opt->since = arg;
        return true;
    case OPT_UNTIL:
        opt->until = arg;
        return true;
    case OPT_LOCAL_TIME:
        opt->local_time = true;
        return true;
    default:
        return false;
    }
}

/* Returns 0, EXIT_TROUBLE after a usage error, or -1 after --help. */
static int handle_option(int c, const char *arg, char **argv, struct cli_options *opt)
{
    int when = -1; /* set by parse_when; initialised for compilers that cannot see it */
    if (store_simple_option(c, arg, opt))
        return 0;
    if (c >= OPT_OUTPUT_FORMAT && c < OPT_OUTPUT_FORMAT + FORMAT_COUNT)
        return add_extra_output(opt, c - OPT_OUTPUT_FORMAT, arg);
    switch (c) {
    case 'f':
        return parse_format(arg, &opt->format);
    case 'w':
        if (cs_duration_parse_ms(arg, true, &opt->window_ms) != 0 ||
            opt->window_ms > 86400000ULL * 365)
            return usage_error("bad --window '%s' (examples: 500ms, 10s, 2m)", arg);
        return 0;
    case 'j':
        return parse_jobs(arg, &opt->jobs);
    case OPT_FAIL_ON:
        return parse_level("fail-on", arg, true, &opt->fail_on);
    case OPT_MIN_SEVERITY:
        return parse_level("min-severity", arg, false, &opt->min_severity);
    case OPT_COLOR:
        return parse_when("color", arg, &opt->color);
    case OPT_PROGRESS:
        if (parse_when("progress", arg, &when) != 0)
            return EXIT_TROUBLE;
        opt->progress = when < 0 ? PROGRESS_AUTO : when ? PROGRESS_ALWAYS : PROGRESS_NEVER;
        return 0;
    case OPT_APP:
        return add_glob(&opt->apps, "app", arg);
    case OPT_COMPUTER:
        return add_glob(&opt->computers, "computer", arg);
    case OPT_SIGNATURE:
        return add_glob(&opt->signatures, "signature", arg);
    case OPT_LIVE:
        return add_live_channel(opt, arg);
    case 'h':
        fputs(USAGE, stdout);
        return -1;
    case ':':
        return usage_error("option '%s' needs a value", argv[optind - 1]);
    default:
        return usage_error("unknown option '%s'", argv[optind - 1]);
    }
}

static int parse_scan_options(int argc, char **argv, struct cli_options *opt)
{
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":f:o:w:j:h", LONG_OPTIONS, NULL)) != -1) {
        int rc = handle_option(c, optarg, argv, opt);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* --since / --until, once --local-time is known. */
static int build_filter(const struct cli_options *opt, const struct catalog *catalog,
                        struct incident_filter *filter)
{
    cs_filetime now = cs_time_now();
    memset(filter, 0, sizeof(*filter));
    if (opt->since && cs_time_parse_user(opt->since, now, opt->local_time, &filter->since) != 0)
        return usage_error("bad --since '%s' (examples: 24h, 7d, 2026-03-01T10:00Z)", opt->since);
    if (opt->until && cs_time_parse_user(opt->until, now, opt->local_time, &filter->until) != 0)
        return usage_error("bad --until '%s' (examples: 1h, 2026-03-02)", opt->until);
    /* a typo in a plain id would silently match nothing: only globs may match nothing */
    for (size_t i = 0; i < opt->signatures.count; i++) {
        const char *id = opt->signatures.items[i];
        if (strpbrk(id, "*?") == NULL && catalog_find(catalog, id) == NULL)
            return usage_error("unknown signature '%s' (see 'crashsig signatures')", id);
    }
    filter->app_count = opt->apps.count;
    filter->apps = opt->apps.items;
    filter->computer_count = opt->computers.count;
    filter->computers = opt->computers.items;
    filter->signature_count = opt->signatures.count;
    filter->signatures = opt->signatures.items;
    filter->min_severity = opt->min_severity;
    return 0;
}

/* ---- checks on the files named ----------------------------------------------------------- */

static bool same_path(const char *a, const char *b)
{
    return strcmp(a, b) == 0 || platform_same_file(a, b);
}

/* Every file crashsig writes, for the checks below. */
static size_t written_files(const struct cli_options *opt, const char **files)
{
    size_t n = 0;
    if (opt->output)
        files[n++] = opt->output;
    for (size_t i = 0; i < opt->extra_count; i++)
        files[n++] = opt->extra[i].path;
    if (opt->write_baseline)
        files[n++] = opt->write_baseline;
    if (opt->state)
        files[n++] = opt->state;
    return n;
}

/* Logs are never written to, and no two outputs may be the same file (the last rename would
 * silently win). */
static int check_files(const struct cli_options *opt, char **paths, int path_count)
{
    const char *files[MAX_OUTPUTS + 3];
    size_t n = written_files(opt, files);
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < path_count; k++)
            if (platform_same_file(files[i], paths[k]))
                return usage_error("'%s' is one of the inputs; logs are never overwritten",
                                   files[i]);
        for (size_t k = i + 1; k < n; k++)
            if (same_path(files[i], files[k]))
                return usage_error("'%s' is named for two outputs", files[i]);
    }
    if (opt->reset_state && opt->state == NULL)
        return usage_error("%s", "--reset-state needs --state FILE");
    return 0;
}

/* ---- the state --------------------------------------------------------------------------- */

struct state_session {
    struct state_lock *lock;
    struct state *state;
};

/* Locks and reads --state (or starts over with --reset-state); returns 0 or EXIT_TROUBLE. */
static int open_state(const struct cli_options *opt, struct state_session *session)
{
    memset(session, 0, sizeof(*session));
    if (opt->state == NULL)
        return 0;
    struct cs_error err = {""};
    if (state_lock_acquire(opt->state, &session->lock, &err) != 0)
        return trouble(err.message);
    /* under the lock no other run can be writing: temp files left now are from killed runs */
    atomic_file_remove_stale(opt->state);
    if (opt->reset_state) {
        session->state = state_new();
        return 0;
    }
    if (state_load(opt->state, &session->state, &err) != 0) {
        state_lock_release(session->lock);
        session->lock = NULL;
        return trouble(err.message);
    }
    return 0;
}

static void close_state(struct state_session *session)
{
    state_free(session->state);
    state_lock_release(session->lock);
    memset(session, 0, sizeof(*session));
}

/* ---- writing ----------------------------------------------------------------------------- */

static int write_format(FILE *f, enum output_format format, const struct scan_result *result,
                        const struct report_options *ropt)
{
    switch (format) {
    case FORMAT_JSON:
        return report_write_json(f, result, ropt);
    case FORMAT_JSONL:
        return report_write_jsonl(f, result, ropt);
    case FORMAT_JUNIT:
        return report_write_junit(f, result, ropt);
    case FORMAT_SARIF:
        return report_write_sarif(f, result, ropt);
    default:
        return report_write_text(f, result, ropt);
    }
}

static bool want_color(int setting)
{
    if (setting >= 0)
        return setting == 1;
    const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
    if (no_color && no_color[0])
        return false;
    if (term && strcmp(term, "dumb") == 0)
        return false;
    return platform_is_terminal(stdout);
}

struct pending_files {
    size_t count;
    struct atomic_file files[MAX_OUTPUTS + 3];
};

/* Writes one report file to its temporary name; it is published later with the others. */
static int stage_report(struct pending_files *pending, const struct output *out,
                        const struct scan_result *result, struct report_options ropt)
{
    struct cs_error err = {""};
    struct atomic_file *af = &pending->files[pending->count];
    if (atomic_file_begin(af, out->path, &err) != 0)
        return trouble(err.message);
    pending->count++;
    ropt.color = false; /* colour codes in a file help no one */
    if (write_format(af->f, out->format, result, &ropt) != 0 || atomic_file_close(af, &err) != 0) {
        fprintf(stderr, "crashsig: cannot write %s%s%s\n", out->path, err.message[0] ? ": " : "",
                err.message);
        return EXIT_TROUBLE;
    }
    return 0;
}

static int stage_baseline(struct pending_files *pending, const char *path,
                          const struct scan_result *result)
{
    struct cs_error err = {""};
    struct atomic_file *af = &pending->files[pending->count];
    if (atomic_file_begin(af, path, &err) != 0)
        return trouble(err.message);
    pending->count++;
    if (baseline_write(af->f, result) != 0 || atomic_file_close(af, &err) != 0) {
        fprintf(stderr, "crashsig: cannot write baseline %s\n", path);
        return EXIT_TROUBLE;
    }
    return 0;
}

static void discard_all(struct pending_files *pending)
{
    for (size_t i = 0; i < pending->count; i++)
        atomic_file_discard(&pending->files[i]);
    pending->count = 0;
}

static int publish_all(struct pending_files *pending)
{
    int rc = 0;
    for (size_t i = 0; i < pending->count; i++) {
        struct cs_error err = {""};
        if (atomic_file_publish(&pending->files[i], &err) != 0)
            rc = trouble(err.message);
    }
    discard_all(pending);
    return rc;
}

/* Every report of this run: stdout first, then the files, all staged before any is renamed.
 * Returns 0 or EXIT_TROUBLE. */
static int write_outputs(const struct cli_options *opt, const struct scan_result *result,
                         const struct report_options *ropt)
{
    struct pending_files pending = {0};
    int rc = 0;
    if (opt->output) {
        struct output main_out = {opt->format, opt->output};
        rc = stage_report(&pending, &main_out, result, *ropt);
    } else {
        struct report_options tty = *ropt;
        tty.color = want_color(opt->color);
        if (write_format(stdout, opt->format, result, &tty) != 0 || fflush(stdout) != 0)
            rc = trouble("cannot write the report to standard output");
    }
    for (size_t i = 0; i < opt->extra_count && rc == 0; i++)
        rc = stage_report(&pending, &opt->extra[i], result, *ropt);
    if (rc == 0 && opt->write_baseline)
        rc = stage_baseline(&pending, opt->write_baseline, result);
    if (rc != 0) {
        discard_all(&pending);
        return rc;
    }
    return publish_all(&pending);
}

static int save_state(const struct cli_options *opt, const struct state *state)
{
    struct atomic_file af;
    struct cs_error err = {""};
    if (state_save_begin(state, opt->state, &af, &err) != 0)
        return trouble(err.message);
    int rc = atomic_file_commit(&af, &err) == 0 ? 0 : trouble(err.message);
    return rc;
}

/* ---- the scan ---------------------------------------------------------------------------- */

static int run_scan(const struct cli_options *opt, const struct catalog *catalog,
                    struct state *state, char **paths, int path_count, struct scan_result *result)
{
    struct scan_options sopt = {.catalog = catalog,
                                .window_ms = opt->window_ms,
                                .jobs = opt->jobs,
                                .no_prefilter = opt->no_prefilter};
    if (state)
        sopt.carried_events = state_carried_events(state, &sopt.carried_event_count);
    struct progress_line progress;
    progress_init(&progress, stderr, opt->progress);
    sopt.progress = progress_update;
    sopt.progress_ctx = &progress;
    struct cs_error err = {""};
    int rc = scan_run(&sopt, (const char *const *)paths, (size_t)path_count, result, &err);
    progress_finish(&progress);
    if (rc != 0)
        return trouble(err.message);
    for (size_t i = 0; i < result->input_count; i++)
        if (result->inputs[i].status == INPUT_ERROR)
            fprintf(stderr, "crashsig: %s: %s\n", result->inputs[i].path, result->inputs[i].error);
    return 0;
}

/* Drops what an earlier run reported and holds back what waits for its 1000. */
static void apply_state(const struct cli_options *opt, struct state *state,
                        struct scan_result *result, struct report_increment *increment)
{
    bool *keep = cs_xcalloc(result->incidents.count, sizeof(bool));
    struct state_outcome outcome;
    state_record_run(state, result, opt->window_ms, keep, &outcome);
    scan_result_keep(result, keep);
    free(keep);
    increment->already_seen = outcome.already_seen;
    increment->held_back = outcome.held_back;
}

static int exit_status(const struct scan_result *result, const struct report_options *ropt)
{
    if (scan_result_has_errors(result))
        return EXIT_TROUBLE;
    for (size_t i = 0; i < result->findings.count; i++)
        if (report_finding_fails(result, i, ropt))
            return EXIT_INCIDENTS;
    return EXIT_CLEAN;
}

struct scan_context {
    struct catalog *catalog;
    struct baseline baseline;
    bool has_baseline;
    struct state_session session;
    struct scan_result result;
    bool has_result;
    bool *known;
};

static void free_context(struct scan_context *ctx)
{
    free(ctx->known);
    if (ctx->has_result)
        scan_result_free(&ctx->result);
    close_state(&ctx->session); /* after the result: its events borrow the state's file names */
    baseline_free(&ctx->baseline);
    catalog_free(ctx->catalog);
}

/* Everything after the options were checked; returns the exit status. */
static int scan_and_report(const struct cli_options *opt, char **paths, int path_count,
                           struct scan_context *ctx)
{
    struct incident_filter filter;
    struct cs_error err = {""};
    if (build_filter(opt, ctx->catalog, &filter) != 0)
        return EXIT_TROUBLE;
    if (opt->baseline) {
        if (baseline_load(opt->baseline, &ctx->baseline, &err) != 0)
            return trouble(err.message);
        ctx->has_baseline = true;
    }
    if (open_state(opt, &ctx->session) != 0)
        return EXIT_TROUBLE;
    int rc = run_scan(opt, ctx->catalog, ctx->session.state, paths, path_count, &ctx->result);
    ctx->has_result = true;
    if (rc != 0)
        return rc;
    struct report_increment increment = {0};
    if (ctx->session.state)
        apply_state(opt, ctx->session.state, &ctx->result, &increment);
    struct report_options ropt = {.fail_on = opt->fail_on,
                                  .local_time = opt->local_time,
                                  .has_baseline = ctx->has_baseline,
                                  .increment = ctx->session.state ? &increment : NULL,
                                  .catalog = ctx->catalog};
    ropt.hidden_by_filters = incident_filter_apply(&filter, &ctx->result);
    ctx->known = cs_xcalloc(ctx->result.findings.count, sizeof(bool));
    baseline_mark(ctx->has_baseline ? &ctx->baseline : NULL, &ctx->result, ctx->known);
    ropt.known = ctx->known;
    if (write_outputs(opt, &ctx->result, &ropt) != 0)
        return EXIT_TROUBLE; /* the state stays as it was: this run's crashes come again */
    if (ctx->session.state && save_state(opt, ctx->session.state) != 0)
        return EXIT_TROUBLE;
    return exit_status(&ctx->result, &ropt);
}

/* Exports each --live channel to a temporary .evtx.  A failed export is reported and undoes
 * the others: nothing is scanned, written or remembered then, so an --output report is never
 * replaced by an empty one and the state does not move. */
static int export_live_channels(const struct cli_options *opt, struct live_export *exports)
{
    /* only the events the scan reads are exported: a small copy of a large Application log */
    const char *const providers[] = {CATALOG_DOTNET_PROVIDER, CATALOG_APP_ERROR_PROVIDER};
    for (size_t i = 0; i < opt->live_count; i++) {
        struct cs_error err = {""};
        if (live_export_run(opt->live[i], providers, 2, &exports[i], &err) != 0) {
            fprintf(stderr, "crashsig: %s\n", err.message);
            for (size_t k = 0; k < i; k++)
                live_export_cleanup(&exports[k]);
            return -1;
        }
    }
    return 0;
}

static int command_scan(int argc, char **argv)
{
    struct cli_options opt = {.format = FORMAT_TEXT,
                              .fail_on = SEVERITY_LOW,
                              .color = -1,
                              .progress = PROGRESS_AUTO,
                              .min_severity = SEVERITY_NONE};
    int rc = parse_scan_options(argc, argv, &opt);
    if (rc != 0)
        return rc < 0 ? EXIT_CLEAN : rc;
    if (optind >= argc && opt.live_count == 0)
        return usage_error("%s", "scan needs at least one .evtx file or directory, or --live");
    char **paths = argv + optind;
    int path_count = argc - optind;
    if (check_files(&opt, paths, path_count) != 0)
        return EXIT_TROUBLE;

    struct scan_context ctx = {0};
    if (load_catalog(&ctx.catalog) != 0)
        return EXIT_TROUBLE;
    struct live_export exports[MAX_LIVE_CHANNELS] = {{0}};
    if (export_live_channels(&opt, exports) != 0) {
        free_context(&ctx);
        return EXIT_TROUBLE;
    }
    /* the exported logs first, then the paths given */
    int total = (int)opt.live_count + path_count;
    char **all = cs_xcalloc((size_t)total + 1, sizeof(char *));
    for (size_t i = 0; i < opt.live_count; i++)
        all[i] = exports[i].path;
    for (int i = 0; i < path_count; i++)
        all[opt.live_count + (size_t)i] = paths[i];
    rc = scan_and_report(&opt, all, total, &ctx);
    free_context(&ctx);
    free(all);
    for (size_t i = 0; i < opt.live_count; i++)
        live_export_cleanup(&exports[i]);
    return rc;
}

/* `crashsig __worker DESCRIPTION`: not for people, and not in --help.  On Windows the scan
 * starts crashsig.exe this way for each task (workers_win32.c, docs/windows.md); its frames go
 * to stdout, which the Windows entry point has put in binary mode. */
static int command_worker(int argc, char **argv)
{
    if (argc != 2)
        return usage_error("%s", "__worker takes one task description");
    fflush(stdout); /* nothing is buffered there; the frames bypass stdio */
    int status = scan_run_worker_task(argv[1], fileno(stdout));
    return status < 0 ? usage_error("bad task description '%s'", argv[1]) : status;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "no command given; to scan logs: crashsig scan PATH...");
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        fputs(USAGE, stdout);
        return EXIT_CLEAN;
    }
    if (strcmp(command, "--version") == 0 || strcmp(command, "version") == 0) {
        printf("crashsig %s\n", CRASHSIG_VERSION);
        return EXIT_CLEAN;
    }
    if (strcmp(command, "scan") == 0)
        return command_scan(argc - 1, argv + 1);
    if (strcmp(command, "signatures") == 0)
        return argc == 2 ? command_signatures()
                         : usage_error("%s", "signatures takes no arguments");
    if (strcmp(command, "explain") == 0)
        return command_explain(argc - 1, argv + 1);
    if (strcmp(command, "__worker") == 0)
        return command_worker(argc - 1, argv + 1);
    /* "crashsig app.evtx" or "crashsig logs/": the scan command was left out */
    struct platform_file_info info;
    bool looks_like_scan =
        strstr(command, ".evtx") != NULL ||
        (platform_file_info(command, true, &info, NULL) == 0 && info.kind != PLATFORM_MISSING);
    if (looks_like_scan)
        return usage_error("unknown command '%s'; to scan, put 'scan' first: crashsig scan %s%s",
                           command, command, argc > 2 ? " ..." : "");
    return usage_error("unknown command '%s' (use scan, signatures or explain)", command);
}
