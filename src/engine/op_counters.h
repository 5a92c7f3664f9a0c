// eddy — the bucket's per-operation counters (cmd_get, get_hits, ep_tmp_oom_errors, ...).
//
// Owns: OpCounters (one set of counters) and BucketOpCounters, 16 sets spread by vbucket so that
// threads working on different vbuckets do not share a cache line; STAT sums them.
//
// Thread contract: thread-safe. Counters are relaxed atomics: they are only read for STAT,
// which tolerates a sum taken while they move.
#pragma once

#include "eddy/types.h"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace eddy::engine {

inline void bump(std::atomic<uint64_t>& counter, uint64_t by = 1) {
    counter.fetch_add(by, std::memory_order_relaxed);
}

struct alignas(64) OpCounters {
    std::atomic<uint64_t> total_items{0};
    std::atomic<uint64_t> cmd_get{0};
    std::atomic<uint64_t> get_hits{0};
    std::atomic<uint64_t> get_misses{0};
    std::atomic<uint64_t> cmd_set{0};
    std::atomic<uint64_t> delete_hits{0};
    std::atomic<uint64_t> delete_misses{0};
    std::atomic<uint64_t> incr_hits{0};
    std::atomic<uint64_t> incr_misses{0};
    std::atomic<uint64_t> decr_hits{0};
    std::atomic<uint64_t> decr_misses{0};
    std::atomic<uint64_t> cas_hits{0};
    std::atomic<uint64_t> cas_misses{0};
    std::atomic<uint64_t> cas_badval{0};
    std::atomic<uint64_t> touch_hits{0};
    std::atomic<uint64_t> touch_misses{0};
    std::atomic<uint64_t> cmd_touch{0};
    std::atomic<uint64_t> cmd_flush{0};
    std::atomic<uint64_t> cmd_lock{0};
    std::atomic<uint64_t> not_my_vbucket{0};
    std::atomic<uint64_t> tmp_oom_errors{0};
    std::atomic<uint64_t> oom_errors{0};

    /// Zeroes every counter (STAT reset).
    void reset() {
        for (std::atomic<uint64_t>* counter :
             {&total_items,    &cmd_get,       &get_hits,   &get_misses,  &cmd_set,
              &delete_hits,    &delete_misses, &incr_hits,  &incr_misses, &decr_hits,
              &decr_misses,    &cas_hits,      &cas_misses, &cas_badval,  &touch_hits,
              &touch_misses,   &cmd_touch,     &cmd_flush,  &cmd_lock,    &not_my_vbucket,
              &tmp_oom_errors, &oom_errors}) {
            counter->store(0, std::memory_order_relaxed);
        }
    }
};

class BucketOpCounters {
public:
    using Member = std::atomic<uint64_t> OpCounters::*;

    [[nodiscard]] OpCounters& forVBucket(Vbid id) { return shards_[id.get() % kShards]; }
    /// The sum of `member` over every shard.
    [[nodiscard]] uint64_t total(Member member) const {
        uint64_t sum = 0;
        for (const auto& shard : shards_) {
            sum += (shard.*member).load(std::memory_order_relaxed);
        }
        return sum;
    }
    void reset() {
        for (auto& shard : shards_) {
            shard.reset();
        }
    }

private:
    static constexpr size_t kShards = 16;
    std::array<OpCounters, kShards> shards_;
};

}  // namespace eddy::engine
