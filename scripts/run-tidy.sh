#!/usr/bin/env bash
# clang-tidy (Debian's clang-tidy 14) over eddy's own sources with the repository's .clang-tidy;
# any finding, in a source or in one of our headers it includes, fails.
#
#   scripts/run-tidy.sh                  # every source (what `make tidy` runs)
#   scripts/run-tidy.sh --changed        # only what changed since a base (the `tidy` stage)
#   scripts/run-tidy.sh FILE...          # these sources (a header: the sources that include it)
#
# Which sources --changed analyses. The tree is kept clean under the configured checks, so a
# finding in code a change touches is a new finding. The changed files are those that differ
# between the base and the working tree (commits since the base, staged, unstaged, untracked).
# A changed source is analysed itself; a changed header through every source that includes it,
# directly or through other headers; a change to .clang-tidy analyses everything. The base is
# the first of:
#   1. $EDDY_TIDY_BASE (a commit, branch or tag; "all" analyses everything);
#   2. the merge base with origin/main, then with main, when HEAD is not already on it;
#   3. the commit named in .ci/tidy-base: the main that the current tree's changes were last
#      checked against (CI runs on main itself, where 2 does not apply; whoever lands a change
#      and has analysed it moves this line forward);
#   4. the newest tag reachable from HEAD's parent;
#   5. HEAD's first parent (the last commit; for a merge, everything it merged);
#   6. with none of these (a repository of one commit), everything.
#
# The compilation database is the clang build CI makes: build/asan-ubsan (it also has the
# fuzzer) or build/tsan; with neither, the tsan preset is configured (nothing is compiled: no
# source is generated). Sources that build only with gcc (benchmarks/, off in the sanitizer
# presets) are taken from build/release or build/debug when one of them is configured.
#
# Environment: EDDY_TIDY_JOBS (parallel clang-tidy processes, default: the number of cores),
# EDDY_TIDY_BASE (above), EDDY_TIDY_LIST=1 (print the sources it would analyse, analyse none),
# EDDY_TIDY_DIR (its working directory, default build/tidy: the merged database, and per-source
# logs in logs/).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

tidy=${CLANG_TIDY:-clang-tidy}
command -v "$tidy" >/dev/null || {
    echo "run-tidy: $tidy not found (Debian package clang-tidy); run scripts/install-deps.sh" >&2
    exit 1
}
jobs=${EDDY_TIDY_JOBS:-$(nproc)}

mode=all
files=()
case ${1:-} in
--changed) mode=changed ;;
--all | '') mode=all ;;
-*)
    echo "usage: scripts/run-tidy.sh [--changed | --all | FILE...]" >&2
    exit 2
    ;;
*)
    mode=files
    files=("$@")
    ;;
esac

# The compilation database: the clang build's, completed with the gcc-only sources.
primary=
for preset in asan-ubsan tsan; do
    if [[ -f build/$preset/compile_commands.json ]]; then
        primary=build/$preset
        break
    fi
done
if [[ -z $primary ]]; then
    echo "run-tidy: no clang build configured; configuring the tsan preset"
    cmake --preset tsan >/dev/null
    primary=build/tsan
fi
extra=()
for preset in release debug; do
    if [[ -f build/$preset/compile_commands.json ]]; then
        extra+=("build/$preset")
        break
    fi
done

work=${EDDY_TIDY_DIR:-build/tidy}
rm -rf "$work/logs"
mkdir -p "$work/logs"

# Merges the databases and prints the sources to analyse, one per line (absolute paths).
base=
if [[ $mode == changed ]]; then
    base=${EDDY_TIDY_BASE:-}
    if [[ -z $base ]]; then
        for candidate in origin/main main; do
            if git rev-parse -q --verify "$candidate^{commit}" >/dev/null; then
                fork=$(git merge-base HEAD "$candidate" 2>/dev/null || true)
                if [[ -n $fork && $fork != "$(git rev-parse HEAD)" ]]; then
                    base=$fork
                    echo "run-tidy: base: the merge base with $candidate (${fork:0:12})"
                    break
                fi
            fi
        done
    fi
    if [[ -z $base && -f $repo/.ci/tidy-base ]]; then
        recorded=$(grep -v '^#' "$repo/.ci/tidy-base" | head -1 | tr -d '[:space:]')
        if [[ -n $recorded ]] && git rev-parse -q --verify "$recorded^{commit}" >/dev/null; then
            base=$recorded
            echo "run-tidy: base: .ci/tidy-base (${base:0:12})"
        else
            echo "run-tidy: .ci/tidy-base names no commit of this repository; ignored"
        fi
    fi
    if [[ -z $base ]] && tag=$(git describe --tags --abbrev=0 HEAD^ 2>/dev/null); then
        base=$tag
        echo "run-tidy: base: the newest tag, $tag"
    fi
    if [[ -z $base ]] && git rev-parse -q --verify 'HEAD^' >/dev/null; then
        base=$(git rev-parse 'HEAD^')
        echo "run-tidy: base: HEAD's first parent (${base:0:12})"
    fi
    if [[ -z $base ]]; then
        base=all
        echo "run-tidy: no base found: everything"
    elif [[ -n ${EDDY_TIDY_BASE:-} ]]; then
        echo "run-tidy: base: EDDY_TIDY_BASE=$base"
    fi
    if [[ $base != all ]]; then
        {
            git diff --name-only "$base" --
            git ls-files --others --exclude-standard
        } | sort -u >"$work/changed.txt"
    fi
fi

