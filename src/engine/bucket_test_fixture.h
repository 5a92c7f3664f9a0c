// eddy tests — the bucket test fixture shared by bucket_semantics_test.cc and
// bucket_lifecycle_test.cc.
//
// Owns: BucketTest (a bucket with a 100-byte value limit and a settable clock, driven
// through EngineDriver) and the request builders the suites use.
// Invariants: with every vbucket active the bucket never returns WouldBlock and never notifies
// (checked at TearDown).
// Thread contract: the fixture's helpers run on the test thread; the bucket and the driver may
// also be used from threads the test starts, each with its own MockCookie.
#pragma once

#include "engine/ep_bucket.h"
#include "support/engine_driver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace eddy::engine::bucket_test {

using test::EngineDriver;
using test::MockCookie;
using test::MockServerApi;
using test::StatMap;

constexpr uint32_t kStartTime = 1'700'000'000;
constexpr size_t kMaxValueSize = 1024;

inline StoreRequest makeStore(std::string_view key, std::string_view value,
                              StoreSemantics semantics = StoreSemantics::Set) {
    StoreRequest request;
    request.key = DocKey(key);
    request.value = value;
    request.semantics = semantics;
    return request;
}

inline ArithmeticRequest makeArithmetic(std::string_view key, bool increment, uint64_t delta,
                                        uint64_t initial = 0, uint32_t exptime = 0) {
    ArithmeticRequest request;
    request.key = DocKey(key);
    request.increment = increment;
    request.delta = delta;
    request.initial = initial;
    request.exptime = exptime;
    return request;
}

/// Runs every test against each bucket_type; the key-value semantics must not differ.
class BucketTest : public ::testing::TestWithParam<std::string> {
protected:
    BucketTest() {
        EpBucketConfig config;
        config.parameters =
            EpBucketConfig::parse("bucket_type=" + GetParam() +
                                  ";max_vbuckets=4;max_item_size=" + std::to_string(kMaxValueSize));
        config.now = [this] { return now_.load(); };
        bucket_ = createEpBucket(server_, std::move(config));
        driver_ = std::make_unique<EngineDriver>(*bucket_);
        fresh_stats_ = stats();
    }

    void TearDown() override {
        // An active vbucket completes everything inline.
        EXPECT_EQ(0u, driver_->wouldBlocks());
        EXPECT_EQ(0u, server_.notificationCount());
    }

    void advance(uint32_t seconds) { now_ += seconds; }

    Status store(const StoreRequest& request, Cas* cas = nullptr) {
        MutationResult result;
        const Status status = driver_->store(cookie_, request, result);
        if (status == Status::Success) {
            EXPECT_NE(0u, result.cas);
        }
        if (cas != nullptr) {
            *cas = result.cas;
        }
        return status;
    }

    Status set(std::string_view key, std::string_view value, Cas* cas = nullptr) {
        return store(makeStore(key, value), cas);
    }

    Status get(std::string_view key, ItemPtr& out) { return driver_->get(cookie_, key, out); }

    /// The stored value, or "<absent>".
    std::string valueOf(std::string_view key) {
        ItemPtr item;
        if (get(key, item) != Status::Success) {
            return "<absent>";
        }
        return std::string(item->value());
    }

    Cas casOf(std::string_view key) {
        ItemPtr item;
        EXPECT_EQ(Status::Success, get(key, item));
        return item ? item->cas() : 0;
    }

    Status arithmetic(const ArithmeticRequest& request, uint64_t& value, Cas* cas = nullptr) {
        MutationResult result;
        const Status status = driver_->arithmetic(cookie_, request, value, result);
        if (cas != nullptr) {
            *cas = result.cas;
        }
        return status;
    }

    Status remove(std::string_view key, Cas cas = 0, Cas* new_cas = nullptr) {
        MutationResult result;
        const Status status = driver_->remove(cookie_, key, cas, result);
        if (new_cas != nullptr) {
            *new_cas = result.cas;
        }
        return status;
    }

    Status touch(std::string_view key, uint32_t exptime, ItemPtr& out) {
        return driver_->getAndTouch(cookie_, key, exptime, out);
    }

    StatMap stats() {
        StatMap map;
        EXPECT_EQ(Status::Success, driver_->getStats(cookie_, "", map));
        return map;
    }

    uint64_t stat(const StatMap& map, std::string_view name) {
        auto it = map.find(name);
        if (it == map.end()) {
            ADD_FAILURE() << "missing stat " << name;
            return 0;
        }
        return std::stoull(it->second);
    }

    uint64_t stat(std::string_view name) { return stat(stats(), name); }

    std::atomic<uint32_t> now_{kStartTime};
    MockServerApi server_;
    /// The default STAT group of the bucket just after creation.
    StatMap fresh_stats_;
    MockCookie cookie_;
    std::unique_ptr<EngineIface> bucket_;
    std::unique_ptr<EngineDriver> driver_;
};

}  // namespace eddy::engine::bucket_test
