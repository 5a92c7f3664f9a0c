#include "executor/executor_pool.h"

#include "common/mutex.h"
#include "executor/executor_test_support.h"
#include "executor/taskable.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <pthread.h>

namespace eddy::executor {
namespace {

using namespace std::chrono_literals;
using test_support::FunctionTask;
using test_support::kTimeout;
using test_support::Notification;

std::string currentThreadName() {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof(name));
    return name;
}

/// Counts events (runs, destructions) and lets a test wait for a total.
class Counter {
public:
    void add() EXCLUDES(mutex_) {
        MutexLock lock(mutex_);
        ++count_;
        cv_.notify_all();
    }
    [[nodiscard]] bool waitFor(int target) EXCLUDES(mutex_) {
        const auto deadline = std::chrono::steady_clock::now() + kTimeout;
        MutexLock lock(mutex_);
        while (count_ < target) {
            if (waitUntil(cv_, mutex_, deadline) == std::cv_status::timeout) {
                return count_ >= target;
            }
        }
        return true;
    }
    [[nodiscard]] int count() const EXCLUDES(mutex_) {
        MutexLock lock(mutex_);
        return count_;
    }

private:
    mutable Mutex mutex_;
    std::condition_variable cv_;
    int count_ GUARDED_BY(mutex_) = 0;
};

/// Names recorded by tasks, in the order they ran.
class Journal {
public:
    void add(std::string entry) EXCLUDES(mutex_) {
        MutexLock lock(mutex_);
        entries_.push_back(std::move(entry));
    }
    [[nodiscard]] std::vector<std::string> entries() const EXCLUDES(mutex_) {
        MutexLock lock(mutex_);
        return entries_;
    }

private:
    mutable Mutex mutex_;
    std::vector<std::string> entries_ GUARDED_BY(mutex_);
};

/// Unregisters `owner` when it goes out of scope: declared after the locals a test's tasks use,
/// it makes sure no task of the test is running when they are destroyed.
class QuiesceOnExit {
public:
    QuiesceOnExit(ExecutorPoolIface& pool, Taskable& owner) : pool_(pool), owner_(owner) {}
    ~QuiesceOnExit() { pool_.unregisterTaskable(owner_); }
    QuiesceOnExit(const QuiesceOnExit&) = delete;
    QuiesceOnExit& operator=(const QuiesceOnExit&) = delete;

private:
    ExecutorPoolIface& pool_;
    Taskable& owner_;
};

class ExecutorPoolTest : public ::testing::Test {
protected:
    void SetUp() override { pool_.registerTaskable(bucket_); }

