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
        config.parameters = EpBucketConfig::parse("max_vbuckets=4;ht_size=4");
        config.now = [this] { return now_; };
        config.executor = &executor_;
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

    /// Runs due NONIO tasks until `name` has run once; false if it never came up.
    bool runNonIo(const std::string& name) {
        for (int i = 0; i < 10; ++i) {
            const auto next = executor_.nextTaskName(TaskGroup::NonIO);
            if (!next) {
                return false;
            }
            executor_.runNextTask(TaskGroup::NonIO);
            if (*next == name) {
                return true;
            }
        }
        return false;
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
    EXPECT_TRUE(runNonIo("Adjusting hash table sizes"));
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
    EXPECT_TRUE(runNonIo("Paging expired items"));
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

TEST_F(EpBucketTest, PendingVbucketParksCommandsUntilItsStateChanges) {
    ASSERT_EQ(Status::Success, set("k", 1));
    ASSERT_EQ(Status::Success, bucket_->setVBucketState(cookie_, Vbid(1), 3));  // pending
    ItemPtr item;
    ASSERT_EQ(Status::WouldBlock, bucket_->get(cookie_, DocKey("k"), Vbid(1), item));
    EXPECT_EQ(0u, cookie_.notificationCount());

    test::MockCookie other;
    ASSERT_EQ(Status::Success, bucket_->setVBucketState(other, Vbid(1), 1));  // active
    EXPECT_EQ(Status::Success, cookie_.waitForNotification(std::chrono::seconds(5)));
    // Driven again, the command finds the vbucket active.
    ASSERT_EQ(Status::Success, bucket_->get(cookie_, DocKey("k"), Vbid(1), item));
    EXPECT_EQ("value", item->value());
    EXPECT_EQ(1u, cookie_.notificationCount());
}

TEST_F(EpBucketTest, PendingVbucketTimesOutWithTemporaryFailure) {
    ASSERT_EQ(Status::Success, bucket_->setVBucketState(cookie_, Vbid(2), 3));
    EXPECT_EQ(Status::WouldBlock, set("k", 2));
    // Before the time-out the check finds nothing to do.
    executor_.advanceTime(std::chrono::seconds(1));
    EXPECT_TRUE(runNonIo("Timing out commands waiting for pending vbuckets"));
    EXPECT_EQ(0u, cookie_.notificationCount());
    executor_.advanceTime(std::chrono::seconds(5));
    EXPECT_TRUE(runNonIo("Timing out commands waiting for pending vbuckets"));
    EXPECT_EQ(Status::TemporaryFailure, cookie_.waitForNotification(std::chrono::seconds(5)));
}

TEST_F(EpBucketTest, DisconnectReleasesAParkedCommandAtOnce) {
    ASSERT_EQ(Status::Success, bucket_->setVBucketState(cookie_, Vbid(2), 3));
    test::MockCookie bystander;
    ItemPtr item;
    ASSERT_EQ(Status::WouldBlock, bucket_->get(cookie_, DocKey("k"), Vbid(2), item));
    ASSERT_EQ(Status::WouldBlock, bucket_->get(bystander, DocKey("k"), Vbid(2), item));
    bucket_->disconnect(cookie_);
    EXPECT_EQ(Status::Disconnect, cookie_.waitForNotification(std::chrono::seconds(5)));
    EXPECT_EQ(0u, bystander.notificationCount()) << "only the closing connection's command";
    ASSERT_EQ(Status::Success, bucket_->deleteVBucket(cookie_, Vbid(2)));
    EXPECT_EQ(Status::Success, bystander.waitForNotification(std::chrono::seconds(5)));
    EXPECT_EQ(Status::NotMyVbucket, bucket_->get(bystander, DocKey("k"), Vbid(2), item));
}

TEST_F(EpBucketTest, AParkedCommandSaysWhatItWaitsFor) {
    EXPECT_EQ("", bucket_->describeWait(cookie_));
    ASSERT_EQ(Status::Success, bucket_->setVBucketState(cookie_, Vbid(2), 3));
    EXPECT_EQ(Status::WouldBlock, set("k", 2));
    EXPECT_EQ("vbucket 2 to leave the pending state", bucket_->describeWait(cookie_));
    bucket_->disconnect(cookie_);
    EXPECT_EQ(Status::Disconnect, cookie_.waitForNotification(std::chrono::seconds(5)));
    EXPECT_EQ("", bucket_->describeWait(cookie_));
}

TEST_F(EpBucketTest, ADeletedVBucketIsFreedOnANonIoTask) {
    for (int i = 0; i < 200; ++i) {
        ASSERT_EQ(Status::Success, set("key" + std::to_string(i), 2));
    }
    const uint64_t with_documents = stat("mem_used");
    ASSERT_EQ(Status::Success, bucket_->deleteVBucket(cookie_, Vbid(2)));
    EXPECT_EQ(with_documents, stat("mem_used")) << "nothing is freed on the front end";
    EXPECT_TRUE(runNonIo("Removing (dead) vb:2 from memory"));
    EXPECT_LT(stat("mem_used"), with_documents);
}

TEST_F(EpBucketTest, DestroyingTheBucketUnregistersItsTasks) {
    EXPECT_FALSE(executor_.isEmpty());
    bucket_.reset();
    EXPECT_TRUE(executor_.isEmpty());
}

}  // namespace
}  // namespace eddy::engine
