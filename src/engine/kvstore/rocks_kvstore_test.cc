// RocksKVStore: commit, reads, scans, vbucket states, reopen, atomicity, concurrency.

#include "engine/kvstore/rocks_kvstore.h"

#include "engine/kvstore/kvstore_test_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <map>
#include <random>
#include <set>
#include <thread>

namespace eddy::engine {
namespace {

using namespace std::string_literals;
using test::batchOf;
using test::doc;
using test::keysOf;
using test::scanKeys;
using test::scanSeqnos;
using test::seqnosOf;
using test::stateAt;
using test::tombstone;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const Vbid kVb0(0);
const Vbid kVb1(1);

class RocksKVStoreTest : public ::testing::Test {
protected:
    std::unique_ptr<KVStore> open(const RocksKVStoreOptions& options = {}) {
        return openRocksKVStore(dir_.sub("store"), options);
    }
    void reopen() {
        store_.reset();
        store_ = open();
    }

    test::TempDir dir_;
    std::unique_ptr<KVStore> store_ = open();
};

TEST_F(RocksKVStoreTest, CommitAndGetRoundTripEveryField) {
    DiskDocument live = doc("live", 1, R"({"a":1})");
    live.rev_seqno = 0x1122334455667788;
    live.cas = 0xfedcba9876543210;
    live.flags = 0x01020304;
    live.expiry = 1'900'000'000;
    live.datatype = datatype::kJson | datatype::kXattr;
    DiskDocument binary = doc("binary", 2, "\0\x01\xff\0value\0"s);
    binary.datatype = datatype::kRaw;
    DiskDocument empty = doc("empty", 3, "");
    DiskDocument long_key = doc(std::string(250, 'k'), 4, std::string(5000, 'x'));
    DiskDocument deleted = tombstone("gone", 5, 1'700'000'000, 9);
    DiskDocument binary_key = doc("nul\0key"s, 6);
    store_->commit(batchOf(kVb0, {live, binary, empty, long_key, deleted, binary_key}));

    for (const DiskDocument& expected : {live, binary, empty, long_key, deleted, binary_key}) {
        EXPECT_EQ(expected, store_->get(kVb0, expected.key)) << expected.key;
    }
    EXPECT_EQ(std::nullopt, store_->get(kVb0, "missing"));
    EXPECT_EQ(std::nullopt, store_->get(kVb1, "live"));
    EXPECT_EQ(std::nullopt, store_->get(kVb0, "nul"));  // the key is not cut at its NUL

    reopen();
    for (const DiskDocument& expected : {live, binary, empty, long_key, deleted, binary_key}) {
        EXPECT_EQ(expected, store_->get(kVb0, expected.key)) << expected.key;
    }
}

TEST_F(RocksKVStoreTest, GetMultiReportsTheIndexOfEveryStoredKey) {
    store_->commit(batchOf(kVb0, {doc("a", 1), doc("c", 2), tombstone("d", 3, 10)}));
    store_->commit(batchOf(kVb1, {doc("b", 1)}));
    const std::vector<std::string> keys = {"a", "b", "c", "d", "e", "a"};
    std::map<size_t, DiskDocument> found;
    store_->getMulti(kVb0, keys, [&](size_t index, DiskDocument&& document) {
        EXPECT_TRUE(found.emplace(index, std::move(document)).second);
    });
    ASSERT_EQ(4u, found.size());
    EXPECT_EQ(doc("a", 1), found.at(0));
    EXPECT_EQ(doc("c", 2), found.at(2));
    EXPECT_EQ(tombstone("d", 3, 10), found.at(3));
    EXPECT_EQ(doc("a", 1), found.at(5));

    size_t calls = 0;
    store_->getMulti(kVb0, {}, [&](size_t, DiskDocument&&) { ++calls; });
    EXPECT_EQ(0u, calls);
}

TEST_F(RocksKVStoreTest, ScanBySeqnoVisitsInSeqnoOrderWithinInclusiveBounds) {
    // Keys in the opposite order from their seqnos, so key order and seqno order differ.
    std::vector<DiskDocument> documents;
    for (int64_t seqno = 1; seqno <= 10; ++seqno) {
        documents.push_back(doc("key-" + std::to_string(100 - seqno), seqno));
    }
    store_->commit(batchOf(kVb0, documents));
    store_->commit(batchOf(kVb1, {doc("other", 5)}));

    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0)), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0, 3, 5)), ElementsAre(3, 4, 5));
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0, 10, 10)), ElementsAre(10));
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0, 11, 100)), ElementsAre());
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0, 6, 5)), ElementsAre());
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0, -5, 1)), ElementsAre(1));
    EXPECT_EQ(documents, scanSeqnos(*store_, kVb0));
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb1)), ElementsAre(5));
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, Vbid(2))), ElementsAre());
}

