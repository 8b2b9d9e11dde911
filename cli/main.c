/*
 * main.c - the crashsig command line: dispatch the command, and for `scan` turn the options
 * into a run request (options.c), show progress on a terminal, run it (run.h), print the
 * unreadable inputs and the run's error, and exit with the run's status:
 *
 *   0  nothing at or above --fail-on (known findings do not count)
 *   1  incidents at or above --fail-on
 *   2  usage error, an input that could not be read (the rest is still reported), a
 *      state, baseline or output file that could not be used, or with --strict-filters a
 *      filter that matched nothing
 *
 * Not for: any rule of a run (run.c) or what a report holds (report.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crashsig/event_sources.h"
#include "crashsig/live_export.h"
#include "crashsig/platform.h"
#include "crashsig/report.h"
#include "crashsig/signatures.h"
#include "scan_worker.h"

/* "crashsig: " and a message on stderr.  Messages name files, and a file name is as hostile as
 * a log (a name with ESC or BEL in it): it is escaped as the text report escapes log text. */
static void print_message(const char *path, const char *message)
{
    fputs("crashsig: ", stderr);
    if (path) {
        report_put_safe(stderr, path);
        fputs(": ", stderr);
    }
    report_put_safe(stderr, message);
    fputc('\n', stderr);
}

static int trouble(const char *message)
{
    print_message(NULL, message);
    return RUN_TROUBLE;
}

static int load_catalog(struct catalog **catalog)
{
    struct cs_error err = {""};
    if (catalog_load_builtin(catalog, &err) != 0) {
        fprintf(stderr, "crashsig: built-in signature catalog is invalid: ");
        report_put_safe(stderr, err.message);
        fputc('\n', stderr);
        return -1;
    }
    return 0;
}

static int command_signatures(void)
{
    struct catalog *catalog;
    if (load_catalog(&catalog) != 0)
        return RUN_TROUBLE;
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
    return RUN_CLEAN;
}

static int command_explain(int argc, char **argv)
{
    if (argc != 2)
        return cli_usage_error("%s", "explain takes one signature id (see 'crashsig signatures')");
    struct catalog *catalog;
    if (load_catalog(&catalog) != 0)
        return RUN_TROUBLE;
    const struct signature *sig = catalog_find(catalog, argv[1]);
    if (sig == NULL) {
        catalog_free(catalog);
        return cli_usage_error("unknown signature '%s' (see 'crashsig signatures')", argv[1]);
    }
    int rc = report_write_signature(stdout, sig);
    catalog_free(catalog);
    return rc == 0 ? RUN_CLEAN : trouble("cannot write to standard output");
}

/* Exports each --live channel to a temporary .evtx.  A failed export is reported and undoes
 * the others: nothing is scanned, written or remembered then, so an --output report is never
 * replaced by an empty one and the state does not move. */
static int export_live_channels(const struct scan_command *opt, struct live_export *exports)
{
    /* only the events the scan reads are exported: a small copy of a large Application log */
    const char *providers[EVENT_SOURCE_COUNT];
    for (size_t s = 0; s < EVENT_SOURCE_COUNT; s++)
        providers[s] = event_source_provider((enum event_source)s);
    for (size_t i = 0; i < opt->live_count; i++) {
        struct cs_error err = {""};
        if (live_export_run(opt->live[i], providers, EVENT_SOURCE_COUNT, &exports[i], &err) != 0) {
            print_message(NULL, err.message);
            for (size_t k = 0; k < i; k++)
                live_export_cleanup(&exports[k]);
            return -1;
        }
    }
    return 0;
}

/* The test hooks come from the environment (tests/test_workers.c, scripts/test-windows.sh):
 * CRASHSIG_WORKER_TIMEOUT=SECONDS overrides the stall limit (also for slow disks),
 * CRASHSIG_TEST_WORKER_FAULT=crash:TEXT or hang:TEXT fakes a libevtx fault,
 * CRASHSIG_TEST_SWAP_INPUT=PATH renames PATH over an input between its ranges (scan.h). */
static struct scan_hooks hooks_from_environment(void)
{
    struct scan_hooks hooks = {0};
    const char *text = getenv("CRASHSIG_WORKER_TIMEOUT");
    char *end = NULL;
    unsigned long v = text ? strtoul(text, &end, 10) : 0;
    if (text && end != text && *end == '\0' && v > 0 && v < 86400)
        hooks.stall_seconds = (unsigned)v;
    hooks.worker_fault = getenv("CRASHSIG_TEST_WORKER_FAULT");
    hooks.swap_input = getenv("CRASHSIG_TEST_SWAP_INPUT");
    return hooks;
}

