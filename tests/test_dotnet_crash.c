/*
 * test_dotnet_crash.c - unit tests for the .NET Runtime fatal-error text parser
 * (src/dotnet_crash.c): English and localized texts, .NET Framework and CoreCLR layouts,
 * nesting, kinds, truncation, caps and hostile input.
 *
 * Not for: classification of the parsed crash (test_signatures.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/dotnet_crash.h"

static const char SEED[] =
    "Application: w3wp.exe\n"
    "Framework Version: v4.0.30319\n"
    "Description: The process was terminated due to an unhandled exception.\n"
    "Exception Info: System.InvalidOperationException\n"
    "   at MyApp.Sync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()\n"
    "   at System.Runtime.CompilerServices.AsyncMethodBuilderCore+<>c.<ThrowAsync>b__6_1(System."
    "Object)\n"
    "   at System.Threading.QueueUserWorkItemCallback.WaitCallback_Context(System.Object)\n"
    "   at System.Threading.ExecutionContext.RunInternal(System.Threading.ExecutionContext, "
    "System.Threading.ContextCallback, System.Object, Boolean)\n"
    "   at System.Threading.ExecutionContext.Run(System.Threading.ExecutionContext, "
    "System.Threading.ContextCallback, System.Object, Boolean)\n"
    "   at System.Threading.QueueUserWorkItemCallback.System.Threading.IThreadPoolWorkItem."
    "ExecuteWorkItem()\n"
    "   at System.Threading.ThreadPoolWorkQueue.Dispatch()\n"
    "   at System.Threading._ThreadPoolWaitCallback.PerformWaitCallback()\n";

static void parse_ok(const char *text, uint32_t event_id, struct dotnet_crash *crash)
{
    struct cs_error err = {{0}};
    int rc = dotnet_crash_parse(text, event_id, crash, &err);
    if (rc != 0)
        fail_msg("parse failed: %s", err.message);
}

/* Replaces every "\n" by "\r\n". */
static char *with_crlf(const char *text)
{
    size_t n = strlen(text), lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    char *out = malloc(n + lines + 1), *p = out;
    assert_non_null(out);
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '\n')
            *p++ = '\r';
        *p++ = text[i];
    }
    *p = '\0';
    return out;
}

/* A growing string for the big generated inputs. */
struct text {
    char *p;
    size_t len, cap;
};

