#!/usr/bin/env bash
# clang-tidy over eddy's own sources with the repository's .clang-tidy; any finding fails.
#
#   scripts/run-tidy.sh [file-regex]     # default: everything under src/ programs/ tests/ benchmarks/
#
# Needs a compile_commands.json: it uses the first existing build tree among build/asan-ubsan,
# build/tsan, build/release, build/debug (clang builds first, they match clang-tidy's parser);
# with none, it configures the release preset (configure only, nothing is compiled).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v run-clang-tidy >/dev/null || {
    echo "run-tidy: run-clang-tidy not found (Debian package clang-tidy); run scripts/install-deps.sh" >&2
    exit 1
}
build=
for preset in asan-ubsan tsan release debug; do
    if [[ -f build/$preset/compile_commands.json ]]; then
        build=build/$preset
        break
    fi
done
if [[ -z $build ]]; then
    cmake --preset release >/dev/null
    build=build/release
fi
regex=${1:-"$PWD/(src|programs|tests|benchmarks)/"}
echo "run-tidy: $(clang-tidy --version | grep -i version | head -1) on $build, files matching $regex"
# run-clang-tidy 14 has no -warnings-as-errors: keep its output and count our own findings.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
run-clang-tidy -p "$build" -quiet -j "$(nproc)" "$regex" 2>&1 | tee "$log" || status=$?
findings=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E "^$PWD/.*: (warning|error):" | sort -u || true)
if [[ -n $findings ]]; then
    echo
    echo "run-tidy: $(wc -l <<<"$findings") finding(s):"
    echo "$findings"
    exit 1
fi
if ((status != 0)); then
    echo "run-tidy: clang-tidy failed (exit $status)" >&2
    exit "$status"
fi
echo "run-tidy: no findings"
