/*
 * options.c - the options of `crashsig scan`: the --help text, the option table, and the
 * checks that turn option text into a run request (cli.h).  Errors name the option and say
 * what it takes.
 *
 * Not for: running anything (main.c calls run_execute).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crashsig/live_export.h"
#include "crashsig/platform.h"
#include "crashsig/signatures.h"
#include "crashsig/timeutil.h"

const char CLI_USAGE[] =
    "Usage: crashsig scan [OPTIONS] PATH...\n"
    "       crashsig scan [OPTIONS] --live [CHANNEL] [PATH...]\n"
    "       crashsig signatures\n"
    "       crashsig explain SIGNATURE-ID\n"
    "       crashsig --help | --version\n"
    "\n"
    "Scan exported Windows event logs (.evtx) for .NET crashes: pair each .NET Runtime\n"
    "fatal event (1026 and friends) with its Application Error 1000 and the Windows\n"
    "Error Reporting report, name the crash signature, and say what to fix.  With an\n"
    "IIS host's System log beside its Application log, name the application pool of\n"
    "each w3wp.exe, tell hangs from crashes and report Rapid-Fail Protection outages.\n"
    "PATH is an .evtx file or a directory searched recursively for *.evtx.  Input\n"
    "files are only ever read.\n"
    "\n"
    "Reports:\n"
    "  -f, --format FORMAT    text (default), json, jsonl (one incident per line),\n"
    "                         junit (JUnit XML), sarif (SARIF 2.1.0) or html (one\n"
    "                         self-contained page with a crash timeline, to send)\n"
    "  -o, --output FILE      write that report to FILE (atomically) instead of stdout\n"
    "      --output-text FILE, --output-json FILE, --output-jsonl FILE,\n"
    "      --output-junit FILE, --output-sarif FILE, --output-html FILE\n"
    "                         also write a report in that format to FILE; one scan feeds\n"
    "                         them all, and no file is replaced unless all were written;\n"
    "                         a link's target is replaced; a device, FIFO or /dev/stdout\n"
    "                         is written in place, and all-or-nothing cannot apply to it\n"
    "      --fail-on LEVEL    exit 1 when an incident is at least LEVEL: low (default),\n"
    "                         medium, high, critical, or none to never fail on incidents\n"
    "      --baseline FILE    findings whose fingerprint is in FILE are reported as known\n"
    "                         and do not fail the run\n"
    "      --write-baseline FILE\n"
    "                         record the findings of this run in FILE\n"
    "      --source-root DIR  SARIF: source files under DIR, the folder the application\n"
    "                         was built in (C:\\build\\agent\\_work\\1\\s), get URIs relative\n"
    "                         to SRCROOT, so code scanning links to the repository\n"
    "\n"
    "Scheduled runs:\n"
    "      --state FILE       report only what no earlier run with this FILE reported,\n"
    "                         per log (computer and channel); FILE is locked while in use\n"
    "      --reset-state      with --state: forget what FILE remembers and start over\n"
    "      --live [CHANNEL]   Windows only: scan the running event log's Application,\n"
    "                         System or ForwardedEvents channel (exported to a temporary\n"
    "                         file that is removed afterwards); may be repeated or a\n"
    "                         comma list; without CHANNEL: Application and System, the\n"
    "                         two logs an IIS host's crashes and outages are in\n"
    "\n"
    "Filters (on incidents, after pairing):\n"
    "      --since TIME       at or after TIME: 24h, 7d (back from now) or ISO 8601\n"
    "                         (2026-03-01, 2026-03-01T10:00, ...Z or +02:00)\n"
    "      --until TIME       before TIME\n"
    "      --app GLOB         only this application, e.g. w3wp.exe or 'Contoso*'\n"
    "                         (repeatable; case-insensitive); also matches the file\n"
    "                         name of the app's path (svchost.exe: svchost.exe_AppXSvc)\n"
    "      --computer GLOB    only this computer (repeatable)\n"
    "      --pool GLOB        only this IIS application pool, e.g. 'Orders*' (repeatable;\n"
    "                         case-insensitive); also narrows the outages\n"
    "      --signature ID     only this signature (repeatable; globs allowed)\n"
    "      --min-severity LEVEL\n"
    "                         only incidents of at least LEVEL\n"
    "      --strict-filters   exit 2 when an --app, --computer, --pool or --signature\n"
    "                         matched nothing (each such filter is always named on\n"
    "                         stderr)\n"
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
    "      --local-time       text and HTML reports and typed times in local time\n"
    "                         (default UTC; JSON, JSON Lines and SARIF: always UTC)\n"
    "  -v, --verbose          on a terminal, list every damage warning instead of one\n"
    "                         summary line per kind after the report\n"
    "\n"
    "Exit status:\n"
    "  0  no incident at or above --fail-on (known findings do not count)\n"
    "  1  incidents at or above --fail-on, or a Rapid-Fail Protection outage, were\n"
    "     found\n"
    "  2  usage error, an input could not be read (the rest is still reported), the\n"
    "     state, baseline or an output file could not be used, or with\n"
    "     --strict-filters a filter matched nothing\n"
    "  A reader that stops reading stdout, as `| head` does, changes nothing.\n"
    "\n"
    "Messages go to stderr, the report to stdout or --output.\n"
    "See crashsig(1), docs/ci-and-scheduled-tasks.md and docs/report-format.md.\n";

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char message[2048];
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    fputs("crashsig: ", stderr);
    report_put_safe(stderr, message); /* it may quote a file name: escaped like log text */
    fputs("\nTry 'crashsig --help'.\n", stderr);
    return RUN_TROUBLE;
}