TEST_F(RocksKVStoreTest, ScanBySeqnoVisitsAnOverwrittenDocumentOnceAtItsNewSeqno) {
    store_->commit(batchOf(kVb0, {doc("a", 1), doc("b", 2), doc("c", 3)}));
    store_->commit(batchOf(kVb0, {doc("a", 4, "a2", 2), tombstone("b", 5, 100)}));
    store_->commit(batchOf(kVb0, {doc("a", 6, "a3", 3)}));

    const std::vector<DiskDocument> all = scanSeqnos(*store_, kVb0);
    EXPECT_THAT(seqnosOf(all), ElementsAre(3, 5, 6));
    EXPECT_THAT(keysOf(all), ElementsAre("c", "b", "a"));
    EXPECT_EQ(doc("a", 6, "a3", 3), all.back());
    EXPECT_TRUE(all[1].deleted);
    // The old positions of "a" are not in range on their own.
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0, 1, 4)), ElementsAre(3));
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0, 4, 5)), ElementsAre(5));
}

TEST_F(RocksKVStoreTest, ScanBySeqnoStopsWhenTheVisitorSaysSo) {
    std::vector<DiskDocument> documents;
    for (int64_t seqno = 1; seqno <= 1000; ++seqno) {
        documents.push_back(doc("k" + std::to_string(seqno), seqno));
    }
    store_->commit(batchOf(kVb0, documents));
    for (const size_t stop_after :
         {size_t{1}, size_t{127}, size_t{128}, size_t{129}, size_t{500}}) {
        std::vector<int64_t> seen;
        store_->scanBySeqno(kVb0, 0, INT64_MAX, [&](DiskDocument&& document) {
            seen.push_back(document.by_seqno);
            return seen.size() < stop_after;
        });
        ASSERT_EQ(stop_after, seen.size());
        EXPECT_EQ(static_cast<int64_t>(stop_after), seen.back());
    }
    EXPECT_EQ(1000u, scanSeqnos(*store_, kVb0).size());
}

TEST_F(RocksKVStoreTest, ScansReadFlushedFilesAndMemtablesAlike) {
    RocksKVStoreOptions small;
    small.write_buffer_size = 64 * 1024;
    store_.reset();
    store_ = open(small);
    int64_t seqno = 0;
    for (int batch = 0; batch < 40; ++batch) {
        std::vector<DiskDocument> documents;
        documents.reserve(100);
        for (int i = 0; i < 100; ++i) {
            // 500 distinct keys, each overwritten several times across flushed files.
            documents.push_back(doc("key-" + std::to_string((batch * 100 + i) % 500), ++seqno,
                                    std::string(200, 'x'), static_cast<uint64_t>(batch) / 5 + 1));
        }
        store_->commit(batchOf(kVb0, documents));
    }
    const std::vector<DiskDocument> all = scanSeqnos(*store_, kVb0);
    ASSERT_EQ(500u, all.size());
    EXPECT_EQ(3501, all.front().by_seqno);
    EXPECT_EQ(4000, all.back().by_seqno);
    EXPECT_EQ(500u, scanKeys(*store_, kVb0).size());
    EXPECT_GT(store_->stats(/*list_files=*/true).disk_size, 0u);
}

TEST_F(RocksKVStoreTest, ScanByKeyVisitsCurrentDocumentsInKeyOrder) {
    store_->commit(batchOf(kVb0, {doc("b", 1), doc("a", 2), doc("c", 3)}));
    store_->commit(batchOf(kVb0, {tombstone("a", 4, 10), doc("b", 5, "b2", 2)}));
    store_->commit(batchOf(kVb1, {doc("0", 1)}));
    const std::vector<DiskDocument> all = scanKeys(*store_, kVb0);
    EXPECT_THAT(keysOf(all), ElementsAre("a", "b", "c"));
    EXPECT_THAT(seqnosOf(all), ElementsAre(4, 5, 3));
    EXPECT_TRUE(all[0].deleted);

    std::vector<std::string> seen;
    store_->scanByKey(kVb0, [&](DiskDocument&& document) {
        seen.push_back(document.key);
        return seen.size() < 2;
    });
    EXPECT_THAT(seen, ElementsAre("a", "b"));
    EXPECT_THAT(keysOf(scanKeys(*store_, Vbid(0xffff))), ElementsAre());
}