/* The run itself, once the paths (the exported channels first) are known. */
static int scan_and_report(struct scan_command *command, const char *const *paths,
                           size_t path_count)
{
    struct run_request *request = &command->request;
    request->paths = paths;
    request->path_count = path_count;
    request->hooks = hooks_from_environment();
    struct progress_line progress;
    progress_init(&progress, stderr, command->progress);
    request->progress = progress_update;
    request->progress_ctx = &progress;
    struct run_result result;
    struct cs_error err = {""};
    enum run_status status = run_execute(request, &result, &err);
    progress_finish(&progress);
    for (size_t i = 0; i < result.input_count; i++)
        if (result.inputs[i].status == INPUT_ERROR)
            print_message(result.inputs[i].path, result.inputs[i].error);
    if (err.message[0])
        print_message(NULL, err.message);
    /* in every format: a typo in a filter must never pass as a clean run unnoticed; the
     * values seen come from the logs, so they are escaped like everything else */
    for (size_t i = 0; i < result.unmatched_filter_count; i++)
        print_message("warning", result.unmatched_filters[i]);
    if (command->strict_filters && result.unmatched_filter_count > 0 && status != RUN_TROUBLE) {
        print_message(NULL, "--strict-filters: exit status 2, as a filter matched nothing");
        status = RUN_TROUBLE;
    }
    run_result_free(&result);
    return (int)status;
}

static int command_scan(int argc, char **argv)
{
    /* a killed run leaves no temporary file; a reader that goes away (`| head`) ends the run
     * as if it had read everything, not by SIGPIPE (docs/robustness.md) */
    platform_remove_temps_on_signals();
    platform_ignore_broken_pipe();
    struct scan_command command;
    int rc = cli_parse_scan(argc, argv, &command);
    if (rc != 0)
        return rc < 0 ? RUN_CLEAN : rc;
    struct catalog *catalog;
    if (load_catalog(&catalog) != 0)
        return RUN_TROUBLE;
    if (cli_build_request(&command, catalog) != 0) {
        catalog_free(catalog);
        return RUN_TROUBLE;
    }
    struct cs_error err = {""};
    if (run_check_request(&command.request, &err) != 0) { /* before a channel is exported */
        catalog_free(catalog);
        return cli_usage_error("%s", err.message);
    }
    struct live_export exports[CLI_MAX_LIVE_CHANNELS] = {{0}};
    if (export_live_channels(&command, exports) != 0) {
        catalog_free(catalog);
        return RUN_TROUBLE;
    }
    /* the exported logs first, then the paths given */
    size_t total = command.live_count + (size_t)command.path_count;
    const char **all = cs_xcalloc(total + 1, sizeof(char *));
    for (size_t i = 0; i < command.live_count; i++)
        all[i] = exports[i].path;
    for (int i = 0; i < command.path_count; i++)
        all[command.live_count + (size_t)i] = command.paths[i];
    rc = scan_and_report(&command, all, total);
    free(all);
    for (size_t i = 0; i < command.live_count; i++)
        live_export_cleanup(&exports[i]);
    catalog_free(catalog);
    return rc;
}

/* `crashsig __worker DESCRIPTION`: not for people, and not in --help.  On Windows the scan
 * starts crashsig.exe this way for each task (workers_win32.c, docs/windows.md); its frames go
 * to stdout, which the Windows entry point has put in binary mode. */
static int command_worker(int argc, char **argv)
{
    if (argc != 2)
        return cli_usage_error("%s", "__worker takes one task description");
    fflush(stdout); /* nothing is buffered there; the frames bypass stdio */
    struct scan_hooks hooks = hooks_from_environment();
    int status = scan_run_worker_task(argv[1], fileno(stdout), &hooks);
    return status < 0 ? cli_usage_error("bad task description '%s'", argv[1]) : status;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("%s", "no command given; to scan logs: crashsig scan PATH...");
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        fputs(CLI_USAGE, stdout);
        return RUN_CLEAN;
    }
    if (strcmp(command, "--version") == 0 || strcmp(command, "version") == 0) {
        printf("crashsig %s\n", CRASHSIG_VERSION);
        return RUN_CLEAN;
    }
    if (strcmp(command, "scan") == 0)
        return command_scan(argc - 1, argv + 1);
    if (strcmp(command, "signatures") == 0)
        return argc == 2 ? command_signatures()
                         : cli_usage_error("%s", "signatures takes no arguments");
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
        return cli_usage_error(
            "unknown command '%s'; to scan, put 'scan' first: crashsig scan %s%s", command, command,
            argc > 2 ? " ..." : "");
    return cli_usage_error("unknown command '%s' (use scan, signatures or explain)", command);
}
