#include "executor/fake_executor.h"

#include "executor/executor_test_support.h"
#include "executor/taskable.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace eddy::executor {
namespace {

using namespace std::chrono_literals;
using test_support::FunctionTask;
using ::testing::HasSubstr;

class FakeExecutorTest : public ::testing::Test {
protected:
    void SetUp() override { executor_.registerTaskable(bucket_); }

    /// A task that appends `name` to ran_ and returns `again`.
    std::shared_ptr<FunctionTask> recorder(TaskId id, const std::string& name, bool again = false) {
        return std::make_shared<FunctionTask>(
            bucket_, id,
            [this, name, again](FunctionTask&) {
                ran_.push_back(name);
                return again;
            },
            name);
    }

    NamedTaskable bucket_{"bucket"};
    FakeExecutor executor_;
    std::vector<std::string> ran_;
};

TEST_F(FakeExecutorTest, RunsTheHighestPriorityReadyTaskFirst) {
    executor_.schedule(recorder(TaskId::TestTaskNonIOLazy, "lazy"));
    executor_.schedule(recorder(TaskId::TestTaskNonIO, "normal"));
    executor_.schedule(recorder(TaskId::TestTaskNonIOUrgent, "urgent"));
    EXPECT_EQ(3u, executor_.readyCount(TaskGroup::NonIO));
    EXPECT_EQ("urgent", executor_.nextTaskName(TaskGroup::NonIO));

    EXPECT_FALSE(executor_.runNextTask(TaskGroup::NonIO, "urgent"));
    EXPECT_FALSE(executor_.runNextTask(TaskGroup::NonIO, "normal"));
    EXPECT_FALSE(executor_.runNextTask(TaskGroup::NonIO, "lazy"));
    EXPECT_EQ((std::vector<std::string>{"urgent", "normal", "lazy"}), ran_);
    EXPECT_TRUE(executor_.isEmpty());
}

TEST_F(FakeExecutorTest, EqualPrioritiesRunInSchedulingOrder) {
    for (const char* name : {"a", "b", "c"}) {
        executor_.schedule(recorder(TaskId::TestTaskNonIO, name));
    }
    executor_.runNextTask(TaskGroup::NonIO, "a");
    executor_.runNextTask(TaskGroup::NonIO, "b");
    executor_.runNextTask(TaskGroup::NonIO, "c");
    EXPECT_EQ((std::vector<std::string>{"a", "b", "c"}), ran_);
}

TEST_F(FakeExecutorTest, GroupsAreSeparate) {
    executor_.schedule(recorder(TaskId::TestTaskWriter, "writer"));
    executor_.schedule(recorder(TaskId::TestTaskReader, "reader"));
    EXPECT_EQ(0u, executor_.readyCount(TaskGroup::NonIO));
    EXPECT_EQ(1u, executor_.readyCount(TaskGroup::Writer));
    EXPECT_THROW(executor_.runNextTask(TaskGroup::NonIO), std::logic_error);
    executor_.runNextTask(TaskGroup::Reader, "reader");
    executor_.runNextTask(TaskGroup::Writer, "writer");
    EXPECT_EQ((std::vector<std::string>{"reader", "writer"}), ran_);
    EXPECT_EQ(1u, executor_.numThreads(TaskGroup::AuxIO));
}

TEST_F(FakeExecutorTest, ExpectedNameMismatchIsReportedAndNothingRuns) {
    executor_.schedule(recorder(TaskId::TestTaskNonIO, "actual"));
    try {
        executor_.runNextTask(TaskGroup::NonIO, "wanted");
        FAIL() << "no exception";
    } catch (const std::logic_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("'wanted'"));
        EXPECT_THAT(e.what(), HasSubstr("'actual'"));
        EXPECT_THAT(e.what(), HasSubstr("nonio"));
    }
    EXPECT_TRUE(ran_.empty());
    EXPECT_EQ(1u, executor_.readyCount(TaskGroup::NonIO));
    // The task id's name is accepted as well as the description.
    executor_.runNextTask(TaskGroup::NonIO, "TestTaskNonIO");
    EXPECT_EQ(std::vector<std::string>{"actual"}, ran_);
}

TEST_F(FakeExecutorTest, NoDueTaskIsReported) {
    executor_.schedule(std::make_shared<FunctionTask>(
        bucket_, TaskId::TestTaskNonIO, [](FunctionTask&) { return false; }, "later", 5s));
    try {
        executor_.runNextTask(TaskGroup::NonIO, "later");
        FAIL() << "no exception";
    } catch (const std::logic_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("no task of the group is due (1 waiting"));
    }
    EXPECT_EQ(std::nullopt, executor_.nextTaskName(TaskGroup::NonIO));
}