enum long_only_option {
    OPT_FAIL_ON = 256,
    OPT_COLOR,
    OPT_NO_PREFILTER,
    OPT_OUTPUT_FORMAT, /* + format: --output-text ... --output-html */
    OPT_BASELINE = OPT_OUTPUT_FORMAT + REPORT_FORMAT_COUNT,
    OPT_WRITE_BASELINE,
    OPT_STATE,
    OPT_RESET_STATE,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_APP,
    OPT_COMPUTER,
    OPT_POOL,
    OPT_SIGNATURE,
    OPT_MIN_SEVERITY,
    OPT_PROGRESS,
    OPT_LOCAL_TIME,
    OPT_LIVE,
    OPT_SOURCE_ROOT,
    OPT_STRICT_FILTERS,
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
    {"output-text", required_argument, NULL, OPT_OUTPUT_FORMAT + REPORT_TEXT},
    {"output-json", required_argument, NULL, OPT_OUTPUT_FORMAT + REPORT_JSON},
    {"output-jsonl", required_argument, NULL, OPT_OUTPUT_FORMAT + REPORT_JSONL},
    {"output-junit", required_argument, NULL, OPT_OUTPUT_FORMAT + REPORT_JUNIT},
    {"output-sarif", required_argument, NULL, OPT_OUTPUT_FORMAT + REPORT_SARIF},
    {"output-html", required_argument, NULL, OPT_OUTPUT_FORMAT + REPORT_HTML},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"write-baseline", required_argument, NULL, OPT_WRITE_BASELINE},
    {"state", required_argument, NULL, OPT_STATE},
    {"reset-state", no_argument, NULL, OPT_RESET_STATE},
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"app", required_argument, NULL, OPT_APP},
    {"computer", required_argument, NULL, OPT_COMPUTER},
    {"pool", required_argument, NULL, OPT_POOL},
    {"signature", required_argument, NULL, OPT_SIGNATURE},
    {"min-severity", required_argument, NULL, OPT_MIN_SEVERITY},
    {"progress", required_argument, NULL, OPT_PROGRESS},
    {"local-time", no_argument, NULL, OPT_LOCAL_TIME},
    {"live", required_argument, NULL, OPT_LIVE},
    {"source-root", required_argument, NULL, OPT_SOURCE_ROOT},
    {"strict-filters", no_argument, NULL, OPT_STRICT_FILTERS},
    {"verbose", no_argument, NULL, 'v'},
    {NULL, 0, NULL, 0},
};

