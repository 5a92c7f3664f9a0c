// eddy — the shape of a bucket's periodic background tasks.
//
// Owns: PeriodicTask, a Task that runs a piece of bucket work and then sleeps for an interval
// read afresh on every run (so a SET_PARAM of the period takes effect at the next run), and
// OneShotTask, which runs its work once. The bucket builds its resizer, pagers, checkpoint
// remover, flushers, fetchers, warm-up and compactions from them; the work itself lives with
// the bucket.
//
// Thread contract: as executor::Task; `work` and `interval` are called only from run(), on the
// executor thread running the task, one run at a time.
#pragma once

#include "executor/task.h"

#include <functional>
#include <string>
#include <utility>

namespace eddy::engine {

class PeriodicTask final : public executor::Task {
public:
    using Interval = std::function<executor::Clock::duration()>;

    PeriodicTask(executor::Taskable& owner, executor::TaskId id, std::string description,
                 Interval interval, std::function<void()> work)
        : Task(owner, id, interval()),
          description_(std::move(description)),
          interval_(std::move(interval)),
          work_(std::move(work)) {}

    bool run() override {
        work_();
        snooze(interval_());
        return true;
    }

    [[nodiscard]] std::string description() const override { return description_; }

private:
    const std::string description_;
    const Interval interval_;
    const std::function<void()> work_;
};

/// A Task that runs a piece of bucket work once (warm-up of a shard, a requested compaction).
class OneShotTask final : public executor::Task {
public:
    OneShotTask(executor::Taskable& owner, executor::TaskId id, std::string description,
                std::function<void()> work)
        : Task(owner, id), description_(std::move(description)), work_(std::move(work)) {}

    bool run() override {
        work_();
        return false;
    }

    [[nodiscard]] std::string description() const override { return description_; }

private:
    const std::string description_;
    const std::function<void()> work_;
};

}  // namespace eddy::engine
