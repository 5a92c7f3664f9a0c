// eddy-bench — what a load generator sends: which operation, on which key, with how large a value.
//
// Owns: OpKind, OpMix (get:set:delete weights), ValueSizes (a fixed size or a uniform range),
// KeyDistribution, ZipfianKeys (YCSB's zipfian generator over a fixed key space), Workload (one
// thread's generator of operations), keyName() and vbucketOf(), the vbucket a Couchbase SDK
// routes a key to.
//
// Semantics.
// - Keys are "<prefix><index>" with the index in [0, keys), written as twelve decimal digits so
//   that every key of a run has the same length.
// - Uniform picks every index with the same probability. Zipfian picks index i (0 the hottest)
//   with probability proportional to 1 / (i + 1)^theta (YCSB's ZipfianGenerator, Gray et al.
//   "Quickly Generating Billion-Record Synthetic Databases", 1994; theta 0.99 by default). The
//   key names spread the hot indexes over the vbuckets by their CRC.
// - vbucketOf() is what the Couchbase SDKs and libcouchbase compute: CRC-32 (zlib's, the IEEE
//   polynomial) of the key, bits 16..30 of it, modulo the number of vbuckets.
//
// Thread contract: a Workload belongs to one thread (its random engine is not shared);
// ZipfianKeys is immutable after construction and may be shared; the free functions are pure.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace eddy::bench {

enum class OpKind : uint8_t {
    Get,
    Set,
    Delete,
};

inline constexpr size_t kNumOpKinds = 3;

/// "get", "set", "delete".
[[nodiscard]] std::string_view toString(OpKind kind);

/// Relative weights; at least one is non-zero.
struct OpMix {
    uint32_t get = 9;
    uint32_t set = 1;
    uint32_t del = 0;

    [[nodiscard]] uint64_t total() const { return uint64_t{get} + set + del; }
};

/// "90:10" (get:set) or "90:9:1" (get:set:delete). Throws std::invalid_argument naming the
/// problem (not two or three whole numbers separated by ':', or all of them zero).
[[nodiscard]] OpMix parseOpMix(std::string_view text);

/// Value sizes in bytes, chosen uniformly from [min, max].
struct ValueSizes {
    uint32_t min = 64;
    uint32_t max = 64;
};

/// "100" or "10-1000". Throws std::invalid_argument naming the problem (not a number, over
/// 20 MiB, or a range whose end is below its start).
[[nodiscard]] ValueSizes parseValueSizes(std::string_view text);

enum class KeyDistribution : uint8_t {
    Uniform,
    Zipfian,
};

/// YCSB's zipfian generator over [0, items): next(u) maps a uniform u in [0, 1) to an index.
class ZipfianKeys {
public:
    /// Computes zeta(items, theta): items calls of pow(), about 30 ms per million items.
    ZipfianKeys(uint64_t items, double theta);

    [[nodiscard]] uint64_t next(double uniform) const;
    [[nodiscard]] uint64_t items() const { return items_; }

private:
    uint64_t items_;
    double theta_;
    double alpha_;
    double zeta_n_;
    double eta_;
    double half_pow_theta_;
};

/// One operation to send.
struct Operation {
    OpKind kind = OpKind::Get;
    uint64_t key = 0;
    /// SET only.
    uint32_t value_size = 0;
};

struct WorkloadSpec {
    OpMix mix;
    uint64_t keys = 100'000;
    KeyDistribution distribution = KeyDistribution::Uniform;
    ValueSizes values;
};

class Workload {
public:
    /// `zipfian` must be set when spec.distribution is Zipfian (and outlive the workload).
    Workload(const WorkloadSpec& spec, const ZipfianKeys* zipfian, uint64_t seed);

    [[nodiscard]] Operation next();

private:
    WorkloadSpec spec_;
    const ZipfianKeys* zipfian_;
    std::mt19937_64 random_;
};

/// "<prefix><index as twelve digits>".
[[nodiscard]] std::string keyName(std::string_view prefix, uint64_t index);

/// The vbucket a Couchbase SDK sends `key` to, out of `vbuckets` (0 means none: always 0).
[[nodiscard]] uint16_t vbucketOf(std::string_view key, uint16_t vbuckets);

}  // namespace eddy::bench
