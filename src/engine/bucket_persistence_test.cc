// A persistent bucket with a store: flushing, restart and warm-up, SEQNO_PERSISTENCE,
// OBSERVE_SEQNO, value eviction with background fetches, deletion and compaction. Driven through
// EngineIface on a FakeExecutor (one shard: the fake has one thread per group).
#include "engine/ep_bucket.h"
#include "executor/fake_executor.h"
#include "support/engine_driver.h"
#include "support/mock_cookie.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

namespace eddy::engine {
namespace {

using executor::TaskGroup;
namespace fs = std::filesystem;

constexpr auto kWait = std::chrono::seconds(5);

class BucketPersistenceTest : public ::testing::Test {
protected:
    BucketPersistenceTest() {
        directory_ = fs::temp_directory_path() /
                     ("eddy-persistence-" + std::to_string(::getpid()) + "-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(directory_);
    }
    ~BucketPersistenceTest() override {
        bucket_.reset();
        executor_.reset();
        fs::remove_all(directory_);
    }

    /// (Re)creates the bucket on the same directory and runs its warm-up.
    void open(const std::string& extra = "") {
        bucket_.reset();
        executor_ = std::make_unique<executor::FakeExecutor>();
        EpBucketConfig config;
        config.parameters = EpBucketConfig::parse("max_vbuckets=4;" + extra);
        config.now = [this] { return now_; };
        config.executor = executor_.get();
        config.data_dir = directory_.string();
        bucket_ = createEpBucket(server_, config);
    }

    void warmUp() { drain(TaskGroup::Reader); }

    /// Runs every task of the group that is due now.
    void drain(TaskGroup group) {
        for (int i = 0; i < 1000 && executor_->nextTaskName(group); ++i) {
            executor_->runNextTask(group);
        }
    }

    void flush() { drain(TaskGroup::Writer); }

    Status set(const std::string& key, const std::string& value, uint16_t vbucket = 0,
               MutationResult* out = nullptr) {
        StoreRequest request;
        request.key = DocKey(key);
        request.vbucket = Vbid(vbucket);
        request.value = value;
        request.flags = 0xcafe;
        MutationResult result;
        const Status status = bucket_->store(cookie_, request, result);
        if (out != nullptr) {
            *out = result;
        }
        return status;
    }

    /// A GET driven to completion: a fetch from disk is run and the GET retried.
    Status get(const std::string& key, ItemPtr& item, uint16_t vbucket = 0) {
        Status status = bucket_->get(cookie_, DocKey(key), Vbid(vbucket), item);
        if (status == Status::WouldBlock) {
            drain(TaskGroup::Reader);
            const auto notified = cookie_.waitForNotification(kWait);
            EXPECT_EQ(Status::Success, notified);
            status = bucket_->get(cookie_, DocKey(key), Vbid(vbucket), item);
        }
        return status;
    }

    std::string valueOf(const std::string& key, uint16_t vbucket = 0) {
        ItemPtr item;
        return get(key, item, vbucket) == Status::Success ? std::string(item->value())
                                                          : std::string("<absent>");
    }

    uint64_t stat(const std::string& name, std::string_view group = "") {
        uint64_t value = 0;
        EXPECT_EQ(Status::Success, bucket_->getStats(cookie_, group, "",
                                                     [&](std::string_view key, std::string_view v) {
                                                         if (key == name) {
                                                             value = std::stoull(std::string(v));
                                                         }
                                                     }));
        return value;
    }

    std::string textStat(const std::string& name, std::string_view group) {
        std::string value;
        EXPECT_EQ(Status::Success, bucket_->getStats(cookie_, group, "",
                                                     [&](std::string_view key, std::string_view v) {
                                                         if (key == name) {
                                                             value = v;
                                                         }
                                                     }));
        return value;
    }

    ObserveSeqnoResult observe(uint16_t vbucket, uint64_t uuid, Status expected = Status::Success) {
        ObserveSeqnoResult result;
        EXPECT_EQ(expected, bucket_->observeSeqno(cookie_, Vbid(vbucket), uuid, result));
        return result;
    }

    fs::path directory_;
    uint32_t now_ = 1'700'000'000;
    std::unique_ptr<executor::FakeExecutor> executor_;
    test::MockServerApi server_;
    test::MockCookie cookie_;
    std::unique_ptr<EngineIface> bucket_;
};

TEST_F(BucketPersistenceTest, KeyOperationsWaitForWarmUp) {
    open();
    EXPECT_EQ(Status::TemporaryFailure, set("k", "v"));
    EXPECT_EQ("loading data", textStat("ep_warmup_state", "warmup"));
    warmUp();
    EXPECT_EQ("done", textStat("ep_warmup_state", "warmup"));
    EXPECT_EQ(Status::Success, set("k", "v"));
}

TEST_F(BucketPersistenceTest, FlushedDocumentsSurviveARestartWithTheirMetadata) {
    open();
    warmUp();
    MutationResult first;
    MutationResult second;
    ASSERT_EQ(Status::Success, set("a", "alpha", 0, &first));
    ASSERT_EQ(Status::Success, set("b", std::string("be\0ta", 5), 1, &second));
    ItemPtr before;
    ASSERT_EQ(Status::Success, get("a", before));
    flush();
    EXPECT_EQ(2u, stat("ep_total_persisted"));
    EXPECT_EQ(0u, stat("ep_diskqueue_items"));
    const uint64_t uuid = observe(0, 0, Status::KeyNotFound).vbucket_uuid;

    open();  // a clean shutdown flushes and records it
    warmUp();
    EXPECT_EQ(2u, stat("ep_warmup_key_count", "warmup"));
    ItemPtr after;
    ASSERT_EQ(Status::Success, get("a", after));
    EXPECT_EQ("alpha", after->value());
    EXPECT_EQ(before->cas(), after->cas());
    EXPECT_EQ(0xcafeu, after->flags());
    EXPECT_EQ(std::string("be\0ta", 5), valueOf("b", 1));
    // Same branch after a clean restart, and seqnos continue above the persisted ones.
    const ObserveSeqnoResult observed = observe(0, uuid);
    EXPECT_FALSE(observed.failed_over);
    EXPECT_EQ(first.seqno, observed.last_persisted_seqno);
    MutationResult next;
    ASSERT_EQ(Status::Success, set("c", "gamma", 0, &next));
    EXPECT_GT(next.seqno, first.seqno);
    EXPECT_GT(next.cas, before->cas()) << "the clock does not go back after a restart";
}

TEST_F(BucketPersistenceTest, ShutdownFlushesWhatTheFlusherHadNotWritten) {
    open();
    warmUp();
    ASSERT_EQ(Status::Success, set("late", "value"));
    open();  // no flusher run before: the destructor writes it
    warmUp();
    EXPECT_EQ("value", valueOf("late"));
}

TEST_F(BucketPersistenceTest, AnUncleanShutdownStartsANewFailoverBranch) {
    open();
    warmUp();
    MutationResult written;
    ASSERT_EQ(Status::Success, set("k", "v", 0, &written));
    flush();
    bucket_.reset();
    // As if the process had died: no clean-shutdown record.
    ASSERT_TRUE(fs::remove(directory_ / "clean_shutdown"));
    open();
    warmUp();
    EXPECT_EQ("false", textStat("ep_warmup_clean_shutdown", "warmup"));
    const ObserveSeqnoResult observed = observe(0, written.vbucket_uuid);
    EXPECT_TRUE(observed.failed_over);
    EXPECT_NE(written.vbucket_uuid, observed.vbucket_uuid);
    EXPECT_EQ(written.seqno, observed.old_branch_last_seqno);
    EXPECT_EQ("v", valueOf("k"));
}

TEST_F(BucketPersistenceTest, SeqnoPersistenceWaitsForTheFlusher) {
    open();
    warmUp();
    MutationResult written;
    ASSERT_EQ(Status::Success, set("k", "v", 2, &written));
    ASSERT_EQ(Status::WouldBlock, bucket_->seqnoPersistence(cookie_, Vbid(2), written.seqno));
    EXPECT_EQ(0u, cookie_.notificationCount());
    flush();
    EXPECT_EQ(Status::Success, cookie_.waitForNotification(kWait));
    EXPECT_EQ(Status::Success, bucket_->seqnoPersistence(cookie_, Vbid(2), written.seqno));
    // A seqno never reached times out with a temporary failure.
    ASSERT_EQ(Status::WouldBlock, bucket_->seqnoPersistence(cookie_, Vbid(2), written.seqno + 5));
    executor_->advanceTime(std::chrono::seconds(31));
    drain(TaskGroup::NonIO);
    EXPECT_EQ(Status::TemporaryFailure, cookie_.waitForNotification(kWait));
    EXPECT_EQ(Status::NotMyVbucket, bucket_->seqnoPersistence(cookie_, Vbid(9), 1));
}

TEST_F(BucketPersistenceTest, EvictedValuesComeBackFromDisk) {
    open("max_size=1048576;checkpoint_memory_ratio=1.0");
    warmUp();
    const std::string value(1000, 'x');
    int written = 0;
    while (stat("mem_used") < stat("ep_mem_high_wat") + 10'000) {
        ASSERT_EQ(Status::Success, set("key" + std::to_string(written), value, written % 4));
        ++written;
        if (written % 100 == 0) {
            flush();  // clean documents are evictable
            executor_->advanceTime(std::chrono::seconds(5));
            drain(TaskGroup::NonIO);  // the checkpoint remover frees persisted checkpoints
        }
    }
    flush();
    executor_->advanceTime(std::chrono::seconds(5));
    drain(TaskGroup::NonIO);  // remover, then the pager (woken above the high watermark)
    EXPECT_LT(0u, stat("ep_num_value_ejects"));
    EXPECT_LE(stat("mem_used"), stat("ep_mem_low_wat") + 2000);
    EXPECT_LT(0u, stat("ep_num_non_resident"));
    // Every document still reads back whole, from memory or from disk.
    for (int i = 0; i < written; ++i) {
        ASSERT_EQ(value, valueOf("key" + std::to_string(i), i % 4)) << i;
    }
    EXPECT_LT(0u, stat("ep_bg_fetched"));
}

TEST_F(BucketPersistenceTest, DeletionsFlushAndVbucketDeletionAndFlushClearTheDisk) {
    open();
    warmUp();
    ASSERT_EQ(Status::Success, set("gone", "v", 0));
    ASSERT_EQ(Status::Success, set("kept", "v", 0));
    ASSERT_EQ(Status::Success, set("other", "v", 3));
    flush();
    MutationResult removed;
    ASSERT_EQ(Status::Success, bucket_->remove(cookie_, DocKey("gone"), Vbid(0), 0, removed));
    ASSERT_EQ(Status::Success, bucket_->deleteVBucket(cookie_, Vbid(3)));
    flush();
    open();
    warmUp();
    EXPECT_EQ("<absent>", valueOf("gone"));
    EXPECT_EQ("v", valueOf("kept"));
    uint32_t state = 0;
    EXPECT_EQ(Status::NotMyVbucket, bucket_->getVBucketState(cookie_, Vbid(3), state))
        << "a deleted vbucket stays deleted";

    ASSERT_EQ(Status::Success, bucket_->flush(cookie_));
    open();
    warmUp();
    EXPECT_EQ("<absent>", valueOf("kept"));
    EXPECT_EQ(0u, stat("ep_warmup_key_count", "warmup"));
}

TEST_F(BucketPersistenceTest, CompactionPurgesOldTombstones) {
    open("persistent_metadata_purge_age=0");
    warmUp();
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(Status::Success, set("k" + std::to_string(i), "v"));
    }
    for (int i = 0; i < 10; ++i) {
        MutationResult removed;
        ASSERT_EQ(Status::Success,
                  bucket_->remove(cookie_, DocKey("k" + std::to_string(i)), Vbid(0), 0, removed));
    }
    flush();
    now_ += 10;
    CompactRequest request;
    request.vbucket = Vbid(0);
    ASSERT_EQ(Status::WouldBlock, bucket_->compactDatabase(cookie_, request));
    drain(TaskGroup::Writer);
    EXPECT_EQ(Status::Success, cookie_.waitForNotification(kWait));
    EXPECT_EQ(Status::Success, bucket_->compactDatabase(cookie_, request));
    EXPECT_EQ(10u, stat("ep_tombstones_purged_on_disk"));
    EXPECT_EQ(1u, stat("ep_compactions"));
}

TEST_F(BucketPersistenceTest, WritesAfterAFlushSurviveItAndEarlierOnesDoNot) {
    open();
    warmUp();
    ASSERT_EQ(Status::Success, set("before", "old"));
    flush();
    ASSERT_EQ(Status::Success, bucket_->flush(cookie_));
    ASSERT_EQ(Status::Success, set("after", "new"));
    // The wipe and the new write go to disk in one batch, in that order.
    flush();
    open();
    warmUp();
    EXPECT_EQ("<absent>", valueOf("before"));
    EXPECT_EQ("new", valueOf("after"));
}

TEST_F(BucketPersistenceTest, AVbucketCreatedAgainStartsEmptyOnDisk) {
    open();
    warmUp();
    ASSERT_EQ(Status::Success, set("old-life", "v", 2));
    flush();
    ASSERT_EQ(Status::Success, bucket_->deleteVBucket(cookie_, Vbid(2)));
    ASSERT_EQ(Status::Success, bucket_->setVBucketState(cookie_, Vbid(2), 1));
    MutationResult written;
    ASSERT_EQ(Status::Success, set("new-life", "v", 2, &written));
    EXPECT_EQ(1u, written.seqno) << "a new vbucket numbers from 1";
    flush();
    ASSERT_EQ(Status::Success, bucket_->seqnoPersistence(cookie_, Vbid(2), written.seqno));
    open();
    warmUp();
    EXPECT_EQ("<absent>", valueOf("old-life", 2));
    EXPECT_EQ("v", valueOf("new-life", 2));
}

TEST_F(BucketPersistenceTest, ExpiriesWakeTheFlusher) {
    open();
    warmUp();
    StoreRequest request;
    request.key = DocKey("short-lived");
    request.vbucket = Vbid(0);
    request.value = "v";
    request.exptime = 10;
    MutationResult result;
    ASSERT_EQ(Status::Success, bucket_->store(cookie_, request, result));
    flush();
    const uint64_t persisted = stat("ep_total_persisted");
    now_ += 11;
    ItemPtr item;
    EXPECT_EQ(Status::KeyNotFound, bucket_->get(cookie_, DocKey("short-lived"), Vbid(0), item));
    // The expiry queued by the read woke the flusher: it is due without any write.
    ASSERT_TRUE(executor_->nextTaskName(TaskGroup::Writer));
    flush();
    EXPECT_EQ(persisted + 1, stat("ep_total_persisted"));
    EXPECT_EQ(0u, stat("ep_diskqueue_items"));
}

TEST_F(BucketPersistenceTest, OnlyTheLatestVersionOfAKeyIsWritten) {
    open("chk_max_items=2");
    warmUp();
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(Status::Success, set("k", "v" + std::to_string(i)));  // a short key
        ASSERT_EQ(Status::Success, set("other" + std::to_string(i), "x"));
    }
    flush();
    EXPECT_EQ(6u, stat("ep_total_persisted")) << "k once, and the five others";
    open();
    warmUp();
    EXPECT_EQ("v4", valueOf("k"));
}

TEST_F(BucketPersistenceTest, FullEvictionDropsWholeDocumentsAndFindsThemOnDisk) {
    open("item_eviction_policy=full_eviction;max_size=1048576;checkpoint_memory_ratio=1.0");
    warmUp();
    const std::string value(1000, 'f');
    int written = 0;
    const auto page = [this] {
        flush();  // clean documents are evictable
        executor_->advanceTime(std::chrono::seconds(5));
        drain(TaskGroup::NonIO);
    };
    while (stat("mem_used") < stat("ep_mem_high_wat") + 10'000) {
        ASSERT_EQ(Status::Success, set("key" + std::to_string(written), value, written % 4));
        if (++written % 100 == 0) {
            page();
        }
    }
    page();
    const uint64_t evicted = stat("ep_num_value_ejects");
    EXPECT_LT(0u, evicted);
    EXPECT_LE(stat("mem_used"), stat("ep_mem_low_wat") + 2000) << "whole records went";
    EXPECT_EQ(static_cast<uint64_t>(written), stat("curr_items")) << "documents on disk count";

    // A key nobody wrote: the Bloom filter answers, almost never the disk.
    const uint64_t fetches = stat("ep_bg_fetches");
    for (int i = 0; i < 200; ++i) {
        ItemPtr item;
        ASSERT_EQ(Status::KeyNotFound, get("never-" + std::to_string(i), item, i % 4));
    }
    EXPECT_LT(stat("ep_bg_fetches") - fetches, 20u);

    // ADD of an evicted key finds it on disk (the first ADD that has to wait for a fetch is on
    // an evicted key); a SET of another evicted key replaces it without counting it twice.
    const auto drive = [this](const std::function<Status()>& operation) {
        Status status = operation();
        if (status == Status::WouldBlock) {
            drain(TaskGroup::Reader);
            EXPECT_EQ(Status::Success, cookie_.waitForNotification(kWait));
            status = operation();
        }
        return status;
    };
    std::string evicted_key;
    uint16_t vbucket = 0;
    for (int i = 0; i < written && evicted_key.empty(); ++i) {
        StoreRequest add;
        const std::string key = "key" + std::to_string(i);
        add.key = DocKey(key);
        add.vbucket = Vbid(static_cast<uint16_t>(i % 4));
        add.value = "other";
        add.semantics = StoreSemantics::Add;
        MutationResult result;
        const Status first = bucket_->store(cookie_, add, result);
        if (first == Status::WouldBlock) {
            evicted_key = key;
            vbucket = static_cast<uint16_t>(i % 4);
            drain(TaskGroup::Reader);
            ASSERT_EQ(Status::Success, cookie_.waitForNotification(kWait));
            EXPECT_EQ(Status::KeyExists, bucket_->store(cookie_, add, result));
        } else {
            ASSERT_EQ(Status::KeyExists, first) << key;
        }
    }
    ASSERT_FALSE(evicted_key.empty()) << "no ADD had to look on disk";
    EXPECT_EQ(static_cast<uint64_t>(written), stat("curr_items"));
    for (int i = written - 1; i >= 0; --i) {
        const std::string key = "key" + std::to_string(i);
        StoreRequest replace;
        replace.key = DocKey(key);
        replace.vbucket = Vbid(static_cast<uint16_t>(i % 4));
        replace.value = value;
        replace.semantics = StoreSemantics::Replace;
        MutationResult result;
        const Status status = bucket_->store(cookie_, replace, result);
        if (status == Status::WouldBlock) {
            drain(TaskGroup::Reader);
            ASSERT_EQ(Status::Success, cookie_.waitForNotification(kWait));
            EXPECT_EQ(Status::Success, bucket_->store(cookie_, replace, result)) << key;
            break;
        }
    }
    EXPECT_EQ(static_cast<uint64_t>(written), stat("curr_items")) << "a replaced evicted key";

    // Every document reads back whole.
    for (int i = 0; i < written; ++i) {
        ASSERT_EQ(value, valueOf("key" + std::to_string(i), i % 4)) << i;
    }
    page();  // evict again, then delete one of them
    MutationResult removed;
    EXPECT_EQ(Status::Success, drive([&] {
                  return bucket_->remove(cookie_, DocKey(evicted_key), Vbid(vbucket), 0, removed);
              }));
    EXPECT_EQ(static_cast<uint64_t>(written - 1), stat("curr_items"));
    EXPECT_EQ("<absent>", valueOf(evicted_key, vbucket));
}

TEST_F(BucketPersistenceTest, BfilterEnabledFalseLooksUpEveryAbsentKeyOnDisk) {
    open("item_eviction_policy=full_eviction");
    warmUp();
    ASSERT_EQ(Status::Success, set("stored", "v"));
    flush();
    // GETs of keys nobody wrote, each one new; returns how many needed a disk read.
    int round = 0;
    const auto fetches_for_absent_keys = [&] {
        const uint64_t before = stat("ep_bg_fetches");
        for (int i = 0; i < 20; ++i) {
            ItemPtr item;
            EXPECT_EQ(Status::KeyNotFound,
                      get("absent-" + std::to_string(round) + "-" + std::to_string(i), item,
                          static_cast<uint16_t>(i % 4)));
        }
        ++round;
        return stat("ep_bg_fetches") - before;
    };
    EXPECT_LT(fetches_for_absent_keys(), 3u) << "the Bloom filter answers, not the disk";

    std::string message;
    ASSERT_EQ(Status::Success,
              bucket_->setParameter(cookie_, 1, "bfilter_enabled", "false", message))
        << message;
    EXPECT_EQ(20u, fetches_for_absent_keys()) << "without the filter every absent key is read";

    ASSERT_EQ(Status::Success,
              bucket_->setParameter(cookie_, 1, "bfilter_enabled", "true", message))
        << message;
    EXPECT_LT(fetches_for_absent_keys(), 3u);
    EXPECT_EQ("v", valueOf("stored"));
}

TEST_F(BucketPersistenceTest, WarmupFalseLoadsKeysButNoValues) {
    open();
    warmUp();
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(Status::Success,
                  set("k" + std::to_string(i), "value" + std::to_string(i), i % 4));
    }
    open("warmup=false");  // the previous bucket shut down cleanly, flushing everything
    warmUp();
    EXPECT_EQ(10u, stat("curr_items"));
    EXPECT_EQ(10u, stat("ep_num_non_resident")) << "no value was loaded";
    EXPECT_EQ("value3", valueOf("k3", 3)) << "a value is read from disk on first access";
    EXPECT_EQ(9u, stat("ep_num_non_resident"));