static void text_add(struct text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->p = realloc(t->p, t->cap);
        assert_non_null(t->p);
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void text_addf(struct text *t, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    text_add(t, buf, (size_t)n);
}

static void check_seed(const struct dotnet_crash *c)
{
    assert_string_equal(c->application, "w3wp.exe");
    assert_string_equal(c->runtime, "Framework v4.0.30319");
    assert_string_equal(c->description,
                        "The process was terminated due to an unhandled exception.");
    assert_int_equal(c->kind, DOTNET_KIND_UNHANDLED_EXCEPTION);
    assert_false(c->truncated);
    assert_null(c->failfast_message);
    assert_int_equal(c->stack_frame_count, 0);
    assert_int_equal(c->exception_count, 1);
    const struct dotnet_exception *ex = &c->exceptions[0];
    assert_string_equal(ex->type, "System.InvalidOperationException");
    assert_null(ex->message);
    assert_int_equal(ex->frame_count, 8);
    assert_string_equal(ex->frames[0].method,
                        "MyApp.Sync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()");
    assert_string_equal(
        ex->frames[1].method,
        "System.Runtime.CompilerServices.AsyncMethodBuilderCore+<>c.<ThrowAsync>b__6_1(System."
        "Object)");
    assert_string_equal(ex->frames[3].text,
                        "System.Threading.ExecutionContext.RunInternal(System.Threading."
                        "ExecutionContext, System.Threading.ContextCallback, System.Object, "
                        "Boolean)");
    assert_string_equal(ex->frames[7].method,
                        "System.Threading._ThreadPoolWaitCallback.PerformWaitCallback()");
}

static void test_seed_example(void **state)
{
    (void)state;
    struct dotnet_crash c;
    parse_ok(SEED, 1026, &c);
    check_seed(&c);
    assert_ptr_equal(dotnet_crash_outermost(&c), &c.exceptions[0]);
    assert_ptr_equal(dotnet_crash_innermost(&c), &c.exceptions[0]);
    size_t n = 0;
    const struct dotnet_frame *frames = dotnet_crash_thread_frames(&c, &n);
    assert_ptr_equal(frames, c.exceptions[0].frames);
    assert_int_equal(n, 8);
    assert_false(dotnet_frame_is_framework(&frames[0]));
    assert_true(dotnet_frame_is_framework(&frames[1]));
    dotnet_crash_free(&c);
    assert_null(c.application);
}

static void test_crlf_line_endings(void **state)
{
    (void)state;
    char *text = with_crlf(SEED);
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    check_seed(&c);
    for (size_t i = 0; i < c.exceptions[0].frame_count; i++)
        assert_null(strchr(c.exceptions[0].frames[i].text, '\r'));
    dotnet_crash_free(&c);
    free(text);
}

static void test_coreclr_async_with_source_lines(void **state)
{
    (void)state;
    const char *text =
        "Application: MyService.exe\n"
        "CoreCLR Version: 6.0.2222.6701\n"
        ".NET Version: 6.0.22\n"
        "Description: The process was terminated due to an unhandled exception.\n"
        "Exception Info: System.InvalidOperationException: Sequence contains no elements\n"
        "   at System.Linq.ThrowHelper.ThrowNoElementsException()\n"
        "   at System.Linq.Enumerable.First[TSource](IEnumerable`1 source)\n"
        "   at MyApp.Sync.<>c__DisplayClass4_0.<<RunAll>b__0>d.MoveNext() in "
        "C:\\src\\MyApp\\Sync.cs:line 42\n"
        "--- End of stack trace from previous location ---\n"
        "   at System.Threading.Tasks.Task.<>c.<ThrowAsync>b__128_1(Object state)\n"
        "   at System.Threading.ThreadPoolWorkQueue.Dispatch()\n"
        "   at System.Threading.PortableThreadPool.WorkerThread.WorkerThreadStart()\n"
        "   at System.Threading.Thread.StartCallback()\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_string_equal(c.application, "MyService.exe");
    assert_string_equal(c.runtime, "CoreCLR 6.0.2222.6701 (.NET 6.0.22)");
    assert_int_equal(c.kind, DOTNET_KIND_UNHANDLED_EXCEPTION);
    assert_int_equal(c.exception_count, 1);
    const struct dotnet_exception *ex = &c.exceptions[0];
    assert_string_equal(ex->type, "System.InvalidOperationException");
    assert_string_equal(ex->message, "Sequence contains no elements");
    assert_int_equal(ex->frame_count, 7);
    assert_string_equal(ex->frames[1].method,
                        "System.Linq.Enumerable.First[TSource](IEnumerable`1 source)");
    assert_string_equal(ex->frames[2].method,
                        "MyApp.Sync.<>c__DisplayClass4_0.<<RunAll>b__0>d.MoveNext()");
    assert_string_equal(ex->frames[2].text, "MyApp.Sync.<>c__DisplayClass4_0.<<RunAll>b__0>d."
                                            "MoveNext() in C:\\src\\MyApp\\Sync.cs:line 42");
    assert_string_equal(ex->frames[3].method,
                        "System.Threading.Tasks.Task.<>c.<ThrowAsync>b__128_1(Object state)");
    assert_string_equal(ex->frames[6].method, "System.Threading.Thread.StartCallback()");
    assert_false(c.truncated);
    dotnet_crash_free(&c);
}

static void test_coreclr_multiline_message(void **state)
{
    (void)state;
    const char *text = "Application: Api.exe\n"
                       "CoreCLR Version: 8.0.23.53103\n"
                       ".NET Version: 8.0.0\n"
                       "Description: The process was terminated due to an unhandled exception.\n"
                       "Exception Info: System.AggregateException: One or more errors occurred.\n"
                       "Details: System.Data.SqlClient failed\n"
                       "   at Api.Worker.Run() in /src/Worker.cs:line 7\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_int_equal(c.exception_count, 1);
    assert_string_equal(c.exceptions[0].type, "System.AggregateException");
    assert_string_equal(c.exceptions[0].message,
                        "One or more errors occurred.\nDetails: System.Data.SqlClient failed");
    assert_int_equal(c.exceptions[0].frame_count, 1);
    assert_string_equal(c.exceptions[0].frames[0].method, "Api.Worker.Run()");
    dotnet_crash_free(&c);
}

/* .NET Core writes an error code between the type and the message for socket, Win32 and
 * HTTP exceptions; the type must still be just the type. */
static void test_coreclr_error_code_after_type(void **state)
{
    (void)state;
    const char *text = "Application: Sync.exe\n"
                       "CoreCLR Version: 6.0.2222.6701\n"
                       ".NET Version: 6.0.22\n"
                       "Description: The process was terminated due to an unhandled exception.\n"
                       "Exception Info: System.Net.Http.HttpRequestException: No such host is "
                       "known. (api.contoso.local:443)\n"
                       " ---> System.Net.Sockets.SocketException (11001): No such host is known.\n"
                       "   at System.Net.Http.HttpConnectionPool.ConnectToTcpHostAsync()\n"
                       "   --- End of inner exception stack trace ---\n"
                       "   at Sync.Worker.Pull() in C:\\src\\Worker.cs:line 40\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_int_equal(c.exception_count, 2);
    assert_string_equal(c.exceptions[0].type, "System.Net.Sockets.SocketException");
    assert_string_equal(c.exceptions[0].message, "No such host is known.");
    assert_string_equal(c.exceptions[1].type, "System.Net.Http.HttpRequestException");
    dotnet_crash_free(&c);

    parse_ok("Application: a.exe\nCoreCLR Version: 6.0.1\nDescription: x\n"
             "Exception Info: System.ComponentModel.Win32Exception (0x80004005): Access is "
             "denied\n   at A.B()\n",
             1026, &c);
    assert_string_equal(c.exceptions[0].type, "System.ComponentModel.Win32Exception");
    assert_string_equal(c.exceptions[0].message, "Access is denied");
    dotnet_crash_free(&c);
}

static void test_portuguese(void **state)
{
    (void)state;
    const char *text = "Aplicativo: ConsoleApp5.exe\n"
                       "Versão do Framework: v4.0.30319\n"
                       "Descrição: O processo foi terminado devido a uma exceção sem tratamento.\n"
                       "Informações da Exceção: System.OverflowException\n"
                       "   em Program.Main()\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_string_equal(c.application, "ConsoleApp5.exe");
    assert_string_equal(c.runtime, "Framework v4.0.30319");
    assert_string_equal(c.description,
                        "O processo foi terminado devido a uma exceção sem tratamento.");
    assert_int_equal(c.kind, DOTNET_KIND_UNHANDLED_EXCEPTION);
    assert_int_equal(c.exception_count, 1);
    assert_string_equal(c.exceptions[0].type, "System.OverflowException");
    assert_int_equal(c.exceptions[0].frame_count, 1);
    assert_string_equal(c.exceptions[0].frames[0].method, "Program.Main()");
    dotnet_crash_free(&c);
}

static void test_german(void **state)
{
    (void)state;
    const char *text =
        "Anwendung: ConsoleApp5.exe\n"
        "Frameworkversion: v4.0.30319\n"
        "Beschreibung: Der Prozess wurde aufgrund einer unbehandelten Ausnahme beendet.\n"
        "Ausnahmeinformationen: System.IO.FileNotFoundException\n"
        "   bei ConsoleApp5.Program.Load(System.String)\n"
        "   bei ConsoleApp5.Program.Main(System.String[])\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_string_equal(c.application, "ConsoleApp5.exe");
    assert_int_equal(c.kind, DOTNET_KIND_UNHANDLED_EXCEPTION);
    assert_int_equal(c.exception_count, 1);
    assert_string_equal(c.exceptions[0].type, "System.IO.FileNotFoundException");
    assert_int_equal(c.exceptions[0].frame_count, 2);
    assert_string_equal(c.exceptions[0].frames[1].method,
                        "ConsoleApp5.Program.Main(System.String[])");
    dotnet_crash_free(&c);
}

/* French puts a space before the colon: "Application : x". */
static void test_french(void **state)
{
    (void)state;
    const char *text =
        "Application : ConsoleApp5.exe\n"
        "Version du Framework : v4.0.30319\n"
        "Description : Le processus a été arrêté en raison d'une exception non gérée.\n"
        "Informations sur l'exception : System.NullReferenceException\n"
        "   à ConsoleApp5.Program.Main(System.String[])\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_string_equal(c.application, "ConsoleApp5.exe");
    assert_string_equal(c.runtime, "Framework v4.0.30319");
    assert_int_equal(c.exception_count, 1);
    assert_string_equal(c.exceptions[0].type, "System.NullReferenceException");
    assert_int_equal(c.exceptions[0].frame_count, 1);
    assert_string_equal(c.exceptions[0].frames[0].text,
                        "ConsoleApp5.Program.Main(System.String[])");
    dotnet_crash_free(&c);
}

static void test_spanish(void **state)
{
    (void)state;
    const char *text = "Aplicación: ConsoleApp5.exe\n"
                       "Versión de marco: v4.0.30319\n"
                       "Descripción: El proceso terminó debido a una excepción no controlada.\n"
                       "Información de la excepción: System.ArgumentNullException\n"
                       "   en ConsoleApp5.Program.Check(System.Object)\n"
                       "   en ConsoleApp5.Program.Main(System.String[])\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_string_equal(c.application, "ConsoleApp5.exe");
    assert_int_equal(c.kind, DOTNET_KIND_UNHANDLED_EXCEPTION);
    assert_string_equal(c.exceptions[0].type, "System.ArgumentNullException");
    assert_int_equal(c.exceptions[0].frame_count, 2);
    assert_string_equal(c.exceptions[0].frames[0].method,
                        "ConsoleApp5.Program.Check(System.Object)");
    dotnet_crash_free(&c);
}

/* A .NET Framework 4 header: the application, the runtime and the description sentence. */
static void assert_framework_header(const struct dotnet_crash *c, const char *application,
                                    const char *description)
{
    assert_string_equal(c->application, application);
    assert_non_null(c->runtime);
    assert_string_equal(c->runtime, "Framework v4.0.30319");
    assert_non_null(c->description);
    assert_string_equal(c->description, description);
}

/* Russian ends the description's label with a period ("Описание."), and writes FailFast-era
 * "Стек:" between the type and its frames (github.com/canton7/SyncTrayzor/issues/112). */
static void test_russian(void **state)
{
    (void)state;
    const char *text = "Приложение: SyncTrayzor.exe\r\n"
                       "Версия платформы: v4.0.30319\r\n"
                       "Описание. Процесс был завершен из-за необработанного исключения.\r\n"
                       "Сведения об исключении: Stylet.Xaml.ActionNotSetException\r\n"
                       "Стек:\r\n"
                       "   в Stylet.Xaml.CommandAction.Execute(System.Object)\r\n"
                       "   в System.Threading.SynchronizationContext.WaitHelper(IntPtr[], Boolean, "
                       "Int32)\r\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_framework_header(&c, "SyncTrayzor.exe",
                            "Процесс был завершен из-за необработанного исключения.");
    assert_int_equal(c.kind, DOTNET_KIND_UNHANDLED_EXCEPTION);
    assert_int_equal(c.exception_count, 1);
    assert_string_equal(c.exceptions[0].type, "Stylet.Xaml.ActionNotSetException");
    assert_int_equal(c.exceptions[0].frame_count, 2);
    assert_string_equal(c.exceptions[0].frames[0].method,
                        "Stylet.Xaml.CommandAction.Execute(System.Object)");
    dotnet_crash_free(&c);

    /* Only the description's slot takes "Word. sentence": a type-shaped line still opens a
     * block when the description is missing, and prose after the header stays prose. */
    parse_ok("Приложение: a.exe\nВерсия платформы: v4.0.30319\n"
             "Сведения об исключении: System.Exception\n   в A.B.C()\n",
             1026, &c);
    assert_null(c.description);
    assert_int_equal(c.exception_count, 1);
    dotnet_crash_free(&c);
}

