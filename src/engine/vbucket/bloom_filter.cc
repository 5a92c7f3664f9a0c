#include "engine/vbucket/bloom_filter.h"

#include <algorithm>
#include <functional>

namespace eddy::engine {

namespace {

/// A second, independent-enough hash from the first (the murmur3 finaliser).
uint64_t remix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

}  // namespace

BloomFilter::BloomFilter(size_t bits, size_t hashes)
    : words_count_(std::max<size_t>((bits + 63) / 64, 1)),
      bits_(words_count_ * 64),
      hashes_(std::max<size_t>(hashes, 1)),
      words_(std::make_unique<std::atomic<uint64_t>[]>(words_count_)) {}

template <class Visit>
void BloomFilter::forEachBit(std::string_view key, Visit visit) const {
    const uint64_t h1 = std::hash<std::string_view>{}(key);
    const uint64_t h2 = remix(h1) | 1;
    for (size_t i = 0; i < hashes_; ++i) {
        const uint64_t bit = (h1 + i * h2) % bits_;
        if (!visit(bit / 64, uint64_t{1} << (bit % 64))) {
            return;
        }
    }
}

void BloomFilter::add(std::string_view key) {
    forEachBit(key, [this](size_t word, uint64_t mask) {
        words_[word].fetch_or(mask, std::memory_order_relaxed);
        return true;
    });
}

void BloomFilter::clear() {
    for (size_t i = 0; i < words_count_; ++i) {
        words_[i].store(0, std::memory_order_relaxed);
    }
}

bool BloomFilter::mayContain(std::string_view key) const {
    bool all = true;
    forEachBit(key, [this, &all](size_t word, uint64_t mask) {
        all = (words_[word].load(std::memory_order_relaxed) & mask) != 0;
        return all;
    });
    return all;
}

}  // namespace eddy::engine
