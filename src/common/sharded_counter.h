// eddy — a counter many threads add to often and few threads read.
//
// Owns: ShardedCounter, a signed 64-bit sum split over cache-line-sized shards. A thread adds to
// the shard picked for it when it first used any ShardedCounter, so threads rarely share a line;
// total() sums the shards. Used for a bucket's memory accounting, which every write changes and
// the quota checks read.
//
// Semantics: total() is exact whenever no add() is in flight; during concurrent adds it is some
// interleaving's sum (never torn), which is all a quota check needs. Relaxed ordering: the counter
// orders nothing else.
//
// Thread contract: thread-safe; add() and total() are lock-free.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace eddy {

class ShardedCounter {
public:
    static constexpr size_t kShards = 8;

    void add(int64_t delta) {
        shards_[shardOfThisThread()].value.fetch_add(delta, std::memory_order_relaxed);
    }
    void sub(int64_t delta) { add(-delta); }

    [[nodiscard]] int64_t total() const {
        int64_t sum = 0;
        for (const Shard& shard : shards_) {
            sum += shard.value.load(std::memory_order_relaxed);
        }
        return sum;
    }

private:
    struct alignas(64) Shard {
        std::atomic<int64_t> value{0};
    };

    /// Threads are dealt shards round-robin in the order they first call this.
    static size_t shardOfThisThread() {
        static std::atomic<size_t> next{0};
        thread_local size_t shard = next.fetch_add(1, std::memory_order_relaxed) % kShards;
        return shard;
    }

    std::array<Shard, kShards> shards_;
};

}  // namespace eddy
