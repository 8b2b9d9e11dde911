/*
 * workers_win32.c - workers.h on Windows, which has no fork(): each task runs in a new
 * crashsig.exe, `crashsig.exe __worker DESCRIPTION` (cli.c, scan_run_worker_task), where the
 * description is the line cb->describe wrote for the task.  Up to `jobs` children run at once;
 * each writes its frames to an anonymous pipe that is its stdout, and the caller splits them
 * into frames and classifies the end exactly as workers.c does with a forked worker:
 *
 *     exit code 0 and only whole frames     WORKER_FINISHED
 *     an exception code (>= 0xC0000000)     WORKER_CRASHED, end->exception = the code
 *     any other exit code                   WORKER_FAILED
 *     no byte for the stall limit           WORKER_HUNG (TerminateProcess)
 *
 * So a crash or a hang inside libevtx costs one input here too, not crashsig.exe.
 *
 * Only the pipe's write end (and a copy of stderr) is inherited by a child: the handle list of
 * STARTUPINFOEX says so, and the write end is closed in the caller right after CreateProcessW,
 * so no child holds another's pipe (which would keep it from reaching end of file) or the
 * caller's files.  The pipes are polled (PeekNamedPipe, a short sleep when all are quiet):
 * a handful of children write a few hundred kilobytes each, and one thread with no overlapped
 * I/O is easy to get right.  The children are put in a job object that kills them when it is
 * closed, so a hung child does not outlive a crashsig.exe that was itself stopped.
 *
 * Not for: POSIX systems (workers.c), what tasks or frames are (scan.c, event_wire.h).
 */
#include "workers.h"

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "crashsig/platform.h"
#include "event_wire.h"

#define READ_SIZE   65536
#define MAX_WORKERS 256
/* All pipes quiet: wait this long before looking again (progress arrives every block). */
#define IDLE_SLEEP_MS 2
/* Exit codes from this one up are exceptions (NTSTATUS errors), not exit() values. */
#define FIRST_EXCEPTION_CODE 0xC0000000u

struct worker {
    HANDLE process, pipe;
    long task;
    double last_activity;
    bool killed_for_stall, garbled;
    uint8_t *buf;
    size_t size, capacity;
};

struct pool {
    const struct worker_callbacks *cb;
    void *ctx;
    unsigned jobs, stall_seconds;
    wchar_t *exe; /* this program, which runs the tasks */
    HANDLE job;   /* kills the children when closed; NULL when it could not be made */
    size_t running;
    struct worker workers[MAX_WORKERS];
};

