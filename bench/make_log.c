/*
 * make_log.c - write a large, realistic IIS server Application log for the scan benchmark
 * (bench/run.sh), with the project's EVTX writer (tests/evtxgen/evtx_writer.h).
 *
 *     make_log OUT.evtx SIZE_MB [realistic|storm|wer] [SEED]
 *
 * realistic: about one crash (a .NET Runtime 1026 and its Application Error 1000 200 ms
 *            later) per 20,000 records; everything else is the noise an IIS host's Application
 *            log holds: ASP.NET 1309 warnings with stack traces, IIS worker process warnings,
 *            SQL Server, Security-SPP, Windows Error Reporting, ESENT, User Profiles, CAPI2,
 *            VSS, RestartManager, and now and then a non-fatal .NET Runtime 1022 or a .NET
 *            Runtime Optimization Service event (they contain ".NET Runtime", so the prefilter
 *            selects their chunks and must leave their records out).
 * storm:     the same noise, but a crash every 40 records, so every 64 KiB chunk holds a .NET
 *            Runtime event.
 * wer:       the realistic crash rate, but 60% of the records are Windows Error Reporting 1001s
 *            that are not crash reports (hangs, Windows Update, Visual Studio, drivers): the
 *            provider and event id crashsig reads, which it must drop cheaply.
 * aspnet:    an Application log of a busy site: 90 % ASP.NET 1309 warnings (a provider
 *            crashsig reads, for its 1325, but an event id it does not), crashes as realistic.
 * system:    the System log beside a realistic Application log: Service Control Manager,
 *            Kernel-General, Time-Service and DNS client noise, WAS recycle and idle events of
 *            the pools (provider and ids crashsig reads), and WAS 5011s (worker deaths) about
 *            as often as realistic has crashes (a pair: scan both, as an IIS host is scanned).
 * crashloop: nothing but crashes, a pair every few seconds: a service restarting and dying
 *            for days (133 MB hold 100,000 pairs).
 * idnoise:   one crash per 20,000 records; everything else is of a provider crashsig reads
 *            with an event id it does not want (.NET Runtime 1022, Windows Error Reporting
 *            1001, ASP.NET 1309): every chunk holds a wanted provider name.
 *
 * The 1001 noise never names a crash (APPCRASH, BEX, CLR20r3): a lone crash report is an
 * incident of its own.
 *
 * Output is deterministic for a seed.  A benchmark tool, not a test fixture generator (that
 * is tests/evtxgen/evtxgen with JSON specs).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtx_writer.h"

#define COMPUTER     "WEB-PROD-03"
#define TICKS_PER_MS 10000ull

struct gen {
    struct evtx_writer *w;
    uint64_t rng;
    uint64_t time; /* FILETIME of the next record */
    const char *channel;
    unsigned long records, crashes;
    char text[4][4096];
};

static uint64_t rnd(struct gen *g)
{
    g->rng ^= g->rng >> 12;
    g->rng ^= g->rng << 25;
    g->rng ^= g->rng >> 27;
    return g->rng * 0x2545f4914f6cdd1dull;
}

static unsigned below(struct gen *g, unsigned n)
{
    return (unsigned)(rnd(g) % n);
}

static void add(struct gen *g, struct evtx_event *ev)
{
    char err[256];
    ev->channel = g->channel;
    ev->computer = COMPUTER;
    ev->time_created = g->time;
    if (ev->keywords == 0)
        ev->keywords = 0x80000000000000ull;
    if (evtx_writer_add(g->w, ev, err, sizeof(err)) != 0) {
        fprintf(stderr, "make_log: %s\n", err);
        exit(1);
    }
    g->records++;
    g->time += (100 + below(g, 900)) * TICKS_PER_MS;
}

static const char *const POOLS[] = {"ContosoOrders", "ContosoJobs", "ContosoApi", "Reports"};
static const char *const EXCEPTIONS[] = {
    "System.InvalidOperationException", "System.NullReferenceException",
    "System.ObjectDisposedException", "System.Net.Http.HttpRequestException"};

