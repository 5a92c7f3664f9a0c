// RocksKVStore: rollback, compaction (tombstone purge, purge seqno, stale seqno entries).

#include "engine/kvstore/disk_format.h"
#include "engine/kvstore/kvstore.h"
#include "engine/kvstore/kvstore_test_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace eddy::engine {
namespace {

using test::batchOf;
using test::doc;
using test::keysOf;
using test::rawEntries;
using test::scanKeys;
using test::scanSeqnos;
using test::seqnosOf;
using test::tombstone;
using ::testing::ElementsAre;

const Vbid kVb0(0);
const Vbid kVb1(1);

class RocksKVStoreMaintenanceTest : public ::testing::Test {
protected:
    std::unique_ptr<KVStore> open() { return openRocksKVStore(path_); }
    /// Number of entries of vbucket 0 in the seqno index, read from the closed store.
    size_t seqnoEntries() {
        store_.reset();
        size_t count = 0;
        for (const auto& [key, value] : rawEntries(path_, disk::kBySeqnoFamily)) {
            count += disk::vbucketOfKey(key) == kVb0 ? 1 : 0;
        }
        store_ = open();
        return count;
    }

    test::TempDir dir_;
    const std::string path_ = dir_.sub("store");
    std::unique_ptr<KVStore> store_ = open();
};

TEST_F(RocksKVStoreMaintenanceTest, RollbackRemovesFirstVersionsAboveTheSeqno) {
    store_->commit(batchOf(kVb0, {doc("a", 1), doc("b", 2), doc("a", 3, "a2", 2)}));
    store_->commit(batchOf(kVb0, {doc("c", 4), doc("d", 5), doc("e", 6)}));
    store_->commit(batchOf(kVb1, {doc("c", 4)}));
    ASSERT_TRUE(store_->rollback(kVb0, 4));

    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0)), ElementsAre(2, 3, 4));
    EXPECT_THAT(keysOf(scanKeys(*store_, kVb0)), ElementsAre("a", "b", "c"));
    EXPECT_EQ(std::nullopt, store_->get(kVb0, "d"));
    EXPECT_EQ(std::nullopt, store_->get(kVb0, "e"));
    const PersistedVBucketState state = *store_->getVBucketState(kVb0);
    EXPECT_EQ(4, state.high_seqno);
    EXPECT_EQ(4, state.snapshot_start);
    EXPECT_EQ(4, state.snapshot_end);
    EXPECT_EQ(test::stateAt(6).max_cas, state.max_cas);  // the clock never goes back
    EXPECT_EQ(test::stateAt(6).failover, state.failover);
    EXPECT_EQ(doc("c", 4), store_->get(kVb1, "c"));

    // The seqnos are free again: the vbucket carries on from 4.
    store_->commit(batchOf(kVb0, {doc("f", 5), doc("g", 6)}));
    EXPECT_THAT(keysOf(scanSeqnos(*store_, kVb0, 5, 6)), ElementsAre("f", "g"));
    EXPECT_EQ(6u, seqnoEntries());  // 1 (the stale entry of "a", kept), 2, 3, 4, 5, 6
}

TEST_F(RocksKVStoreMaintenanceTest, RollbackToZeroOfOnlyFirstVersionsEmptiesTheVBucket) {
    store_->commit(batchOf(kVb0, {doc("a", 1), doc("b", 2)}));
    ASSERT_TRUE(store_->rollback(kVb0, 0));
    EXPECT_TRUE(scanSeqnos(*store_, kVb0).empty());
    EXPECT_EQ(0, store_->getVBucketState(kVb0)->high_seqno);
    EXPECT_EQ(0u, seqnoEntries());
}

TEST_F(RocksKVStoreMaintenanceTest, RollbackIsRefusedWhenANewerVersionReplacedAnOlderOne) {
    store_->commit(batchOf(kVb0, {doc("a", 1), doc("b", 2)}));
    store_->commit(batchOf(kVb0, {doc("c", 3), doc("a", 4, "a2", 2)}));
    EXPECT_FALSE(store_->rollback(kVb0, 2));
    // Nothing changed.
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0)), ElementsAre(2, 3, 4));
    EXPECT_EQ(4, store_->getVBucketState(kVb0)->high_seqno);
    EXPECT_EQ(doc("a", 4, "a2", 2), store_->get(kVb0, "a"));
    // Above the replacement it works.
    EXPECT_TRUE(store_->rollback(kVb0, 4));
}

TEST_F(RocksKVStoreMaintenanceTest, RollbackIsRefusedWhenATombstoneIsAbove) {
    store_->commit(batchOf(kVb0, {doc("a", 1), tombstone("b", 2, 100, 1)}));
    EXPECT_FALSE(store_->rollback(kVb0, 1));
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0)), ElementsAre(1, 2));
}

