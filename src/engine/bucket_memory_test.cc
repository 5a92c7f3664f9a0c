// The bucket's memory quota: accounting, write admission, the item pager, the checkpoint
// remover and the ephemeral tombstone purger, driven through EngineIface on a FakeExecutor.
#include "engine/ep_bucket.h"
#include "executor/fake_executor.h"
#include "support/engine_driver.h"
#include "support/mock_cookie.h"

#include <gtest/gtest.h>

#include <string>

namespace eddy::engine {
namespace {

using executor::TaskGroup;

constexpr uint64_t kQuota = 1 << 20;  // the smallest max_size
constexpr size_t kValueSize = 1000;
constexpr const char* kItemPager = "Paging out items";
constexpr const char* kRemover = "Removing closed unreferenced checkpoints";
constexpr const char* kPurger = "Purging deleted items";

class BucketMemoryTest : public ::testing::Test {
protected:
    /// A bucket of 4 vbuckets with a 1 MiB quota and `extra` parameters.
    void create(const std::string& extra) {
        EpBucketConfig config;
        config.parameters = EpBucketConfig::parse(
            "max_vbuckets=4;max_size=" + std::to_string(kQuota) + ";" + extra);
        config.now = [this] { return now_; };
        config.executor = &executor_;
        bucket_ = createEpBucket(server_, config);
    }

    Status set(const std::string& key, size_t size = kValueSize) {
        StoreRequest request;
        request.key = DocKey(key);
        request.vbucket = vbucketOf(key);
        const std::string value(size, 'v');
        request.value = value;
        MutationResult result;
        return bucket_->store(cookie_, request, result);
    }

    Status remove(const std::string& key) {
        MutationResult result;
        return bucket_->remove(cookie_, DocKey(key), vbucketOf(key), 0, result);
    }

    bool exists(const std::string& key) {
        ItemPtr item;
        return bucket_->get(cookie_, DocKey(key), vbucketOf(key), item) == Status::Success;
    }

    static Vbid vbucketOf(const std::string& key) {
        return Vbid(static_cast<uint16_t>(std::hash<std::string>{}(key) % 4));
    }

    static std::string keyOf(int i) { return "key" + std::to_string(i); }

    /// Runs every NONIO task that is due now (as the executor's threads would meanwhile).
    void runDueTasks() {
        while (executor_.nextTaskName(TaskGroup::NonIO)) {
            executor_.runNextTask(TaskGroup::NonIO);
        }
    }

    /// A write; a temporary failure is retried once after the due background tasks ran (a
    /// refusal wakes the pager or the checkpoint remover).
    Status setWithTasks(const std::string& key, size_t size = kValueSize) {
        const Status status = set(key, size);
        if (status != Status::TemporaryFailure) {
            return status;
        }
        runDueTasks();
        return set(key, size);
    }

    /// Writes keys 0, 1, ... until a write is refused; returns how many succeeded and the
    /// refusal.
    std::pair<int, Status> fillUntilRefused(int limit = 100'000) {
        for (int i = 0; i < limit; ++i) {
            const Status status = setWithTasks(keyOf(i));
            if (status != Status::Success) {
                return {i, status};
            }
        }
        return {limit, Status::Success};
    }

    uint64_t stat(const std::string& name) {
        uint64_t value = 0;
        bool found = false;
        EXPECT_EQ(Status::Success,
                  bucket_->getStats(cookie_, "", "", [&](std::string_view key, std::string_view v) {
                      if (key == name) {
                          value = std::stoull(std::string(v));
                          found = true;
                      }
                  }));
        EXPECT_TRUE(found) << name;
        return value;
    }

    /// Runs NONIO tasks, moving the clock on when none is due, until the task with this
    /// description has run once.
    void runNonIo(const std::string& name) {
        for (int i = 0; i < 100; ++i) {
            const auto next = executor_.nextTaskName(TaskGroup::NonIO);
            if (!next) {
                executor_.advanceTime(std::chrono::seconds(1));
                continue;
            }
            executor_.runNextTask(TaskGroup::NonIO);
            if (*next == name) {
                return;
            }
        }
        FAIL() << name << " did not run";
    }

