/*
 * prefilter.c - chunk and record selection, and libevtx's structural checks, on raw EVTX bytes
 * (prefilter.h).
 *
 * Speed matters here: on a log with few crashes this file is nearly all the work the scan
 * does, so it has to keep up with reading the file.  Two loops do almost all of it:
 *   - CRC-32 over every chunk, with carry-less multiplication (VPCLMULQDQ, two 512-bit
 *     registers folded 128 bytes at a time, or PCLMULQDQ, four 128-bit lanes 64 bytes at a
 *     time) when the CPU has it, slicing-by-8 tables otherwise;
 *   - the needle search, which compares the first and the last code unit of a needle at 64
 *     positions at once (AVX-512BW; 32 with AVX2, 16 with SSE2; case folded with OR 0x20) and
 *     verifies the rare candidates; one pass per needle, over a chunk that stays in the cache.
 *
 * The structural checks follow libevtx 20181227's libevtx_chunk_read and
 * libevtx_record_values_read_header rule by rule; the comments name the rule each step copies.
 *
 * Not for: I/O, libevtx, or deciding what a damaged file means for the report (reader.c,
 * reader_damage.c).
 */
#include "crashsig/prefilter.h"

#include "reader_binxml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(CRASHSIG_NO_SIMD)
#define PREFILTER_X86 1
#include <immintrin.h>
#endif

#define CRC_POLY_REFLECTED 0xEDB88320u
/* x^32 + x^26 + ... + 1, the CRC-32 polynomial with its x^32 term, in normal bit order. */
#define CRC_POLY_FULL 0x104C11DB7ull
/* A chunk has at most this many needle occurrences worth mapping to records; past it every
 * record of the chunk is wanted. */
#define MAX_NEEDLE_HITS 4096
/* Embedded BinXML values nest at most this deep before a record is simply wanted. */
#define MAX_BINXML_DEPTH 8
#define MAX_NEEDLES      16
#define MAX_WANTED_IDS   64
#define MAX_NEEDLE_UNITS 128
/* Event ids whose records must hold one of some values (reader_want.values), and the values
 * one such id may list; past these, the records of the id are kept on id alone. */
#define MAX_VALUE_RULES 8
#define MAX_RULE_VALUES 32
#define MAX_VALUE_UNITS 64

struct needle {
    size_t units;                    /* UTF-16 code units */
    uint16_t text[MAX_NEEDLE_UNITS]; /* the provider name in UTF-16 */
    uint8_t first_folded;            /* low byte of the first unit, OR 0x20 */
    uint8_t last_folded;             /* low byte of the last unit, OR 0x20 */
};

/* A value a record's string must be (ASCII letters in either case), in UTF-16. */
struct wanted_value {
    size_t units;
    uint16_t text[MAX_VALUE_UNITS];
};

/* The records with event id `id` are wanted only when one of their string substitution values
 * is one of values: every source of the filter that lists the id also lists values (a source
 * that wants the id without values leaves no rule for it). */
struct value_rule {
    uint32_t id;
    bool keep_all; /* the values could not be listed: the id's records are kept */
    size_t count;
    struct wanted_value values[MAX_RULE_VALUES];
};

struct prefilter {
    uint32_t crc_table[8][256];
    bool has_clmul, has_vpclmul, has_sse2, has_avx2, has_avx512;
    /* Folding constants: x^(n-1) mod P, bit-reflected into 64 bits (see crc32_clmul). */
    uint64_t fold1024_lo, fold1024_hi, fold512_lo, fold512_hi, fold128_lo, fold128_hi;
    bool want_all; /* some provider name could not be turned into a needle */
    /* every event id any provider of the filter wants; all_ids: too many to list, so records
     * are selected by provider name alone */
    bool all_ids;
    size_t id_count;
    uint32_t ids[MAX_WANTED_IDS];
    size_t needle_count;
    struct needle needles[MAX_NEEDLES];
    size_t rule_count;
    struct value_rule rules[MAX_VALUE_RULES];
};

/* ---- CRC-32 ---------------------------------------------------------------------------- */

static void crc_tables_init(struct prefilter *pf)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ CRC_POLY_REFLECTED : c >> 1;
        pf->crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            pf->crc_table[t][i] =
                (pf->crc_table[t - 1][i] >> 8) ^ pf->crc_table[0][pf->crc_table[t - 1][i] & 0xff];
}

static uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t load_le64(const uint8_t *p)
{
    return (uint64_t)load_le32(p) | (uint64_t)load_le32(p + 4) << 32;
}

/* The CRC register (not inverted) after data, slicing by 8. */
static uint32_t crc_state_tables(const struct prefilter *pf, uint32_t state, const uint8_t *p,
                                 size_t n)
{
    const uint32_t(*t)[256] = pf->crc_table;
    for (; n >= 8; n -= 8, p += 8) {
        uint32_t a = state ^ load_le32(p), b = load_le32(p + 4);
        state = t[7][a & 0xff] ^ t[6][(a >> 8) & 0xff] ^ t[5][(a >> 16) & 0xff] ^ t[4][a >> 24] ^
                t[3][b & 0xff] ^ t[2][(b >> 8) & 0xff] ^ t[1][(b >> 16) & 0xff] ^ t[0][b >> 24];
    }
    for (; n > 0; n--, p++)
        state = t[0][(state ^ *p) & 0xff] ^ (state >> 8);
    return state;
}

