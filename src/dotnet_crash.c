/*
 * dotnet_crash.c - parse the text of a .NET Runtime fatal-error event (dotnet_crash.h).
 *
 * The runtime writes its text in the language of the operating system, so nothing here looks
 * for English labels.  The parser reads the text once, line by line, and works from shape:
 *
 *   header  line 1 is "Label: application"; the following lines whose value is version-shaped
 *           name the runtime ("v4.0.30319" is .NET Framework, "6.0.2222.6701" CoreCLR, a
 *           second number the .NET version); the next line is the description ("Label:
 *           sentence", or Russian's "Label. sentence");
 *   blocks  a "Label: Type" or "Label: Type: message" line whose value starts with a dotted
 *           type name opens an exception; a blank line closes it; CoreCLR's " ---> Type: msg"
 *           opens an inner exception and "   --- End of inner exception stack trace ---"
 *           (recognised by its three-space indentation, not its words) closes it;
 *   frames  three spaces, one word (the localized "at"), a space, and a dotted method.
 *
 * Event text is untrusted: one pass, no recursion, bounded work per line, and caps on what is
 * kept (below).  Bytes are never decoded, so invalid UTF-8 passes through unharmed.
 *
 * Not for: deciding what the crash means (signatures.c) or reading the event (reader.c).
 */
#include "crashsig/dotnet_crash.h"
#include "crashsig/event.h"

#include <stdlib.h>
#include <string.h>

/* Caps against hostile input.  The runtime cuts its text near 32 KB, so a genuine event stays
 * far below them; hitting one sets crash->truncated. */
#define DOTNET_MAX_FRAMES     1000  /* frames kept per exception, and for the Stack: list */
#define DOTNET_TAIL_FRAMES    250   /* of those, kept from the bottom of an over-long stack */
#define DOTNET_MAX_EXCEPTIONS 64    /* exception blocks kept, and the deepest ---> nesting */
#define DOTNET_MAX_MESSAGE    65536 /* bytes kept of one exception or FailFast message */
/* The runtime stops appending once its text reaches 31842 UTF-16 units, then cuts back to the
 * start of the line that crossed the limit and appends its (localized) notice; so a cut text
 * is a little shorter than 31842 characters, and its UTF-8 at least as many bytes.  30 KiB
 * leaves room for a last line of over a thousand characters before the cut. */
#define DOTNET_TRUNCATION_MIN_LENGTH (30 * 1024)

#define DOTNET_HEAD_FRAMES (DOTNET_MAX_FRAMES - DOTNET_TAIL_FRAMES)

static const char TRUNCATION_NOTICE[] = "The remainder of the message was truncated.";

/* ---- spans of the input text ---------------------------------------------------------- */

struct span {
    const char *p;
    size_t n;
};

static struct span span_make(const char *p, size_t n)
{
    struct span s = {p, n};
    return s;
}

