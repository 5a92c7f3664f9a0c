#!/usr/bin/env bash
# Fails when any tracked C++ file (*.h, *.cc) differs from what clang-format makes of it, using
# the repository's .clang-format. `scripts/check-format.sh --fix` (or `make format`) rewrites the
# files in place instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null; then
    echo "check-format: $clang_format not found; run scripts/install-deps.sh" >&2
    exit 1
fi

fix=0
if [[ ${1:-} == --fix ]]; then
    fix=1
fi

# Tracked and new (untracked, not ignored) sources; never anything under build/.
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.h' '*.cc' |
    grep -v -E '^build/' | sort -u | while read -r f; do [[ -f $f ]] && echo "$f"; done)
if ((${#files[@]} == 0)); then
    echo "check-format: no C++ files found" >&2
    exit 1
fi

# Reject a .clang-format this clang-format cannot read (it would otherwise format nothing).
if ! "$clang_format" --dump-config >/dev/null; then
    echo "check-format: $clang_format cannot read .clang-format" >&2
    exit 1
fi

if ((fix)); then
    printf '%s\0' "${files[@]}" | xargs -0 -n 50 "$clang_format" -i
    echo "check-format: formatted ${#files[@]} files with $("$clang_format" --version)"
    exit 0
fi

bad=()
for f in "${files[@]}"; do
    if ! "$clang_format" --dry-run -Werror "$f" >/dev/null 2>&1; then
        bad+=("$f")
    fi
done
if ((${#bad[@]} > 0)); then
    echo "check-format: ${#bad[@]} of ${#files[@]} files need formatting (run 'make format'):"
    for f in "${bad[@]}"; do
        echo "  $f"
        "$clang_format" "$f" | diff -u --label "$f" --label "$f (formatted)" "$f" - | head -20 |
            sed 's/^/    /' || true
    done
    exit 1
fi
echo "check-format: ${#files[@]} files clean ($("$clang_format" --version))"
