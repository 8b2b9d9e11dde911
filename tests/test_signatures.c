/*
 * test_signatures.c - the catalog loader's validation and the classification of hand-built
 * incidents against the built-in catalog (src/signatures.c).
 *
 * Incidents are assembled in memory from frame lists copied from real .NET Framework and
 * .NET Core event text, so these tests exercise the rules and their precedence without
 * depending on the text parser.
 *
 * Not for: parsing event text (test_dotnet_crash.c) or fingerprints (test_findings.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/event_sources.h"
#include "crashsig/signatures.h"

/* ---- building incidents ----------------------------------------------------------------- */

static struct dotnet_frame *copy_frames(const char *const *methods, size_t *count)
{
    size_t n = 0;
    while (methods[n])
        n++;
    struct dotnet_frame *frames = cs_xcalloc(n, sizeof(*frames));
    for (size_t i = 0; i < n; i++) {
        frames[i].text = cs_strdup(methods[i]);
        frames[i].method = cs_strdup(methods[i]);
    }
    *count = n;
    return frames;
}

static struct dotnet_event *new_dotnet(const char *application, enum dotnet_crash_kind kind)
{
    struct dotnet_event *ev = dotnet_event_new();
    ev->event.computer = cs_strdup("WEB01");
    ev->event.provider = cs_strdup(event_source_provider(EVENT_SOURCE_DOTNET_RUNTIME));
    ev->event.event_id = 1026;
    ev->crash->application = cs_strdup(application);
    ev->crash->kind = kind;
    return ev;
}

/* Appends an exception block (innermost first, as the runtime writes them); methods is
 * NULL-terminated, top of stack first. */
static void add_exception(struct dotnet_event *ev, const char *type, const char *const *methods)
{
    struct dotnet_crash *c = ev->crash;
    c->exceptions = cs_xrealloc(c->exceptions, (c->exception_count + 1) * sizeof(*c->exceptions));
    struct dotnet_exception *e = &c->exceptions[c->exception_count++];
    memset(e, 0, sizeof(*e));
    e->type = cs_strdup(type);
    e->frames = copy_frames(methods, &e->frame_count);
}

static void set_stack(struct dotnet_event *ev, const char *const *methods)
{
    ev->crash->stack_frames = copy_frames(methods, &ev->crash->stack_frame_count);
}

static struct app_error_event *new_app_error(const char *application, uint32_t code,
                                             const char *module)
{
    struct app_error_event *ev = cs_xcalloc(1, sizeof(*ev));
    ev->event.computer = cs_strdup("WEB01");
    ev->event.provider = cs_strdup(event_source_provider(EVENT_SOURCE_APP_ERROR));
    ev->event.event_id = 1000;
    ev->fault.app_name = cs_strdup(application);
    ev->fault.module_name = cs_strdup(module);
    ev->fault.has_exception_code = true;
    ev->fault.exception_code = code;
    return ev;
}

static void incident_release(struct incident *incident)
{
    dotnet_event_free(incident->dotnet);
    app_error_event_free(incident->app_error);
    memset(incident, 0, sizeof(*incident));
}

/* ---- real stacks ------------------------------------------------------------------------ */

static const char *const SEED_FRAMES[] = {
    "MyApp.Sync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()",
    "System.Runtime.CompilerServices.AsyncMethodBuilderCore+<>c.<ThrowAsync>b__6_1(System.Object)",
    "System.Threading.QueueUserWorkItemCallback.WaitCallback_Context(System.Object)",
    "System.Threading.ExecutionContext.RunInternal(System.Threading.ExecutionContext, "
    "System.Threading.ContextCallback, System.Object, Boolean)",
    "System.Threading.ExecutionContext.Run(System.Threading.ExecutionContext, "
    "System.Threading.ContextCallback, System.Object, Boolean)",
    "System.Threading.QueueUserWorkItemCallback.System.Threading.IThreadPoolWorkItem."
    "ExecuteWorkItem()",
    "System.Threading.ThreadPoolWorkQueue.Dispatch()",
    "System.Threading._ThreadPoolWaitCallback.PerformWaitCallback()",
    NULL};

static const char *const CORE_ASYNC_FRAMES[] = {
    "MyApp.Importer.ImportOne(String path)",
    "MyApp.Importer.<>c__DisplayClass2_0.<<Run>b__0>d.MoveNext()",
    "System.Threading.Tasks.Task.<>c.<ThrowAsync>b__128_1(Object state)",
    "System.Threading.QueueUserWorkItemCallbackDefaultContext.Execute()",
    "System.Threading.ThreadPoolWorkQueue.Dispatch()",
    "System.Threading.PortableThreadPool.WorkerThread.WorkerThreadStart()",
    "System.Threading.Thread.StartCallback()",
    NULL};

static const char *const FRAMEWORK_WORKITEM_FRAMES[] = {
    "MyApp.Mailer.SendQueued(System.Object)",
    "System.Threading.QueueUserWorkItemCallback.WaitCallback_Context(System.Object)",
    "System.Threading.ExecutionContext.RunInternal(System.Threading.ExecutionContext, "
    "System.Threading.ContextCallback, System.Object, Boolean)",
    "System.Threading.ExecutionContext.Run(System.Threading.ExecutionContext, "
    "System.Threading.ContextCallback, System.Object, Boolean)",
    "System.Threading.QueueUserWorkItemCallback.System.Threading.IThreadPoolWorkItem."
    "ExecuteWorkItem()",
    "System.Threading.ThreadPoolWorkQueue.Dispatch()",
    "System.Threading._ThreadPoolWaitCallback.PerformWaitCallback()",
    NULL};

/* A .NET 6 pool thread: ends in Thread.StartCallback() like every .NET Core thread. */
static const char *const CORE_WORKITEM_FRAMES[] = {
    "MyApp.Mailer.SendQueued(Object state)",
    "System.Threading.QueueUserWorkItemCallbackDefaultContext.Execute()",
    "System.Threading.ThreadPoolWorkQueue.Dispatch()",
    "System.Threading.PortableThreadPool.WorkerThread.WorkerThreadStart()",
    "System.Threading.Thread.StartCallback()",
    NULL};