mapfile -t sources < <(python3 - "$repo" "$work" "$mode" "$base" "$primary" "${extra[@]}" \
    -- "${files[@]}" <<'PYTHON'
import json, os, re, sys

repo, work, mode, base, primary = sys.argv[1:6]
rest = sys.argv[6:]
split = rest.index("--")
extra, wanted = rest[:split], rest[split + 1:]
ours = re.compile(r"^(src|programs|tests|benchmarks)/")

entries, seen = [], set()
for build in [primary] + extra:
    with open(os.path.join(build, "compile_commands.json")) as f:
        for entry in json.load(f):
            path = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
            rel = os.path.relpath(path, repo)
            if path in seen or not ours.match(rel):
                continue
            seen.add(path)
            entry["file"] = path
            entries.append(entry)
with open(os.path.join(work, "compile_commands.json"), "w") as f:
    json.dump(entries, f, indent=1)
all_sources = sorted(e["file"] for e in entries)

def rel(path):
    return os.path.relpath(path, repo)

# Which files each file includes with #include "...", resolved against include/ and src/.
include_re = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
def includes(path):
    try:
        text = open(os.path.join(repo, path), errors="replace").read()
    except OSError:
        return set()
    found = set()
    for name in include_re.findall(text):
        for root in ("include", "src", os.path.dirname(path)):
            candidate = os.path.normpath(os.path.join(root, name))
            if os.path.isfile(os.path.join(repo, candidate)):
                found.add(candidate)
                break
    return found

def users_of(headers):
    """Sources that include any of `headers`, directly or through other headers."""
    tracked = set()
    for top in ("include", "src", "programs", "tests", "benchmarks"):
        for root, _, names in os.walk(os.path.join(repo, top)):
            for name in names:
                if name.endswith((".h", ".cc")):
                    tracked.add(rel(os.path.join(root, name)))
    graph = {path: includes(path) for path in tracked}
    reach = set(headers)
    grew = True
    while grew:
        grew = False
        for path, deps in graph.items():
            if path not in reach and deps & reach:
                reach.add(path)
                grew = True
    return [s for s in all_sources if rel(s) in reach]

if mode == "all" or base == "all":
    chosen = all_sources
elif mode == "files":
    chosen = set()
    for name in wanted:
        path = os.path.normpath(os.path.join(os.getcwd(), name))
        if path in seen:
            chosen.add(path)
        else:
            chosen.update(users_of({rel(path)}))
    chosen = sorted(chosen)
else:
    changed = [l.strip() for l in open(os.path.join(work, "changed.txt")) if l.strip()]
    if ".clang-tidy" in changed:
        chosen = all_sources
    else:
        headers = {c for c in changed if c.endswith(".h") and os.path.isfile(os.path.join(repo, c))}
        chosen = {s for s in all_sources if rel(s) in changed}
        chosen.update(users_of(headers) if headers else [])
        chosen = sorted(chosen)
print("\n".join(chosen))
PYTHON
)

scope="every source"
[[ $mode == changed && $base != all ]] && scope="the sources changed since ${base:0:12}"
[[ $mode == files ]] && scope="the sources named"
count=${#sources[@]}
((count == 1)) && [[ -z ${sources[0]} ]] && count=0
echo "run-tidy: $("$tidy" --version | grep -i version | head -1 | sed 's/^ *//'), database" \
    "$primary${extra:+ + ${extra[*]}}, $scope: $count file(s), $jobs at a time"
if ((count == 0)); then
    echo "run-tidy: nothing to analyse"
    exit 0
fi
if [[ ${EDDY_TIDY_LIST:-0} == 1 ]]; then
    printf '%s\n' "${sources[@]}" | sed "s|^$repo/||"
    exit 0
fi

# One clang-tidy per source; its output and its times go to build/tidy/logs/<n>.*.
analyse() {
    local n=$1 file=$2
    local log=$work/logs/$n.log TIMEFORMAT='%R %U %S'
    { time "$tidy" -p "$work" --quiet "$file" >"$log" 2>&1 || echo $? >"$log.status"; } \
        2>"$log.time"
    echo "$file" >>"$log.time"
}
export -f analyse
export tidy work
start=$SECONDS
for i in "${!sources[@]}"; do
    printf '%s\0%s\0' "$i" "${sources[$i]}"
done | xargs -0 -n 2 -P "$jobs" bash -c 'analyse "$@"' _
elapsed=$((SECONDS - start))

# build/tidy/logs/<n>.log.time: "wall user system" seconds, then the source.
cpu=$(awk 'NF == 3 { s += $2 + $3 } END { printf "%.0f", s }' "$work"/logs/*.time)
echo "run-tidy: $count file(s) in ${elapsed}s wall, ${cpu}s CPU; slowest (wall, CPU):"
for t in "$work"/logs/*.time; do
    paste -s -d' ' "$t"
done | awk '{ printf "%7.1fs %7.1fs  %s\n", $1, $2 + $3, $4 }' | sort -rn | head -5 |
    sed "s|$repo/||"

findings=$(cat "$work"/logs/*.log | grep -E "^$repo/.*:[0-9]+:[0-9]+: (warning|error):" |
    sort -u || true)
failed=$(find "$work/logs" -name '*.status' | wc -l)
if [[ -n $findings ]]; then
    echo
    echo "run-tidy: $(wc -l <<<"$findings") finding(s) (full output: $work/logs/):"
    echo "$findings" | sed "s|^$repo/||"
    exit 1
fi
if ((failed > 0)); then
    echo "run-tidy: clang-tidy failed on $failed file(s) without a finding of ours:"
    for status in "$work"/logs/*.status; do
        log=${status%.status}
        echo "--- $(tail -1 "$log.time")"
        head -20 "$log"
    done
    exit 1
fi
echo "run-tidy: no findings"