    NamedTaskable bucket_{"bucket"};
    ExecutorPool pool_;
};

TEST_F(ExecutorPoolTest, TasksRunOnAThreadOfTheirGroup) {
    const std::pair<TaskId, std::string> cases[] = {
        {TaskId::TestTaskWriter, "eddy-writer-"},
        {TaskId::TestTaskReader, "eddy-reader-"},
        {TaskId::TestTaskAuxIO, "eddy-auxio-"},
        {TaskId::TestTaskNonIO, "eddy-nonio-"},
    };
    for (const auto& [id, prefix] : cases) {
        SCOPED_TRACE(prefix);
        std::string thread_name;
        Notification ran;
        pool_.schedule(std::make_shared<FunctionTask>(bucket_, id, [&](FunctionTask&) {
            thread_name = currentThreadName();
            ran.notify();
            return false;
        }));
        ASSERT_TRUE(ran.waitFor());
        EXPECT_EQ(0u, thread_name.rfind(prefix, 0)) << thread_name;
    }
    EXPECT_EQ(2u, pool_.numThreads(TaskGroup::Writer));
    EXPECT_EQ(2u, pool_.numThreads(TaskGroup::Reader));
    EXPECT_EQ(1u, pool_.numThreads(TaskGroup::AuxIO));
    EXPECT_EQ(2u, pool_.numThreads(TaskGroup::NonIO));
}

TEST(ExecutorPoolConfigTest, EveryGroupNeedsAThread) {
    EXPECT_THROW(ExecutorPool(ExecutorPool::Config{
                     .num_writers = 2, .num_readers = 2, .num_auxio = 0, .num_nonio = 2}),
                 std::invalid_argument);
    ExecutorPool pool(
        ExecutorPool::Config{.num_writers = 1, .num_readers = 3, .num_auxio = 1, .num_nonio = 1});
    EXPECT_EQ(3u, pool.numThreads(TaskGroup::Reader));
}

// With one thread busy, tasks that became ready meanwhile run by priority, not arrival.
TEST(ExecutorPoolPriorityTest, OneThreadRunsReadyTasksInPriorityOrder) {
    // Declared before the pool, so they outlive its threads even if an assertion fails.
    Notification blocker_started;
    Notification gate;
    Journal journal;
    Counter done;
    NamedTaskable bucket("bucket");
    ExecutorPool pool(
        ExecutorPool::Config{.num_writers = 1, .num_readers = 1, .num_auxio = 1, .num_nonio = 1});
    pool.registerTaskable(bucket);

    pool.schedule(
        std::make_shared<FunctionTask>(bucket, TaskId::TestTaskNonIOUrgent, [&](FunctionTask&) {
            blocker_started.notify();
            EXPECT_TRUE(gate.waitFor());
            return false;
        }));
    ASSERT_TRUE(blocker_started.waitFor());

    auto recorder = [&](TaskId id, const std::string& name) {
        return std::make_shared<FunctionTask>(bucket, id, [&journal, &done, name](FunctionTask&) {
            journal.add(name);
            done.add();
            return false;
        });
    };
    pool.schedule(recorder(TaskId::TestTaskNonIOLazy, "lazy"));
    pool.schedule(recorder(TaskId::TestTaskNonIO, "normal-1"));
    pool.schedule(recorder(TaskId::HashtableResizerTask, "resizer"));
    pool.schedule(recorder(TaskId::TestTaskNonIOUrgent, "urgent"));
    pool.schedule(recorder(TaskId::TestTaskNonIO, "normal-2"));
    gate.notify();
    ASSERT_TRUE(done.waitFor(5));
    EXPECT_EQ((std::vector<std::string>{"urgent", "normal-1", "normal-2", "lazy", "resizer"}),
              journal.entries());
}

TEST_F(ExecutorPoolTest, ASnoozedTaskRunsPromptlyAfterWake) {
    Counter runs;
    auto task =
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskNonIO, [&](FunctionTask& self) {
            self.snooze(1h);
            runs.add();
            return true;
        });
    QuiesceOnExit quiesce(pool_, bucket_);
    const uint64_t uid = pool_.schedule(task);
    ASSERT_TRUE(runs.waitFor(1));
    EXPECT_TRUE(pool_.wake(uid));
    ASSERT_TRUE(runs.waitFor(2));
    task->wakeUp();
    ASSERT_TRUE(runs.waitFor(3));
    EXPECT_EQ(1u, pool_.numTasks());
    EXPECT_TRUE(pool_.cancel(uid));
}

TEST_F(ExecutorPoolTest, InitialSleepDelaysTheFirstRunUntilWoken) {
    Notification ran;
    auto task = std::make_shared<FunctionTask>(
        bucket_, TaskId::TestTaskAuxIO,
        [&](FunctionTask&) {
            ran.notify();
            return false;
        },
        "sleeper", 1h);
    QuiesceOnExit quiesce(pool_, bucket_);
    pool_.schedule(task);
    EXPECT_FALSE(ran.notified());
    EXPECT_EQ(TaskState::Snoozed, task->state());
    EXPECT_GT(task->wakeTime(), pool_.now() + 59min);
    task->wakeUp();
    ASSERT_TRUE(ran.waitFor());
}

// Short real snoozes: the worker's timed wait must fire by itself, with nothing waking it.
TEST_F(ExecutorPoolTest, ShortSnoozesElapseWithoutAWakeUp) {
    Counter runs;
    Notification destroyed;
    auto task =
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskWriter, [&](FunctionTask& self) {
            runs.add();
            self.snooze(5ms);
            return runs.count() < 3;
        });
    task->onDestroy([&] { destroyed.notify(); });
    QuiesceOnExit quiesce(pool_, bucket_);
    pool_.schedule(task);
    task.reset();
    ASSERT_TRUE(destroyed.waitFor());
    EXPECT_EQ(3, runs.count());
}

