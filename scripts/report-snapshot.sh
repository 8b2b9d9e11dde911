#!/bin/sh
# report-snapshot.sh - every report a crashsig binary writes for the fixtures (and the real-log
# corpus when it is beside the repository), one file each with its stderr and exit status, so
# that two binaries can be compared byte for byte after a change that must not alter output:
#
#   scripts/report-snapshot.sh OLD_BINARY /tmp/before
#   scripts/report-snapshot.sh build/crashsig /tmp/after
#   diff -r /tmp/before /tmp/after && echo identical
#
# Build the old binary from a worktree (git worktree add /tmp/old HEAD~1; cmake -S /tmp/old -B
# /tmp/old/build -DCRASHSIG_TESTS=OFF; cmake --build /tmp/old/build --target crashsig).
# Covered: every fixture in every format; a folder; --app/--since filters; --fail-on; a
# baseline (text, SARIF, JUnit); two --state runs; every corpus log as JSON in both read modes.
# The HTML report is left out: it embeds nothing that varies, but it is large.
#
# Exit status: 0 when the snapshot was written, 2 on a usage error.
set -eu

[ $# -eq 2 ] || {
    echo "usage: scripts/report-snapshot.sh BINARY OUTDIR" >&2
    exit 2
}
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=$2
[ -x "$bin" ] || {
    echo "report-snapshot.sh: $1 is not an executable" >&2
    exit 2
}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cd "$repo"

# run NAME ARGS...: stdout in NAME, stderr and the exit status in NAME.err
run() {
    name=$1
    shift
    status=0
    "$bin" "$@" >"$out/$name" 2>"$out/$name.err" || status=$?
    echo "exit $status" >>"$out/$name.err"
}

for f in fixtures/*.evtx; do
    n=$(basename "$f" .evtx)
    for fmt in text json jsonl junit sarif; do
        run "$n.$fmt" scan --format "$fmt" "$f"
    done
done
run folder.json scan --format json fixtures/
run filtered.txt scan --app w3wp.exe --since 2026-03-02T09:20Z fixtures/demo.evtx
run fail-on.json scan --format json --fail-on critical fixtures/demo.evtx
"$bin" scan --write-baseline "$work/baseline.json" fixtures/pairing.evtx >/dev/null 2>&1 || true
for fmt in text sarif junit; do
    run "baseline.$fmt" scan --baseline "$work/baseline.json" --format "$fmt" \
        fixtures/pairing.evtx fixtures/demo.evtx
done
run state-1.json scan --state "$work/state.json" --format json fixtures/demo.evtx
run state-2.txt scan --state "$work/state.json" fixtures/demo.evtx
corpus=${CRASHSIG_CORPUS_DIR:-$repo/../shared/corpus/evtx-samples}
for f in "$corpus"/*.evtx; do
    [ -f "$f" ] || continue
    n=corpus-$(basename "$f" .evtx)
    run "$n.json" scan --format json --fail-on none "$f"
    run "$n.no-prefilter.json" scan --format json --fail-on none --no-prefilter "$f"
done
echo "report-snapshot.sh: $(ls "$out" | wc -l) files in $out"
