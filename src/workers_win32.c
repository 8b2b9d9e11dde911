/*
 * workers_win32.c - the worker pool's primitives on Windows (workers_backend.h), which has no
 * fork(): each task runs in a new crashsig.exe, `crashsig.exe __worker DESCRIPTION` (cli/main.c,
 * scan_run_worker_task), where the description is the line cb->describe wrote for the task.
 * Each child writes its frames to an anonymous pipe that is its stdout; the pool (workers.c)
 * splits them into frames and classifies the end exactly as it does a forked worker's, from
 * what workers_os_reap says of the child's exit code:
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
 * Not for: the pool itself - task order, frames, the stall limit, how an end is classified
 * (workers.c); POSIX systems (workers_posix.c); what tasks or frames are (scan.c,
 * event_wire.h).
 */
#include "workers_backend.h"

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "crashsig/platform.h"

/* All pipes quiet: wait this long before looking again (progress arrives every block). */
#define IDLE_SLEEP_MS 2
/* Exit codes from this one up are exceptions (NTSTATUS errors), not exit() values. */
#define FIRST_EXCEPTION_CODE 0xC0000000u

struct workers_child {
    HANDLE process, pipe;
};

struct workers_os {
    wchar_t *exe; /* this program, which runs the tasks */
    HANDLE job;   /* kills the children when closed; NULL when it could not be made */
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

/* Tries to start a worker before its input is given up as an error: CreateProcessW can fail
 * for a moment when the system is short of something (seen under Wine on a loaded machine:
 * ERROR_INTERNAL_ERROR for one worker in a few hundred), and a scan should not report an
 * input error for that.  Waits 100 ms, then 400 ms. */
#define SPAWN_ATTEMPTS 3

/* Errors that say nothing about the executable or its arguments, only about the moment. */
static bool transient_spawn_error(DWORD error)
{
    return error == ERROR_INTERNAL_ERROR || error == ERROR_NOT_ENOUGH_MEMORY ||
           error == ERROR_OUTOFMEMORY || error == ERROR_NO_SYSTEM_RESOURCES ||
           error == ERROR_COMMITMENT_LIMIT || error == ERROR_NOT_ENOUGH_QUOTA;
}

/* Starts the child for description with its stdout on a new pipe; 0, or -1 with why set. */
static int spawn(struct workers_os *os, const char *description, struct workers_child *child,
                 char *why, size_t why_size)
{
    wchar_t *line = command_line(os->exe, description);
    HANDLE read_end, write_end;
    if (line == NULL) {
        snprintf(why, why_size, "the path is not valid UTF-8");
        return -1;
    }
    if (!CreatePipe(&read_end, &write_end, NULL, WORKERS_READ_SIZE)) {
        platform_windows_error_text(GetLastError(), why, why_size);
        free(line);
        return -1;
    }
    SetHandleInformation(write_end, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    HANDLE err = inheritable_stderr();
    PROCESS_INFORMATION pi;
    bool ok = false;
    DWORD error = 0;
    for (int attempt = 0; attempt < SPAWN_ATTEMPTS; attempt++) {
        if (attempt > 0)
            Sleep(100u << (2 * (attempt - 1)));
        ok = create_child(os->exe, line, write_end, err, &pi);
        error = GetLastError();
        if (ok || !transient_spawn_error(error))
            break;
    }
    CloseHandle(write_end); /* the child's copy is the only one: its exit ends the pipe */
    if (err)
        CloseHandle(err);
    free(line);
    if (!ok) {
        platform_windows_error_text(error, why, why_size);
        CloseHandle(read_end);
        return -1;
    }
    if (os->job)
        AssignProcessToJobObject(os->job, pi.hProcess); /* best effort: see the header */
    ResumeThread(pi.hThread);
    CloseHandle(pi.hThread);
    child->process = pi.hProcess;
    child->pipe = read_end;
    return 0;
}

struct workers_child *workers_os_spawn(struct workers_os *os, long task,
                                       const struct worker_callbacks *cb, void *ctx, char *why,
                                       size_t why_size)
{
    struct workers_child child = {0};
    char *description = cb->describe ? cb->describe(task, ctx) : NULL;
    int started = -1;
    if (os->exe == NULL)
        snprintf(why, why_size, "cannot find crashsig.exe's own path");
    else if (description == NULL)
        snprintf(why, why_size, "the task cannot be described");
    else
        started = spawn(os, description, &child, why, why_size);
    free(description);
    if (started != 0)
        return NULL;
    struct workers_child *copy = cs_xmalloc(sizeof(*copy));
    *copy = child;
    return copy;
}

/* ---- watching the children --------------------------------------------------------------- */

/* Nothing here blocks on a pipe: a pipe that has bytes, or that is broken because its child is
 * gone, is ready; when none is, sleep a little and let the pool look again. */
void workers_os_wait(struct workers_child *const *children, size_t count, int timeout_ms,
                     bool *ready)
{
    bool any = false;
    for (size_t i = 0; i < count; i++) {
        DWORD available = 0;
        ready[i] =
            !PeekNamedPipe(children[i]->pipe, NULL, 0, NULL, &available, NULL) || available > 0;
        any = any || ready[i];
    }
    if (!any)
        Sleep(timeout_ms < IDLE_SLEEP_MS ? (DWORD)timeout_ms : IDLE_SLEEP_MS);
}

/* A broken pipe is the end of file: the child is gone and everything it wrote was read. */
static enum workers_read read_failed(void)
{
    return GetLastError() == ERROR_BROKEN_PIPE ? WORKERS_READ_END : WORKERS_READ_BROKEN;
}

enum workers_read workers_os_read(struct workers_child *child, uint8_t *buf, size_t room,
                                  size_t *got)
{
    DWORD available = 0, n = 0;
    if (!PeekNamedPipe(child->pipe, NULL, 0, NULL, &available, NULL))
        return read_failed();
    if (available == 0)
        return WORKERS_READ_EMPTY;
    DWORD want = available < room ? available : (DWORD)room;
    if (!ReadFile(child->pipe, buf, want, &n, NULL))
        return read_failed();
    *got = n;
    return n > 0 ? WORKERS_READ_DATA : WORKERS_READ_EMPTY;
}

void workers_os_kill(struct workers_child *child)
{
    TerminateProcess(child->process, 1);
}

void workers_os_reap(struct workers_os *os, struct workers_child *child, struct workers_exit *ended)
{
    (void)os; /* nothing of a child is kept in it */
    CloseHandle(child->pipe);
    WaitForSingleObject(child->process, INFINITE);
    DWORD code = 1;
    if (!GetExitCodeProcess(child->process, &code))
        code = 1;
    CloseHandle(child->process);
    free(child);
    if (code >= FIRST_EXCEPTION_CODE)
        *ended = (struct workers_exit){.how = WORKERS_EXCEPTION, .exception = (uint32_t)code};
    else
        *ended = (struct workers_exit){.how = WORKERS_EXITED, .status = (int)code};
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

struct workers_os *workers_os_open(void)
{
    struct workers_os *os = cs_xcalloc(1, sizeof(*os));
    os->exe = module_path();
    os->job = kill_on_close_job();
    return os;
}

void workers_os_close(struct workers_os *os)
{
    if (os->job)
        CloseHandle(os->job);
    free(os->exe);
    free(os);
}
