// eddy — the states of a vbucket, with their wire values (SET_VBUCKET, DCP_SET_VBUCKET_STATE).
// Thread contract: immutable values.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace eddy::engine {

enum class VBucketState : uint8_t {
    Active = 1,   ///< serves reads and writes
    Replica = 2,  ///< receives changes from an active copy; GET_REPLICA reads it
    Pending = 3,  ///< becoming active (takeover): key operations wait
    Dead = 4,     ///< serves nothing
};

/// "active", "replica", "pending", "dead".
[[nodiscard]] std::string_view toString(VBucketState state);

/// The state for a wire value or a name; nullopt otherwise.
[[nodiscard]] std::optional<VBucketState> vbucketStateFromWire(uint32_t value);
[[nodiscard]] std::optional<VBucketState> vbucketStateFromName(std::string_view name);

}  // namespace eddy::engine