int workers_write_all(int fd, const void *data, size_t size)
{
    const uint8_t *p = data;
    while (size > 0) {
        unsigned part = size > 0x40000000u ? 0x40000000u : (unsigned)size;
        int n = _write(fd, p, part);
        if (n <= 0)
            return -1;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

/* The child's last word on an exception nothing handled: end now, with its code as the exit
 * code.  Windows would otherwise hand it to Error Reporting (a dump, maybe a dialog), and Wine
 * starts winedbg, which ignores the error mode and writes its report to the child's stdout -
 * the pipe - so the parent would see a damaged reply instead of the crash. */
static LONG WINAPI end_with_exception(EXCEPTION_POINTERS *info)
{
    TerminateProcess(GetCurrentProcess(), info->ExceptionRecord->ExceptionCode);
    return EXCEPTION_EXECUTE_HANDLER;
}

void workers_enter_child(int fd)
{
    _setmode(fd, _O_BINARY);
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX);
    SetUnhandledExceptionFilter(end_with_exception);
}

/* ---- starting a child -------------------------------------------------------------------- */

/* The full path of crashsig.exe (no MAX_PATH limit), or NULL. */
static wchar_t *module_path(void)
{
    for (DWORD size = MAX_PATH;; size *= 2) {
        wchar_t *path = cs_xmalloc(size * sizeof(wchar_t));
        DWORD n = GetModuleFileNameW(NULL, path, size);
        if (n > 0 && n < size)
            return path;
        free(path);
        if (n == 0 || size >= 32768)
            return NULL;
    }
}

/* Appends arg in quotes so that the child's CRT (and CommandLineToArgvW) reads it back as it
 * was: backslashes are doubled only where they come before a quote, and quotes are escaped.
 * Needs room for 2 * wcslen(arg) + 2 characters. */
static wchar_t *append_quoted(wchar_t *out, const wchar_t *arg)
{
    *out++ = L'"';
    for (;;) {
        size_t slashes = 0;
        while (*arg == L'\\')
            arg++, slashes++;
        bool before_quote = *arg == L'"' || *arg == L'\0';
        for (size_t i = 0; i < (before_quote ? slashes * 2 : slashes); i++)
            *out++ = L'\\';
        if (*arg == L'\0')
            break;
        if (*arg == L'"')
            *out++ = L'\\';
        *out++ = *arg++;
    }
    *out++ = L'"';
    return out;
}

/* "EXE" __worker "DESCRIPTION", or NULL when the description is not valid UTF-8. */
static wchar_t *command_line(const wchar_t *exe, const char *description)
{
    wchar_t *wide = platform_utf8_to_wide(description);
    if (wide == NULL)
        return NULL;
    wchar_t *line = cs_xmalloc((2 * wcslen(exe) + 2 * wcslen(wide) + 16) * sizeof(wchar_t));
    wchar_t *end = append_quoted(line, exe);
    wcscpy(end, L" __worker ");
    end = append_quoted(end + wcslen(end), wide);
    *end = L'\0';
    free(wide);
    return line;
}

/* A copy of the caller's stderr that the child may inherit, or NULL when there is none. */
static HANDLE inheritable_stderr(void)
{
    HANDLE err = GetStdHandle(STD_ERROR_HANDLE), copy = NULL;
    if (err == NULL || err == INVALID_HANDLE_VALUE ||
        !DuplicateHandle(GetCurrentProcess(), err, GetCurrentProcess(), &copy, 0, TRUE,
                         DUPLICATE_SAME_ACCESS))
        return NULL;
    return copy;
}

/* CreateProcessW with only handles[0..count) inherited; suspended, so that it joins the job
 * before it runs. */
static bool create_child(wchar_t *exe, wchar_t *line, HANDLE out, HANDLE err,
                         PROCESS_INFORMATION *pi)
{
    HANDLE handles[2] = {out, err};
    SIZE_T size = 0;
    InitializeProcThreadAttributeList(NULL, 1, 0, &size);
    LPPROC_THREAD_ATTRIBUTE_LIST list = cs_xmalloc(size);
    if (!InitializeProcThreadAttributeList(list, 1, 0, &size)) {
        free(list);
        return false;
    }
    bool ok = UpdateProcThreadAttribute(list, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles,
                                        (err ? 2 : 1) * sizeof(HANDLE), NULL, NULL);
    STARTUPINFOEXW si = {.StartupInfo = {.cb = sizeof(si),
                                         .dwFlags = STARTF_USESTDHANDLES,
                                         .hStdOutput = out,
                                         .hStdError = err},
                         .lpAttributeList = list};
    if (ok)
        ok = CreateProcessW(exe, line, NULL, NULL, TRUE,
                            CREATE_NO_WINDOW | CREATE_SUSPENDED | EXTENDED_STARTUPINFO_PRESENT,
                            NULL, NULL, &si.StartupInfo, pi);
    DWORD error = GetLastError(); /* for the caller, past the clean-up */
    DeleteProcThreadAttributeList(list);
    free(list);
    SetLastError(error);
    return ok;
}

/* Starts the child for description with its stdout on a new pipe; 0, or -1 with why set. */
static int spawn(struct pool *pool, const char *description, struct worker *w, char *why,
                 size_t why_size)
{
    wchar_t *line = command_line(pool->exe, description);
    HANDLE read_end, write_end;
    if (line == NULL) {
        snprintf(why, why_size, "the path is not valid UTF-8");
        return -1;
    }
    if (!CreatePipe(&read_end, &write_end, NULL, READ_SIZE)) {
        platform_windows_error_text(GetLastError(), why, why_size);
        free(line);
        return -1;
    }
    SetHandleInformation(write_end, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    HANDLE err = inheritable_stderr();
    PROCESS_INFORMATION pi;
    bool ok = create_child(pool->exe, line, write_end, err, &pi);
    DWORD error = GetLastError();
    CloseHandle(write_end); /* the child's copy is the only one: its exit ends the pipe */
    if (err)
        CloseHandle(err);
    free(line);
    if (!ok) {
        platform_windows_error_text(error, why, why_size);
        CloseHandle(read_end);
        return -1;
    }
    if (pool->job)
        AssignProcessToJobObject(pool->job, pi.hProcess); /* best effort: see the header */
    ResumeThread(pi.hThread);
    CloseHandle(pi.hThread);
    w->process = pi.hProcess;
    w->pipe = read_end;
    return 0;
}

static void start(struct pool *pool, long task)
{
    struct worker_end end = {.outcome = WORKER_NOT_STARTED};
    struct worker w = {.task = task};
    char *description = pool->cb->describe ? pool->cb->describe(task, pool->ctx) : NULL;
    int started = -1;
    if (pool->exe == NULL)
        snprintf(end.why, sizeof(end.why), "cannot find crashsig.exe's own path");
    else if (description == NULL)
        snprintf(end.why, sizeof(end.why), "the task cannot be described");
    else
        started = spawn(pool, description, &w, end.why, sizeof(end.why));
    free(description);
    if (started != 0) {
        pool->cb->end(task, &end, pool->ctx);
        return;
    }
    w.last_activity = platform_monotonic_seconds();
    pool->workers[pool->running++] = w;
}

/* ---- watching the children --------------------------------------------------------------- */

/* Hands over every whole frame in the worker's buffer. */
static void dispatch_frames(struct pool *pool, struct worker *w)
{
    size_t used = 0;
    while (!w->garbled) {
        uint8_t type;
        const uint8_t *payload;
        size_t size;
        int rc = wire_frame(w->buf + used, w->size - used, &type, &payload, &size);
        if (rc == 0)
            break;
        if (rc < 0 || pool->cb->frame(w->task, type, payload, size, pool->ctx) != 0) {
            w->garbled = true;
            TerminateProcess(w->process, 1);
            break;
        }
        used += WIRE_FRAME_HEADER + size;
    }
    if (w->garbled)
        used = w->size;
    memmove(w->buf, w->buf + used, w->size - used);
    w->size -= used;
}

/* Reads what the worker's pipe holds now, setting *busy when there was something; returns true
 * at end of file (the child is gone and everything it wrote was read). */
static bool drain(struct pool *pool, struct worker *w, bool *busy)
{
    for (;;) {
        DWORD available = 0, got = 0;
        if (!PeekNamedPipe(w->pipe, NULL, 0, NULL, &available, NULL))
            break;
        if (available == 0)
            return false;
        if (w->capacity - w->size < READ_SIZE) {
            w->capacity = w->size + READ_SIZE * 2;
            w->buf = cs_xrealloc(w->buf, w->capacity);
        }
        DWORD want = available < READ_SIZE ? available : READ_SIZE;
        if (!ReadFile(w->pipe, w->buf + w->size, want, &got, NULL))
            break;
        *busy = true;
        w->size += got;
        w->last_activity = platform_monotonic_seconds();
        dispatch_frames(pool, w);
    }
    if (GetLastError() != ERROR_BROKEN_PIPE && !w->garbled) { /* cannot be read: stop it */
        w->garbled = true;
        TerminateProcess(w->process, 1);
    }
    return true;
}

static void classify(const struct worker *w, DWORD code, struct worker_end *end)
{
    if (w->killed_for_stall)
        end->outcome = WORKER_HUNG;
    else if (w->garbled || (code == 0 && w->size != 0))
        end->outcome = WORKER_GARBLED;
    else if (code >= FIRST_EXCEPTION_CODE)
        end->outcome = WORKER_CRASHED, end->exception = (uint32_t)code;
    else if (code != 0)
        end->outcome = WORKER_FAILED, end->exit_status = (int)code;
    else
        end->outcome = WORKER_FINISHED;
}

/* The worker's pipe is at end of file: wait for the child and report how it ended. */
static void finish(struct pool *pool, size_t index)
{
    struct worker w = pool->workers[index];
    pool->workers[index] = pool->workers[--pool->running];
    CloseHandle(w.pipe);
    WaitForSingleObject(w.process, INFINITE);
    DWORD code = 1;
    if (!GetExitCodeProcess(w.process, &code))
        code = 1;
    CloseHandle(w.process);
    struct worker_end end = {0};
    classify(&w, code, &end);
    free(w.buf);
    pool->cb->end(w.task, &end, pool->ctx);
}

/* Stops the children that wrote nothing for the stall limit; they end as WORKER_HUNG once
 * their pipe breaks. */
static void enforce_stall_limit(struct pool *pool)
{
    double now = platform_monotonic_seconds();
    for (size_t i = 0; i < pool->running; i++) {
        struct worker *w = &pool->workers[i];
        if (!w->killed_for_stall && now - w->last_activity >= pool->stall_seconds) {
            TerminateProcess(w->process, 1);
            w->killed_for_stall = true;
        }
    }
}

static void poll_once(struct pool *pool)
{
    enforce_stall_limit(pool);
    bool busy = false;
    /* from the end, so that finish() moving the last worker into a freed slot is harmless */
    for (size_t i = pool->running; i-- > 0;)
        if (drain(pool, &pool->workers[i], &busy))
            finish(pool, i), busy = true;
    if (!busy)
        Sleep(IDLE_SLEEP_MS);
}

/* A job object that ends every child when crashsig.exe ends, however it ends; NULL when
 * Windows refuses (the children then run without it). */
static HANDLE kill_on_close_job(void)
{
    HANDLE job = CreateJobObjectW(NULL, NULL);
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits = {0};
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (job &&
        !SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof(limits))) {
        CloseHandle(job);
        job = NULL;
    }
    return job;
}

void workers_run(unsigned jobs, unsigned stall_seconds, const struct worker_callbacks *cb,
                 void *ctx)
{
    struct pool *pool = cs_xcalloc(1, sizeof(*pool));
    pool->cb = cb;
    pool->ctx = ctx;
    pool->jobs = jobs < 1 ? 1 : jobs > MAX_WORKERS ? MAX_WORKERS : jobs;
    pool->stall_seconds = stall_seconds ? stall_seconds : 1;
    pool->exe = module_path();
    pool->job = kill_on_close_job();
    for (;;) {
        while (pool->running < pool->jobs) {
            long task = cb->next(ctx);
            if (task < 0)
                break;
            start(pool, task);
        }
        if (pool->running == 0)
            break;
        poll_once(pool);
    }
    if (pool->job)
        CloseHandle(pool->job);
    free(pool->exe);
    free(pool);
}