/* .NET Framework 4.x: the timer fires through a queued work item, so the stack also ends in
 * QueueUserWorkItemCallback and the pool dispatch. */
static const char *const FRAMEWORK_TIMER_FRAMES[] = {
    "MyApp.CacheRefresher.OnTick(System.Object)",
    "System.Threading.TimerQueueTimer.CallCallbackInContext(System.Object)",
    "System.Threading.ExecutionContext.RunInternal(System.Threading.ExecutionContext, "
    "System.Threading.ContextCallback, System.Object, Boolean)",
    "System.Threading.ExecutionContext.Run(System.Threading.ExecutionContext, "
    "System.Threading.ContextCallback, System.Object, Boolean)",
    "System.Threading.TimerQueueTimer.CallCallback()",
    "System.Threading.TimerQueueTimer.Fire()",
    "System.Threading.TimerQueue.FireQueuedTimerCompletion(System.Object)",
    "System.Threading.QueueUserWorkItemCallback.System.Threading.IThreadPoolWorkItem."
    "ExecuteWorkItem()",
    "System.Threading.ThreadPoolWorkQueue.Dispatch()",
    "System.Threading._ThreadPoolWaitCallback.PerformWaitCallback()",
    NULL};

static const char *const CORE_TIMER_FRAMES[] = {
    "MyApp.CacheRefresher.OnTick(Object state)",
    "System.Threading.ExecutionContext.RunInternal(ExecutionContext executionContext, "
    "ContextCallback callback, Object state)",
    "System.Threading.TimerQueueTimer.CallCallback(Boolean isThreadPool)",
    "System.Threading.TimerQueueTimer.Fire(Boolean isThreadPool)",
    "System.Threading.TimerQueue.FireNextTimers()",
    "System.Threading.TimerQueue.System.Threading.IThreadPoolWorkItem.Execute()",
    "System.Threading.ThreadPoolWorkQueue.Dispatch()",
    "System.Threading.PortableThreadPool.WorkerThread.WorkerThreadStart()",
    "System.Threading.Thread.StartCallback()",
    NULL};

static const char *const FRAMEWORK_THREAD_FRAMES[] = {
    "MyApp.QueueConsumer.Run()",
    "System.Threading.ThreadHelper.ThreadStart_Context(System.Object)",
    "System.Threading.ExecutionContext.RunInternal(System.Threading.ExecutionContext, "
    "System.Threading.ContextCallback, System.Object, Boolean)",
    "System.Threading.ExecutionContext.Run(System.Threading.ExecutionContext, "
    "System.Threading.ContextCallback, System.Object, Boolean)",
    "System.Threading.ExecutionContext.Run(System.Threading.ExecutionContext, "
    "System.Threading.ContextCallback, System.Object)",
    "System.Threading.ThreadHelper.ThreadStart()",
    NULL};

static const char *const CORE_THREAD_FRAMES[] = {"MyApp.QueueConsumer.Run()",
                                                 "System.Threading.Thread.StartCallback()", NULL};

static const char *const CORE6_THREAD_FRAMES[] = {
    "MyApp.QueueConsumer.Run()",
    "System.Threading.Thread.StartHelper.Callback(Object state)",
    "System.Threading.ExecutionContext.RunInternal(ExecutionContext executionContext, "
    "ContextCallback callback, Object state)",
    "System.Threading.Thread.StartHelper.Run()",
    "System.Threading.Thread.StartCallback()",
    NULL};

static const char *const MAIN_THREAD_FRAMES[] = {"MyApp.Program.Main(System.String[])", NULL};

/* ---- fixtures --------------------------------------------------------------------------- */

static int load_builtin(void **state)
{
    struct catalog *catalog = NULL;
    struct cs_error err = {{0}};
    if (catalog_load_builtin(&catalog, &err) != 0) {
        print_error("built-in catalog: %s\n", err.message);
        return -1;
    }
    *state = catalog;
    return 0;
}

static int free_catalog(void **state)
{
    catalog_free(*state);
    return 0;
}

/* Classifies and returns the signature id, failing the test when classification fails. */
static const char *classify(void **state, struct incident *incident)
{
    struct cs_error err = {{0}};
    int rc = catalog_classify(*state, incident, &err);
    if (rc != 0)
        fail_msg("classify: %s", err.message);
    assert_non_null(incident->signature);
    return incident->signature->id;
}

static const char *classify_dotnet(void **state, const char *application,
                                   enum dotnet_crash_kind kind, const char *const *frames,
                                   enum severity *severity)
{
    struct incident incident = {0};
    incident.dotnet = new_dotnet(application, kind);
    add_exception(incident.dotnet, "System.InvalidOperationException", frames);
    const char *id = classify(state, &incident);
    if (severity)
        *severity = incident.severity;
    incident_release(&incident);
    return id; /* points into the catalog, which outlives the incident */
}

static const char *classify_app_error(void **state, const char *application, uint32_t code,
                                      enum severity *severity)
{
    struct incident incident = {0};
    incident.app_error = new_app_error(application, code, "KERNELBASE.dll");
    const char *id = classify(state, &incident);
    if (severity)
        *severity = incident.severity;
    incident_release(&incident);
    return id;
}

/* ---- loader ----------------------------------------------------------------------------- */

#define SIG_OK                                                                                     \
    "\"title\": \"t\", \"severity\": \"high\", \"explanation\": \"e\", \"fix\": \"f\", "           \
    "\"match\": [{\"dotnet\": true}]"

static int load_text(const char *json, struct catalog **catalog, struct cs_error *err)
{
    return catalog_load_json(json, strlen(json), catalog, err);
}

/* Loading must fail and the message must contain every one of the given fragments. */
static void expect_load_error(const char *json, const char *fragment1, const char *fragment2)
{
    static int sentinel;
    struct catalog *catalog = (struct catalog *)&sentinel; /* must be reset to NULL */
    struct cs_error err = {{0}};
    assert_int_equal(load_text(json, &catalog, &err), -1);
    assert_null(catalog);
    if (strstr(err.message, fragment1) == NULL ||
        (fragment2 && strstr(err.message, fragment2) == NULL))
        fail_msg("error \"%s\" lacks \"%s\" / \"%s\"", err.message, fragment1,
                 fragment2 ? fragment2 : "");
}

