#!/usr/bin/env bash
# Fails when a bucket parameter of src/engine/config/parameters.def.h is read by no code.
#
# A parameter counts as used when some source file under src/ or programs/, outside
# src/engine/config and outside tests (*_test.cc), calls its getter `get<Getter>(` or names
# `Param::<Getter>` (typed reads get<Param::X>(), listeners addListener<Param::X>, ...).
# A parameter nothing reads is a setting that does nothing: implement it or remove its row.
#
# Usage: scripts/check-config-readers.sh [source root]   (default: the repository of this script)
#        scripts/check-config-readers.sh --self-test     (checks the check on a made-up tree)
set -euo pipefail

# Prints every unread parameter of the tree at $1; returns 1 if there is one.
check() {
    local root="$1"
    local table="$root/src/engine/config/parameters.def.h"
    [[ -f "$table" ]] || { echo "no parameter table at $table" >&2; return 2; }

    # "name Getter", one per row (a row may span lines: its first line names both).
    local rows
    mapfile -t rows < <(sed -n 's/^EDDY_CONFIG_PARAM(\([a-z0-9_]*\), *\([A-Za-z0-9]*\),.*/\1 \2/p' "$table")
    [[ ${#rows[@]} -gt 0 ]] || { echo "no EDDY_CONFIG_PARAM rows in $table" >&2; return 2; }

    local sources
    mapfile -t sources < <(find "$root/src" "$root/programs" -type f \( -name '*.cc' -o -name '*.h' \) \
        -not -path "$root/src/engine/config/*" -not -name '*_test.cc' 2>/dev/null | sort)
    [[ ${#sources[@]} -gt 0 ]] || sources=(/dev/null)

    local unread=0 row name getter
    for row in "${rows[@]}"; do
        name="${row% *}"
        getter="${row#* }"
        if ! grep -qE "get${getter}\(|Param::${getter}\b" "${sources[@]}"; then
            echo "unread parameter: ${name} (no get${getter}() or Param::${getter} outside src/engine/config)"
            unread=$((unread + 1))
        fi
    done
    if [[ $unread -ne 0 ]]; then
        echo "${unread} of ${#rows[@]} parameters are read by no code: implement them or remove their rows."
        return 1
    fi
    echo "all ${#rows[@]} parameters have a reader."
}

self_test() {
    local tree
    tree="$(mktemp -d)"
    trap 'rm -rf "$tree"' RETURN
    mkdir -p "$tree/src/engine/config" "$tree/src/engine/vbucket" "$tree/programs"
    cat > "$tree/src/engine/config/parameters.def.h" <<'ROWS'
EDDY_CONFIG_PARAM(read_one, ReadOne, uint64_t, 1, 0, 2, Flush, Count,
                  "Read by a getter.")
EDDY_CONFIG_PARAM(heard_one, HeardOne, bool, true, {}, {}, Flush, None, "Has a listener.")
EDDY_CONFIG_PARAM(unread_one, UnreadOne, bool, true, {}, {}, Flush, None, "Read by nothing.")
ROWS
    # Readers inside src/engine/config and in tests do not count.
    echo 'auto x = configuration.getUnreadOne();' > "$tree/src/engine/config/configuration.cc"
    echo 'auto y = configuration.getUnreadOne();' > "$tree/src/engine/vbucket/vbucket_test.cc"
    echo 'auto z = configuration.getReadOne();' > "$tree/src/engine/vbucket/vbucket.cc"
    echo 'config.addListener<Param::HeardOne>(f);' > "$tree/programs/main.cc"
    local output status=0
    output="$(check "$tree")" || status=$?
    if [[ $status -ne 1 || "$output" != *"unread parameter: unread_one "* ||
          "$output" == *": read_one ("* || "$output" == *"heard_one"* ]]; then
        echo "self-test failed (exit $status):"
        echo "$output"
        return 1
    fi
    echo 'auto w = configuration.getUnreadOne();' > "$tree/src/engine/vbucket/vbucket.h"
    if ! output="$(check "$tree")"; then
        echo "self-test failed: a reader was not seen:"
        echo "$output"
        return 1
    fi
    echo "self-test passed."
}

if [[ "${1:-}" == "--self-test" ]]; then
    self_test
else
    check "${1:-$(cd "$(dirname "$0")/.." && pwd)}"
fi
