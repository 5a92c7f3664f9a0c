// eddy — slow STAT groups collected on an executor task, answered on the front end.
//
// Owns: BackgroundStatTask (one collection of one group for one STAT command),
// StatTaskHolder (what the command parks in its cookie's EngineStorage meanwhile) and
// StatTaskRegistry (a bucket's collections that have not finished, for its shutdown).
//
// The life of a background group (ARCHITECTURE.md §1, kv_engine MB-48816):
//   1. First getStats call, front-end thread: the bucket builds a task holding a collector
//      function that captured everything it needs (the group's parsed arguments, copied), puts
//      a StatTaskHolder sharing the task in the cookie's EngineStorage, parks the cookie in its
//      table of waiting commands under the task's token, schedules the task and returns
//      WouldBlock. The front end writes nothing.
//   2. run(), executor thread: if the command still waits (hooks.wanted), the collector writes
//      (key, value) pairs into the task's own buffer through a StatSink and returns the
//      group's status (an exception becomes Failed); the task marks itself done and calls
//      hooks.done, with which the bucket takes the cookie out of its table and notifies it
//      Success, exactly once. The task never holds the cookie and never sees the front end's
//      AddStatFn.
//   3. Re-driven getStats, front-end thread: the bucket takes the holder back out of the cookie
//      (so a later call cannot find it again), replays the buffered pairs through the real
//      AddStatFn if the status is Success, and returns the status. The holder and, with it,
//      the task are freed there.
// Success is notified even when the collection failed: the failure travels inside the task, so
// the parked holder is always taken back by the re-drive (or freed by the front end's cookie
// reset when the connection has closed meanwhile).
//
// Exactly-once notification comes from the bucket's table of waiting commands: whoever takes
// the cookie out of it notifies, and only one can. A connection that closes while its command
// waits is taken out by EngineIface::disconnect and notified Disconnect there (the front end
// then frees the cookie and the holder); its task, when it runs, finds the command gone and
// collects nothing, and a collection already running stops at its next StatSink::abandoned()
// check. A task that never runs because the bucket unregisters from the executor
// first (bucket destruction) is left in the registry; after unregistering, the bucket takes
// every token left (takeAll) and completes those commands with TemporaryFailure: no command
// waits forever.
//
// Thread contract: a task's collector runs on one executor thread (or inline on the front-end
// thread when there is no executor). Its buffer and status are written only by that run and
// read only once done() has returned true (release/acquire on done_); done() is callable from
// any thread. The hooks are called on the task's thread. StatTaskHolder belongs to the
// cookie's front-end thread. StatTaskRegistry is thread-safe (mutex_).
#pragma once

#include "common/mutex.h"
#include "eddy/cookie_iface.h"
#include "eddy/engine_iface.h"
#include "eddy/stat_groups.h"
#include "executor/task.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace eddy::engine::stats {

/// Where a collector puts its pairs (the task's own buffer) and how it learns, mid-way, that
/// nobody waits for them any more.
class StatSink {
public:
    StatSink(AddStatFn add, std::function<bool()> abandoned)
        : add_(std::move(add)), abandoned_(std::move(abandoned)) {}

    /// Appends one pair to the buffer (never the front end's AddStatFn).
    [[nodiscard]] const AddStatFn& add() const { return add_; }
    /// True once the command no longer waits (its connection closed): a long collection
    /// stops early; what it gathered is dropped anyway. Costs a lock: ask between vbuckets,
    /// not per key.
    [[nodiscard]] bool abandoned() const { return abandoned_ && abandoned_(); }

private:
    const AddStatFn add_;
    const std::function<bool()> abandoned_;
};

/// Gathers one group's pairs into `sink` and returns the group's status; it must not touch
/// any cookie.
using StatCollector = std::function<Status(const StatSink& sink)>;

/// Runs `collector` into a buffer on the calling thread, then writes the pairs through
/// `add_stat` if it succeeded; returns its status (an exception is Failed). The path of a
/// background group when the bucket has no executor.
Status collectAndWrite(const StatCollector& collector, const AddStatFn& add_stat);

/// How a task reaches the command it collects for without knowing it (the bucket supplies
/// them). Both get the task's token.
struct StatTaskHooks {
    /// Whether the command still waits for this collection (false once its connection closed).
    std::function<bool(const void* token)> wanted;
    /// The run is over (collected or not): completes the command if it still waits.
    std::function<void(const void* token)> done;
};

class BackgroundStatTask final : public executor::Task {
public:
    BackgroundStatTask(executor::Taskable& owner, executor::TaskId id, std::string description,
                       StatCollector collector, StatTaskHooks hooks);

    /// Collects if the command still waits, then calls hooks.done. Once.
    bool run() override;
    [[nodiscard]] std::string description() const override { return description_; }
    [[nodiscard]] std::chrono::microseconds maxExpectedDuration() const override;

    /// Identifies this collection to the bucket (its table of waiting commands, the registry).
    [[nodiscard]] const void* token() const { return this; }

    /// Collects on the calling thread, without the hooks (the executor refused the task and
    /// the caller took the command back).
    void collectHere() { collect(/*watch=*/false); }

    /// The collection has finished; its pairs and status may be read.
    [[nodiscard]] bool done() const { return done_.load(std::memory_order_acquire); }
    /// Front-end thread, once done(): writes every pair through `add_stat` if the status is
    /// Success, and returns the status.
    Status writeResponse(const AddStatFn& add_stat) const;
    /// Pairs gathered (once done()).
    [[nodiscard]] size_t size() const { return pairs_.size(); }

private:
    /// `watch`: the collector may ask hooks.wanted whether to go on.
    void collect(bool watch);

    const std::string description_;
    const StatCollector collector_;
    const StatTaskHooks hooks_;
    /// Written by collect() before done_ is set, read after done() is seen true.
    std::vector<std::pair<std::string, std::string>> pairs_;
    Status status_ = Status::Success;
    std::atomic<bool> done_{false};
};

/// What a STAT command parks in its cookie while its task collects.
class StatTaskHolder final : public EngineStorage {
public:
    StatTaskHolder(std::shared_ptr<BackgroundStatTask> task, StatGroupId group, std::string args)
        : task_(std::move(task)), group_(group), args_(std::move(args)) {}

    [[nodiscard]] BackgroundStatTask& task() const { return *task_; }
    /// Whether this holder was parked for the same group and arguments.
    [[nodiscard]] bool matches(StatGroupId group, std::string_view args) const {
        return group == group_ && args == args_;
    }

private:
    const std::shared_ptr<BackgroundStatTask> task_;
    const StatGroupId group_;
    const std::string args_;
};

/// The tokens of a bucket's stat tasks that have not finished a run. When the bucket goes, it
/// unregisters from the executor (which drops the tasks that never ran) and then takes what is
/// left here to complete those commands (takeAll).
class StatTaskRegistry {
public:
    using Tokens = std::unordered_set<const void*>;

    StatTaskRegistry() = default;
    StatTaskRegistry(const StatTaskRegistry&) = delete;
    StatTaskRegistry& operator=(const StatTaskRegistry&) = delete;

    void add(const void* token) EXCLUDES(mutex_);
    void remove(const void* token) EXCLUDES(mutex_);
    /// Every token left; the registry is empty afterwards.
    [[nodiscard]] Tokens takeAll() EXCLUDES(mutex_);
    [[nodiscard]] size_t size() const EXCLUDES(mutex_);

private:
    mutable Mutex mutex_;
    Tokens tokens_ GUARDED_BY(mutex_);
};

}  // namespace eddy::engine::stats
