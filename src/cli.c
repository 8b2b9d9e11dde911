/*
 * cli.c - the crashsig command line: parse options, call the library, print, choose the exit
 * status.  Everything else lives in the library (scan.h, report.h, signatures.h).
 *
 * Exit status: 0 nothing at or above --fail-on, 1 incidents at or above --fail-on, 2 usage
 * error or an input that could not be read (the report is still written for the rest).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashsig/report.h"
#include "crashsig/scan.h"
#include "crashsig/signatures.h"

enum { EXIT_CLEAN = 0, EXIT_INCIDENTS = 1, EXIT_TROUBLE = 2 };

enum output_format { FORMAT_TEXT, FORMAT_JSON };

struct cli_options {
    enum output_format format;
    const char *output;
    uint64_t window_ms;
    enum severity fail_on; /* SEVERITY_NONE: never fail on incidents */
    int color;             /* -1 auto, 0 never, 1 always */
    unsigned jobs;         /* 0: one per core */
    bool no_prefilter;
};

static const char USAGE[] =
    "Usage: crashsig scan [OPTIONS] PATH...\n"
    "       crashsig signatures\n"
    "       crashsig explain SIGNATURE-ID\n"
    "       crashsig --help | --version\n"
    "\n"
    "Scan exported Windows event logs (.evtx) for .NET crashes: pair each .NET Runtime\n"
    "fatal event (1026 and friends) with its Application Error 1000, name the crash\n"
    "signature, and say what to fix.  PATH is an .evtx file or a directory searched\n"
    "recursively for *.evtx.  Input files are only ever read.\n"
    "\n"
    "Scan options:\n"
    "  -f, --format FORMAT    text (default) or json (schema crashsig.report/1)\n"
    "  -o, --output FILE      write the report to FILE (atomically) instead of stdout\n"
    "  -w, --window DURATION  pair events at most this far apart: 500ms, 10s, 2m\n"
    "                         (a bare number is seconds; default 10s)\n"
    "      --fail-on LEVEL    exit 1 when an incident is at least LEVEL: low (default),\n"
    "                         medium, high, critical, or none to never fail on incidents\n"
    "      --color WHEN       auto (default: on a terminal, unless NO_COLOR is set),\n"
    "                         always or never\n"
    "  -j, --jobs N           scan with N parallel workers (default: one per core)\n"
    "      --no-prefilter     parse every record instead of only the chunks that can\n"
    "                         hold a crash event (slower; same results)\n"
    "\n"
    "Exit status:\n"
    "  0  no incident at or above --fail-on\n"
    "  1  incidents at or above --fail-on were found\n"
    "  2  usage error, or an input could not be read (the rest is still reported)\n"
    "\n"
    "Messages go to stderr, the report to stdout or --output.\n"
    "See crashsig(1) and docs/ for the report format and the signature catalog.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

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

/* "500ms", "10s", "2m", "1h" or a bare number of seconds. */
static int parse_duration_ms(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (end == text || errno || value < 0 || value > 86400.0 * 365)
        return -1;
    double scale;
    if (*end == '\0' || strcmp(end, "s") == 0)
        scale = 1000;
    else if (strcmp(end, "ms") == 0)
        scale = 1;
    else if (strcmp(end, "m") == 0)
        scale = 60000;
    else if (strcmp(end, "h") == 0)
        scale = 3600000;
    else
        return -1;
    uint64_t ms = (uint64_t)(value * scale + 0.5);
    if (ms == 0)
        return -1;
    *out = ms;
    return 0;
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
    printf("%s  (%s)\n%s\n\nWhy:\n%s\n\nFix:\n%s\n", sig->id, severity_name(sig->severity),
           sig->title, sig->explanation, sig->fix);
    catalog_free(catalog);
    return EXIT_CLEAN;
}

static int parse_scan_options(int argc, char **argv, struct cli_options *opt)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
        {"window", required_argument, NULL, 'w'}, {"fail-on", required_argument, NULL, 'F'},
        {"color", required_argument, NULL, 'C'},  {"colour", required_argument, NULL, 'C'},
        {"jobs", required_argument, NULL, 'j'},   {"no-prefilter", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":f:o:w:j:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                opt->format = FORMAT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                opt->format = FORMAT_JSON;
            else
                return usage_error("unknown format '%s' (use text or json)", optarg);
            break;
        case 'o':
            opt->output = optarg;
            break;
        case 'w':
            if (parse_duration_ms(optarg, &opt->window_ms) != 0)
                return usage_error("bad --window '%s' (examples: 500ms, 10s, 2m)", optarg);
            break;
        case 'F':
            if (strcmp(optarg, "none") == 0)
                opt->fail_on = SEVERITY_NONE;
            else if (severity_from_name(optarg, &opt->fail_on) != 0)
                return usage_error("bad --fail-on '%s' (low, medium, high, critical or none)",
                                   optarg);
            break;
        case 'C':
            if (strcmp(optarg, "auto") == 0)
                opt->color = -1;
            else if (strcmp(optarg, "always") == 0)
                opt->color = 1;
            else if (strcmp(optarg, "never") == 0)
                opt->color = 0;
            else
                return usage_error("bad --color '%s' (auto, always or never)", optarg);
            break;
        case 'j': {
            char *end;
            unsigned long jobs = strtoul(optarg, &end, 10);
            if (end == optarg || *end != '\0' || jobs < 1 || jobs > 256)
                return usage_error("bad --jobs '%s' (a number from 1 to 256)", optarg);
            opt->jobs = (unsigned)jobs;
            break;
        }
        case 'P':
            opt->no_prefilter = true;
            break;
        case 'h':
            fputs(USAGE, stdout);
            return -1;
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    return 0;
}

