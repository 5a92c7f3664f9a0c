// eddy — how much of the stored data warm-up brings back into memory.
//
// Owns: WarmupBudget, which decides document by document whether warm-up loads a document's
// value or leaves it on disk. The key and metadata of every live document are loaded either
// way (value eviction needs every key in memory); a value left on disk is read on first access,
// like an evicted one. Values load while all of these hold:
//   - `warmup` is true (false: no value is loaded at all);
//   - memory use is below warmup_min_memory_threshold percent of the high watermark;
//   - fewer than warmup_min_items_threshold percent of the documents being warmed up (those of
//     one storage shard: each shard warms up on its own task) have had their value loaded.
// The parameters are read when the budget is made: warm-up runs once, at bucket creation.
//
// Thread contract: immutable after construction; loadValue() may be called from any thread.
#pragma once

#include "engine/config/configuration.h"

#include <cstdint>

namespace eddy::engine {

class WarmupBudget {
public:
    /// `documents` = the live documents this warm-up will load (only needed when
    /// countsDocuments(parameters); pass 0 otherwise).
    WarmupBudget(const config::Configuration& parameters, uint64_t documents);

    /// Whether warm-up must count the documents first (warmup_min_items_threshold below 100).
    [[nodiscard]] static bool countsDocuments(const config::Configuration& parameters);

    /// Whether the next document's value is loaded, at memory use `mem_used` with
    /// `values_loaded` values loaded so far by this warm-up.
    [[nodiscard]] bool loadValue(uint64_t mem_used, uint64_t values_loaded) const;

    [[nodiscard]] uint64_t memoryLimit() const { return memory_limit_; }
    [[nodiscard]] uint64_t valuesLimit() const { return values_limit_; }

private:
    bool load_values_;
    uint64_t memory_limit_;
    uint64_t values_limit_;
};

}  // namespace eddy::engine