static int parse_format(const char *text, enum report_format *out)
{
    if (report_format_from_name(text, out) == 0)
        return 0;
    return cli_usage_error("unknown format '%s' (text, json, jsonl, junit, sarif or html)", text);
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
        return cli_usage_error("bad --%s '%s' (auto, always or never)", option, text);
    return 0;
}

static int add_glob(struct cli_globs *list, const char *option, const char *glob)
{
    if (list->count == CLI_MAX_GLOBS)
        return cli_usage_error("too many --%s options (at most %d)", option, CLI_MAX_GLOBS);
    list->items[list->count++] = glob;
    return 0;
}

static int parse_jobs(const char *text, unsigned *out)
{
    char *end;
    unsigned long jobs = strtoul(text, &end, 10);
    if (end == text || *end != '\0' || jobs < 1 || jobs > 256)
        return cli_usage_error("bad --jobs '%s' (a number from 1 to 256)", text);
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
    return cli_usage_error("bad --%s '%s' (low, medium, high, critical%s)", option, text,
                           none_allowed ? " or none" : "");
}

static int add_extra_output(struct scan_command *opt, int format, const char *path)
{
    if (opt->extra_count == RUN_MAX_OUTPUTS - 1)
        return cli_usage_error("too many --output-FORMAT options (at most %d)",
                               RUN_MAX_OUTPUTS - 1);
    opt->extra[opt->extra_count++] =
        (struct run_output){.format = (enum report_format)format, .path = path};
    return 0;
}

static int add_live_channel(struct scan_command *opt, const char *name)
{
    const char *channel = live_export_channel_name(name);
    if (channel == NULL)
        return cli_usage_error("bad --live '%s' (%s)", name, live_export_channel_list());
    for (size_t i = 0; i < opt->live_count; i++)
        if (opt->live[i] == channel)
            return 0;
    opt->live[opt->live_count++] = channel; /* at most one per known channel: it fits */
    return 0;
}

/* --live Application,System: each channel of the list. */
static int add_live_channels(struct scan_command *opt, const char *list)
{
    char name[64];
    for (const char *p = list;; p++) {
        size_t n = strcspn(p, ",");
        if (n >= sizeof(name))
            return cli_usage_error("bad --live '%s' (%s)", list, live_export_channel_list());
        memcpy(name, p, n);
        name[n] = '\0';
        if (add_live_channel(opt, name) != 0)
            return RUN_TROUBLE;
        p += n;
        if (*p == '\0')
            return 0;
    }
}

/* A bare --live, with no channel after it, means the two logs an IIS host's story is in: the
 * Application log's crashes and the System log's pools, hangs and outages.  getopt cannot
 * take an optional value as the next word, so the word is looked at here. */
#define LIVE_DEFAULT "--live=Application,System"

/* True when word is a channel, or a comma list that starts with one. */
static bool names_a_channel(const char *word)
{
    char name[64];
    size_t n = strcspn(word, ",");
    if (n >= sizeof(name))
        return false;
    memcpy(name, word, n);
    name[n] = '\0';
    return live_export_channel_name(name) != NULL;
}

/* The word after a bare --live is its channel unless it is an option or names a file or
 * folder: a misspelt channel (--live Sytem) stays an error about the channel. */
static bool takes_no_channel(const char *next)
{
    struct platform_file_info info;
    if (next == NULL || next[0] == '-')
        return true;
    return !names_a_channel(next) && platform_file_info(next, true, &info, NULL) == 0 &&
           info.kind != PLATFORM_MISSING;
}

static void default_live_channels(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--live") == 0 && takes_no_channel(argv[i + 1]))
            argv[i] = (char *)LIVE_DEFAULT;
}

