#include "engine/vbucket/vbucket_state.h"

namespace eddy::engine {

std::string_view toString(VBucketState state) {
    switch (state) {
    case VBucketState::Active: return "active";
    case VBucketState::Replica: return "replica";
    case VBucketState::Pending: return "pending";
    case VBucketState::Dead: return "dead";
    }
    return "unknown";
}

std::optional<VBucketState> vbucketStateFromWire(uint32_t value) {
    if (value >= 1 && value <= 4) {
        return static_cast<VBucketState>(value);
    }
    return std::nullopt;
}

std::optional<VBucketState> vbucketStateFromName(std::string_view name) {
    for (uint32_t value = 1; value <= 4; ++value) {
        const auto state = static_cast<VBucketState>(value);
        if (toString(state) == name) {
            return state;
        }
    }
    return std::nullopt;
}

}  // namespace eddy::engine
