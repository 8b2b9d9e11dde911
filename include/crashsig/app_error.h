/*
 * app_error.h - parse an Application Error event 1000 (Windows Error Reporting's record of a
 * process that died) in either layout Windows has used:
 *
 *   classic:  12 to 15 unnamed strings in a fixed order (AppName, AppVersion, AppTimeStamp,
 *             ModuleName, ModuleVersion, ModuleTimeStamp, ExceptionCode, FaultingOffset,
 *             ProcessId, ProcessCreationTime, AppPath, ModulePath, IntegratorReportId,
 *             PackageFullName, PackageRelativeAppId);
 *   manifest: the same fields as <Data Name="AppName"> ..., provider
 *             {a0e9b465-b939-57d7-b27d-95d8e925ff57}.
 *
 * Not for: deciding whether the crash was managed (signatures.h does that from the code).
 */
#ifndef CRASHSIG_APP_ERROR_H
#define CRASHSIG_APP_ERROR_H

#include "crashsig/common.h"
#include "crashsig/event.h"

/* The exception code a managed exception has when it escapes to Win32 (0xE0434352, "CCR"). */
#define APP_ERROR_CODE_CLR_EXCEPTION 0xe0434352u

struct app_error {
    char *app_name;        /* "w3wp.exe"; owned, never NULL */
    char *app_version;     /* owned, may be NULL */
    char *module_name;     /* "KERNELBASE.dll"; owned, may be NULL */
    char *module_version;  /* owned, may be NULL */
    char *faulting_offset; /* lower-case hex as written, no 0x; may be NULL */
    char *app_path;        /* may be NULL */
    char *module_path;     /* may be NULL */
    char *report_id;       /* IntegratorReportId; may be NULL */
    bool has_exception_code;
    uint32_t exception_code; /* 0xe0434352 */
    bool has_process_id;
    uint32_t process_id; /* written in hex ("df4" or "0xdf4") */
    bool has_process_creation_time;
    cs_filetime process_creation_time; /* "01dabe0041952284" */
};

/* Parses the EventData of a 1000 into out; the caller frees out with app_error_free even on
 * failure.  Returns -1 with err set when there is no application name. */
int app_error_parse(const struct event_data *data, struct app_error *out, struct cs_error *err);
void app_error_free(struct app_error *fault);

/* "e0434352": 8 lower-case hex digits, as Windows writes it. */
void app_error_format_code(uint32_t code, char out[9]);

#endif
