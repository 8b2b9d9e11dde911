/*
 * platform_win32.c - platform.h on Windows (built with mingw-w64): every path is converted
 * from UTF-8 to UTF-16 and handed to the wide Win32 or CRT function, so non-ASCII folder names
 * work whatever the ANSI code page; files are opened in binary mode; a temporary file replaces
 * its target with MoveFileExW, since rename() on Windows refuses to replace an existing file.
 *
 * Only KERNEL32 and msvcrt functions are used, so the static crashsig.exe imports nothing else
 * (checked with objdump -p by scripts/test-windows.sh).
 *
 * Not for: POSIX (platform_posix.c), libevtx (platform_evtx.c), the event log API
 * (live_export.c).
 */
#include "crashsig/platform.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <windows.h>

/* Attempts at a fresh temporary name before giving up: a collision needs the same process id,
 * tick and counter value, so more than one retry already means something else is wrong. */
#define TEMP_NAME_ATTEMPTS 100

/* FILETIME ticks (100 ns) from 1601-01-01 to 1970-01-01 */
#define UNIX_EPOCH_TICKS 116444736000000000ULL

wchar_t *platform_utf8_to_wide(const char *text)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    wchar_t *wide = cs_xmalloc((size_t)n * sizeof(wchar_t));
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text, -1, wide, n) != n) {
        free(wide);
        return NULL;
    }
    return wide;
}

char *platform_wide_to_utf8(const wchar_t *text)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, NULL, 0, NULL, NULL);
    if (n <= 0)
        return NULL;
    char *utf8 = cs_xmalloc((size_t)n);
    if (WideCharToMultiByte(CP_UTF8, 0, text, -1, utf8, n, NULL, NULL) != n) {
        free(utf8);
        return NULL;
    }
    return utf8;
}

wchar_t *platform_full_path_wide(const char *path)
{
    wchar_t *wide = platform_utf8_to_wide(path);
    if (wide == NULL)
        return NULL;
    DWORD size = GetFullPathNameW(wide, 0, NULL, NULL);
    wchar_t *full = size ? cs_xmalloc((size_t)size * sizeof(wchar_t)) : NULL;
    DWORD len = full ? GetFullPathNameW(wide, size, full, NULL) : 0;
    if (len == 0 || len >= size) { /* cannot happen for a valid path; keep it, with '\\' */
        free(full);
        for (wchar_t *p = wide; *p; p++)
            if (*p == L'/')
                *p = L'\\';
        return wide;
    }
    free(wide);
    return full;
}

void platform_windows_error_text(unsigned long code, char *out, size_t size)
{
    wchar_t *wide = NULL;
    DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                 FORMAT_MESSAGE_IGNORE_INSERTS,
                             NULL, (DWORD)code, 0, (LPWSTR)&wide, 0, NULL);
    char *text = n ? platform_wide_to_utf8(wide) : NULL;
    LocalFree(wide);
    if (text) { /* Windows ends its messages with ".\r\n" */
        size_t len = strlen(text);
        while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
            text[--len] = '\0';
    }
    snprintf(out, size, "%s%s(error %lu)", text ? text : "", text ? " " : "", code);
    free(text);
}

static void set_windows_error(struct cs_error *err, const char *what, const char *path)
{
    char text[256];
    platform_windows_error_text(GetLastError(), text, sizeof(text));
    cs_error_set(err, "%s%s%s: %s", what, what[0] ? " " : "", path, text);
}

/* Maps the Win32 errors file functions return here to errno, for callers that use strerror. */
static void set_errno_from_windows(void)
{
    switch (GetLastError()) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
        errno = ENOENT;
        break;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
        errno = EACCES;
        break;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
        errno = EEXIST;
        break;
    case ERROR_DIR_NOT_EMPTY:
        errno = ENOTEMPTY;
        break;
    default:
        errno = EIO;
    }
}

