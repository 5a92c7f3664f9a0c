#include "engine/ep_bucket.h"

#include "executor/fake_executor.h"
#include "support/engine_driver.h"
#include "support/mock_cookie.h"

#include <gtest/gtest.h>

namespace eddy::engine {
namespace {

using executor::TaskGroup;

class EpBucketTest : public ::testing::Test {
protected:
    EpBucketTest() {
        EpBucketConfig config;
        config.max_vbuckets = 4;
        config.now = [this] { return now_; };
        config.executor = &executor_;
        config.vbucket.hash_table.initial_size = 4;
        bucket_ = createEpBucket(server_, config);
    }

    Status set(const std::string& key, uint16_t vbucket, uint32_t exptime = 0) {
        StoreRequest request;
        request.key = DocKey(key);
        request.vbucket = Vbid(vbucket);
        request.value = "value";
        request.exptime = exptime;
        MutationResult result;
        return bucket_->store(cookie_, request, result);
    }

    uint64_t stat(const std::string& name) {
        uint64_t value = 0;
        EXPECT_EQ(Status::Success,
                  bucket_->getStats(cookie_, "", "", [&](std::string_view key, std::string_view v) {
                      if (key == name) {
                          value = std::stoull(std::string(v));
                      }
                  }));
        return value;
    }

    uint32_t now_ = 1'700'000'000;
    executor::FakeExecutor executor_;
    test::MockServerApi server_;
    test::MockCookie cookie_;
    std::unique_ptr<EngineIface> bucket_;
};

TEST_F(EpBucketTest, ResizerTaskFitsHashTablesToTheirItems) {
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(Status::Success, set("k" + std::to_string(i), 1));
    }
    executor_.advanceTime(std::chrono::seconds(5));
    EXPECT_TRUE(executor_.runNextTask(TaskGroup::NonIO, "Adjusting hash table sizes"));
    // The bucket still serves every key after the table grew.
    for (int i = 0; i < 100; ++i) {
        ItemPtr item;
        ASSERT_EQ(Status::Success,
                  bucket_->get(cookie_, DocKey("k" + std::to_string(i)), Vbid(1), item));
    }
}

TEST_F(EpBucketTest, ExpiryPagerTombstonesExpiredDocumentsWithoutReads) {
    ASSERT_EQ(Status::Success, set("short", 0, 10));
    ASSERT_EQ(Status::Success, set("long", 2, 1000));
    EXPECT_EQ(2u, stat("curr_items"));
    now_ += 10;
    executor_.advanceTime(std::chrono::seconds(600));
    while (executor_.nextTaskName(TaskGroup::NonIO) != "Paging expired items") {
        executor_.runNextTask(TaskGroup::NonIO);
    }
    EXPECT_TRUE(executor_.runNextTask(TaskGroup::NonIO, "Paging expired items"));
    EXPECT_EQ(1u, stat("curr_items"));
    EXPECT_EQ(1u, stat("ep_expired_access"));
}

TEST_F(EpBucketTest, NotMyVbucketAndStateChanges) {
    EXPECT_EQ(Status::NotMyVbucket, set("k", 4)) << "out of range";
    uint32_t state = 0;
    ASSERT_EQ(Status::Success, bucket_->setVBucketState(cookie_, Vbid(3), 2));
    ASSERT_EQ(Status::Success, bucket_->getVBucketState(cookie_, Vbid(3), state));
    EXPECT_EQ(2u, state);
    EXPECT_EQ(Status::NotMyVbucket, set("k", 3));
    EXPECT_EQ(Status::InvalidArguments, bucket_->setVBucketState(cookie_, Vbid(3), 0));
    ASSERT_EQ(Status::Success, bucket_->deleteVBucket(cookie_, Vbid(3)));
    EXPECT_EQ(Status::NotMyVbucket, bucket_->getVBucketState(cookie_, Vbid(3), state));
    EXPECT_EQ(3u, stat("vb_active_num"));
}

TEST_F(EpBucketTest, DestroyingTheBucketUnregistersItsTasks) {
    EXPECT_FALSE(executor_.isEmpty());
    bucket_.reset();
    EXPECT_TRUE(executor_.isEmpty());
}

}  // namespace
}  // namespace eddy::engine