TEST_F(RocksKVStoreTest, VBucketStateRoundTripsWithAFullFailoverLog) {
    EXPECT_EQ(std::nullopt, store_->getVBucketState(kVb0));
    PersistedVBucketState state;
    state.state = VBucketState::Replica;
    state.high_seqno = 1234;
    state.snapshot_start = 1200;
    state.snapshot_end = 1300;
    state.purge_seqno = 17;
    state.max_cas = 0x17d3a5b6c7e8f901;
    for (uint64_t i = 0; i < 25; ++i) {
        state.failover.push_back({0xabcdef0000000000 + i, 1234 - 10 * i});
    }
    FlushBatch batch = batchOf(kVb1, {doc("k", 1234)});
    batch.state = state;
    store_->commit(batch);
    EXPECT_EQ(state, store_->getVBucketState(kVb1));
    EXPECT_EQ(std::nullopt, store_->getVBucketState(kVb0));

    // A batch without documents still writes the state (a state change).
    state.state = VBucketState::Dead;
    store_->commit({.vbucket = kVb1, .documents = {}, .state = state});
    reopen();
    EXPECT_EQ(state, store_->getVBucketState(kVb1));
}

TEST_F(RocksKVStoreTest, ListVBucketsIsInIdOrder) {
    EXPECT_TRUE(store_->listVBuckets().empty());
    for (const uint16_t id : {700, 0, 0xffff, 1, 256}) {
        store_->commit(batchOf(Vbid(id), {doc("k", 1)}));
    }
    EXPECT_THAT(store_->listVBuckets(),
                ElementsAre(Vbid(0), Vbid(1), Vbid(256), Vbid(700), Vbid(0xffff)));
}

TEST_F(RocksKVStoreTest, DeleteVBucketForgetsOnlyThatVBucket) {
    for (const uint16_t id : {0, 1, 2, 0xfffe, 0xffff}) {
        store_->commit(batchOf(Vbid(id), {doc("a", 1), doc("b", 2), doc("a", 3, "v", 2)}));
    }
    store_->deleteVBucket(kVb1);
    store_->deleteVBucket(Vbid(0xffff));
    for (const uint16_t id : {1, 0xffff}) {
        EXPECT_EQ(std::nullopt, store_->get(Vbid(id), "a"));
        EXPECT_EQ(std::nullopt, store_->getVBucketState(Vbid(id)));
        EXPECT_TRUE(scanSeqnos(*store_, Vbid(id)).empty());
        EXPECT_TRUE(scanKeys(*store_, Vbid(id)).empty());
    }
    for (const uint16_t id : {0, 2, 0xfffe}) {
        EXPECT_THAT(seqnosOf(scanSeqnos(*store_, Vbid(id))), ElementsAre(2, 3)) << id;
        EXPECT_EQ(doc("a", 3, "v", 2), store_->get(Vbid(id), "a"));
    }
    EXPECT_THAT(store_->listVBuckets(), ElementsAre(Vbid(0), Vbid(2), Vbid(0xfffe)));

    // The vbucket can be created again from seqno 1.
    store_->commit(batchOf(kVb1, {doc("z", 1)}));
    EXPECT_THAT(keysOf(scanSeqnos(*store_, kVb1)), ElementsAre("z"));
    reopen();
    EXPECT_THAT(keysOf(scanSeqnos(*store_, kVb1)), ElementsAre("z"));
    EXPECT_EQ(std::nullopt, store_->get(Vbid(0xffff), "b"));
}