/* Chinese: ASCII colons and spaces in the labels, full-width punctuation only inside the
 * sentence (github.com/UserUnknownFactor/GARbro2/issues/2). */
static void test_chinese(void **state)
{
    (void)state;
    const char *text =
        "应用程序: GARbro.GUI.exe\n"
        "Framework 版本: v4.0.30319\n"
        "说明: 由于未经处理的异常，进程终止。\n"
        "异常信息: GameRes.InvalidFormatException\n"
        "   在 GARbro.GUI.VideoPreviewControl.MediaPlayer_MediaFailed(System.Object, "
        "System.Windows.ExceptionRoutedEventArgs)\n"
        "\n"
        "异常信息: System.Reflection.TargetInvocationException\n"
        "   在 System.RuntimeMethodHandle.InvokeMethod(System.Object, System.Object[], "
        "System.Signature, Boolean)\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_framework_header(&c, "GARbro.GUI.exe", "由于未经处理的异常，进程终止。");
    assert_int_equal(c.exception_count, 2);
    assert_string_equal(dotnet_crash_innermost(&c)->type, "GameRes.InvalidFormatException");
    assert_string_equal(dotnet_crash_outermost(&c)->type,
                        "System.Reflection.TargetInvocationException");
    dotnet_crash_free(&c);
}

/* Japanese writes "アプリケーション:" and "例外情報:" with no space after the colon, "説明: "
 * with one (github.com/Grabacr07/KanColleViewer/issues/185). */
static void test_japanese(void **state)
{
    (void)state;
    const char *text = "アプリケーション:KanColleViewer.exe\n"
                       "フレームワークのバージョン:v4.0.30319\n"
                       "説明: ハンドルされない例外のため、プロセスが中止されました。\n"
                       "例外情報:System.TypeInitializationException\n"
                       "スタック:\n"
                       "   場所 MS.Internal.Text.DynamicPropertyReader.GetTypeface("
                       "System.Windows.DependencyObject)\n"
                       "   場所 System.Windows.Controls.TextBlock.GetLineProperties()\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_framework_header(&c, "KanColleViewer.exe",
                            "ハンドルされない例外のため、プロセスが中止されました。");
    /* not a stack overflow by elimination: the block is found */
    assert_int_equal(c.kind, DOTNET_KIND_UNHANDLED_EXCEPTION);
    assert_int_equal(c.exception_count, 1);
    assert_string_equal(c.exceptions[0].type, "System.TypeInitializationException");
    assert_int_equal(c.exceptions[0].frame_count, 2);
    dotnet_crash_free(&c);

    /* An ASCII character before a colon with no space is no label: "System.X:y" stays one
     * value, so a CoreCLR "Type: message" still splits at its ": ". */
    parse_ok("Application: a.exe\nCoreCLR Version: 6.0.2222.6701\n.NET Version: 6.0.22\n"
             "Description: The process was terminated due to an unhandled exception.\n"
             "Exception Info: System.UriFormatException: Invalid URI: http:x\n"
             "   at A.B.C()\n",
             1026, &c);
    assert_string_equal(c.exceptions[0].type, "System.UriFormatException");
    assert_string_equal(c.exceptions[0].message, "Invalid URI: http:x");
    dotnet_crash_free(&c);
}

/* A localized CoreCLR source suffix is dropped from the method too. */
static void test_localized_source_suffix(void **state)
{
    (void)state;
    const char *text = "Aplicativo: App.exe\n"
                       "Versão do CoreCLR: 6.0.2222.6701\n"
                       "Versão do .NET: 6.0.22\n"
                       "Descrição: O processo foi terminado devido a uma exceção sem tratamento.\n"
                       "Informações da Exceção: System.Exception: falhou\n"
                       "   em App.Program.Main(String[] args) em C:\\src\\Program.cs:linha 5\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_string_equal(c.runtime, "CoreCLR 6.0.2222.6701 (.NET 6.0.22)");
    assert_string_equal(c.exceptions[0].message, "falhou");
    assert_string_equal(c.exceptions[0].frames[0].method, "App.Program.Main(String[] args)");
    dotnet_crash_free(&c);
}

static void test_framework_blocks_innermost_first(void **state)
{
    (void)state;
    const char *text =
        "Application: w3wp.exe\n"
        "Framework Version: v4.0.30319\n"
        "Description: The process was terminated due to an unhandled exception.\n"
        "Exception Info: System.IO.FileNotFoundException\n"
        "   at MyApp.Config.Load(System.String)\n"
        "   at MyApp.Startup..ctor()\n"
        "\n"
        "Exception Info: System.Reflection.TargetInvocationException\n"
        "   at System.RuntimeMethodHandle.InvokeMethod(System.Object, System.Object[], "
        "System.Signature, Boolean)\n"
        "   at MyApp.Host.Start()\n"
        "\n"
        "Exception Info: System.AggregateException\n"
        "   at System.Threading.Tasks.Task.Wait()\n"
        "   at System.Threading.ThreadHelper.ThreadStart()\n"
        "\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_int_equal(c.exception_count, 3);
    assert_string_equal(dotnet_crash_innermost(&c)->type, "System.IO.FileNotFoundException");
    assert_string_equal(c.exceptions[1].type, "System.Reflection.TargetInvocationException");
    assert_string_equal(dotnet_crash_outermost(&c)->type, "System.AggregateException");
    assert_string_equal(c.exceptions[0].frames[1].method, "MyApp.Startup..ctor()");
    assert_int_equal(c.exceptions[1].frame_count, 2);
    size_t n;
    const struct dotnet_frame *frames = dotnet_crash_thread_frames(&c, &n);
    assert_int_equal(n, 2);
    assert_string_equal(frames[1].method, "System.Threading.ThreadHelper.ThreadStart()");
    assert_int_equal(c.kind, DOTNET_KIND_UNHANDLED_EXCEPTION);
    dotnet_crash_free(&c);
}

