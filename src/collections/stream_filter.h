// eddy — the collections filter of a DCP stream request.
//
// Owns: StreamFilter (which collections a stream carries) and parseStreamFilter(), which reads
// the JSON value of DCP_STREAM_REQ.
//
// Form (kv_engine's): {"collections":["8","9"]} streams those collections only, each id in the
// manifest's lowercase hex without "0x". An optional "uid" (hex) names the manifest the client
// built the filter from; as in kv_engine it is checked for form and otherwise not used (the
// ids are checked against the manifest in force). {"uid":"..."} alone streams every
// collection. Refused as Invalid: anything that is not a JSON object, an object with none of
// the keys, an unknown key, an empty or over-long list, an id that is not 1-8 hex digits or is
// listed twice. Refused as NotSupported (so that nothing is streamed other than what was
// asked): "scope" (a scope's collections, including those created later), "sid" (stream ids)
// and "purge_seqno".
//
// Whether the ids exist is the caller's check (the manifest in force).
//
// Thread contract: pure functions; a StreamFilter is a plain value.
#pragma once

#include "collections/manifest.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::collections {

/// Collections a filter may list.
inline constexpr size_t kMaxFilterCollections = 1000;

struct StreamFilter {
    /// Sorted, without duplicates; nullopt: every collection.
    std::optional<std::vector<CollectionId>> collections;

    bool operator==(const StreamFilter&) const = default;
};

struct StreamFilterResult {
    enum class Error : uint8_t {
        None,
        Invalid,
        NotSupported,
    };
    Error error = Error::None;
    /// Why, for the error context; empty when error is None.
    std::string message;
    StreamFilter filter;
};

[[nodiscard]] StreamFilterResult parseStreamFilter(std::string_view json);

}  // namespace eddy::collections
