// ParkedCommands: each parked command is notified exactly once, whoever releases it, also when
// releases, time-outs, task completions and disconnects race on a real executor.
#include "engine/parked_commands.h"

#include "engine/bucket_tasks.h"
#include "executor/executor_pool.h"
#include "executor/taskable.h"
#include "support/engine_driver.h"
#include "support/mock_cookie.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace eddy::engine {
namespace {

using test::MockCookie;
using test::MockServerApi;
using namespace std::chrono_literals;

Wait onVBucket(uint16_t id, executor::TimePoint deadline = executor::TimePoint::max()) {
    Wait wait;
    wait.kind = Wait::Kind::VBucketState;
    wait.vbucket = Vbid(id);
    wait.deadline = deadline;
    return wait;
}

Wait forToken(const void* token) {
    Wait wait;
    wait.kind = Wait::Kind::StatTask;
    wait.token = token;
    return wait;
}

class ParkedCommandsTest : public ::testing::Test {
protected:
    MockServerApi server_;
    ParkedCommands parked_{server_};
};

TEST_F(ParkedCommandsTest, AReleaseNotifiesOnceWithItsStatus) {
    MockCookie cookie;
    ASSERT_TRUE(parked_.park(cookie, onVBucket(7)));
    EXPECT_EQ(1u, parked_.size());
    EXPECT_EQ(0u, cookie.notificationCount()) << "parking notifies nobody";

    EXPECT_EQ(0u, parked_.releaseIf([](const Wait& wait) { return wait.vbucket == Vbid(8); },
                                    Status::Success));
    EXPECT_EQ(0u, cookie.notificationCount()) << "another vbucket's event";

    const auto on7 = [](const Wait& wait) { return wait.vbucket == Vbid(7); };
    EXPECT_EQ(1u, parked_.releaseIf(on7, Status::Success));
    EXPECT_EQ(Status::Success, cookie.waitForNotification(0ms));
    EXPECT_EQ(0u, parked_.releaseIf(on7, Status::Success)) << "released already";
    EXPECT_FALSE(parked_.disconnect(cookie));
    EXPECT_EQ(1u, cookie.notificationCount());
    EXPECT_EQ(0u, parked_.size());
}

TEST_F(ParkedCommandsTest, AnEventThatAlreadyHappenedParksNothing) {
    MockCookie cookie;
    EXPECT_FALSE(parked_.park(cookie, onVBucket(1), [] { return false; }));
    EXPECT_EQ(0u, parked_.size());
    EXPECT_TRUE(parked_.park(cookie, onVBucket(1), [] { return true; }));
    EXPECT_EQ(1u, parked_.size());
    EXPECT_TRUE(parked_.disconnect(cookie));
}

TEST_F(ParkedCommandsTest, TakeAnswersTrueOnceAndOnlyForItsToken) {
    MockCookie cookie;
    int mine = 0;
    int other = 0;
    ASSERT_TRUE(parked_.park(cookie, forToken(&mine)));
    EXPECT_TRUE(parked_.isParked(&cookie, &mine));
    EXPECT_FALSE(parked_.isParked(&cookie, &other));
    EXPECT_FALSE(parked_.take(&cookie, &other));
    EXPECT_TRUE(parked_.take(&cookie, &mine));
    EXPECT_FALSE(parked_.take(&cookie, &mine));
    EXPECT_FALSE(parked_.isParked(&cookie, &mine));
    EXPECT_EQ(0u, cookie.notificationCount()) << "take() leaves the notification to its caller";
}

TEST_F(ParkedCommandsTest, TimeOutReleasesOnlyWaitsPastTheirDeadline) {
    const auto now = executor::Clock::now();
    MockCookie late;
    MockCookie early;
    MockCookie forever;
    ASSERT_TRUE(parked_.park(late, onVBucket(1, now + 10s)));
    ASSERT_TRUE(parked_.park(early, onVBucket(1, now - 1s)));
    ASSERT_TRUE(parked_.park(forever, forToken(&late)));
    EXPECT_EQ(1u, parked_.timeOut(now));
    EXPECT_EQ(Status::TemporaryFailure, early.waitForNotification(0ms));
    EXPECT_EQ(0u, late.notificationCount());
    EXPECT_EQ(1u, parked_.timeOut(now + 10s));
    EXPECT_EQ(Status::TemporaryFailure, late.waitForNotification(0ms));
    EXPECT_EQ(0u, parked_.timeOut(now + 1000h)) << "a task's wait has no deadline";
    EXPECT_TRUE(parked_.disconnect(forever));
    EXPECT_EQ(Status::Disconnect, forever.waitForNotification(0ms));
}

TEST_F(ParkedCommandsTest, DescribeSaysWhatACommandWaitsFor) {
    MockCookie cookie;
    EXPECT_EQ("", parked_.describe(cookie));
    Wait wait;
    wait.kind = Wait::Kind::SeqnoPersistence;
    wait.vbucket = Vbid(3);
    wait.seqno = 12;
    ASSERT_TRUE(parked_.park(cookie, wait));
    EXPECT_EQ("seqno 12 of vbucket 3 to reach disk", parked_.describe(cookie));
    EXPECT_TRUE(parked_.disconnect(cookie));
}

TEST_F(ParkedCommandsTest, ACommandCannotBeParkedTwice) {
    MockCookie cookie;
    ASSERT_TRUE(parked_.park(cookie, onVBucket(1)));
    EXPECT_THROW((void)parked_.park(cookie, onVBucket(2)), std::logic_error);
    EXPECT_TRUE(parked_.disconnect(cookie));
    EXPECT_EQ(1u, cookie.notificationCount());
}

// Every way out at once: a vbucket release and a time-out on NONIO threads, task completions
// (take) on a WRITER thread, disconnects on this thread. Whoever wins, each command hears once.
TEST(ParkedCommandsRaceTest, EveryCommandIsNotifiedExactlyOnceWhateverRaces) {
    constexpr size_t kCommands = 400;
    constexpr int kRounds = 10;
    executor::ExecutorPool pool;
    executor::NamedTaskable owner("parked commands test");
    pool.registerTaskable(owner);
    for (int round = 0; round < kRounds; ++round) {
        MockServerApi server;
        ParkedCommands parked(server);
        std::vector<std::unique_ptr<MockCookie>> cookies;
        std::vector<int> tokens(kCommands);
        const auto now = executor::Clock::now();
        for (size_t i = 0; i < kCommands; ++i) {
            cookies.push_back(std::make_unique<MockCookie>());
            // A quarter each: by vbucket, by deadline, by token, and only by disconnect.
            Wait wait = i % 4 == 2 ? forToken(&tokens[i]) : onVBucket(static_cast<uint16_t>(i % 4));
            if (i % 4 == 1) {
                wait.deadline = now;
            }
            ASSERT_TRUE(parked.park(*cookies[i], wait));
        }
        std::atomic<size_t> taken{0};
        std::atomic<int> finished{0};
        const auto task = [&](executor::TaskId id, const std::function<void()>& work) {
            pool.schedule(std::make_shared<OneShotTask>(owner, id, "race", [&, work] {
                work();
                finished.fetch_add(1);
            }));
        };
        task(executor::TaskId::TestTaskNonIO, [&] {
            parked.releaseIf([](const Wait& wait) { return wait.vbucket == Vbid(0); },
                             Status::Success);
        });
        task(executor::TaskId::TestTaskNonIO, [&] { parked.timeOut(now); });
        task(executor::TaskId::TestTaskWriter, [&] {
            for (size_t i = 2; i < kCommands; i += 4) {
                if (parked.take(cookies[i].get(), &tokens[i])) {
                    server.notifyIoComplete(*cookies[i], Status::Success);
                    taken.fetch_add(1);
                }
            }
        });
        for (size_t i = kCommands; i-- > 0;) {
            parked.disconnect(*cookies[i]);
        }
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (finished.load() < 3 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(1ms);
        }
        ASSERT_EQ(3, finished.load()) << "the tasks did not run within 10 s";
        EXPECT_EQ(0u, parked.size());
        for (size_t i = 0; i < kCommands; ++i) {
            ASSERT_EQ(1u, cookies[i]->notificationCount())
                << "command " << i << ", round " << round;
        }
        EXPECT_EQ(kCommands, server.notificationCount());
    }
    pool.unregisterTaskable(owner);
}

}  // namespace
}  // namespace eddy::engine
