#!/bin/sh
# test_roundtrip.sh - checks that files written by evtxgen/evtx_writer come
# back intact through libevtx 20181227 (evtxinfo, evtxexport and the C API via
# evtxcheck).
#
# What it is for: the writer's own regression test.  It covers every System
# field, classic and named EventData, CR/LF and non-ASCII text, 30 KB
# strings, multi-chunk files, recovered records, damage options, empty
# files, spec errors and byte-for-byte determinism.
# What it is not: a test of crashsig itself.
#
# Usage: tests/evtxgen/test_roundtrip.sh
#   EVTXGEN / EVTXCHECK: prebuilt binaries (CMake passes them); without them
#   the tools are built with cc into $EVTXGEN_BUILD (default
#   /tmp/evtxgen-build).  Needs evtxinfo and evtxexport on PATH, awk, diff.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/evtxgen-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
FAILURES=0

pass() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; FAILURES=$((FAILURES + 1)); }

# check DESCRIPTION COMMAND...: runs COMMAND, passes if it succeeds.
check() {
    desc=$1
    shift
    if "$@" >/dev/null 2>&1; then pass "$desc"; else fail "$desc"; fi
}

# contains FILE TEXT: FILE holds TEXT as a fixed string.
contains() { grep -qF -- "$2" "$1"; }

# matches FILE REGEX: FILE has a line matching the extended REGEX.
matches() { grep -qE -- "$2" "$1"; }

# check_diff DESCRIPTION EXPECTED ACTUAL: like check, shows the diff head.
check_diff() {
    if diff -u "$2" "$3" >"$WORK/last.diff" 2>&1; then
        pass "$1"
    else
        fail "$1"
        head -n 20 "$WORK/last.diff"
    fi
}

# equals A B: the two strings are equal.
equals() { [ "$1" = "$2" ]; }

build_tools() {
    if [ -n "${EVTXGEN:-}" ] && [ -n "${EVTXCHECK:-}" ]; then
        return
    fi
    out=${EVTXGEN_BUILD:-/tmp/evtxgen-build}
    flags="-std=c11 -O2 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L"
    mkdir -p "$out"
    # shellcheck disable=SC2086,SC2046 # flags and pkg-config output are meant to split
    cc $flags -I"$HERE" $(pkg-config --cflags libcjson) -o "$out/evtxgen" \
        "$HERE/evtxgen.c" "$HERE/evtx_writer.c" $(pkg-config --libs libcjson)
    # shellcheck disable=SC2086,SC2046
    cc $flags -o "$out/evtxcheck" "$HERE/evtxcheck.c" $(pkg-config --libs libevtx)
    EVTXGEN=$out/evtxgen
    EVTXCHECK=$out/evtxcheck
}

# gen NAME: $WORK/NAME.json -> $WORK/NAME.evtx plus evtxinfo, evtxcheck and
# XML (live + recovered) dumps next to it.
gen() {
    "$EVTXGEN" "$WORK/$1.json" "$WORK/$1.evtx"
    evtxinfo "$WORK/$1.evtx" >"$WORK/$1.info"
    "$EVTXCHECK" "$WORK/$1.evtx" >"$WORK/$1.check"
    "$EVTXCHECK" --chunks "$WORK/$1.evtx" >"$WORK/$1.chunks"
    evtxexport -f xml -m all "$WORK/$1.evtx" >"$WORK/$1.xml"
}

# Structural checks every generated file must pass.
check_structure() {
    name=$1
    check "$name: evtxinfo reports no corruption" sh -c "! grep -qi corrupted '$WORK/$name.info'"
    check "$name: chunk name/template tables are consistent" \
        sh -c "! grep -v 'table_errors 0$' '$WORK/$name.chunks' | grep -q '^chunk'"
    # libevtx 20181227 drops a record ending exactly at byte 65536.
    check "$name: no chunk is filled to the last byte" \
        sh -c "awk '/^chunk/ { for (i = 1; i < NF; i++) if (\$i == \"free\" && \$(i+1) > 65528) bad = 1 }
                    END { exit bad }' '$WORK/$name.chunks'"
}