static bool is_missing_error(DWORD code)
{
    return code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND ||
           code == ERROR_INVALID_NAME || code == ERROR_BAD_NETPATH || code == ERROR_BAD_NET_NAME ||
           code == ERROR_INVALID_DRIVE;
}

/* Only symbolic links and junctions count as links; other reparse points (deduplicated or
 * cloud files) are ordinary files and folders to a reader. */
static bool is_link_handle(HANDLE h)
{
    FILE_ATTRIBUTE_TAG_INFO tag;
    if (!GetFileInformationByHandleEx(h, FileAttributeTagInfo, &tag, sizeof(tag)))
        return false;
    return (tag.FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) &&
           (tag.ReparseTag == IO_REPARSE_TAG_SYMLINK ||
            tag.ReparseTag == IO_REPARSE_TAG_MOUNT_POINT);
}

static void fill_info(HANDLE h, bool follow_links, struct platform_file_info *info)
{
    BY_HANDLE_FILE_INFORMATION fi;
    if (!GetFileInformationByHandle(h, &fi)) {
        info->kind = PLATFORM_OTHER;
        return;
    }
    if (!follow_links && is_link_handle(h))
        info->kind = PLATFORM_LINK;
    else if (fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
        info->kind = PLATFORM_DIRECTORY;
    else
        info->kind = GetFileType(h) == FILE_TYPE_DISK ? PLATFORM_FILE : PLATFORM_OTHER;
    if (info->kind == PLATFORM_FILE)
        info->size = ((uint64_t)fi.nFileSizeHigh << 32) | fi.nFileSizeLow;
    info->device = fi.dwVolumeSerialNumber;
    info->inode = ((uint64_t)fi.nFileIndexHigh << 32) | fi.nFileIndexLow;
    uint64_t written =
        ((uint64_t)fi.ftLastWriteTime.dwHighDateTime << 32) | fi.ftLastWriteTime.dwLowDateTime;
    info->modified = (int64_t)(written / 10000000ULL) - (int64_t)(UNIX_EPOCH_TICKS / 10000000ULL);
}

int platform_file_info(const char *path, bool follow_links, struct platform_file_info *info,
                       struct cs_error *err)
{
    memset(info, 0, sizeof(*info));
    wchar_t *wpath = platform_utf8_to_wide(path);
    if (wpath == NULL) {
        cs_error_set(err, "%s: not a valid UTF-8 path", path);
        return -1;
    }
    /* No access rights asked: that reads the attributes of files others have opened exclusively.
     * BACKUP_SEMANTICS lets the call open folders too. */
    DWORD flags = FILE_FLAG_BACKUP_SEMANTICS | (follow_links ? 0 : FILE_FLAG_OPEN_REPARSE_POINT);
    HANDLE h = CreateFileW(wpath, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, flags, NULL);
    free(wpath);
    if (h == INVALID_HANDLE_VALUE) {
        if (is_missing_error(GetLastError()))
            return 0;
        set_windows_error(err, "", path);
        set_errno_from_windows();
        return -1;
    }
    fill_info(h, follow_links, info);
    CloseHandle(h);
    return 0;
}

bool platform_same_file(const char *a, const char *b)
{
    struct platform_file_info ia, ib;
    return platform_file_info(a, true, &ia, NULL) == 0 && ia.kind != PLATFORM_MISSING &&
           platform_file_info(b, true, &ib, NULL) == 0 && ib.kind != PLATFORM_MISSING &&
           ia.device == ib.device && ia.inode == ib.inode;
}

static void add_name(char ***names, size_t *count, size_t *capacity, char *name)
{
    if (*count == *capacity) {
        *capacity = *capacity ? *capacity * 2 : 16;
        *names = cs_xrealloc(*names, *capacity * sizeof(char *));
    }
    (*names)[(*count)++] = name;
}

int platform_list_directory(const char *dir, char ***names, size_t *count, struct cs_error *err)
{
    *names = NULL;
    *count = 0;
    char *pattern = platform_path_join(dir, "*");
    wchar_t *wpattern = platform_utf8_to_wide(pattern);
    free(pattern);
    WIN32_FIND_DATAW found;
    HANDLE h = wpattern ? FindFirstFileExW(wpattern, FindExInfoBasic, &found, FindExSearchNameMatch,
                                           NULL, FIND_FIRST_EX_LARGE_FETCH)
                        : INVALID_HANDLE_VALUE;
    free(wpattern);
    if (h == INVALID_HANDLE_VALUE) {
        set_windows_error(err, "", dir);
        set_errno_from_windows();
        return -1;
    }
    size_t capacity = 0;
    do {
        if (wcscmp(found.cFileName, L".") == 0 || wcscmp(found.cFileName, L"..") == 0)
            continue;
        char *name = platform_wide_to_utf8(found.cFileName);
        if (name)
            add_name(names, count, &capacity, name);
    } while (FindNextFileW(h, &found));
    FindClose(h);
    return 0;
}

void platform_names_free(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

char *platform_path_join(const char *dir, const char *name)
{
    size_t len = strlen(dir);
    char last = len ? dir[len - 1] : '\\';
    /* "C:" + name is relative to C:'s current folder, as the user wrote it */
    bool has_separator = last == '\\' || last == '/' || (len == 2 && last == ':');
    size_t size = len + strlen(name) + 2;
    char *path = cs_xmalloc(size);
    snprintf(path, size, "%s%s%s", dir, has_separator ? "" : "\\", name);
    return path;
}

bool platform_is_separator(char c)
{
    return c == '\\' || c == '/';
}

bool platform_path_has_drive(const char *path)
{
    return isalpha((unsigned char)path[0]) && path[1] == ':';
}

bool platform_path_is_absolute(const char *path)
{
    return platform_is_separator(path[0]) || platform_path_has_drive(path);
}

FILE *platform_fopen(const char *path, const char *mode)
{
    wchar_t wmode[8];
    size_t n = 0;
    for (const char *m = mode; *m && n < 5; m++)
        if (*m != 'b')
            wmode[n++] = (wchar_t)*m;
    wmode[n++] = L'b';
    wmode[n] = L'\0';
    wchar_t *wpath = platform_utf8_to_wide(path);
    if (wpath == NULL) {
        errno = ENOENT;
        return NULL;
    }
    FILE *f = _wfopen(wpath, wmode);
    free(wpath);
    /* msvcrt makes the handle inheritable; the scan's worker processes (workers_win32.c) must
     * not get the --state file or a report, whatever CreateProcessW's handle list does */
    if (f)
        SetHandleInformation((HANDLE)_get_osfhandle(_fileno(f)), HANDLE_FLAG_INHERIT, 0);
    return f;
}

int platform_remove(const char *path)
{
    wchar_t *wpath = platform_utf8_to_wide(path);
    int rc = wpath ? _wunlink(wpath) : -1;
    free(wpath);
    return rc;
}

int platform_open_read(const char *path)
{
    wchar_t *wpath = platform_utf8_to_wide(path);
    if (wpath == NULL) {
        errno = ENOENT;
        return -1;
    }
    int fd = _wopen(wpath, _O_RDONLY | _O_BINARY | _O_NOINHERIT);
    free(wpath);
    return fd;
}

int platform_close(int fd)
{
    return _close(fd);
}

int platform_fd_info(int fd, struct platform_file_info *info)
{
    memset(info, 0, sizeof(*info));
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE)
        return -1;
    fill_info(h, true, info);
    return 0;
}

int platform_fd_size(int fd, uint64_t *size)
{
    LARGE_INTEGER bytes;
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE || !GetFileSizeEx(h, &bytes)) {
        errno = EBADF;
        return -1;
    }
    *size = bytes.QuadPart > 0 ? (uint64_t)bytes.QuadPart : 0;
    return 0;
}

