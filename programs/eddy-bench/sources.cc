// eddy-bench — the operation sources of each phase (sources.h).
#include "sources.h"

namespace eddy::bench {

MixedSource::MixedSource(const Workload& workload, Window window, uint64_t quota)
    : workload_(workload), window_(window), quota_(quota) {}

std::optional<Operation> MixedSource::next(TimePoint now) {
    if (now >= window_.end || (quota_ != 0 && measured_sent_ >= quota_)) {
        return std::nullopt;
    }
    if (now >= window_.begin) {
        ++measured_sent_;
    }
    return workload_.next();
}

PopulateSource::PopulateSource(uint64_t first, uint64_t last, ValueSizes values, uint64_t seed)
    : next_(first), last_(last), values_(values), random_(seed) {}

std::optional<Operation> PopulateSource::next(TimePoint /*now*/) {
    if (next_ >= last_) {
        return std::nullopt;
    }
    Operation op;
    op.kind = OpKind::Set;
    op.key = next_++;
    op.value_size = std::uniform_int_distribution<uint32_t>(values_.min, values_.max)(random_);
    return op;
}

}  // namespace eddy::bench
