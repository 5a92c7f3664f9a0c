// eddy — sub-document paths.
//
// Owns: Path, a parsed sub-document path, and the two parsers that make one: parsePath for a
// path into a document body, parseXattrPath for a path whose first component is an extended
// attribute's key.
//
// Body paths use N1QL syntax (kv_engine docs/SubDocument.md): components separated by `.`, array
// indices in brackets right after the array's component (`a.b[2][-1].c`), `[-1]` the last
// element (other negative indices are invalid), and backticks quoting a component that holds
// `.`, `[` or `]` (a doubled backtick is a literal one, quoted or not: key`` is the key key`).
// The empty path is the document root. Other bytes are taken as they are (no JSON escapes) and
// compared with member names as parsed.
// An xattr path's first component is its key: every byte up to the first `.` or `[`, with no
// backtick escaping; what follows is a body-style sub-path into the attribute's value.
//
// Limits, as kv_engine's: a path of at most kMaxPathLength bytes and kMaxPathComponents
// components (PathE2big beyond them).
//
// Thread contract: plain values and pure functions; any thread.
#pragma once

#include "subdoc/result.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::subdoc {

inline constexpr size_t kMaxPathLength = 1024;
inline constexpr size_t kMaxPathComponents = 32;
/// The longest xattr key kv_engine accepts (it refuses SUBDOC_MAX_XATTR_LENGTH, 16, and more).
inline constexpr size_t kMaxXattrKeyLength = 15;

/// One step of a path: an object member or an array element.
struct PathComponent {
    enum class Kind : uint8_t {
        Key,
        Index
    };
    Kind kind = Kind::Key;
    /// The member's name, unescaped (Key only).
    std::string key;
    /// The element's position; kLastIndex for `[-1]` (Index only).
    int64_t index = 0;

    static constexpr int64_t kLastIndex = -1;

    bool operator==(const PathComponent&) const = default;
};

using Path = std::vector<PathComponent>;

/// Parses a body path. Success with `out` filled, PathEinval for bad syntax (unbalanced or
/// misplaced brackets or backticks, an empty component, a non-numeric or negative index other
/// than -1, an index that overflows), PathE2big over the limits. `out` is unspecified on error.
[[nodiscard]] Result parsePath(std::string_view text, Path& out);

/// Parses an xattr path: the first component is the key (1..kMaxXattrKeyLength bytes, up to the
/// first `.` or `[`), the rest as parsePath would. PathEinval for an empty key or a bad sub-path.
[[nodiscard]] Result parseXattrPath(std::string_view text, Path& out);

/// The xattr key of an xattr path (its bytes up to the first `.` or `[`).
[[nodiscard]] std::string_view xattrKeyOf(std::string_view path);

}  // namespace eddy::subdoc
