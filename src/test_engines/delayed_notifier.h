// eddy — a one-thread delay queue that runs jobs when their deadline passes.
//
// Owns: DelayedNotifier, a worker thread plus a deadline-ordered queue of jobs (ties keep their
// scheduling order). FaultInjectingEngine uses it to deliver notifyIoComplete later, from a
// thread that is not the caller's.
// Invariants: every scheduled job runs exactly once: at or after its deadline while running,
// or immediately, in queue order, once shutdown() starts. Jobs run with no lock held, one at a
// time, on the worker thread (after shutdown, on the caller of schedule()).
// Thread contract: schedule() is thread-safe; shutdown() (also run by the destructor) may be
// called from any thread but not from inside a job.
#pragma once

#include "common/mutex.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <thread>
#include <utility>

namespace eddy::test_engines {

class DelayedNotifier {
public:
    using Job = std::function<void()>;

    DelayedNotifier();
    ~DelayedNotifier();
    DelayedNotifier(const DelayedNotifier&) = delete;
    DelayedNotifier& operator=(const DelayedNotifier&) = delete;

    /// Queues `job` to run `delay` from now. After shutdown the job runs at once, here.
    void schedule(std::chrono::milliseconds delay, Job job) EXCLUDES(mutex_);

    /// Makes every job queued so far due now: those already due first, as before, then the
    /// others in the order they were scheduled. Jobs scheduled afterwards keep their deadlines.
    void expedite() EXCLUDES(mutex_);

    /// Runs every queued job now, ignoring deadlines, then stops and joins the worker.
    /// Idempotent.
    void shutdown() EXCLUDES(mutex_);

private:
    using Clock = std::chrono::steady_clock;
    /// (deadline, sequence number): a total order, earliest first, FIFO among equal deadlines.
    using QueueKey = std::pair<Clock::time_point, uint64_t>;

    void run() EXCLUDES(mutex_);
    /// Blocks until a job is due (or, when stopping, any job is queued) and takes it; returns
    /// an empty Job once stopping with nothing left.
    Job nextDueJob() EXCLUDES(mutex_);

    Mutex mutex_;
    std::condition_variable cv_;
    std::map<QueueKey, Job> queue_ GUARDED_BY(mutex_);
    uint64_t next_sequence_ GUARDED_BY(mutex_) = 0;
    bool stopping_ GUARDED_BY(mutex_) = false;
    std::thread worker_;  // started last in the constructor, joined by shutdown()
};

}  // namespace eddy::test_engines