TEST_F(RocksKVStoreTest, ReopenKeepsEverything) {
    RocksKVStoreOptions small;
    small.write_buffer_size = 64 * 1024;
    store_.reset();
    store_ = open(small);
    std::map<std::pair<uint16_t, std::string>, DiskDocument> expected;
    for (uint16_t id = 0; id < 8; ++id) {
        std::vector<DiskDocument> documents;
        for (int64_t seqno = 1; seqno <= 300; ++seqno) {
            documents.push_back(doc("k" + std::to_string(seqno % 200), seqno,
                                    std::string(100 + static_cast<size_t>(seqno), 'v'),
                                    seqno > 200 ? 2 : 1));
        }
        for (size_t first = 0; first < documents.size(); first += 50) {
            store_->commit(
                batchOf(Vbid(id), {documents.begin() + static_cast<ptrdiff_t>(first),
                                   documents.begin() + static_cast<ptrdiff_t>(first + 50)}));
        }
        for (const DiskDocument& document : documents) {
            expected[{id, document.key}] = document;
        }
    }
    reopen();
    EXPECT_EQ(8u, store_->listVBuckets().size());
    for (const auto& [where, document] : expected) {
        EXPECT_EQ(document, store_->get(Vbid(where.first), where.second));
    }
    for (uint16_t id = 0; id < 8; ++id) {
        EXPECT_EQ(200u, scanSeqnos(*store_, Vbid(id)).size());
        EXPECT_EQ(300, store_->getVBucketState(Vbid(id))->high_seqno);
    }
}

TEST_F(RocksKVStoreTest, AFailedBatchWritesNothing) {
    store_->commit(batchOf(kVb0, {doc("a", 1)}));
    FlushBatch bad = batchOf(kVb0, {doc("b", 2), doc("c", -3), doc("d", 4)});
    EXPECT_THROW(store_->commit(bad), std::invalid_argument);
    EXPECT_EQ(std::nullopt, store_->get(kVb0, "b"));
    EXPECT_EQ(1, store_->getVBucketState(kVb0)->high_seqno);
    EXPECT_THAT(seqnosOf(scanSeqnos(*store_, kVb0)), ElementsAre(1));
}

/// Child side of the crash test: commits batches of 100 documents to vbucket 0 (each batch's state
/// names its last seqno) until a timer started after the first batch SIGKILLs the process.
[[noreturn]] void commitUntilKilled(const std::string& path, int kill_after_ms) {
    auto store = openRocksKVStore(path);
    for (int64_t seqno = 0;;) {
        std::vector<DiskDocument> documents;
        for (int i = 0; i < 100; ++i) {
            ++seqno;
            documents.push_back(doc("key-" + std::to_string(seqno % 1000), seqno,
                                    std::string(200, 'x'), static_cast<uint64_t>(seqno)));
        }
        store->commit(batchOf(kVb0, std::move(documents)));
        if (seqno == 100) {
            std::thread([kill_after_ms] {
                std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms));
                std::raise(SIGKILL);
            }).detach();
        }
    }
}

/// Kills a process committing batches after `kill_after_ms`, then checks the store it leaves.
void killWhileCommittingAndCheck(int kill_after_ms) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const test::DeathTestDir dir;
    const std::string path = dir.sub("store");
    EXPECT_EXIT(commitUntilKilled(path, kill_after_ms), ::testing::KilledBySignal(SIGKILL), "");
    auto store = openRocksKVStore(path);
    const std::optional<PersistedVBucketState> state = store->getVBucketState(kVb0);
    ASSERT_TRUE(state);
    ASSERT_EQ(0, state->high_seqno % 100) << "a batch was cut";
    const std::vector<DiskDocument> all = scanSeqnos(*store, kVb0);
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(state->high_seqno, all.back().by_seqno);
    // The last 1000 seqnos are the current versions of the 1000 keys, all there.
    EXPECT_EQ(std::min<int64_t>(1000, state->high_seqno), static_cast<int64_t>(all.size()));
    EXPECT_EQ(state->high_seqno - static_cast<int64_t>(all.size()) + 1, all.front().by_seqno);
    for (const DiskDocument& document : all) {
        ASSERT_EQ(static_cast<uint64_t>(document.by_seqno), document.rev_seqno);
    }
}

TEST(RocksKVStoreCrashTest, KilledSoonAfterTheFirstBatchEveryBatchIsWhole) {
    killWhileCommittingAndCheck(2);
}

TEST(RocksKVStoreCrashTest, KilledMidStreamEveryBatchIsWholeAndAgreesWithTheState) {
    killWhileCommittingAndCheck(150);
}