    uint32_t now_ = 1'700'000'000;
    executor::FakeExecutor executor_;
    test::MockServerApi server_;
    test::MockCookie cookie_;
    std::unique_ptr<EngineIface> bucket_;
};

TEST_F(BucketMemoryTest, MemUsedChargesEachValueOnceAndFallsBackWhenItGoes) {
    create("bucket_type=ephemeral;ephemeral_metadata_purge_age=0");
    const uint64_t empty = stat("mem_used");
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(Status::Success, set(keyOf(i)));
    }
    // The hash table and the checkpoint share each value: it is charged once.
    const uint64_t values = stat("ep_value_size");
    EXPECT_GE(values, 100 * kValueSize);
    EXPECT_LT(values, 100 * (kValueSize + 64));
    const uint64_t full = stat("mem_used");
    EXPECT_EQ(full, values + stat("ep_meta_data_memory") + stat("ep_checkpoint_memory_overhead"));
    EXPECT_LT(full, empty + 100 * (kValueSize + 1024)) << "metadata per item stays small";
    // The checkpoint budget counts the values it holds (the items are still queued).
    EXPECT_GE(stat("ep_checkpoint_memory"), 100 * kValueSize);

    // Overwriting a key frees its old value (de-duplicated in the open checkpoint).
    ASSERT_EQ(Status::Success, set(keyOf(0), 10));
    EXPECT_LT(stat("ep_value_size"), values - kValueSize + 64);
    EXPECT_GT(stat("ep_value_size"), values - kValueSize);

    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(Status::Success, remove(keyOf(i)));
    }
    EXPECT_EQ(0u, stat("ep_value_size")) << "deletions drop every value";
    // The purger removes the tombstones; the metadata falls back to the empty bucket's.
    now_ += 1;
    executor_.advanceTime(std::chrono::seconds(60));
    runNonIo(kPurger);
    EXPECT_EQ(100u, stat("ep_tombstones_purged"));
    const uint64_t metadata_now = stat("ep_meta_data_memory");
    create("bucket_type=ephemeral");
    EXPECT_EQ(stat("ep_meta_data_memory"), metadata_now);
}

TEST_F(BucketMemoryTest, PersistentBucketRefusesWritesWithTmpfailAtTheThreshold) {
    // Checkpoints may take the whole quota, so the write threshold is what refuses.
    create("bucket_type=persistent;checkpoint_memory_ratio=1.0");
    const auto [written, refusal] = fillUntilRefused();
    EXPECT_EQ(Status::TemporaryFailure, refusal);
    EXPECT_GT(written, 100);
    // Refused once past 93 % of the quota: at most one item over it.
    EXPECT_GT(stat("mem_used"), kQuota / 100 * 93);
    EXPECT_LE(stat("mem_used"), kQuota / 100 * 93 + 2 * kValueSize);
    EXPECT_LE(1u, stat("ep_tmp_oom_errors"));
    // The pager has nothing it may evict (nothing is persisted yet); nothing was lost.
    runNonIo(kItemPager);
    EXPECT_EQ(0u, stat("vb_active_auto_delete_count"));
    for (int i = 0; i < written; ++i) {
        ASSERT_TRUE(exists(keyOf(i))) << keyOf(i);
    }
    // Deletes are admitted up to the quota itself (their memory comes back once persisted).
    for (int i = 0; i < written / 2; ++i) {
        ASSERT_EQ(Status::Success, remove(keyOf(i)));
    }
    EXPECT_FALSE(exists(keyOf(0)));
}

TEST_F(BucketMemoryTest, EphemeralFailNewDataRefusesWithNoMemoryAndDeletesNothing) {
    create("bucket_type=ephemeral;ephemeral_full_policy=fail_new_data");
    const auto [written, refusal] = fillUntilRefused();
    EXPECT_EQ(Status::NoMemory, refusal);
    EXPECT_LE(1u, stat("ep_oom_errors"));
    runNonIo(kItemPager);
    EXPECT_EQ(0u, stat("vb_active_auto_delete_count"));
    EXPECT_TRUE(exists(keyOf(0)));
    EXPECT_TRUE(exists(keyOf(written - 1)));
    // Deleting documents makes room again once the checkpoints holding them are freed.
    runNonIo(kRemover);
    for (int i = 0; i < written / 2; ++i) {
        ASSERT_EQ(Status::Success, remove(keyOf(i)));
    }
    runNonIo(kRemover);
    EXPECT_EQ(Status::Success, set("after-deletes"));
}

TEST_F(BucketMemoryTest, EphemeralAutoDeletePagesDownToTheLowWatermark) {
    create("bucket_type=ephemeral;ephemeral_full_policy=auto_delete");
    const uint64_t high = stat("ep_mem_high_wat");
    const uint64_t low = stat("ep_mem_low_wat");
    int written = 0;
    while (stat("mem_used") <= high) {
        ASSERT_EQ(Status::Success, setWithTasks(keyOf(written++)));
    }
    // Keep the newest keys hot: a read raises their access frequency.
    for (int i = written - 20; i < written; ++i) {
        ASSERT_TRUE(exists(keyOf(i)));
    }
    // Crossing the high watermark woke the pager: it is due now, without waiting its period.
    runNonIo(kItemPager);
    EXPECT_LE(stat("mem_used"), low);
    EXPECT_GT(stat("mem_used"), low / 2) << "no more than needed is deleted";
    const uint64_t deleted = stat("vb_active_auto_delete_count");
    EXPECT_GT(deleted, 0u);
    EXPECT_EQ(written - deleted, stat("curr_items"));
    for (int i = written - 20; i < written; ++i) {
        EXPECT_TRUE(exists(keyOf(i))) << "recently read " << keyOf(i) << " was evicted";
    }
    // The bucket takes writes again.
    EXPECT_EQ(Status::Success, set("after-paging"));
}

