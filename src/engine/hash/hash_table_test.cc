#include "engine/hash/hash_table.h"

#include "engine/hash/blob.h"
#include "engine/hash/hlc.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace eddy::engine {
namespace {

std::unique_ptr<StoredValue> record(const std::string& key, std::string_view value) {
    return std::make_unique<StoredValue>(key, Blob::make(value), 0, 0, 0);
}

TEST(BlobTest, SharesBytesAndFreesOnLastRelease) {
    BlobPtr first = Blob::make("hello");
    EXPECT_EQ("hello", first->view());
    BlobPtr second = first;
    first = BlobPtr();
    EXPECT_EQ("hello", second->view());
    EXPECT_EQ(5u, Blob::make("world")->size());
    EXPECT_EQ("", Blob::make("")->view());
}

TEST(HybridLogicalClockTest, StrictlyIncreasingWhenTheWallClockStalls) {
    HybridLogicalClock clock([] { return uint64_t{1'700'000'000'000'000'000}; });
    const uint64_t first = clock.nextCas();
    const uint64_t second = clock.nextCas();
    EXPECT_GT(second, first);
    EXPECT_EQ(first + 1, second);
}

TEST(HybridLogicalClockTest, FollowsTheWallClockAndObservedValues) {
    uint64_t now = 1'000'000'000;
    HybridLogicalClock clock([&now] { return now; });
    EXPECT_EQ(now & ~uint64_t{0xffff}, clock.nextCas());
    now += 10'000'000;
    EXPECT_EQ(now & ~uint64_t{0xffff}, clock.nextCas());
    clock.observe(now * 2);
    EXPECT_EQ(now * 2 + 1, clock.nextCas());
}

TEST(HybridLogicalClockTest, UniqueAcrossThreads) {
    HybridLogicalClock clock;
    std::vector<std::vector<uint64_t>> seen(4);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < seen.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10000; ++i) {
                seen[t].push_back(clock.nextCas());
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    std::set<uint64_t> all;
    for (const auto& values : seen) {
        for (size_t i = 1; i < values.size(); ++i) {
            EXPECT_LT(values[i - 1], values[i]);
        }
        all.insert(values.begin(), values.end());
    }
    EXPECT_EQ(40000u, all.size());
}

TEST(HashTableTest, InsertFindUnlink) {
    HashTable table;
    {
        auto lock = table.lockBucket("a");
        EXPECT_EQ(nullptr, table.findLocked(lock, "a"));
        table.insertLocked(lock, record("a", "1"));
        ASSERT_NE(nullptr, table.findLocked(lock, "a"));
        EXPECT_EQ("1", table.findLocked(lock, "a")->value()->view());
    }
    EXPECT_EQ(1u, table.numItems());
    {
        auto lock = table.lockBucket("a");
        auto removed = table.unlinkLocked(lock, *table.findLocked(lock, "a"));
        ASSERT_NE(nullptr, removed);
        EXPECT_EQ("a", removed->key());
        EXPECT_EQ(nullptr, table.findLocked(lock, "a"));
    }
    EXPECT_EQ(0u, table.numItems());
    EXPECT_EQ(0u, table.memoryUsed());
}

TEST(HashTableTest, CountsFollowEveryChange) {
    HashTable table;
    const std::string key = "a-key-longer-than-the-small-string-buffer";
    auto lock = table.lockBucket(key);
    StoredValue& stored = table.insertLocked(lock, record(key, "value"));
    const size_t with_value = table.memoryUsed();
    EXPECT_EQ(stored.footprint(), with_value);
    EXPECT_EQ(stored.metadataFootprint(), table.metadataMemory());

    EXPECT_FALSE(table.ejectValueLocked(lock, stored)) << "dirty values stay";
    stored.markClean();
    EXPECT_TRUE(table.ejectValueLocked(lock, stored));
    EXPECT_EQ(1u, table.numNonResident());
    EXPECT_EQ(stored.metadataFootprint(), table.memoryUsed());

    table.setValueLocked(lock, stored, Blob::make("fetched again"));
    EXPECT_EQ(0u, table.numNonResident());

    table.markDeletedLocked(lock, stored);
    EXPECT_EQ(1u, table.numDeleted());
    EXPECT_EQ(0u, table.numNonResident()) << "a tombstone is not counted as non-resident";
    EXPECT_EQ(1u, table.numItems());

    table.reviveLocked(lock, stored, Blob::make("back"));
    EXPECT_EQ(0u, table.numDeleted());
    EXPECT_EQ(stored.footprint(), table.memoryUsed());
}

TEST(HashTableTest, ResizeKeepsEveryRecord) {
    HashTable table(HashTable::Config{.initial_size = 4, .num_locks = 3});
    for (int i = 0; i < 1000; ++i) {
        const std::string key = "k" + std::to_string(i);
        auto lock = table.lockBucket(key);
        table.insertLocked(lock, record(key, std::to_string(i)));
    }
    EXPECT_EQ(4u, table.size());
    EXPECT_TRUE(table.resize());
    EXPECT_EQ(1024u, table.size());
    EXPECT_FALSE(table.resize()) << "already the right size";
    for (int i = 0; i < 1000; ++i) {
        const std::string key = "k" + std::to_string(i);
        auto lock = table.lockBucket(key);
        auto* found = table.findLocked(lock, key);
        ASSERT_NE(nullptr, found) << key;
        EXPECT_EQ(std::to_string(i), found->value()->view());
    }
    table.clear();
    EXPECT_TRUE(table.resize());
    EXPECT_EQ(4u, table.size()) << "shrinks back, never below the initial size";
    EXPECT_EQ(2u, table.numResizes());
}

TEST(HashTableTest, VisitSeesEveryRecordOnce) {
    HashTable table(HashTable::Config{.initial_size = 16, .num_locks = 5});
    for (int i = 0; i < 300; ++i) {
        const std::string key = "v" + std::to_string(i);
        auto lock = table.lockBucket(key);
        table.insertLocked(lock, record(key, "x"));
    }
    std::multiset<std::string> seen;
    table.visit([&](const HashBucketLock& lock, StoredValue& stored) {
        seen.insert(std::string(stored.key()));
        stored.markClean();
        EXPECT_TRUE(table.ejectValueLocked(lock, stored));
    });
    EXPECT_EQ(300u, seen.size());
    EXPECT_EQ(300u, std::set<std::string>(seen.begin(), seen.end()).size());
    EXPECT_EQ(300u, table.numNonResident());
}

TEST(HashTableTest, ConcurrentWritersReadersAndResizes) {
    HashTable table(HashTable::Config{.initial_size = 2, .num_locks = 7});
    constexpr int kKeys = 2000;
    std::atomic<bool> writing{true};
    std::vector<std::thread> threads;
    threads.reserve(4);  // two writers, a resizer, a reader
    for (int w = 0; w < 2; ++w) {
        threads.emplace_back([&, w] {
            for (int i = w; i < kKeys; i += 2) {
                const std::string key = "c" + std::to_string(i);
                auto lock = table.lockBucket(key);
                table.insertLocked(lock, record(key, key));
            }
        });
    }
    threads.emplace_back([&] {
        while (writing.load()) {
            table.resize();
            std::this_thread::yield();
        }
    });
    threads.emplace_back([&] {
        while (writing.load()) {
            for (int i = 0; i < kKeys; i += 97) {
                const std::string key = "c" + std::to_string(i);
                auto lock = table.lockBucket(key);
                if (auto* found = table.findLocked(lock, key)) {
                    EXPECT_EQ(key, found->value()->view());
                }
            }
        }
    });
    threads[0].join();
    threads[1].join();
    writing.store(false);
    threads[2].join();
    threads[3].join();
    table.resize();
    EXPECT_EQ(static_cast<size_t>(kKeys), table.numItems());
    EXPECT_GE(table.size(), static_cast<size_t>(kKeys));
    for (int i = 0; i < kKeys; ++i) {
        const std::string key = "c" + std::to_string(i);
        auto lock = table.lockBucket(key);
        ASSERT_NE(nullptr, table.findLocked(lock, key)) << key;
    }
}

TEST(HashTableTest, ItemCountNeverBlinksWhileValuesChange) {
    // Ejecting, restoring and replacing values changes memory and residency, never the number
    // of items: a concurrent reader of numItems() must always see all of them.
    HashTable table(HashTable::Config{.initial_size = 16, .num_locks = 3});
    constexpr size_t kKeys = 64;
    for (size_t i = 0; i < kKeys; ++i) {
        const std::string key = "k" + std::to_string(i);
        auto lock = table.lockBucket(key);
        table.insertLocked(lock, record(key, "v")).markClean();
    }
    std::atomic<bool> done{false};
    std::thread writer([&] {
        for (int round = 0; round < 200; ++round) {
            for (size_t i = 0; i < kKeys; ++i) {
                const std::string key = "k" + std::to_string(i);
                auto lock = table.lockBucket(key);
                StoredValue* found = table.findLocked(lock, key);
                if (round % 2 == 0) {
                    table.ejectValueLocked(lock, *found);
                } else {
                    table.setValueLocked(lock, *found, Blob::make("value"));
                    found->markClean();
                }
            }
        }
        done.store(true);
    });
    size_t lowest = kKeys;
    while (!done.load()) {
        lowest = std::min(lowest, table.numItems());
    }
    writer.join();
    EXPECT_EQ(kKeys, lowest);
    EXPECT_EQ(kKeys, table.numItems());
}

}  // namespace
}  // namespace eddy::engine