/* Edit distance of two short words (Levenshtein), capped: only small distances matter. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { MAX = 32 };
    size_t n = strlen(a), m = strlen(b);
    if (n >= MAX || m >= MAX)
        return MAX;
    size_t row[MAX + 1];
    for (size_t j = 0; j <= m; j++)
        row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t up = row[j];
            size_t best = diagonal + (a[i - 1] != b[j - 1]);
            best = up + 1 < best ? up + 1 : best;
            best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
            row[j] = best;
            diagonal = up;
        }
    }
    return row[m];
}

/* "unknown option '--formt' (did you mean --format?)" for a near miss of a long option. */
static int unknown_option(const char *text)
{
    const char *name = text, *best = NULL;
    while (*name == '-')
        name++;
    size_t length = strcspn(name, "="), best_distance = 3;
    char typed[32];
    if (name == text || length == 0 || length >= sizeof(typed))
        return cli_usage_error("unknown option '%s'", text);
    memcpy(typed, name, length);
    typed[length] = '\0';
    for (const struct option *o = LONG_OPTIONS; o->name; o++) {
        size_t d = edit_distance(typed, o->name);
        if (d < best_distance) {
            best_distance = d;
            best = o->name;
        }
    }
    if (best)
        return cli_usage_error("unknown option '%s' (did you mean --%s?)", text, best);
    return cli_usage_error("unknown option '%s'", text);
}

/* Options that take no parsing beyond storing them. */
static bool store_simple_option(int c, const char *arg, struct scan_command *opt)
{
    switch (c) {
    case 'o':
        opt->output = arg;
        return true;
    case OPT_NO_PREFILTER:
        opt->request.no_prefilter = true;
        return true;
    case OPT_BASELINE:
        opt->request.baseline_path = arg;
        return true;
    case OPT_WRITE_BASELINE:
        opt->request.write_baseline_path = arg;
        return true;
    case OPT_STATE:
        opt->request.state_path = arg;
        return true;
    case OPT_RESET_STATE:
        opt->request.reset_state = true;
        return true;
    case OPT_SINCE:
        opt->since = arg;
        return true;
    case OPT_UNTIL:
        opt->until = arg;
        return true;
    case OPT_LOCAL_TIME:
        opt->request.report.local_time = true;
        return true;
    case OPT_SOURCE_ROOT:
        opt->request.report.source_root = arg;
        return true;
    case OPT_STRICT_FILTERS:
        opt->strict_filters = true;
        return true;
    case 'v':
        opt->verbose = true;
        return true;
    default:
        return false;
    }
}

/* Returns 0, RUN_TROUBLE after a usage error, or -1 after --help. */
static int handle_option(int c, const char *arg, char **argv, struct scan_command *opt)
{
    int when = -1; /* set by parse_when; initialised for compilers that cannot see it */
    if (store_simple_option(c, arg, opt))
        return 0;
    if (c >= OPT_OUTPUT_FORMAT && c < OPT_OUTPUT_FORMAT + REPORT_FORMAT_COUNT)
        return add_extra_output(opt, c - OPT_OUTPUT_FORMAT, arg);
    switch (c) {
    case 'f':
        return parse_format(arg, &opt->format);
    case 'w':
        if (cs_duration_parse_ms(arg, true, &opt->request.window_ms) != 0 ||
            opt->request.window_ms > 86400000ULL * 365)
            return cli_usage_error("bad --window '%s' (examples: 500ms, 10s, 2m)", arg);
        return 0;
    case 'j':
        return parse_jobs(arg, &opt->request.jobs);
    case OPT_FAIL_ON:
        return parse_level("fail-on", arg, true, &opt->request.fail_on);
    case OPT_MIN_SEVERITY:
        return parse_level("min-severity", arg, false, &opt->request.filter.min_severity);
    case OPT_COLOR:
        return parse_when("color", arg, &opt->color);
    case OPT_PROGRESS:
        if (parse_when("progress", arg, &when) != 0)
            return RUN_TROUBLE;
        opt->progress = when < 0 ? PROGRESS_AUTO : when ? PROGRESS_ALWAYS : PROGRESS_NEVER;
        return 0;
    case OPT_APP:
        return add_glob(&opt->apps, "app", arg);
    case OPT_COMPUTER:
        return add_glob(&opt->computers, "computer", arg);
    case OPT_POOL:
        return add_glob(&opt->pools, "pool", arg);
    case OPT_SIGNATURE:
        return add_glob(&opt->signatures, "signature", arg);
    case OPT_LIVE:
        return add_live_channels(opt, arg);
    case 'h':
        fputs(CLI_USAGE, stdout);
        return -1;
    case ':':
        return cli_usage_error("option '%s' needs a value", argv[optind - 1]);
    default:
        return unknown_option(argv[optind - 1]);
    }
}

