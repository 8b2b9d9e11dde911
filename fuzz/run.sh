#!/bin/sh
# fuzz/run.sh - build crashsig's libFuzzer targets and run them.
#
#   fuzz/run.sh TARGET SECONDS     run one target (dotnet_crash, app_error, catalog, scan, ...)
#   fuzz/run.sh all SECONDS        run every target in turn, SECONDS each
#   fuzz/run.sh build              only build the targets
#   fuzz/run.sh list               the targets
#
# Targets are fuzz/fuzz_TARGET.c.  They are built with clang -fsanitize=fuzzer,address,undefined
# into $FUZZ_BUILD (default build-fuzz/), against crashsig_lib built the same way.  Each run starts
# from its corpus in $FUZZ_WORK/corpus/TARGET (kept between runs), the seeds made from
# fixtures/ (and ../shared/corpus/evtx-samples/ when present), and fuzz/regressions/TARGET/.
# A finding is saved in $FUZZ_WORK/artifacts/TARGET/; copy it into fuzz/regressions/TARGET/
# once fixed, where ctest replays it (docs/robustness.md).
#
# Exit status: 0 when every run ended without a finding, 1 on a finding, 2 on a usage or
# build error.  The last line of each run states runs, exec/s, coverage (cov, ft) and corpus.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${FUZZ_BUILD:-$ROOT/build-fuzz}
WORK=${FUZZ_WORK:-$BUILD/work}
CC=${FUZZ_CC:-clang}
CORPUS_DIR=$ROOT/../shared/corpus/evtx-samples

# Whole-file inputs are cut to a header and two chunks (scan) or four (prefilter, which is
# fast): libFuzzer mutates small inputs much faster, and a header plus a chunk boundary
# reaches every code path of the reader.
SCAN_MAX_LEN=135168
PREFILTER_MAX_LEN=266240

targets() {
    for f in "$ROOT"/fuzz/fuzz_*.c; do
        basename "$f" .c | sed 's/^fuzz_//'
    done
}

die() {
    echo "fuzz/run.sh: $*" >&2
    exit 2
}

# Builds crashsig_lib with the fuzzing instrumentation through the project's own CMake (so the
# source list and dependencies are the real ones), then each target against it.  A compiler
# launcher adds -Wno-error: a warning only clang gives must not stop a fuzzing run.
build() {
    command -v "$CC" >/dev/null || die "$CC not found (Debian: clang libclang-rt-14-dev)"
    PKG_CFLAGS=$(pkg-config --cflags libevtx libbfio libcjson) || die "pkg-config: libevtx, libcjson"
    PKG_LIBS=$(pkg-config --libs libevtx libbfio libcjson)
    SAN="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
    mkdir -p "$BUILD/cmake"
    printf '#!/bin/sh\nexec "$@" -Wno-error\n' >"$BUILD/no-werror"
    chmod +x "$BUILD/no-werror"
    cmake -S "$ROOT" -B "$BUILD/cmake" -DCMAKE_C_COMPILER="$CC" -DCRASHSIG_TESTS=OFF \
        -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER_LAUNCHER="$BUILD/no-werror" \
        -DCMAKE_C_FLAGS="$SAN -fsanitize=fuzzer-no-link" >/dev/null ||
        die "cmake cannot configure the fuzzing build"
    cmake --build "$BUILD/cmake" --target crashsig_lib -j "$(nproc 2>/dev/null || echo 2)" \
        >"$BUILD/cmake.log" 2>&1 || {
        tail -n 20 "$BUILD/cmake.log" >&2
        die "crashsig_lib does not build"
    }
    lib=$BUILD/cmake/libcrashsig.a
    for t in $(targets); do
        out=$BUILD/fuzz_$t
        if [ -f "$out" ] && [ -z "$(find "$ROOT"/fuzz/*.[ch] "$lib" -newer "$out" | head -n 1)" ]; then
            continue
        fi
        # shellcheck disable=SC2086
        $CC -std=c11 $SAN -fsanitize=fuzzer -D_POSIX_C_SOURCE=200809L -Wall -Wextra \
            -I"$ROOT/include" -I"$ROOT/src" -I"$ROOT/fuzz" $PKG_CFLAGS "$ROOT/fuzz/fuzz_$t.c" \
            "$lib" $PKG_LIBS -o "$out" || die "fuzz_$t does not build"
    done
    # shellcheck disable=SC2086
    cc -std=c11 -O1 -D_POSIX_C_SOURCE=200809L $PKG_CFLAGS "$ROOT/fuzz/make_seeds.c" \
        $PKG_LIBS -o "$BUILD/make_seeds" || die "make_seeds does not build"
}

