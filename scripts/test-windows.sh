#!/bin/sh
# test-windows.sh - run the Windows build under Wine and compare it with the Linux build:
#
#   scripts/test-windows.sh [LINUX_CRASHSIG]
#
# Needs dist/crashsig.exe and build-windows/tests/test_*.exe (scripts/build-windows.sh) and the Linux
# binary (default build/crashsig, from ./dev build).  Installs wine64 and jq when missing and
# creates a Wine prefix once, under ${CRASHSIG_DEPS_CACHE:-~/.cache/crashsig}/wine.
#
# What it checks (each line of output is one check, PASS or FAIL):
#   - crashsig.exe imports only KERNEL32.dll and msvcrt.dll
#   - --help, --version, signatures and explain print the same bytes as on Linux
#   - every fixture, with every argument list its spec's "expect" runs use, in every report
#     format the build has (text, json; jsonl, junit, sarif): the same bytes and exit status as
#     Linux once Windows paths are written with '/' (fixtures\NAME.evtx on Windows,
#     fixtures/NAME.evtx on Linux); also with forward slashes, options after the path, an
#     absolute Z:\ path, the fixtures folder as a directory scan, --no-prefilter, --jobs 1 and
#     --jobs 2 (every scan runs its tasks in child crashsig.exe processes)
#   - worker isolation, in a folder whose name is not ASCII: a child that crashes (an access
#     violation, CRASHSIG_TEST_WORKER_FAULT=crash:TEXT) or hangs (hang:TEXT, with
#     CRASHSIG_WORKER_TIMEOUT=2) costs its input only, reported as such, in bounded time
#   - --state (when the build has it) in a non-ASCII folder, over two runs
#   - Windows paths with a drive letter, spaces and non-ASCII letters (C:\Logs\Überwachung\
#     Application.evtx, C:\Logs\IIS Logs ログ\...): the report matches Linux, the paths come
#     back intact, a directory scan finds both, --output replaces an existing report there,
#     an --output that is an input is refused however it is spelled
#   - bad inputs: missing file, a directory named x.evtx, a file that is not a log
#   - --live Application: Wine's EvtExportLog is a stub, so exit 2 with error 120 named, and
#     nothing left in the temporary folder
#   - the platform layer and live-export tests (test_platform.exe, test_live_export.exe)
# Exit status 0 when every check passed.
set -eu

cd "$(dirname "$0")/.."
ROOT=$PWD
LINUX=${1:-$ROOT/build/crashsig}
EXE=$ROOT/dist/crashsig.exe
WINBUILD=${CRASHSIG_WIN_BUILD:-$ROOT/build-windows}
CACHE=${CRASHSIG_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/crashsig}
TRIPLE=x86_64-w64-mingw32

export WINEPREFIX="$CACHE/wine"
export WINEDEBUG=-all                  # no fixme: lines on stderr
export WINEDLLOVERRIDES="mscoree,mshtml=" # never offer to install Mono or Gecko
export LC_ALL=C.UTF-8                  # Wine turns the UTF-8 command line into UTF-16
unset DISPLAY                          # headless

