// A bucket's collections in the engine: per-collection items and operations in the collections
// and scopes stat groups, and a dropped collection purged from memory, from the store, and
// never loaded again. Driven through EngineIface (the manifest set through the shared
// collections::Manager, as SET_COLLECTIONS_MANIFEST does).
#include "collections/manager.h"
#include "engine/ep_bucket.h"
#include "engine/kvstore/kvstore.h"
#include "executor/fake_executor.h"
#include "support/engine_driver.h"
#include "support/mock_cookie.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace eddy::engine {
namespace {

using executor::TaskGroup;
using test::StatMap;
namespace fs = std::filesystem;

/// Scope `s` (8) with collection `c` (9), beside `_default._default`.
constexpr std::string_view kWithC =
    R"({"uid":"1","scopes":[{"name":"_default","uid":"0","collections":[{"name":"_default","uid":"0"}]},
        {"name":"s","uid":"8","collections":[{"name":"c","uid":"9"}]}]})";
/// The same without `c`.
constexpr std::string_view kWithoutC =
    R"({"uid":"2","scopes":[{"name":"_default","uid":"0","collections":[{"name":"_default","uid":"0"}]},
        {"name":"s","uid":"8","collections":[]}]})";

std::string inDefault(int n) {
    return std::string(1, '\0') + "k" + std::to_string(n);
}
std::string inC(int n) {
    return "\x09k" + std::to_string(n);
}

void setManifest(collections::Manager& manager, std::string_view json) {
    const auto result = manager.set(collections::Manifest::parse(json));
    ASSERT_EQ(collections::Manager::Outcome::Applied, result.outcome) << result.message;
}