TEST_F(RocksKVStoreMaintenanceTest, RollbackIsRefusedBelowThePurgeSeqnoAndForUnknownVBuckets) {
    store_->commit(batchOf(kVb0, {doc("a", 1), tombstone("b", 2, 100), doc("c", 3)}));
    ASSERT_EQ(2, store_->compact(kVb0, 200).purge_seqno);
    EXPECT_FALSE(store_->rollback(kVb0, 1));
    EXPECT_TRUE(store_->rollback(kVb0, 2));
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0)), ElementsAre(1));
    EXPECT_FALSE(store_->rollback(kVb1, 0));
    EXPECT_FALSE(store_->rollback(kVb0, -1));
    EXPECT_EQ(std::nullopt, store_->getVBucketState(kVb1));
}

TEST_F(RocksKVStoreMaintenanceTest, RollbackToOrAboveTheHighSeqnoChangesNothing) {
    store_->commit(batchOf(kVb0, {doc("a", 1), doc("b", 2, "b", 5)}));
    const PersistedVBucketState before = *store_->getVBucketState(kVb0);
    EXPECT_TRUE(store_->rollback(kVb0, 2));
    EXPECT_TRUE(store_->rollback(kVb0, 10));
    EXPECT_EQ(before, store_->getVBucketState(kVb0));
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0)), ElementsAre(1, 2));
}

TEST_F(RocksKVStoreMaintenanceTest, CompactPurgesOnlyTombstonesDeletedBeforeTheCutOff) {
    store_->commit(batchOf(
        kVb0, {doc("live-expiring", 1), tombstone("old", 2, 999), tombstone("at-cut-off", 3, 1000),
               tombstone("new", 4, 2000), tombstone("older", 5, 10), doc("live", 6)}));
    store_->commit(batchOf(kVb1, {tombstone("other", 1, 1)}));
    // A live document's expiry is not a delete time: it stays.
    DiskDocument expiring = doc("live-expiring", 7, "v", 2);
    expiring.expiry = 5;
    store_->commit(batchOf(kVb0, {expiring}));

    const CompactionResult result = store_->compact(kVb0, 1000);
    EXPECT_EQ(2u, result.tombstones_purged);
    EXPECT_EQ(5, result.purge_seqno);
    EXPECT_EQ(5, store_->getVBucketState(kVb0)->purge_seqno);
    EXPECT_EQ(std::nullopt, store_->get(kVb0, "old"));
    EXPECT_EQ(std::nullopt, store_->get(kVb0, "older"));
    EXPECT_TRUE(store_->get(kVb0, "at-cut-off")->deleted);
    EXPECT_TRUE(store_->get(kVb0, "new")->deleted);
    EXPECT_EQ(expiring, store_->get(kVb0, "live-expiring"));
    EXPECT_THAT(keysOf(scanSeqnos(*store_, kVb0)),
                ElementsAre("at-cut-off", "new", "live", "live-expiring"));
    // Another vbucket is not touched.
    EXPECT_TRUE(store_->get(kVb1, "other")->deleted);
    EXPECT_EQ(0, store_->getVBucketState(kVb1)->purge_seqno);
}

TEST_F(RocksKVStoreMaintenanceTest, ThePurgeSeqnoOnlyRises) {
    store_->commit(batchOf(kVb0, {tombstone("a", 1, 10), doc("b", 2)}));
    EXPECT_EQ(1, store_->compact(kVb0, 100).purge_seqno);
    // Nothing more to purge: the purge seqno stays.
    const CompactionResult again = store_->compact(kVb0, 100);
    EXPECT_EQ(0u, again.tombstones_purged);
    EXPECT_EQ(1, again.purge_seqno);
    // A flush batch built before the compaction (purge seqno 0) does not lower it.
    store_->commit(batchOf(kVb0, {doc("c", 3)}));
    EXPECT_EQ(1, store_->getVBucketState(kVb0)->purge_seqno);
    EXPECT_EQ(3, store_->getVBucketState(kVb0)->high_seqno);
    // Nor does a reopen.
    store_.reset();
    store_ = open();
    EXPECT_EQ(1, store_->getVBucketState(kVb0)->purge_seqno);
    // After deleteVBucket the vbucket starts again from purge seqno 0.
    store_->deleteVBucket(kVb0);
    store_->commit(batchOf(kVb0, {doc("a", 1)}));
    EXPECT_EQ(0, store_->getVBucketState(kVb0)->purge_seqno);
    EXPECT_EQ(0, store_->compact(kVb0, 100).purge_seqno);
}

TEST_F(RocksKVStoreMaintenanceTest, CompactRemovesStaleSeqnoEntries) {
    for (int64_t seqno = 1; seqno <= 100; ++seqno) {
        store_->commit(batchOf(kVb0, {doc("k" + std::to_string(seqno % 10), seqno)}));
    }
    store_->commit(batchOf(kVb1, {doc("x", 1), doc("x", 2, "v", 2)}));
    EXPECT_EQ(100u, seqnoEntries());  // written blind: one per version
    EXPECT_EQ(10u, scanSeqnos(*store_, kVb0).size());

    const CompactionResult result = store_->compact(kVb0, 0);
    EXPECT_EQ(0u, result.tombstones_purged);
    EXPECT_EQ(0, result.purge_seqno);
    EXPECT_EQ(10u, seqnoEntries());
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0)),
                ElementsAre(91, 92, 93, 94, 95, 96, 97, 98, 99, 100));
    // The other vbucket keeps its stale entry until it is compacted itself.
    size_t vb1_entries = 0;
    store_.reset();
    for (const auto& [key, value] : rawEntries(path_, disk::kBySeqnoFamily)) {
        vb1_entries += disk::vbucketOfKey(key) == kVb1 ? 1 : 0;
    }
    EXPECT_EQ(2u, vb1_entries);
}