# ------------------------------------------------------------ basic.json

test_basic() {
    cp "$HERE/specs/basic.json" "$WORK/basic.json"
    gen basic
    check_structure basic
    check "basic: 5 live records" matches "$WORK/basic.info" "Number of records[[:space:]]*: 5$"
    check "basic: 1 recovered record" \
        matches "$WORK/basic.info" "Number of recovered records[[:space:]]*: 1$"
    check_diff "basic: libevtx API view matches specs/basic.expected" \
        "$HERE/specs/basic.expected" "$WORK/basic.check"
    while IFS= read -r text; do
        check "basic: XML has $text" contains "$WORK/basic.xml" "$text"
    done <<'EOF'
<Provider Name=".NET Runtime"/>
<EventID Qualifiers="0">1026</EventID>
<Provider Name="Application Error"/>
<Provider Name="Application Error" Guid="{a0e9b465-b939-57d7-b27d-95d8e925ff57}"/>
<EventID>1000</EventID>
<Level>2</Level>
<Keywords>0x0080000000000000</Keywords>
<TimeCreated SystemTime="2026-03-01T10:00:00.123456700Z"/>
<TimeCreated SystemTime="2026-03-01T10:00:02.000000100Z"/>
<EventRecordID>4</EventRecordID>
<EventRecordID>999</EventRecordID>
<EventRecordID>42</EventRecordID>
<Channel>Application</Channel>
<Computer>WEB01</Computer>
<Computer>OTHER</Computer>
<Data>Application: w3wp.exe
<Data>c:\windows\system32\inetsrv\w3wp.exe</Data>
<Data Name="AppName">w3wp.exe</Data>
<Data Name="ExceptionCode">e0434352</Data>
<Binary>DEADBEEF</Binary>
Informações da Exceção: System.InvalidOperationException
Descrição:   à Überwachung
EOF
    crs=$(tr -cd '\r' <"$WORK/basic.xml" | wc -c)
    check "basic: the three CR of the CRLF record survive" equals "$crs" 3
    evtxexport -f xml -m recovered "$WORK/basic.evtx" >"$WORK/basic.recovered.xml"
    check "basic: evtxexport -m recovered finds the recovered record" \
        contains "$WORK/basic.recovered.xml" "Application: old.exe"
    check "basic: -m recovered shows only that record" \
        equals "$(grep -c '<Event ' "$WORK/basic.recovered.xml")" 1
    check "basic: -m all shows live and recovered" equals "$(grep -c '<Event ' "$WORK/basic.xml")" 6
    "$EVTXGEN" "$WORK/basic.json" "$WORK/basic2.evtx"
    check "basic: output is byte-for-byte reproducible" cmp "$WORK/basic.evtx" "$WORK/basic2.evtx"
    check "basic: one template definition per distinct template in the chunk" \
        contains "$WORK/basic.chunks" "names 29 templates 8 table_errors 0"
}

# ------------------------------------------------------------ 30 KB strings

# Three records with 30 KB messages (each needs a chunk of its own) around
# small ones.  The JSON escapes (\n) are exactly evtxcheck's escapes, so the
# expected strings are the JSON literals.
test_big_strings() {
    awk 'BEGIN {
        ascii = ""; for (i = 0; i < 30720; i++) ascii = ascii (i % 100 == 99 ? "\\n" : sprintf("%c", 97 + i % 26))
        pt = ""; for (i = 0; i < 1100; i++) pt = pt "Informações da Exceção: à \\r\\n"
        de = ""; for (i = 0; i < 2560; i++) de = de "Überwachung "
        print "{\"defaults\": {\"computer\": \"WEB01\", \"channel\": \"Application\", \"provider\": \".NET Runtime\","
        print " \"event_id\": 1026, \"qualifiers\": 0, \"level\": 2, \"time\": \"2026-03-01T10:00:00Z\"},"
        print " \"records\": [{\"data\": [\"small 1\"]},"
        printf "  {\"data\": [\"%s\"]}, {\"data\": [\"%s\"]}, {\"data\": [\"small 2\"]}, {\"data\": [\"%s\"]},\n", ascii, pt, de
        print "  {\"data\": [\"small 3\"]}]}"
        printf "\"small 1\"\n\"%s\"\n\"%s\"\n\"small 2\"\n\"%s\"\n\"small 3\"\n", ascii, pt, de >"/dev/stderr"
    }' >"$WORK/big.json" 2>"$WORK/big.expected"
    gen big
    check_structure big
    sed -n 's/^ string\[0\]: //p' "$WORK/big.check" >"$WORK/big.strings"
    check_diff "big: 30 KB strings (ASCII, Portuguese CRLF, German) come back exactly" \
        "$WORK/big.expected" "$WORK/big.strings"
    # Each chunk holds one 30 KB record and the small record after it.
    check "big: each 30 KB record started a new chunk" \
        equals "$(grep -c '^chunk' "$WORK/big.chunks")" 3
}