static void test_load_minimal_catalog(void **state)
{
    (void)state;
    struct catalog *catalog = NULL;
    struct cs_error err = {{0}};
    const char *json = "{\"schema\": \"crashsig.signatures/1\", \"signatures\": ["
                       "{\"id\": \"a\", " SIG_OK "}, {\"id\": \"b-2\", " SIG_OK "}]}";
    assert_int_equal(load_text(json, &catalog, &err), 0);
    assert_int_equal(catalog_count(catalog), 2);
    assert_string_equal(catalog_at(catalog, 1)->id, "b-2");
    assert_null(catalog_at(catalog, 2));
    assert_ptr_equal(catalog_find(catalog, "a"), catalog_at(catalog, 0));
    assert_null(catalog_find(catalog, "c"));
    assert_int_equal(catalog_at(catalog, 0)->severity, SEVERITY_HIGH);
    catalog_free(catalog);
}

static void test_load_reads_only_length_bytes(void **state)
{
    (void)state;
    const char *json = "{\"schema\": \"crashsig.signatures/1\", \"signatures\": ["
                       "{\"id\": \"a\", " SIG_OK "}]}GARBAGE";
    struct catalog *catalog = NULL;
    struct cs_error err = {{0}};
    assert_int_equal(catalog_load_json(json, strlen(json) - 7, &catalog, &err), 0);
    catalog_free(catalog);
    expect_load_error(json, "invalid JSON", "line 1");
}

static void test_load_rejects_bad_json(void **state)
{
    (void)state;
    expect_load_error("{\"schema\": \n \"crashsig.signatures/1\", ", "invalid JSON", "line 2");
    expect_load_error("", "invalid JSON", NULL);
}

static void test_load_rejects_non_object(void **state)
{
    (void)state;
    expect_load_error("[]", "top level must be an object", NULL);
    expect_load_error("{\"schema\": \"crashsig.signatures/2\", \"signatures\": []}", "schema",
                      NULL);
    expect_load_error("{\"schema\": \"crashsig.signatures/1\", \"signatures\": []}",
                      "non-empty array", NULL);
    expect_load_error("{\"schema\": \"crashsig.signatures/1\", \"signatures\": [1]}", "signature 0",
                      "must be an object");
    expect_load_error("{\"schema\": \"crashsig.signatures/1\", \"sigs\": []}",
                      "unknown top-level key \"sigs\"", NULL);
}

static void test_load_rejects_unknown_keys(void **state)
{
    (void)state;
    expect_load_error("{\"schema\": \"crashsig.signatures/1\", \"signatures\": ["
                      "{\"id\": \"a\", " SIG_OK "}, {\"id\": \"b\", \"titel\": \"x\", " SIG_OK
                      "}]}",
                      "signature 1 (\"b\")", "unknown key \"titel\"");
    expect_load_error("{\"schema\": \"crashsig.signatures/1\", \"signatures\": [{\"id\": \"a\", "
                      "\"title\": \"t\", \"severity\": \"high\", \"explanation\": \"e\", "
                      "\"fix\": \"f\", \"match\": [{\"dotnet\": true, \"frame\": []}]}]}",
                      "match[0]", "unknown key \"frame\"");
    expect_load_error("{\"schema\": \"crashsig.signatures/1\", \"signatures\": [{\"id\": \"a\", "
                      "\"title\": \"t\", \"severity\": \"high\", \"explanation\": \"e\", "
                      "\"fix\": \"f\", \"match\": [{\"frames\": [{\"any\": [\"x\"], "
                      "\"botom\": 3}]}]}]}",
                      "match[0].frames[0]", "unknown key \"botom\"");
    expect_load_error("{\"schema\": \"crashsig.signatures/1\", \"signatures\": [{\"id\": \"a\", "
                      "\"title\": \"t\", \"title\": \"u\", \"severity\": \"high\", "
                      "\"explanation\": \"e\", \"fix\": \"f\", \"match\": [{\"dotnet\": true}]}]}",
                      "(\"a\")", "duplicate key \"title\"");
}

static void test_load_rejects_bad_severity(void **state)
{
    (void)state;
    expect_load_error("{\"schema\": \"crashsig.signatures/1\", \"signatures\": [{\"id\": \"a\", "
                      "\"title\": \"t\", \"severity\": \"severe\", \"explanation\": \"e\", "
                      "\"fix\": \"f\", \"match\": [{\"dotnet\": true}]}]}",
                      "(\"a\"): severity", "critical");
    expect_load_error("{\"schema\": \"crashsig.signatures/1\", \"signatures\": [{\"id\": \"a\", "
                      "\"title\": \"t\", \"severity\": \"High\", \"explanation\": \"e\", "
                      "\"fix\": \"f\", \"match\": [{\"dotnet\": true}]}]}",
                      "(\"a\"): severity", NULL);
    expect_load_error(
        "{\"schema\": \"crashsig.signatures/1\", \"signatures\": [{\"id\": \"a\", " SIG_OK
        ", \"severity_by_application\": [{\"application\": \"w3wp.exe\", "
        "\"severity\": \"none\"}]}]}",
        "severity_by_application[0].severity", NULL);
}

static void test_load_rejects_duplicate_id(void **state)
{
    (void)state;
    expect_load_error("{\"schema\": \"crashsig.signatures/1\", \"signatures\": ["
                      "{\"id\": \"a\", " SIG_OK "}, {\"id\": \"a\", " SIG_OK "}]}",
                      "signature 1 (\"a\"): id", "duplicate id");
    expect_load_error("{\"schema\": \"crashsig.signatures/1\", \"signatures\": ["
                      "{\"id\": \"Bad_Id\", " SIG_OK "}]}",
                      "signature 0: id", "kebab-case");
}