TEST_F(FakeExecutorTest, RunAgainWithoutSnoozeIsDueAtOnceAndFalseDropsTheTask) {
    int runs = 0;
    auto task = std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskAuxIO,
                                               [&](FunctionTask&) { return ++runs < 3; });
    const uint64_t uid = executor_.schedule(task);
    EXPECT_EQ(task->uid(), uid);
    EXPECT_TRUE(executor_.runNextTask(TaskGroup::AuxIO, "TestTaskAuxIO"));
    EXPECT_EQ(TaskState::Snoozed, task->state());
    EXPECT_EQ(1u, executor_.readyCount(TaskGroup::AuxIO));
    EXPECT_TRUE(executor_.runNextTask(TaskGroup::AuxIO, "TestTaskAuxIO"));
    EXPECT_FALSE(executor_.runNextTask(TaskGroup::AuxIO, "TestTaskAuxIO"));
    EXPECT_EQ(3, runs);
    EXPECT_EQ(3u, task->numRuns());
    EXPECT_EQ(TaskState::Dead, task->state());
    EXPECT_TRUE(executor_.isEmpty());
    EXPECT_EQ(1, task.use_count()) << "the executor still holds the task";
    EXPECT_FALSE(executor_.wake(uid));
    EXPECT_FALSE(executor_.cancel(uid));
}

TEST_F(FakeExecutorTest, SnoozedTaskIsDueOnlyOnceTheClockHasAdvanced) {
    int runs = 0;
    auto task =
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskNonIO, [&](FunctionTask& self) {
            ++runs;
            self.snooze(10s);
            return true;
        });
    executor_.schedule(task);
    const TimePoint start = executor_.now();
    executor_.runNextTask(TaskGroup::NonIO, "TestTaskNonIO");
    EXPECT_EQ(start + 10s, task->wakeTime());
    EXPECT_EQ(0u, executor_.readyCount(TaskGroup::NonIO));
    EXPECT_EQ(1u, executor_.futureCount(TaskGroup::NonIO));
    EXPECT_THROW(executor_.runNextTask(TaskGroup::NonIO), std::logic_error);

    executor_.advanceTime(9s);
    EXPECT_EQ(0u, executor_.readyCount(TaskGroup::NonIO));
    executor_.advanceTime(1s);
    EXPECT_EQ(1u, executor_.readyCount(TaskGroup::NonIO));
    EXPECT_EQ(0u, executor_.futureCount(TaskGroup::NonIO));
    executor_.runNextTask(TaskGroup::NonIO, "TestTaskNonIO");
    EXPECT_EQ(2, runs);
    EXPECT_THROW(executor_.advanceTime(-1s), std::invalid_argument);
}

TEST_F(FakeExecutorTest, InitialSleepAndSnoozeBeforeScheduling) {
    auto sleeper = recorder(TaskId::TestTaskNonIO, "sleeper");
    sleeper->snooze(2.5);  // before schedule(): the initial sleep
    executor_.schedule(sleeper);
    auto delayed = std::make_shared<FunctionTask>(
        bucket_, TaskId::TestTaskNonIO, [](FunctionTask&) { return false; }, "delayed", 1s);
    executor_.schedule(delayed);
    EXPECT_EQ(2u, executor_.futureCount(TaskGroup::NonIO));
    executor_.advanceTime(1s);
    executor_.runNextTask(TaskGroup::NonIO, "delayed");
    EXPECT_EQ(0u, executor_.readyCount(TaskGroup::NonIO));
    executor_.advanceTime(1500ms);
    executor_.runNextTask(TaskGroup::NonIO, "sleeper");
    EXPECT_TRUE(executor_.isEmpty());
}

TEST_F(FakeExecutorTest, WakeMakesASnoozedTaskDueNow) {
    auto task =
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskReader, [](FunctionTask& self) {
            self.snooze(kSnoozeForever);
            return true;
        });
    const uint64_t uid = executor_.schedule(task);
    executor_.runNextTask(TaskGroup::Reader, "TestTaskReader");
    EXPECT_EQ(1u, executor_.futureCount(TaskGroup::Reader));
    EXPECT_TRUE(executor_.wake(uid));
    EXPECT_EQ(1u, executor_.readyCount(TaskGroup::Reader));
    executor_.runNextTask(TaskGroup::Reader, "TestTaskReader");
    task->wakeUp();
    executor_.runNextTask(TaskGroup::Reader, "TestTaskReader");
    EXPECT_EQ(3u, task->numRuns());
}

