#include "test_engines/delayed_notifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace eddy::test_engines {
namespace {

using namespace std::chrono_literals;

/// Thread-safe record of the order in which jobs ran.
class RunLog {
public:
    void add(int id) {
        std::lock_guard<std::mutex> lock(mutex_);
        ids_.push_back(id);
    }
    std::vector<int> ids() {
        std::lock_guard<std::mutex> lock(mutex_);
        return ids_;
    }

private:
    std::mutex mutex_;
    std::vector<int> ids_;
};

bool waitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

TEST(DelayedNotifierTest, RunsJobsInDeadlineOrder) {
    RunLog log;
    DelayedNotifier notifier;
    notifier.schedule(60ms, [&log] { log.add(3); });
    notifier.schedule(30ms, [&log] { log.add(2); });
    notifier.schedule(0ms, [&log] { log.add(1); });
    ASSERT_TRUE(waitFor([&log] { return log.ids().size() == 3; }));
    EXPECT_EQ((std::vector<int>{1, 2, 3}), log.ids());
}

TEST(DelayedNotifierTest, EqualDeadlinesRunInSchedulingOrder) {
    RunLog log;
    {
        DelayedNotifier notifier;
        // Hold the worker in the first job so the rest queue up behind it.
        std::atomic<bool> release{false};
        notifier.schedule(0ms, [&release] {
            while (!release.load()) {
                std::this_thread::sleep_for(1ms);
            }
        });
        for (int i = 0; i < 50; ++i) {
            notifier.schedule(0ms, [&log, i] { log.add(i); });
        }
        release = true;
        ASSERT_TRUE(waitFor([&log] { return log.ids().size() == 50; }));
    }
    const std::vector<int> ids = log.ids();
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(i, ids[static_cast<size_t>(i)]);
    }
}

TEST(DelayedNotifierTest, DoesNotRunAJobEarly) {
    std::atomic<bool> ran{false};
    DelayedNotifier notifier;
    const auto start = std::chrono::steady_clock::now();
    std::atomic<std::chrono::steady_clock::duration::rep> elapsed{0};
    notifier.schedule(80ms, [&] {
        elapsed = (std::chrono::steady_clock::now() - start).count();
        ran = true;
    });
    ASSERT_TRUE(waitFor([&ran] { return ran.load(); }));
    EXPECT_GE(std::chrono::steady_clock::duration(elapsed.load()), 80ms);
}

TEST(DelayedNotifierTest, ShutdownRunsPendingJobsAtOnce) {
    std::atomic<int> ran{0};
    const auto start = std::chrono::steady_clock::now();
    {
        DelayedNotifier notifier;
        for (int i = 0; i < 5; ++i) {
            notifier.schedule(std::chrono::minutes(10), [&ran] { ++ran; });
        }
        std::this_thread::sleep_for(20ms);
        EXPECT_EQ(0, ran.load());
    }  // destructor
    EXPECT_EQ(5, ran.load());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(DelayedNotifierTest, ExpediteRunsQueuedJobsNowInSchedulingOrder) {
    RunLog log;
    DelayedNotifier notifier;
    notifier.schedule(600s, [&log] { log.add(2); });
    notifier.schedule(300s, [&log] { log.add(1); });
    notifier.schedule(600s, [&log] { log.add(3); });
    notifier.expedite();
    ASSERT_TRUE(waitFor([&log] { return log.ids().size() == 3; }));
    EXPECT_EQ((std::vector<int>{2, 1, 3}), log.ids());  // in scheduling order
    notifier.schedule(600s, [&log] { log.add(4); });    // a later job keeps its deadline
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(3u, log.ids().size());
    notifier.expedite();
    ASSERT_TRUE(waitFor([&log] { return log.ids().size() == 4; }));
}

TEST(DelayedNotifierTest, ScheduleAfterShutdownRunsInline) {
    DelayedNotifier notifier;
    notifier.shutdown();
    notifier.shutdown();  // idempotent
    const auto caller = std::this_thread::get_id();
    std::thread::id ran_on;
    notifier.schedule(std::chrono::minutes(1), [&ran_on] { ran_on = std::this_thread::get_id(); });
    EXPECT_EQ(caller, ran_on);
}

TEST(DelayedNotifierTest, EmptyJobIsIgnored) {
    std::atomic<int> ran{0};
    DelayedNotifier notifier;
    notifier.schedule(0ms, DelayedNotifier::Job{});
    notifier.schedule(0ms, [&ran] { ++ran; });
    ASSERT_TRUE(waitFor([&ran] { return ran.load() == 1; }));
}

}  // namespace
}  // namespace eddy::test_engines
