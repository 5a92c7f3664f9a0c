#!/usr/bin/env bash
# The whole test run behind `make test` and .ci/run. Stages, in order:
#
#   deps        scripts/install-deps.sh
#   format      scripts/check-format.sh (clang-format drift fails)
#   includes    scripts/check-includes.sh (an include across a layer boundary fails)
#   release     gcc RelWithDebInfo: configure, build, ctest      (CMake preset "release")
#   asan-ubsan  clang ASan+UBSan + fuzzers: configure, build, ctest (preset "asan-ubsan")
#   tsan        clang TSan: configure, build, ctest               (preset "tsan")
#   tidy        scripts/run-tidy.sh --changed: clang-tidy on the sources changed since the
#               base that script describes (EDDY_TIDY_BASE=all: every source); any finding fails
#   fuzz        tests/fuzz/run-smoke.sh on each asan-ubsan libFuzzer target (MCBP frames,
#               SASL, sub-document, xattrs, collections), 80 s split between them
#
#   scripts/run-tests.sh                 # every stage
#   scripts/run-tests.sh format release  # just these, in the order given
#
# Every stage runs even when an earlier one failed; each stage's output also goes to
# build/logs/<stage>.log. The last lines are one summary line per stage and then exactly
# "N passed, N failed". Exit status 0 only when every stage passed.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

readonly all_stages=(deps format includes release asan-ubsan tsan tidy fuzz)
# Each libFuzzer target and its seed corpus; the fuzz stage's time is split between them.
readonly fuzz_targets=(eddy_fuzz_frames:tests/fuzz/corpus eddy_fuzz_sasl:tests/fuzz/corpus/sasl
    eddy_fuzz_subdoc:tests/fuzz/corpus/subdoc eddy_fuzz_xattr:tests/fuzz/corpus/xattr
    eddy_fuzz_collections:tests/fuzz/corpus/collections)
readonly fuzz_seconds=${EDDY_FUZZ_SECONDS:-80}
logs=$repo/build/logs

stages=("$@")
if ((${#stages[@]} == 0)); then
    stages=("${all_stages[@]}")
fi
for stage in "${stages[@]}"; do
    if [[ " ${all_stages[*]} " != *" $stage "* ]]; then
        echo "run-tests: unknown stage '$stage' (stages: ${all_stages[*]})" >&2
        exit 2
    fi
done

# The sanitizer settings of the CMake test presets, also for the fuzz stage.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$repo/tests/tsan-suppressions.txt}

preset_stage() {
    local preset=$1
    cmake --preset "$preset" &&
        cmake --build --preset "$preset" &&
        ctest --preset "$preset"
}

fuzz_stage() {
    if [[ ! -x tests/fuzz/run-smoke.sh ]]; then
        echo "FAIL: tests/fuzz/run-smoke.sh is missing or not executable; the fuzz smoke stage cannot run"
        return 1
    fi
    local seconds=$((fuzz_seconds / ${#fuzz_targets[@]})) entry target status=0
    ((seconds > 0)) || seconds=1
    for entry in "${fuzz_targets[@]}"; do
        target=build/asan-ubsan/tests/fuzz/${entry%%:*}
        if [[ ! -x $target ]]; then
            echo "FAIL: $target was not built (the asan-ubsan stage builds it)"
            status=1
            continue
        fi
        tests/fuzz/run-smoke.sh "$target" "$seconds" "${entry#*:}" || status=1
    done
    return "$status"
}

run_stage() {
    local stage=$1
    case $stage in
    deps) scripts/install-deps.sh ;;
    format) scripts/check-format.sh ;;
    includes) scripts/check-includes.sh ;;
    tidy) scripts/run-tidy.sh --changed ;;
    release | asan-ubsan | tsan) preset_stage "$stage" ;;
    fuzz) fuzz_stage ;;
    esac
}

mkdir -p "$logs"
summary=()
passed=0
failed=0
for stage in "${stages[@]}"; do
    echo
    echo "======== stage $stage ========"
    start=$SECONDS
    run_stage "$stage" 2>&1 | tee "$logs/$stage.log"
    status=${PIPESTATUS[0]}
    elapsed=$((SECONDS - start))
    if ((status == 0)); then
        passed=$((passed + 1))
        summary+=("$(printf 'PASS  %-11s %5ds' "$stage" "$elapsed")")
    else
        failed=$((failed + 1))
        summary+=("$(printf 'FAIL  %-11s %5ds  exit %d, log: build/logs/%s.log' \
            "$stage" "$elapsed" "$status" "$stage")")
    fi
    echo "======== stage $stage: $( ((status == 0)) && echo passed || echo FAILED) in ${elapsed}s ========"
done

echo
echo "======== summary ========"
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
((failed == 0))
