// eddy-bench's workload: the mix and size syntaxes, the SDK's vbucket rule, the zipfian shape
// and the operation mix a Workload draws.
#include "workload.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <random>
#include <stdexcept>

namespace eddy::bench {
namespace {

TEST(OpMixTest, ParsesTwoOrThreeWeights) {
    const OpMix two = parseOpMix("90:10");
    EXPECT_EQ(90u, two.get);
    EXPECT_EQ(10u, two.set);
    EXPECT_EQ(0u, two.del);
    const OpMix three = parseOpMix("0:1:1");
    EXPECT_EQ(0u, three.get);
    EXPECT_EQ(1u, three.set);
    EXPECT_EQ(1u, three.del);
    EXPECT_EQ(2u, three.total());
}

TEST(OpMixTest, RefusesWhatIsNotAMix) {
    for (const char* bad : {"", "90", "90:", ":10", "a:b", "1:2:3:4", "0:0", "-1:2", "90:10 "}) {
        EXPECT_THROW((void)parseOpMix(bad), std::invalid_argument) << bad;
    }
}

TEST(ValueSizesTest, ParsesASizeOrARange) {
    const ValueSizes fixed = parseValueSizes("100");
    EXPECT_EQ(100u, fixed.min);
    EXPECT_EQ(100u, fixed.max);
    const ValueSizes range = parseValueSizes("10-1000");
    EXPECT_EQ(10u, range.min);
    EXPECT_EQ(1000u, range.max);
    for (const char* bad : {"", "x", "10-", "1000-10", "1-2-3", "99999999999"}) {
        EXPECT_THROW((void)parseValueSizes(bad), std::invalid_argument) << bad;
    }
}

TEST(VbucketOfTest, RoutesAsTheSdkDoes) {
    // Reference values from Python's zlib.crc32: ((crc >> 16) & 0x7fff) % vbuckets.
    EXPECT_EQ(528, vbucketOf("hello", 1024));
    EXPECT_EQ(115, vbucketOf("foo", 1024));
    EXPECT_EQ(878, vbucketOf("eddy-bench:000000000042", 1024));
    EXPECT_EQ(46, vbucketOf("eddy-bench:000000000042", 64));
    EXPECT_EQ(0, vbucketOf("hello", 0));
}

TEST(KeyNameTest, HasAFixedWidth) {
    EXPECT_EQ("k:000000000042", keyName("k:", 42));
    EXPECT_EQ(keyName("p", 0).size(), keyName("p", 999'999'999'999).size());
}

TEST(ZipfianKeysTest, TheHottestKeysTakeTheShareTheFormulaGives) {
    constexpr uint64_t kItems = 1000;
    constexpr double kTheta = 0.99;
    const ZipfianKeys keys(kItems, kTheta);
    double zeta = 0;
    for (uint64_t i = 1; i <= kItems; ++i) {
        zeta += 1.0 / std::pow(double(i), kTheta);
    }
    std::mt19937_64 random(7);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    constexpr int kDraws = 200'000;
    std::array<int, 3> hottest{};
    uint64_t largest = 0;
    for (int i = 0; i < kDraws; ++i) {
        const uint64_t key = keys.next(uniform(random));
        ASSERT_LT(key, kItems);
        largest = std::max(largest, key);
        if (key < hottest.size()) {
            ++hottest[key];
        }
    }
    for (size_t rank = 0; rank < hottest.size(); ++rank) {
        const double expected = 1.0 / std::pow(double(rank + 1), kTheta) / zeta;
        EXPECT_NEAR(expected, double(hottest[rank]) / kDraws, 0.01) << "rank " << rank;
    }
    EXPECT_GT(largest, kItems / 2) << "the tail is reached too";
    EXPECT_THROW(ZipfianKeys(1, kTheta), std::invalid_argument);
    EXPECT_THROW(ZipfianKeys(10, 1.0), std::invalid_argument);
}

TEST(WorkloadTest, DrawsTheMixAndTheSizesAsked) {
    WorkloadSpec spec;
    spec.mix = OpMix{.get = 6, .set = 3, .del = 1};
    spec.keys = 50;
    spec.values = ValueSizes{.min = 10, .max = 20};
    Workload workload(spec, nullptr, 3);
    std::map<OpKind, int> kinds;
    constexpr int kDraws = 100'000;
    for (int i = 0; i < kDraws; ++i) {
        const Operation op = workload.next();
        ++kinds[op.kind];
        ASSERT_LT(op.key, spec.keys);
        if (op.kind == OpKind::Set) {
            ASSERT_GE(op.value_size, 10u);
            ASSERT_LE(op.value_size, 20u);
        }
    }
    EXPECT_NEAR(0.6, double(kinds[OpKind::Get]) / kDraws, 0.01);
    EXPECT_NEAR(0.3, double(kinds[OpKind::Set]) / kDraws, 0.01);
    EXPECT_NEAR(0.1, double(kinds[OpKind::Delete]) / kDraws, 0.01);
    spec.distribution = KeyDistribution::Zipfian;
    EXPECT_THROW(Workload(spec, nullptr, 3), std::invalid_argument);
}

}  // namespace
}  // namespace eddy::bench
