/*
 * cli.h - what the files of the crashsig command line share: the parsed `scan` command, the
 * usage text and how usage errors are printed.
 *
 * The command line is a thin front, as curl's src/tool_* are over libcurl: it turns option
 * text into a struct run_request (run.h), shows progress and colour on a terminal, prints
 * what the run returns and exits with its status.  Every rule of a run lives in the library.
 *
 * Not for: anything the library does.
 */
#ifndef CRASHSIG_CLI_H
#define CRASHSIG_CLI_H

#include "crashsig/run.h"
#include "progress.h"

#define CLI_MAX_GLOBS 64
/* --live takes each of its channels once */
#define CLI_MAX_LIVE_CHANNELS 3

struct cli_globs {
    size_t count;
    const char *items[CLI_MAX_GLOBS];
};

/* `crashsig scan ...` as typed. */
struct scan_command {
    enum report_format format; /* for standard output or --output */
    const char *output;        /* -o */
    size_t extra_count;        /* --output-FORMAT FILE */
    struct run_output extra[RUN_MAX_OUTPUTS - 1];
    int color; /* -1 auto, 0 never, 1 always */
    enum progress_mode progress;
    const char *since, *until; /* parsed after all options: --local-time may come later */
    bool strict_filters;       /* a filter that matched nothing makes the run exit 2 */
    bool verbose;              /* -v: list every damage warning instead of a summary */
    struct cli_globs apps, computers, pools, signatures;
    const char *live[CLI_MAX_LIVE_CHANNELS]; /* --live: canonical channel names */
    size_t live_count;
    /* everything else goes straight into the request; paths, outputs and the filter's
     * lists are filled by cli_build_request */
    struct run_request request;
    char **paths; /* the operands */
    int path_count;
};

extern const char CLI_USAGE[];

/* Prints "crashsig: MESSAGE" and the --help hint to stderr; returns RUN_TROUBLE. */
int cli_usage_error(const char *fmt, ...) CS_PRINTF_FORMAT(1, 2);

/* Parses the options and operands of `crashsig scan` (argv[0] is "scan").  Returns 0,
 * RUN_TROUBLE after a usage error (printed), or -1 after --help (printed). */
int cli_parse_scan(int argc, char **argv, struct scan_command *command);

/* The request's filter (--since/--until need --local-time, known only now) and outputs.
 * Returns 0 or RUN_TROUBLE after a usage error. */
int cli_build_request(struct scan_command *command, const struct catalog *catalog);

#endif
