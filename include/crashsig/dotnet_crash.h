/*
 * dotnet_crash.h - parse the text of a .NET Runtime fatal-error event (1023, 1025, 1026, 1027,
 * 1028) into application, runtime, kind, exceptions and stack frames.
 *
 * The runtime writes one EventData string such as
 *
 *     Application: w3wp.exe
 *     Framework Version: v4.0.30319
 *     Description: The process was terminated due to an unhandled exception.
 *     Exception Info: System.InvalidOperationException
 *        at MyApp.Sync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()
 *        at System.Threading.ThreadPoolWorkQueue.Dispatch()
 *
 * in the language of the operating system ("Aplicativo:", "   em ", "   bei ", "   à "), so the
 * parser works from the shape of the text - line positions, version-shaped values, type-shaped
 * names, three-space frame indentation - and never from English labels.
 *
 * Not for: deciding what the crash means (signatures.h) or pairing it (correlator.h).
 */
#ifndef CRASHSIG_DOTNET_CRASH_H
#define CRASHSIG_DOTNET_CRASH_H

#include "crashsig/common.h"

enum dotnet_crash_kind {
    DOTNET_KIND_UNKNOWN = 0,
    DOTNET_KIND_UNHANDLED_EXCEPTION,
    DOTNET_KIND_STACK_OVERFLOW,
    DOTNET_KIND_FAILFAST,
    DOTNET_KIND_INTERNAL_ERROR,
};

/* "unhandled_exception", "stack_overflow", "failfast", "internal_error", "unknown" */
const char *dotnet_crash_kind_name(enum dotnet_crash_kind kind);
int dotnet_crash_kind_from_name(const char *name, enum dotnet_crash_kind *out);

struct dotnet_frame {
    char *text;   /* the frame as written, after the localized "at " word: owned */
    char *method; /* text up to the closing parenthesis of the parameter list: owned */
};

struct dotnet_exception {
    char *type;    /* "System.InvalidOperationException"; owned, never NULL ("" if unknown) */
    char *message; /* CoreCLR writes "Type: message"; NULL when absent */
    size_t frame_count;
    struct dotnet_frame *frames; /* top of stack first */
};

struct dotnet_crash {
    char *application; /* "w3wp.exe"; owned, never NULL ("" if missing) */
    char
        *runtime; /* "Framework v4.0.30319" or "CoreCLR 6.0.2222.6701 (.NET 6.0.22)"; may be NULL */
    char *description; /* the description line's value, as written; may be NULL */
    enum dotnet_crash_kind kind;
    char *failfast_message; /* FailFast's "Message:" value; NULL otherwise */
    /* When the runtime names no managed exception but a native one, as CoreCLR writes it
     * ("Exception Info: exception code c0000005, exception address 00007FFC..." in any
     * language): the value as written, and the code (the first token of 8 hex digits that
     * looks like an NTSTATUS or HRESULT).  NULL / false otherwise. */
    char *native_exception;
    bool has_native_code;
    uint32_t native_code;
    /* Innermost first, as .NET Framework writes them; the last one is the exception that
     * escaped, so its frames end with the thread's entry point (thread-pool dispatch...). */
    size_t exception_count;
    struct dotnet_exception *exceptions;
    /* Frames written outside any exception block (FailFast and stack overflow "Stack:"). */
    size_t stack_frame_count;
    struct dotnet_frame *stack_frames;
    bool truncated; /* the runtime cut the text ("The remainder of the message was truncated."),
                       or crashsig's caps did (then capped is set too) */
    bool capped;    /* more frames, exceptions or message text than crashsig keeps (the caps in
                       src/dotnet_crash.c, docs/robustness.md); what is kept is the top and the
                       bottom of each stack and the first exceptions */
};

/*
 * Parses text (UTF-8) of an event with the given event id into out, which the caller frees with
 * dotnet_crash_free even on failure.  Returns 0, or -1 with err set when the text is not a
 * .NET Runtime fatal-error message at all.  Never reads past the NUL; any size is accepted.
 */
int dotnet_crash_parse(const char *text, uint32_t event_id, struct dotnet_crash *out,
                       struct cs_error *err);
void dotnet_crash_free(struct dotnet_crash *crash);

/*
 * A parsed crash shared by every event with the same text.  A crash loop writes the same text
 * thousands of times; parsed once and stored once, each of its events costs a pointer, not the
 * kilobytes of its frames.  An entry is immutable once made and owns its text (the event's
 * EventData value as written, which --state carries over for a lone .NET event) and its parse;
 * it is freed with its last reference.
 */
struct dotnet_crash_shared {
    size_t references;
    uint64_t hash;     /* of event_id and text */
    uint32_t event_id; /* the parse depends on it (the FailFast and stack-overflow ids) */
    char *text;        /* owned, as written */
    struct dotnet_crash crash;
};

/* Takes another reference / drops one (freeing the entry with its last). */
struct dotnet_crash_shared *dotnet_crash_shared_ref(struct dotnet_crash_shared *shared);
void dotnet_crash_shared_release(struct dotnet_crash_shared *shared);

/* The entries of one scan, by text: each distinct text is parsed once.  The cache holds a
 * reference to each entry until it is freed; entries live on in the events that hold them. */
struct dotnet_crash_cache;

struct dotnet_crash_cache *dotnet_crash_cache_new(void);
void dotnet_crash_cache_free(struct dotnet_crash_cache *cache);
/* The entry for text and event_id, parsed on first sight, with a reference for the caller;
 * NULL with err set when the text is not a crash (dotnet_crash_parse's -1; not cached). */
struct dotnet_crash_shared *dotnet_crash_cache_get(struct dotnet_crash_cache *cache,
                                                   const char *text, uint32_t event_id,
                                                   struct cs_error *err);

/* The exception whose stack reached the thread's entry point (the last block), or NULL. */
const struct dotnet_exception *dotnet_crash_outermost(const struct dotnet_crash *crash);
/* The root cause (the first block), or NULL. */
const struct dotnet_exception *dotnet_crash_innermost(const struct dotnet_crash *crash);

/* The frames that describe the crashing thread: the outermost exception's frames, or the
 * "Stack:" frames when there is no exception.  Sets *count. */
const struct dotnet_frame *dotnet_crash_thread_frames(const struct dotnet_crash *crash,
                                                      size_t *count);

/* True for frames of the framework itself (System.*, Microsoft.*, Internal.*, ...). */
bool dotnet_frame_is_framework(const struct dotnet_frame *frame);

#endif