TEST_F(FakeExecutorTest, SnoozeByUidMovesAWaitingTask) {
    auto task = recorder(TaskId::TestTaskNonIO, "task");
    const uint64_t uid = executor_.schedule(task);
    EXPECT_TRUE(executor_.snooze(uid, 3s));
    EXPECT_EQ(1u, executor_.futureCount(TaskGroup::NonIO));
    executor_.advanceTime(3s);
    executor_.runNextTask(TaskGroup::NonIO, "task");
    EXPECT_FALSE(executor_.snooze(uid, 3s)) << "finished";
}

// A wake-up that arrives while run() executes is not lost, even if run() then snoozes.
TEST_F(FakeExecutorTest, WakeDuringRunWinsOverTheRunsOwnSnooze) {
    bool wake_from_other_thread = true;
    auto task =
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskNonIO, [&](FunctionTask& self) {
            if (wake_from_other_thread) {
                std::thread([&] { self.wakeUp(); }).join();
            }
            self.snooze(1h);
            return true;
        });
    executor_.schedule(task);
    executor_.runNextTask(TaskGroup::NonIO, "TestTaskNonIO");
    EXPECT_EQ(1u, executor_.readyCount(TaskGroup::NonIO)) << "the wake-up was lost";
    wake_from_other_thread = false;
    executor_.runNextTask(TaskGroup::NonIO, "TestTaskNonIO");
    EXPECT_EQ(0u, executor_.readyCount(TaskGroup::NonIO));
    EXPECT_EQ(1u, executor_.futureCount(TaskGroup::NonIO));
}

// A snooze from another thread after a wake during the same run overrides that wake.
TEST_F(FakeExecutorTest, LaterOutsideSnoozeOverridesAWakeDuringTheRun) {
    auto task =
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskNonIO, [&](FunctionTask& self) {
            std::thread([&] {
                self.wakeUp();
                executor_.snooze(self.uid(), 1h);
            }).join();
            return true;
        });
    executor_.schedule(task);
    executor_.runNextTask(TaskGroup::NonIO, "TestTaskNonIO");
    EXPECT_EQ(0u, executor_.readyCount(TaskGroup::NonIO));
    executor_.advanceTime(1h);
    EXPECT_EQ(1u, executor_.readyCount(TaskGroup::NonIO));
}

TEST_F(FakeExecutorTest, CancelRemovesAWaitingTask) {
    auto task = recorder(TaskId::TestTaskNonIO, "task");
    const uint64_t uid = executor_.schedule(task);
    auto other = recorder(TaskId::TestTaskNonIO, "other");
    executor_.schedule(other);
    EXPECT_TRUE(executor_.cancel(uid));
    EXPECT_EQ(TaskState::Dead, task->state());
    EXPECT_EQ(1, task.use_count());
    EXPECT_EQ(1u, executor_.numTasks());
    EXPECT_FALSE(executor_.cancel(uid));
    other->cancel();  // through the task itself
    EXPECT_TRUE(other->isDead());
    EXPECT_TRUE(executor_.isEmpty());
    EXPECT_THROW(executor_.runNextTask(TaskGroup::NonIO), std::logic_error);
    EXPECT_TRUE(ran_.empty());
}

TEST_F(FakeExecutorTest, TaskCancelledDuringItsRunIsNotRunAgain) {
    auto task =
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskNonIO, [](FunctionTask& self) {
            self.cancel();
            return true;
        });
    executor_.schedule(task);
    EXPECT_TRUE(executor_.runNextTask(TaskGroup::NonIO, "TestTaskNonIO"));
    EXPECT_TRUE(task->isDead());
    EXPECT_TRUE(executor_.isEmpty());
}

TEST_F(FakeExecutorTest, CancelledTaskIsNotScheduled) {
    auto task = recorder(TaskId::TestTaskNonIO, "task");
    task->cancel();
    executor_.schedule(task);
    EXPECT_TRUE(executor_.isEmpty());
}

TEST_F(FakeExecutorTest, SchedulingTwiceIsAProgrammerError) {
    auto task = recorder(TaskId::TestTaskNonIO, "task");
    executor_.schedule(task);
    EXPECT_THROW(executor_.schedule(task), std::logic_error);
    FakeExecutor other;
    other.registerTaskable(bucket_);
    EXPECT_THROW(other.schedule(task), std::logic_error);
    EXPECT_THROW(executor_.schedule(nullptr), std::invalid_argument);
}