WORK=$(mktemp -d "${TMPDIR:-/tmp}/crashsig-wine.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

# printf, not echo: dash's echo would turn the \t of C:\tmp into a tab
say() { printf 'test-windows: %s\n' "$*" >&2; }
pass() { passed=$((passed + 1)); printf 'PASS %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$*"; }

install_missing() {
    missing=""
    for p in wine64 jq; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    say "installing$missing"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        $missing >&2
}

find_wine() {
    WINE=$(command -v wine64 || echo /usr/lib/wine/wine64)
    WINESERVER=$(command -v wineserver || echo /usr/lib/wine/wineserver)
    [ -x "$WINE" ] || { say "wine64 not found"; exit 1; }
}

# The prefix is made once (about 10 s); without it Wine's first start prints to stderr.
make_prefix() {
    mkdir -p "$CACHE"
    (
        flock 9
        if [ ! -f "$WINEPREFIX/.complete" ]; then
            say "creating the Wine prefix $WINEPREFIX"
            rm -rf "$WINEPREFIX"
            "$WINE" wineboot -i >"$WORK/wineboot.log" 2>&1 || true
            "$WINESERVER" -w
            [ -d "$WINEPREFIX/drive_c" ] || { cat "$WORK/wineboot.log" >&2; exit 1; }
            touch "$WINEPREFIX/.complete"
        fi
    ) 9>"$CACHE/.wine.lock"
}

# run OUT ERR CMD... : stdout to OUT, stderr to ERR, prints the exit status.
run() {
    out=$1 err=$2
    shift 2
    status=0
    "$@" >"$out" 2>"$err" || status=$?
    echo "$status"
}

# Writes the fixture paths of a Windows report with '/': fixtures\NAME.evtx as JSON escapes
# it, and fixtures\NAME.evtx as text and XML print it.  Nothing else differs.
unwin() {
    sed -e 's#fixtures\\\\#fixtures/#g' -e 's#fixtures\\#fixtures/#g' "$1"
}

# Every "path" and "file" value with '/' (for absolute paths).
unwin_json() {
    sed -E '/"(path|file)":/ s#\\\\#/#g' "$1"
}

# The report formats this crashsig knows (text and json always; jsonl, junit, sarif when
# --help lists them), and whether it has an option.
formats() {
    "$LINUX" --help | grep -q 'sarif' && echo "json text jsonl junit sarif" || echo "json text"
}
has_option() {
    "$LINUX" --help | grep -q -- "$1"
}

same() { # name linux-file windows-file
    if cmp -s "$2" "$3"; then pass "$1"; else
        fail "$1"
        diff "$2" "$3" | head -10
    fi
}

check_imports() {
    dlls=$($TRIPLE-objdump -p "$EXE" | sed -n 's/^[[:space:]]*DLL Name: //p' | sort -u | tr '\n' ' ')
    if [ "$dlls" = "KERNEL32.dll msvcrt.dll " ]; then pass "imports: $dlls"; else
        fail "imports: $dlls"
    fi
}

check_same_output() { # name args...
    name=$1
    shift
    ls=$(run "$WORK/l.out" "$WORK/l.err" "$LINUX" "$@")
    ws=$(run "$WORK/w.out" "$WORK/w.err" "$WINE" "$EXE" "$@")
    if [ "$ls" = "$ws" ]; then same "$name (exit $ls)" "$WORK/l.out" "$WORK/w.out"; else
        fail "$name: exit $ls on Linux, $ws on Windows"
        head -3 "$WORK/w.err"
    fi
}

# One fixture with one argument list, in every report format: Linux gets fixtures/NAME.evtx,
# Windows fixtures\NAME.evtx.
check_fixture() { # name args (one string, shell-quoted by jq)
    name=$1 args=$2
    for format in $FORMATS; do
        eval "set -- $args"
        ls=$(run "$WORK/l.out" "$WORK/l.err" "$LINUX" scan --format $format "$@" \
            "fixtures/$name.evtx")
        ws=$(run "$WORK/w.raw" "$WORK/w.err" "$WINE" "$EXE" scan --format $format "$@" \
            "fixtures\\$name.evtx")
        unwin "$WORK/w.raw" >"$WORK/w.out"
        label="$name $format${args:+ $args}"
        if [ "$ls" != "$ws" ]; then
            fail "$label: exit $ls on Linux, $ws on Windows"
            head -3 "$WORK/w.err"
        else
            same "$label (exit $ls)" "$WORK/l.out" "$WORK/w.out"
        fi
    done
}

check_fixtures() {
    for spec in fixtures/*.json; do
        name=$(basename "$spec" .json)
        [ -f "fixtures/$name.evtx" ] || continue
        jq -r '(.expect // [{"args": []}])[] | .args | @sh' "$spec" | sort -u >"$WORK/args"
        while IFS= read -r args; do
            check_fixture "$name" "$args"
        done <"$WORK/args"
    done
    # forward slashes, options after the path (mingw's getopt_long permutes as glibc's does),
    # an absolute Z: path and a directory scan give the same report
    "$LINUX" scan --format json fixtures/demo.evtx >"$WORK/l.out" || true
    "$WINE" "$EXE" scan --format json fixtures/demo.evtx >"$WORK/w.out" || true
    same "demo json, fixtures/demo.evtx on Windows" "$WORK/l.out" "$WORK/w.out"
    "$WINE" "$EXE" scan 'fixtures\demo.evtx' --format json >"$WORK/w.raw" || true
    unwin "$WORK/w.raw" >"$WORK/w.out"
    same "demo json, options after the path" "$WORK/l.out" "$WORK/w.out"
    zpath="Z:$(echo "$ROOT/fixtures/demo.evtx" | tr / '\\')"
    "$LINUX" scan --format json "$ROOT/fixtures/demo.evtx" >"$WORK/l.out" || true
    "$WINE" "$EXE" scan --format json "$zpath" >"$WORK/w.raw" || true
    unwin_json "$WORK/w.raw" | sed "s#Z:$ROOT#$ROOT#" >"$WORK/w.out"
    same "demo json, $zpath" "$WORK/l.out" "$WORK/w.out"
    ls=$(run "$WORK/l.out" "$WORK/l.err" "$LINUX" scan --format json fixtures)
    ws=$(run "$WORK/w.raw" "$WORK/w.err" "$WINE" "$EXE" scan --format json fixtures)
    unwin "$WORK/w.raw" >"$WORK/w.out"
    if [ "$ls" = "$ws" ]; then same "directory scan of fixtures (exit $ls)" "$WORK/l.out" \
        "$WORK/w.out"; else fail "directory scan of fixtures: exit $ls and $ws"; fi
}

# Windows paths with a drive letter, spaces and non-ASCII letters.
check_odd_paths() {
    logs="$WINEPREFIX/drive_c/Logs"
    rm -rf "$logs"
    mkdir -p "$logs/Überwachung" "$logs/IIS Logs ログ"
    cp fixtures/demo.evtx "$logs/Überwachung/Application.evtx"
    cp fixtures/pairing.evtx "$logs/IIS Logs ログ/Application.evtx"
    blank='s#^([[:space:]]*"(path|file)":[[:space:]]*)".*"#\1"-"#'

    "$LINUX" scan --format json fixtures/demo.evtx | sed -E "$blank" >"$WORK/l.out" || true
    ws=$(run "$WORK/w.raw" "$WORK/w.err" "$WINE" "$EXE" scan --format json \
        'C:\Logs\Überwachung\Application.evtx')
    sed -E "$blank" "$WORK/w.raw" >"$WORK/w.out"
    same "C:\\Logs\\Überwachung\\Application.evtx (exit $ws)" "$WORK/l.out" "$WORK/w.out"
    if grep -qF '"path":	"C:\\Logs\\Überwachung\\Application.evtx"' "$WORK/w.raw"; then
        pass "the report names C:\\Logs\\Überwachung\\Application.evtx in UTF-8"
    else
        fail "the report does not name C:\\Logs\\Überwachung\\Application.evtx"
    fi

    ws=$(run "$WORK/w.raw" "$WORK/w.err" "$WINE" "$EXE" scan --format json 'C:\Logs')
    paths=$(jq -r '.inputs[].path' "$WORK/w.raw" | tr '\n' '|')
    if [ "$paths" = 'C:\Logs\IIS Logs ログ\Application.evtx|C:\Logs\Überwachung\Application.evtx|' ]
    then pass "directory scan of C:\\Logs finds both logs, in order (exit $ws)"; else
        fail "directory scan of C:\\Logs: $paths"
    fi

    report='C:\Logs\IIS Logs ログ\report ログ.json'
    printf 'old report\n' >"$logs/IIS Logs ログ/report ログ.json"
    for _ in 1 2; do # twice: the second run replaces an existing report
        "$WINE" "$EXE" scan --format json --output "$report" 'C:\Logs\Überwachung' || true
    done
    "$WINE" "$EXE" scan --format json 'C:\Logs\Überwachung' >"$WORK/w.out" || true
    leftovers=$(find "$logs" -name '*.tmp*' | wc -l)
    if cmp -s "$WORK/w.out" "$logs/IIS Logs ログ/report ログ.json" && [ "$leftovers" -eq 0 ]
    then pass "--output replaces an existing report at $report"; else
        fail "--output at $report ($leftovers temporary files left)"
    fi

    ws=$(run "$WORK/w.out" "$WORK/w.err" "$WINE" "$EXE" scan --output \
        'c:/LOGS/Überwachung/application.EVTX' 'C:\Logs\Überwachung\Application.evtx')
    if [ "$ws" = 2 ] && grep -q "is one of the inputs" "$WORK/w.err"; then
        pass "--output naming an input in another spelling is refused (exit 2)"
    else
        fail "--output naming an input: exit $ws, $(head -1 "$WORK/w.err")"
    fi
}

# The scan paths: every record parsed, one worker, two at once.
check_scan_paths() {
    for options in "--no-prefilter" "--jobs 1" "--jobs 2"; do
        has_option "${options%% *}" || continue
        ls=$(run "$WORK/l.out" "$WORK/l.err" "$LINUX" scan --format json $options fixtures)
        ws=$(run "$WORK/w.raw" "$WORK/w.err" "$WINE" "$EXE" scan --format json $options fixtures)
        unwin "$WORK/w.raw" >"$WORK/w.out"
        if [ "$ls" = "$ws" ]; then same "fixtures with $options (exit $ls)" "$WORK/l.out" \
            "$WORK/w.out"; else fail "fixtures with $options: exit $ls and $ws"; fi
    done
}

# Three copies of demo.evtx in DIR, the middle one's name holding "victim" (as in
# tests/test_workers.c), in a folder and with a name that are not ASCII.
make_worker_inputs() { # dir
    rm -rf "$1"
    mkdir -p "$1"
    for name in "a Ü.evtx" b-victim.evtx c.evtx; do cp fixtures/demo.evtx "$1/$name"; done
}

# One scan of C:\Workers ログ with a worker fault: exit 2, the victim an error with message,
# the other two read in full (as many events kept as the Linux build keeps of demo.evtx),
# demo.evtx's incidents reported once (the copies hold the same ones), and done in well under
# the 30 s a missed stall limit would take.
check_isolated() { # fault options message
    fault=$1 options=$2 message=$3
    start=$(date +%s)
    ws=$(run "$WORK/w.out" "$WORK/w.err" env CRASHSIG_TEST_WORKER_FAULT="$fault" \
        CRASHSIG_WORKER_TIMEOUT=2 "$WINE" "$EXE" scan --format json $options 'C:\Workers ログ')
    seconds=$(($(date +%s) - start))
    inputs=$(jq -r '[.inputs[] | "\(.path | split("\\") | last)=\(.status) \(.events_kept)" +
        " \(.error // "")"] | join("|")' "$WORK/w.out" 2>/dev/null || echo "no report")
    incidents=$(jq '.incidents | length' "$WORK/w.out" 2>/dev/null || echo 0)
    "$LINUX" scan --format json fixtures/demo.evtx >"$WORK/demo.json" 2>/dev/null || true
    kept=$(jq '.inputs[0].events_kept' "$WORK/demo.json")
    demo_incidents=$(jq '.incidents | length' "$WORK/demo.json")
    expected="a Ü.evtx=ok $kept |b-victim.evtx=error 0 $message|c.evtx=ok $kept "
    if [ "$ws" = 2 ] && [ "$inputs" = "$expected" ] && [ "$incidents" = "$demo_incidents" ] &&
        [ "$seconds" -lt 30 ]; then
        pass "$fault $options: exit 2, '$message', the others read ($seconds s)"
    else
        fail "$fault $options: exit $ws, $incidents incidents, $seconds s, inputs $inputs"
        head -3 "$WORK/w.err"
    fi
}

# Workers are child crashsig.exe processes: the same report as Linux through them, and a crash
# or a hang in one costs that input only.
check_workers() {
    make_worker_inputs "$WINEPREFIX/drive_c/Workers ログ"
    make_worker_inputs "$WORK/Workers ログ"
    blank='s#^([[:space:]]*"(path|file)":[[:space:]]*)".*"#\1"-"#'
    ls=$(run "$WORK/l.raw" "$WORK/l.err" "$LINUX" scan --format json --jobs 2 "$WORK/Workers ログ")
    ws=$(run "$WORK/w.raw" "$WORK/w.err" "$WINE" "$EXE" scan --format json --jobs 2 \
        'C:\Workers ログ')
    sed -E "$blank" "$WORK/l.raw" >"$WORK/l.out"
    sed -E "$blank" "$WORK/w.raw" >"$WORK/w.out"
    if [ "$ls" = "$ws" ]; then same "C:\\Workers ログ with --jobs 2 (exit $ws)" "$WORK/l.out" \
        "$WORK/w.out"; else fail "C:\\Workers ログ with --jobs 2: exit $ls and $ws"; fi
    chunk="while reading chunks 0-0" file="while reading the file"
    check_isolated crash:victim "--jobs 2" "libevtx crashed (exception 0xc0000005) $chunk"
    check_isolated crash:victim "--jobs 1 --no-prefilter" \
        "libevtx crashed (exception 0xc0000005) $file"
    check_isolated hang:victim "--jobs 2" "libevtx hung $chunk (no progress for 2 s; stopped)"
    check_isolated hang:victim "--jobs 3 --no-prefilter" \
        "libevtx hung $file (no progress for 2 s; stopped)"
}

# --state in a non-ASCII folder: the second run over the same log reports nothing new, the
# state file is replaced atomically and its lock works on Windows.
check_state() {
    has_option "--state" || return 0
    state='C:\Logs\IIS Logs ログ\state ログ.json'
    rm -f "$WINEPREFIX/drive_c/Logs/IIS Logs ログ/state ログ.json"*
    w1=$(run "$WORK/w1.out" "$WORK/w.err" "$WINE" "$EXE" scan --state "$state" --format jsonl \
        'C:\Logs\Überwachung')
    w2=$(run "$WORK/w2.out" "$WORK/w.err" "$WINE" "$EXE" scan --state "$state" --format jsonl \
        'C:\Logs\Überwachung')
    "$LINUX" scan --format jsonl fixtures/demo.evtx >"$WORK/l.out" || true
    leftovers=$(find "$WINEPREFIX/drive_c/Logs" -name '*.tmp*' | wc -l)
    if [ "$w1" = 1 ] && [ "$w2" = 0 ] && [ "$(wc -l <"$WORK/w1.out")" = "$(wc -l <"$WORK/l.out")" ] &&
        [ ! -s "$WORK/w2.out" ] && [ "$leftovers" -eq 0 ] &&
        [ -s "$WINEPREFIX/drive_c/Logs/IIS Logs ログ/state ログ.json" ]; then
        pass "--state at $state: first run exit 1 with $(wc -l <"$WORK/w1.out") incidents, second exit 0 with none"
    else
        fail "--state at $state: exits $w1 and $w2, $(wc -l <"$WORK/w1.out") and $(wc -l <"$WORK/w2.out") lines, $leftovers temporary files; $(head -1 "$WORK/w.err")"
    fi
}

check_bad_inputs() {
    mkdir -p "$WORK/bad/dir.evtx"
    printf 'not an event log' >"$WORK/bad/text.evtx"
    for what in missing.evtx dir.evtx text.evtx; do
        ls=$(run "$WORK/l.out" "$WORK/l.err" "$LINUX" scan "$WORK/bad/$what")
        wpath="Z:$(echo "$WORK/bad/$what" | tr / '\\')"
        ws=$(run "$WORK/w.out" "$WORK/w.err" "$WINE" "$EXE" scan "$wpath")
        lmsg=$(sed "s#$WORK/bad/#BAD/#" "$WORK/l.err" | head -1)
        wmsg=$(tr -d '\r' <"$WORK/w.err" | sed "s#Z:.*\\\\#BAD/#" | head -1)
        if [ "$ls" = "$ws" ] && [ "$lmsg" = "$wmsg" ]; then pass "$what: exit $ws, $wmsg"; else
            fail "$what: Linux exit $ls '$lmsg', Windows exit $ws '$wmsg'"
        fi
    done
}

check_live() {
    temp="$WINEPREFIX/drive_c/users/$(id -un)/AppData/Local/Temp"
    before=$(find "$WINEPREFIX/drive_c" -maxdepth 6 -name 'crashsig-live-*' 2>/dev/null | wc -l)
    ws=$(run "$WORK/w.out" "$WORK/w.err" "$WINE" "$EXE" scan --live Application --format json)
    after=$(find "$WINEPREFIX/drive_c" -maxdepth 6 -name 'crashsig-live-*' 2>/dev/null | wc -l)
    if [ "$ws" = 2 ] && grep -q "cannot export the Application log: .*(error 120)" "$WORK/w.err" &&
        [ ! -s "$WORK/w.out" ] && [ "$before" = "$after" ]; then
        pass "--live Application under Wine: exit 2, $(tr -d '\r' <"$WORK/w.err" | cut -c1-80)..."
    else
        fail "--live Application: exit $ws, $(cat "$WORK/w.err") ($before -> $after folders in $temp)"
    fi
    ls=$(run "$WORK/l.out" "$WORK/l.err" "$LINUX" scan --live Application)
    if [ "$ls" = 2 ] && grep -q "Windows-only" "$WORK/l.err"; then
        pass "--live Application on Linux: exit 2, Windows-only"
    else
        fail "--live on Linux: exit $ls, $(cat "$WORK/l.err")"
    fi
}

check_unit_test() { # exe args...
    exe=$1
    shift
    if "$WINE" "$WINBUILD/tests/$exe" "$@" >"$WORK/t.out" 2>&1; then
        pass "$exe: $(tail -1 "$WORK/t.out" | tr -d '\r')"
    else
        fail "$exe"
        cat "$WORK/t.out"
    fi
}

check_unit_tests() {
    check_unit_test test_platform.exe "Z:$(echo "$ROOT/fixtures" | tr / '\\')"
    check_unit_test test_live_export.exe --expect-error 120
}

main() {
    [ -f "$EXE" ] || { say "no $EXE: run scripts/build-windows.sh first"; exit 1; }
    [ -x "$LINUX" ] || { say "no Linux binary $LINUX: run ./dev build first"; exit 1; }
    install_missing
    find_wine
    make_prefix
    start=$(date +%s)
    check_imports
    check_same_output "--help" --help
    check_same_output "--version" --version
    check_same_output "signatures" signatures
    check_same_output "explain async-void-threadpool" explain async-void-threadpool
    FORMATS=$(formats)
    check_fixtures
    check_scan_paths
    check_workers
    check_odd_paths
    check_state
    check_bad_inputs
    check_live
    check_unit_tests
    "$WINESERVER" -w # let this prefix's server finish before the caller goes on
    say "$passed passed, $failed failed in $(($(date +%s) - start)) s"
    [ "$failed" -eq 0 ]
}

main "$@"