long long platform_pread(int fd, void *buf, size_t size, uint64_t offset)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    OVERLAPPED at = {0};
    at.Offset = (DWORD)offset;
    at.OffsetHigh = (DWORD)(offset >> 32);
    DWORD want = size > 0x40000000u ? 0x40000000u : (DWORD)size, got = 0;
    if (!ReadFile(h, buf, want, &got, &at)) {
        if (GetLastError() == ERROR_HANDLE_EOF)
            return 0;
        set_errno_from_windows();
        return -1;
    }
    return (long long)got;
}

int platform_seek(int fd, uint64_t offset)
{
    if (offset > (uint64_t)INT64_MAX) {
        errno = EINVAL;
        return -1;
    }
    return _lseeki64(fd, (__int64)offset, SEEK_SET) < 0 ? -1 : 0;
}

/* base + separator + six letters or digits, the shape mkstemp and mkdtemp give on POSIX (so
 * code that recognises leftover temporary files works on both).  The six come from the process
 * id, the performance counter and the attempt number, mixed (splitmix64); a collision is caught
 * by the exclusive create and retried. */
static char *unique_name(const char *base, const char *separator, unsigned attempt)
{
    static const char ALNUM[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    LARGE_INTEGER ticks;
    QueryPerformanceCounter(&ticks);
    uint64_t x = (uint64_t)ticks.QuadPart ^ ((uint64_t)GetCurrentProcessId() << 32) ^
                 ((uint64_t)attempt * 0x9E3779B97F4A7C15ull);
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    x ^= x >> 31;
    char suffix[7];
    for (int i = 0; i < 6; i++, x /= 62)
        suffix[i] = ALNUM[x % 62];
    suffix[6] = '\0';
    size_t size = strlen(base) + strlen(separator) + sizeof(suffix);
    char *path = cs_xmalloc(size);
    snprintf(path, size, "%s%s%s", base, separator, suffix);
    return path;
}

/* ---- temporary files a console event must not leave behind ------------------------------ */

/*
 * The one documented exception to crashsig's "no global mutable state" rule: a console control
 * handler (Ctrl+C, Ctrl+Break, the window closed, logoff, shutdown) gets no context, so the
 * temporary files it must remove have to be where it can find them.  Windows runs the handler
 * on a thread of its own: a slot's name is complete before its flag says it is in use
 * (InterlockedExchange is a full barrier), and the flag is cleared before the slot is reused.
 * A file the main thread still has open cannot be deleted (it is not shared for deletion, which
 * is also how a later run tells a live temporary file from an abandoned one); the next run's
 * clean-up removes it then.
 */
#define TEMP_SLOTS     16
#define TEMP_SLOT_SIZE 4096

static wchar_t temp_slot_path[TEMP_SLOTS][TEMP_SLOT_SIZE];
static volatile LONG temp_slot_used[TEMP_SLOTS];

static void temp_register(const char *path)
{
    wchar_t *wpath = platform_utf8_to_wide(path);
    size_t len = wpath ? wcslen(wpath) : TEMP_SLOT_SIZE;
    for (size_t i = 0; len < TEMP_SLOT_SIZE && i < TEMP_SLOTS; i++) {
        if (temp_slot_used[i])
            continue;
        memcpy(temp_slot_path[i], wpath, (len + 1) * sizeof(wchar_t));
        InterlockedExchange(&temp_slot_used[i], 1);
        break;
    }
    free(wpath);
}

static void temp_unregister(const char *path)
{
    wchar_t *wpath = platform_utf8_to_wide(path);
    for (size_t i = 0; wpath && i < TEMP_SLOTS; i++)
        if (temp_slot_used[i] && wcscmp(temp_slot_path[i], wpath) == 0)
            InterlockedExchange(&temp_slot_used[i], 0);
    free(wpath);
}

static BOOL WINAPI remove_temps_on_event(DWORD event)
{
    (void)event;
    for (size_t i = 0; i < TEMP_SLOTS; i++)
        if (temp_slot_used[i])
            DeleteFileW(temp_slot_path[i]);
    return FALSE; /* the default handler then ends the process */
}

void platform_remove_temps_on_signals(void)
{
    SetConsoleCtrlHandler(remove_temps_on_event, TRUE);
}

/* A writer keeps its temporary file open without delete sharing: deleting it fails while
 * the writer lives. */
int platform_remove_abandoned_temp(const char *path)
{
    return platform_remove(path);
}

bool platform_is_stream_path(const char *path)
{
    return cs_strcasecmp(path, "NUL") == 0 || cs_strcasecmp(path, "CON") == 0 ||
           cs_strcasecmp(path, "CONOUT$") == 0 || cs_strcasecmp(path, "\\\\.\\NUL") == 0;
}

FILE *platform_open_in_place(const char *path)
{
    return platform_fopen(path, "a");
}

char *platform_resolve_links(const char *path, struct cs_error *err)
{
    wchar_t *wpath = platform_utf8_to_wide(path);
    HANDLE h = wpath ? CreateFileW(wpath, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                   NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL)
                     : INVALID_HANDLE_VALUE;
    free(wpath);
    if (h == INVALID_HANDLE_VALUE) {
        set_windows_error(err, "cannot follow the link", path);
        return NULL;
    }
    wchar_t final[32768];
    DWORD n = GetFinalPathNameByHandleW(h, final, 32768, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    CloseHandle(h);
    if (n == 0 || n >= 32768) {
        set_windows_error(err, "cannot resolve", path);
        return NULL;
    }
    /* "\\?\C:\x" -> "C:\x", "\\?\UNC\server\share" -> "\\server\share" */
    const wchar_t *start = final;
    if (wcsncmp(final, L"\\\\?\\UNC\\", 8) == 0) {
        final[6] = L'\\';
        start = final + 6;
    } else if (wcsncmp(final, L"\\\\?\\", 4) == 0) {
        start = final + 4;
    }
    return platform_wide_to_utf8(start);
}

void platform_ignore_broken_pipe(void)
{
}

unsigned platform_open_file_limit(void)
{
    return 8192; /* handles are not counted against a small per-process limit on Windows */
}

int platform_temp_create(const char *target, struct platform_temp_file *tmp, struct cs_error *err)
{
    memset(tmp, 0, sizeof(*tmp));
    for (unsigned attempt = 0; attempt < TEMP_NAME_ATTEMPTS; attempt++) {
        char *path = unique_name(target, ".tmp", attempt);
        wchar_t *wpath = platform_utf8_to_wide(path);
        int fd = wpath ? _wopen(wpath, _O_CREAT | _O_EXCL | _O_WRONLY | _O_BINARY | _O_NOINHERIT,
                                _S_IREAD | _S_IWRITE)
                       : -1;
        int saved = wpath ? errno : EINVAL;
        free(wpath);
        if (fd >= 0 && (tmp->file = _fdopen(fd, "wb")) != NULL) {
            temp_register(path);
            tmp->path = path;
            return 0;
        }
        if (fd >= 0) {
            _close(fd);
            platform_remove(path);
        }
        free(path);
        if (saved != EEXIST) {
            cs_error_set(err, "cannot write %s: %s", target, strerror(saved));
            return -1;
        }
    }
    cs_error_set(err, "cannot write %s: no free temporary name beside it", target);
    return -1;
}

/* Flushes the C buffer and then the file system's (FlushFileBuffers), as fsync does. */
static int flush_to_disk(FILE *f)
{
    if (fflush(f) != 0)
        return -1;
    return _commit(_fileno(f)) == 0 ? 0 : -1;
}

int platform_temp_commit(struct platform_temp_file *tmp, const char *target, struct cs_error *err)
{
    int rc = flush_to_disk(tmp->file);
    int saved = errno;
    if (fclose(tmp->file) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    tmp->file = NULL;
    if (rc != 0) {
        cs_error_set(err, "cannot write %s: %s", target, strerror(saved));
    } else {
        wchar_t *wtmp = platform_utf8_to_wide(tmp->path);
        wchar_t *wtarget = platform_utf8_to_wide(target);
        if (!wtmp || !wtarget ||
            !MoveFileExW(wtmp, wtarget, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
            set_windows_error(err, "cannot write", target);
            rc = -1;
        }
        free(wtmp);
        free(wtarget);
    }
    if (rc != 0)
        platform_remove(tmp->path);
    temp_unregister(tmp->path);
    free(tmp->path);
    tmp->path = NULL;
    return rc;
}

void platform_temp_discard(struct platform_temp_file *tmp)
{
    if (tmp->file)
        fclose(tmp->file);
    if (tmp->path) {
        platform_remove(tmp->path);
        temp_unregister(tmp->path);
    }
    free(tmp->path);
    memset(tmp, 0, sizeof(*tmp));
}

/* GetTempPathW: %TMP%, %TEMP%, %USERPROFILE% or the Windows folder, with a final backslash. */
static char *system_temp_folder(void)
{
    wchar_t wbase[MAX_PATH + 1];
    DWORD n = GetTempPathW(MAX_PATH + 1, wbase);
    if (n == 0 || n > MAX_PATH)
        return NULL;
    return platform_wide_to_utf8(wbase);
}

char *platform_temp_directory(const char *prefix, struct cs_error *err)
{
    char *base = system_temp_folder();
    if (base == NULL) {
        cs_error_set(err, "cannot find the temporary folder (GetTempPath failed)");
        return NULL;
    }
    for (unsigned attempt = 0; attempt < TEMP_NAME_ATTEMPTS; attempt++) {
        char *name = unique_name(prefix, "-", attempt);
        char *path = platform_path_join(base, name);
        free(name);
        wchar_t *wpath = platform_utf8_to_wide(path);
        /* The folder inherits the temporary folder's ACL: private to the user by default. */
        BOOL made = wpath && CreateDirectoryW(wpath, NULL);
        DWORD code = GetLastError();
        free(wpath);
        if (made) {
            free(base);
            return path;
        }
        free(path);
        if (code != ERROR_ALREADY_EXISTS) {
            set_windows_error(err, "cannot create a temporary folder in", base);
            free(base);
            return NULL;
        }
    }
    cs_error_set(err, "cannot create a temporary folder in %s: no free name", base);
    free(base);
    return NULL;
}

int platform_temp_fd(struct cs_error *err)
{
    char *base = system_temp_folder();
    if (base == NULL) {
        cs_error_set(err, "cannot find the temporary folder (GetTempPath failed)");
        return -1;
    }
    for (unsigned attempt = 0; attempt < TEMP_NAME_ATTEMPTS; attempt++) {
        char *name = unique_name("crashsig", "-", attempt);
        char *path = platform_path_join(base, name);
        free(name);
        wchar_t *wpath = platform_utf8_to_wide(path);
        free(path);
        /* DELETE_ON_CLOSE: Windows removes it when the last handle goes, even after a crash */
        HANDLE h = wpath ? CreateFileW(wpath, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW,
                                       FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, NULL)
                         : INVALID_HANDLE_VALUE;
        DWORD code = GetLastError();
        free(wpath);
        if (h != INVALID_HANDLE_VALUE) {
            int fd = _open_osfhandle((intptr_t)h, _O_RDWR | _O_BINARY);
            if (fd < 0)
                CloseHandle(h);
            free(base);
            if (fd < 0)
                cs_error_set(err, "cannot create a temporary file: %s", strerror(errno));
            return fd;
        }
        if (code != ERROR_FILE_EXISTS) {
            SetLastError(code);
            set_windows_error(err, "cannot create a temporary file in", base);
            free(base);
            return -1;
        }
    }
    cs_error_set(err, "cannot create a temporary file in %s: no free name", base);
    free(base);
    return -1;
}

int platform_remove_directory(const char *path)
{
    wchar_t *wpath = platform_utf8_to_wide(path);
    int rc = wpath ? _wrmdir(wpath) : -1;
    free(wpath);
    return rc;
}

int platform_lock_file(FILE *f, struct cs_error *err)
{
    HANDLE h = (HANDLE)_get_osfhandle(_fileno(f));
    OVERLAPPED whole = {0};
    if (LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, MAXDWORD, MAXDWORD,
                   &whole))
        return 0;
    if (GetLastError() == ERROR_LOCK_VIOLATION || GetLastError() == ERROR_IO_PENDING)
        return 1;
    char text[256];
    platform_windows_error_text(GetLastError(), text, sizeof(text));
    cs_error_set(err, "cannot lock: %s", text);
    return -1;
}

void platform_unlock_file(FILE *f)
{
    HANDLE h = (HANDLE)_get_osfhandle(_fileno(f));
    OVERLAPPED whole = {0};
    UnlockFileEx(h, 0, MAXDWORD, MAXDWORD, &whole);
}

bool platform_is_terminal(FILE *f)
{
    DWORD mode;
    HANDLE h = (HANDLE)_get_osfhandle(_fileno(f));
    /* _isatty is also true for NUL and serial ports; only a console counts */
    return h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode);
}

unsigned platform_cpu_count(void)
{
    DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
    return n < 1 ? 1 : n > 1024 ? 1024 : (unsigned)n;
}

int platform_localtime(time_t t, struct tm *out)
{
    return localtime_s(out, &t) == 0 ? 0 : -1;
}

/* Lets the console interpret the colour escapes of the text report (Windows 10 1511 and
 * later); remembers the mode it had. */
static void enable_escapes(FILE *f, bool *changed, unsigned long *previous)
{
    HANDLE h = (HANDLE)_get_osfhandle(_fileno(f));
    DWORD mode;
    *changed = false;
    if (h == INVALID_HANDLE_VALUE || !GetConsoleMode(h, &mode))
        return;
    *previous = mode;
    *changed = SetConsoleMode(h, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0;
}

void platform_init_stdio(struct platform_stdio *saved)
{
    memset(saved, 0, sizeof(*saved));
    /* Reports are bytes: text mode would turn every LF into CRLF.  stderr keeps text mode, so
     * messages read well in a console and in a redirected log. */
    _setmode(_fileno(stdout), _O_BINARY);
    if (!platform_is_terminal(stdout) && !platform_is_terminal(stderr))
        return;
    saved->code_page = GetConsoleOutputCP();
    SetConsoleOutputCP(CP_UTF8);
    enable_escapes(stdout, &saved->stdout_mode_changed, &saved->stdout_mode);
}

void platform_restore_stdio(const struct platform_stdio *saved)
{
    /* The code page and the mode belong to the console, which outlives crashsig: give them
     * back. */
    if (saved->code_page)
        SetConsoleOutputCP(saved->code_page);
    if (saved->stdout_mode_changed)
        SetConsoleMode((HANDLE)_get_osfhandle(_fileno(stdout)), (DWORD)saved->stdout_mode);
}

int platform_time_utc(int64_t *seconds, long *nanoseconds)
{
    FILETIME ft;
    GetSystemTimePreciseAsFileTime(&ft);
    uint64_t ticks = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    if (ticks < UNIX_EPOCH_TICKS)
        return -1;
    ticks -= UNIX_EPOCH_TICKS;
    *seconds = (int64_t)(ticks / 10000000ULL);
    *nanoseconds = (long)(ticks % 10000000ULL) * 100;
    return 0;
}

double platform_monotonic_seconds(void)
{
    LARGE_INTEGER count, frequency;
    if (!QueryPerformanceFrequency(&frequency) || !QueryPerformanceCounter(&count))
        return 0;
    return (double)count.QuadPart / (double)frequency.QuadPart;
}

void platform_crash(void)
{
    /* msvcrt's raise(SIGSEGV) only calls exit(3); a real exception goes the way a fault does:
     * to the unhandled-exception filter, and ends the process with its code */
    RaiseException(EXCEPTION_ACCESS_VIOLATION, EXCEPTION_NONCONTINUABLE, 0, NULL);
}

void platform_sleep_ms(unsigned ms)
{
    Sleep(ms);
}
