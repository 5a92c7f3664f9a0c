// expiryPagerDelay: exp_pager_initial_run_time puts the expiry pager's first run at an hour of
// the day (UTC); -1 leaves it one period away.
#include "engine/expiry_pager_schedule.h"

#include "engine/ep_bucket.h"
#include "executor/fake_executor.h"
#include "support/engine_driver.h"
#include "support/mock_cookie.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace eddy::engine {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

// 2023-11-14 22:13:20 UTC.
constexpr uint64_t kNow = 1'700'000'000;
constexpr uint64_t kMidnight = kNow - kNow % 86400;
constexpr seconds kPeriod{600};

TEST(ExpiryPagerScheduleTest, MinusOneMeansOnePeriodFromNow) {
    EXPECT_EQ(kPeriod, expiryPagerDelay(-1, kPeriod, kNow));
    EXPECT_EQ(seconds(1), expiryPagerDelay(-1, seconds(1), kNow));
}

TEST(ExpiryPagerScheduleTest, AnHourLaterTodayIsWaitedFor) {
    EXPECT_EQ(seconds(23 * 3600) - seconds(kNow - kMidnight), expiryPagerDelay(23, kPeriod, kNow));
    EXPECT_EQ(hours(1), expiryPagerDelay(3, kPeriod, kMidnight + 2 * 3600));
}

TEST(ExpiryPagerScheduleTest, AnHourAlreadyPastIsTomorrows) {
    // 22:13:20 now; 03:00 is 4 h 46 min 40 s away.
    EXPECT_EQ(seconds(4 * 3600 + 46 * 60 + 40), expiryPagerDelay(3, kPeriod, kNow));
    // 22:00 has just passed: nearly a day.
    EXPECT_EQ(seconds(86400 - 13 * 60 - 20), expiryPagerDelay(22, kPeriod, kNow));
    EXPECT_EQ(seconds(86400 - 1), expiryPagerDelay(0, kPeriod, kMidnight + 1));
}

TEST(ExpiryPagerScheduleTest, TheExactSecondRunsNow) {
    EXPECT_EQ(seconds(0), expiryPagerDelay(5, kPeriod, kMidnight + 5 * 3600));
    EXPECT_EQ(seconds(0), expiryPagerDelay(0, kPeriod, kMidnight));
}

TEST(ExpiryPagerScheduleTest, AnHourTheTableCannotHoldIsMinusOne) {
    EXPECT_EQ(kPeriod, expiryPagerDelay(24, kPeriod, kNow));
    EXPECT_EQ(kPeriod, expiryPagerDelay(-5, kPeriod, kNow));
}

/// A bucket on a FakeExecutor whose Unix clock stands at kNow (22:13:20 UTC).
class BucketExpiryPagerTest : public ::testing::Test {
protected:
    void open(const std::string& parameters) {
        EpBucketConfig config;
        config.parameters =
            EpBucketConfig::parse("bucket_type=ephemeral;max_vbuckets=4;" + parameters);
        config.now = [] { return static_cast<uint32_t>(kNow); };
        config.executor = &executor_;
        bucket_ = createEpBucket(server_, config);
    }

    /// Advances the executor's clock and runs what is due; returns the expiry pager's runs.
    uint64_t runsAfter(seconds elapsed) {
        executor_.advanceTime(elapsed);
        for (int i = 0; i < 100 && executor_.nextTaskName(executor::TaskGroup::NonIO); ++i) {
            executor_.runNextTask(executor::TaskGroup::NonIO);
        }
        uint64_t runs = 0;
        EXPECT_EQ(Status::Success,
                  bucket_->getStats(cookie_, "", "", [&](std::string_view key, std::string_view v) {
                      if (key == "ep_num_expiry_pager_runs") {
                          runs = std::stoull(std::string(v));
                      }
                  }));
        return runs;
    }

    void setParam(const std::string& key, const std::string& value) {
        std::string message;
        ASSERT_EQ(Status::Success, bucket_->setParameter(cookie_, 1, key, value, message))
            << message;
    }

    test::MockServerApi server_;
    test::MockCookie cookie_;
    executor::FakeExecutor executor_;
    std::unique_ptr<EngineIface> bucket_;
};

TEST_F(BucketExpiryPagerTest, FirstRunAtTheInitialRunTimeThenEveryPeriod) {
    open("exp_pager_stime=600;exp_pager_initial_run_time=23");
    EXPECT_EQ(0u, runsAfter(seconds(600))) << "not one period after start-up";
    // 23:00:00 is 46 min 40 s after 22:13:20.
    EXPECT_EQ(0u, runsAfter(seconds(46 * 60 + 40 - 600 - 1)));
    EXPECT_EQ(1u, runsAfter(seconds(1))) << "at 23:00:00 UTC";
    EXPECT_EQ(1u, runsAfter(seconds(599)));
    EXPECT_EQ(2u, runsAfter(seconds(1))) << "then every exp_pager_stime";
    bucket_.reset();
}

TEST_F(BucketExpiryPagerTest, SetParamReschedulesThePager) {
    open("exp_pager_stime=600");
    EXPECT_EQ(0u, runsAfter(seconds(300)));
    // A shorter period applies at once, not after the 600 s already waited for.
    setParam("exp_pager_stime", "5");
    EXPECT_EQ(0u, runsAfter(seconds(4)));
    EXPECT_EQ(1u, runsAfter(seconds(1)));
    // An initial run time moves the next run to that hour (03:00, 4 h 46 min 40 s away).
    setParam("exp_pager_initial_run_time", "3");
    EXPECT_EQ(1u, runsAfter(seconds(4 * 3600 + 46 * 60 + 39)));
    EXPECT_EQ(2u, runsAfter(seconds(1)));
    EXPECT_EQ(3u, runsAfter(seconds(5)));
    // Back to -1: one period from the change.
    setParam("exp_pager_initial_run_time", "-1");
    EXPECT_EQ(3u, runsAfter(seconds(4)));
    EXPECT_EQ(4u, runsAfter(seconds(1)));
    bucket_.reset();
}

}  // namespace
}  // namespace eddy::engine