class BucketCollectionsTest : public ::testing::Test {
protected:
    BucketCollectionsTest() {
        directory_ = fs::temp_directory_path() /
                     ("eddy-bucket-collections-" + std::to_string(::getpid()) + "-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(directory_);
        fs::create_directories(directory_);
    }
    ~BucketCollectionsTest() override {
        driver_.reset();
        bucket_.reset();
        executor_.reset();
        fs::remove_all(directory_);
    }

    /// (Re)creates the bucket: persistent on directory_ with a FakeExecutor, or (`ephemeral`)
    /// in memory with no executor (background work and stat groups run inline).
    void open(bool persistent = true) {
        driver_.reset();
        bucket_.reset();
        executor_.reset();
        EpBucketConfig config;
        config.now = [] { return uint32_t{1'700'000'000}; };
        if (persistent) {
            manager_ = std::make_shared<collections::Manager>(
                (directory_ / collections::kManifestFileName).string());
            executor_ = std::make_unique<executor::FakeExecutor>();
            config.parameters = EpBucketConfig::parse("max_vbuckets=4");
            config.executor = executor_.get();
            config.data_dir = directory_.string();
        } else {
            manager_ = std::make_shared<collections::Manager>();
            config.parameters = EpBucketConfig::parse("max_vbuckets=4;bucket_type=ephemeral");
        }
        config.collections = manager_;
        bucket_ = createEpBucket(server_, config);
        driver_ = std::make_unique<test::EngineDriver>(*bucket_);
        drain(TaskGroup::Reader);  // warm-up
    }

    void drain(TaskGroup group) {
        for (int i = 0; executor_ && i < 1000 && executor_->nextTaskName(group); ++i) {
            executor_->runNextTask(group);
        }
    }

    Status set(const std::string& key, uint16_t vbucket = 0) {
        StoreRequest request;
        request.key = DocKey(key);
        request.vbucket = Vbid(vbucket);
        request.value = "value";
        MutationResult result;
        return driver_->store(cookie_, request, result);
    }

    Status get(const std::string& key, uint16_t vbucket = 0) {
        ItemPtr item;
        return driver_->get(cookie_, key, item, Vbid(vbucket));
    }

    /// A STAT group, driven to completion (a background group's task run on the fake).
    StatMap stats(std::string_view group, std::string_view args = {}) {
        StatMap map;
        std::string key(group);
        if (!args.empty()) {
            key += " ";
            key += args;
        }
        Status status = bucket_->getStats(cookie_, key, "", [&map](auto k, auto v) {
            map.insert_or_assign(std::string(k), std::string(v));
        });
        if (status == Status::WouldBlock) {
            drain(TaskGroup::NonIO);
            EXPECT_EQ(Status::Success, cookie_.waitForNotification(std::chrono::seconds(5)));
            status = bucket_->getStats(cookie_, key, "", [&map](auto k, auto v) {
                map.insert_or_assign(std::string(k), std::string(v));
            });
        }
        EXPECT_EQ(Status::Success, status) << key;
        return map;
    }

    uint64_t number(const StatMap& map, const std::string& key) {
        const auto found = map.find(key);
        if (found == map.end()) {
            ADD_FAILURE() << "no stat " << key;
            return 0;
        }
        return std::stoull(found->second);
    }

    fs::path directory_;
    std::shared_ptr<collections::Manager> manager_;
    std::unique_ptr<executor::FakeExecutor> executor_;
    test::MockServerApi server_;
    test::MockCookie cookie_;
    std::unique_ptr<EngineIface> bucket_;
    std::unique_ptr<test::EngineDriver> driver_;
};

TEST_F(BucketCollectionsTest, StatGroupsShowItemsAndOperationsPerCollectionAndScope) {
    open(/*persistent=*/false);
    setManifest(*manager_, kWithC);
    for (int n = 0; n < 3; ++n) {
        ASSERT_EQ(Status::Success, set(inC(n), static_cast<uint16_t>(n % 2)));
    }
    ASSERT_EQ(Status::Success, set(inDefault(0)));
    ASSERT_EQ(Status::Success, get(inC(0)));
    ASSERT_EQ(Status::KeyNotFound, get(inC(7)));
    MutationResult removed;
    ASSERT_EQ(Status::Success, driver_->remove(cookie_, inC(2), 0, removed));

    const StatMap all = stats("collections");
    EXPECT_EQ("_default", all.at("0x0:0x0:name"));
    EXPECT_EQ("_default", all.at("0x0:0x0:scope_name"));
    EXPECT_EQ(1u, number(all, "0x0:0x0:items"));
    EXPECT_EQ("c", all.at("0x8:0x9:name"));
    EXPECT_EQ("s", all.at("0x8:0x9:scope_name"));
    EXPECT_EQ(2u, number(all, "0x8:0x9:items"));
    EXPECT_EQ(3u, number(all, "0x8:0x9:ops_store"));
    EXPECT_EQ(2u, number(all, "0x8:0x9:ops_get")) << "a hit and a miss";
    EXPECT_EQ(1u, number(all, "0x8:0x9:ops_delete"));
    EXPECT_EQ(1u, number(all, "manifest_uid"));

    const StatMap one = stats("collections", "s.c");
    EXPECT_EQ(2u, number(one, "0x8:0x9:items"));
    EXPECT_EQ(0u, one.count("0x0:0x0:items")) << "only the one asked for";
    EXPECT_EQ(0u, one.count("manifest_uid"));
    EXPECT_EQ(Status::KeyNotFound,
              bucket_->getStats(cookie_, "collections s.nope", "", [](auto, auto) {}));

    const StatMap scopes = stats("scopes");
    EXPECT_EQ("s", scopes.at("0x8:name"));
    EXPECT_EQ(1u, number(scopes, "0x8:collections"));
    EXPECT_EQ(2u, number(scopes, "0x8:items"));
    EXPECT_EQ(1u, number(scopes, "0x0:items"));
    EXPECT_EQ(2u, number(stats("scopes", "s"), "0x8:items"));
}

TEST_F(BucketCollectionsTest, ADroppedCollectionLeavesMemoryAtOnceInAnEphemeralBucket) {
    open(/*persistent=*/false);
    setManifest(*manager_, kWithC);
    for (int n = 0; n < 20; ++n) {
        ASSERT_EQ(Status::Success, set(inC(n), static_cast<uint16_t>(n % 4)));
    }
    ASSERT_EQ(Status::Success, set(inDefault(0)));
    StatMap before;
    ASSERT_EQ(Status::Success, driver_->getStats(cookie_, "", before));
    ASSERT_EQ("21", before.at("curr_items"));

    setManifest(*manager_, kWithoutC);  // no executor: purged on this thread
    StatMap after;
    ASSERT_EQ(Status::Success, driver_->getStats(cookie_, "", after));
    EXPECT_EQ("1", after.at("curr_items"));
    EXPECT_EQ(Status::KeyNotFound, get(inC(0)));
    EXPECT_EQ(Status::Success, get(inDefault(0)));
    EXPECT_EQ(0u, stats("collections").count("0x8:0x9:items")) << "gone from the manifest";
}

TEST_F(BucketCollectionsTest, ADroppedCollectionIsPurgedFromMemoryAndDiskAndStaysGone) {
    open();
    setManifest(*manager_, kWithC);
    for (int n = 0; n < 40; ++n) {
        ASSERT_EQ(Status::Success, set(inC(n), static_cast<uint16_t>(n % 4)));
    }
    for (int n = 0; n < 5; ++n) {
        ASSERT_EQ(Status::Success, set(inDefault(n), static_cast<uint16_t>(n % 4)));
    }
    drain(TaskGroup::Writer);  // on disk
    // A few more of `c` are still only in the checkpoints when it is dropped.
    ASSERT_EQ(Status::Success, set(inC(100)));
    ASSERT_EQ(Status::Success, set(inC(101), 1));

    setManifest(*manager_, kWithoutC);
    EXPECT_EQ(47u, number(stats(""), "curr_items"))
        << "the purge is a NONIO task, not the listener's thread";
    drain(TaskGroup::NonIO);
    EXPECT_EQ(5u, number(stats(""), "curr_items"));
    EXPECT_EQ(Status::KeyNotFound, get(inC(1)));
    drain(TaskGroup::Writer);  // the flushers purge the store and skip the queued changes
    // Vbucket 1's only unflushed change was of `c`: skipped, it still counts as persisted.
    const StatMap seqnos = stats("vbucket-seqno", "1");
    EXPECT_EQ(number(seqnos, "vb_1:high_seqno"), number(seqnos, "vb_1:last_persisted_seqno"));

    // Read the store itself once the bucket is closed: nothing of `c` is left.
    driver_.reset();
    bucket_.reset();
    executor_.reset();
    {
        const auto store = openRocksKVStore((directory_ / "store").string());
        size_t in_c = 0;
        size_t others = 0;
        for (uint16_t vb = 0; vb < 4; ++vb) {
            store->scanByKey(Vbid(vb), [&](DiskDocument&& document) {
                (document.key.front() == '\x09' ? in_c : others) += 1;
                return true;
            });
        }
        EXPECT_EQ(0u, in_c);
        EXPECT_EQ(5u, others);
    }

    open();
    EXPECT_EQ(5u, number(stats(""), "curr_items"));
    EXPECT_EQ(Status::KeyNotFound, get(inC(0)));
    EXPECT_EQ(Status::Success, get(inDefault(0)));
}

// A crash between the drop and the purge: at the next start nothing of the collection is
// loaded, and the first flush purges the store.
TEST_F(BucketCollectionsTest, WhatACrashLeftOfADroppedCollectionIsPurgedAtTheNextStart) {
    open();
    setManifest(*manager_, kWithC);
    for (int n = 0; n < 10; ++n) {
        ASSERT_EQ(Status::Success, set(inC(n)));
    }
    ASSERT_EQ(Status::Success, set(inDefault(0)));
    drain(TaskGroup::Writer);
    bucket_->abandonUnpersisted();  // closes as after a crash
    driver_.reset();
    bucket_.reset();
    executor_.reset();
    // The manifest that drops `c` was saved, but the engine never ran its purge.
    {
        collections::Manager manager((directory_ / collections::kManifestFileName).string());
        setManifest(manager, kWithoutC);
    }

    open();
    EXPECT_EQ(1u, number(stats(""), "curr_items")) << "warm-up loads nothing of `c`";
    drain(TaskGroup::Writer);
    driver_.reset();
    bucket_.reset();
    executor_.reset();
    const auto store = openRocksKVStore((directory_ / "store").string());
    size_t in_c = 0;
    store->scanByKey(Vbid(0), [&in_c](DiskDocument&& document) {
        in_c += document.key.front() == '\x09' ? 1 : 0;
        return true;
    });
    EXPECT_EQ(0u, in_c);
}

}  // namespace
}  // namespace eddy::engine
