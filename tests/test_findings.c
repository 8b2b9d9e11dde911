/*
 * test_findings.c - first user frame, fingerprints and the grouping of incidents into findings
 * (src/findings.c).
 *
 * The fingerprint tests pin exact values computed independently from the recipe in
 * docs/signatures.md: a change in these values breaks every stored baseline, so it must be a
 * deliberate new version ("v2"), never an accident.
 *
 * Not for: choosing signatures (test_signatures.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "crashsig/findings.h"
#include "crashsig/signatures.h"

static char ASYNC_VOID_ID[] = "async-void-threadpool";
static char NATIVE_ID[] = "native-crash";
static char TIMER_ID[] = "timer-callback";
static const struct signature ASYNC_VOID = {.id = ASYNC_VOID_ID, .severity = SEVERITY_HIGH};
static const struct signature NATIVE = {.id = NATIVE_ID, .severity = SEVERITY_MEDIUM};
static const struct signature TIMER = {.id = TIMER_ID, .severity = SEVERITY_HIGH};
static char NATIVE_EXCEPTION_ID[] = "native-exception";
static const struct signature NATIVE_EXCEPTION = {.id = NATIVE_EXCEPTION_ID,
                                                  .severity = SEVERITY_HIGH};

static const char *const SEED_FRAMES[] = {
    "MyApp.Sync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()",
    "System.Runtime.CompilerServices.AsyncMethodBuilderCore+<>c.<ThrowAsync>b__6_1(System.Object)",
    "System.Threading.ThreadPoolWorkQueue.Dispatch()",
    "System.Threading._ThreadPoolWaitCallback.PerformWaitCallback()", NULL};

/* recipe 2 (written now) and recipe 1 (read in old baselines), docs/signatures.md */
static const char *const SEED_FINGERPRINT = "e60c6e84b2d0d3d2";
static const char *const SEED_FINGERPRINT_V1 = "1cee82d527c9c574";

/* ---- building incidents ----------------------------------------------------------------- */

static struct dotnet_frame *copy_frames(const char *const *methods, size_t *count)
{
    size_t n = 0;
    while (methods && methods[n])
        n++;
    struct dotnet_frame *frames = cs_xcalloc(n, sizeof(*frames));
    for (size_t i = 0; i < n; i++) {
        frames[i].text = cs_strdup(methods[i]);
        frames[i].method = cs_strdup(methods[i]);
    }
    *count = n;
    return frames;
}

static void add_exception(struct dotnet_event *ev, const char *type, const char *const *methods)
{
    struct dotnet_crash *c = ev->crash;
    c->exceptions = cs_xrealloc(c->exceptions, (c->exception_count + 1) * sizeof(*c->exceptions));
    struct dotnet_exception *e = &c->exceptions[c->exception_count++];
    memset(e, 0, sizeof(*e));
    e->type = cs_strdup(type);
    e->frames = copy_frames(methods, &e->frame_count);
}

/* A .NET crash with one exception; computer, record id and time vary per occurrence. */
static struct incident dotnet_incident(const char *computer, const char *application,
                                       const char *type, const char *const *frames,
                                       cs_filetime time)
{
    struct incident incident = {0};
    struct dotnet_event *ev = dotnet_event_new();
    ev->event.computer = cs_strdup(computer);
    ev->event.record_id = time / 7;
    ev->event.event_record_id = time / 3;
    ev->event.time = time;
    ev->crash->application = cs_strdup(application);
    ev->crash->kind = DOTNET_KIND_UNHANDLED_EXCEPTION;
    add_exception(ev, type, frames);
    incident.dotnet = ev;
    incident.signature = &ASYNC_VOID;
    incident.severity = SEVERITY_HIGH;
    return incident;
}

static struct incident app_error_incident(const char *computer, const char *application,
                                          uint32_t code, const char *module, cs_filetime time)
{
    struct incident incident = {0};
    struct app_error_event *ev = cs_xcalloc(1, sizeof(*ev));
    ev->event.computer = cs_strdup(computer);
    ev->event.time = time;
    ev->fault.app_name = cs_strdup(application);
    ev->fault.module_name = module ? cs_strdup(module) : NULL;
    ev->fault.has_exception_code = true;
    ev->fault.exception_code = code;
    ev->fault.process_id = (uint32_t)time;
    incident.app_error = ev;
    incident.signature = &NATIVE;
    incident.severity = SEVERITY_MEDIUM;
    return incident;
}