static void test_coreclr_nesting_innermost_first(void **state)
{
    (void)state;
    const char *text = "Application: ConsoleApp1.exe\n"
                       "CoreCLR Version: 8.0.23.53103\n"
                       ".NET Version: 8.0.0\n"
                       "Description: The process was terminated due to an unhandled exception.\n"
                       "Exception Info: System.InvalidOperationException: Outer failure\n"
                       " ---> System.ArgumentException: Middle failure\n"
                       " ---> System.FormatException: Inner failure\n"
                       "   at Program.Parse(String s) in C:\\src\\Program.cs:line 30\n"
                       "   --- End of inner exception stack trace ---\n"
                       "   at Program.Validate(String s) in C:\\src\\Program.cs:line 22\n"
                       "   --- End of inner exception stack trace ---\n"
                       "   at Program.Run() in C:\\src\\Program.cs:line 12\n"
                       "   at Program.Main(String[] args) in C:\\src\\Program.cs:line 5\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_int_equal(c.exception_count, 3);
    assert_string_equal(c.exceptions[0].type, "System.FormatException");
    assert_string_equal(c.exceptions[0].message, "Inner failure");
    assert_int_equal(c.exceptions[0].frame_count, 1);
    assert_string_equal(c.exceptions[0].frames[0].method, "Program.Parse(String s)");
    assert_string_equal(c.exceptions[1].type, "System.ArgumentException");
    assert_int_equal(c.exceptions[1].frame_count, 1);
    assert_string_equal(c.exceptions[1].frames[0].method, "Program.Validate(String s)");
    assert_string_equal(c.exceptions[2].type, "System.InvalidOperationException");
    assert_string_equal(c.exceptions[2].message, "Outer failure");
    assert_int_equal(c.exceptions[2].frame_count, 2);
    assert_string_equal(c.exceptions[2].frames[1].method, "Program.Main(String[] args)");
    dotnet_crash_free(&c);
}

/* .NET Framework copies a remote stack trace into the block, with its own labels. */
static void test_framework_remote_stack_trace(void **state)
{
    (void)state;
    const char *text =
        "Application: Client.exe\n"
        "Framework Version: v4.0.30319\n"
        "Description: The process was terminated due to an unhandled exception.\n"
        "Exception Info: System.ServiceModel.FaultException\n"
        "Server stack trace:\n"
        "   at System.ServiceModel.Channels.ServiceChannel.HandleReply(System.Object)\n"
        "Exception rethrown at [0]:\n"
        "   at System.Runtime.Remoting.Proxies.RealProxy.HandleReturnMessage(System.Object)\n"
        "   at Client.Program.Main()\n"
        "\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_int_equal(c.exception_count, 1);
    assert_int_equal(c.exceptions[0].frame_count, 3);
    assert_string_equal(c.exceptions[0].frames[2].method, "Client.Program.Main()");
    assert_int_equal(c.stack_frame_count, 0);
    dotnet_crash_free(&c);
}

/* "Type:" with the message starting on the next line. */
static void test_message_on_following_line(void **state)
{
    (void)state;
    const char *text = "Application: a.exe\n"
                       "CoreCLR Version: 8.0.1\n"
                       "Description: x\n"
                       "Exception Info: System.Exception:\n"
                       "first line\n"
                       "Errors:\n"
                       "   -v not.a.frame\n"
                       "   at App.Main()\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_int_equal(c.exception_count, 1);
    assert_string_equal(c.exceptions[0].message, "first line\nErrors:\n   -v not.a.frame");
    assert_int_equal(c.exceptions[0].frame_count, 1);
    dotnet_crash_free(&c);
}

static void test_aggregate_inner_exception_prefix(void **state)
{
    (void)state;
    const char *text =
        "Application: App.exe\n"
        "CoreCLR Version: 8.0.23.53103\n"
        ".NET Version: 8.0.0\n"
        "Description: The process was terminated due to an unhandled exception.\n"
        "Exception Info: System.AggregateException: One or more errors occurred. (boom)\n"
        " ---> (Inner Exception #0) System.TimeoutException: boom\n"
        "   at App.Client.Call()<---\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_int_equal(c.exception_count, 2);
    assert_string_equal(c.exceptions[0].type, "System.TimeoutException");
    assert_string_equal(c.exceptions[0].message, "boom");
    assert_string_equal(c.exceptions[0].frames[0].method, "App.Client.Call()");
    assert_string_equal(c.exceptions[1].type, "System.AggregateException");
    dotnet_crash_free(&c);
}

static void test_stack_overflow_framework(void **state)
{
    (void)state;
    const char *text = "Application: w3wp.exe\n"
                       "Framework Version: v4.0.30319\n"
                       "Description: The process was terminated due to stack overflow.\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_int_equal(c.kind, DOTNET_KIND_STACK_OVERFLOW);
    assert_int_equal(c.exception_count, 0);
    assert_int_equal(c.stack_frame_count, 0);
    size_t n = 99;
    assert_null(dotnet_crash_thread_frames(&c, &n));
    assert_int_equal(n, 0);
    assert_null(dotnet_crash_outermost(&c));
    dotnet_crash_free(&c);
}

/* No English to go by: a Framework 1026 with a description and no exception block. */
static void test_stack_overflow_localized_by_elimination(void **state)
{
    (void)state;
    const char *text = "Aplicativo: w3wp.exe\n"
                       "Versão do Framework: v4.0.30319\n"
                       "Descrição: O processo foi terminado devido a um estouro de pilha.\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_int_equal(c.kind, DOTNET_KIND_STACK_OVERFLOW);
    dotnet_crash_free(&c);
}

/* English wording is a hint that overrides the elimination. */
static void test_unhandled_hint_without_block(void **state)
{
    (void)state;
    const char *text = "Application: a.exe\n"
                       "Framework Version: v4.0.30319\n"
                       "Description: The process was terminated due to an unhandled exception.\n"
                       "Stack:\n"
                       "   at App.Program.Main()\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_int_equal(c.kind, DOTNET_KIND_UNHANDLED_EXCEPTION);
    assert_int_equal(c.stack_frame_count, 1);
    dotnet_crash_free(&c);
}

static const char NET5_STACK_OVERFLOW[] =
    "Application: ConsoleApp1.exe\n"
    "CoreCLR Version: 5.0.421.11614\n"
    ".NET Version: 5.0.4\n"
    "Description: The process was terminated due to stack overflow.\n"
    "Stack:\n"
    "   at ConsoleApp1.Program.Recurse(Int32)\n"
    "   at ConsoleApp1.Program.Recurse(Int32)\n"
    "   at ConsoleApp1.Program.Main(System.String[])\n";

static void test_stack_overflow_net5_stack(void **state)
{
    (void)state;
    struct dotnet_crash c;
    parse_ok(NET5_STACK_OVERFLOW, 1027, &c);
    assert_int_equal(c.kind, DOTNET_KIND_STACK_OVERFLOW);
    assert_int_equal(c.exception_count, 0);
    assert_int_equal(c.stack_frame_count, 3);
    size_t n;
    const struct dotnet_frame *frames = dotnet_crash_thread_frames(&c, &n);
    assert_ptr_equal(frames, c.stack_frames);
    assert_int_equal(n, 3);
    assert_string_equal(frames[2].method, "ConsoleApp1.Program.Main(System.String[])");
    dotnet_crash_free(&c);

    /* The same text under 1026: the English description is a usable hint. */
    parse_ok(NET5_STACK_OVERFLOW, 1026, &c);
    assert_int_equal(c.kind, DOTNET_KIND_STACK_OVERFLOW);
    dotnet_crash_free(&c);
}

/* CoreCLR writes stack overflows as 1027, so its 1026 without a type is an unhandled
 * (here native) exception even in a language we cannot read. */
