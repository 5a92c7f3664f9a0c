#!/usr/bin/env bash
# The include boundaries of docs/architecture.md, checked: the lower layers never include the
# upper ones. Each rule names a folder and the folders its files must not include from:
#
#   src/protocol, src/net, src/common,  nothing from src/engine or src/daemon
#   src/executor, src/subdoc, src/xattr,
#   src/collections
#   src/engine                          nothing from src/daemon
#
# An include is `#include "engine/..."` or `<engine/...>` (also through "../" or "src/"); every
# C++ file (*.h, *.cc) under a ruled folder is checked, tracked or new (every file outside git). Prints each offence as
# `file:line: #include ...` and exits 1; exits 0 with a one-line summary when there is none.
#
#   scripts/check-includes.sh            # from anywhere; checks the repository it lives in
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# folder → forbidden top-level include folders (as written after the include's "<" or quote).
readonly rules=(
    "src/protocol:engine daemon"
    "src/net:engine daemon"
    "src/common:engine daemon"
    "src/security:engine daemon"
    "src/executor:engine daemon"
    "src/subdoc:engine daemon"
    "src/xattr:engine daemon"
    "src/collections:engine daemon"
    "src/engine:daemon"
)

# Tracked and new (untracked, not ignored) sources of a folder; every file when not in git.
sources() {
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files --cached --others --exclude-standard -- "$1/*.h" "$1/*.cc"
    else
        find "$1" -type f \( -name '*.h' -o -name '*.cc' \)
    fi | sort -u | while read -r f; do [[ -f $f ]] && echo "$f"; done
}

offences=0
checked=0
for rule in "${rules[@]}"; do
    folder=${rule%%:*}
    read -r -a forbidden <<<"${rule#*:}"
    alternation=$(
        IFS='|'
        echo "${forbidden[*]}"
    )
    pattern="^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"](\\.\\./|src/)*(${alternation})/"
    mapfile -t files < <(sources "$folder")
    checked=$((checked + ${#files[@]}))
    ((${#files[@]} == 0)) && continue
    while IFS= read -r hit; do
        [[ -z $hit ]] && continue
        file=${hit%%:*}
        rest=${hit#*:}
        line=${rest%%:*}
        text=${rest#*:}
        text=${text#"${text%%[![:space:]]*}"}
        echo "$file:$line: $text  ($folder must not include from ${forbidden[*]})"
        offences=$((offences + 1))
    done < <(grep -n -E "$pattern" "${files[@]}" /dev/null || true)
done

if ((offences > 0)); then
    echo "check-includes: $offences include(s) cross a layer boundary (docs/architecture.md)"
    exit 1
fi
echo "check-includes: $checked files within their layer boundaries"