TEST_F(RocksKVStoreMaintenanceTest, CompactionOfTheLastVBucketIdWorks) {
    const Vbid last(0xffff);
    store_->commit(batchOf(last, {doc("a", 1), tombstone("b", 2, 1), doc("a", 3, "v", 2)}));
    const CompactionResult result = store_->compact(last, 100);
    EXPECT_EQ(1u, result.tombstones_purged);
    EXPECT_EQ(2, result.purge_seqno);
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, last)), ElementsAre(3));
    EXPECT_FALSE(store_->rollback(last, 1));
    EXPECT_TRUE(store_->rollback(last, 3));
}

TEST_F(RocksKVStoreMaintenanceTest, CompactionConcurrentWithCommitsKeepsNewVersions) {
    // A tombstone that is purgeable in compaction's snapshot but rewritten before its write
    // must survive as the new version; here the rewrite simply lands first.
    store_->commit(batchOf(kVb0, {tombstone("a", 1, 1)}));
    std::thread flusher([&] {
        for (int64_t seqno = 2; seqno <= 200; ++seqno) {
            store_->commit(batchOf(
                kVb0, {seqno % 2 == 0 ? doc("a", seqno, "v", 2) : tombstone("a", seqno, 1, 3)}));
        }
    });
    for (int i = 0; i < 20; ++i) {
        static_cast<void>(store_->compact(kVb0, 100));
    }
    flusher.join();
    // The last write (200) is live and current, whatever compaction purged meanwhile.
    EXPECT_EQ(doc("a", 200, "v", 2), store_->get(kVb0, "a"));
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0)), ElementsAre(200));
    EXPECT_EQ(200, store_->getVBucketState(kVb0)->high_seqno);
}

// The documents of dropped collections: every key under a prefix goes, in one write.
TEST(RocksKVStorePurgeTest, PurgesEveryDocumentUnderThePrefixesAndNothingElse) {
    test::TempDir dir;
    const std::string path = dir.sub("store");
    std::unique_ptr<KVStore> store = openRocksKVStore(path);
    const std::string eight = "\x08";
    const std::string nine = "\x09";
    const std::string wide = "\x80\x01";  // collection 0x80
    store->commit(batchOf(kVb0, {doc(eight + "a", 1), doc(nine + "a", 2), doc(eight + "b", 3),
                                 tombstone(eight + "c", 4, 1), doc(wide + "x", 5),
                                 doc(std::string(1, '\0') + "d", 6)}));
    store->commit(batchOf(kVb1, {doc(eight + "a", 1)}));

    const std::vector<std::string> prefixes = {eight, wide, "\x0a"};
    EXPECT_EQ(2u, store->purgePrefixes(kVb0, prefixes)) << "0x0a had nothing";
    EXPECT_THAT(keysOf(scanKeys(*store, kVb0)),
                ElementsAre(std::string(1, '\0') + "d", nine + "a"));
    EXPECT_EQ(std::nullopt, store->get(kVb0, eight + "c")) << "tombstones go too";
    // Scans by seqno skip the purged documents' entries; compaction removes them.
    EXPECT_THAT(seqnosOf(scanSeqnos(*store, kVb0)), ElementsAre(2, 6));
    EXPECT_EQ(doc(eight + "a", 1), store->get(kVb1, eight + "a")) << "one vbucket only";
    static_cast<void>(store->compact(kVb0, 0));
    store.reset();
    size_t entries = 0;
    for (const auto& [key, value] : rawEntries(path, disk::kBySeqnoFamily)) {
        entries += disk::vbucketOfKey(key) == kVb0 ? 1 : 0;
    }
    EXPECT_EQ(2u, entries);

    store = openRocksKVStore(path);
    EXPECT_EQ(0u, store->purgePrefixes(kVb0, prefixes)) << "nothing left to purge";
    EXPECT_EQ(2u, scanKeys(*store, kVb0).size()) << "durable across a reopen";
}

TEST(RocksKVStorePurgeTest, PrefixEndIsTheFirstKeyAfterThePrefix) {
    EXPECT_EQ(std::string("\x09"), disk::prefixEnd("\x08"));
    EXPECT_EQ(std::string("ab"), disk::prefixEnd("aa"));
    EXPECT_EQ(std::string("b"), disk::prefixEnd("a\xff\xff"));
    EXPECT_EQ(std::nullopt, disk::prefixEnd("\xff\xff"));
    EXPECT_EQ(std::nullopt, disk::prefixEnd(""));
}

}  // namespace
}  // namespace eddy::engine