static void incident_release(struct incident *incident)
{
    dotnet_event_free(incident->dotnet);
    app_error_event_free(incident->app_error);
    memset(incident, 0, sizeof(*incident));
}

/* ---- first user frame ------------------------------------------------------------------- */

static void test_user_frame_prefers_innermost_exception(void **state)
{
    (void)state;
    static const char *const inner[] = {"System.IO.File.OpenRead(System.String)",
                                        "MyApp.Config.Load(System.String)", "MyApp.Startup.Run()",
                                        NULL};
    static const char *const outer[] = {"MyApp.Plugin.Init()",
                                        "System.Threading.ThreadHelper.ThreadStart()", NULL};
    struct incident incident =
        dotnet_incident("WEB01", "app.exe", "System.IO.FileNotFoundException", inner, 1);
    add_exception(incident.dotnet, "System.Reflection.TargetInvocationException", outer);
    const struct dotnet_frame *frame = incident_user_frame(&incident);
    assert_non_null(frame);
    assert_string_equal(frame->method, "MyApp.Config.Load(System.String)");
    incident_release(&incident);
}

static void test_user_frame_falls_back_to_outer_and_stack(void **state)
{
    (void)state;
    static const char *const framework_only[] = {"System.Number.ParseInt32(System.String)",
                                                 "Microsoft.Extensions.Hosting.Run()", NULL};
    static const char *const outer[] = {"System.Threading.ThreadHelper.ThreadStart()",
                                        "MyApp.Worker.Loop()", NULL};
    struct incident incident =
        dotnet_incident("WEB01", "app.exe", "System.FormatException", framework_only, 1);
    assert_null(incident_user_frame(&incident));
    struct dotnet_crash *crash = incident.dotnet->crash;
    static const char *const stack[] = {"System.Environment.FailFast(System.String)",
                                        "MyApp.Guard.Check()", NULL};
    crash->stack_frames = copy_frames(stack, &crash->stack_frame_count);
    assert_string_equal(incident_user_frame(&incident)->method, "MyApp.Guard.Check()");
    add_exception(incident.dotnet, "System.AggregateException", outer);
    assert_ptr_equal(incident_user_frame(&incident), &crash->exceptions[1].frames[1]);
    incident_release(&incident);

    struct incident native = app_error_incident("WEB01", "app.exe", 0xc0000005u, "x.dll", 1);
    assert_null(incident_user_frame(&native));
    incident_release(&native);
}

/* ---- fingerprints ----------------------------------------------------------------------- */

static void test_fingerprint_pinned_values(void **state)
{
    (void)state;
    struct incident seed =
        dotnet_incident("WEB01", "w3wp.exe", "System.InvalidOperationException", SEED_FRAMES, 1000);
    incident_fingerprint(&seed);
    assert_string_equal(seed.fingerprint, SEED_FINGERPRINT);
    char v1[INCIDENT_FINGERPRINT_SIZE];
    incident_fingerprint_v1(&seed, v1);
    assert_string_equal(v1, SEED_FINGERPRINT_V1);
    incident_release(&seed);

    struct incident native =
        app_error_incident("WEB01", "W3WP.EXE", 0xc0000005u, "NTDLL.dll", 1000);
    incident_fingerprint(&native);
    assert_string_equal(native.fingerprint, "3b2dd312c88f36db");
    incident_fingerprint_v1(&native, v1);
    assert_string_equal(v1, "4226ff8d8cb62084");
    incident_release(&native);
}

/* The same defect in two builds: the compiler renumbered its ordinals, the developer's names
 * stayed.  One fingerprint; a different local function or method is another. */