static void crash_pair(struct gen *g)
{
    unsigned pool = below(g, 4), ex = below(g, 4);
    snprintf(
        g->text[0], sizeof(g->text[0]),
        "Application: w3wp.exe\r\nFramework Version: v4.0.30319\r\nDescription: The process "
        "was terminated due to an unhandled exception.\r\nException Info: %s\r\n"
        "   at Contoso.%s.Inventory.StockLevel.EnsureValid()\r\n"
        "   at "
        "Contoso.%s.Inventory.InventorySync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()\r\n"
        "   at "
        "System.Runtime.CompilerServices.AsyncMethodBuilderCore+<>c.<ThrowAsync>b__6_1(System."
        "Object)\r\n"
        "   at System.Threading.QueueUserWorkItemCallback.WaitCallback_Context(System.Object)\r\n"
        "   at System.Threading.ExecutionContext.RunInternal(System.Threading.ExecutionContext, "
        "System.Threading.ContextCallback, System.Object, Boolean)\r\n"
        "   at System.Threading.ExecutionContext.Run(System.Threading.ExecutionContext, "
        "System.Threading.ContextCallback, System.Object, Boolean)\r\n"
        "   at "
        "System.Threading.QueueUserWorkItemCallback.System.Threading.IThreadPoolWorkItem."
        "ExecuteWorkItem()\r\n"
        "   at System.Threading.ThreadPoolWorkQueue.Dispatch()\r\n"
        "   at System.Threading._ThreadPoolWaitCallback.PerformWaitCallback()\r\n\r\n",
        EXCEPTIONS[ex], POOLS[pool], POOLS[pool]);
    const char *dotnet[] = {g->text[0]};
    struct evtx_event e = {.provider = ".NET Runtime",
                           .event_id = 1026,
                           .has_qualifiers = 1,
                           .level = 2,
                           .data = dotnet,
                           .n_data = 1};
    uint64_t crash_time = g->time;
    add(g, &e);
    g->time = crash_time + 200 * TICKS_PER_MS; /* the 1000 follows 200 ms after the 1026 */
    snprintf(g->text[1], sizeof(g->text[1]), "%x", 0x1a00 + below(g, 0x400));
    const char *fault[] = {"w3wp.exe",
                           "10.0.17763.1",
                           "5c1b4e6b",
                           "KERNELBASE.dll",
                           "10.0.17763.2183",
                           "4b0e8e1c",
                           "e0434352",
                           "000000000003a839",
                           g->text[1],
                           "01dcaa2352a19250",
                           "c:\\windows\\system32\\inetsrv\\w3wp.exe",
                           "C:\\Windows\\System32\\KERNELBASE.dll",
                           "ac45e086-a70e-4fb4-8d49-9d02adf9b773",
                           "",
                           ""};
    struct evtx_event a = {.provider = "Application Error",
                           .event_id = 1000,
                           .has_qualifiers = 1,
                           .level = 2,
                           .task = 100,
                           .data = fault,
                           .n_data = 15};
    add(g, &a);
    g->crashes++;
}

static void aspnet_warning(struct gen *g)
{
    unsigned id = below(g, 100000), pool = below(g, 4);
    snprintf(g->text[0], sizeof(g->text[0]), "/api/orders/%u:export", id);
    snprintf(g->text[1], sizeof(g->text[1]), "IIS APPPOOL\\%s", POOLS[pool]);
    snprintf(g->text[2], sizeof(g->text[2]), "%u", id);
    const char *d[] = {
        "3005",
        "An unhandled exception has occurred.",
        "3/2/2026 9:06:12 AM",
        "3/2/2026 9:06:12 AM",
        "d079fbf6a2cc6f9c705f9a5601468167",
        g->text[2],
        "1",
        "0",
        "/LM/W3SVC/2/ROOT-1-134306595",
        "Full",
        "/",
        "C:\\inetpub\\orders\\",
        COMPUTER,
        "",
        "2472",
        "w3wp.exe",
        g->text[1],
        "HttpException",
        "A potentially dangerous Request.Path value was detected from the client (:).",
        g->text[0],
        g->text[0],
        "10.20.1.32",
        "",
        "False",
        "",
        g->text[1],
        "52",
        g->text[1],
        "False",
        "   at System.Web.HttpRequest.ValidateInputIfRequiredByConfig()\r\n"
        "   at System.Web.HttpApplication.PipelineStepManager.ValidateHelper("
        "HttpContext context)\r\n"};
    struct evtx_event e = {.provider = "ASP.NET 4.0.30319.0",
                           .event_id = 1309,
                           .has_qualifiers = 1,
                           .qualifiers = 32768,
                           .level = 3,
                           .data = d,
                           .n_data = 30};
    add(g, &e);
}