static void test_load_rejects_empty_match_and_texts(void **state)
{
    (void)state;
    expect_load_error("{\"schema\": \"crashsig.signatures/1\", \"signatures\": [{\"id\": \"a\", "
                      "\"title\": \"t\", \"severity\": \"low\", \"explanation\": \"e\", "
                      "\"fix\": \"f\", \"match\": []}]}",
                      "(\"a\"): match", "non-empty");
    expect_load_error("{\"schema\": \"crashsig.signatures/1\", \"signatures\": [{\"id\": \"a\", "
                      "\"title\": \"t\", \"severity\": \"low\", \"explanation\": \"e\", "
                      "\"fix\": \"f\", \"match\": [{}]}]}",
                      "match[0]", "no condition");
    expect_load_error("{\"schema\": \"crashsig.signatures/1\", \"signatures\": [{\"id\": \"a\", "
                      "\"title\": \"t\", \"severity\": \"low\", \"explanation\": \"\", "
                      "\"fix\": \"f\", \"match\": [{\"dotnet\": true}]}]}",
                      "(\"a\"): explanation", "non-empty");
    expect_load_error("{\"schema\": \"crashsig.signatures/1\", \"signatures\": [{\"id\": \"a\", "
                      "\"title\": \"t\", \"severity\": \"low\", \"explanation\": \"e\", "
                      "\"match\": [{\"dotnet\": true}]}]}",
                      "(\"a\"): fix", "missing");
}

