// The live Configuration: getters, SET_PARAM, listeners, stats, and concurrent use (run under
// TSan in CI).
#include "engine/config/configuration.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace eddy::engine::config {
namespace {

TEST(ConfigurationTest, StartsFromTheDefaults) {
    Configuration config;
    EXPECT_EQ(100 * kMiB, config.getMaxSize());
    EXPECT_EQ(100 * kMiB, config.get<Param::MaxSize>());
    EXPECT_EQ(BucketType::Persistent, config.getBucketType());
    EXPECT_EQ(EvictionPolicy::ValueOnly, config.getItemEvictionPolicy());
    EXPECT_EQ(0.5, config.getCheckpointMemoryRatio());
    EXPECT_EQ(-1, config.getExpPagerInitialRunTime());
    EXPECT_TRUE(config.getWarmup());
    EXPECT_EQ("", config.getDbname());
    EXPECT_EQ(Values{}, config.snapshot());
    EXPECT_EQ(78643200u, config.memLowWatBytes());
    EXPECT_EQ(89128960u, config.memHighWatBytes());
}

TEST(ConfigurationTest, StartsFromParsedValues) {
    auto values =
        parseConfigString("bucket_type=ephemeral;dbname=/d;max_size=10485760;mem_high_wat=90");
    ASSERT_TRUE(values.ok()) << values.error().message;
    Configuration config(values.value());
    EXPECT_EQ(BucketType::Ephemeral, config.getBucketType());
    EXPECT_EQ("/d", config.getDbname());
    EXPECT_EQ(10485760u, config.getMaxSize());
    EXPECT_EQ(9437184u, config.memHighWatBytes());
    EXPECT_EQ(values.value(), config.snapshot());
    EXPECT_EQ(Value{std::string("/d")}, config.getValue(Param::Dbname));
    EXPECT_EQ(Value{EnumIndex{1}}, config.getValue(Param::BucketType));
}

TEST(ConfigurationTest, SetParamChangesDynamicParameters) {
    Configuration config;
    auto result = config.setParam("max_size", "209715200");
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(Category::Flush, result.value());
    EXPECT_EQ(209715200u, config.getMaxSize());
    EXPECT_EQ(178257920u, config.memHighWatBytes()) << "the watermarks follow the quota";

    auto checkpoint = config.setParam("max_checkpoints", "4");
    ASSERT_TRUE(checkpoint.ok());
    EXPECT_EQ(Category::Checkpoint, checkpoint.value());
    EXPECT_EQ(4u, config.getMaxCheckpoints());

    auto dcp = config.setParam("dcp_idle_timeout", "60", Category::Dcp);
    ASSERT_TRUE(dcp.ok());
    EXPECT_EQ(Category::Dcp, dcp.value());

    ASSERT_TRUE(config.setParam("ephemeral_full_policy", "fail_new_data").ok());
    EXPECT_EQ(EphemeralFullPolicy::FailNewData, config.getEphemeralFullPolicy());
    ASSERT_TRUE(config.setParam("chk_expel_enabled", "false").ok());
    EXPECT_FALSE(config.getChkExpelEnabled());
    ASSERT_TRUE(config.setParam("exp_pager_initial_run_time", "5").ok());
    EXPECT_EQ(5, config.getExpPagerInitialRunTime());
}

TEST(ConfigurationTest, StaticParametersAreRefused) {
    Configuration config;
    auto result = config.setParam("bucket_type", "ephemeral");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(ErrorCode::NotDynamic, result.error().code);
    EXPECT_EQ("bucket_type", result.error().key);
    EXPECT_EQ(
        "set_param: \"bucket_type\": not settable at run time (only when the bucket is created)",
        result.error().message);
    EXPECT_EQ(BucketType::Persistent, config.getBucketType());

    auto typed = config.set<Param::MaxVbuckets>(8);
    ASSERT_FALSE(typed.ok());
    EXPECT_EQ(ErrorCode::NotDynamic, typed.error().code);
    EXPECT_EQ(1024u, config.getMaxVbuckets());
}

TEST(ConfigurationTest, RefusedChangesLeaveTheValue) {
    Configuration config;
    auto unknown = config.setParam("max_sise", "1");
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(ErrorCode::UnknownKey, unknown.error().code);
    EXPECT_EQ("set_param: \"max_sise\": unknown parameter; did you mean \"max_size\"?",
              unknown.error().message);

    auto category = config.setParam("max_size", "209715200", Category::Checkpoint);
    ASSERT_FALSE(category.ok());
    EXPECT_EQ(ErrorCode::WrongCategory, category.error().code);
    EXPECT_EQ("set_param: \"max_size\": is a flush_param, not a checkpoint_param",
              category.error().message);

    EXPECT_EQ(ErrorCode::WrongType, config.setParam("max_size", "lots").error().code);
    EXPECT_EQ(ErrorCode::OutOfRange, config.setParam("max_size", "1").error().code);
    EXPECT_EQ(ErrorCode::BadEnumValue,
              config.setParam("ephemeral_full_policy", "delete").error().code);

    auto rule = config.setParam("mem_low_wat", "90");
    ASSERT_FALSE(rule.ok());
    EXPECT_EQ(ErrorCode::Constraint, rule.error().code);
    EXPECT_EQ("set_param: \"mem_low_wat\" (90) must be below \"mem_high_wat\" (85)",
              rule.error().message);

    EXPECT_EQ(Values{}, config.snapshot()) << "nothing changed";

    // In the right order the same target is reachable.
    ASSERT_TRUE(config.setParam("mem_high_wat", "95").ok());
    ASSERT_TRUE(config.setParam("mem_low_wat", "90").ok());
    EXPECT_EQ(90.0, config.getMemLowWat());
}

TEST(ConfigurationTest, TypedSetChecksLikeSetParam) {
    Configuration config;
    auto ok = config.set<Param::MemHighWat>(95.0);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(Category::Flush, ok.value());
    EXPECT_EQ(95.0, config.getMemHighWat());
    EXPECT_EQ(ErrorCode::OutOfRange, config.set<Param::MemLowWat>(150.0).error().code);
    EXPECT_EQ(ErrorCode::WrongType,
              config.set<Param::DcpMinCompressionRatio>(std::numeric_limits<double>::quiet_NaN())
                  .error()
                  .code);
    EXPECT_EQ(ErrorCode::Constraint,
              config.set<Param::CheckpointMemoryRecoveryLowerMark>(0.95).error().code);
    ASSERT_TRUE(config.set<Param::EphemeralFullPolicy>(EphemeralFullPolicy::FailNewData).ok());
    EXPECT_EQ(EphemeralFullPolicy::FailNewData, config.getEphemeralFullPolicy());
}

TEST(ConfigurationTest, ListenersHearEachSuccessfulChangeOnce) {
    Configuration config;
    std::vector<uint64_t> quotas;
    config.addListener<Param::MaxSize>([&](uint64_t quota) { quotas.push_back(quota); });
    std::vector<std::string> modes;
    auto named = config.addListener("ephemeral_full_policy", [&](const Value& value) {
        modes.push_back(formatValue(info(Param::EphemeralFullPolicy), value));
    });
    ASSERT_TRUE(named.ok());

    ASSERT_TRUE(config.setParam("max_size", "209715200").ok());
    EXPECT_EQ(std::vector<uint64_t>{209715200}, quotas);

    EXPECT_FALSE(config.setParam("max_size", "1").ok());
    EXPECT_FALSE(config.setParam("max_size", "209715200", Category::Dcp).ok());
    ASSERT_TRUE(config.setParam("max_checkpoints", "3").ok());
    EXPECT_EQ(1u, quotas.size()) << "failed changes and other parameters are not announced";

    ASSERT_TRUE(config.set<Param::MaxSize>(3 * kMiB).ok());
    EXPECT_EQ((std::vector<uint64_t>{209715200, 3 * kMiB}), quotas);

    ASSERT_TRUE(config.setParam("ephemeral_full_policy", "fail_new_data").ok());
    EXPECT_EQ(std::vector<std::string>{"fail_new_data"}, modes);

    config.removeListener(named.value());
    ASSERT_TRUE(config.setParam("ephemeral_full_policy", "auto_delete").ok());
    EXPECT_EQ(1u, modes.size()) << "removed listeners are not called";
}

TEST(ConfigurationTest, ListenerRegistrationErrors) {
    Configuration config;
    auto unknown = config.addListener("max_sise", [](const Value&) {});
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(ErrorCode::UnknownKey, unknown.error().code);
    auto fixed = config.addListener("bucket_type", [](const Value&) {});
    ASSERT_FALSE(fixed.ok());
    EXPECT_EQ(ErrorCode::NotDynamic, fixed.error().code);
}

TEST(ConfigurationTest, ListenersRunWithoutLocksAndMayReenter) {
    Configuration config;
    std::vector<std::string> calls;
    // Raising the high watermark drags the low one along, from inside the listener.
    config.addListener<Param::MemHighWat>([&](double high) {
        calls.push_back("high " + std::to_string(static_cast<int>(high)));
        EXPECT_EQ(high, config.getMemHighWat()) << "the new value is visible to getters";
        EXPECT_EQ(Values{}.get<Param::MaxSize>(), config.snapshot().get<Param::MaxSize>());
        auto result = config.set<Param::MemLowWat>(high - 10);
        EXPECT_TRUE(result.ok());
    });
    config.addListener<Param::MemLowWat>(
        [&](double low) { calls.push_back("low " + std::to_string(static_cast<int>(low))); });

    ASSERT_TRUE(config.setParam("mem_high_wat", "95").ok());
    EXPECT_EQ((std::vector<std::string>{"high 95", "low 85"}), calls);
    EXPECT_EQ(85.0, config.getMemLowWat());
}

TEST(ConfigurationTest, ListenerMayRemoveItselfAndAddOthers) {
    Configuration config;
    int once_calls = 0;
    int later_calls = 0;
    Configuration::ListenerId once = 0;
    once = config.addListener(Param::MaxTtl, [&](const Value&) {
        ++once_calls;
        config.removeListener(once);
        config.addListener(Param::MaxTtl, [&](const Value&) { ++later_calls; });
    });
    ASSERT_TRUE(config.setParam("max_ttl", "10").ok());
    ASSERT_TRUE(config.setParam("max_ttl", "20").ok());
    EXPECT_EQ(1, once_calls);
    // Added during the first delivery, so it also hears that change (it is later in id order).
    EXPECT_EQ(2, later_calls);
}

TEST(ConfigurationTest, StatsCoverEveryParameter) {
    Configuration config;
    ASSERT_TRUE(config.setParam("max_size", "209715200").ok());
    std::map<std::string, std::string> stats;
    size_t calls = 0;
    config.addStats([&](std::string_view key, std::string_view value) {
        ++calls;
        stats.emplace(key, value);
    });
    EXPECT_EQ(calls, stats.size()) << "keys are unique";
    EXPECT_EQ(kParamCount + 2, stats.size()) << "two watermarks also have a _percent stat";
    for (const auto& row : kParams) {
        EXPECT_EQ(1u, stats.count("ep_" + std::string(row.name))) << row.name;
    }
    EXPECT_EQ("209715200", stats["ep_max_size"]);
    EXPECT_EQ("157286400", stats["ep_mem_low_wat"]);
    EXPECT_EQ("75", stats["ep_mem_low_wat_percent"]);
    EXPECT_EQ("178257920", stats["ep_mem_high_wat"]);
    EXPECT_EQ("85", stats["ep_mem_high_wat_percent"]);
    EXPECT_EQ("persistent", stats["ep_bucket_type"]);
    EXPECT_EQ("value_only", stats["ep_item_eviction_policy"]);
    EXPECT_EQ("true", stats["ep_chk_expel_enabled"]);
    EXPECT_EQ("0.5", stats["ep_checkpoint_memory_ratio"]);
    EXPECT_EQ("-1", stats["ep_exp_pager_initial_run_time"]);
    EXPECT_EQ("", stats["ep_dbname"]);
}

// Readers hammer the lock-free getters while writers change parameters and listeners come and
// go; under TSan this is the data-race check. Afterwards the last value each listener heard is
// the current value: deliveries follow the order of the changes.
TEST(ConfigurationTest, ConcurrentGettersSettersAndListeners) {
    Configuration config;
    constexpr int kWrites = 400;
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> quota_calls{0};
    std::mutex heard_mutex;
    uint64_t last_heard_quota = 0;
    config.addListener<Param::MaxSize>([&](uint64_t quota) {
        quota_calls.fetch_add(1);
        std::lock_guard<std::mutex> lock(heard_mutex);
        last_heard_quota = quota;
    });

    std::vector<std::thread> readers;
    readers.reserve(2);
    for (int r = 0; r < 2; ++r) {
        readers.emplace_back([&] {
            uint64_t sink = 0;
            while (!stop.load()) {
                sink += config.getMaxSize();
                sink += static_cast<uint64_t>(config.getMemHighWat());
                sink += config.getDbname().size();
                sink += static_cast<uint64_t>(config.getEphemeralFullPolicy());
                sink += config.memLowWatBytes();
                const auto snapshot = config.snapshot();
                EXPECT_LT(snapshot.get<Param::MemLowWat>(), snapshot.get<Param::MemHighWat>());
            }
            EXPECT_NE(0u, sink);
        });
    }
    std::thread churn([&] {
        while (!stop.load()) {
            const auto id = config.addListener(Param::MaxSize, [](const Value&) {});
            config.removeListener(id);
        }
    });
    std::atomic<int> successes{0};
    std::vector<std::thread> writers;
    writers.reserve(2);
    for (int w = 0; w < 2; ++w) {
        writers.emplace_back([&, w] {
            for (int i = 0; i < kWrites; ++i) {
                const uint64_t quota = (2 + w + 2 * static_cast<uint64_t>(i % 50)) * kMiB;
                if (config.set<Param::MaxSize>(quota).ok()) {
                    successes.fetch_add(1);
                }
                // Both orders are tried; only those keeping low < high succeed.
                (void)config.setParam("mem_high_wat", w == 0 ? "90" : "80");
                (void)config.setParam("mem_low_wat", w == 0 ? "85" : "70");
                (void)config.setParam("ephemeral_full_policy",
                                      i % 2 == 0 ? "fail_new_data" : "auto_delete");
            }
        });
    }
    for (auto& writer : writers) {
        writer.join();
    }
    stop.store(true);
    churn.join();
    for (auto& reader : readers) {
        reader.join();
    }
    EXPECT_EQ(2 * kWrites, successes.load());
    EXPECT_EQ(static_cast<uint64_t>(successes.load()), quota_calls.load());
    std::lock_guard<std::mutex> lock(heard_mutex);
    EXPECT_EQ(config.getMaxSize(), last_heard_quota);
    const auto final = config.snapshot();
    EXPECT_LT(final.get<Param::MemLowWat>(), final.get<Param::MemHighWat>());
}

// removeListener from another thread waits for a running call to finish.
TEST(ConfigurationTest, RemoveListenerWaitsForARunningCall) {
    Configuration config;
    std::atomic<bool> entered{false};
    std::atomic<bool> release{false};
    std::atomic<bool> finished{false};
    const auto id = config.addListener(Param::MaxTtl, [&](const Value&) {
        entered.store(true);
        while (!release.load()) {
            std::this_thread::yield();
        }
        finished.store(true);
    });
    std::thread setter([&] { ASSERT_TRUE(config.setParam("max_ttl", "5").ok()); });
    while (!entered.load()) {
        std::this_thread::yield();
    }
    std::thread remover([&] {
        config.removeListener(id);
        EXPECT_TRUE(finished.load()) << "returned while the listener was still running";
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    release.store(true);
    remover.join();
    setter.join();
    ASSERT_TRUE(config.setParam("max_ttl", "6").ok());
}

}  // namespace
}  // namespace eddy::engine::config