/* x^n mod P, bit-reflected into the top 32 bits of 64 (coefficient e at bit 63 - e). */
static uint64_t reflected_xpow_mod(unsigned n)
{
    uint64_t r = 1;
    for (unsigned i = 0; i < n; i++) {
        r <<= 1;
        if (r & (1ull << 32))
            r ^= CRC_POLY_FULL;
    }
    uint64_t out = 0;
    for (int e = 0; e < 32; e++)
        if (r & (1ull << e))
            out |= 1ull << (63 - e);
    return out;
}

#ifdef PREFILTER_X86
/*
 * Folding, in the reflected bit order EVTX's CRC uses: a 16-byte block read little-endian is
 * q0 * x^64 + q1, q0 being its low 8 bytes.  Moving it D bits further along the message means
 * multiplying by x^D, i.e. q0 * (x^(64+D) mod P) + q1 * (x^D mod P), which two carry-less
 * multiplications give (the constants are x^(n-1): a 64x64 carry-less product of reflected
 * values comes out one bit short of the 128-bit frame).  The folded 16 bytes are congruent to
 * everything before them, so running the table CRC over them from state 0 gives the register.
 */
__attribute__((target("pclmul,sse2"))) static __m128i fold(__m128i x, __m128i k)
{
    return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

__attribute__((target("pclmul,sse2"))) static uint32_t
crc_state_clmul(const struct prefilter *pf, uint32_t state, const uint8_t *p, size_t n)
{
    const __m128i k512 = _mm_set_epi64x((long long)pf->fold512_hi, (long long)pf->fold512_lo);
    const __m128i k128 = _mm_set_epi64x((long long)pf->fold128_hi, (long long)pf->fold128_lo);
    __m128i a0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_cvtsi32_si128((int)state));
    __m128i a1 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i a2 = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i a3 = _mm_loadu_si128((const __m128i *)(p + 48));
    p += 64;
    n -= 64;
    for (; n >= 64; n -= 64, p += 64) {
        a0 = _mm_xor_si128(fold(a0, k512), _mm_loadu_si128((const __m128i *)p));
        a1 = _mm_xor_si128(fold(a1, k512), _mm_loadu_si128((const __m128i *)(p + 16)));
        a2 = _mm_xor_si128(fold(a2, k512), _mm_loadu_si128((const __m128i *)(p + 32)));
        a3 = _mm_xor_si128(fold(a3, k512), _mm_loadu_si128((const __m128i *)(p + 48)));
    }
    __m128i acc = _mm_xor_si128(fold(a0, k128), a1);
    acc = _mm_xor_si128(fold(acc, k128), a2);
    acc = _mm_xor_si128(fold(acc, k128), a3);
    for (; n >= 16; n -= 16, p += 16)
        acc = _mm_xor_si128(fold(acc, k128), _mm_loadu_si128((const __m128i *)p));
    uint8_t block[16];
    _mm_storeu_si128((__m128i *)block, acc);
    return crc_state_tables(pf, crc_state_tables(pf, 0, block, 16), p, n);
}
#endif

#ifdef PREFILTER_X86
/* The same folding on 512-bit registers (VPCLMULQDQ: four 128-bit lanes per instruction), two
 * registers 128 bytes apart; then the lanes are folded into one as above. */
__attribute__((target("avx512f,vpclmulqdq"))) static __m512i fold512(__m512i x, __m512i k)
{
    return _mm512_xor_si512(_mm512_clmulepi64_epi128(x, k, 0x00),
                            _mm512_clmulepi64_epi128(x, k, 0x11));
}

__attribute__((target("avx512f,vpclmulqdq,pclmul"))) static uint32_t
crc_state_vpclmul(const struct prefilter *pf, uint32_t state, const uint8_t *p, size_t n)
{
    const __m512i k1024 = _mm512_broadcast_i32x4(
        _mm_set_epi64x((long long)pf->fold1024_hi, (long long)pf->fold1024_lo));
    const __m512i k512 = _mm512_broadcast_i32x4(
        _mm_set_epi64x((long long)pf->fold512_hi, (long long)pf->fold512_lo));
    const __m128i k128 = _mm_set_epi64x((long long)pf->fold128_hi, (long long)pf->fold128_lo);
    __m512i a0 = _mm512_xor_si512(_mm512_loadu_si512((const void *)p),
                                  _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)state)));
    __m512i a1 = _mm512_loadu_si512((const void *)(p + 64));
    p += 128;
    n -= 128;
    for (; n >= 128; n -= 128, p += 128) {
        a0 = _mm512_xor_si512(fold512(a0, k1024), _mm512_loadu_si512((const void *)p));
        a1 = _mm512_xor_si512(fold512(a1, k1024), _mm512_loadu_si512((const void *)(p + 64)));
    }
    __m512i a = _mm512_xor_si512(fold512(a0, k512), a1);
    __m128i acc = _mm512_extracti32x4_epi32(a, 0);
    acc = _mm_xor_si128(fold(acc, k128), _mm512_extracti32x4_epi32(a, 1));
    acc = _mm_xor_si128(fold(acc, k128), _mm512_extracti32x4_epi32(a, 2));
    acc = _mm_xor_si128(fold(acc, k128), _mm512_extracti32x4_epi32(a, 3));
    for (; n >= 16; n -= 16, p += 16)
        acc = _mm_xor_si128(fold(acc, k128), _mm_loadu_si128((const __m128i *)p));
    uint8_t block[16];
    _mm_storeu_si128((__m128i *)block, acc);
    return crc_state_tables(pf, crc_state_tables(pf, 0, block, 16), p, n);
}
#endif