static bool is_blank_char(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static struct span trim(struct span s)
{
    while (s.n > 0 && is_blank_char(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && is_blank_char(s.p[s.n - 1]))
        s.n--;
    return s;
}

static bool span_starts(struct span s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.n >= n && memcmp(s.p, prefix, n) == 0;
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Needles are short constants, so the naive search stays linear in the haystack. */
static bool span_contains(struct span s, const char *needle, bool ignore_case)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= s.n && i <= s.n - n; i++) {
        size_t k = 0;
        while (k < n && (ignore_case ? ascii_lower(s.p[i + k]) == ascii_lower(needle[k])
                                     : s.p[i + k] == needle[k]))
            k++;
        if (k == n)
            return true;
    }
    return false;
}

static char *span_dup(struct span s)
{
    char *copy = cs_xmalloc(s.n + 1);
    memcpy(copy, s.p, s.n);
    copy[s.n] = '\0';
    return copy;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex_digit(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_letter(char c)
{
    /* Bytes >= 0x80 are parts of non-ASCII identifier characters. */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (unsigned char)c >= 0x80;
}

/* ---- lines ------------------------------------------------------------------------------ */

struct lines {
    const char *p, *end;
    struct span last_nonblank; /* for the truncation check */
};

/* Next line without its "\n", trailing "\r" and trailing blanks (trailing blanks carry no
 * meaning in this text and "\r\n" logs must read like "\n" ones). */
static bool lines_next(struct lines *it, struct span *line)
{
    if (it->p >= it->end)
        return false;
    const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
    const char *stop = nl ? nl : it->end;
    struct span s = span_make(it->p, (size_t)(stop - it->p));
    while (s.n > 0 && is_blank_char(s.p[s.n - 1]))
        s.n--;
    it->p = nl ? nl + 1 : it->end;
    if (s.n > 0)
        it->last_nonblank = s;
    *line = s;
    return true;
}

/* "Label: value" split at the first ": "; "Label:" has an empty value.  A line starting with
 * a blank is never labelled (frames and " ---> " lines are indented).  Japanese Windows writes
 * some labels with no space after the colon ("アプリケーション:w3wp.exe", "例外情報:System.X"):
 * a colon right after a non-ASCII character ends a label too.  English and the other
 * languages' labels end in a letter of their own script before ": ", and "System.X:y" or a
 * URL in a message has an ASCII character before its colon, so neither is split there. */
static bool split_label(struct span line, struct span *label, struct span *value)
{
    if (line.n < 2 || is_blank_char(line.p[0]))
        return false;
    const char *colon = line.p;
    size_t left = line.n;
    while ((colon = memchr(colon, ':', left)) != NULL) {
        size_t at = (size_t)(colon - line.p);
        bool spaced = at > 0 && at + 1 < line.n && line.p[at + 1] == ' ';
        bool after_wide = at > 0 && at + 1 < line.n && (unsigned char)line.p[at - 1] >= 0x80 &&
                          !is_blank_char(line.p[at + 1]);
        if (spaced || after_wide) {
            size_t skip = spaced ? 2 : 1;
            *label = span_make(line.p, at);
            *value = trim(span_make(line.p + at + skip, line.n - at - skip));
            return true;
        }
        if (at > 0 && at + 1 == line.n) {
            *label = span_make(line.p, at);
            *value = span_make(line.p + line.n, 0);
            return true;
        }
        colon++;
        left = line.n - at - 1;
    }
    return false;
}

/* ---- shapes ----------------------------------------------------------------------------- */

enum version_shape { VERSION_NONE, VERSION_FRAMEWORK, VERSION_NUMBER };

/* "v4.0.30319" (Framework) or "6.0.2222.6701", "8.0.0-rc.2.23479.6", "8.0.0+abc" (CoreCLR). */
static enum version_shape version_shape(struct span v)
{
    size_t i = 0;
    bool framework = v.n > 1 && v.p[0] == 'v' && is_digit(v.p[1]);
    if (framework)
        i = 1;
    else if (v.n == 0 || !is_digit(v.p[0]))
        return VERSION_NONE;
    bool dot = false;
    for (; i < v.n; i++) {
        char c = v.p[i];
        if (c == '.')
            dot = true;
        else if (!is_digit(c) && !is_letter(c) && c != '-' && c != '+')
            return VERSION_NONE;
    }
    if (!dot)
        return VERSION_NONE;
    return framework ? VERSION_FRAMEWORK : VERSION_NUMBER;
}

static bool hex_run(struct span s, size_t *i);

static bool is_type_char(char c)
{
    return is_letter(c) || is_digit(c) || c == '.' || c == '+' || c == '`' || c == '<' ||
           c == '>' || c == '[' || c == ']' || c == ',';
}

/* .NET Core writes the HRESULT or native error of some exceptions after the type:
 * "System.Net.Sockets.SocketException (11001): No such host is known." or
 * "System.ComponentModel.Win32Exception (0x80004005): Access is denied".  Returns the index
 * after " (code)" when value has one at i, else i. */
static size_t skip_error_code(struct span value, size_t i)
{
    if (i + 3 >= value.n || value.p[i] != ' ' || value.p[i + 1] != '(')
        return i;
    size_t k = i + 2;
    if (k < value.n && value.p[k] == '-')
        k++;
    if (!hex_run(value, &k) || k >= value.n || value.p[k] != ')')
        return i;
    return k + 1;
}

/*
 * Reads the type name at the start of value: "System.InvalidOperationException",
 * "Foo+Bar`1[[System.String, mscorlib]]", optionally followed by ":" and a message.  Inside
 * [...] anything goes (assembly-qualified generic arguments have spaces); outside, the name
 * ends at the first space.  The name must be the whole value or end with ':', so prose such as
 * "exception code c0000005, ..." is not mistaken for a type.  Sets *type, *message (what
 * follows, maybe empty) and *has_message (a ':' followed the name).
 */
static bool take_type(struct span value, bool need_dot, struct span *type, struct span *message,
                      bool *has_message)
{
    size_t i = 0, depth = 0;
    bool dot = false;
    for (; i < value.n; i++) {
        char c = value.p[i];
        if (depth > 0) {
            depth += c == '[';
            depth -= c == ']';
            continue;
        }
        if (c == ' ' || c == ':')
            break;
        if (!is_type_char(c))
            return false;
        depth += c == '[';
        dot |= c == '.';
    }
    if (depth > 0 || i == 0 || !is_letter(value.p[0]) || value.p[i - 1] == '.')
        return false;
    if (need_dot && !dot)
        return false;
    *type = span_make(value.p, i);
    i = skip_error_code(value, i);
    *has_message = i < value.n && value.p[i] == ':' && (i + 1 == value.n || value.p[i + 1] == ' ');
    if (i < value.n && !*has_message)
        return false;
    size_t rest = *has_message ? i + 1 : i;
    *message = trim(span_make(value.p + rest, value.n - rest));
    return true;
}

/* Three spaces, one word that does not start with '-', one space, a dotted method. */
static bool parse_frame(struct span line, struct span *text)
{
    if (line.n < 6 || memcmp(line.p, "   ", 3) != 0 || is_blank_char(line.p[3]) || line.p[3] == '-')
        return false;
    const char *space = memchr(line.p + 3, ' ', line.n - 3);
    if (space == NULL)
        return false;
    size_t at = (size_t)(space - line.p) + 1;
    struct span t = span_make(line.p + at, line.n - at);
    if (t.n == 0 || is_blank_char(t.p[0]) || memchr(t.p, '.', t.n) == NULL)
        return false;
    *text = t;
    return true;
}

/* Up to the ')' that closes the first '(': drops CoreCLR's " in C:\x.cs:line 12" in whatever
 * language it is written. */
static size_t method_length(struct span text)
{
    const char *open = memchr(text.p, '(', text.n);
    if (open == NULL)
        return text.n;
    size_t depth = 0;
    for (size_t i = (size_t)(open - text.p); i < text.n; i++) {
        if (text.p[i] == '(') {
            depth++;
        } else if (text.p[i] == ')' && --depth == 0) {
            return i + 1;
        }
    }
    return text.n;
}

static bool hex_run(struct span s, size_t *i)
{
    if (*i + 1 < s.n && s.p[*i] == '0' && (s.p[*i + 1] == 'x' || s.p[*i + 1] == 'X'))
        *i += 2;
    size_t start = *i;
    while (*i < s.n && is_hex_digit(s.p[*i]))
        (*i)++;
    return *i > start;
}

/* "IP 00007FFA83E78551 (00007FFA83E60000)", also with 0x: the address pair of an internal
 * error, which stays untranslated. */
static bool has_ip_pattern(struct span d)
{
    for (size_t at = 0; at + 3 <= d.n; at++) {
        if (memcmp(d.p + at, "IP ", 3) != 0 || (at > 0 && d.p[at - 1] != ' '))
            continue;
        size_t i = at + 3;
        if (!hex_run(d, &i) || i + 1 >= d.n || d.p[i] != ' ' || d.p[i + 1] != '(')
            continue;
        i += 2;
        if (hex_run(d, &i) && i < d.n && d.p[i] == ')')
            return true;
    }
    return false;
}

/* ---- growing pieces --------------------------------------------------------------------- */

struct text_buffer {
    char *p;
    size_t len, capacity;
    bool capped; /* DOTNET_MAX_MESSAGE reached */
};

static void buffer_append(struct text_buffer *b, const char *p, size_t n)
{
    if (b->len + n > DOTNET_MAX_MESSAGE) {
        n = DOTNET_MAX_MESSAGE - b->len;
        b->capped = true;
    }
    if (b->len + n + 1 > b->capacity) {
        size_t want = b->capacity ? b->capacity : 64;
        while (want < b->len + n + 1)
            want *= 2;
        b->p = cs_xrealloc(b->p, want);
        b->capacity = want;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* Frames of one stack.  Past DOTNET_MAX_FRAMES the bottom DOTNET_TAIL_FRAMES slots become a
 * ring, so an endless recursion keeps both its top and the thread's entry point. */
struct frame_list {
    struct dotnet_frame *items;
    size_t count, capacity;
    size_t ring_next; /* oldest tail slot once the list is full */
    bool dropped;
};

static void frame_set(struct dotnet_frame *frame, struct span text)
{
    frame->text = span_dup(text);
    frame->method = span_dup(span_make(text.p, method_length(text)));
}

static void frame_clear(struct dotnet_frame *frame)
{
    free(frame->text);
    free(frame->method);
}

static void frame_list_add(struct frame_list *list, struct span text)
{
    if (list->count == DOTNET_MAX_FRAMES) {
        struct dotnet_frame *slot = &list->items[DOTNET_HEAD_FRAMES + list->ring_next];
        frame_clear(slot);
        frame_set(slot, text);
        list->ring_next = (list->ring_next + 1) % DOTNET_TAIL_FRAMES;
        list->dropped = true;
        return;
    }
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 16;
        if (list->capacity > DOTNET_MAX_FRAMES)
            list->capacity = DOTNET_MAX_FRAMES;
        list->items = cs_xrealloc(list->items, list->capacity * sizeof(*list->items));
    }
    frame_set(&list->items[list->count++], text);
}

static void reverse_frames(struct dotnet_frame *f, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        struct dotnet_frame t = f[i];
        f[i] = f[n - 1 - i];
        f[n - 1 - i] = t;
    }
}

/* Puts the ring back in stack order (rotation by three reversals). */
static void frame_list_finish(struct frame_list *list)
{
    if (!list->dropped || list->ring_next == 0)
        return;
    struct dotnet_frame *tail = &list->items[DOTNET_HEAD_FRAMES];
    size_t k = list->ring_next;
    reverse_frames(tail, k);
    reverse_frames(tail + k, DOTNET_TAIL_FRAMES - k);
    reverse_frames(tail, DOTNET_TAIL_FRAMES);
    list->ring_next = 0;
}

static void frames_free(struct dotnet_frame *frames, size_t count)
{
    for (size_t i = 0; i < count; i++)
        frame_clear(&frames[i]);
    free(frames);
}

/* ---- the parser ------------------------------------------------------------------------- */

enum runtime_family { RUNTIME_UNKNOWN, RUNTIME_FRAMEWORK, RUNTIME_CORECLR };

/* An exception whose block is still being read. */
struct open_exception {
    char *type;
    struct text_buffer message;
    bool message_open; /* CoreCLR messages may span lines until the first frame */
    struct frame_list frames;
};

struct parser {
    struct dotnet_crash *crash;
    uint32_t event_id;
    enum runtime_family runtime;
    bool failfast_expected;
    bool failfast_slot; /* the next non-blank line may be FailFast's "Message:" */
    bool failfast_taken;
    bool failfast_open; /* the FailFast message may continue on this line */
    struct text_buffer failfast;
    struct open_exception open[DOTNET_MAX_EXCEPTIONS]; /* [0] outermost */
    size_t depth;
    size_t ignored_opens; /* " ---> " lines past the nesting cap, to match their ends */
    size_t exception_capacity;
    struct frame_list stack;
};

static void keep_exception(struct parser *ps, struct dotnet_exception *ex)
{
    struct dotnet_crash *crash = ps->crash;
    if (crash->exception_count == DOTNET_MAX_EXCEPTIONS) {
        /* Keep the first ones (the root causes) and always the latest (the one that
         * escaped): the last slot is reused. */
        struct dotnet_exception *last = &crash->exceptions[DOTNET_MAX_EXCEPTIONS - 1];
        free(last->type);
        free(last->message);
        frames_free(last->frames, last->frame_count);
        *last = *ex;
        crash->truncated = crash->capped = true;
        return;
    }
    if (crash->exception_count == ps->exception_capacity) {
        ps->exception_capacity = ps->exception_capacity ? ps->exception_capacity * 2 : 4;
        crash->exceptions =
            cs_xrealloc(crash->exceptions, ps->exception_capacity * sizeof(*crash->exceptions));
    }
    crash->exceptions[crash->exception_count++] = *ex;
}

/* Closing in reverse order of opening is what makes the list innermost first: an inner
 * exception is closed by its end marker before the one that wraps it. */
static void close_top(struct parser *ps)
{
    struct open_exception *top = &ps->open[--ps->depth];
    frame_list_finish(&top->frames);
    struct dotnet_exception ex = {
        .type = top->type,
        .message = top->message.len > 0 ? top->message.p : NULL,
        .frame_count = top->frames.count,
        .frames = top->frames.items,
    };
    if (ex.message == NULL)
        free(top->message.p);
    if (top->frames.dropped || top->message.capped)
        ps->crash->truncated = ps->crash->capped = true;
    keep_exception(ps, &ex);
    memset(top, 0, sizeof(*top));
}

static void close_all(struct parser *ps)
{
    while (ps->depth > 0)
        close_top(ps);
    ps->ignored_opens = 0;
}

static void open_exception(struct parser *ps, struct span type, struct span message,
                           bool has_message)
{
    if (ps->depth == DOTNET_MAX_EXCEPTIONS) {
        ps->ignored_opens++;
        ps->crash->truncated = ps->crash->capped = true;
        return;
    }
    struct open_exception *ex = &ps->open[ps->depth++];
    memset(ex, 0, sizeof(*ex));
    ex->type = span_dup(type);
    ex->message_open = has_message;
    if (message.n > 0)
        buffer_append(&ex->message, message.p, message.n);
}

static void add_frame(struct parser *ps, struct span text)
{
    if (ps->depth > 0) {
        struct open_exception *top = &ps->open[ps->depth - 1];
        top->message_open = false;
        frame_list_add(&top->frames, text);
    } else {
        frame_list_add(&ps->stack, text);
    }
}

/* " ---> Type: message", or " ---> (Inner Exception #1) Type: message" (AggregateException). */
static void inner_start(struct parser *ps, struct span line)
{
    struct span value = trim(span_make(line.p + 6, line.n - 6));
    if (value.n > 0 && value.p[0] == '(') {
        const char *close = memchr(value.p, ')', value.n);
        if (close != NULL)
            value = trim(span_make(close + 1, value.n - (size_t)(close + 1 - value.p)));
    }
    struct span type, message;
    bool has_message;
    if (!take_type(value, false, &type, &message, &has_message)) {
        type = span_make(value.p, 0);
        message = value;
        has_message = value.n > 0;
    }
    open_exception(ps, type, message, has_message);
}

/* "   --- End of inner exception stack trace ---" in any language: indented, unlike "--- End
 * of stack trace from previous location ---", which stays inside one exception's frames. */
static void inner_end(struct parser *ps)
{
    if (ps->ignored_opens > 0)
        ps->ignored_opens--;
    else if (ps->depth > 1)
        close_top(ps);
}

/* A line that opens a new exception block: "Label: Type[: message]" or, as CoreCLR writes an
 * exception's ToString() after FailFast's stack label, a bare "Type: message". */
static bool exception_start(struct parser *ps, struct span line)
{
    struct span label, value, type, message;
    bool has_message;
    if (split_label(line, &label, &value) && value.n > 0 &&
        take_type(value, true, &type, &message, &has_message)) {
        close_all(ps);
        open_exception(ps, type, message, has_message);
        return true;
    }
    if (take_type(line, true, &type, &message, &has_message) && has_message) {
        close_all(ps);
        open_exception(ps, type, message, has_message);
        return true;
    }
    return false;
}

static void append_line(struct text_buffer *b, struct span line)
{
    if (b->len > 0)
        buffer_append(b, "\n", 1);
    buffer_append(b, line.p, line.n);
}

/* A label with an empty value: "Stack:" before frames of their own, FailFast's "Exception
 * stack:", but also .NET Framework's "Server stack trace:" and "Exception rethrown at [0]:"
 * inside an exception's remote stack trace. */
static bool stack_label(struct span line)
{
    struct span label, value;
    return split_label(line, &label, &value) && value.n == 0;
}

static bool take_failfast_message(struct parser *ps, struct span line)
{
    struct span label, value;
    if (!split_label(line, &label, &value) || value.n == 0)
        return false;
    buffer_append(&ps->failfast, value.p, value.n);
    ps->failfast_taken = true;
    ps->failfast_open = true;
    return true;
}

static uint32_t hex_value(char c)
{
    return is_digit(c) ? (uint32_t)(c - '0') : (uint32_t)((c | 0x20) - 'a' + 10);
}

/* The first token of exactly 8 hex digits that starts with c, e or 8 (NTSTATUS, a C++ or
 * other software exception, an HRESULT): the code, whatever language surrounds it. */
static bool find_native_code(struct span value, uint32_t *code)
{
    size_t i = 0;
    while (i < value.n) {
        size_t start = i;
        while (i < value.n && is_hex_digit(value.p[i]))
            i++;
        bool prefixed = start >= 2 && (value.p[start - 1] | 0x20) == 'x' &&
                        value.p[start - 2] == '0'; /* 0xc0000005 */
        bool alone = (start == 0 || prefixed || !is_letter(value.p[start - 1])) &&
                     (i == value.n || !(is_letter(value.p[i]) || is_digit(value.p[i])));
        char first = (char)(value.p[start] | 0x20);
        if (i - start == 8 && alone && (first == 'c' || first == 'e' || first == '8')) {
            *code = 0;
            for (size_t k = start; k < i; k++)
                *code = *code << 4 | hex_value(value.p[k]);
            return true;
        }
        i = i > start ? i : i + 1;
    }
    return false;
}

/* Outside every exception block, "Label: value" with a native exception code in the value:
 * CoreCLR's report of a native exception (an access violation in native code), which names
 * no managed type.  Only the first is kept. */
static void take_native_exception(struct parser *ps, struct span line)
{
    struct span label, value;
    uint32_t code;
    if (ps->depth > 0 || ps->crash->exception_count > 0 || ps->crash->native_exception ||
        !split_label(line, &label, &value) || !find_native_code(value, &code))
        return;
    ps->crash->native_exception = span_dup(value);
    ps->crash->native_code = code;
    ps->crash->has_native_code = true;
}

static void parse_body_line(struct parser *ps, struct span line)
{
    struct span text;
    bool failfast_slot = ps->failfast_slot;
    /* Until its first frame, a CoreCLR exception's message may go on over several lines. */
    bool in_message = ps->depth > 0 && ps->open[ps->depth - 1].message_open;
    if (line.n == 0) {
        close_all(ps);
        ps->failfast_open = false;
        return;
    }
    ps->failfast_slot = false;
    if (span_starts(line, " ---> ")) {
        ps->failfast_open = false;
        inner_start(ps, line);
    } else if (span_starts(line, "   ---")) {
        inner_end(ps);
    } else if (parse_frame(line, &text)) {
        ps->failfast_open = false;
        add_frame(ps, text);
    } else if (stack_label(line) && (ps->depth == 0 || ps->failfast_expected)) {
        /* Only FailFast writes a stack label after an exception ("Stack:" after the exception
         * it was given).  Elsewhere an empty label inside a block belongs to it: a remote
         * stack trace's markers, or a line of a message. */
        close_all(ps);
        ps->failfast_open = false;
    } else if (in_message) {
        append_line(&ps->open[ps->depth - 1].message, line);
    } else if (failfast_slot && take_failfast_message(ps, line)) {
        /* taken */
    } else if (exception_start(ps, line)) {
        ps->failfast_open = false;
    } else if (ps->failfast_open) {
        append_line(&ps->failfast, line);
    } else {
        take_native_exception(ps, line);
    }
    /* Anything else ("--- End of stack trace from previous location ---", contract details)
     * carries nothing kept here. */
}

/* ---- header ----------------------------------------------------------------------------- */

/* Reads the next line as "Label: value"; on failure the iterator is left where it was. */
static bool next_labelled(struct lines *it, struct span *value)
{
    struct lines saved = *it;
    struct span line, label;
    if (lines_next(it, &line) && split_label(line, &label, value))
        return true;
    *it = saved;
    return false;
}

static void parse_runtime(struct parser *ps, struct lines *it)
{
    struct span value;
    struct lines saved = *it;
    if (!next_labelled(it, &value) || version_shape(value) == VERSION_NONE) {
        *it = saved;
        return;
    }
    struct text_buffer runtime = {0};
    if (version_shape(value) == VERSION_FRAMEWORK) {
        ps->runtime = RUNTIME_FRAMEWORK;
        buffer_append(&runtime, "Framework ", 10);
        buffer_append(&runtime, value.p, value.n);
    } else {
        ps->runtime = RUNTIME_CORECLR;
        buffer_append(&runtime, "CoreCLR ", 8);
        buffer_append(&runtime, value.p, value.n);
        saved = *it;
        if (next_labelled(it, &value) && version_shape(value) == VERSION_NUMBER) {
            buffer_append(&runtime, " (.NET ", 7);
            buffer_append(&runtime, value.p, value.n);
            buffer_append(&runtime, ")", 1);
        } else {
            *it = saved;
        }
    }
    ps->crash->runtime = runtime.p;
}

/* Russian Windows ends the description's label with a period, not a colon ("Описание.
 * Процесс был завершен ..."): one word, ". ", then the sentence. */
static bool split_period_label(struct span line, struct span *value)
{
    size_t i = 0;
    while (i < line.n && is_letter(line.p[i]))
        i++;
    if (i == 0 || i + 2 >= line.n || line.p[i] != '.' || line.p[i + 1] != ' ')
        return false;
    *value = trim(span_make(line.p + i + 2, line.n - i - 2));
    return value->n > 0;
}

static void parse_header(struct parser *ps, struct lines *it)
{
    struct span line, value, type, message;
    bool has_message;
    struct lines saved = *it;
    while (lines_next(it, &line) && line.n == 0)
        saved = *it;
    *it = saved;
    /* A version-shaped value means the application line is missing. */
    if (next_labelled(it, &value) && version_shape(value) == VERSION_NONE) {
        free(ps->crash->application);
        ps->crash->application = span_dup(value);
    } else {
        *it = saved;
    }
    parse_runtime(ps, it);
    saved = *it;
    /* A dotted type means the description line is missing and a block starts here. */
    if (next_labelled(it, &value) && value.n > 0 &&
        !take_type(value, true, &type, &message, &has_message)) {
        ps->crash->description = span_dup(value);
        return;
    }
    *it = saved;
    if (lines_next(it, &line) && split_period_label(line, &value))
        ps->crash->description = span_dup(value);
    else
        *it = saved;
}

/* ---- kind ------------------------------------------------------------------------------- */

/*
 * The event id names the kind when it is specific.  Otherwise the description decides, in
 * ways that survive translation: "FailFast" is an API name and the "IP <hex> (<hex>)" address
 * pair and exit code 80131506 of an internal error are never translated.  English wording
 * ("stack overflow", "unhandled exception") is used as a hint only.  Then the shape of the
 * text: an exception block means an unhandled exception.  A 1026 without one is, from .NET
 * Framework, a stack overflow (Framework writes those as 1026 with a description and nothing
 * else); CoreCLR writes stack overflows as 1027, so its 1026 without a type (a native
 * exception, or .NET 9's "Stack:"-only form) is still an unhandled exception.
 */
static enum dotnet_crash_kind infer_kind(const struct parser *ps)
{
    const struct dotnet_crash *crash = ps->crash;
    switch (ps->event_id) {
    case 1025:
        return DOTNET_KIND_FAILFAST;
    case 1027:
        return DOTNET_KIND_STACK_OVERFLOW;
    case 1023:
        return DOTNET_KIND_INTERNAL_ERROR;
    }
    struct span d = crash->description ? span_make(crash->description, strlen(crash->description))
                                       : span_make("", 0);
    if (span_contains(d, "FailFast", false))
        return DOTNET_KIND_FAILFAST;
    if (has_ip_pattern(d) || span_contains(d, "80131506", false))
        return DOTNET_KIND_INTERNAL_ERROR;
    if (span_contains(d, "stack overflow", true))
        return DOTNET_KIND_STACK_OVERFLOW;
    if (crash->exception_count > 0 || span_contains(d, "unhandled exception", true))
        return DOTNET_KIND_UNHANDLED_EXCEPTION;
    if (ps->event_id != 1026 && ps->event_id != 0) /* 1028 (code contract) and others */
        return DOTNET_KIND_UNKNOWN;
    if (ps->runtime == RUNTIME_CORECLR)
        return DOTNET_KIND_UNHANDLED_EXCEPTION;
    return crash->description ? DOTNET_KIND_STACK_OVERFLOW : DOTNET_KIND_UNKNOWN;
}

/* ---- public ----------------------------------------------------------------------------- */

static void parser_init(struct parser *ps, struct dotnet_crash *crash, uint32_t event_id)
{
    memset(ps, 0, sizeof(*ps));
    ps->crash = crash;
    ps->event_id = event_id;
}

/* After the header: is this a FailFast, whose first body line is its "Message:"? */
static void expect_failfast(struct parser *ps)
{
    const char *d = ps->crash->description;
    bool by_text = d != NULL && strstr(d, "FailFast") != NULL;
    ps->failfast_expected =
        ps->event_id == 1025 || (by_text && ps->event_id != 1023 && ps->event_id != 1027);
    ps->failfast_slot = ps->failfast_expected;
}

static void parser_finish(struct parser *ps, const struct lines *it, size_t length)
{
    struct dotnet_crash *crash = ps->crash;
    close_all(ps);
    frame_list_finish(&ps->stack);
    crash->stack_frames = ps->stack.items;
    crash->stack_frame_count = ps->stack.count;
    if (ps->stack.dropped || ps->failfast.capped)
        crash->truncated = crash->capped = true;
    if (ps->failfast_taken)
        crash->failfast_message = ps->failfast.p;
    else
        free(ps->failfast.p);
    crash->kind = infer_kind(ps);

    struct span last = it->last_nonblank, text;
    if (span_contains(last, TRUNCATION_NOTICE, false) ||
        (length >= DOTNET_TRUNCATION_MIN_LENGTH && !parse_frame(last, &text)))
        crash->truncated = true;
}

int dotnet_crash_parse(const char *text, uint32_t event_id, struct dotnet_crash *out,
                       struct cs_error *err)
{
    memset(out, 0, sizeof(*out));
    out->application = cs_strdup("");
    if (text == NULL) {
        cs_error_set(err, "no .NET Runtime event text");
        return -1;
    }
    size_t length = strlen(text);
    struct parser ps;
    parser_init(&ps, out, event_id);
    struct lines it = {text, text + length, {text, 0}};
    parse_header(&ps, &it);
    expect_failfast(&ps);
    struct span line;
    while (lines_next(&it, &line))
        parse_body_line(&ps, line);
    parser_finish(&ps, &it, length);
    if (out->application[0] == '\0' && out->runtime == NULL && out->description == NULL &&
        out->exception_count == 0 && out->stack_frame_count == 0) {
        cs_error_set(err, "not a .NET Runtime fatal-error message: no application, runtime, "
                          "description, exception or stack frame found");
        return -1;
    }
    return 0;
}

static void exception_free(struct dotnet_exception *ex)
{
    free(ex->type);
    free(ex->message);
    frames_free(ex->frames, ex->frame_count);
}

void dotnet_crash_free(struct dotnet_crash *crash)
{
    if (crash == NULL)
        return;
    free(crash->application);
    free(crash->runtime);
    free(crash->description);
    free(crash->failfast_message);
    free(crash->native_exception);
    for (size_t i = 0; i < crash->exception_count; i++)
        exception_free(&crash->exceptions[i]);
    free(crash->exceptions);
    frames_free(crash->stack_frames, crash->stack_frame_count);
    memset(crash, 0, sizeof(*crash));
}

const struct dotnet_exception *dotnet_crash_outermost(const struct dotnet_crash *crash)
{
    if (crash == NULL || crash->exception_count == 0)
        return NULL;
    return &crash->exceptions[crash->exception_count - 1];
}

const struct dotnet_exception *dotnet_crash_innermost(const struct dotnet_crash *crash)
{
    if (crash == NULL || crash->exception_count == 0)
        return NULL;
    return &crash->exceptions[0];
}

/* The outermost exception's frames; the "Stack:" frames when there is no exception or it
 * came without frames (an exception handed to FailFast that was never thrown). */
const struct dotnet_frame *dotnet_crash_thread_frames(const struct dotnet_crash *crash,
                                                      size_t *count)
{
    const struct dotnet_exception *outer = dotnet_crash_outermost(crash);
    if (outer != NULL && outer->frame_count > 0) {
        *count = outer->frame_count;
        return outer->frames;
    }
    *count = crash ? crash->stack_frame_count : 0;
    return crash ? crash->stack_frames : NULL;
}

/* Namespaces shipped with the runtime and its frameworks.  A user's "MyApp.System.X" does not
 * start with them, so it stays user code. */
static const char *const FRAMEWORK_PREFIXES[] = {
    "System.", "Microsoft.", "Internal.", "Interop+", "Interop.", "Windows.", "MS.", "Mono.",
};

bool dotnet_frame_is_framework(const struct dotnet_frame *frame)
{
    if (frame == NULL)
        return false;
    const char *method = frame->method ? frame->method : frame->text;
    if (method == NULL)
        return false;
    for (size_t i = 0; i < sizeof(FRAMEWORK_PREFIXES) / sizeof(FRAMEWORK_PREFIXES[0]); i++) {
        if (strncmp(method, FRAMEWORK_PREFIXES[i], strlen(FRAMEWORK_PREFIXES[i])) == 0)
            return true;
    }
    return false;
}

static const char *const KIND_NAMES[] = {
    [DOTNET_KIND_UNKNOWN] = "unknown",
    [DOTNET_KIND_UNHANDLED_EXCEPTION] = "unhandled_exception",
    [DOTNET_KIND_STACK_OVERFLOW] = "stack_overflow",
    [DOTNET_KIND_FAILFAST] = "failfast",
    [DOTNET_KIND_INTERNAL_ERROR] = "internal_error",
};

const char *dotnet_crash_kind_name(enum dotnet_crash_kind kind)
{
    if ((unsigned)kind > DOTNET_KIND_INTERNAL_ERROR)
        return "unknown";
    return KIND_NAMES[kind];
}

int dotnet_crash_kind_from_name(const char *name, enum dotnet_crash_kind *out)
{
    for (int k = DOTNET_KIND_UNKNOWN; name != NULL && k <= DOTNET_KIND_INTERNAL_ERROR; k++) {
        if (strcmp(name, KIND_NAMES[k]) == 0) {
            *out = (enum dotnet_crash_kind)k;
            return 0;
        }
    }
    return -1;
}

/* ---- shared crashes: one parse per distinct text ------------------------------------- */

struct dotnet_crash_cache {
    size_t count, capacity; /* capacity a power of two, at most half full */
    struct dotnet_crash_shared **slots;
};

/* The event id only seeds the hash: entries compare it and the text in full. */
static uint64_t crash_text_hash(const char *text, uint32_t event_id)
{
    return cs_fnv1a_text(CS_FNV64_OFFSET_BASIS ^ event_id, text);
}

struct dotnet_crash_shared *dotnet_crash_shared_ref(struct dotnet_crash_shared *shared)
{
    shared->references++;
    return shared;
}

void dotnet_crash_shared_release(struct dotnet_crash_shared *shared)
{
    if (shared == NULL || --shared->references > 0)
        return;
    dotnet_crash_free(&shared->crash);
    free(shared->text);
    free(shared);
}

struct dotnet_crash_cache *dotnet_crash_cache_new(void)
{
    return cs_xcalloc(1, sizeof(struct dotnet_crash_cache));
}

void dotnet_crash_cache_free(struct dotnet_crash_cache *cache)
{
    if (cache == NULL)
        return;
    for (size_t i = 0; i < cache->capacity; i++)
        dotnet_crash_shared_release(cache->slots[i]);
    free(cache->slots);
    free(cache);
}

/* The slot of (hash, event_id, text): the entry's, or the empty one where it belongs. */
static size_t cache_slot(const struct dotnet_crash_cache *cache, uint64_t hash, uint32_t event_id,
                         const char *text)
{
    size_t mask = cache->capacity - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        const struct dotnet_crash_shared *s = cache->slots[i];
        if (s == NULL || (s->hash == hash && s->event_id == event_id && strcmp(s->text, text) == 0))
            return i;
    }
}

static void cache_grow(struct dotnet_crash_cache *cache)
{
    struct dotnet_crash_cache bigger = {cache->count, cache->capacity ? cache->capacity * 2 : 64,
                                        NULL};
    bigger.slots = cs_xcalloc(bigger.capacity, sizeof(*bigger.slots));
    for (size_t i = 0; i < cache->capacity; i++) {
        struct dotnet_crash_shared *s = cache->slots[i];
        if (s)
            bigger.slots[cache_slot(&bigger, s->hash, s->event_id, s->text)] = s;
    }
    free(cache->slots);
    *cache = bigger;
}

struct dotnet_crash_shared *dotnet_crash_cache_get(struct dotnet_crash_cache *cache,
                                                   const char *text, uint32_t event_id,
                                                   struct cs_error *err)
{
    if (text == NULL)
        text = "";
    uint64_t hash = crash_text_hash(text, event_id);
    if (cache->count >= cache->capacity / 2)
        cache_grow(cache);
    size_t slot = cache_slot(cache, hash, event_id, text);
    if (cache->slots[slot])
        return dotnet_crash_shared_ref(cache->slots[slot]);
    struct dotnet_crash_shared *s = cs_xcalloc(1, sizeof(*s));
    if (dotnet_crash_parse(text, event_id, &s->crash, err) != 0) {
        dotnet_crash_free(&s->crash);
        free(s);
        return NULL;
    }
    s->hash = hash;
    s->event_id = event_id;
    s->text = cs_strdup(text);
    s->references = 2; /* the cache's and the caller's */
    cache->slots[slot] = s;
    cache->count++;
    return s;
}