TEST_F(ExecutorPoolTest, RunAgainWithoutSnoozeCountsEveryRun) {
    Notification destroyed;
    std::atomic<int> runs{0};
    auto task = std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskReader,
                                               [&](FunctionTask&) { return ++runs < 100; });
    task->onDestroy([&] { destroyed.notify(); });
    QuiesceOnExit quiesce(pool_, bucket_);
    pool_.schedule(task);
    task.reset();
    ASSERT_TRUE(destroyed.waitFor()) << "runs: " << runs.load();
    EXPECT_EQ(100, runs.load());
    EXPECT_EQ(0u, pool_.numTasks());
}

TEST_F(ExecutorPoolTest, RunStatisticsAreRecorded) {
    NamedTaskable owner("stats");
    pool_.registerTaskable(owner);
    Notification ran;
    auto task = std::make_shared<FunctionTask>(owner, TaskId::TestTaskNonIO, [&](FunctionTask&) {
        ran.notify();
        return false;
    });
    pool_.schedule(task);
    ASSERT_TRUE(ran.waitFor());
    // Returns once the run has ended, i.e. after its statistics were recorded.
    pool_.unregisterTaskable(owner);
    EXPECT_TRUE(task->isDead());
    EXPECT_EQ(1u, task->numRuns());
    EXPECT_EQ(task->lastRuntime(), task->totalRuntime());
    EXPECT_EQ(task->lastRuntime(), task->maxRuntime());
    EXPECT_GE(task->lastSchedulingDelay(), 0ns);
    EXPECT_EQ(task->lastSchedulingDelay(), task->maxSchedulingDelay());
    EXPECT_EQ(1, task.use_count());
}

TEST_F(ExecutorPoolTest, TaskHistogramsCountEveryRun) {
    NamedTaskable owner("histograms");
    pool_.registerTaskable(owner);
    constexpr int kRuns = 5;
    std::atomic<int> runs{0};
    Notification last_run;
    auto task = std::make_shared<FunctionTask>(owner, TaskId::TestTaskReader, [&](FunctionTask&) {
        const int run = runs.fetch_add(1) + 1;
        if (run == 1) {
            std::this_thread::sleep_for(2ms);  // one measurably long run
        }
        if (run == kRuns) {
            last_run.notify();
        }
        return run < kRuns;
    });
    pool_.schedule(task);
    ASSERT_TRUE(last_run.waitFor());
    // Returns once the last run has ended, i.e. after it was recorded.
    pool_.unregisterTaskable(owner);
    ASSERT_EQ(kRuns, runs.load());
    const auto& histograms = pool_.taskHistograms();
    const HistogramSnapshot runtime = histograms.runtime(TaskId::TestTaskReader);
    EXPECT_EQ(uint64_t{kRuns}, runtime.count());
    EXPECT_GE(runtime.max(), uint64_t{std::chrono::nanoseconds(2ms).count()});
    EXPECT_EQ(task->totalRuntime().count(), static_cast<int64_t>(runtime.sum()));
    EXPECT_EQ(task->maxRuntime().count(), static_cast<int64_t>(runtime.max()));
    const HistogramSnapshot delay = histograms.schedulingDelay(TaskId::TestTaskReader);
    EXPECT_EQ(uint64_t{kRuns}, delay.count());
    EXPECT_EQ(task->maxSchedulingDelay().count(), static_cast<int64_t>(delay.max()));
    EXPECT_EQ(0u, histograms.runtime(TaskId::TestTaskWriter).count());
}

TEST_F(ExecutorPoolTest, CancelPreventsFutureRuns) {
    Counter runs;
    Notification destroyed;
    auto task =
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskNonIO, [&](FunctionTask& self) {
            runs.add();
            self.snooze(1h);
            return true;
        });
    task->onDestroy([&] { destroyed.notify(); });
    QuiesceOnExit quiesce(pool_, bucket_);
    const uint64_t uid = pool_.schedule(task);
    ASSERT_TRUE(runs.waitFor(1));
    // The first run may still be finishing: cancel works either way.
    EXPECT_TRUE(pool_.cancel(uid));
    EXPECT_TRUE(task->isDead());
    task.reset();
    ASSERT_TRUE(destroyed.waitFor()) << "the pool still holds the cancelled task";
    EXPECT_FALSE(pool_.wake(uid));
    EXPECT_FALSE(pool_.cancel(uid));
    EXPECT_EQ(0u, pool_.numTasks());
    EXPECT_EQ(1, runs.count());
}