# ------------------------------------------------------------ 5000 records

# Writes many.json and the evtxcheck output it must produce.  Records mix
# three System templates, classic and named EventData, two computers and
# string sizes from 0 to 700 characters.  FILETIMEs exceed awk's exact
# integer range, so the fixed leading digits are glued on as text.
make_many() {
    awk 'BEGIN {
        n = 5000; first = 1000
        print "{\"file\": {\"first_record_id\": " first "}, \"defaults\": {\"channel\": \"Application\"}, \"records\": ["
        print "records: " n >"/dev/stderr"; print "recovered: 0" >"/dev/stderr"; print "corrupted: 0" >"/dev/stderr"
        for (i = 0; i < n; i++) {
            frac = (i * 1234567) % 10000000
            time = sprintf("2026-03-01T%02d:%02d:%02d.%07dZ", 10 + int(i / 3600), int(i % 3600 / 60), i % 60, frac)
            written = "1341683" sprintf("%011.0f", 28000000000 + i * 10000000 + frac)
            computer = (i % 7 == 0) ? "OTHER" : "WEB01"
            pad = ""; for (k = 0; k < (i * 37) % 700; k++) pad = pad "x"
            kind = i % 3
            printf "%s{\"time\": \"%s\", \"computer\": \"%s\", ", (i ? "," : ""), time, computer
            if (kind == 0) {
                printf "\"provider\": \".NET Runtime\", \"event_id\": 1026, \"qualifiers\": 0, \"level\": 2, \"data\": [\"record %d\\n%s\"]}\n", i, pad
            } else if (kind == 1) {
                printf "\"provider\": \"Application Error\", \"event_id\": 1000, \"qualifiers\": 0, \"level\": 2, \"data\": [\"app%d.exe\", \"%s\", \"\"]}\n", i, pad
            } else {
                printf "\"provider\": \"Application Error\", \"guid\": \"{a0e9b465-b939-57d7-b27d-95d8e925ff57}\", \"event_id\": 1001, \"level\": 4, \"named_data\": [[\"AppName\", \"app%d.exe\"], [\"Pad\", \"%s\"]]}\n", i, pad
            }
            e = "/dev/stderr"
            printf "record %d\n id: %d\n written: %s\n", i, first + i, written >e
            if (kind == 0) {
                printf " event_id: 1026\n qualifiers: 0\n level: 2\n guid: -\n source: \".NET Runtime\"\n" >e
                printf " computer: \"%s\"\n strings: 1\n string[0]: \"record %d\\n%s\"\n", computer, i, pad >e
            } else if (kind == 1) {
                printf " event_id: 1000\n qualifiers: 0\n level: 2\n guid: -\n source: \"Application Error\"\n" >e
                printf " computer: \"%s\"\n strings: 3\n string[0]: \"app%d.exe\"\n string[1]: \"%s\"\n string[2]: \"\"\n", computer, i, pad >e
            } else {
                printf " event_id: 1001\n qualifiers: -\n level: 4\n guid: \"{a0e9b465-b939-57d7-b27d-95d8e925ff57}\"\n" >e
                printf " source: \"Application Error\"\n computer: \"%s\"\n strings: 2\n string[0]: \"app%d.exe\"\n string[1]: \"%s\"\n", computer, i, pad >e
            }
        }
        print "]}"
    }' >"$WORK/many.json" 2>"$WORK/many.expected"
}

