#include "engine/vbucket/vbucket.h"

#include "engine/vbucket/vbucket_map.h"

#include <gtest/gtest.h>

#include <thread>
#include <tuple>
#include <vector>

namespace eddy::engine {
namespace {

constexpr uint32_t kStart = 1'700'000'000;

class VBucketTest : public ::testing::Test {
protected:
    VBucketTest()
        : vbucket_(Vbid(3), VBucketState::Active, config(), clock_, [this] { return now_; }) {
        // The smallest limit the table accepts; read by the vbucket at every write.
        EXPECT_TRUE(parameters_.set<config::Param::MaxItemSize>(kMaxItemSize).ok());
    }

    VBucketConfig config() {
        VBucketConfig config;
        config.parameters = &parameters_;
        return config;
    }

    VBucketResult set(const char* key, const char* value, Cas cas = 0,
                      StoreSemantics semantics = StoreSemantics::Set, uint32_t exptime = 0) {
        StoreRequest request;
        request.key = DocKey(key);
        request.value = value;
        request.cas = cas;
        request.semantics = semantics;
        request.exptime = exptime;
        request.flags = 7;
        return vbucket_.store(request, last_);
    }

    std::string valueOf(const char* key) {
        Document document;
        return vbucket_.get(key, document) == Status::Success ? std::string(document.value->view())
                                                              : std::string("<absent>");
    }

    static constexpr size_t kMaxItemSize = 1024;

