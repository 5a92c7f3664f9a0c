#!/bin/sh
# Runs one libFuzzer target for a fixed time on a scratch copy of the seed corpus.
#
#   tests/fuzz/run-smoke.sh <fuzzer-binary> [seconds] [corpus-dir]
#
# seconds defaults to 30; corpus-dir to tests/fuzz/corpus (its files, not its subdirectories,
# which hold the seeds of the other targets).
#
# Exits non-zero when the fuzzer finds a crash, a leak or a timeout; the scratch directory
# (inputs found and the crash artifact) is then kept and its path printed.
set -eu

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
    echo "usage: $0 <fuzzer-binary> [seconds] [corpus-dir]" >&2
    exit 2
fi
fuzzer=$1
seconds=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
corpus=${3:-$here/corpus}

work=$(mktemp -d "${TMPDIR:-/tmp}/eddy-fuzz.XXXXXX")
mkdir "$work/corpus"
find "$corpus" -maxdepth 1 -type f -exec cp {} "$work/corpus/" \;

status=0
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/" "$work/corpus" >"$work/fuzz.log" 2>&1 || status=$?

# The last lines carry libFuzzer's final stats (execs, seconds, coverage).
grep -E '^(stat::|Done|#[0-9]+.*DONE)' "$work/fuzz.log" || true

if [ "$status" -ne 0 ]; then
    tail -n 60 "$work/fuzz.log" >&2
    echo "fuzzer $(basename "$fuzzer") failed (exit $status); inputs and log kept in $work" >&2
    exit 1
fi
rm -rf "$work"