TEST_F(BucketMemoryTest, ExceedingTheCheckpointBudgetRefusesWrites) {
    // 10 % of the quota for checkpoints; the persistence cursor pins every change (no flusher).
    create("bucket_type=persistent;checkpoint_memory_ratio=0.1");
    const auto [written, refusal] = fillUntilRefused();
    EXPECT_EQ(Status::TemporaryFailure, refusal);
    EXPECT_LT(stat("mem_used"), kQuota / 100 * 85) << "refused for checkpoints, not the quota";
    EXPECT_GE(stat("ep_checkpoint_memory"), kQuota / 10);
    EXPECT_LE(stat("ep_checkpoint_memory"), kQuota / 10 + 2 * kValueSize + 4096);
    EXPECT_GT(written, 0);
}

TEST_F(BucketMemoryTest, CheckpointRemoverFreesClosedCheckpointsNoCursorNeeds) {
    create("bucket_type=ephemeral;chk_max_items=10");
    for (int i = 0; i < 200; ++i) {
        ASSERT_EQ(Status::Success, set(keyOf(i), 10));
    }
    EXPECT_GT(stat("ep_num_checkpoints"), 4u);
    executor_.advanceTime(std::chrono::seconds(5));
    runNonIo(kRemover);
    // An ephemeral bucket has no persistence cursor: only the open checkpoints stay.
    EXPECT_EQ(4u, stat("ep_num_checkpoints"));
    EXPECT_EQ(200u, stat("ep_items_rm_from_checkpoints") + stat("ep_num_checkpoint_items"));
    EXPECT_EQ(200u, stat("curr_items"));
}

TEST_F(BucketMemoryTest, PersistenceCursorKeepsCheckpointsOfAPersistentBucket) {
    create("bucket_type=persistent;chk_max_items=10");
    for (int i = 0; i < 200; ++i) {
        ASSERT_EQ(Status::Success, set(keyOf(i), 10));
    }
    const uint64_t checkpoints = stat("ep_num_checkpoints");
    executor_.advanceTime(std::chrono::seconds(5));
    runNonIo(kRemover);
    EXPECT_EQ(checkpoints, stat("ep_num_checkpoints")) << "nothing persisted, nothing freed";
    EXPECT_EQ(0u, stat("ep_items_rm_from_checkpoints"));
    EXPECT_EQ(200u, stat("ep_num_checkpoint_items"));
}

TEST_F(BucketMemoryTest, SetParamChangesTheQuotaAtRunTime) {
    create("bucket_type=persistent");
    std::string message;
    ASSERT_EQ(Status::Success,
              bucket_->setParameter(cookie_, 1, "max_size", std::to_string(2 * kQuota), message))
        << message;
    EXPECT_EQ(2 * kQuota, stat("ep_max_size"));
    EXPECT_EQ(static_cast<uint64_t>(2 * kQuota * 0.85), stat("ep_mem_high_wat"));
    const auto [written, refusal] = fillUntilRefused();
    EXPECT_EQ(Status::TemporaryFailure, refusal);
    EXPECT_GT(stat("mem_used"), kQuota) << "the larger quota applies";

    // The `config` stat group shows the new value.
    std::string shown;
    ASSERT_EQ(Status::Success, bucket_->getStats(cookie_, "config", "",
                                                 [&](std::string_view key, std::string_view v) {
                                                     if (key == "ep_max_size") {
                                                         shown = v;
                                                     }
                                                 }));
    EXPECT_EQ(std::to_string(2 * kQuota), shown);

    EXPECT_EQ(Status::InvalidArguments,
              bucket_->setParameter(cookie_, 1, "max_vbuckets", "8", message));
    EXPECT_NE(std::string::npos, message.find("max_vbuckets")) << message;
    EXPECT_EQ(Status::InvalidArguments,
              bucket_->setParameter(cookie_, 3, "max_size", "2097152", message))
        << "max_size is a flush_param";
    EXPECT_EQ(Status::InvalidArguments,
              bucket_->setParameter(cookie_, 2, "max_size", "1", message));
}

}  // namespace
}  // namespace eddy::engine
