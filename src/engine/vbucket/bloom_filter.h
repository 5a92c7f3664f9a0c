// eddy — a Bloom filter of the keys a vbucket has on disk (full eviction).
//
// Owns: BloomFilter, a fixed-size bit array with k hash positions per key (double hashing of
// one 64-bit hash). mayContain() is false only for keys never added, so a lookup of a key that
// is neither in memory nor in the filter needs no disk read. Keys are never removed (a Bloom
// filter cannot forget); deleted keys only cost a false positive, i.e. one wasted disk read.
//
// Thread contract: thread-safe and lock-free: add() sets bits with atomic fetch_or,
// mayContain() reads them, clear() zeroes them; a concurrent change may or may not be seen.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace eddy::engine {

class BloomFilter {
public:
    /// `bits` is rounded up to a multiple of 64.
    explicit BloomFilter(size_t bits, size_t hashes = 4);

    void add(std::string_view key);
    [[nodiscard]] bool mayContain(std::string_view key) const;
    /// Forgets every key (the vbucket was flushed).
    void clear();

    /// Heap bytes of the bit array.
    [[nodiscard]] size_t bytes() const { return words_count_ * sizeof(uint64_t); }

private:
    template <class Visit>
    void forEachBit(std::string_view key, Visit visit) const;

    const size_t words_count_;
    const size_t bits_;
    const size_t hashes_;
    std::unique_ptr<std::atomic<uint64_t>[]> words_;
};

}  // namespace eddy::engine