static void test_fingerprint_survives_rebuilds(void **state)
{
    (void)state;
    static const char *const build_1[] = {
        "MyApp.Sync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()", NULL};
    static const char *const build_2[] = {
        "MyApp.Sync+<>c__DisplayClass5_0+<<RunAll>b__1>d.MoveNext()", NULL};
    static const char *const parse[] = {"MyApp.Sync.<Process>g__Parse|3_1(System.String)", NULL};
    static const char *const local[] = {"MyApp.Sync.<Process>g__Local|3_0(System.String)", NULL};
    static const char *const local_renumbered[] = {
        "MyApp.Sync.<Process>g__Local|7_0(System.String)", NULL};
    static const char *const other_method[] = {
        "MyApp.Sync+<>c__DisplayClass4_0+<<SyncAll>b__0>d.MoveNext()", NULL};
    const char *const *stacks[] = {build_1, build_2, parse, local, local_renumbered, other_method};
    struct incident incidents[6];
    for (size_t i = 0; i < 6; i++) {
        incidents[i] =
            dotnet_incident("WEB01", "w3wp.exe", "System.InvalidOperationException", stacks[i], 1);
        incident_fingerprint(&incidents[i]);
    }
    assert_string_equal(incidents[0].fingerprint, incidents[1].fingerprint);
    assert_string_equal(incidents[3].fingerprint, incidents[4].fingerprint);
    assert_string_not_equal(incidents[2].fingerprint, incidents[3].fingerprint);
    assert_string_not_equal(incidents[0].fingerprint, incidents[5].fingerprint);
    /* recipe 1 told the builds apart: that is what a v1 baseline holds */
    char v1_a[INCIDENT_FINGERPRINT_SIZE], v1_b[INCIDENT_FINGERPRINT_SIZE];
    incident_fingerprint_v1(&incidents[0], v1_a);
    incident_fingerprint_v1(&incidents[1], v1_b);
    assert_string_not_equal(v1_a, v1_b);
    for (size_t i = 0; i < 6; i++)
        incident_release(&incidents[i]);
}

/* Occurrence details (computer, time, record ids, application case, file:line) never change
 * the fingerprint; what identifies the defect does. */
static void test_fingerprint_stability(void **state)
{
    (void)state;
    struct incident a =
        dotnet_incident("WEB01", "w3wp.exe", "System.InvalidOperationException", SEED_FRAMES, 1);
    struct incident b = dotnet_incident("web02.contoso.local", "W3wp.exe",
                                        "System.InvalidOperationException", SEED_FRAMES, 987654321);
    free(b.dotnet->crash->exceptions[0].frames[0].text);
    b.dotnet->crash->exceptions[0].frames[0].text =
        cs_strdup("MyApp.Sync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext() in C:\\src\\Sync.cs:"
                  "line 42");
    struct incident other_type =
        dotnet_incident("WEB01", "w3wp.exe", "System.NullReferenceException", SEED_FRAMES, 1);
    struct incident other_sig =
        dotnet_incident("WEB01", "w3wp.exe", "System.InvalidOperationException", SEED_FRAMES, 1);
    other_sig.signature = &TIMER;
    struct incident *all[] = {&a, &b, &other_type, &other_sig};
    for (size_t i = 0; i < 4; i++) {
        incident_fingerprint(all[i]);
        assert_int_equal(strlen(all[i]->fingerprint), 16);
        assert_int_equal(strspn(all[i]->fingerprint, "0123456789abcdef"), 16);
    }
    assert_string_equal(a.fingerprint, SEED_FINGERPRINT);
    assert_string_equal(b.fingerprint, SEED_FINGERPRINT);
    assert_string_not_equal(other_type.fingerprint, SEED_FINGERPRINT);
    assert_string_not_equal(other_sig.fingerprint, SEED_FINGERPRINT);
    assert_string_not_equal(other_sig.fingerprint, other_type.fingerprint);
    for (size_t i = 0; i < 4; i++)
        incident_release(all[i]);
}

static void test_fingerprint_without_dotnet_event(void **state)
{
    (void)state;
    struct incident a = app_error_incident("WEB01", "app.exe", 0xc0000005u, "ntdll.dll", 1);
    struct incident b = app_error_incident("WEB02", "APP.exe", 0xc0000005u, "NtDll.DLL", 99);
    struct incident other_code =
        app_error_incident("WEB01", "app.exe", 0xc0000409u, "ntdll.dll", 1);
    struct incident other_module = app_error_incident("WEB01", "app.exe", 0xc0000005u, NULL, 1);
    struct incident *all[] = {&a, &b, &other_code, &other_module};
    for (size_t i = 0; i < 4; i++)
        incident_fingerprint(all[i]);
    assert_string_equal(a.fingerprint, b.fingerprint);
    assert_string_not_equal(a.fingerprint, other_code.fingerprint);
    assert_string_not_equal(a.fingerprint, other_module.fingerprint);
    for (size_t i = 0; i < 4; i++)
        incident_release(all[i]);
}

/* A w3wp.exe native exception: code in the .NET text (0: none), code in its 1000 (0: no 1000),
 * and the managed frames of the "Stack:" list (NULL-terminated, or NULL for none). */