static void sql_event(struct gen *g)
{
    snprintf(g->text[0], sizeof(g->text[0]), " [CLIENT: 10.20.%u.%u]", below(g, 8), below(g, 250));
    const char *login[] = {
        "svc_reports", " Reason: Password did not match that for the login provided.", g->text[0]};
    const char *db[] = {"ContosoOrders"};
    bool failed = below(g, 2);
    struct evtx_event e = {.provider = "MSSQLSERVER",
                           .event_id = failed ? 18456 : 17137,
                           .has_qualifiers = 1,
                           .qualifiers = failed ? 49152 : 16384,
                           .level = failed ? 0 : 4,
                           .data = failed ? login : db,
                           .n_data = failed ? 3 : 1};
    add(g, &e);
}

static void iis_warning(struct gen *g)
{
    const struct evtx_named_data d[] = {
        {"ModuleDll", "C:\\Program Files\\Contoso\\Agent\\iis\\ContosoIisModule.dll"},
        {"ErrorCode", "7E000000"}};
    struct evtx_event e = {.provider = "Microsoft-Windows-IIS-W3SVC-WP",
                           .provider_guid = "{670080d9-742a-4187-8d16-41143d1290bd}",
                           .event_id = 2282,
                           .level = 3,
                           .named_data = d,
                           .n_named_data = 2};
    add(g, &e);
}

static void spp_event(struct gen *g)
{
    const char *d[] = {"2026-03-02T20:16:50.4490000Z", "RulesEngine"};
    struct evtx_event e = {.provider = "Microsoft-Windows-Security-SPP",
                           .event_id = 16384,
                           .has_qualifiers = 1,
                           .qualifiers = 16384,
                           .level = 4,
                           .data = d,
                           .n_data = 2};
    add(g, &e);
}

static void wer_event(struct gen *g)
{
    snprintf(g->text[0], sizeof(g->text[0]), "%llu", (unsigned long long)(rnd(g) >> 4));
    static const char *const NAMES[] = {"AppHangB1", "WindowsUpdateFailure3",
                                        "VisualStudioNonFatalErrors2", "PnPDriverImportError"};
    const char *d[] = {g->text[0],
                       "5",
                       NAMES[below(g, 4)],
                       "Not available",
                       "0",
                       "w3wp.exe",
                       "10.0.17763.1",
                       "5c1b4e6b",
                       "Contoso.Orders",
                       "3.8.1.0",
                       "64a5c4a2",
                       "1a2",
                       "4",
                       "System.InvalidOperationException",
                       "",
                       "\\\\?\\C:\\ProgramData\\Microsoft\\Windows\\WER\\Temp\\WER3302.tmp.xml",
                       "C:\\ProgramData\\Microsoft\\Windows\\WER\\ReportArchive\\AppCrash_w3wp",
                       "",
                       "0",
                       "11d919b7-4276-3961-1332-8989c5b3f72f",
                       "268435456",
                       "",
                       ""};
    struct evtx_event e = {.provider = "Windows Error Reporting",
                           .event_id = 1001,
                           .has_qualifiers = 1,
                           .level = 4,
                           .data = d,
                           .n_data = 23};
    add(g, &e);
}

static void esent_event(struct gen *g)
{
    const char *d[] = {"svchost", "8912,G,98", "", "EseDiskFlushConsistency", "ESENT", "0x800000"};
    struct evtx_event e = {.provider = "ESENT",
                           .event_id = 916,
                           .has_qualifiers = 1,
                           .level = 4,
                           .data = d,
                           .n_data = 6};
    add(g, &e);
}

static void profile_event(struct gen *g)
{
    const struct evtx_named_data d[] = {
        {"Detail", "8 user registry handles leaked from \\Registry\\User\\S-1-5-21-3623811015-"
                   "3361044348-30300820-1041:\r\nProcess 6928 (\\Device\\HarddiskVolume2\\Windows"
                   "\\System32\\svchost.exe) has opened key \\REGISTRY\\USER\\S-1-5-21-3623811015"
                   "-3361044348-30300820-1041\r\n"}};
    struct evtx_event e = {.provider = "Microsoft-Windows-User Profiles Service",
                           .provider_guid = "{89b1e9f0-5aff-44a6-9b44-0a07a7ce5845}",
                           .event_id = 1530,
                           .level = 3,
                           .keywords = 0x8000000000000000ull,
                           .named_data = d,
                           .n_named_data = 1};
    add(g, &e);
}