test_many() {
    make_many
    gen many
    check_structure many
    check_diff "many: every field of all 5000 records comes back through the libevtx API" \
        "$WORK/many.expected" "$WORK/many.check"
    chunks=$(grep -c '^chunk' "$WORK/many.chunks")
    check "many: spans several chunks ($chunks)" test "$chunks" -gt 10
    check "many: chunk record ranges are contiguous from 1000 to 5999" \
        sh -c "awk '/^chunk/ { split(\$6, r, \"-\"); if (r[1] != next_id) exit 1; next_id = r[2] + 1 }
                    BEGIN { next_id = 1000 } END { exit next_id != 6000 }' '$WORK/many.chunks'"
    check "many: file header says next record id 6000" contains "$WORK/many.chunks" "next_record_id 6000"
    check "many: 5000 events in the XML" equals "$(grep -c '<Event ' "$WORK/many.xml")" 5000
    check "many: EventRecordID follows first_record_id" contains "$WORK/many.xml" "<EventRecordID>5999</EventRecordID>"
    check "many: last TimeCreated keeps 7 digits" \
        contains "$WORK/many.xml" "SystemTime=\"2026-03-01T11:23:19.$(awk 'BEGIN { printf "%07d", (4999 * 1234567) % 10000000 }')00Z\""
}

# ------------------------------------------------------------ options

test_chunk_limit() {
    cat >"$WORK/limit.json" <<'EOF'
{"file": {"max_records_per_chunk": 100},
 "defaults": {"computer": "W", "channel": "System", "provider": "Service Control Manager",
              "guid": "{555908d1-a6d7-4695-8e1e-26931d2012f4}", "event_id": 7036, "level": 4,
              "keywords": "0x8080000000000000", "time": "2026-03-01T00:00:00Z"},
 "records": [{"named_data": [["param1", "Windows Update"], ["param2", "running"]],
              "repeat": 250, "repeat_step_ticks": 5000000}]}
EOF
    gen limit
    check_structure limit
    check "limit: 250 records" contains "$WORK/limit.check" "records: 250"
    check "limit: 100 per chunk" \
        equals "$(awk '/^chunk/ { printf "%s ", $6 }' "$WORK/limit.chunks")" "1-100 101-200 201-250 "
    check "limit: repeat_step_ticks spaces the copies" \
        contains "$WORK/limit.xml" 'SystemTime="2026-03-01T00:02:04.500000000Z"'
    check "limit: keywords given as hex string" contains "$WORK/limit.xml" "<Keywords>0x8080000000000000</Keywords>"
}

# damage NAME FILE_OPTIONS EXPECTED_EVTXINFO_TEXT
damage() {
    cat >"$WORK/$1.json" <<EOF
{"file": {$2, "max_records_per_chunk": 2},
 "defaults": {"computer": "W", "channel": "Application", "provider": "P", "event_id": 1,
              "time": "2026-03-01T10:00:00Z"},
 "records": [{"data": ["a"]}, {"data": ["b"]}, {"data": ["c"]}, {"data": ["d"]}]}
EOF
    gen "$1"
    check "$1: evtxinfo says $3" contains "$WORK/$1.info" "$3"
    check "$1: all 4 records still readable" contains "$WORK/$1.check" "records: 4"
}

test_damage() {
    damage flags '"dirty": true, "full": true' "Is dirty"
    check "flags: evtxinfo says Is full" contains "$WORK/flags.info" "Is full"
    check "flags: flags alone are not corruption" sh -c "! grep -q corrupted '$WORK/flags.info'"
    damage bad_file_crc '"bad_file_header_crc": true' "Is corrupted"
    damage bad_chunk_crc '"bad_chunk_header_crc": 1' "Is corrupted"
    damage bad_records_crc '"bad_chunk_records_crc": 0' "Is corrupted"
}