    uint32_t now_ = kStart;
    config::Configuration parameters_;
    HybridLogicalClock clock_;
    VBucket vbucket_;
    MutationInfo last_;
};

TEST_F(VBucketTest, EveryChangeIsQueuedIntoTheCheckpointWithItsSeqno) {
    ASSERT_EQ(Status::Success, set("a", "1", 0, StoreSemantics::Set, 10));
    ASSERT_EQ(Status::Success, set("b", "2"));
    MutationInfo removed;
    ASSERT_EQ(Status::Success, vbucket_.remove("b", 0, removed));
    now_ += 10;
    EXPECT_EQ(1u, vbucket_.expireDueItems());
    // A read or lock is not a change.
    Document document;
    EXPECT_EQ(Status::KeyNotFound, vbucket_.get("a", document));

    auto read = vbucket_.checkpointManager().getItemsForPersistence();
    ASSERT_TRUE(read);
    std::vector<std::tuple<std::string, int64_t, QueueOp>> queued;
    for (const auto& snapshot : read->snapshots) {
        for (const auto& item : snapshot.items) {
            queued.emplace_back(item->key(), item->bySeqno(), item->op());
        }
    }
    // "b" was de-duplicated in the open checkpoint: its deletion replaced its mutation.
    const std::vector<std::tuple<std::string, int64_t, QueueOp>> expected = {
        {"b", 3, QueueOp::Deletion}, {"a", 4, QueueOp::Expiration}};
    EXPECT_EQ(expected, queued);
    EXPECT_EQ(4u, vbucket_.highSeqno());
    EXPECT_EQ(4, vbucket_.checkpointManager().highSeqno());
}

TEST_F(VBucketTest, QueuedItemsShareTheStoredValueAndCarryItsMetadata) {
    ASSERT_EQ(Status::Success, set("k", "value"));
    Document document;
    ASSERT_EQ(Status::Success, vbucket_.get("k", document));
    auto read = vbucket_.checkpointManager().getItemsForPersistence();
    ASSERT_TRUE(read);
    ASSERT_EQ(1u, read->num_items);
    const QueuedItem& item = *read->snapshots.front().items.front();
    EXPECT_EQ(document.value.get(), item.valuePtr().get()) << "the same blob, not a copy";
    EXPECT_EQ(document.cas, item.cas());
    EXPECT_EQ(7u, item.flags());
    EXPECT_EQ(document.rev_seqno, item.revSeqno());
    EXPECT_EQ(QueueOp::Mutation, item.op());
}

TEST_F(VBucketTest, ATombstoneRecordsItsDeleteTimeAndThePurgerAgesIt) {
    ASSERT_EQ(Status::Success, set("k", "v"));
    MutationInfo removed;
    ASSERT_EQ(Status::Success, vbucket_.remove("k", 0, removed));
    EXPECT_EQ(0u, vbucket_.purgeTombstones(kStart - 1)) << "deleted after the cut-off";
    EXPECT_EQ(1u, vbucket_.hashTable().numDeleted());
    EXPECT_EQ(1u, vbucket_.purgeTombstones(kStart));
    EXPECT_EQ(0u, vbucket_.hashTable().numItems());
    // The key can be written again, with a fresh revision.
    ASSERT_EQ(Status::Success, set("k", "again"));
    EXPECT_EQ("again", valueOf("k"));
}

TEST_F(VBucketTest, DeleteColdItemsSparesWhatWasRead) {
    for (const char* key : {"a", "b", "c", "d"}) {
        ASSERT_EQ(Status::Success, set(key, "v"));
    }
    for (int reads = 0; reads < 3; ++reads) {
        EXPECT_EQ("v", valueOf("c"));
    }
    const auto never = [](size_t) { return false; };
    size_t evicted = 0;
    for (int pass = 0; pass < 3; ++pass) {
        evicted += vbucket_.deleteColdItems(never).evicted;
    }
    EXPECT_EQ(3u, evicted) << "a, b and d were never read";
    EXPECT_EQ("v", valueOf("c"));
    EXPECT_EQ("<absent>", valueOf("a"));
    // Each eviction is a deletion other readers of the log see.
    auto read = vbucket_.checkpointManager().getItemsForPersistence();
    ASSERT_TRUE(read);
    size_t deletions = 0;
    for (const auto& snapshot : read->snapshots) {
        for (const auto& item : snapshot.items) {
            deletions += item->op() == QueueOp::Deletion ? 1 : 0;
        }
    }
    EXPECT_EQ(3u, deletions);
}

TEST_F(VBucketTest, ChargesItsMemoryToTheBucketAndReleasesItWhenDestroyed) {
    BucketMemory memory;
    {
        VBucket vbucket(
            Vbid(0), VBucketState::Active, config(), clock_, [this] { return now_; }, &memory);
        const uint64_t empty = memory.memUsed();
        EXPECT_LT(0u, empty) << "the bucket array and the open checkpoint";
        StoreRequest request;
        request.key = DocKey("key");
        request.value = "0123456789";
        MutationInfo info;
        ASSERT_EQ(Status::Success, vbucket.store(request, info));
        EXPECT_EQ(static_cast<int64_t>(sizeof(Blob) + 10), memory.values.total());
        EXPECT_LT(empty, memory.memUsed());
    }
    EXPECT_EQ(0, memory.values.total());
    EXPECT_EQ(0, memory.hash_tables.total());
    EXPECT_EQ(0, memory.checkpoints.total());
    EXPECT_EQ(0, memory.checkpoint_overhead.total());
}

TEST_F(VBucketTest, MutationsGetIncreasingSeqnosAndTheBranchUuid) {
    ASSERT_EQ(Status::Success, set("a", "1"));
    EXPECT_EQ(1u, last_.seqno);
    EXPECT_EQ(vbucket_.uuid(), last_.vbucket_uuid);
    ASSERT_EQ(Status::Success, set("b", "2"));
    EXPECT_EQ(2u, last_.seqno);
    MutationInfo removed;
    ASSERT_EQ(Status::Success, vbucket_.remove("a", 0, removed));
    EXPECT_EQ(3u, removed.seqno);
    EXPECT_EQ(3u, vbucket_.highSeqno());
    EXPECT_GT(removed.cas, last_.cas);
}

TEST_F(VBucketTest, StoreSemanticsAndCas) {
    EXPECT_EQ(Status::KeyNotFound, set("k", "v", 0, StoreSemantics::Replace));
    EXPECT_EQ(Status::NotStored, set("k", "v", 0, StoreSemantics::Append));
    EXPECT_EQ(Status::KeyNotFound, set("k", "v", 42));
    ASSERT_EQ(Status::Success, set("k", "mid", 0, StoreSemantics::Add));
    const Cas cas = last_.cas;
    EXPECT_EQ(Status::KeyExists, set("k", "x", 0, StoreSemantics::Add));
    EXPECT_EQ(Status::KeyExists, set("k", "x", cas + 1));
    ASSERT_EQ(Status::Success, set("k", "-end", cas, StoreSemantics::Append));
    ASSERT_EQ(Status::Success, set("k", "start-", 0, StoreSemantics::Prepend));
    EXPECT_EQ("start-mid-end", valueOf("k"));
    EXPECT_EQ(Status::TooBig,
              set("k", std::string(kMaxItemSize - 5, 'x').c_str(), 0, StoreSemantics::Append));
    EXPECT_EQ(Status::InvalidArguments, set("n", "v", 5, StoreSemantics::Add));
}

TEST_F(VBucketTest, DeletedDocumentsComeBackWithAHigherRevision) {
    ASSERT_EQ(Status::Success, set("d", "1"));
    MutationInfo info;
    ASSERT_EQ(Status::Success, vbucket_.remove("d", 0, info));
    EXPECT_EQ("<absent>", valueOf("d"));
    EXPECT_EQ(1u, vbucket_.hashTable().numDeleted());
    ASSERT_EQ(Status::Success, set("d", "2", 0, StoreSemantics::Add));
    Document document;
    ASSERT_EQ(Status::Success, vbucket_.get("d", document));
    EXPECT_EQ(3u, document.rev_seqno);
    EXPECT_EQ(0u, vbucket_.hashTable().numDeleted());
}

TEST_F(VBucketTest, GetMetaReportsLiveAndDeletedDocuments) {
    ItemMeta meta;
    EXPECT_EQ(Status::KeyNotFound, vbucket_.getMeta("m", meta));

    ASSERT_EQ(Status::Success, set("m", "value", 0, StoreSemantics::Set, 100));
    const Cas stored = last_.cas;
    ASSERT_EQ(Status::Success, vbucket_.getMeta("m", meta));
    EXPECT_FALSE(meta.deleted);
    EXPECT_EQ(7u, meta.flags);
    EXPECT_EQ(kStart + 100, meta.expiry);
    EXPECT_EQ(stored, meta.cas);
    EXPECT_EQ(1u, meta.rev_seqno);

    Document locked;
    ASSERT_EQ(Status::Success, vbucket_.getLocked("m", 5, locked));
    ASSERT_EQ(Status::Success, vbucket_.getMeta("m", meta));
    EXPECT_EQ(kLockedCas, meta.cas) << "the lock's CAS would unlock it";
    ASSERT_EQ(Status::Success, vbucket_.unlock("m", locked.cas));

    MutationInfo info;
    ASSERT_EQ(Status::Success, vbucket_.remove("m", 0, info));
    ASSERT_EQ(Status::Success, vbucket_.getMeta("m", meta));
    EXPECT_TRUE(meta.deleted);
    EXPECT_EQ(info.cas, meta.cas);
    EXPECT_EQ(2u, meta.rev_seqno);
}

TEST_F(VBucketTest, GetMetaOfAnExpiredDocumentReportsItsTombstone) {
    ASSERT_EQ(Status::Success, set("x", "v", 0, StoreSemantics::Set, 10));
    now_ += 10;
    ItemMeta meta;
    ASSERT_EQ(Status::Success, vbucket_.getMeta("x", meta));
    EXPECT_TRUE(meta.deleted);
    EXPECT_EQ(1u, vbucket_.numExpired());
}

TEST_F(VBucketTest, ExpiryTurnsDocumentsIntoTombstonesOnAccess) {
    ASSERT_EQ(Status::Success, set("e", "v", 0, StoreSemantics::Set, 10));
    now_ += 9;
    EXPECT_EQ("v", valueOf("e"));
    now_ += 1;
    EXPECT_EQ("<absent>", valueOf("e"));
    EXPECT_EQ(1u, vbucket_.numExpired());
    EXPECT_EQ(2u, vbucket_.highSeqno()) << "the expiry is a change with its own seqno";
}

TEST_F(VBucketTest, ExpiryPagerSweepTombstonesOnlyDueItems) {
    ASSERT_EQ(Status::Success, set("soon", "v", 0, StoreSemantics::Set, 5));
    ASSERT_EQ(Status::Success, set("later", "v", 0, StoreSemantics::Set, 50));
    ASSERT_EQ(Status::Success, set("never", "v"));
    EXPECT_EQ(0u, vbucket_.expireDueItems());
    now_ += 5;
    EXPECT_EQ(1u, vbucket_.expireDueItems());
    EXPECT_EQ(1u, vbucket_.hashTable().numDeleted());
    EXPECT_EQ(4u, vbucket_.highSeqno());
    EXPECT_EQ("v", valueOf("later"));
    EXPECT_EQ(0u, vbucket_.expireDueItems()) << "a tombstone does not expire twice";
}

TEST_F(VBucketTest, Counters) {
    ArithmeticRequest request;
    request.key = DocKey("c");
    request.delta = 5;
    request.initial = 10;
    uint64_t value = 0;
    MutationInfo info;
    bool created = false;
    request.exptime = 0xffffffff;
    EXPECT_EQ(Status::KeyNotFound, vbucket_.arithmetic(request, value, info, created));
    request.exptime = 0;
    ASSERT_EQ(Status::Success, vbucket_.arithmetic(request, value, info, created));
    EXPECT_EQ(10u, value);
    EXPECT_TRUE(created);
    ASSERT_EQ(Status::Success, vbucket_.arithmetic(request, value, info, created));
    EXPECT_EQ(15u, value);
    EXPECT_FALSE(created);
    request.increment = false;
    request.delta = 100;
    ASSERT_EQ(Status::Success, vbucket_.arithmetic(request, value, info, created));
    EXPECT_EQ(0u, value);
    ASSERT_EQ(Status::Success, set("c", "abc"));
    EXPECT_EQ(Status::DeltaBadValue, vbucket_.arithmetic(request, value, info, created));
}

TEST_F(VBucketTest, GetLockedHidesCasAndGuardsMutations) {
    ASSERT_EQ(Status::Success, set("l", "v"));
    Document locked;
    ASSERT_EQ(Status::Success, vbucket_.getLocked("l", 5, locked));
    const Cas key_to_lock = locked.cas;
    EXPECT_EQ(Status::Locked, vbucket_.getLocked("l", 5, locked));

    Document seen;
    ASSERT_EQ(Status::Success, vbucket_.get("l", seen));
    EXPECT_EQ(kLockedCas, seen.cas);
    EXPECT_EQ(Status::Locked, set("l", "other"));
    MutationInfo info;
    EXPECT_EQ(Status::Locked, vbucket_.remove("l", 0, info));
    EXPECT_EQ(Status::Locked, vbucket_.unlock("l", key_to_lock + 1));

    // The lock's CAS lets one mutation through, which unlocks.
    ASSERT_EQ(Status::Success, set("l", "mine", key_to_lock));
    EXPECT_EQ(Status::LockedTmpfail, vbucket_.unlock("l", key_to_lock));
    EXPECT_EQ("mine", valueOf("l"));
}

TEST_F(VBucketTest, LocksExpireAndUnlockWorks) {
    ASSERT_EQ(Status::Success, set("l", "v"));
    Document locked;
    ASSERT_EQ(Status::Success, vbucket_.getLocked("l", 2, locked));
    ASSERT_EQ(Status::Success, vbucket_.unlock("l", locked.cas));
    ASSERT_EQ(Status::Success, set("l", "free"));
    ASSERT_EQ(Status::Success, vbucket_.getLocked("l", 2, locked));
    now_ += 2;
    EXPECT_EQ(Status::Success, set("l", "after"));
    EXPECT_EQ(Status::KeyNotFound, vbucket_.unlock("nothing", 1));
}

TEST_F(VBucketTest, BecomingActiveStartsANewBranch) {
    ASSERT_EQ(Status::Success, set("a", "1"));
    const uint64_t first = vbucket_.uuid();
    vbucket_.setState(VBucketState::Replica);
    EXPECT_EQ(first, vbucket_.uuid());
    vbucket_.setState(VBucketState::Active);
    EXPECT_NE(first, vbucket_.uuid());
    const auto entries = vbucket_.failoverEntries();
    ASSERT_EQ(2u, entries.size());
    EXPECT_EQ(1u, entries.front().by_seqno);
    EXPECT_EQ(32u, vbucket_.failoverLogWire().size());
}

TEST(VBucketMapTest, SlotsAndConcurrentLookups) {
    HybridLogicalClock clock;
    VBucketMap map(16);
    EXPECT_EQ(nullptr, map.get(Vbid(3)));
    EXPECT_EQ(nullptr, map.get(Vbid(16)));
    for (uint16_t id = 0; id < 16; id += 2) {
        ASSERT_TRUE(map.set(std::make_shared<VBucket>(Vbid(id), VBucketState::Active,
                                                      VBucketConfig{}, clock, nullptr)));
    }
    EXPECT_FALSE(map.set(std::make_shared<VBucket>(Vbid(16), VBucketState::Active, VBucketConfig{},
                                                   clock, nullptr)));
    EXPECT_EQ(8u, map.count());

    std::atomic<bool> stop{false};
    std::thread churn([&] {
        // At least one replacement, however late this thread gets to run.
        do {
            auto removed = map.remove(Vbid(4));
            map.set(std::make_shared<VBucket>(Vbid(4), VBucketState::Replica, VBucketConfig{},
                                              clock, nullptr));
        } while (!stop.load());
    });
    for (int i = 0; i < 20000; ++i) {
        if (auto vbucket = map.get(Vbid(static_cast<uint16_t>(i % 16)))) {
            EXPECT_EQ(0, vbucket->id().get() % 2);
        }
    }
    stop.store(true);
    churn.join();
    ASSERT_NE(nullptr, map.get(Vbid(4)));
    EXPECT_EQ(VBucketState::Replica, map.get(Vbid(4))->state());
}

}  // namespace
}  // namespace eddy::engine