uint32_t prefilter_crc32(const struct prefilter *pf, uint32_t crc, const void *data, size_t size)
{
    const uint8_t *p = data;
    uint32_t state = ~crc;
#ifdef PREFILTER_X86
    if (pf->has_vpclmul && size >= 128)
        return ~crc_state_vpclmul(pf, state, p, size);
    if (pf->has_clmul && size >= 64)
        return ~crc_state_clmul(pf, state, p, size);
#endif
    return ~crc_state_tables(pf, state, p, size);
}

/* ---- needles --------------------------------------------------------------------------- */

/* Decodes UTF-8 into UTF-16 code units.  Returns the count, or 0 when invalid or too long. */
static size_t utf8_to_utf16(const char *s, uint16_t *out, size_t max)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t n = 0;
    while (*p) {
        uint32_t cp;
        int extra;
        if (*p < 0x80)
            cp = *p, extra = 0;
        else if ((*p & 0xe0) == 0xc0)
            cp = *p & 0x1f, extra = 1;
        else if ((*p & 0xf0) == 0xe0)
            cp = *p & 0x0f, extra = 2;
        else if ((*p & 0xf8) == 0xf0)
            cp = *p & 0x07, extra = 3;
        else
            return 0;
        p++;
        for (int i = 0; i < extra; i++, p++) {
            if ((*p & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (*p & 0x3f);
        }
        if (cp >= 0x10000) {
            if (n + 2 > max)
                return 0;
            cp -= 0x10000;
            out[n++] = (uint16_t)(0xd800 | (cp >> 10));
            out[n++] = (uint16_t)(0xdc00 | (cp & 0x3ff));
        } else {
            if (n + 1 > max)
                return 0;
            out[n++] = (uint16_t)cp;
        }
    }
    return n;
}

static void needles_init(struct prefilter *pf, const struct reader_filter *filter)
{
    for (size_t i = 0; i < filter->count; i++)
        for (size_t k = 0; k < filter->wants[i].event_id_count; k++) {
            if (pf->id_count == MAX_WANTED_IDS)
                pf->all_ids = true;
            else
                pf->ids[pf->id_count++] = filter->wants[i].event_ids[k];
        }
    for (size_t i = 0; i < filter->count; i++) {
        if (pf->needle_count == MAX_NEEDLES) {
            pf->want_all = true;
            return;
        }
        struct needle *nd = &pf->needles[pf->needle_count];
        nd->units = utf8_to_utf16(filter->wants[i].provider, nd->text, MAX_NEEDLE_UNITS);
        if (nd->units == 0) {
            pf->want_all = true;
            continue;
        }
        nd->first_folded = (uint8_t)(nd->text[0] | 0x20);
        nd->last_folded = (uint8_t)(nd->text[nd->units - 1] | 0x20);
        pf->needle_count++;
    }
}

static struct value_rule *rule_for(struct prefilter *pf, uint32_t id)
{
    for (size_t i = 0; i < pf->rule_count; i++)
        if (pf->rules[i].id == id)
            return &pf->rules[i];
    return NULL;
}

/* Adds want's values to the rule of id; false when they do not fit (or are not ASCII). */
static bool rule_add_values(struct value_rule *rule, const struct reader_want *want)
{
    for (size_t v = 0; v < want->value_count; v++) {
        const char *text = want->values[v];
        size_t n = strlen(text);
        if (rule->count == MAX_RULE_VALUES || n == 0 || n > MAX_VALUE_UNITS)
            return false;
        struct wanted_value *wv = &rule->values[rule->count++];
        wv->units = n;
        for (size_t k = 0; k < n; k++) {
            if ((unsigned char)text[k] >= 0x80)
                return false;
            wv->text[k] = (uint8_t)text[k];
        }
    }
    return true;
}

/* The value rules of the filter: for each event id of a source with values, the values of
 * every source that lists it, unless one of them lists it without values. */
static void value_rules_init(struct prefilter *pf, const struct reader_filter *filter)
{
    for (size_t i = 0; i < filter->count; i++) {
        const struct reader_want *w = &filter->wants[i];
        for (size_t k = 0; w->value_count > 0 && k < w->event_id_count; k++) {
            uint32_t id = w->event_ids[k] & 0xffff;
            struct value_rule *rule = rule_for(pf, id);
            if (rule == NULL) {
                if (pf->rule_count == MAX_VALUE_RULES)
                    continue; /* no rule: the id's records are kept */
                rule = &pf->rules[pf->rule_count++];
                rule->id = id;
            }
            if (!rule_add_values(rule, w))
                rule->keep_all = true;
        }
    }
    for (size_t i = 0; i < filter->count; i++) {
        const struct reader_want *w = &filter->wants[i];
        for (size_t k = 0; w->value_count == 0 && k < w->event_id_count; k++) {
            struct value_rule *rule = rule_for(pf, w->event_ids[k] & 0xffff);
            if (rule)
                rule->keep_all = true;
        }
    }
}

static bool is_ascii_letter(uint16_t u)
{
    return (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z');
}

/* Exact check at p (room for the whole needle is the caller's business): ASCII letters match
 * either case, as cs_strcasecmp compares provider names; every other unit matches exactly. */
static bool needle_at(const struct needle *nd, const uint8_t *p)
{
    for (size_t k = 0; k < nd->units; k++, p += 2) {
        uint16_t want = nd->text[k];
        if (is_ascii_letter(want)) {
            if (p[1] != 0 || (p[0] | 0x20) != (want | 0x20))
                return false;
        } else if (p[0] != (want & 0xff) || p[1] != (want >> 8)) {
            return false;
        }
    }
    return true;
}

/* Records hits (positions of any needle) until max; returns how many were found. */
struct hits {
    uint32_t *pos;
    size_t count, max;
};

static bool add_hit(struct hits *h, size_t at)
{
    if (h->count < h->max)
        h->pos[h->count] = (uint32_t)at;
    h->count++;
    return h->count < h->max;
}

/* Scalar search of positions [from, to) for one needle.  Returns false once hits are full. */
static bool scan_scalar(const struct needle *nd, const uint8_t *p, size_t size, size_t from,
                        size_t to, struct hits *h)
{
    size_t len = nd->units * 2;
    for (size_t i = from; i < to && i + len <= size; i++)
        if ((p[i] | 0x20) == nd->first_folded && needle_at(nd, p + i) && !add_hit(h, i))
            return false;
    return true;
}

#ifdef PREFILTER_X86
/* The first and the last unit's low bytes at 16 positions at once; candidates are verified. */
static bool scan_sse2(const struct needle *nd, const uint8_t *p, size_t size, struct hits *h)
{
    size_t len = nd->units * 2, last = len - 2;
    const __m128i case_bit = _mm_set1_epi8(0x20);
    const __m128i first = _mm_set1_epi8((char)nd->first_folded);
    const __m128i lastv = _mm_set1_epi8((char)nd->last_folded);
    size_t i = 0;
    for (; i + last + 16 <= size; i += 16) {
        __m128i a = _mm_or_si128(_mm_loadu_si128((const __m128i *)(p + i)), case_bit);
        __m128i b = _mm_or_si128(_mm_loadu_si128((const __m128i *)(p + i + last)), case_bit);
        unsigned mask = (unsigned)_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, lastv)));
        while (mask) {
            size_t at = i + (size_t)__builtin_ctz(mask);
            mask &= mask - 1;
            if (at + len <= size && needle_at(nd, p + at) && !add_hit(h, at))
                return false;
        }
    }
    return scan_scalar(nd, p, size, i, size, h);
}
#endif

