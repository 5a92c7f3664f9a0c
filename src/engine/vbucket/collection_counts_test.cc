#include "engine/vbucket/collection_counts.h"

#include "engine/vbucket/dropped_collections.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

namespace eddy::engine {
namespace {

using collections::CollectionId;

std::string keyIn(std::string_view leb128, std::string_view name) {
    return std::string(leb128) + std::string(name);
}

std::map<CollectionId, CollectionTotals> everything(const CollectionCounts& counts) {
    std::map<CollectionId, CollectionTotals> out;
    counts.forEach([&out](CollectionId id, const CollectionTotals& totals) {
        EXPECT_TRUE(out.emplace(id, totals).second) << "each collection once";
    });
    return out;
}

TEST(CollectionOfTest, ReadsTheLeadingLeb128) {
    EXPECT_EQ(0u, collectionOf(keyIn(std::string(1, '\0'), "k")));
    EXPECT_EQ(8u, collectionOf("\x08key"));
    EXPECT_EQ(0x7fu, collectionOf("\x7fkey"));
    EXPECT_EQ(0x80u, collectionOf("\x80\x01key"));
    EXPECT_EQ(0x3fffu, collectionOf("\xff\x7fkey"));
    // Not a canonical prefix (no stop byte in five, or padding): counted as the default.
    EXPECT_EQ(0u, collectionOf("\x80\x80\x80\x80\x80\x80"));
    EXPECT_EQ(0u, collectionOf("\x80"));
    EXPECT_EQ(0u, collectionOf(""));
}

TEST(CollectionCountsTest, ItemsAndOperationsPerCollection) {
    CollectionCounts counts;
    const std::string in_default = keyIn(std::string(1, '\0'), "a");
    counts.addItems(in_default, +1);
    counts.addItems(in_default, +1);
    counts.addItems("\x08x", +1);
    counts.addItems("\x80\x01y", +1);
    counts.addItems("\x08x", -1);
    counts.countOp(in_default, CollectionCounts::Op::Get);
    counts.countOp("\x08x", CollectionCounts::Op::Store);
    counts.countOp("\x08x", CollectionCounts::Op::Store);
    counts.countOp("\x80\x01y", CollectionCounts::Op::Delete);

    EXPECT_EQ((CollectionTotals{2, 1, 0, 0}), counts.totals(0));
    EXPECT_EQ((CollectionTotals{0, 0, 2, 0}), counts.totals(8));
    EXPECT_EQ((CollectionTotals{1, 0, 0, 1}), counts.totals(0x80));
    EXPECT_EQ(CollectionTotals{}, counts.totals(9)) << "never seen";
    const auto all = everything(counts);
    ASSERT_EQ(3u, all.size());
    EXPECT_EQ(2, all.at(0).items);
    EXPECT_EQ(2u, all.at(8).ops_store);
    EXPECT_EQ(1u, all.at(0x80).ops_delete);
}

TEST(CollectionCountsTest, ResetZeroesItemsOnlyAndForgetDropsACollection) {
    CollectionCounts counts;
    counts.addItems("\x08x", +3);
    counts.addItems(std::string(1, '\0'), +2);
    counts.countOp("\x08x", CollectionCounts::Op::Get);
    counts.resetItems();
    EXPECT_EQ((CollectionTotals{0, 1, 0, 0}), counts.totals(8));
    EXPECT_EQ(0, counts.totals(0).items);

    counts.addItems("\x08x", +4);
    EXPECT_EQ(4, counts.forget(8));
    EXPECT_EQ(CollectionTotals{}, counts.totals(8));
    EXPECT_EQ(0u, everything(counts).count(8)) << "gone from the listing";
    EXPECT_EQ(0, counts.forget(8)) << "forgetting twice finds nothing";
    EXPECT_EQ(0, counts.forget(12)) << "never seen";
}

// Writers of several collections race a reader and a forget(); under TSan this is the
// data-race check, and the default collection's count comes out exact.
TEST(CollectionCountsTest, ConcurrentWritersReadersAndForget) {
    CollectionCounts counts;
    constexpr int kPerThread = 5000;
    std::vector<std::thread> threads;
    threads.reserve(3);
    for (const char* key : {"\x00k", "\x09k"}) {
        const std::string bytes(key, 2);
        threads.emplace_back([&counts, bytes] {
            for (int i = 0; i < kPerThread; ++i) {
                counts.addItems(bytes, +1);
                counts.countOp(bytes, CollectionCounts::Op::Store);
            }
        });
    }
    threads.emplace_back([&counts] {
        for (int i = 0; i < 200; ++i) {
            static_cast<void>(everything(counts));
            static_cast<void>(counts.forget(9));
        }
    });
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(kPerThread, counts.totals(0).items);
    EXPECT_EQ(static_cast<uint64_t>(kPerThread), counts.totals(0).ops_store);
    EXPECT_LE(counts.totals(9).items, kPerThread);
}

TEST(DroppedCollectionsTest, GrowsWithAGenerationPerChange) {
    DroppedCollections dropped;
    EXPECT_TRUE(dropped.empty());
    EXPECT_FALSE(dropped.contains(0));
    EXPECT_FALSE(dropped.containsKey("\x08x"));

    const std::vector<CollectionId> first = {9, 8};
    EXPECT_TRUE(dropped.add(first));
    EXPECT_EQ(1u, dropped.generation());
    EXPECT_TRUE(dropped.contains(8));
    EXPECT_TRUE(dropped.contains(9));
    EXPECT_FALSE(dropped.contains(0));
    EXPECT_TRUE(dropped.containsKey("\x08x"));
    EXPECT_FALSE(dropped.containsKey(std::string(1, '\0') + "x"));
    EXPECT_EQ((std::vector<CollectionId>{8, 9}), dropped.ids()) << "sorted";

    const std::vector<CollectionId> again = {8};
    EXPECT_FALSE(dropped.add(again)) << "nothing new";
    EXPECT_EQ(1u, dropped.generation());

    const std::vector<CollectionId> more = {0, 0x80};
    EXPECT_TRUE(dropped.add(more));
    EXPECT_EQ(2u, dropped.generation());
    EXPECT_TRUE(dropped.containsKey(std::string(1, '\0') + "x")) << "the default collection";
    EXPECT_TRUE(dropped.containsKey("\x80\x01y"));
    const std::vector<std::string> prefixes = {std::string(1, '\0'), "\x08", "\x09", "\x80\x01"};
    EXPECT_EQ(prefixes, dropped.keyPrefixes());
}

}  // namespace
}  // namespace eddy::engine