static void test_coreclr_1026_without_exception_block(void **state)
{
    (void)state;
    const char *text = "Aplicativo: App.exe\n"
                       "Versão do CoreCLR: 9.0.24.52809\n"
                       "Versão do .NET: 9.0.0\n"
                       "Descrição: O processo foi terminado devido a uma exceção sem tratamento.\n"
                       "Informações da Exceção: código de exceção c0000005, endereço 00007FFB1234\n"
                       "Pilha:\n"
                       "   em App.Native.Call(IntPtr)\n"
                       "   em App.Program.Main(System.String[])\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_int_equal(c.kind, DOTNET_KIND_UNHANDLED_EXCEPTION);
    assert_int_equal(c.exception_count, 0);
    assert_int_equal(c.stack_frame_count, 2);
    /* the native exception, whatever the language: its value as written and its code */
    assert_string_equal(c.native_exception, "código de exceção c0000005, endereço 00007FFB1234");
    assert_true(c.has_native_code);
    assert_int_equal(c.native_code, 0xc0000005u);
    dotnet_crash_free(&c);
}

/* CoreCLR's native exceptions in the forms seen in real logs: an empty "Stack:", a "0x"
 * code, and no "Exception Info:" line at all (only the managed callers of native code). */
static void test_coreclr_native_exception_forms(void **state)
{
    (void)state;
    struct dotnet_crash c;
    parse_ok("Application: w3wp.exe\nCoreCLR Version: 4.6.27521.2\n"
             "Description: The process was terminated due to an unhandled exception.\n"
             "Exception Info: exception code c0000005, exception address 00007FFCFD002179\n"
             "Stack:\n",
             1026, &c);
    assert_int_equal(c.kind, DOTNET_KIND_UNHANDLED_EXCEPTION);
    assert_string_equal(c.native_exception,
                        "exception code c0000005, exception address 00007FFCFD002179");
    assert_int_equal(c.native_code, 0xc0000005u);
    assert_int_equal(c.stack_frame_count, 0);
    dotnet_crash_free(&c);

    parse_ok("Application: App.exe\nCoreCLR Version: 8.0.123.58001\n.NET Version: 8.0.1\n"
             "Description: The process was terminated due to an unhandled exception.\n"
             "Exception Info: exception code 0xC0000409, exception address 0x00007FF9A1B3C2D4\n"
             "Stack:\n   at App.Native.Send(IntPtr)\n",
             1026, &c);
    assert_int_equal(c.native_code, 0xc0000409u);
    assert_int_equal(c.stack_frame_count, 1);
    dotnet_crash_free(&c);

    parse_ok("Application: w3wp.exe\nCoreCLR Version: 9.0.24.52809\n.NET Version: 9.0.0\n"
             "Description: The process was terminated due to an unhandled exception.\n"
             "Stack:\n   at Microsoft.AspNetCore.Server.IIS.NativeMethods.flush(IntPtr)\n"
             "   at System.Threading.ThreadPoolWorkQueue.Dispatch()\n",
             1026, &c);
    assert_int_equal(c.kind, DOTNET_KIND_UNHANDLED_EXCEPTION);
    assert_int_equal(c.exception_count, 0);
    assert_null(c.native_exception);
    assert_false(c.has_native_code);
    assert_int_equal(c.stack_frame_count, 2);
    dotnet_crash_free(&c);

    /* a managed exception whose message holds a hex number is not a native one */
    parse_ok("Application: App.exe\nCoreCLR Version: 8.0.123.58001\n.NET Version: 8.0.1\n"
             "Description: The process was terminated due to an unhandled exception.\n"
             "Exception Info: System.ComponentModel.Win32Exception (0x80004005): Access is "
             "denied.\n   at App.Program.Main()\n",
             1026, &c);
    assert_int_equal(c.exception_count, 1);
    assert_null(c.native_exception);
    dotnet_crash_free(&c);
}

static void test_failfast_message_and_stack(void **state)
{
    (void)state;
    const char *text = "Application: WebApp.exe\n"
                       "CoreCLR Version: 7.0.1023.36312\n"
                       ".NET Version: 7.0.10\n"
                       "Description: The application requested process termination through "
                       "System.Environment.FailFast.\n"
                       "Message: Configuration is corrupt: missing key\n"
                       "Stack:\n"
                       "   at System.Environment.FailFast(System.String)\n"
                       "   at WebApp.Startup.Check()\n"
                       "   at WebApp.Program.Main(System.String[])\n";
    struct dotnet_crash c;
    parse_ok(text, 1025, &c);
    assert_int_equal(c.kind, DOTNET_KIND_FAILFAST);
    assert_string_equal(c.failfast_message, "Configuration is corrupt: missing key");
    assert_int_equal(c.exception_count, 0);
    assert_int_equal(c.stack_frame_count, 3);
    assert_string_equal(c.stack_frames[1].method, "WebApp.Startup.Check()");
    assert_true(dotnet_frame_is_framework(&c.stack_frames[0]));
    dotnet_crash_free(&c);
}

/* Framework wrote FailFast as 1026 too: the API name in the description decides, and the
 * message may be type-shaped without being taken for an exception. */
static void test_failfast_from_description_localized(void **state)
{
    (void)state;
    const char *text = "Aplicativo: App.exe\n"
                       "Versão do Framework: v4.0.30319\n"
                       "Descrição: O aplicativo solicitou o encerramento do processo por meio de "
                       "System.Environment.FailFast(string message).\n"
                       "Mensagem: System.Data.Corrupt: estado inválido\n"
                       "segunda linha\n"
                       "Pilha:\n"
                       "   em System.Environment.FailFast(System.String)\n"
                       "   em App.Program.Main()\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_int_equal(c.kind, DOTNET_KIND_FAILFAST);
    assert_string_equal(c.failfast_message, "System.Data.Corrupt: estado inválido\nsegunda linha");
    assert_int_equal(c.exception_count, 0);
    assert_int_equal(c.stack_frame_count, 2);
    dotnet_crash_free(&c);
}

/* FailFast(message, exception) with an exception that was never thrown: the exception has no
 * frames, and the thread's frames are the Stack: ones. */
static void test_failfast_with_exception(void **state)
{
    (void)state;
    const char *text = "Application: App.exe\n"
                       "CoreCLR Version: 8.0.23.53103\n"
                       ".NET Version: 8.0.0\n"
                       "Description: The application requested process termination through "
                       "System.Environment.FailFast.\n"
                       "Message: fatal\n"
                       "Exception stack:\n"
                       "System.InvalidOperationException: state broken\n"
                       "Stack:\n"
                       "   at System.Environment.FailFast(System.String, System.Exception)\n"
                       "   at App.Program.Main()\n";
    struct dotnet_crash c;
    parse_ok(text, 1025, &c);
    assert_string_equal(c.failfast_message, "fatal");
    assert_int_equal(c.exception_count, 1);
    assert_string_equal(c.exceptions[0].type, "System.InvalidOperationException");
    assert_string_equal(c.exceptions[0].message, "state broken");
    assert_int_equal(c.exceptions[0].frame_count, 0);
    assert_int_equal(c.stack_frame_count, 2);
    size_t n;
    const struct dotnet_frame *frames = dotnet_crash_thread_frames(&c, &n);
    assert_ptr_equal(frames, c.stack_frames);
    assert_int_equal(n, 2);
    dotnet_crash_free(&c);
}

