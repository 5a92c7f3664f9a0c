// eddy — GET_ERROR_MAP (0xfe).
//
// Owns: the error map document: for every status this server can send, its name, a description
// and its attributes ("success", "item-only", "temp", "retry-later", "conn-state-invalidated",
// ...), as versioned JSON (version 1 and 2; a client asking for a newer one gets 2); and the
// short message an error response carries for a client without XERROR.
// Thread contract: pure functions.
#pragma once

#include "protocol/status.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace eddy::mcbp {

inline constexpr uint16_t kErrorMapMaxVersion = 2;

/// The JSON error map for min(requested, kErrorMapMaxVersion):
///   {"version": v, "revision": r, "errors": {"<hex code>": {"name", "desc", "attrs"[, "retry"]}}}
/// Version 2 adds a "retry" strategy to the entries marked retry-now / retry-later.
/// Requested 0 is invalid: returns an empty string and the caller answers Einval.
[[nodiscard]] std::string errorMapJson(uint16_t requested_version);

/// The body of an error response for a client that did not negotiate XERROR: the memcached
/// binary protocol's text for the statuses it defines ("Not found", "Data exists for key.",
/// ...), the error map's description for the others. Clients written to that specification
/// read a bodiless error as a success.
[[nodiscard]] std::string_view errorMessage(ResponseStatus status);

}  // namespace eddy::mcbp
