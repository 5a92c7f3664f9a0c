// A vbucket's per-collection item counts, and what a dropped collection may no longer do.
#include "engine/vbucket/vbucket.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace eddy::engine {
namespace {

using collections::CollectionId;

constexpr uint32_t kStart = 1'700'000'000;

/// A key of the default collection (prefix 0x00) and of collection 8 (prefix 0x08).
std::string inDefault(std::string_view name) {
    return std::string(1, '\0') + std::string(name);
}
std::string inEight(std::string_view name) {
    return "\x08" + std::string(name);
}

class VBucketCollectionsTest : public ::testing::Test {
protected:
    explicit VBucketCollectionsTest(bool full_eviction = false)
        : vbucket_(Vbid(0), VBucketState::Active, config(full_eviction), clock_,
                   [this] { return now_; }) {}

    VBucketConfig config(bool full_eviction) {
        VBucketConfig config;
        config.parameters = &parameters_;
        config.dropped = &dropped_;
        config.full_eviction = full_eviction;
        return config;
    }

    VBucketResult set(const std::string& key, uint32_t exptime = 0) {
        StoreRequest request;
        request.key = DocKey(key);
        request.value = "v";
        request.exptime = exptime;
        MutationInfo info;
        return vbucket_.store(request, info);
    }
    VBucketResult remove(const std::string& key) {
        MutationInfo info;
        return vbucket_.remove(key, 0, info);
    }
    int64_t items(CollectionId id) const { return vbucket_.collectionCounts().totals(id).items; }
    /// The hash table's live documents plus those on disk only: what curr_items counts.
    int64_t liveDocuments() const {
        const HashTable& table = vbucket_.hashTable();
        return static_cast<int64_t>(table.numItems() - table.numDeleted() + vbucket_.numEvicted());
    }
    int64_t countedItems() const {
        int64_t sum = 0;
        vbucket_.collectionCounts().forEach(
            [&sum](CollectionId, const CollectionTotals& totals) { sum += totals.items; });
        return sum;
    }
    void drop(std::vector<CollectionId> ids) {
        ASSERT_TRUE(dropped_.add(ids));
        const std::vector<CollectionId> all = dropped_.ids();
        last_purge_ = vbucket_.purgeCollections(all);
    }