static void test_internal_error(void **state)
{
    (void)state;
    const char *framework =
        "Application: w3wp.exe\n"
        "Framework Version: v4.0.30319\n"
        "Description: The process was terminated due to an internal error in the .NET Runtime "
        "at IP 000007FEF8A0A0E5 (000007FEF8980000) with exit code 80131506.\n";
    struct dotnet_crash c;
    parse_ok(framework, 1026, &c);
    assert_int_equal(c.kind, DOTNET_KIND_INTERNAL_ERROR);
    assert_int_equal(c.exception_count, 0);
    dotnet_crash_free(&c);

    /* Localized, 0x addresses, another exit code, unknown event id: the IP pair decides. */
    const char *localized = "Aplicativo: App.exe\n"
                            "Versão do CoreCLR: 8.0.324.11423\n"
                            "Versão do .NET: 8.0.3\n"
                            "Descrição: O processo foi terminado devido a um erro interno no "
                            ".NET Runtime no IP 0x00007FFCFDE9C5E4 (0x00007FFCFDD10000) com "
                            "código de saída c0000005.\n";
    parse_ok(localized, 0, &c);
    assert_int_equal(c.kind, DOTNET_KIND_INTERNAL_ERROR);
    assert_string_equal(c.runtime, "CoreCLR 8.0.324.11423 (.NET 8.0.3)");
    dotnet_crash_free(&c);

    parse_ok(localized, 1023, &c);
    assert_int_equal(c.kind, DOTNET_KIND_INTERNAL_ERROR);
    dotnet_crash_free(&c);
}

static void test_code_contract_1028_is_unknown(void **state)
{
    (void)state;
    const char *text = "Application: App.exe\n"
                       "Framework Version: v4.0.30319\n"
                       "Description: The application encountered a bug.  A managed code contract "
                       "(precondition, postcondition, object invariant, or assert) failed.\n"
                       "Contract details: value.Length > 0\n"
                       "Assert: App.Config:missing\n"
                       "Stack:\n"
                       "   at App.Program.Run(System.Object)\n";
    struct dotnet_crash c;
    parse_ok(text, 1028, &c);
    assert_int_equal(c.kind, DOTNET_KIND_UNKNOWN);
    assert_int_equal(c.exception_count, 0); /* dotted words in prose are not types */
    assert_int_equal(c.stack_frame_count, 1);
    dotnet_crash_free(&c);
}

/* Builds a Framework text of `frames` frames of about 36 bytes each. */
static void build_long_text(struct text *t, int frames)
{
    text_addf(t, "Application: w3wp.exe\nFramework Version: v4.0.30319\n"
                 "Description: The process was terminated due to an unhandled exception.\n"
                 "Exception Info: System.InvalidOperationException\n");
    for (int i = 0; i < frames; i++)
        text_addf(t, "   at MyApp.Recursive.Step%04d(Int32)\n", i);
}

static void test_truncated_with_notice(void **state)
{
    (void)state;
    struct text t = {0};
    build_long_text(&t, 880);
    text_addf(&t, "\nThe remainder of the message was truncated.\n");
    assert_true(t.len > 32000);
    struct dotnet_crash c;
    parse_ok(t.p, 1026, &c);
    assert_true(c.truncated);
    assert_int_equal(c.exception_count, 1);
    assert_int_equal(c.exceptions[0].frame_count, 880);
    assert_string_equal(c.exceptions[0].frames[879].method, "MyApp.Recursive.Step0879(Int32)");
    dotnet_crash_free(&c);
    free(t.p);
}

/* Cuts t as EventReporter::AddStackTrace does: once the text reaches 31842 characters, back
 * to the start of the line at (31842 - notice - 1), then the notice on a line of its own. */
static void runtime_cut(struct text *t, const char *notice)
{
    size_t limit = 31842, notice_len = strlen(notice) + 2;
    assert_true(t->len >= limit);
    size_t at = limit - notice_len - 1;
    while (at > 0 && t->p[at - 1] != '\n')
        at--;
    t->len = at;
    t->p[at] = '\0';
    text_addf(t, "\n%s\n", notice);
}

static size_t count_frames_written(const char *text)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, "\n   em ")) != NULL; p++)
        n++;
    return n;
}

static void test_truncated_by_length_any_language(void **state)
{
    (void)state;
    /* Long generic frames, as real truncated stacks have, cut the way the runtime cuts. */
    struct text t = {0};
    text_addf(&t, "Aplicativo: w3wp.exe\nVersão do Framework: v4.0.30319\n"
                  "Descrição: O processo foi terminado devido a uma exceção sem tratamento.\n"
                  "Informações da Exceção: System.InvalidOperationException\n");
    for (int i = 0; t.len < 31842; i++)
        text_addf(&t,
                  "   em MyApp.Data.Repository`1[[MyApp.Models.Customer, MyApp, "
                  "Version=1.0.0.0, Culture=neutral, PublicKeyToken=null]].Load%04d("
                  "System.Int32)\n",
                  i);
    runtime_cut(&t, "O restante da mensagem foi truncado.");
    assert_true(t.len < 31 * 1024);
    struct dotnet_crash c;
    parse_ok(t.p, 1026, &c);
    assert_true(c.truncated);
    assert_int_equal(c.exceptions[0].frame_count, count_frames_written(t.p));
    dotnet_crash_free(&c);

    /* Cut in the middle of a frame: the frames before the cut are all kept. */
    size_t written = count_frames_written(t.p);
    text_addf(&t, "   em Sys");
    parse_ok(t.p, 1026, &c);
    assert_true(c.truncated);
    assert_int_equal(c.exceptions[0].frame_count, written);
    dotnet_crash_free(&c);
    free(t.p);

    /* Just as long but ending on a frame: complete. */
    struct text whole = {0};
    build_long_text(&whole, 880);
    parse_ok(whole.p, 1026, &c);
    assert_false(c.truncated);
    dotnet_crash_free(&c);
    free(whole.p);
}

static void test_missing_lines(void **state)
{
    (void)state;
    struct dotnet_crash c;
    parse_ok("Application: a.exe\n"
             "Description: The process was terminated due to an unhandled exception.\n"
             "Exception Info: System.Exception\n"
             "   at A.B.C()\n",
             1026, &c);
    assert_null(c.runtime);
    assert_string_equal(c.description, "The process was terminated due to an unhandled exception.");
    assert_int_equal(c.exception_count, 1);
    dotnet_crash_free(&c);

    parse_ok("Framework Version: v4.0.30319\nDescription: Something.\n", 1026, &c);
    assert_string_equal(c.application, "");
    assert_string_equal(c.runtime, "Framework v4.0.30319");
    assert_string_equal(c.description, "Something.");
    dotnet_crash_free(&c);

    parse_ok("Application: a.exe\nFramework Version: v4.0.30319\n"
             "Exception Info: System.Exception\n   at A.B.C()\n",
             1026, &c);
    assert_null(c.description);
    assert_int_equal(c.exception_count, 1);
    assert_string_equal(c.exceptions[0].type, "System.Exception");
    assert_int_equal(c.kind, DOTNET_KIND_UNHANDLED_EXCEPTION);
    dotnet_crash_free(&c);

    parse_ok("\n\nApplication: a.exe", 1026, &c);
    assert_string_equal(c.application, "a.exe");
    assert_int_equal(c.kind, DOTNET_KIND_UNKNOWN);
    dotnet_crash_free(&c);
}

static void test_text_without_labels(void **state)
{
    (void)state;
    struct dotnet_crash c;
    parse_ok("   at A.B()\n   at C.D(Int32)\n", 1026, &c);
    assert_string_equal(c.application, "");
    assert_null(c.runtime);
    assert_int_equal(c.stack_frame_count, 2);
    assert_string_equal(c.stack_frames[1].method, "C.D(Int32)");
    dotnet_crash_free(&c);
}