#ifdef PREFILTER_X86
/* Verifies the candidates of needle k at positions i + (set bits of mask). */
static bool verify_mask(const struct prefilter *pf, size_t k, const uint8_t *p, size_t i,
                        uint64_t mask, struct hits *h)
{
    while (mask) {
        size_t at = i + (size_t)__builtin_ctzll(mask);
        mask &= mask - 1;
        if (needle_at(&pf->needles[k], p + at) && !add_hit(h, at))
            return false;
    }
    return true;
}

/* One needle, 32 positions at a time; a block without a candidate costs one test.  One needle
 * per pass keeps its constants in registers: the chunk is in the cache for the next pass. */
__attribute__((target("avx2"))) static bool scan_avx2(const struct prefilter *pf, size_t k,
                                                      const uint8_t *p, size_t size, struct hits *h)
{
    const struct needle *nd = &pf->needles[k];
    const size_t last_at = nd->units * 2 - 2;
    const __m256i case_bit = _mm256_set1_epi8(0x20);
    const __m256i first = _mm256_set1_epi8((char)nd->first_folded);
    const __m256i last = _mm256_set1_epi8((char)nd->last_folded);
    size_t i = 0;
    for (; i + last_at + 32 <= size; i += 32) {
        __m256i a = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(p + i)), case_bit);
        __m256i b =
            _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(p + i + last_at)), case_bit);
        __m256i match = _mm256_and_si256(_mm256_cmpeq_epi8(a, first), _mm256_cmpeq_epi8(b, last));
        if (!_mm256_testz_si256(match, match) &&
            !verify_mask(pf, k, p, i, (uint32_t)_mm256_movemask_epi8(match), h))
            return false;
    }
    return scan_scalar(nd, p, size, i, size, h);
}

/* The same, 64 positions at a time, with AVX-512BW's mask registers. */
__attribute__((target("avx512f,avx512bw"))) static bool
scan_avx512(const struct prefilter *pf, size_t k, const uint8_t *p, size_t size, struct hits *h)
{
    const struct needle *nd = &pf->needles[k];
    const size_t last_at = nd->units * 2 - 2;
    const __m512i case_bit = _mm512_set1_epi8(0x20);
    const __m512i first = _mm512_set1_epi8((char)nd->first_folded);
    const __m512i last = _mm512_set1_epi8((char)nd->last_folded);
    size_t i = 0;
    for (; i + last_at + 64 <= size; i += 64) {
        __m512i a = _mm512_or_si512(_mm512_loadu_si512((const void *)(p + i)), case_bit);
        __m512i b = _mm512_or_si512(_mm512_loadu_si512((const void *)(p + i + last_at)), case_bit);
        __mmask64 match = _mm512_cmpeq_epi8_mask(a, first) & _mm512_cmpeq_epi8_mask(b, last);
        if (match && !verify_mask(pf, k, p, i, match, h))
            return false;
    }
    return scan_scalar(nd, p, size, i, size, h);
}
#endif