    open();
    warmUp();
    EXPECT_EQ(0u, stat("ep_num_non_resident")) << "warmup=true (the default) loads them all";
}

TEST_F(BucketPersistenceTest, WarmupMinItemsThresholdLoadsThatShareOfTheValues) {
    open();
    warmUp();
    for (int i = 0; i < 20; ++i) {
        ASSERT_EQ(Status::Success, set("k" + std::to_string(i), "v", i % 4));
    }
    open("warmup_min_items_threshold=50");
    warmUp();
    EXPECT_EQ(20u, stat("curr_items"));
    EXPECT_EQ(10u, stat("ep_num_non_resident")) << "half the values stay on disk";
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ("v", valueOf("k" + std::to_string(i), i % 4));
    }
}

TEST_F(BucketPersistenceTest, EphemeralBucketsHaveNoStore) {
    open("bucket_type=ephemeral");
    EXPECT_EQ(Status::Success, set("k", "v")) << "no warm-up";
    EXPECT_EQ(Status::NotSupported, bucket_->seqnoPersistence(cookie_, Vbid(0), 1));
    CompactRequest request;
    EXPECT_EQ(Status::NotSupported, bucket_->compactDatabase(cookie_, request));
    EXPECT_FALSE(fs::exists(directory_ / "store"));
}

}  // namespace
}  // namespace eddy::engine