TEST_F(ExecutorPoolTest, CancelReleasesAWaitingTaskAtOnce) {
    Notification destroyed;
    bool ran = false;
    auto task = std::make_shared<FunctionTask>(
        bucket_, TaskId::TestTaskReader,
        [&](FunctionTask&) {
            ran = true;
            return false;
        },
        "sleeper", 1h);
    task->onDestroy([&] { destroyed.notify(); });
    const uint64_t uid = pool_.schedule(task);
    EXPECT_EQ(1u, pool_.numTasks());
    task.reset();
    EXPECT_TRUE(pool_.cancel(uid));
    EXPECT_TRUE(destroyed.notified());
    EXPECT_EQ(0u, pool_.numTasks());
    EXPECT_FALSE(ran);
}

TEST_F(ExecutorPoolTest, CancelDuringRunLetsTheRunFinishButNotRepeat) {
    Notification started;
    Notification gate;
    Notification destroyed;
    std::atomic<int> runs{0};
    auto task = std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskWriter, [&](FunctionTask&) {
        ++runs;
        started.notify();
        EXPECT_TRUE(gate.waitFor());
        return true;  // would run again at once
    });
    task->onDestroy([&] { destroyed.notify(); });
    QuiesceOnExit quiesce(pool_, bucket_);
    pool_.schedule(task);
    ASSERT_TRUE(started.waitFor());
    EXPECT_EQ(TaskState::Running, task->state());
    EXPECT_TRUE(pool_.cancel(task->uid()));
    EXPECT_TRUE(task->isDead());
    EXPECT_FALSE(pool_.cancel(task->uid())) << "already cancelled";
    task->cancel();  // harmless
    task.reset();
    gate.notify();
    ASSERT_TRUE(destroyed.waitFor());
    EXPECT_EQ(1, runs.load());
}

TEST_F(ExecutorPoolTest, WakeDuringRunIsNotLostWhenTheRunSnoozes) {
    Notification started;
    Notification gate;
    Counter runs;
    auto task =
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskNonIO, [&](FunctionTask& self) {
            runs.add();
            if (runs.count() == 1) {
                started.notify();
                EXPECT_TRUE(gate.waitFor());
            }
            self.snooze(1h);
            return true;
        });
    QuiesceOnExit quiesce(pool_, bucket_);
    const uint64_t uid = pool_.schedule(task);
    ASSERT_TRUE(started.waitFor());
    EXPECT_TRUE(pool_.wake(uid));  // while it runs
    gate.notify();
    ASSERT_TRUE(runs.waitFor(2));
    pool_.cancel(uid);
}

TEST_F(ExecutorPoolTest, UnregisterTaskableWaitsForItsRunningTask) {
    Notification started;
    Notification gate;
    Notification waiting_task_released;
    std::atomic<bool> run_finished{false};
    std::atomic<bool> running_task_destroyed{false};
    std::atomic<bool> unregister_returned{false};
    std::atomic<bool> finished_before_return{false};
    std::atomic<bool> destroyed_before_return{false};

    auto running =
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskAuxIO, [&](FunctionTask&) {
            started.notify();
            EXPECT_TRUE(gate.waitFor());
            EXPECT_FALSE(unregister_returned.load());
            run_finished = true;
            return true;
        });
    running->onDestroy([&] { running_task_destroyed = true; });
    pool_.schedule(running);
    running.reset();  // the pool holds the last reference
    // A second task of the same owner, waiting: its release shows unregister has cancelled.
    auto waiting = std::make_shared<FunctionTask>(
        bucket_, TaskId::TestTaskNonIO, [](FunctionTask&) { return false; }, "waiting", 1h);
    waiting->onDestroy([&] { waiting_task_released.notify(); });
    pool_.schedule(waiting);
    waiting.reset();

    // Another owner's task is unaffected.
    NamedTaskable other("other");
    pool_.registerTaskable(other);
    auto bystander = std::make_shared<FunctionTask>(
        other, TaskId::TestTaskNonIO, [](FunctionTask&) { return false; }, "bystander", 1h);
    pool_.schedule(bystander);

    ASSERT_TRUE(started.waitFor());
    std::thread unregister([&] {
        pool_.unregisterTaskable(bucket_);
        finished_before_return = run_finished.load();
        destroyed_before_return = running_task_destroyed.load();
        unregister_returned = true;
    });
    EXPECT_TRUE(waiting_task_released.waitFor());  // not ASSERT: the thread must be joined
    EXPECT_FALSE(unregister_returned.load()) << "returned while a task was running";
    gate.notify();
    unregister.join();
    EXPECT_TRUE(finished_before_return.load());
    EXPECT_TRUE(destroyed_before_return.load()) << "the pool still held the task";
    EXPECT_FALSE(bystander->isDead());
    EXPECT_EQ(1u, pool_.numTasks());

    auto late = std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskNonIO,
                                               [](FunctionTask&) { return false; });
    pool_.schedule(late);
    EXPECT_TRUE(late->isDead()) << "accepted a task of an unregistered owner";
    pool_.unregisterTaskable(other);
    EXPECT_TRUE(bystander->isDead());
    EXPECT_EQ(0u, pool_.numTasks());
}