static void test_empty_and_garbage(void **state)
{
    (void)state;
    struct dotnet_crash c;
    struct cs_error err = {{0}};
    assert_int_equal(dotnet_crash_parse("", 1026, &c, &err), -1);
    assert_true(strlen(err.message) > 0);
    assert_string_equal(c.application, "");
    dotnet_crash_free(&c);

    err.message[0] = '\0';
    assert_int_equal(dotnet_crash_parse(NULL, 1026, &c, &err), -1);
    assert_true(strlen(err.message) > 0);
    dotnet_crash_free(&c);

    assert_int_equal(dotnet_crash_parse("hello world\nnothing to see here\n\n", 1026, &c, NULL),
                     -1);
    assert_int_equal(c.exception_count, 0);
    dotnet_crash_free(&c);

    /* Random bytes (no NUL): anything may come out, but it must come out. */
    size_t n = 1 << 16;
    char *junk = malloc(n + 1);
    assert_non_null(junk);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (char)(1 + (x >> 16) % 255);
    }
    junk[n] = '\0';
    int rc = dotnet_crash_parse(junk, 1026, &c, NULL);
    assert_true(rc == 0 || rc == -1);
    dotnet_crash_free(&c);
    free(junk);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    const char *text = "Application: \xff\xfe.exe\n"
                       "Framework Version: v4.0.30319\n"
                       "Description: \xc3\x28 broken\n"
                       "Exception Info: System.\xe2\x82"
                       "Bad\n"
                       "   at \xc3\x28"
                       "Foo.Bar\xf0\x90()\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_string_equal(c.application, "\xff\xfe.exe");
    assert_int_equal(c.exception_count, 1);
    assert_string_equal(c.exceptions[0].type, "System.\xe2\x82"
                                              "Bad");
    assert_int_equal(c.exceptions[0].frame_count, 1);
    assert_string_equal(c.exceptions[0].frames[0].method, "\xc3\x28"
                                                          "Foo.Bar\xf0\x90()");
    dotnet_crash_free(&c);
}

static void test_nested_and_generic_frames(void **state)
{
    (void)state;
    const char *text =
        "Application: a.exe\n"
        "Framework Version: v4.0.30319\n"
        "Description: The process was terminated due to an unhandled exception.\n"
        "Exception Info: MyApp.ValidationException`1[[System.String, mscorlib, Version=4.0.0.0]]\n"
        "   at Foo+Bar.Baz(Int32 ByRef)\n"
        "   at System.Collections.Generic.List`1[[System.String, mscorlib]].Add(System.String)\n"
        "   at MyApp.System.Helpers.Run(System.Func`1<System.Object>)\n";
    struct dotnet_crash c;
    parse_ok(text, 1026, &c);
    assert_int_equal(c.exception_count, 1);
    assert_string_equal(c.exceptions[0].type,
                        "MyApp.ValidationException`1[[System.String, mscorlib, Version=4.0.0.0]]");
    const struct dotnet_frame *f = c.exceptions[0].frames;
    assert_int_equal(c.exceptions[0].frame_count, 3);
    assert_string_equal(f[0].method, "Foo+Bar.Baz(Int32 ByRef)");
    assert_false(dotnet_frame_is_framework(&f[0]));
    assert_string_equal(f[1].method,
                        "System.Collections.Generic.List`1[[System.String, mscorlib]].Add(System."
                        "String)");
    assert_true(dotnet_frame_is_framework(&f[1]));
    assert_false(dotnet_frame_is_framework(&f[2]));
    dotnet_crash_free(&c);
}