static void test_load_rejects_bad_conditions(void **state)
{
    (void)state;
    static const struct {
        const char *rule, *fragment;
    } cases[] = {
        {"{\"exception_code\": [\"E0434352\"]}", "8 lower-case hex"},
        {"{\"exception_code\": [\"e043435\"]}", "8 lower-case hex"},
        {"{\"exception_code\": [\"e04343520\"]}", "8 lower-case hex"},
        {"{\"kind\": [\"overflow\"]}", "unknown kind \"overflow\""},
        {"{\"dotnet\": \"yes\"}", "match[0].dotnet"},
        {"{\"managed_exception\": 0}", "match[0].managed_exception"},
        {"{\"frames\": [{\"any\": [\"x\"], \"bottom\": 0}]}", "frames[0].bottom"},
        {"{\"frames\": [{\"any\": [\"x\"], \"bottom\": 1.5}]}", "positive integer"},
        {"{\"frames\": [{\"any\": [\"x\"], \"none\": [\"y\"]}]}", "exactly one"},
        {"{\"frames\": [{\"bottom\": 2}]}", "exactly one"},
        {"{\"frames\": [{\"any\": []}]}", "frames[0].any"},
        {"{\"module\": [\"\"]}", "match[0].module"},
        {"{\"application\": \"w3wp.exe\"}", "match[0].application"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char json[1024];
        snprintf(json, sizeof(json),
                 "{\"schema\": \"crashsig.signatures/1\", \"signatures\": [{\"id\": \"r\", "
                 "\"title\": \"t\", \"severity\": \"low\", \"explanation\": \"e\", "
                 "\"fix\": \"f\", \"match\": [%s]}]}",
                 cases[i].rule);
        expect_load_error(json, "(\"r\")", cases[i].fragment);
    }
    expect_load_error(
        "{\"schema\": \"crashsig.signatures/1\", \"signatures\": [{\"id\": \"a\", " SIG_OK
        ", \"mark\": [{\"none\": [\"x\"]}]}]}",
        "mark[0]", "never required");
}

/* ---- the built-in catalog --------------------------------------------------------------- */

static void test_builtin_catalog_order(void **state)
{
    static const char *const expected[] = {"stack-overflow",
                                           "failfast",
                                           "clr-internal-error",
                                           "native-exception",
                                           "async-void-threadpool",
                                           "timer-callback",
                                           "threadpool-workitem",
                                           "dedicated-thread",
                                           "unhandled-exception",
                                           "iis-worker-hang",
                                           "aspnetcore-startup-failure",
                                           "iis-worker-died",
                                           "native-crash"};
    const struct catalog *catalog = *state;
    assert_int_equal(catalog_count(catalog), sizeof(expected) / sizeof(expected[0]));
    for (size_t i = 0; i < catalog_count(catalog); i++) {
        const struct signature *sig = catalog_at(catalog, i);
        assert_string_equal(sig->id, expected[i]);
        assert_true(strlen(sig->title) > 10);
        assert_true(strlen(sig->explanation) > 100);
        assert_true(strlen(sig->fix) > 100);
    }
}

static void test_seed_in_iis_is_async_void_critical(void **state)
{
    struct incident incident = {0};
    incident.dotnet = new_dotnet("w3wp.exe", DOTNET_KIND_UNHANDLED_EXCEPTION);
    add_exception(incident.dotnet, "System.InvalidOperationException", SEED_FRAMES);
    incident.app_error = new_app_error("w3wp.exe", APP_ERROR_CODE_CLR_EXCEPTION, "KERNELBASE.dll");
    incident.paired = true;
    assert_string_equal(classify(state, &incident), "async-void-threadpool");
    assert_int_equal(incident.severity, SEVERITY_CRITICAL);
    /* The async lambda (mark), ThrowAsync and the dispatch frame, in stack order. */
    const struct dotnet_frame *frames = incident.dotnet->crash->exceptions[0].frames;
    assert_int_equal(incident.matched_count, 3);
    assert_ptr_equal(incident_matched_frame(&incident, 0), &frames[0]);
    assert_ptr_equal(incident_matched_frame(&incident, 1), &frames[1]);
    assert_ptr_equal(incident_matched_frame(&incident, 2), &frames[6]);
    incident_release(&incident);
}

/* A .NET event that names no managed exception reports a native fault: native-exception, even
 * when the managed callers it lists ran on a thread-pool thread, and in w3wp.exe critical. */
static void test_native_exception_in_dotnet_process(void **state)
{
    static const char *const pool_callers[] = {
        "Microsoft.AspNetCore.Server.IIS.NativeMethods.http_flush_response_bytes(IntPtr)",
        "System.Threading.ThreadPoolWorkQueue.Dispatch()",
        "System.Threading.PortableThreadPool+WorkerThread.WorkerThreadStart()",
        "System.Threading.Thread.StartCallback()", NULL};
    struct incident incident = {0};
    incident.dotnet = new_dotnet("w3wp.exe", DOTNET_KIND_UNHANDLED_EXCEPTION);
    set_stack(incident.dotnet, pool_callers);
    incident.app_error = new_app_error("w3wp.exe", 0xc0000005u, "aspnetcorev2_inprocess.dll");
    incident.paired = true;
    assert_string_equal(classify(state, &incident), "native-exception");
    assert_int_equal(incident.severity, SEVERITY_CRITICAL);
    incident_release(&incident);

    /* with a managed exception on the same thread, the frames decide as before */
    enum severity severity;
    assert_string_equal(classify_dotnet(state, "w3wp.exe", DOTNET_KIND_UNHANDLED_EXCEPTION,
                                        pool_callers, &severity),
                        "threadpool-workitem");
}

static void test_seed_outside_iis_is_high(void **state)
{
    enum severity severity;
    assert_string_equal(classify_dotnet(state, "MyService.exe", DOTNET_KIND_UNHANDLED_EXCEPTION,
                                        SEED_FRAMES, &severity),
                        "async-void-threadpool");
    assert_int_equal(severity, SEVERITY_HIGH);
    assert_string_equal(
        classify_dotnet(state, "W3WP.EXE", DOTNET_KIND_UNHANDLED_EXCEPTION, SEED_FRAMES, &severity),
        "async-void-threadpool");
    assert_int_equal(severity, SEVERITY_CRITICAL);
}

static void test_core_async_form(void **state)
{
    struct incident incident = {0};
    incident.dotnet = new_dotnet("Importer.exe", DOTNET_KIND_UNHANDLED_EXCEPTION);
    add_exception(incident.dotnet, "System.IO.IOException", CORE_ASYNC_FRAMES);
    assert_string_equal(classify(state, &incident), "async-void-threadpool");
    const struct dotnet_frame *frames = incident.dotnet->crash->exceptions[0].frames;
    assert_int_equal(incident.matched_count, 3);
    assert_ptr_equal(incident_matched_frame(&incident, 0),
                     &frames[1]); /* <<Run>b__0>d.MoveNext() */
    assert_ptr_equal(incident_matched_frame(&incident, 1), &frames[2]); /* <ThrowAsync> */
    assert_ptr_equal(incident_matched_frame(&incident, 2), &frames[4]); /* Dispatch() */
    incident_release(&incident);
}

static void test_async_lambda_without_throwasync(void **state)
{
    static const char *const frames[] = {
        "MyApp.Sync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()",
        "System.Threading.ThreadPoolWorkQueue.Dispatch()",
        "System.Threading._ThreadPoolWaitCallback.PerformWaitCallback()", NULL};
    assert_string_equal(
        classify_dotnet(state, "w3wp.exe", DOTNET_KIND_UNHANDLED_EXCEPTION, frames, NULL),
        "async-void-threadpool");
}

static void test_plain_work_items(void **state)
{
    assert_string_equal(classify_dotnet(state, "MyService.exe", DOTNET_KIND_UNHANDLED_EXCEPTION,
                                        FRAMEWORK_WORKITEM_FRAMES, NULL),
                        "threadpool-workitem");
    /* Thread.StartCallback() is present, but this is a pool thread, not a dedicated one. */
    assert_string_equal(classify_dotnet(state, "MyService.exe", DOTNET_KIND_UNHANDLED_EXCEPTION,
                                        CORE_WORKITEM_FRAMES, NULL),
                        "threadpool-workitem");
}

static void test_timer_callbacks_win_over_work_items(void **state)
{
    assert_string_equal(classify_dotnet(state, "MyService.exe", DOTNET_KIND_UNHANDLED_EXCEPTION,
                                        FRAMEWORK_TIMER_FRAMES, NULL),
                        "timer-callback");
    assert_string_equal(classify_dotnet(state, "MyService.exe", DOTNET_KIND_UNHANDLED_EXCEPTION,
                                        CORE_TIMER_FRAMES, NULL),
                        "timer-callback");
}

static void test_dedicated_threads(void **state)
{
    enum severity severity;
    assert_string_equal(classify_dotnet(state, "MyService.exe", DOTNET_KIND_UNHANDLED_EXCEPTION,
                                        FRAMEWORK_THREAD_FRAMES, &severity),
                        "dedicated-thread");
    assert_int_equal(severity, SEVERITY_HIGH);
    assert_string_equal(classify_dotnet(state, "MyService.exe", DOTNET_KIND_UNHANDLED_EXCEPTION,
                                        CORE_THREAD_FRAMES, NULL),
                        "dedicated-thread");
    assert_string_equal(classify_dotnet(state, "MyService.exe", DOTNET_KIND_UNHANDLED_EXCEPTION,
                                        CORE6_THREAD_FRAMES, NULL),
                        "dedicated-thread");
}

/* Thread.StartCallback() at the bottom with a pool frame the pool signatures do not list must
 * not be called a dedicated thread. */
static void test_start_callback_with_pool_frame_is_not_dedicated(void **state)
{
    static const char *const frames[] = {
        "MyApp.Gate.Check()", "System.Threading.PortableThreadPool.GateThread.GateThreadStart()",
        "System.Threading.Thread.StartCallback()", NULL};
    assert_string_equal(
        classify_dotnet(state, "MyService.exe", DOTNET_KIND_UNHANDLED_EXCEPTION, frames, NULL),
        "unhandled-exception");
}

static void test_description_wins_over_frames(void **state)
{
    struct incident incident = {0};
    incident.dotnet = new_dotnet("w3wp.exe", DOTNET_KIND_STACK_OVERFLOW);
    set_stack(incident.dotnet, SEED_FRAMES);
    assert_string_equal(classify(state, &incident), "stack-overflow");
    assert_int_equal(incident.severity, SEVERITY_CRITICAL);
    assert_int_equal(incident.matched_count, 0);
    incident_release(&incident);

    assert_string_equal(
        classify_dotnet(state, "MyService.exe", DOTNET_KIND_FAILFAST, FRAMEWORK_TIMER_FRAMES, NULL),
        "failfast");
    assert_string_equal(classify_dotnet(state, "MyService.exe", DOTNET_KIND_INTERNAL_ERROR,
                                        CORE_WORKITEM_FRAMES, NULL),
                        "clr-internal-error");
}

static void test_fallback_to_unhandled_exception(void **state)
{
    enum severity severity;
    assert_string_equal(classify_dotnet(state, "MyApp.exe", DOTNET_KIND_UNHANDLED_EXCEPTION,
                                        MAIN_THREAD_FRAMES, &severity),
                        "unhandled-exception");
    assert_int_equal(severity, SEVERITY_HIGH);
    /* An event whose description was not recognised still is a managed crash. */
    struct incident incident = {0};
    incident.dotnet = new_dotnet("MyApp.exe", DOTNET_KIND_UNKNOWN);
    assert_string_equal(classify(state, &incident), "unhandled-exception");
    incident_release(&incident);
}

static void test_app_error_only(void **state)
{
    enum severity severity;
    assert_string_equal(classify_app_error(state, "w3wp.exe", 0xe0434352u, &severity),
                        "unhandled-exception");
    assert_int_equal(severity, SEVERITY_CRITICAL);
    assert_string_equal(classify_app_error(state, "w3wp.exe", 0xc0000005u, &severity),
                        "native-crash");
    assert_int_equal(severity, SEVERITY_CRITICAL);
    assert_string_equal(classify_app_error(state, "notepad.exe", 0xc0000005u, &severity),
                        "native-crash");
    assert_int_equal(severity, SEVERITY_MEDIUM);
    assert_string_equal(classify_app_error(state, "app.exe", 0xc00000fdu, NULL), "stack-overflow");
    assert_string_equal(classify_app_error(state, "app.exe", 0x80131623u, NULL), "failfast");
    assert_string_equal(classify_app_error(state, "app.exe", 0x80131506u, NULL),
                        "clr-internal-error");
}

/* A 1000's code only decides when the .NET event is missing. */
static void test_dotnet_event_overrides_code(void **state)
{
    struct incident incident = {0};
    incident.dotnet = new_dotnet("MyApp.exe", DOTNET_KIND_UNHANDLED_EXCEPTION);
    add_exception(incident.dotnet, "System.Exception", MAIN_THREAD_FRAMES);
    incident.app_error = new_app_error("MyApp.exe", 0xc00000fdu, "clr.dll");
    assert_string_equal(classify(state, &incident), "unhandled-exception");
    incident_release(&incident);
}

static void test_reclassify_resets_matches(void **state)
{
    struct incident incident = {0};
    incident.dotnet = new_dotnet("w3wp.exe", DOTNET_KIND_UNHANDLED_EXCEPTION);
    add_exception(incident.dotnet, "System.Exception", SEED_FRAMES);
    classify(state, &incident);
    assert_int_equal(incident.matched_count, 3);
    incident.dotnet->crash->kind = DOTNET_KIND_FAILFAST;
    assert_string_equal(classify(state, &incident), "failfast");
    assert_int_equal(incident.matched_count, 0);
    incident_release(&incident);
}

/* ---- rule semantics, with small catalogs ------------------------------------------------ */

static struct catalog *load_rules(const char *rules_json, const char *extra)
{
    char json[2048];
    snprintf(json, sizeof(json),
             "{\"schema\": \"crashsig.signatures/1\", \"signatures\": [{\"id\": \"probe\", "
             "\"title\": \"t\", \"severity\": \"low\", \"explanation\": \"e\", \"fix\": \"f\", "
             "\"match\": %s%s}]}",
             rules_json, extra ? extra : "");
    struct catalog *catalog = NULL;
    struct cs_error err = {{0}};
    if (load_text(json, &catalog, &err) != 0)
        fail_msg("load: %s", err.message);
    return catalog;
}

/* True when the one-signature catalog matches the incident. */
static bool probe(struct catalog *catalog, struct incident *incident)
{
    struct cs_error err = {{0}};
    int rc = catalog_classify(catalog, incident, &err);
    if (rc != 0) {
        assert_null(incident->signature);
        assert_non_null(strstr(err.message, "catch-all"));
    }
    return rc == 0;
}

static void test_rule_conditions(void **state)
{
    (void)state;
    struct incident incident = {0};
    incident.dotnet = new_dotnet("MyApp.exe", DOTNET_KIND_UNHANDLED_EXCEPTION);
    add_exception(incident.dotnet, "System.IO.FileNotFoundException", MAIN_THREAD_FRAMES);
    add_exception(incident.dotnet, "System.Reflection.TargetInvocationException",
                  FRAMEWORK_THREAD_FRAMES);
    incident.app_error = new_app_error("MyApp.exe", 0xe0434352u, "KERNELBASE.dll");
    static const struct {
        const char *rules;
        bool matches;
    } cases[] = {
        {"[{\"exception_type\": [\"System.IO.*\"]}]", true},
        {"[{\"exception_type\": [\"system.io.*\"]}]", false},
        {"[{\"exception_type\": [\"*TargetInvocation*\"]}]", true},
        {"[{\"module\": [\"kernelbase.DLL\"]}]", true},
        {"[{\"module\": [\"clr.dll\"]}]", false},
        {"[{\"application\": [\"myapp.*\"]}]", true},
        {"[{\"application\": [\"w3wp.exe\"]}]", false},
        {"[{\"exception_code\": [\"c0000005\", \"e0434352\"]}]", true},
        {"[{\"kind\": [\"stack_overflow\", \"failfast\"]}]", false},
        {"[{\"kind\": [\"unhandled_exception\"], \"dotnet\": true}]", true},
        {"[{\"dotnet\": false}]", false},
        {"[{\"dotnet\": false}, {\"application\": [\"nope\"]}, {\"module\": [\"*\"]}]", true},
        {"[{\"dotnet\": true, \"module\": [\"clr.dll\"]}]", false},
        {"[{\"frames\": [{\"any\": [\"MyApp.Program.Main(*)\"]}]}]", true},
        {"[{\"frames\": [{\"any\": [\"MyApp.Program.Main(*)\"], \"bottom\": 6}]}]", false},
        {"[{\"frames\": [{\"any\": [\"*ThreadHelper.ThreadStart()\"], \"bottom\": 1}]}]", true},
        {"[{\"frames\": [{\"any\": [\"MyApp.QueueConsumer.Run()\"], \"bottom\": 5}]}]", false},
        {"[{\"frames\": [{\"any\": [\"MyApp.QueueConsumer.Run()\"], \"bottom\": 6}]}]", true},
        {"[{\"frames\": [{\"none\": [\"MyApp.*\"], \"bottom\": 5}]}]", true},
        {"[{\"frames\": [{\"none\": [\"MyApp.*\"]}]}]", false},
        {"[{\"frames\": [{\"any\": [\"myapp.*\"]}]}]", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct catalog *catalog = load_rules(cases[i].rules, NULL);
        if (probe(catalog, &incident) != cases[i].matches)
            fail_msg("rule %s: expected %s", cases[i].rules, cases[i].matches ? "match" : "none");
        catalog_free(catalog);
    }
    incident_release(&incident);
}

static void test_conditions_without_events(void **state)
{
    (void)state;
    struct incident incident = {0};
    incident.app_error = new_app_error("MyApp.exe", 0xc0000005u, "ntdll.dll");
    static const char *const never[] = {"[{\"kind\": [\"unhandled_exception\"]}]",
                                        "[{\"frames\": [{\"any\": [\"*\"]}]}]",
                                        "[{\"exception_type\": [\"*\"]}]"};
    for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
        struct catalog *catalog = load_rules(never[i], NULL);
        assert_false(probe(catalog, &incident));
        catalog_free(catalog);
    }
    incident_release(&incident);
    incident.dotnet = new_dotnet("MyApp.exe", DOTNET_KIND_UNHANDLED_EXCEPTION);
    struct catalog *catalog = load_rules("[{\"exception_code\": [\"e0434352\"]}]", NULL);
    assert_false(probe(catalog, &incident)); /* no 1000: no code */
    catalog_free(catalog);
    incident_release(&incident);
}

/* Matched frames: one per requirement (its topmost), marks added, in stack order across
 * exception blocks; a requirement finding an already recorded frame adds nothing. */
static void test_matched_frames_in_stack_order(void **state)
{
    (void)state;
    struct incident incident = {0};
    incident.dotnet = new_dotnet("MyApp.exe", DOTNET_KIND_UNHANDLED_EXCEPTION);
    add_exception(incident.dotnet, "System.IO.FileNotFoundException", MAIN_THREAD_FRAMES);
    add_exception(incident.dotnet, "System.Exception", FRAMEWORK_THREAD_FRAMES);
    struct catalog *catalog =
        load_rules("[{\"frames\": [{\"any\": [\"*ThreadStart()\"], \"bottom\": 3}, "
                   "{\"any\": [\"*.Main(*)\"]}]}]",
                   ", \"mark\": [{\"any\": [\"*.Run()\"]}, {\"any\": [\"*.Nothing()\"]}]");
    assert_true(probe(catalog, &incident));
    const struct dotnet_crash *c = incident.dotnet->crash;
    assert_int_equal(incident.matched_count, 3);
    assert_ptr_equal(incident_matched_frame(&incident, 0), &c->exceptions[0].frames[0]);
    assert_ptr_equal(incident_matched_frame(&incident, 1), &c->exceptions[1].frames[0]);
    assert_ptr_equal(incident_matched_frame(&incident, 2), &c->exceptions[1].frames[5]);
    catalog_free(catalog);

    catalog = load_rules("[{\"frames\": [{\"any\": [\"*.Main(*)\"]}, {\"any\": [\"*\"]}, "
                         "{\"any\": [\"MyApp.*\"]}]}]",
                         NULL);
    assert_true(probe(catalog, &incident));
    assert_int_equal(incident.matched_count, 1);
    catalog_free(catalog);
    incident_release(&incident);
}

/* Ten requirements finding ten different frames: the cap keeps the first eight found (bottom
 * 1..8: frames 9..2), reported in stack order. */
static void test_matched_frames_capped(void **state)
{
    (void)state;
    struct incident incident = {0};
    incident.dotnet = new_dotnet("MyApp.exe", DOTNET_KIND_UNHANDLED_EXCEPTION);
    add_exception(incident.dotnet, "System.Exception", FRAMEWORK_TIMER_FRAMES);
    char rules[1024] = "[{\"frames\": [";
    for (int i = 0; i < 10; i++) {
        char req[64];
        snprintf(req, sizeof(req), "%s{\"any\": [\"*\"], \"bottom\": %d}", i ? ", " : "", i + 1);
        strcat(rules, req);
    }
    strcat(rules, "]}]");
    struct catalog *catalog = load_rules(rules, NULL);
    assert_true(probe(catalog, &incident));
    assert_int_equal(incident.matched_count, INCIDENT_MAX_MATCHED_FRAMES);
    const struct dotnet_frame *frames = incident.dotnet->crash->exceptions[0].frames;
    for (size_t i = 0; i < INCIDENT_MAX_MATCHED_FRAMES; i++)
        assert_ptr_equal(incident_matched_frame(&incident, i), &frames[i + 2]);
    catalog_free(catalog);
    incident_release(&incident);
}

static void test_severity_for_application(void **state)
{
    (void)state;
    struct catalog *catalog = load_rules(
        "[{\"dotnet\": true}]", ", \"severity_by_application\": [{\"application\": \"w3wp*.exe\", "
                                "\"severity\": \"critical\"}, {\"application\": \"*\", "
                                "\"severity\": \"medium\"}]");
    const struct signature *sig = catalog_at(catalog, 0);
    assert_int_equal(signature_severity_for(sig, "W3WP.exe"), SEVERITY_CRITICAL);
    assert_int_equal(signature_severity_for(sig, "MyApp.exe"), SEVERITY_MEDIUM);
    assert_int_equal(signature_severity_for(sig, NULL), SEVERITY_LOW);
    catalog_free(catalog);
}

/* The memo gives every incident what catalog_classify gives it, though incidents share one
 * crash and differ only in what else the rules read (application, code, module); and those
 * differences do change the result, so a memo that ignored them would fail here. */
static void test_memo_same_as_classify(void **state)
{
    struct dotnet_event *seed = new_dotnet("", DOTNET_KIND_UNHANDLED_EXCEPTION);
    add_exception(seed, "System.InvalidOperationException", SEED_FRAMES);
    struct dotnet_event *plain = new_dotnet("", DOTNET_KIND_UNHANDLED_EXCEPTION);
    add_exception(plain, "System.InvalidOperationException", MAIN_THREAD_FRAMES);
    static const struct {
        int crash; /* 0 seed, 1 plain, 2 none */
        const char *application, *module;
        uint32_t code;
    } cases[] = {
        {0, "w3wp.exe", "KERNELBASE.dll", 0xe0434352u},
        {0, "MyService.exe", "KERNELBASE.dll", 0xe0434352u},
        {0, "w3wp.exe", "clr.dll", 0xc0000005u},
        {0, "w3wp.exe", "KERNELBASE.dll", 0xe0434352u},
        {1, "w3wp.exe", "KERNELBASE.dll", 0xe0434352u},
        {2, "w3wp.exe", "ntdll.dll", 0xc00000fdu},
        {2, "w3wp.exe", "ntdll.dll", 0xc0000005u},
        {0, "MyService.exe", "KERNELBASE.dll", 0xe0434352u},
    };
    enum { CASES = sizeof(cases) / sizeof(cases[0]) };
    /* the memo borrows the incidents' strings: they live until it is freed */
    struct app_error_event *faults[2 * CASES];
    struct classify_memo *memo = classify_memo_new();
    const struct signature *first_sig = NULL;
    enum severity first_severity = SEVERITY_NONE;
    bool seed_results_differ = false;
    for (size_t round = 0; round < 2; round++) {
        for (size_t i = 0; i < CASES; i++) {
            struct incident incident = {0};
            incident.dotnet = cases[i].crash == 0 ? seed : cases[i].crash == 1 ? plain : NULL;
            incident.app_error = faults[round * CASES + i] =
                new_app_error(cases[i].application, cases[i].code, cases[i].module);
            struct cs_error err = {{0}};
            assert_int_equal(catalog_classify_memo(*state, memo, &incident, &err), 0);
            struct incident fresh = incident;
            assert_int_equal(catalog_classify(*state, &fresh, &err), 0);
            assert_ptr_equal(incident.signature, fresh.signature);
            assert_int_equal(incident.severity, fresh.severity);
            assert_int_equal(incident.matched_count, fresh.matched_count);
            assert_memory_equal(incident.matched, fresh.matched, sizeof(incident.matched));
            if (cases[i].crash == 0 && first_sig == NULL) {
                first_sig = fresh.signature;
                first_severity = fresh.severity;
            } else if (cases[i].crash == 0) {
                seed_results_differ |=
                    fresh.signature != first_sig || fresh.severity != first_severity;
            }
        }
    }
    assert_true(seed_results_differ);
    classify_memo_free(memo);
    for (size_t i = 0; i < 2 * CASES; i++)
        app_error_event_free(faults[i]);
    dotnet_event_free(seed);
    dotnet_event_free(plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_minimal_catalog),
        cmocka_unit_test(test_load_reads_only_length_bytes),
        cmocka_unit_test(test_load_rejects_bad_json),
        cmocka_unit_test(test_load_rejects_non_object),
        cmocka_unit_test(test_load_rejects_unknown_keys),
        cmocka_unit_test(test_load_rejects_bad_severity),
        cmocka_unit_test(test_load_rejects_duplicate_id),
        cmocka_unit_test(test_load_rejects_empty_match_and_texts),
        cmocka_unit_test(test_load_rejects_bad_conditions),
        cmocka_unit_test_setup_teardown(test_builtin_catalog_order, load_builtin, free_catalog),
        cmocka_unit_test_setup_teardown(test_seed_in_iis_is_async_void_critical, load_builtin,
                                        free_catalog),
        cmocka_unit_test_setup_teardown(test_memo_same_as_classify, load_builtin, free_catalog),
        cmocka_unit_test_setup_teardown(test_native_exception_in_dotnet_process, load_builtin,
                                        free_catalog),
        cmocka_unit_test_setup_teardown(test_seed_outside_iis_is_high, load_builtin, free_catalog),
        cmocka_unit_test_setup_teardown(test_core_async_form, load_builtin, free_catalog),
        cmocka_unit_test_setup_teardown(test_async_lambda_without_throwasync, load_builtin,
                                        free_catalog),
        cmocka_unit_test_setup_teardown(test_plain_work_items, load_builtin, free_catalog),
        cmocka_unit_test_setup_teardown(test_timer_callbacks_win_over_work_items, load_builtin,
                                        free_catalog),
        cmocka_unit_test_setup_teardown(test_dedicated_threads, load_builtin, free_catalog),
        cmocka_unit_test_setup_teardown(test_start_callback_with_pool_frame_is_not_dedicated,
                                        load_builtin, free_catalog),
        cmocka_unit_test_setup_teardown(test_description_wins_over_frames, load_builtin,
                                        free_catalog),
        cmocka_unit_test_setup_teardown(test_fallback_to_unhandled_exception, load_builtin,
                                        free_catalog),
        cmocka_unit_test_setup_teardown(test_app_error_only, load_builtin, free_catalog),
        cmocka_unit_test_setup_teardown(test_dotnet_event_overrides_code, load_builtin,
                                        free_catalog),
        cmocka_unit_test_setup_teardown(test_reclassify_resets_matches, load_builtin, free_catalog),
        cmocka_unit_test(test_rule_conditions),
        cmocka_unit_test(test_conditions_without_events),
        cmocka_unit_test(test_matched_frames_in_stack_order),
        cmocka_unit_test(test_matched_frames_capped),
        cmocka_unit_test(test_severity_for_application),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