TEST_F(ExecutorPoolTest, UnregisteringFromOwnTaskThrowsInsteadOfDeadlocking) {
    Notification done;
    std::atomic<bool> threw{false};
    QuiesceOnExit quiesce(pool_, bucket_);
    pool_.schedule(
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskNonIO, [&](FunctionTask&) {
            try {
                pool_.unregisterTaskable(bucket_);
            } catch (const std::logic_error&) {
                threw = true;
            }
            done.notify();
            return false;
        }));
    ASSERT_TRUE(done.waitFor());
    EXPECT_TRUE(threw.load());
}

TEST_F(ExecutorPoolTest, ATaskThatThrowsIsDroppedAndThePoolCarriesOn) {
    Notification destroyed;
    auto bad = std::make_shared<FunctionTask>(
        bucket_, TaskId::TestTaskNonIO,
        [](FunctionTask&) -> bool { throw std::runtime_error("boom"); }, "throws");
    bad->onDestroy([&] { destroyed.notify(); });
    QuiesceOnExit quiesce(pool_, bucket_);
    pool_.schedule(bad);
    bad.reset();
    ASSERT_TRUE(destroyed.waitFor());
    Notification ran;
    pool_.schedule(
        std::make_shared<FunctionTask>(bucket_, TaskId::TestTaskNonIO, [&](FunctionTask&) {
            ran.notify();
            return false;
        }));
    ASSERT_TRUE(ran.waitFor());
}

// Many threads schedule, wake, snooze and cancel at once (run under TSan in CI).
TEST_F(ExecutorPoolTest, ManyTasksFromManyThreads) {
    constexpr int kThreads = 4;
    constexpr int kTasksPerThread = 250;
    constexpr int kTotal = kThreads * kTasksPerThread;
    constexpr TaskId kIds[] = {TaskId::TestTaskWriter, TaskId::TestTaskReader,
                               TaskId::TestTaskAuxIO, TaskId::TestTaskNonIO,
                               TaskId::TestTaskNonIOUrgent};
    Counter destroyed;
    std::atomic<int> runs{0};
    std::vector<std::thread> schedulers;
    schedulers.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        schedulers.emplace_back([&, t] {
            for (int i = 0; i < kTasksPerThread; ++i) {
                const TaskId id = kIds[(t + i) % std::size(kIds)];
                const int repeats = i % 3;  // 0..2 extra runs
                auto task = std::make_shared<FunctionTask>(
                    bucket_, id,
                    [&runs, repeats, done = 0](FunctionTask&) mutable {
                        ++runs;
                        return done++ < repeats;
                    },
                    "", i % 4 == 0 ? 1h : 0s);
                task->onDestroy([&destroyed] { destroyed.add(); });
                const uint64_t uid = pool_.schedule(task);
                switch (i % 4) {
                case 0: pool_.wake(uid); break;  // slept for an hour: wake it
                case 1: pool_.snooze(uid, 1ms); break;
                case 2:
                    if (i % 8 == 2) {
                        task->cancel();
                    }
                    break;
                default: task->wakeUp(); break;
                }
            }
        });
    }
    for (auto& thread : schedulers) {
        thread.join();
    }
    ASSERT_TRUE(destroyed.waitFor(kTotal)) << destroyed.count() << " of " << kTotal;
    EXPECT_EQ(0u, pool_.numTasks());
    EXPECT_GT(runs.load(), 0);
}

