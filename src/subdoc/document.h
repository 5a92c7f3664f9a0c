// eddy — a JSON document that sub-document operations read and change.
//
// Owns: Document, one parsed JSON value (RapidJSON DOM, ADR 0010) that a command parses once and
// then applies its path operations to in order, and Op, the operations.
//
// Semantics are kv_engine's (docs/SubDocument.md), per operation:
// - Get: the JSON text of the value at a non-empty path. Exists: Success or PathEnoent.
//   GetCount: the number of members or elements of the object or array at the path (which may
//   be empty: the root), as decimal text; PathMismatch for anything else.
// - DictAdd / DictUpsert: the path ends with a member name (PathEinval if it ends with an index
//   or is empty); the parent must be an object (PathMismatch) and exist (PathEnoent) unless
//   `mkdir_p`, which creates missing intermediate objects (never array elements: PathEnoent).
//   DictAdd fails with PathEexists when the member exists; DictUpsert replaces it.
// - Delete: removes the member or element at a non-empty path.
// - Replace: replaces the value at a non-empty path, which must exist.
// - ArrayPushLast / ArrayPushFirst: the path (possibly empty) names an array (PathMismatch if it
//   is something else); `mkdir_p` creates it (and intermediate objects) when missing. The value
//   is one or more comma-separated JSON values, inserted in order.
// - ArrayInsert: the path ends with an index 0..size of an existing array (PathEinval for no
//   index or [-1], PathEnoent beyond size); the values go in at that position. It never creates
//   anything (kv_engine refuses MKDIR_P for it), so `mkdir_p` is ignored.
// - ArrayAddUnique: the value is one JSON primitive (ValueCantinsert otherwise); the array's
//   elements must all be primitives (PathMismatch otherwise); PathEexists if an element has the
//   same compact JSON text (so 1 and 1.0 differ, as in kv_engine; 1.0 and 1e0 do not).
// - Counter: the value is a non-zero int64 delta in decimal (DeltaEinval otherwise); the target
//   must be an integer (PathMismatch otherwise; NumErange if it does not fit int64, which a
//   double of magnitude 2^63 or more is taken to be, however it was written); a missing
//   target whose parent exists (or `mkdir_p`) starts at 0; ValueCantinsert on overflow; the
//   result is the new value as decimal text.
// Values to insert must be JSON (ValueCantinsert), and the document may not nest deeper than
// kMaxDepth after it (ValueEtoodeep). A failed operation leaves the document unchanged.
// An empty path where the operation needs a non-empty one is PathEinval. Operations work on
// objects and arrays only: on a document whose root is a string, number, true, false or null
// (parse accepts one) every operation is DocNotJson, as in kv_engine. Errors come in this order:
// the path's shape, the value (or delta), the root, then the path through the document.
//
// Text comes back compact, as RapidJSON writes it: whitespace goes and numbers take its form
// (1E2 becomes 100.0; a double is read correctly rounded and written so it reads back the same).
// A number beyond a double's range is not JSON here, nor one whose exponent RapidJSON's reader
// finds too big before looking at the digits (0e400).
//
// Bad input never recurses without bound: the nesting depth of every text is checked by a
// linear scan before RapidJSON (whose parser, destructor and writer recurse) sees it.
//
// Thread contract: none; one Document is used by one thread at a time.
#pragma once

#include "subdoc/path.h"
#include "subdoc/result.h"

// RapidJSON 1.1's internal stack (under its parser, writer and string buffer) starts out null and
// computes null + n before its first allocation, which clang's UBSan (pointer-overflow) stops on.
// The arithmetic is harmless where eddy runs, so that check is off for the stack's functions,
// declared here: this header is where the sub-document sources first include RapidJSON.
#include <rapidjson/rapidjson.h>
#if defined(__clang__)
#pragma clang attribute push(__attribute__((no_sanitize("pointer-overflow"))), apply_to = function)
#endif
#include <rapidjson/internal/stack.h>
#if defined(__clang__)
#pragma clang attribute pop
#endif
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy::subdoc {

/// The deepest nesting of objects and arrays a document may have (the root container is 1).
inline constexpr size_t kMaxDepth = 32;

enum class Op : uint8_t {
    Get,
    Exists,
    GetCount,
    DictAdd,
    DictUpsert,
    Delete,
    Replace,
    ArrayPushLast,
    ArrayPushFirst,
    ArrayInsert,
    ArrayAddUnique,
    Counter,
};

/// Whether `op` changes the document.
[[nodiscard]] constexpr bool isMutation(Op op) {
    return op != Op::Get && op != Op::Exists && op != Op::GetCount;
}

class Document {
public:
    Document() = default;
    Document(const Document&) = delete;
    Document& operator=(const Document&) = delete;

    /// Replaces the document with `json`: DocNotJson if it is not exactly one JSON value
    /// (surrounding whitespace allowed), DocE2deep if it nests deeper than kMaxDepth. On error
    /// the document is empty (a null root).
    [[nodiscard]] Result parse(std::string_view json);

    /// Makes the document the empty root a missing document starts from when it is created by
    /// its first operation `op` on `path` (MKDOC, ADD): `[]` for an array push or add-unique on
    /// the empty path, or a path that starts with an index; `{}` otherwise.
    void makeEmptyRoot(Op op, const Path& path);

    /// Makes the document an empty object (the xattrs of a document that has none).
    void makeEmptyObject();

    /// Get, Exists or GetCount at `path`; `value` receives Get's JSON text or GetCount's number.
    /// PathEinval for any other `op`.
    [[nodiscard]] Result lookup(Op op, const Path& path, std::string& value) const;

    /// A mutation at `path` with the request's `value`; `result` receives what the operation
    /// returns (Counter's new value), else stays empty. PathEinval for a lookup `op`.
    [[nodiscard]] Result mutate(Op op, const Path& path, std::string_view value, bool mkdir_p,
                                std::string& result);

    /// The whole document as compact JSON text.
    [[nodiscard]] std::string toJson() const;

    /// The root object's members as (name, compact JSON text of the value), in order; empty when
    /// the root is not an object. The daemon keeps xattrs as an object of this form.
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> members() const;

private:
    rapidjson::Document doc_;
};

}  // namespace eddy::subdoc