/* Refuses an --output that names one of the inputs: logs are never written to. */
static bool output_is_an_input(const char *output, char **paths, int count)
{
    struct stat out_st;
    if (stat(output, &out_st) != 0)
        return false;
    for (int i = 0; i < count; i++) {
        struct stat in_st;
        if (stat(paths[i], &in_st) == 0 && in_st.st_dev == out_st.st_dev &&
            in_st.st_ino == out_st.st_ino)
            return true;
    }
    return false;
}

static int write_report(FILE *f, const struct cli_options *opt, const struct scan_result *result,
                        bool color)
{
    struct report_options ropt = {.color = color, .fail_on = opt->fail_on};
    return opt->format == FORMAT_JSON ? report_write_json(f, result, &ropt)
                                      : report_write_text(f, result, &ropt);
}

/* Writes to a temporary file beside FILE and renames it over FILE, so a reader of FILE sees
 * the old report or the new one, never half of one. */
static int write_report_file(const struct cli_options *opt, const struct scan_result *result)
{
    size_t len = strlen(opt->output) + 16;
    char *tmp = cs_xmalloc(len);
    snprintf(tmp, len, "%s.tmpXXXXXX", opt->output);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "crashsig: cannot write %s: %s\n", opt->output, strerror(errno));
        free(tmp);
        return -1;
    }
    /* mkstemp creates the file 0600; give the report the mode a plain create would have */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    FILE *f = fdopen(fd, "w");
    int rc = f && write_report(f, opt, result, opt->color == 1) == 0 ? 0 : -1;
    if (f && fflush(f) != 0)
        rc = -1;
    if (f && fsync(fileno(f)) != 0)
        rc = -1;
    if ((f ? fclose(f) : close(fd)) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, opt->output) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "crashsig: cannot write %s: %s\n", opt->output, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

static bool want_color(int setting)
{
    if (setting >= 0)
        return setting == 1;
    const char *no_color = getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && (no_color == NULL || no_color[0] == '\0');
}

static int command_scan(int argc, char **argv)
{
    struct cli_options opt = {.format = FORMAT_TEXT, .fail_on = SEVERITY_LOW, .color = -1};
    int rc = parse_scan_options(argc, argv, &opt);
    if (rc != 0)
        return rc < 0 ? EXIT_CLEAN : rc;
    if (optind >= argc)
        return usage_error("%s", "scan needs at least one .evtx file or directory");
    char **paths = argv + optind;
    int path_count = argc - optind;
    if (opt.output && output_is_an_input(opt.output, paths, path_count))
        return usage_error("--output '%s' is one of the inputs; logs are never overwritten",
                           opt.output);

    struct catalog *catalog;
    if (load_catalog(&catalog) != 0)
        return EXIT_TROUBLE;
    struct scan_options sopt = {.catalog = catalog,
                                .window_ms = opt.window_ms,
                                .jobs = opt.jobs,
                                .no_prefilter = opt.no_prefilter};
    struct scan_result result;
    struct cs_error err = {""};
    if (scan_run(&sopt, (const char *const *)paths, (size_t)path_count, &result, &err) != 0) {
        fprintf(stderr, "crashsig: %s\n", err.message);
        scan_result_free(&result);
        catalog_free(catalog);
        return EXIT_TROUBLE;
    }
    for (size_t i = 0; i < result.input_count; i++)
        if (result.inputs[i].status == INPUT_ERROR)
            fprintf(stderr, "crashsig: %s: %s\n", result.inputs[i].path, result.inputs[i].error);

    int written = opt.output ? write_report_file(&opt, &result)
                             : write_report(stdout, &opt, &result, want_color(opt.color));
    if (!opt.output && fflush(stdout) != 0)
        written = -1;
    enum severity max = scan_result_max_severity(&result);
    int status = EXIT_CLEAN;
    if (written != 0 || scan_result_has_errors(&result))
        status = EXIT_TROUBLE;
    else if (opt.fail_on != SEVERITY_NONE && max >= opt.fail_on)
        status = EXIT_INCIDENTS;
    scan_result_free(&result);
    catalog_free(catalog);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "no command given");
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
    return usage_error("unknown command '%s' (use scan, signatures or explain)", command);
}
