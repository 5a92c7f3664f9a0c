// eddy — GET_ERROR_MAP (0xfe).
//
// Owns: the error map document: for every status this server can send, its name, a description
// and its attributes ("success", "item-only", "temp", "retry-later", "conn-state-invalidated",
// ...), as versioned JSON (version 1 and 2; a client asking for a newer one gets 2).
// Thread contract: pure function.
#pragma once

#include <cstdint>
#include <string>

namespace eddy::mcbp {

inline constexpr uint16_t kErrorMapMaxVersion = 2;

/// The JSON error map for min(requested, kErrorMapMaxVersion):
///   {"version": v, "revision": r, "errors": {"<hex code>": {"name", "desc", "attrs"[, "retry"]}}}
/// Version 2 adds a "retry" strategy to the entries marked retry-now / retry-later.
/// Requested 0 is invalid: returns an empty string and the caller answers Einval.
[[nodiscard]] std::string errorMapJson(uint16_t requested_version);

}  // namespace eddy::mcbp