    uint32_t now_ = kStart;
    config::Configuration parameters_;
    DroppedCollections dropped_;
    HybridLogicalClock clock_;
    VBucket vbucket_;
    CollectionPurgeResult last_purge_;
};

TEST_F(VBucketCollectionsTest, LiveDocumentsAreCountedPerCollection) {
    ASSERT_EQ(Status::Success, set(inDefault("a")));
    ASSERT_EQ(Status::Success, set(inDefault("b"), /*exptime=*/10));
    ASSERT_EQ(Status::Success, set(inEight("a")));
    ASSERT_EQ(Status::Success, set(inEight("a"))) << "a replacement is not a new document";
    EXPECT_EQ(2, items(0));
    EXPECT_EQ(1, items(8));

    ASSERT_EQ(Status::Success, remove(inEight("a")));
    EXPECT_EQ(0, items(8));
    ASSERT_EQ(Status::Success, set(inEight("a"))) << "a tombstone revived";
    EXPECT_EQ(1, items(8));

    now_ += 11;
    EXPECT_EQ(1u, vbucket_.expireDueItems());
    EXPECT_EQ(1, items(0)) << "an expiry ends a document";

    ArithmeticRequest counter;
    const std::string counter_key = inEight("n");  // the request holds a view of it
    counter.key = DocKey(counter_key);
    counter.initial = 5;
    uint64_t value = 0;
    MutationInfo info;
    bool created = false;
    ASSERT_EQ(Status::Success, vbucket_.arithmetic(counter, value, info, created));
    ASSERT_TRUE(created);
    EXPECT_EQ(2, items(8));
    EXPECT_EQ(liveDocuments(), countedItems());

    vbucket_.reset();
    EXPECT_EQ(0, items(0));
    EXPECT_EQ(0, items(8));
    EXPECT_EQ(liveDocuments(), countedItems());
}

TEST_F(VBucketCollectionsTest, LoadedDocumentsCountAndThoseOfADroppedCollectionStayOnDisk) {
    const std::string kept = inDefault("k");
    const std::string gone = inEight("g");
    ASSERT_TRUE(dropped_.add(std::vector<CollectionId>{8}));
    LoadedDocument document;
    document.value = "v";
    document.by_seqno = 1;
    document.key = kept;
    vbucket_.loadDocument(document);
    document.key = gone;
    document.by_seqno = 2;
    vbucket_.loadDocument(document);
    EXPECT_EQ(1, items(0));
    EXPECT_EQ(0, items(8));
    Document read;
    EXPECT_EQ(Status::KeyNotFound, vbucket_.get(gone, read));
    EXPECT_EQ(liveDocuments(), countedItems());
}

TEST_F(VBucketCollectionsTest, APurgeRemovesTheRecordsAndCountsOfDroppedCollectionsOnly) {
    for (const char* name : {"a", "b", "c"}) {
        ASSERT_EQ(Status::Success, set(inEight(name)));
        ASSERT_EQ(Status::Success, set(inDefault(name)));
    }
    ASSERT_EQ(Status::Success, remove(inEight("c")));  // a tombstone goes too
    ASSERT_EQ(2, items(8));

    drop({8});
    EXPECT_EQ(3u, last_purge_.records) << "two documents and a tombstone";
    EXPECT_EQ(2, last_purge_.items);
    EXPECT_EQ(0, items(8));
    EXPECT_EQ(3, items(0)) << "other collections keep theirs";
    EXPECT_EQ(3u, vbucket_.hashTable().numItems());
    Document read;
    EXPECT_EQ(Status::KeyNotFound, vbucket_.get(inEight("a"), read));
    EXPECT_EQ(Status::Success, vbucket_.get(inDefault("a"), read));
    EXPECT_EQ(liveDocuments(), countedItems());
}

TEST_F(VBucketCollectionsTest, NothingIsWrittenToADroppedCollection) {
    ASSERT_EQ(Status::Success, set(inEight("old")));
    ASSERT_TRUE(dropped_.add(std::vector<CollectionId>{8}));
    const uint64_t high = vbucket_.highSeqno();
    // Before the purge reaches it, a document of the dropped collection is already gone.
    Document read;
    EXPECT_EQ(Status::KeyNotFound, vbucket_.get(inEight("old"), read));
    EXPECT_EQ(Status::KeyNotFound, remove(inEight("old")));
    MutationInfo touched;
    EXPECT_EQ(Status::KeyNotFound, vbucket_.getAndTouch(inEight("old"), 10, read, touched));
    // A command that passed the front end's check just before the drop: the client retries
    // and is then told the collection is unknown.
    EXPECT_EQ(Status::TemporaryFailure, set(inEight("late")));
    ArithmeticRequest counter;
    const std::string counter_key = inEight("n");  // the request holds a view of it
    counter.key = DocKey(counter_key);
    uint64_t value = 0;
    MutationInfo info;
    bool created = false;
    EXPECT_EQ(Status::TemporaryFailure, vbucket_.arithmetic(counter, value, info, created));
    EXPECT_EQ(high, vbucket_.highSeqno()) << "nothing queued";
    EXPECT_EQ(1u, vbucket_.hashTable().numItems()) << "the old record, until the purge";
    EXPECT_EQ(Status::Success, set(inDefault("fine")));
}

class VBucketCollectionsFullEvictionTest : public VBucketCollectionsTest {
protected:
    VBucketCollectionsFullEvictionTest() : VBucketCollectionsTest(/*full_eviction=*/true) {}
};

// With full eviction a collection's documents may be on disk only: they count as items and as
// evicted, and a purge takes both away.
TEST_F(VBucketCollectionsFullEvictionTest, APurgeForgetsEvictedDocumentsToo) {
    LoadedDocument document;
    document.value = "v";
    int64_t seqno = 0;
    for (const char* name : {"a", "b", "c", "d"}) {
        const std::string eight = inEight(name);
        document.key = eight;
        document.by_seqno = ++seqno;
        vbucket_.loadDocument(document);
        const std::string other = inDefault(name);
        document.key = other;
        document.by_seqno = ++seqno;
        vbucket_.loadDocument(document);
    }
    // Evict every record: loaded documents are clean; each pass lowers their frequency.
    for (int pass = 0; pass < 300 && vbucket_.numEvicted() < 8; ++pass) {
        vbucket_.ejectColdValues([](size_t) { return false; });
    }
    ASSERT_EQ(8u, vbucket_.numEvicted());
    ASSERT_EQ(4, items(8));
    ASSERT_EQ(liveDocuments(), countedItems());

    drop({8});
    EXPECT_EQ(0u, last_purge_.records) << "nothing of it was in memory";
    EXPECT_EQ(4, last_purge_.items);
    EXPECT_EQ(4u, vbucket_.numEvicted()) << "the default collection's stay evicted";
    EXPECT_EQ(liveDocuments(), countedItems());
    // A fetch of a purged key is not needed, and brings nothing back.
    EXPECT_FALSE(vbucket_.needsFetch(inEight("a")));
    const std::string purged = inEight("a");
    document.key = purged;
    EXPECT_TRUE(vbucket_.restoreFetched(purged, &document, false, vbucket_.fetchEpoch()));
    EXPECT_EQ(0u, vbucket_.hashTable().numItems());
}

}  // namespace
}  // namespace eddy::engine