static void capi_event(struct gen *g)
{
    const char *d[] = {"AuthRoot", "00400000000000000000000000000000046B7E2C"};
    struct evtx_event e = {.provider = "Microsoft-Windows-CAPI2",
                           .event_id = 4097,
                           .has_qualifiers = 1,
                           .level = 4,
                           .data = d,
                           .n_data = 2};
    add(g, &e);
}

static void restart_event(struct gen *g)
{
    snprintf(g->text[0], sizeof(g->text[0]), "%u", below(g, 1000));
    const struct evtx_named_data d[] = {{"RmSessionId", g->text[0]},
                                        {"UTCStartTime", "2026-03-02T09:04:09.3040000Z"}};
    struct evtx_event e = {.provider = "Microsoft-Windows-RestartManager",
                           .provider_guid = "{0888e5ef-9b98-4695-979d-e92ce4247224}",
                           .event_id = 10000 + below(g, 2),
                           .level = 4,
                           .keywords = 0x8000000000000000ull,
                           .named_data = d,
                           .n_named_data = 2};
    add(g, &e);
}

/* Rare: events that contain ".NET Runtime" but are not fatal. */
/* A non-fatal .NET Runtime 1022: the provider crashsig reads, an event id it does not. */
static void profiler_loaded(struct gen *g)
{
    const char *d[] = {".NET Runtime version 4.0.30319.0 - The profiler was loaded "
                       "successfully.  Profiler CLSID: '{36032161-ffc0-4b61-b559-"
                       "f6c5d41bae5a}'.  Process ID (decimal): 3684.  Message ID: [0x2507]."};
    struct evtx_event e = {.provider = ".NET Runtime",
                           .event_id = 1022,
                           .has_qualifiers = 1,
                           .level = 4,
                           .data = d,
                           .n_data = 1};
    add(g, &e);
}

static void dotnet_noise(struct gen *g)
{
    if (below(g, 2)) {
        profiler_loaded(g);
    } else {
        const char *d[] = {"Service started"};
        struct evtx_event e = {.provider = ".NET Runtime Optimization Service",
                               .event_id = 1101,
                               .has_qualifiers = 1,
                               .level = 4,
                               .data = d,
                               .n_data = 1};
        add(g, &e);
    }
}

static const char WAS_GUID[] = "{524B5D04-133C-4A62-8362-64E8EDB9CE40}";

/* A WAS event: event_id with the pool and a decimal pid, pid first for the recycle and idle
 * events as WAS writes them. */
static void was_event(struct gen *g, uint16_t event_id, unsigned pool, unsigned pid)
{
    snprintf(g->text[3], sizeof(g->text[3]), "%u", pid);
    bool pid_first = event_id >= 5074;
    const struct evtx_named_data d[] = {
        {pid_first ? "ProcessID" : "AppPoolID", pid_first ? g->text[3] : POOLS[pool]},
        {pid_first ? "AppPoolID" : "ProcessID", pid_first ? POOLS[pool] : g->text[3]}};
    static const uint8_t broken_pipe[] = {0x6d, 0x00, 0x07, 0x80};
    struct evtx_event e = {.provider = "Microsoft-Windows-WAS",
                           .provider_guid = WAS_GUID,
                           .event_id = event_id,
                           .level = event_id >= 5074 ? 4 : 3,
                           .keywords = 0x8000000000000000ull,
                           .named_data = d,
                           .n_named_data = 2,
                           .binary = event_id == 5011 ? broken_pipe : NULL,
                           .binary_size = event_id == 5011 ? sizeof(broken_pipe) : 0};
    add(g, &e);
}

static void system_noise(struct gen *g)
{
    unsigned r = below(g, 1000);
    if (r < 20) {
        was_event(g, below(g, 2) ? 5186 : 5076, below(g, 4), 1200 + below(g, 30000));
        return;
    }
    static const char *const SERVICES[] = {"Windows Update",
                                           "Background Intelligent Transfer "
                                           "Service",
                                           "WinHTTP Web Proxy Auto-Discovery Service",
                                           "Windows Modules Installer",
                                           "Microsoft Defender "
                                           "Antivirus Network Inspection Service"};
    const char *scm[] = {SERVICES[below(g, 5)], below(g, 2) ? "running" : "stopped", ""};
    const char *dns[] = {"contoso-sql01.contoso.local", "1460", "", ""};
    const char *w32[] = {"time.windows.com,0x8", "600"};
    struct evtx_event e = {.has_qualifiers = 1, .level = 4};
    if (r < 700) {
        e.provider = "Service Control Manager";
        e.event_id = 7036;
        e.qualifiers = 16384;
        e.data = scm;
        e.n_data = 3;
    } else if (r < 850) {
        e.provider = "Microsoft-Windows-DNS-Client";
        e.event_id = 1014;
        e.level = 3;
        e.data = dns;
        e.n_data = 4;
    } else {
        e.provider = "Microsoft-Windows-Time-Service";
        e.event_id = 35;
        e.data = w32;
        e.n_data = 2;
    }
    add(g, &e);
}