# Seeds for TARGET, rebuilt for every run into a fresh folder: fixture event texts for the
# parsers, the catalog for the loader, the fixture logs and the head of every corpus log for
# the whole-file targets.
make_seeds() { # TARGET
    seeds=$WORK/seeds/$1
    rm -rf "$seeds" "$seeds.tmp"
    mkdir -p "$seeds.tmp/$1" "$seeds.tmp/dotnet_crash" "$seeds.tmp/app_error"
    case $1 in
    dotnet_crash | app_error)
        "$BUILD/make_seeds" "$seeds.tmp" "$ROOT"/fixtures/*.json
        ;;
    catalog)
        cp "$ROOT/signatures/catalog.json" "$seeds.tmp/$1/"
        ;;
    scan | prefilter)
        max=$SCAN_MAX_LEN
        [ "$1" = prefilter ] && max=$PREFILTER_MAX_LEN
        for f in "$ROOT"/fixtures/*.evtx "$CORPUS_DIR"/*.evtx; do
            [ -f "$f" ] || continue
            head -c "$max" "$f" >"$seeds.tmp/$1/$(basename "$f")"
        done
        ;;
    esac
    mv "$seeds.tmp/$1" "$seeds"
    rm -rf "$seeds.tmp"
}

# Two runs may start at once (one per core): the build is serialised.
locked_build() {
    mkdir -p "$BUILD"
    if command -v flock >/dev/null; then
        (
            flock 9
            build
        ) 9>"$BUILD/.lock"
    else
        build
    fi
}

# Prints one summary line from a libFuzzer log.
summarize() { # TARGET SECONDS LOG STATUS
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$3" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$3" | tail -n 1)
    last=$(grep -E '^#[0-9]+' "$3" | tail -n 1)
    cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
    verdict=ok
    [ "$4" -ne 0 ] && verdict="FINDING (status $4; see $3 and $WORK/artifacts/$1/)"
    echo "fuzz $1: ${2}s, ${runs:-?} runs, ${speed:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}: $verdict"
}

run() { # TARGET SECONDS
    t=$1
    bin=$BUILD/fuzz_$t
    [ -x "$bin" ] || die "no target '$t' (try: fuzz/run.sh list)"
    mkdir -p "$WORK/corpus/$t" "$WORK/artifacts/$t" "$WORK/logs" "$ROOT/fuzz/regressions/$t"
    max_len=65536
    [ "$t" = scan ] && max_len=$SCAN_MAX_LEN
    [ "$t" = prefilter ] && max_len=$PREFILTER_MAX_LEN
    dict=
    [ -f "$ROOT/fuzz/dict/$t.dict" ] && dict="-dict=$ROOT/fuzz/dict/$t.dict"
    log=$WORK/logs/$t.log
    status=0
    # shellcheck disable=SC2086
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
        LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp} \
        "$bin" -max_total_time="$2" -timeout=10 -rss_limit_mb=2048 -max_len=$max_len \
        -print_final_stats=1 -artifact_prefix="$WORK/artifacts/$t/" $dict \
        "$WORK/corpus/$t" "$WORK/seeds/$t" "$ROOT/fuzz/regressions/$t" >"$log" 2>&1 || status=$?
    summarize "$t" "$2" "$log" "$status"
    return "$status"
}

case "${1:-}" in
list)
    targets
    ;;
build)
    locked_build
    ;;
all)
    [ $# -eq 2 ] || die "usage: fuzz/run.sh all SECONDS"
    locked_build
    failed=0
    for t in $(targets); do
        make_seeds "$t"
        run "$t" "$2" || failed=1
    done
    exit $failed
    ;;
"" | -h | --help)
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
*)
    [ $# -eq 2 ] || die "usage: fuzz/run.sh TARGET SECONDS"
    locked_build
    make_seeds "$1"
    run "$1" "$2" || exit 1
    ;;
esac