TEST_F(FakeExecutorTest, TasksScheduledFromInsideRunAreQueued) {
    auto parent =
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskReader, [this](FunctionTask&) {
            executor_.schedule(recorder(TaskId::TestTaskNonIO, "child"));
            return false;
        });
    executor_.schedule(parent);
    executor_.runNextTask(TaskGroup::Reader, "TestTaskReader");
    executor_.runNextTask(TaskGroup::NonIO, "child");
    EXPECT_EQ(std::vector<std::string>{"child"}, ran_);
}

TEST_F(FakeExecutorTest, UnregisterCancelsOnlyThatOwnersTasksAndRefusesNewOnes) {
    NamedTaskable other_bucket("other");
    executor_.registerTaskable(other_bucket);
    auto mine = recorder(TaskId::TestTaskNonIO, "mine");
    auto theirs = std::make_shared<FunctionTask>(
        other_bucket, TaskId::TestTaskNonIO, [](FunctionTask&) { return false; }, "theirs");
    executor_.schedule(mine);
    executor_.schedule(theirs);

    executor_.unregisterTaskable(other_bucket);
    EXPECT_TRUE(theirs->isDead());
    EXPECT_EQ(1, theirs.use_count());
    EXPECT_FALSE(mine->isDead());
    EXPECT_EQ(1u, executor_.numTasks());

    auto late = std::make_shared<FunctionTask>(
        other_bucket, TaskId::TestTaskNonIO, [](FunctionTask&) { return false; }, "late");
    executor_.schedule(late);
    EXPECT_TRUE(late->isDead()) << "scheduled for an unregistered owner";
    EXPECT_EQ(1u, executor_.numTasks());
    executor_.runNextTask(TaskGroup::NonIO, "mine");
}

TEST_F(FakeExecutorTest, UnregisteringFromOwnTaskIsAProgrammerError) {
    executor_.schedule(
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskNonIO, [this](FunctionTask&) {
            executor_.unregisterTaskable(bucket_);
            return true;
        }));
    EXPECT_THROW(executor_.runNextTask(TaskGroup::NonIO), std::logic_error);
    EXPECT_TRUE(executor_.isEmpty()) << "a task that throws is dropped";
}

TEST_F(FakeExecutorTest, ExceptionFromRunIsRethrownAndDropsTheTask) {
    auto task = std::make_shared<FunctionTask>(
        bucket_, TaskId::TestTaskNonIO,
        [](FunctionTask&) -> bool { throw std::runtime_error("boom"); });
    executor_.schedule(task);
    EXPECT_THROW(executor_.runNextTask(TaskGroup::NonIO), std::runtime_error);
    EXPECT_TRUE(task->isDead());
    EXPECT_TRUE(executor_.isEmpty());
    EXPECT_EQ(1u, task->numRuns());
}

TEST_F(FakeExecutorTest, RecordsRunsAndSchedulingDelayOnTheFakeClock) {
    auto task =
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskWriter, [](FunctionTask& self) {
            self.snooze(10s);
            return true;
        });
    executor_.schedule(task);
    executor_.runNextTask(TaskGroup::Writer);
    EXPECT_EQ(0ns, task->lastSchedulingDelay());
    executor_.advanceTime(15s);
    executor_.runNextTask(TaskGroup::Writer);
    EXPECT_EQ(5s, task->lastSchedulingDelay());
    EXPECT_EQ(5s, task->maxSchedulingDelay());
    EXPECT_EQ(2u, task->numRuns());
    EXPECT_GE(task->totalRuntime(), task->lastRuntime());
    EXPECT_GE(task->maxRuntime(), task->lastRuntime());
}