/* idnoise: records of the providers crashsig reads (or is about to read) with event ids it
 * does not want: a .NET Runtime 1022 (a profiler loaded), Windows Error Reporting 1001
 * reports, ASP.NET 1309 warnings, as a busy IIS host logs thousands of them. */
static void same_provider_noise(struct gen *g)
{
    unsigned r = below(g, 3);
    if (r == 0) {
        profiler_loaded(g);
    } else if (r == 1) {
        wer_event(g);
    } else {
        aspnet_warning(g);
    }
}

static void noise(struct gen *g)
{
    unsigned r = below(g, 1000);
    if (r < 300)
        aspnet_warning(g);
    else if (r < 450)
        sql_event(g);
    else if (r < 600)
        iis_warning(g);
    else if (r < 680)
        spp_event(g);
    else if (r < 740)
        wer_event(g);
    else if (r < 820)
        esent_event(g);
    else if (r < 880)
        profile_event(g);
    else if (r < 940)
        capi_event(g);
    else if (r < 999)
        restart_event(g);
    else if (below(g, 5) == 0) /* about one in 5,000 records */
        dotnet_noise(g);
    else
        capi_event(g);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: make_log OUT.evtx SIZE_MB "
                        "[realistic|storm|wer|aspnet|system|crashloop|idnoise] [SEED]\n");
        return 2;
    }
    unsigned long long size = strtoull(argv[2], NULL, 10) * 1000000ull;
    const char *kind = argc > 3 ? argv[3] : "realistic";
    bool storm = strcmp(kind, "storm") == 0, aspnet = strcmp(kind, "aspnet") == 0;
    bool system = strcmp(kind, "system") == 0, wer_heavy = strcmp(kind, "wer") == 0;
    bool crashloop = strcmp(kind, "crashloop") == 0;
    bool idnoise = strcmp(kind, "idnoise") == 0;
    if (!storm && !aspnet && !system && !wer_heavy && !crashloop && !idnoise &&
        strcmp(kind, "realistic") != 0) {
        fprintf(stderr, "make_log: unknown kind %s\n", kind);
        return 2;
    }
    struct gen g = {.rng = argc > 4 ? strtoull(argv[4], NULL, 10) | 1 : 0x9e3779b97f4a7c15ull,
                    .time = 134167104000000000ull /* 2026-03-02T00:00:00Z */,
                    .channel = system ? "System" : "Application"};
    char err[256];
    g.w = evtx_writer_open(argv[1], NULL, err, sizeof(err));
    if (g.w == NULL) {
        fprintf(stderr, "make_log: %s\n", err);
        return 1;
    }
    unsigned every = storm ? 40 : 20000;
    unsigned long next_crash = below(&g, every);
    while (4096 + evtx_writer_chunk_count(g.w) * 65536ull < size) {
        if (crashloop) { /* a service restarting and dying every few seconds */
            crash_pair(&g);
            g.time += (2000 + below(&g, 3000)) * TICKS_PER_MS;
        } else if (idnoise && g.records < next_crash) {
            same_provider_noise(&g);
        } else if (g.records >= next_crash) {
            if (system) { /* the WAS side of a crash */
                was_event(&g, 5011, below(&g, 4), 0x1a00 + below(&g, 0x400));
                g.crashes++;
            } else {
                crash_pair(&g);
            }
            next_crash = g.records + every / 2 + below(&g, every);
        } else if (system) {
            system_noise(&g);
        } else if (aspnet && below(&g, 10) < 9) {
            aspnet_warning(&g);
        } else if (wer_heavy && below(&g, 10) < 6) {
            wer_event(&g);
        } else {
            noise(&g);
        }
    }
    if (evtx_writer_close(g.w, err, sizeof(err)) != 0) {
        fprintf(stderr, "make_log: %s\n", err);
        return 1;
    }
    printf("%s: %lu records, %lu crashes\n", argv[1], g.records, g.crashes);
    return 0;
}