/* All needle positions in p[0..size), up to h->max, in no particular order. */
static void find_needles(const struct prefilter *pf, const uint8_t *p, size_t size, struct hits *h)
{
    for (size_t k = 0; k < pf->needle_count; k++) {
        const struct needle *nd = &pf->needles[k];
        if (nd->units * 2 > size)
            continue;
        bool room = true;
#ifdef PREFILTER_X86
        if (pf->has_avx512)
            room = scan_avx512(pf, k, p, size, h);
        else if (pf->has_avx2)
            room = scan_avx2(pf, k, p, size, h);
        else if (pf->has_sse2)
            room = scan_sse2(nd, p, size, h);
        else
#endif
            room = scan_scalar(nd, p, size, 0, size, h);
        if (!room)
            return;
    }
}

bool prefilter_chunk_wanted(const struct prefilter *pf, const uint8_t *chunk)
{
    if (pf->want_all)
        return true;
    uint32_t pos;
    struct hits h = {&pos, 0, 1};
    find_needles(pf, chunk, EVTX_CHUNK_SIZE, &h);
    return h.count > 0;
}

/* ---- construction ---------------------------------------------------------------------- */

struct prefilter *prefilter_new(const struct reader_filter *filter)
{
    return prefilter_new_isa(filter, PREFILTER_ISA_BEST);
}

struct prefilter *prefilter_new_isa(const struct reader_filter *filter, enum prefilter_isa isa)
{
    struct prefilter *pf = cs_xcalloc(1, sizeof(*pf));
    crc_tables_init(pf);
    /* fold by D bits: x^(D+64-1) and x^(D-1), for D = 1024, 512 and 128 */
    pf->fold1024_lo = reflected_xpow_mod(1087);
    pf->fold1024_hi = reflected_xpow_mod(1023);
    pf->fold512_lo = reflected_xpow_mod(575);
    pf->fold512_hi = reflected_xpow_mod(511);
    pf->fold128_lo = reflected_xpow_mod(191);
    pf->fold128_hi = reflected_xpow_mod(127);
    (void)isa; /* nothing to choose from without x86 SIMD */
#ifdef PREFILTER_X86
    pf->has_sse2 = isa >= PREFILTER_ISA_SSE2; /* part of x86-64 */
    pf->has_clmul = isa >= PREFILTER_ISA_SSE2 && __builtin_cpu_supports("pclmul");
    pf->has_avx2 = isa >= PREFILTER_ISA_AVX2 && __builtin_cpu_supports("avx2");
    pf->has_avx512 = isa >= PREFILTER_ISA_BEST && __builtin_cpu_supports("avx512f") &&
                     __builtin_cpu_supports("avx512bw");
    pf->has_vpclmul = pf->has_clmul && isa >= PREFILTER_ISA_BEST &&
                      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vpclmulqdq");
#endif
    needles_init(pf, filter);
    value_rules_init(pf, filter);
    return pf;
}

void prefilter_free(struct prefilter *pf)
{
    free(pf);
}

/* ---- file header ----------------------------------------------------------------------- */

int prefilter_parse_header(const struct prefilter *pf, const uint8_t *data, struct evtx_header *out)
{
    memset(out, 0, sizeof(*out));
    if (memcmp(data, "ElfFile", 8) != 0)
        return -1;
    /* libevtx_io_handle_read_file_header copies the 64-bit chunk numbers into 16-bit values */
    out->first_chunk = (uint16_t)load_le64(data + 8);
    out->last_chunk = (uint16_t)load_le64(data + 16);
    out->header_block_size = (uint16_t)(data[40] | data[41] << 8);
    out->chunk_count = (uint16_t)(data[42] | data[43] << 8);
    out->flags = load_le32(data + 120);
    out->crc_ok = prefilter_crc32(pf, 0, data, 120) == load_le32(data + 124);
    return 0;
}

/* ---- chunk structure ------------------------------------------------------------------- */

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* libevtx_record_values_read_header: 1 when a record header at offset is acceptable, with its
 * size in *size. */
static int read_record_header(const uint8_t *chunk, size_t offset, uint32_t *size)
{
    if (offset >= EVTX_CHUNK_SIZE)
        return -1;
    size_t room = EVTX_CHUNK_SIZE - offset;
    if (room < 24 + 4)
        return -1;
    const uint8_t *r = chunk + offset;
    if (all_zero(r, 24))
        return 0;
    if (memcmp(r, "**\0\0", 4) != 0)
        return -1;
    uint32_t s = load_le32(r + 4);
    if (s < 24 || s > room - 4)
        return -1; /* why a record ending exactly at byte 65536 is dropped */
    if (load_le32(r + s - 4) != s)
        return -1;
    *size = s;
    return 1;
}

/* libevtx_chunk_read's slack scan: from where the record walk stopped, every 4 bytes, a record
 * signature whose header reads and whose BinXML starts like a fragment. */
static void scan_slack(const uint8_t *chunk, size_t offset, struct chunk_facts *facts)
{
    while (offset + 4 <= EVTX_CHUNK_SIZE) {
        uint32_t size;
        if (memcmp(chunk + offset, "**\0\0", 4) == 0 &&
            read_record_header(chunk, offset, &size) == 1) {
            const uint8_t *xml = chunk + offset + 24;
            size_t xml_size = size > 28 ? size - 28 : 0;
            if ((xml_size >= 5 && xml[0] == 0x0a) ||
                (xml_size >= 4 && memcmp(xml, "\x0f\x01\x01\x00", 4) == 0)) {
                if (facts->slack)
                    facts->slack[facts->slack_count] = (uint16_t)offset;
                facts->slack_count++;
                offset += size - 4;
            }
        }
        offset += 4;
    }
}