int cli_parse_scan(int argc, char **argv, struct scan_command *opt)
{
    memset(opt, 0, sizeof(*opt));
    opt->format = REPORT_TEXT;
    opt->color = -1;
    opt->progress = PROGRESS_AUTO;
    opt->request.fail_on = SEVERITY_LOW;
    opt->request.filter.min_severity = SEVERITY_NONE;
    int c;
    optind = 1;
    opterr = 0;
    default_live_channels(argc, argv);
    while ((c = getopt_long(argc, argv, ":f:o:w:j:hv", LONG_OPTIONS, NULL)) != -1) {
        int rc = handle_option(c, optarg, argv, opt);
        if (rc != 0)
            return rc;
    }
    if (optind >= argc && opt->live_count == 0)
        return cli_usage_error("%s", "scan needs at least one .evtx file or directory, or --live");
    opt->paths = argv + optind;
    opt->path_count = argc - optind;
    return 0;
}

/* --since / --until, once --local-time is known. */
static int build_filter(struct scan_command *opt, const struct catalog *catalog)
{
    struct incident_filter *filter = &opt->request.filter;
    cs_filetime now = cs_time_now();
    bool local = opt->request.report.local_time;
    if (opt->since && cs_time_parse_user(opt->since, now, local, &filter->since) != 0)
        return cli_usage_error("bad --since '%s' (examples: 24h, 7d, 2026-03-01T10:00Z)",
                               opt->since);
    if (opt->until && cs_time_parse_user(opt->until, now, local, &filter->until) != 0)
        return cli_usage_error("bad --until '%s' (examples: 1h, 2026-03-02)", opt->until);
    /* an empty window would report nothing and exit 0: a silent green run */
    if (filter->since && filter->until && filter->since >= filter->until)
        return cli_usage_error("--since '%s' is not before --until '%s': nothing could match",
                               opt->since, opt->until);
    /* a typo in a plain id would silently match nothing: only globs may match nothing */
    for (size_t i = 0; i < opt->signatures.count; i++) {
        const char *id = opt->signatures.items[i];
        if (strpbrk(id, "*?") == NULL && catalog_find(catalog, id) == NULL)
            return cli_usage_error("unknown signature '%s' (see 'crashsig signatures')", id);
    }
    filter->app_count = opt->apps.count;
    filter->apps = opt->apps.items;
    filter->computer_count = opt->computers.count;
    filter->computers = opt->computers.items;
    filter->pool_count = opt->pools.count;
    filter->pools = opt->pools.items;
    filter->signature_count = opt->signatures.count;
    filter->signatures = opt->signatures.items;
    return 0;
}

/* auto: colour on a terminal, unless NO_COLOR is set or TERM is dumb. */
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

int cli_build_request(struct scan_command *opt, const struct catalog *catalog)
{
    if (build_filter(opt, catalog) != 0)
        return RUN_TROUBLE;
    struct run_request *r = &opt->request;
    r->catalog = catalog;
    r->report.catalog = catalog;
    /* the report for standard output or --output first, then --output-FORMAT */
    r->outputs[0] = (struct run_output){.format = opt->format,
                                        .path = opt->output,
                                        .stream = opt->output ? NULL : stdout,
                                        .color = opt->output ? false : want_color(opt->color)};
    r->output_count = 1;
    /* on a terminal the damage warnings would bury the answer: one line per kind, after it */
    r->report.summarize_warnings = !opt->verbose && opt->output == NULL &&
                                   opt->format == REPORT_TEXT && platform_is_terminal(stdout);
    for (size_t i = 0; i < opt->extra_count; i++)
        r->outputs[r->output_count++] = opt->extra[i];
    return 0;
}