TEST(ExecutorPoolShutdownTest, PendingTasksNeverRunAndAreReleased) {
    NamedTaskable bucket("bucket");
    auto pool = std::make_unique<ExecutorPool>();
    pool->registerTaskable(bucket);
    std::atomic<int> runs{0};
    std::vector<std::shared_ptr<FunctionTask>> tasks;
    for (TaskId id : {TaskId::TestTaskWriter, TaskId::TestTaskReader, TaskId::TestTaskAuxIO,
                      TaskId::TestTaskNonIO}) {
        for (int i = 0; i < 5; ++i) {
            tasks.push_back(std::make_shared<FunctionTask>(
                bucket, id,
                [&](FunctionTask&) {
                    ++runs;
                    return false;
                },
                "", 1h));
            pool->schedule(tasks.back());
        }
    }
    EXPECT_EQ(20u, pool->numTasks());
    pool->shutdown();
    EXPECT_EQ(0u, pool->numTasks());
    for (const auto& task : tasks) {
        EXPECT_TRUE(task->isDead());
        EXPECT_EQ(1, task.use_count());
    }
    auto late = std::make_shared<FunctionTask>(bucket, TaskId::TestTaskNonIO,
                                               [](FunctionTask&) { return false; });
    pool->schedule(late);
    EXPECT_TRUE(late->isDead());
    pool->shutdown();  // idempotent
    pool.reset();
    EXPECT_EQ(0, runs.load());
}

TEST(ExecutorPoolShutdownTest, ShutdownLetsARunningTaskFinish) {
    Notification started;
    Notification gate;
    std::atomic<int> runs{0};
    std::atomic<bool> finished{false};
    NamedTaskable bucket("bucket");
    ExecutorPool pool;
    pool.registerTaskable(bucket);
    auto task = std::make_shared<FunctionTask>(bucket, TaskId::TestTaskWriter, [&](FunctionTask&) {
        ++runs;
        started.notify();
        EXPECT_TRUE(gate.waitFor());
        finished = true;
        return true;
    });
    pool.schedule(task);
    // A waiting task: its release shows that shutdown() has cancelled everything.
    Notification waiting_released;
    auto waiting = std::make_shared<FunctionTask>(
        bucket, TaskId::TestTaskNonIO, [](FunctionTask&) { return false; }, "waiting", 1h);
    waiting->onDestroy([&] { waiting_released.notify(); });
    pool.schedule(waiting);
    waiting.reset();
    ASSERT_TRUE(started.waitFor());
    std::atomic<bool> shutdown_returned{false};
    std::atomic<bool> finished_before_return{false};
    std::thread stopper([&] {
        pool.shutdown();
        finished_before_return = finished.load();
        shutdown_returned = true;
    });
    EXPECT_TRUE(waiting_released.waitFor());  // not ASSERT: the thread must be joined
    EXPECT_FALSE(shutdown_returned.load()) << "returned while a task was running";
    gate.notify();
    stopper.join();
    EXPECT_TRUE(finished_before_return.load());
    EXPECT_TRUE(task->isDead());
    EXPECT_EQ(1, runs.load());
    EXPECT_EQ(1, task.use_count());
}

TEST(ExecutorPoolShutdownTest, ShutdownFromAPoolThreadIsAProgrammerError) {
    NamedTaskable bucket("bucket");
    ExecutorPool pool;
    pool.registerTaskable(bucket);
    Notification done;
    std::atomic<bool> threw{false};
    pool.schedule(std::make_shared<FunctionTask>(bucket, TaskId::TestTaskNonIO, [&](FunctionTask&) {
        try {
            pool.shutdown();
        } catch (const std::logic_error&) {
            threw = true;
        }
        done.notify();
        return false;
    }));
    ASSERT_TRUE(done.waitFor());
    EXPECT_TRUE(threw.load());
}

}  // namespace
}  // namespace eddy::executor