TEST_F(RocksKVStoreTest, StatsCountCommitsDocumentsAndReads) {
    store_->commit(batchOf(kVb0, {doc("a", 1), doc("b", 2)}));
    store_->commit(batchOf(kVb1, {doc("c", 1, std::string(1000, 'x'))}));
    static_cast<void>(store_->get(kVb0, "a"));
    store_->getMulti(kVb0, std::vector<std::string>{"a", "z"}, [](size_t, DiskDocument&&) {});
    static_cast<void>(scanSeqnos(*store_, kVb0));
    static_cast<void>(scanKeys(*store_, kVb0));
    const KVStoreStats stats = store_->stats();
    EXPECT_EQ(2u, stats.commits);
    EXPECT_EQ(3u, stats.documents_written);
    EXPECT_GT(stats.bytes_written, 1000u);
    EXPECT_EQ(3u, stats.gets);
    EXPECT_EQ(2u, stats.scans);
    EXPECT_GT(stats.live_data_size, 1000u);
    EXPECT_EQ(0u, stats.disk_size) << "no SST file yet, and the log is not listed";
    EXPECT_GT(store_->stats(/*list_files=*/true).disk_size, 1000u);  // the write-ahead log
    EXPECT_EQ(dir_.sub("store"), store_->path());
}

TEST_F(RocksKVStoreTest, ConcurrentCommitsOfTwoVBucketsWithReadersAndScanners) {
    constexpr int kBatches = 150;
    constexpr int kPerBatch = 20;
    constexpr int kKeys = 300;
    std::atomic<bool> done{false};
    std::atomic<size_t> reads{0};
    std::atomic<int> writers_left{2};

    const auto writer = [&](Vbid vbucket) {
        int64_t seqno = 0;
        for (int batch = 0; batch < kBatches; ++batch) {
            std::vector<DiskDocument> documents;
            for (int i = 0; i < kPerBatch; ++i) {
                ++seqno;
                documents.push_back(doc("k" + std::to_string(seqno % kKeys), seqno,
                                        std::to_string(seqno),
                                        static_cast<uint64_t>(seqno / kKeys + 1)));
            }
            store_->commit(batchOf(vbucket, std::move(documents)));
        }
        if (--writers_left == 0) {
            done = true;
        }
    };
    const auto reader = [&](Vbid vbucket) {
        std::mt19937 random(vbucket.get());
        while (!done) {
            // A scan sees one snapshot: seqnos strictly increase and each key appears once.
            std::set<std::string> keys;
            int64_t last = 0;
            store_->scanBySeqno(vbucket, 0, INT64_MAX, [&](DiskDocument&& document) {
                EXPECT_GT(document.by_seqno, last);
                EXPECT_TRUE(keys.insert(document.key).second);
                EXPECT_EQ(std::to_string(document.by_seqno), document.value);
                last = document.by_seqno;
                return true;
            });
            const std::string key = "k" + std::to_string(random() % kKeys);
            if (auto document = store_->get(vbucket, key)) {
                EXPECT_EQ(std::to_string(document->by_seqno), document->value);
            }
            store_->getMulti(vbucket, std::vector<std::string>{key, "k1", "none"},
                             [&](size_t index, DiskDocument&& document) {
                                 EXPECT_NE(2u, index);
                                 EXPECT_EQ(std::to_string(document.by_seqno), document.value);
                             });
            size_t count = 0;
            store_->scanByKey(vbucket, [&](DiskDocument&&) { return ++count < 50; });
            if (auto state = store_->getVBucketState(vbucket)) {
                EXPECT_EQ(0, state->high_seqno % kPerBatch);
            }
            static_cast<void>(store_->stats());
            ++reads;
        }
    };
    std::vector<std::thread> threads;
    threads.emplace_back(writer, kVb0);
    threads.emplace_back(writer, kVb1);
    threads.emplace_back(reader, kVb0);
    threads.emplace_back(reader, kVb1);
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_GT(reads.load(), 0u);
    for (const Vbid vbucket : {kVb0, kVb1}) {
        const std::vector<DiskDocument> all = scanSeqnos(*store_, vbucket);
        ASSERT_EQ(static_cast<size_t>(kKeys), all.size());
        EXPECT_EQ(kBatches * kPerBatch, all.back().by_seqno);
        EXPECT_EQ(kBatches * kPerBatch, store_->getVBucketState(vbucket)->high_seqno);
    }
    EXPECT_EQ(static_cast<uint64_t>(2 * kBatches), store_->stats().commits);
}

}  // namespace
}  // namespace eddy::engine