/* The record walk from offset 512 up to the last record offset; returns where it stopped. */
static size_t walk_live(const uint8_t *chunk, struct chunk_facts *facts)
{
    uint32_t last_offset = load_le32(chunk + 44);
    size_t offset = 512;
    int result = 0;
    while (offset <= last_offset) {
        uint32_t size;
        result = read_record_header(chunk, offset, &size);
        if (result != 1)
            break;
        if (facts->live)
            facts->live[facts->live_count] = (uint16_t)offset;
        facts->live_count++;
        offset += size;
    }
    if (facts->first_number > facts->last_number)
        facts->damage |= CHUNK_NUMBERS_REVERSED;
    else if (result == 1 && facts->live_count != facts->last_number - facts->first_number + 1)
        facts->damage |= CHUNK_COUNT_MISMATCH;
    return offset;
}

void prefilter_check_chunk(const struct prefilter *pf, const uint8_t *chunk,
                           struct chunk_facts *facts)
{
    uint16_t *live = facts->live, *slack = facts->slack;
    memset(facts, 0, sizeof(*facts));
    facts->live = live;
    facts->slack = slack;
    if (chunk[0] == 0 && all_zero(chunk, EVTX_CHUNK_SIZE)) {
        facts->damage = CHUNK_ZERO_FILLED;
        return;
    }
    size_t stopped = 0;
    if (memcmp(chunk, "ElfChnk", 8) != 0) {
        facts->damage |= CHUNK_BAD_SIGNATURE; /* and the slack scan starts at byte 0 */
    } else {
        uint32_t free_offset = load_le32(chunk + 48);
        if (load_le32(chunk + 40) != 128 || free_offset < 512 || free_offset > EVTX_CHUNK_SIZE) {
            facts->damage |= CHUNK_UNSUPPORTED;
            return;
        }
        uint32_t crc = prefilter_crc32(pf, prefilter_crc32(pf, 0, chunk, 120), chunk + 128, 384);
        if (crc != load_le32(chunk + 124))
            facts->damage |= CHUNK_BAD_HEADER_CRC;
        if (prefilter_crc32(pf, 0, chunk + 512, free_offset - 512) != load_le32(chunk + 52))
            facts->damage |= CHUNK_BAD_RECORDS_CRC;
        facts->first_number = load_le64(chunk + 8);
        facts->last_number = load_le64(chunk + 16);
        stopped = walk_live(chunk, facts);
    }
    scan_slack(chunk, stopped, facts);
}

uint64_t prefilter_record_id(const uint8_t *chunk, uint16_t offset)
{
    return load_le64(chunk + offset + 8);
}

void prefilter_describe_damage(uint32_t damage, char *out, size_t size)
{
    static const struct {
        uint32_t bit;
        const char *text;
    } names[] = {
        {CHUNK_ZERO_FILLED, "zero-filled"},
        {CHUNK_BAD_SIGNATURE, "bad signature"},
        {CHUNK_BAD_HEADER_CRC, "header CRC mismatch"},
        {CHUNK_BAD_RECORDS_CRC, "event records CRC mismatch"},
        {CHUNK_NUMBERS_REVERSED, "first record number above the last"},
        {CHUNK_COUNT_MISMATCH, "record count differs from its header"},
        {CHUNK_UNSUPPORTED, "unsupported header size or free space offset, so libevtx "
                            "cannot read it (left out)"},
    };
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(damage & names[i].bit))
            continue;
        int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "", names[i].text);
        if (n < 0 || (size_t)n >= size - used)
            return;
        used += (size_t)n;
    }
}

/* ---- the file as libevtx_file_open_read sees it ---------------------------------------- */

/* libevtx keeps the chunk index in a 16-bit variable; a file of more than 65535 chunks wraps. */
bool prefilter_chunk_is_live(const struct evtx_header *header, uint64_t index)
{
    return (uint16_t)index < header->chunk_count || (header->flags & EVTX_FLAG_DIRTY);
}

bool prefilter_tally_chunk(const struct evtx_header *header, uint64_t index,
                           const struct chunk_facts *facts, struct evtx_tally *tally)
{
    bool inside = (uint16_t)index < header->chunk_count;
    if (facts->damage & CHUNK_UNSUPPORTED) {
        /* libevtx refuses the whole file; crashsig skips the chunk and reads the others */
        tally->unsupported = true;
        tally->damaged_chunks++;
        return true;
    }
    if (facts->damage & CHUNK_ZERO_FILLED) { /* libevtx_chunk_read returned 0 */
        tally->damaged_chunks += inside;     /* past the count: an unused, preallocated chunk */
        return inside;
    }
    bool damaged = facts->damage != 0;
    if (inside || !damaged)
        tally->counted_chunks++;
    if (prefilter_chunk_is_live(header, index))
        tally->records += facts->live_count;
    else
        tally->recovered_records += facts->live_count;
    tally->recovered_records += facts->slack_count;
    tally->damaged_chunks += inside && damaged;
    /* A dirty log's header is stale, so the chunks past its count hold real records; libevtx
     * reads them without checking, and a cut or flipped one loses records. */
    bool past_count = !inside && damaged && prefilter_chunk_is_live(header, index);
    tally->damaged_past_count += past_count;
    return (inside || past_count) && damaged;
}

void prefilter_tally_add(struct evtx_tally *sum, const struct evtx_tally *part)
{
    sum->records += part->records;
    sum->recovered_records += part->recovered_records;
    sum->counted_chunks += part->counted_chunks;
    sum->damaged_chunks += part->damaged_chunks;
    sum->unsupported = sum->unsupported || part->unsupported;
    sum->damaged_past_count += part->damaged_past_count;
}