TEST_F(FakeExecutorTest, TaskHistogramsRecordEveryRunOnTheFakeClock) {
    // Run k (1-based) takes k ms of fake time, then snoozes 10 s; the test lets 12 s pass
    // between runs, so every run after the first starts 2 s late.
    constexpr int kRuns = 5;
    int run = 0;
    auto task = std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskWriter,
                                               [this, &run](FunctionTask& self) {
                                                   ++run;
                                                   executor_.advanceTime(run * 1ms);
                                                   self.snooze(10s);
                                                   return run < kRuns;
                                               });
    executor_.schedule(task);
    for (int i = 0; i < kRuns; ++i) {
        if (i > 0) {
            executor_.advanceTime(12s);
        }
        executor_.runNextTask(TaskGroup::Writer);
    }
    EXPECT_TRUE(executor_.isEmpty());

    const auto& histograms = executor_.taskHistograms();
    const HistogramSnapshot runtime = histograms.runtime(TaskId::TestTaskWriter);
    EXPECT_EQ(uint64_t{kRuns}, runtime.count());
    EXPECT_EQ(uint64_t{std::chrono::nanoseconds(15ms).count()}, runtime.sum());  // 1+2+3+4+5
    EXPECT_EQ(uint64_t{std::chrono::nanoseconds(1ms).count()}, runtime.min());
    EXPECT_EQ(uint64_t{std::chrono::nanoseconds(5ms).count()}, runtime.max());
    EXPECT_EQ(uint64_t{std::chrono::nanoseconds(5ms).count()}, runtime.percentile(100));
    EXPECT_EQ(task->totalRuntime().count(), static_cast<int64_t>(runtime.sum()));

    const HistogramSnapshot delay = histograms.schedulingDelay(TaskId::TestTaskWriter);
    EXPECT_EQ(uint64_t{kRuns}, delay.count());
    EXPECT_EQ(0u, delay.min()) << "the first run was due at once";
    EXPECT_EQ(uint64_t{std::chrono::nanoseconds(2s).count()}, delay.max());
    EXPECT_EQ(uint64_t{std::chrono::nanoseconds(8s).count()}, delay.sum());
    EXPECT_EQ(uint64_t{std::chrono::nanoseconds(2s).count()}, delay.percentile(50));

    EXPECT_EQ(0u, histograms.runtime(TaskId::TestTaskNonIO).count()) << "other ids untouched";
    EXPECT_EQ(0u, histograms.schedulingDelay(TaskId::TestTaskNonIO).count());
}

TEST_F(FakeExecutorTest, TaskHistogramsAggregateTasksOfOneIdAndReset) {
    for (int i = 0; i < 3; ++i) {
        executor_.schedule(
            std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskNonIO, [this](FunctionTask&) {
                executor_.advanceTime(7us);
                return false;
            }));
    }
    executor_.advanceTime(1s);
    for (int i = 0; i < 3; ++i) {
        executor_.runNextTask(TaskGroup::NonIO);
    }
    const auto& histograms = executor_.taskHistograms();
    const HistogramSnapshot runtime = histograms.runtime(TaskId::TestTaskNonIO);
    EXPECT_EQ(3u, runtime.count());
    EXPECT_EQ(7000u, runtime.min());
    EXPECT_EQ(7000u, runtime.max());
    // Each waited 1 s, plus the runtimes of those that ran before it.
    const HistogramSnapshot delay = histograms.schedulingDelay(TaskId::TestTaskNonIO);
    EXPECT_EQ(3u, delay.count());
    EXPECT_EQ(uint64_t{std::chrono::nanoseconds(1s).count()}, delay.min());
    EXPECT_EQ(uint64_t{std::chrono::nanoseconds(1s + 14us).count()}, delay.max());

    executor_.resetTaskHistograms();
    EXPECT_EQ(0u, histograms.runtime(TaskId::TestTaskNonIO).count());
    EXPECT_EQ(0u, histograms.schedulingDelay(TaskId::TestTaskNonIO).count());
}

TEST_F(FakeExecutorTest, ShutdownCancelsEverythingAndRefusesNewTasks) {
    auto a = recorder(TaskId::TestTaskNonIO, "a");
    auto b = recorder(TaskId::TestTaskWriter, "b");
    executor_.schedule(a);
    executor_.schedule(b);
    executor_.shutdown();
    EXPECT_TRUE(a->isDead());
    EXPECT_TRUE(b->isDead());
    EXPECT_TRUE(executor_.isEmpty());
    auto c = recorder(TaskId::TestTaskNonIO, "c");
    executor_.schedule(c);
    EXPECT_TRUE(c->isDead());
    EXPECT_TRUE(ran_.empty());
}

TEST_F(FakeExecutorTest, StateIsRunningInsideRun) {
    TaskState seen = TaskState::Dead;
    Task* current = nullptr;
    auto task =
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskNonIO, [&](FunctionTask& self) {
            seen = self.state();
            current = Task::current();
            return false;
        });
    EXPECT_EQ(TaskState::Snoozed, task->state());
    executor_.schedule(task);
    executor_.runNextTask(TaskGroup::NonIO);
    EXPECT_EQ(TaskState::Running, seen);
    EXPECT_EQ(task.get(), current);
    EXPECT_EQ(nullptr, Task::current());
}

}  // namespace
}  // namespace eddy::executor