test_recovered() {
    cat >"$WORK/rec.json" <<'EOF'
{"file": {"max_records_per_chunk": 2},
 "defaults": {"computer": "W", "channel": "Application", "provider": "P", "event_id": 1,
              "time": "2026-03-01T10:00:00Z"},
 "records": [{"data": ["live 1"]}, {"data": ["gone 1"], "recovered": true, "event_record_id": 77},
             {"data": ["live 2"]}, {"data": ["gone 2"], "recovered": true},
             {"data": ["live 3"]}]}
EOF
    gen rec
    check_structure rec
    check "rec: 3 live and 2 recovered" \
        matches "$WORK/rec.info" "Number of recovered records[[:space:]]*: 2$"
    check "rec: recovered record keeps its id" contains "$WORK/rec.check" " id: 77"
    check "rec: recovered data readable" contains "$WORK/rec.check" 'string[0]: "gone 2"'
    check "rec: live records unaffected" contains "$WORK/rec.check" 'string[0]: "live 3"'
    printf '{"defaults": {"computer": "W", "channel": "A", "provider": "P", "event_id": 1, "time": "2026-03-01T10:00:00Z"},
             "records": [{"data": ["gone"], "recovered": true}]}\n' >"$WORK/reconly.json"
    gen reconly
    check "reconly: a chunk with only a recovered record is clean" \
        sh -c "! grep -qi corrupted '$WORK/reconly.info'"
    check "reconly: its record is recovered" contains "$WORK/reconly.check" 'string[0]: "gone"'
}

test_empty() {
    echo '{"description": "no events", "records": []}' >"$WORK/empty.json"
    gen empty
    check "empty: clean, no records" sh -c "! grep -qi corrupted '$WORK/empty.info'"
    check "empty: one preallocated chunk" equals "$(wc -c <"$WORK/empty.evtx" | tr -d ' ')" 69632
}

# spec_error NAME JSON EXPECTED_MESSAGE
spec_error() {
    printf '%s\n' "$2" >"$WORK/$1.json"
    status=0
    "$EVTXGEN" "$WORK/$1.json" "$WORK/$1.evtx" 2>"$WORK/$1.err" || status=$?
    check "$1: exit status 2" equals "$status" 2
    check "$1: message \"$3\"" contains "$WORK/$1.err" "$3"
    check "$1: no output left behind" test ! -e "$WORK/$1.evtx"
}

test_spec_errors() {
    d='"defaults": {"computer": "W", "channel": "A", "provider": "P", "event_id": 1, "time": "2026-03-01T10:00:00Z"}'
    spec_error err_range "{$d, \"records\": [{}, {\"event_id\": 70000}]}" \
        'err_range.json: records[1]: "event_id" is 70000, more than 65535'
    spec_error err_time "{$d, \"records\": [{\"time\": \"2026-02-30T10:00:00Z\"}]}" \
        'err_time.json: records[0]: "time": "2026-02-30T10:00:00Z" is not'
    spec_error err_field "{$d, \"records\": [{}, {}, {\"evnt_id\": 3}]}" \
        'records[2]: unknown field "evnt_id"'
    spec_error err_both "{$d, \"records\": [{\"data\": [\"a\"], \"named_data\": [[\"n\", \"v\"]]}]}" \
        'records[0]: use either "data" or "named_data"'
    spec_error err_guid "{$d, \"records\": [{\"guid\": \"a0e9b465\"}]}" 'records[0]: provider GUID'
    spec_error err_channel '{"records": [{"provider": "P", "event_id": 1, "time": "2026-03-01T10:00:00Z"}]}' \
        'records[0]: "channel" is required'
    spec_error err_json '{"records": [}' 'err_json.json: invalid JSON'
    big=$(awk 'BEGIN { for (i = 0; i < 33000; i++) printf "x" }')
    spec_error err_size "{$d, \"records\": [{}, {\"data\": [\"$big\"]}]}" \
        'records[1]: event does not fit into one 65536 byte chunk'
}

build_tools
test_basic
test_big_strings
test_many
test_chunk_limit
test_damage
test_recovered
test_empty
test_spec_errors

if [ "$FAILURES" -ne 0 ]; then
    echo "$FAILURES check(s) failed"
    exit 1
fi
echo "all checks passed"
