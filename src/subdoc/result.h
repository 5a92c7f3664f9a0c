// eddy — what a sub-document operation on one path can come to.
//
// Owns: Result, whose values are the MCBP statuses kv_engine answers for each outcome, so the
// daemon sends them as they are (a multi-path response carries one per spec).
//
// Thread contract: a plain enum; any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace eddy::subdoc {

enum class Result : uint16_t {
    Success = 0x00,
    PathEnoent = 0xc0,       ///< a component of the path does not exist
    PathMismatch = 0xc1,     ///< the path treats a non-object as an object (or a non-array as
                             ///< an array), or a counter's target is not an integer
    PathEinval = 0xc2,       ///< the path's syntax is wrong, or it does not fit the operation
    PathE2big = 0xc3,        ///< the path is too long or has too many components
    DocE2deep = 0xc4,        ///< the document nests deeper than kMaxDepth
    ValueCantinsert = 0xc5,  ///< the value is not JSON (or not what the operation takes), or a
                             ///< counter would overflow
    DocNotJson = 0xc6,       ///< the document is not JSON
    NumErange = 0xc7,        ///< a counter's current value does not fit an int64
    DeltaEinval = 0xc8,      ///< a counter's delta is zero, not an integer or out of range
    PathEexists = 0xc9,      ///< the operation requires the path to be absent
    ValueEtoodeep = 0xca,    ///< inserting the value would nest deeper than kMaxDepth
};

/// The status's name as mcbp::statusName spells it (protocol/status.h), which eddy's error map
/// publishes: "SUCCESS", "SUBDOC_PATH_ENOENT", ... For tests and logs.
[[nodiscard]] std::string_view toString(Result result);

}  // namespace eddy::subdoc