static void test_framework_frame_prefixes(void **state)
{
    (void)state;
    struct {
        const char *method;
        bool framework;
    } cases[] = {
        {"System.Threading.Thread.StartCallback()", true},
        {"Microsoft.AspNetCore.Server.Kestrel.Core.Run()", true},
        {"Interop+Kernel32.CloseHandle(IntPtr)", true},
        {"Internal.Runtime.CompilerServices.Unsafe.As()", true},
        {"MS.Internal.Invoke()", true},
        {"Windows.UI.Xaml.Application.Start()", true},
        {"Mono.Runtime.Invoke()", true},
        {"MyApp.System.Helpers.Run()", false},
        {"SystemX.Foo()", false},
        {"Program.Main()", false},
        {"Newtonsoft.Json.JsonConvert.DeserializeObject(System.String)", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct dotnet_frame f = {(char *)cases[i].method, (char *)cases[i].method};
        assert_int_equal(dotnet_frame_is_framework(&f), cases[i].framework);
    }
    assert_false(dotnet_frame_is_framework(NULL));
}

static void test_kind_names(void **state)
{
    (void)state;
    const char *names[] = {"unknown", "unhandled_exception", "stack_overflow", "failfast",
                           "internal_error"};
    for (int k = DOTNET_KIND_UNKNOWN; k <= DOTNET_KIND_INTERNAL_ERROR; k++) {
        enum dotnet_crash_kind back = DOTNET_KIND_UNKNOWN;
        assert_string_equal(dotnet_crash_kind_name((enum dotnet_crash_kind)k), names[k]);
        assert_int_equal(dotnet_crash_kind_from_name(names[k], &back), 0);
        assert_int_equal(back, k);
    }
    enum dotnet_crash_kind out = DOTNET_KIND_FAILFAST;
    assert_int_equal(dotnet_crash_kind_from_name("StackOverflow", &out), -1);
    assert_int_equal(dotnet_crash_kind_from_name(NULL, &out), -1);
    assert_int_equal(out, DOTNET_KIND_FAILFAST);
    assert_string_equal(dotnet_crash_kind_name((enum dotnet_crash_kind)42), "unknown");
}

static void test_accessors_on_empty_crash(void **state)
{
    (void)state;
    struct dotnet_crash c;
    memset(&c, 0, sizeof(c));
    size_t n = 7;
    assert_null(dotnet_crash_outermost(&c));
    assert_null(dotnet_crash_innermost(&c));
    assert_null(dotnet_crash_thread_frames(&c, &n));
    assert_int_equal(n, 0);
    dotnet_crash_free(&c);
}

/* 100,000 frames: the top 750 and the bottom 250 are kept, in order. */
static void test_hundred_thousand_frames(void **state)
{
    (void)state;
    struct text t = {0};
    text_addf(&t, "Application: a.exe\nCoreCLR Version: 8.0.23.53103\n.NET Version: 8.0.0\n"
                  "Description: The process was terminated due to an unhandled exception.\n"
                  "Exception Info: System.Exception: deep\n");
    for (int i = 0; i < 100000; i++)
        text_addf(&t, "   at App.F%d(Int32)\n", i);
    struct dotnet_crash c;
    parse_ok(t.p, 1026, &c);
    assert_true(c.truncated);
    const struct dotnet_exception *ex = &c.exceptions[0];
    assert_int_equal(ex->frame_count, 1000);
    assert_string_equal(ex->frames[0].method, "App.F0(Int32)");
    assert_string_equal(ex->frames[749].method, "App.F749(Int32)");
    assert_string_equal(ex->frames[750].method, "App.F99750(Int32)");
    assert_string_equal(ex->frames[999].method, "App.F99999(Int32)");
    dotnet_crash_free(&c);

    /* The same outside an exception block. */
    struct text s = {0};
    text_addf(&s, "Application: a.exe\nFramework Version: v4.0.30319\nDescription: x\nStack:\n");
    for (int i = 0; i < 100003; i++)
        text_addf(&s, "   at App.G%d()\n", i);
    parse_ok(s.p, 1027, &c);
    assert_true(c.truncated);
    assert_int_equal(c.stack_frame_count, 1000);
    assert_string_equal(c.stack_frames[750].method, "App.G99753()");
    assert_string_equal(c.stack_frames[999].method, "App.G100002()");
    dotnet_crash_free(&c);
    free(t.p);
    free(s.p);
}

static void test_exception_cap_keeps_outermost(void **state)
{
    (void)state;
    struct text t = {0};
    text_addf(&t, "Application: a.exe\nFramework Version: v4.0.30319\nDescription: x\n");
    for (int i = 0; i < 100; i++)
        text_addf(&t, "Exception Info: App.E%d\n   at App.F%d()\n\n", i, i);
    struct dotnet_crash c;
    parse_ok(t.p, 1026, &c);
    assert_true(c.truncated);
    assert_int_equal(c.exception_count, 64);
    assert_string_equal(c.exceptions[0].type, "App.E0");
    assert_string_equal(c.exceptions[62].type, "App.E62");
    assert_string_equal(dotnet_crash_outermost(&c)->type, "App.E99");
    assert_string_equal(dotnet_crash_outermost(&c)->frames[0].method, "App.F99()");
    dotnet_crash_free(&c);
    free(t.p);
}

static void test_deep_nesting_is_capped(void **state)
{
    (void)state;
    struct text t = {0};
    text_addf(&t, "Application: a.exe\nCoreCLR Version: 8.0.1\n.NET Version: 8.0.0\n"
                  "Description: x\nException Info: App.Outer: o\n");
    for (int i = 0; i < 10000; i++)
        text_addf(&t, " ---> App.Inner%d: m\n", i);
    text_addf(&t, "   at App.Deepest()\n");
    for (int i = 0; i < 10000; i++)
        text_addf(&t, "   --- End of inner exception stack trace ---\n   at App.Level%d()\n", i);
    struct dotnet_crash c;
    parse_ok(t.p, 1026, &c);
    assert_true(c.truncated);
    assert_int_equal(c.exception_count, 64);
    assert_string_equal(dotnet_crash_outermost(&c)->type, "App.Outer");
    assert_string_equal(dotnet_crash_outermost(&c)->frames[0].method, "App.Level9999()");
    dotnet_crash_free(&c);
    free(t.p);

    /* Unbalanced: most inner exceptions never end.  The next block starts afresh. */
    struct text u = {0};
    text_addf(&u, "Application: a.exe\nCoreCLR Version: 8.0.1\nDescription: x\n"
                  "Exception Info: App.Outer: o\n");
    for (int i = 0; i < 1000; i++)
        text_addf(&u, " ---> App.Inner%d: m\n", i);
    text_addf(&u, "   --- End of inner exception stack trace ---\n\n"
                  "Exception Info: App.Second: s\n"
                  " ---> App.SecondInner: i\n"
                  "   at A.B()\n"
                  "   --- End of inner exception stack trace ---\n"
                  "   at A.C()\n");
    parse_ok(u.p, 1026, &c);
    assert_true(c.truncated);
    const struct dotnet_exception *outer = dotnet_crash_outermost(&c);
    assert_string_equal(outer->type, "App.Second");
    assert_int_equal(outer->frame_count, 1);
    assert_string_equal(outer->frames[0].method, "A.C()");
    dotnet_crash_free(&c);
    free(u.p);
}

/* 10 MB: a huge message, a huge single line, and ten megabytes of newlines. */
static void test_ten_megabytes(void **state)
{
    (void)state;
    size_t big = 10u * 1024 * 1024;
    struct text t = {0};
    text_addf(&t, "Application: a.exe\nCoreCLR Version: 8.0.1\n.NET Version: 8.0.0\n"
                  "Description: x\nException Info: System.Exception: ");
    char chunk[4096];
    memset(chunk, 'm', sizeof(chunk));
    while (t.len < big)
        text_add(&t, chunk, sizeof(chunk));
    text_addf(&t, "\n   at App.Main()\n");
    struct dotnet_crash c;
    parse_ok(t.p, 1026, &c);
    assert_true(c.truncated);
    assert_int_equal(c.exception_count, 1);
    assert_true(strlen(c.exceptions[0].message) <= 65536);
    assert_int_equal(c.exceptions[0].frame_count, 1);
    dotnet_crash_free(&c);
    free(t.p);

    char *lines = malloc(big + 1);
    assert_non_null(lines);
    memset(lines, '\n', big);
    lines[big] = '\0';
    memcpy(lines, "Application: a.exe", 18);
    parse_ok(lines, 1026, &c);
    assert_string_equal(c.application, "a.exe");
    assert_int_equal(c.kind, DOTNET_KIND_UNKNOWN);
    assert_true(c.truncated); /* over 31 KiB and not ending on a frame */
    dotnet_crash_free(&c);

    memset(lines, ':', big); /* one 10 MB line of colons */
    assert_int_equal(dotnet_crash_parse(lines, 1026, &c, NULL), -1);
    dotnet_crash_free(&c);
    free(lines);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_example),
        cmocka_unit_test(test_crlf_line_endings),
        cmocka_unit_test(test_coreclr_async_with_source_lines),
        cmocka_unit_test(test_coreclr_multiline_message),
        cmocka_unit_test(test_coreclr_error_code_after_type),
        cmocka_unit_test(test_portuguese),
        cmocka_unit_test(test_german),
        cmocka_unit_test(test_french),
        cmocka_unit_test(test_spanish),
        cmocka_unit_test(test_russian),
        cmocka_unit_test(test_chinese),
        cmocka_unit_test(test_japanese),
        cmocka_unit_test(test_localized_source_suffix),
        cmocka_unit_test(test_framework_blocks_innermost_first),
        cmocka_unit_test(test_coreclr_nesting_innermost_first),
        cmocka_unit_test(test_framework_remote_stack_trace),
        cmocka_unit_test(test_message_on_following_line),
        cmocka_unit_test(test_aggregate_inner_exception_prefix),
        cmocka_unit_test(test_stack_overflow_framework),
        cmocka_unit_test(test_stack_overflow_localized_by_elimination),
        cmocka_unit_test(test_unhandled_hint_without_block),
        cmocka_unit_test(test_stack_overflow_net5_stack),
        cmocka_unit_test(test_coreclr_1026_without_exception_block),
        cmocka_unit_test(test_coreclr_native_exception_forms),
        cmocka_unit_test(test_failfast_message_and_stack),
        cmocka_unit_test(test_failfast_from_description_localized),
        cmocka_unit_test(test_failfast_with_exception),
        cmocka_unit_test(test_internal_error),
        cmocka_unit_test(test_code_contract_1028_is_unknown),
        cmocka_unit_test(test_truncated_with_notice),
        cmocka_unit_test(test_truncated_by_length_any_language),
        cmocka_unit_test(test_missing_lines),
        cmocka_unit_test(test_text_without_labels),
        cmocka_unit_test(test_empty_and_garbage),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_nested_and_generic_frames),
        cmocka_unit_test(test_framework_frame_prefixes),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_accessors_on_empty_crash),
        cmocka_unit_test(test_hundred_thousand_frames),
        cmocka_unit_test(test_exception_cap_keeps_outermost),
        cmocka_unit_test(test_deep_nesting_is_capped),
        cmocka_unit_test(test_ten_megabytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