static struct incident native_incident(uint32_t text_code, uint32_t app_error_code,
                                       const char *const *frames)
{
    struct incident incident = {0};
    if (app_error_code)
        incident = app_error_incident("WEB01", "w3wp.exe", app_error_code, "CRYPT32.dll", 5);
    struct dotnet_event *ev = dotnet_event_new();
    ev->event.computer = cs_strdup("WEB01");
    ev->event.time = 4;
    ev->crash->application = cs_strdup("w3wp.exe");
    ev->crash->kind = DOTNET_KIND_UNHANDLED_EXCEPTION;
    ev->crash->has_native_code = text_code != 0;
    ev->crash->native_code = text_code;
    if (frames)
        ev->crash->stack_frames = copy_frames(frames, &ev->crash->stack_frame_count);
    incident.dotnet = ev;
    incident.paired = app_error_code != 0;
    incident.signature = &NATIVE_EXCEPTION;
    incident_fingerprint(&incident);
    return incident;
}

/* A native exception names no managed type: its code stands in for one, taken from the .NET
 * text or else from the 1000, so one fault groups whether or not its 1000 was found; with
 * only framework frames, the topmost (the P/Invoke) says where it happened. */
static void test_fingerprint_native_exception(void **state)
{
    (void)state;
    static const char *const flush[] = {"Microsoft.AspNetCore.Server.IIS.NativeMethods.flush()",
                                        "System.Threading.ThreadPoolWorkQueue.Dispatch()", NULL};
    static const char *const write[] = {"Microsoft.AspNetCore.Server.IIS.NativeMethods.write()",
                                        "System.Threading.ThreadPoolWorkQueue.Dispatch()", NULL};
    struct incident paired = native_incident(0xc0000005u, 0xc0000005u, NULL);
    struct incident lone = native_incident(0xc0000005u, 0, NULL);
    struct incident code_from_1000 = native_incident(0, 0xc0000005u, NULL);
    struct incident other_code = native_incident(0xc0000409u, 0xc0000409u, NULL);
    struct incident at_flush = native_incident(0, 0xc0000005u, flush);
    struct incident at_write = native_incident(0, 0xc0000005u, write);
    /* "v2\0native-exception\0w3wp.exe\0c0000005\0" (docs/signatures.md) */
    assert_string_equal(paired.fingerprint, "afd901d43813c023");
    assert_string_equal(lone.fingerprint, paired.fingerprint);
    assert_string_equal(code_from_1000.fingerprint, paired.fingerprint);
    assert_string_not_equal(other_code.fingerprint, paired.fingerprint);
    assert_string_not_equal(at_flush.fingerprint, paired.fingerprint);
    assert_string_not_equal(at_flush.fingerprint, at_write.fingerprint);
    struct incident *all[] = {&paired, &lone, &code_from_1000, &other_code, &at_flush, &at_write};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        incident_release(all[i]);
}

/* ---- findings --------------------------------------------------------------------------- */

static const struct finding *find_by_fingerprint(const struct finding_list *list,
                                                 const char *fingerprint)
{
    for (size_t i = 0; i < list->count; i++) {
        if (strcmp(list->items[i].fingerprint, fingerprint) == 0)
            return &list->items[i];
    }
    return NULL;
}

/* Seven incidents given out of time order:
 *   seed on w3wp (high, one of them critical) on WEB02, web01, WEB01 - 3 times
 *   the same code with another exception type       - 1 time, high
 *   a native crash (medium)                          - 2 times
 *   a timer crash on another app (high)              - 1 time, the most recent */
static void build_sample(struct incident_list *list)
{
    static const char *const timer_frames[] = {"MyApp.Cache.OnTick(System.Object)",
                                               "System.Threading.TimerQueueTimer.CallCallback()",
                                               NULL};
    struct incident items[7];
    items[0] =
        dotnet_incident("WEB02", "w3wp.exe", "System.InvalidOperationException", SEED_FRAMES, 300);
    items[1] = app_error_incident("DB01", "sqlagent.exe", 0xc0000005u, "ntdll.dll", 50);
    items[2] =
        dotnet_incident("web01", "w3wp.exe", "System.InvalidOperationException", SEED_FRAMES, 100);
    items[2].severity = SEVERITY_CRITICAL;
    items[3] =
        dotnet_incident("WEB01", "w3wp.exe", "System.NullReferenceException", SEED_FRAMES, 200);
    items[4] =
        dotnet_incident("WEB01", "w3wp.exe", "System.InvalidOperationException", SEED_FRAMES, 200);
    items[5] = app_error_incident("DB02", "sqlagent.exe", 0xc0000005u, "ntdll.dll", 60);
    items[6] = dotnet_incident("APP01", "Worker.exe", "System.TimeoutException", timer_frames, 900);
    items[6].signature = &TIMER;
    memset(list, 0, sizeof(*list));
    for (size_t i = 0; i < 7; i++) {
        incident_fingerprint(&items[i]);
        incident_list_push(list, &items[i]);
    }
}

