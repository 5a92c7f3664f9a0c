// MemoryManager on its own: write and delete admission against the limits it derives from the
// configuration, the listeners that keep them current, and stop().
#include "engine/memory_manager.h"

#include "engine/ep_bucket.h"

#include <gtest/gtest.h>

namespace eddy::engine {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;

class MemoryManagerTest : public ::testing::Test {
protected:
    explicit MemoryManagerTest(const char* config = "max_size=104857600")
        : configuration_(EpBucketConfig::parse(config)) {}

    /// Puts mem_used at `bytes` (value bytes only).
    void use(uint64_t bytes) {
        memory_.values.add(static_cast<int64_t>(bytes) - memory_.values.total());
    }

    config::Configuration configuration_;
    BucketMemory memory_;
    VBucketMap vbuckets_{4};
    MemoryManager manager_{{.configuration = configuration_,
                            .memory = memory_,
                            .vbuckets = vbuckets_,
                            .ejects_to_disk = false,
                            .now = {},
                            .resizer_interval = std::chrono::seconds(5)}};
    OpCounters counters_;
};

TEST_F(MemoryManagerTest, LimitsFollowTheConfiguration) {
    EXPECT_EQ(100 * kMiB, manager_.limits().quota.load());
    EXPECT_EQ(100 * kMiB / 100 * 93, manager_.limits().write_limit.load());
    EXPECT_EQ(configuration_.memHighWatBytes(), manager_.limits().high_watermark.load());
    ASSERT_TRUE(configuration_.setParam("mutation_mem_threshold", "50").ok());
    EXPECT_EQ(100 * kMiB / 100 * 50, manager_.limits().write_limit.load());
    ASSERT_TRUE(configuration_.setParam("max_size", "209715200").ok());
    EXPECT_EQ(200 * kMiB, manager_.limits().quota.load());
    EXPECT_EQ(200 * kMiB / 100 * 50, manager_.limits().write_limit.load());
}

TEST_F(MemoryManagerTest, WritesAboveTheThresholdAreRefusedAndCounted) {
    use(90 * kMiB);
    EXPECT_EQ(Status::Success, manager_.admitWrite(counters_));
    use(94 * kMiB);
    EXPECT_EQ(Status::TemporaryFailure, manager_.admitWrite(counters_));
    EXPECT_EQ(1u, counters_.tmp_oom_errors.load());
    // A deletion is admitted up to the quota itself.
    EXPECT_EQ(Status::Success, manager_.admitDelete(counters_));
    use(101 * kMiB);
    EXPECT_EQ(Status::TemporaryFailure, manager_.admitDelete(counters_));
    EXPECT_EQ(2u, counters_.tmp_oom_errors.load());
    EXPECT_EQ(0u, counters_.oom_errors.load());
}

TEST_F(MemoryManagerTest, AStoppedManagerNoLongerFollowsTheConfiguration) {
    manager_.stop();
    ASSERT_TRUE(configuration_.setParam("max_size", "209715200").ok());
    EXPECT_EQ(100 * kMiB, manager_.limits().quota.load());
}

class EphemeralFailNewDataTest : public MemoryManagerTest {
protected:
    EphemeralFailNewDataTest()
        : MemoryManagerTest(
              "max_size=104857600;bucket_type=ephemeral;"
              "ephemeral_full_policy=fail_new_data") {}
};

TEST_F(EphemeralFailNewDataTest, AFullBucketAnswersNoMemory) {
    use(94 * kMiB);
    EXPECT_EQ(Status::NoMemory, manager_.admitWrite(counters_));
    EXPECT_EQ(1u, counters_.oom_errors.load());
    EXPECT_EQ(0u, counters_.tmp_oom_errors.load());
}

TEST_F(MemoryManagerTest, ThePagerOfABucketWithoutAStoreEvictsNothing) {
    use(99 * kMiB);
    manager_.runItemPager();
    EXPECT_EQ(1u, manager_.counters().pager_runs.load());
    EXPECT_EQ(0u, manager_.counters().value_ejects.load());
    EXPECT_EQ(0u, manager_.counters().auto_deletes.load());
}

}  // namespace
}  // namespace eddy::engine
