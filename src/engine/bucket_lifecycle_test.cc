#include "common/clock.h"
#include "engine/bucket_test_fixture.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace eddy::engine::bucket_test {
namespace {

// ---- expiry ----------------------------------------------------------------------------------

TEST_P(BucketTest, RelativeExpiry) {
    StoreRequest request = makeStore("k", "v");
    request.exptime = 10;
    ASSERT_EQ(Status::Success, store(request));
    ItemPtr item;
    ASSERT_EQ(Status::Success, get("k", item));
    EXPECT_EQ(kStartTime + 10, item->expiry());
    advance(9);
    EXPECT_EQ("v", valueOf("k"));
    advance(1);
    EXPECT_EQ("<absent>", valueOf("k"));
}

TEST_P(BucketTest, LongestRelativeExpiryIsStillRelative) {
    StoreRequest request = makeStore("k", "v");
    request.exptime = clock::kMaxRelativeExptime;
    ASSERT_EQ(Status::Success, store(request));
    ItemPtr item;
    ASSERT_EQ(Status::Success, get("k", item));
    EXPECT_EQ(kStartTime + clock::kMaxRelativeExptime, item->expiry());
}

TEST_P(BucketTest, AbsoluteExpiry) {
    StoreRequest request = makeStore("k", "v");
    request.exptime = kStartTime + 1000;
    ASSERT_EQ(Status::Success, store(request));
    advance(999);
    EXPECT_EQ("v", valueOf("k"));
    advance(1);
    EXPECT_EQ("<absent>", valueOf("k"));
}

TEST_P(BucketTest, AbsoluteExpiryInThePastExpiresAtOnce) {
    StoreRequest request = makeStore("k", "v");
    request.exptime = clock::kMaxRelativeExptime + 1;  // a moment in 1970
    ASSERT_EQ(Status::Success, store(request));
    EXPECT_EQ("<absent>", valueOf("k"));
    EXPECT_EQ(1u, stat("expired_items"));
}

TEST_P(BucketTest, ExpiredItemsAreCountedAndReclaimed) {
    StoreRequest request = makeStore("k", "v");
    request.exptime = 5;
    ASSERT_EQ(Status::Success, store(request));
    ASSERT_EQ(Status::Success, set("other", "v"));
    EXPECT_EQ(2u, stat("curr_items"));
    const StatMap before_expiry = stats();
    advance(5);
    // Not yet touched: still resident.
    EXPECT_EQ(2u, stat("curr_items"));
    EXPECT_EQ(0u, stat("expired_items"));
    EXPECT_EQ("<absent>", valueOf("k"));
    const StatMap after = stats();
    EXPECT_EQ(1u, stat(after, "expired_items"));
    EXPECT_EQ(1u, stat(after, "curr_items"));
    // The expired value was released: fewer bytes than while it lived.
    EXPECT_LT(stat(after, "bytes"), stat(before_expiry, "bytes"));
    // Found once, counted once.
    EXPECT_EQ("<absent>", valueOf("k"));
    EXPECT_EQ(1u, stat("expired_items"));
}

TEST_P(BucketTest, ExpiredItemIsAbsentForEveryCommand) {
    auto plant = [this](std::string_view key) {
        StoreRequest request = makeStore(key, "5");
        request.exptime = 1;
        ASSERT_EQ(Status::Success, store(request));
    };
    plant("replace");
    plant("add");
    plant("append");
    plant("incr");
    plant("remove");
    plant("touch");
    plant("cas");
    Cas planted_cas = casOf("cas");
    advance(1);

    EXPECT_EQ(Status::KeyNotFound, store(makeStore("replace", "x", StoreSemantics::Replace)));
    EXPECT_EQ(Status::Success, store(makeStore("add", "x", StoreSemantics::Add)));
    EXPECT_EQ(Status::NotStored, store(makeStore("append", "x", StoreSemantics::Append)));
    uint64_t value = 0;
    EXPECT_EQ(Status::Success, arithmetic(makeArithmetic("incr", true, 1, 77), value));
    EXPECT_EQ(77u, value);
    EXPECT_EQ(Status::KeyNotFound, remove("remove"));
    ItemPtr item;
    EXPECT_EQ(Status::KeyNotFound, touch("touch", 0, item));
    StoreRequest cas_set = makeStore("cas", "x");
    cas_set.cas = planted_cas;
    EXPECT_EQ(Status::KeyNotFound, store(cas_set));
    EXPECT_EQ(7u, stat("expired_items"));
}

// ---- touch -----------------------------------------------------------------------------------

TEST_P(BucketTest, TouchOfMissingKeyIsKeyNotFound) {
    ItemPtr item;
    EXPECT_EQ(Status::KeyNotFound, touch("k", 10, item));
}

TEST_P(BucketTest, TouchReturnsTheDocumentWithANewCas) {
    StoreRequest request = makeStore("k", "v");
    request.flags = 9;
    Cas cas = 0;
    ASSERT_EQ(Status::Success, store(request, &cas));
    ItemPtr touched;
    ASSERT_EQ(Status::Success, touch("k", 30, touched));
    EXPECT_EQ("v", touched->value());
    EXPECT_EQ(9u, touched->flags());
    EXPECT_GT(touched->cas(), cas);
    EXPECT_EQ(kStartTime + 30, touched->expiry());
    EXPECT_EQ(touched->cas(), casOf("k"));
}

TEST_P(BucketTest, TouchExtendsTheExpiry) {
    StoreRequest request = makeStore("k", "v");
    request.exptime = 10;
    ASSERT_EQ(Status::Success, store(request));
    advance(5);
    ItemPtr item;
    ASSERT_EQ(Status::Success, touch("k", 100, item));
    advance(50);
    EXPECT_EQ("v", valueOf("k"));
    advance(50);
    EXPECT_EQ("<absent>", valueOf("k"));
}

TEST_P(BucketTest, TouchShortensTheExpiry) {
    StoreRequest request = makeStore("k", "v");
    request.exptime = 100;
    ASSERT_EQ(Status::Success, store(request));
    ItemPtr item;
    ASSERT_EQ(Status::Success, touch("k", 5, item));
    advance(4);
    EXPECT_EQ("v", valueOf("k"));
    advance(1);
    EXPECT_EQ("<absent>", valueOf("k"));
}

TEST_P(BucketTest, TouchWithZeroRemovesTheExpiry) {
    StoreRequest request = makeStore("k", "v");
    request.exptime = 10;
    ASSERT_EQ(Status::Success, store(request));
    ItemPtr item;
    ASSERT_EQ(Status::Success, touch("k", 0, item));
    EXPECT_EQ(0u, item->expiry());
    advance(1'000'000);
    EXPECT_EQ("v", valueOf("k"));
}

TEST_P(BucketTest, TouchWithAPastAbsoluteTimeExpiresTheDocument) {
    ASSERT_EQ(Status::Success, set("k", "v"));
    ItemPtr item;
    ASSERT_EQ(Status::Success, touch("k", kStartTime - 1, item));
    EXPECT_EQ("<absent>", valueOf("k"));
}

// ---- flush, stats, the rest ------------------------------------------------------------------

TEST_P(BucketTest, FlushRemovesEverything) {
    for (int i = 0; i < 200; ++i) {
        ASSERT_EQ(Status::Success, set("key" + std::to_string(i), "value"));
    }
    EXPECT_EQ(200u, stat("curr_items"));
    const uint64_t empty_memory = stat(fresh_stats_, "mem_used");
    EXPECT_LT(empty_memory + 200 * 5, stat("mem_used"));
    EXPECT_EQ(Status::Success, driver_->flush(cookie_));
    for (int i = 0; i < 200; ++i) {
        EXPECT_EQ("<absent>", valueOf("key" + std::to_string(i)));
    }
    const StatMap after = stats();
    EXPECT_EQ(0u, stat(after, "curr_items"));
    // Values, records and queued changes are all gone: memory is back where it started.
    EXPECT_EQ(empty_memory, stat(after, "mem_used"));
    EXPECT_EQ(0u, stat(after, "ep_value_size"));
    EXPECT_EQ(1u, stat(after, "cmd_flush"));
    EXPECT_EQ(200u, stat(after, "total_items"));
    // The bucket is usable afterwards.
    EXPECT_EQ(Status::Success, set("key1", "again"));
    EXPECT_EQ("again", valueOf("key1"));
}

TEST_P(BucketTest, FreshBucketReportsEveryCounterAsZero) {
    const StatMap map = stats();
    const std::vector<std::string> names = {"curr_items",
                                            "curr_items_tot",
                                            "total_items",
                                            "ep_value_size",
                                            "ep_num_checkpoint_items",
                                            "ep_items_rm_from_checkpoints",
                                            "ep_items_expelled_from_checkpoints",
                                            "ep_cursors_dropped",
                                            "ep_num_value_ejects",
                                            "ep_num_non_resident",
                                            "vb_active_auto_delete_count",
                                            "ep_tombstones_purged",
                                            "ep_tmp_oom_errors",
                                            "ep_oom_errors",
                                            "expired_items",
                                            "vb_replica_num",
                                            "vb_pending_num",
                                            "vb_dead_num",
                                            "ep_expired_access",
                                            "cmd_get",
                                            "get_hits",
                                            "get_misses",
                                            "cmd_set",
                                            "delete_hits",
                                            "delete_misses",
                                            "incr_hits",
                                            "incr_misses",
                                            "decr_hits",
                                            "decr_misses",
                                            "cas_hits",
                                            "cas_misses",
                                            "cas_badval",
                                            "touch_hits",
                                            "touch_misses",
                                            "cmd_touch",
                                            "cmd_flush",
                                            "cmd_lock",
                                            "ep_num_not_my_vbuckets"};
    for (const std::string& name : names) {
        EXPECT_EQ(0u, stat(map, name)) << name;
    }
    EXPECT_EQ(4u, stat(map, "ep_max_vbuckets"));
    EXPECT_EQ(4u, stat(map, "vb_active_num"));
    // An empty bucket still has its hash-table arrays and one open checkpoint per vbucket.
    EXPECT_EQ(4u, stat(map, "ep_num_checkpoints"));
    EXPECT_LT(0u, stat(map, "mem_used"));
    EXPECT_EQ(stat(map, "mem_used"), stat(map, "bytes"));
    EXPECT_EQ(stat(map, "mem_used"),
              stat(map, "ep_meta_data_memory") + stat(map, "ep_checkpoint_memory_overhead"));
    // The quota and its fractions, at their defaults (100 MiB, 75 %, 85 %, 93 %, 0.5).
    EXPECT_EQ(100u << 20, stat(map, "ep_max_size"));
    EXPECT_EQ(stat(map, "ep_max_size"), stat(map, "limit_maxbytes"));
    EXPECT_EQ((100u << 20) / 100 * 75, stat(map, "ep_mem_low_wat"));
    EXPECT_EQ((100u << 20) / 100 * 85, stat(map, "ep_mem_high_wat"));
    EXPECT_EQ(93u, stat(map, "ep_mutation_mem_threshold"));
    EXPECT_EQ((100u << 20) / 2, stat(map, "ep_checkpoint_memory_quota"));
}

TEST_P(BucketTest, StatsCountEveryOperation) {
    Cas cas = 0;
    ASSERT_EQ(Status::Success, set("a", "1", &cas));  // cmd_set 1
    ASSERT_EQ(Status::Success, set("b", "22"));       // cmd_set 2
    StoreRequest good_cas = makeStore("a", "10");
    good_cas.cas = cas;
    ASSERT_EQ(Status::Success, store(good_cas));  // cas_hits
    StoreRequest bad_cas = makeStore("a", "x");
    bad_cas.cas = 1;
    ASSERT_EQ(Status::KeyExists, store(bad_cas));  // cas_badval
    StoreRequest missing_cas = makeStore("zz", "x");
    missing_cas.cas = 1;
    ASSERT_EQ(Status::KeyNotFound, store(missing_cas));  // cas_misses
    ASSERT_EQ(Status::KeyExists, store(makeStore("b", "x", StoreSemantics::Add)));

    ItemPtr item;
    ASSERT_EQ(Status::Success, get("a", item));
    ASSERT_EQ(Status::KeyNotFound, get("nope", item));
    ASSERT_EQ(Status::KeyNotFound, get("nope", item));

    uint64_t value = 0;
    ASSERT_EQ(Status::Success, arithmetic(makeArithmetic("a", true, 1), value));  // incr hit
    ASSERT_EQ(Status::Success, arithmetic(makeArithmetic("c", true, 1), value));  // incr miss
    ASSERT_EQ(Status::KeyNotFound,
              arithmetic(makeArithmetic("d", true, 1, 0, 0xffffffff), value));     // incr miss
    ASSERT_EQ(Status::Success, arithmetic(makeArithmetic("a", false, 1), value));  // decr hit
    ASSERT_EQ(Status::Success, arithmetic(makeArithmetic("e", false, 1), value));  // decr miss

    ASSERT_EQ(Status::Success, touch("b", 0, item));
    ASSERT_EQ(Status::KeyNotFound, touch("nope", 0, item));

    ASSERT_EQ(Status::Success, remove("e"));
    ASSERT_EQ(Status::KeyNotFound, remove("e"));

    const StatMap map = stats();
    EXPECT_EQ(6u, stat(map, "cmd_set"));
    EXPECT_EQ(1u, stat(map, "cas_hits"));
    EXPECT_EQ(1u, stat(map, "cas_badval"));
    EXPECT_EQ(1u, stat(map, "cas_misses"));
    EXPECT_EQ(3u, stat(map, "cmd_get"));
    EXPECT_EQ(1u, stat(map, "get_hits"));
    EXPECT_EQ(2u, stat(map, "get_misses"));
    EXPECT_EQ(1u, stat(map, "incr_hits"));
    EXPECT_EQ(2u, stat(map, "incr_misses"));
    EXPECT_EQ(1u, stat(map, "decr_hits"));
    EXPECT_EQ(1u, stat(map, "decr_misses"));
    EXPECT_EQ(2u, stat(map, "cmd_touch"));
    EXPECT_EQ(1u, stat(map, "touch_hits"));
    EXPECT_EQ(1u, stat(map, "touch_misses"));
    EXPECT_EQ(1u, stat(map, "delete_hits"));
    EXPECT_EQ(1u, stat(map, "delete_misses"));
    // Stored: set a, set b, cas set a, incr a, create c, decr a, create e.
    EXPECT_EQ(7u, stat(map, "total_items"));
    EXPECT_EQ(0u, stat(map, "cmd_flush"));
    EXPECT_EQ(0u, stat(map, "expired_items"));

    // Left: a, b, c (and the tombstone of the deleted key, whose metadata counts in bytes).
    EXPECT_EQ(3u, stat(map, "curr_items"));
    uint64_t values = 0;
    for (const char* key : {"a", "b", "c"}) {
        ASSERT_EQ(Status::Success, get(key, item));
        values += item->value().size() + item->key().size();
    }
    EXPECT_GT(stat(map, "bytes"), values);
}

TEST_P(BucketTest, UnknownStatGroupIsKeyNotFound) {
    StatMap map;
    EXPECT_EQ(Status::KeyNotFound, driver_->getStats(cookie_, "no-such-group", map));
    EXPECT_TRUE(map.empty());
}

TEST_P(BucketTest, UnknownCommandIsNotSupported) {
    EngineCommand command;
    command.opcode = 0x99;
    std::optional<test::EngineResponse> response;
    EXPECT_EQ(Status::NotSupported, driver_->unknownCommand(cookie_, command, response));
    EXPECT_FALSE(response.has_value());
}

TEST_P(BucketTest, DisconnectChangesNothing) {
    ASSERT_EQ(Status::Success, set("k", "v"));
    driver_->disconnect(cookie_);
    EXPECT_EQ("v", valueOf("k"));
}

TEST_P(BucketTest, KeysAreDistinctByteStrings) {
    const std::string with_nul("a\0b", 3);
    ASSERT_EQ(Status::Success, set(with_nul, "nul"));
    ASSERT_EQ(Status::Success, set("a", "plain"));
    EXPECT_EQ("nul", valueOf(with_nul));
    EXPECT_EQ("plain", valueOf("a"));
    EXPECT_EQ("<absent>", valueOf("A"));
}

// ---- concurrency -----------------------------------------------------------------------------

// Several threads mutate overlapping keys; the counter must be exact, every CAS unique, and the
// bucket's item and byte totals must match what is actually stored.
TEST_P(BucketTest, ConcurrentMutationsStayConsistent) {
    constexpr int kThreads = 4;
    constexpr int kIterations = 3000;
    constexpr int kSharedKeys = 16;

    std::vector<std::vector<Cas>> cas_seen(kThreads);
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([this, t, &cas_seen] {
            MockCookie cookie;
            std::vector<Cas>& seen = cas_seen[static_cast<size_t>(t)];
            for (int i = 0; i < kIterations; ++i) {
                const std::string key = "shared-" + std::to_string((i + t) % kSharedKeys);
                const std::string value = "t" + std::to_string(t) + "-" + std::to_string(i);
                const StoreRequest request = makeStore(key, value);
                MutationResult result;
                ASSERT_EQ(Status::Success, driver_->store(cookie, request, result));
                seen.push_back(result.cas);

                ItemPtr item;
                const Status got = driver_->get(cookie, key, item);
                ASSERT_TRUE(got == Status::Success || got == Status::KeyNotFound);
                if (got == Status::Success) {
                    ASSERT_EQ('t', item->value().front());
                }

                uint64_t counter = 0;
                MutationResult incr;
                ASSERT_EQ(Status::Success,
                          driver_->arithmetic(cookie, makeArithmetic("counter", true, 1, 1),
                                              counter, incr));
                seen.push_back(incr.cas);

                if (i % 7 == 0) {
                    MutationResult removed;
                    const Status status = driver_->remove(cookie, key, 0, removed);
                    ASSERT_TRUE(status == Status::Success || status == Status::KeyNotFound);
                    if (status == Status::Success) {
                        seen.push_back(removed.cas);
                    }
                }
                if (i % 11 == 0) {
                    MutationResult appended;
                    const Status status = driver_->store(
                        cookie, makeStore(key, "+", StoreSemantics::Append), appended);
                    ASSERT_TRUE(status == Status::Success || status == Status::NotStored);
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }

    EXPECT_EQ(std::to_string(kThreads * kIterations), valueOf("counter"));

    std::set<Cas> unique;
    size_t total = 0;
    for (const auto& seen : cas_seen) {
        unique.insert(seen.begin(), seen.end());
        total += seen.size();
    }
    EXPECT_EQ(total, unique.size()) << "a CAS value was handed out twice";
    EXPECT_EQ(0u, unique.count(0));

    uint64_t items = 0;
    uint64_t values = 0;
    for (int k = 0; k < kSharedKeys; ++k) {
        ItemPtr item;
        if (get("shared-" + std::to_string(k), item) == Status::Success) {
            ++items;
            values += item->value().size();
        }
    }
    ItemPtr counter_item;
    ASSERT_EQ(Status::Success, get("counter", counter_item));
    ++items;
    values += counter_item->value().size();

    const StatMap map = stats();
    EXPECT_EQ(items, stat(map, "curr_items"));
    EXPECT_GT(stat(map, "bytes"), values);
    EXPECT_EQ(static_cast<uint64_t>(kThreads) * kIterations - 1, stat(map, "incr_hits"));
    EXPECT_EQ(1u, stat(map, "incr_misses"));
}

}  // namespace
INSTANTIATE_TEST_SUITE_P(BucketTypes, BucketTest, ::testing::Values("persistent", "ephemeral"),
                         [](const auto& test) { return test.param; });

}  // namespace eddy::engine::bucket_test
