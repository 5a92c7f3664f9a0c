#include "engine/vbucket/warmup_budget.h"

#include <limits>

namespace eddy::engine {

namespace {

constexpr uint64_t kAll = 100;

}  // namespace

WarmupBudget::WarmupBudget(const config::Configuration& parameters, uint64_t documents)
    : load_values_(parameters.getWarmup()),
      memory_limit_(static_cast<uint64_t>(
          static_cast<double>(parameters.memHighWatBytes()) *
          static_cast<double>(parameters.getWarmupMinMemoryThreshold()) / 100.0)),
      values_limit_(countsDocuments(parameters)
                        ? documents / kAll * parameters.getWarmupMinItemsThreshold() +
                              documents % kAll * parameters.getWarmupMinItemsThreshold() / kAll
                        : std::numeric_limits<uint64_t>::max()) {}

bool WarmupBudget::countsDocuments(const config::Configuration& parameters) {
    return parameters.getWarmup() && parameters.getWarmupMinItemsThreshold() < kAll;
}

bool WarmupBudget::loadValue(uint64_t mem_used, uint64_t values_loaded) const {
    return load_values_ && mem_used < memory_limit_ && values_loaded < values_limit_;
}

}  // namespace eddy::engine