static void test_findings_group_and_order(void **state)
{
    (void)state;
    struct incident_list list;
    build_sample(&list);
    struct finding_list findings;
    findings_group(&list, &findings);
    assert_int_equal(findings.count, 4);

    const struct finding *seed = &findings.items[0];
    assert_string_equal(seed->fingerprint, SEED_FINGERPRINT);
    assert_int_equal(seed->severity, SEVERITY_CRITICAL);
    assert_ptr_equal(seed->signature, &ASYNC_VOID);
    assert_int_equal(seed->count, 3);
    assert_int_equal(seed->first, 100);
    assert_int_equal(seed->last, 300);
    assert_int_equal(seed->incidents[0], 2);
    assert_int_equal(seed->incidents[1], 4);
    assert_int_equal(seed->incidents[2], 0);
    assert_int_equal(seed->computer_count, 2);        /* web01 and WEB01 are one computer */
    assert_string_equal(seed->computers[0], "web01"); /* the earliest spelling */
    assert_string_equal(seed->computers[1], "WEB02");
    assert_string_equal(seed->application, "w3wp.exe");
    assert_string_equal(seed->exception, "System.InvalidOperationException");
    assert_string_equal(seed->user_frame,
                        "MyApp.Sync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()");

    /* Both high with one incident: the more recent first. */
    assert_string_equal(findings.items[1].exception, "System.TimeoutException");
    assert_int_equal(findings.items[1].last, 900);
    assert_string_equal(findings.items[2].exception, "System.NullReferenceException");

    const struct finding *native = &findings.items[3];
    assert_int_equal(native->severity, SEVERITY_MEDIUM);
    assert_int_equal(native->count, 2);
    assert_string_equal(native->exception, "c0000005");
    assert_null(native->user_frame);
    assert_int_equal(native->computer_count, 2);
    assert_string_equal(native->computers[0], "DB01");
    assert_string_equal(native->computers[1], "DB02");
    finding_list_free(&findings);
    assert_int_equal(findings.count, 0);
    incident_list_free(&list);
}

/* The same incidents in reverse order give the same findings in the same order. */
static void test_findings_independent_of_input_order(void **state)
{
    (void)state;
    struct incident_list list, reversed = {0};
    build_sample(&list);
    for (size_t i = list.count; i-- > 0;)
        incident_list_push(&reversed, &list.items[i]);
    struct finding_list a, b;
    findings_group(&list, &a);
    findings_group(&reversed, &b);
    assert_int_equal(a.count, b.count);
    for (size_t i = 0; i < a.count; i++) {
        assert_string_equal(a.items[i].fingerprint, b.items[i].fingerprint);
        assert_int_equal(a.items[i].count, b.items[i].count);
        for (size_t k = 0; k < a.items[i].count; k++)
            assert_int_equal(a.items[i].incidents[k], list.count - 1 - b.items[i].incidents[k]);
    }
    assert_non_null(find_by_fingerprint(&b, SEED_FINGERPRINT));
    finding_list_free(&a);
    finding_list_free(&b);
    free(reversed.items); /* the events belong to list */
    incident_list_free(&list);
}

static void test_findings_of_nothing(void **state)
{
    (void)state;
    struct incident_list list = {0};
    struct finding_list findings;
    memset(&findings, 0xff, sizeof(findings));
    findings_group(&list, &findings);
    assert_int_equal(findings.count, 0);
    finding_list_free(&findings);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_frame_prefers_innermost_exception),
        cmocka_unit_test(test_user_frame_falls_back_to_outer_and_stack),
        cmocka_unit_test(test_fingerprint_pinned_values),
        cmocka_unit_test(test_fingerprint_survives_rebuilds),
        cmocka_unit_test(test_fingerprint_stability),
        cmocka_unit_test(test_fingerprint_without_dotnet_event),
        cmocka_unit_test(test_fingerprint_native_exception),
        cmocka_unit_test(test_findings_group_and_order),
        cmocka_unit_test(test_findings_independent_of_input_order),
        cmocka_unit_test(test_findings_of_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