uint32_t prefilter_file_damage(const struct evtx_header *header, const struct evtx_tally *tally)
{
    uint32_t damage = header->crc_ok ? 0 : FILE_BAD_HEADER_CRC;
    if (header->first_chunk > header->last_chunk)
        damage |= FILE_CHUNKS_REVERSED;
    else if (header->chunk_count != header->last_chunk - header->first_chunk + 1)
        damage |= FILE_CHUNK_NUMBERS_DIFFER;
    /* libevtx counts chunks in a 16-bit variable too */
    if ((uint16_t)tally->counted_chunks != header->chunk_count)
        damage |= FILE_CHUNK_COUNT_DIFFERS;
    return damage;
}

bool prefilter_file_corrupted(const struct evtx_header *header, const struct evtx_tally *tally)
{
    return prefilter_file_damage(header, tally) != 0 || tally->damaged_chunks > 0;
}

/* ---- records that can hold a needle ---------------------------------------------------- */

/* Byte ranges of the template definitions a record instantiates. */
struct def_ranges {
    size_t count;
    uint32_t start[64], end[64];
};

/* What a walk over a record's fragments collects: the definitions' ranges and, with a rule,
 * whether a substitution value may be one of the rule's values. */
struct fragment_walk {
    struct def_ranges defs;
    const struct value_rule *rule;
    bool value_found;
};

static bool is_trimmed_unit(uint16_t u)
{
    return u == ' ' || u == '\t' || u == '\r' || u == '\n';
}

/*
 * True when the UTF-16 string value at p (size bytes) is one of rule's values as
 * reader_want_value_is_one compares it on the string libevtx gives: up to its first NUL, the
 * whitespace around it left out, ASCII letters in either case.
 */
static bool value_is_one(const struct value_rule *rule, const uint8_t *p, size_t size)
{
    size_t units = size / 2, start = 0;
    for (size_t i = 0; i < units; i++)
        if (p[2 * i] == 0 && p[2 * i + 1] == 0) {
            units = i;
            break;
        }
    while (start < units && is_trimmed_unit((uint16_t)(p[2 * start] | p[2 * start + 1] << 8)))
        start++;
    while (units > start && is_trimmed_unit((uint16_t)(p[2 * units - 2] | p[2 * units - 1] << 8)))
        units--;
    for (size_t v = 0; v < rule->count; v++) {
        const struct wanted_value *wv = &rule->values[v];
        if (wv->units != units - start)
            continue;
        const uint8_t *q = p + 2 * start;
        size_t k = 0;
        for (; k < wv->units; k++, q += 2) {
            uint16_t want = wv->text[k];
            if (q[1] != 0 ||
                (is_ascii_letter(want) ? (q[0] | 0x20) != (want | 0x20) : q[0] != want))
                break;
        }
        if (k == wv->units)
            return true;
    }
    return false;
}

/* A substitution value of type (size bytes at p) that may be one of the rule's values: a
 * string that is, or a value whose text the prefilter does not read (an ANSI string, an array
 * of strings). */
static bool value_may_match(const struct value_rule *rule, uint8_t type, const uint8_t *p,
                            size_t size)
{
    if (type == 0x01)
        return value_is_one(rule, p, size);
    return type == 0x02 || type == 0x81 || type == 0x82;
}

/*
 * Walks a BinXML fragment the way Windows writes events: fragment header, template instance
 * (its definition inline when it is first used in the chunk), then the substitution values,
 * recursing into embedded BinXML values.  Collects every definition's byte range and, with a
 * rule, looks at every value.  Returns false when the bytes have another shape; the record is
 * then wanted unseen.
 */
static bool walk_fragment(const uint8_t *chunk, size_t pos, size_t end, int depth,
                          struct fragment_walk *fw)
{
    struct def_ranges *defs = &fw->defs;
    if (depth > MAX_BINXML_DEPTH || pos + 4 + 10 > end ||
        memcmp(chunk + pos, "\x0f\x01\x01\x00", 4) != 0 || chunk[pos + 4] != 0x0c)
        return false;
    pos += 4 + 10;
    uint32_t def = load_le32(chunk + pos - 4);
    if ((size_t)def + 24 > EVTX_CHUNK_SIZE)
        return false;
    size_t def_end = (size_t)def + 24 + load_le32(chunk + def + 20);
    if (def_end > EVTX_CHUNK_SIZE || defs->count == sizeof(defs->start) / sizeof(defs->start[0]))
        return false;
    defs->start[defs->count] = def;
    defs->end[defs->count++] = (uint32_t)def_end;
    if (def == pos)
        pos = def_end; /* defined inline, right here */
    if (pos + 4 > end)
        return false;
    uint32_t values = load_le32(chunk + pos);
    pos += 4;
    if (values > (end - pos) / 4)
        return false;
    size_t value_pos = pos + (size_t)values * 4;
    for (uint32_t i = 0; i < values; i++) {
        const uint8_t *d = chunk + pos + (size_t)i * 4;
        size_t size = (size_t)(d[0] | d[1] << 8);
        if (value_pos + size > end)
            return false;
        /* an embedded BinXML value (type 0x21), unless empty, instantiates templates too */
        if (d[2] == 0x21 && size > 0 &&
            !walk_fragment(chunk, value_pos, value_pos + size, depth + 1, fw))
            return false;
        if (fw->rule && !fw->value_found)
            fw->value_found = value_may_match(fw->rule, d[2], chunk + value_pos, size);
        value_pos += size;
    }
    return true;
}

static bool hit_in(const struct hits *h, size_t start, size_t end)
{
    for (size_t i = 0; i < h->count; i++)
        if (h->pos[i] >= start && h->pos[i] < end)
            return true;
    return false;
}

/* False when the record's EventID (read from its BinXML, reader_binxml.h) is one no provider of
 * the filter wants, or one whose records must hold a value (struct value_rule) and this one's
 * substitution values hold none: libevtx would parse it only for the reader to drop it.  The
 * union of every provider's ids is enough: the reader still compares provider, id and values
 * exactly (reader_filter.h), on records this keeps. */
static bool event_id_wanted(const struct prefilter *pf, const uint8_t *chunk, uint16_t offset)
{
    uint32_t id;
    if (pf->all_ids || !reader_binxml_fields(chunk, offset, &id, NULL))
        return true;
    id &= 0xffff;
    bool listed = false;
    for (size_t i = 0; i < pf->id_count && !listed; i++)
        listed = pf->ids[i] == id;
    if (!listed)
        return false;
    const struct value_rule *rule = NULL;
    for (size_t i = 0; i < pf->rule_count; i++)
        if (pf->rules[i].id == id && !pf->rules[i].keep_all)
            rule = &pf->rules[i];
    if (rule == NULL)
        return true;
    struct fragment_walk fw = {.rule = rule};
    uint32_t size = load_le32(chunk + offset + 4);
    if (!walk_fragment(chunk, (size_t)offset + 24, (size_t)offset + size - 4, 0, &fw))
        return true;
    return fw.value_found;
}

/* The end of the record among offsets[0..count) whose bytes hold at, or 0 when none does.  The
 * record walk and the slack scan list records in ascending order without overlap, so only the
 * last one starting at or before at can hold it: a binary search, as a damaged chunk of two
 * thousand small records asks this for every record. */
static size_t end_of_listed_record(const uint8_t *chunk, const uint16_t *offsets, uint32_t count,
                                   size_t at)
{
    size_t lo = 0, hi = count; /* the first offset past at */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (offsets[mid] <= at)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return 0;
    size_t start = offsets[lo - 1], end = start + load_le32(chunk + start + 4);
    return at < end && end <= EVTX_CHUNK_SIZE ? end : 0;
}

/* The end of the listed record (live or slack) whose bytes hold at, or 0 when none does. */
static size_t end_of_record_holding(const uint8_t *chunk, const struct chunk_facts *facts,
                                    size_t at)
{
    size_t end = end_of_listed_record(chunk, facts->live, facts->live_count, at);
    return end ? end : end_of_listed_record(chunk, facts->slack, facts->slack_count, at);
}

/*
 * True when a needle lies in the record's bytes or in a template definition it instantiates.
 * A definition's bytes are those its header declares, but in a damaged chunk that size may be
 * wrong, and libevtx reads a definition up to its end token whatever the size says (fuzz_scan
 * found a provider name past a definition's declared end): there the definition counts up to
 * the end of the record it is defined in, and a definition in no listed record makes the
 * record wanted unseen.
 */
static bool record_has_needle(const uint8_t *chunk, const struct chunk_facts *facts,
                              uint16_t offset, const struct hits *h)
{
    uint32_t size = load_le32(chunk + offset + 4);
    if (hit_in(h, offset, (size_t)offset + size))
        return true;
    struct fragment_walk fw = {0};
    if (!walk_fragment(chunk, (size_t)offset + 24, (size_t)offset + size - 4, 0, &fw))
        return true;
    for (size_t i = 0; i < fw.defs.count; i++) {
        size_t end = fw.defs.end[i];
        if (facts->damage) {
            size_t record_end = end_of_record_holding(chunk, facts, fw.defs.start[i]);
            if (record_end == 0)
                return true;
            if (record_end > end)
                end = record_end;
        }
        if (hit_in(h, fw.defs.start[i], end))
            return true;
    }
    return false;
}

static bool record_wanted(const struct prefilter *pf, const uint8_t *chunk,
                          const struct chunk_facts *facts, uint16_t offset, const struct hits *h)
{
    return record_has_needle(chunk, facts, offset, h) && event_id_wanted(pf, chunk, offset);
}

size_t prefilter_select_records(const struct prefilter *pf, const uint8_t *chunk,
                                const struct chunk_facts *facts, bool *live_wanted,
                                bool *slack_wanted)
{
    uint32_t *pos = cs_xmalloc(MAX_NEEDLE_HITS * sizeof(*pos));
    struct hits h = {pos, 0, MAX_NEEDLE_HITS};
    find_needles(pf, chunk, EVTX_CHUNK_SIZE, &h);
    bool all = pf->want_all || h.count >= MAX_NEEDLE_HITS;
    size_t wanted = 0;
    for (uint32_t i = 0; i < facts->live_count; i++) {
        live_wanted[i] =
            pf->want_all ||
            ((all || h.count) && (all ? event_id_wanted(pf, chunk, facts->live[i])
                                      : record_wanted(pf, chunk, facts, facts->live[i], &h)));
        wanted += live_wanted[i];
    }
    for (uint32_t i = 0; i < facts->slack_count; i++) {
        slack_wanted[i] =
            pf->want_all ||
            ((all || h.count) && (all ? event_id_wanted(pf, chunk, facts->slack[i])
                                      : record_wanted(pf, chunk, facts, facts->slack[i], &h)));
        wanted += slack_wanted[i];
    }
    free(pos);
    return wanted;
}
