// eddy — helpers for the executor's unit tests (not part of the library).
//
// Owns: FunctionTask (a Task whose run() is a callable, with an optional destructor hook, so a
// test can observe the moment the executor releases it) and Notification (a one-shot event
// with a bounded wait, so no test synchronises by sleeping).
// Thread contract: Notification is thread-safe; a FunctionTask's body runs wherever the
// executor runs it and must synchronise whatever it shares.
#pragma once

#include "common/mutex.h"
#include "executor/task.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <string>
#include <utility>

namespace eddy::executor::test_support {

/// Long enough never to expire on a loaded CI machine; only reached when a test fails.
inline constexpr std::chrono::seconds kTimeout{10};

class Notification {
public:
    void notify() EXCLUDES(mutex_) {
        MutexLock lock(mutex_);
        notified_ = true;
        cv_.notify_all();
    }

    /// True once notify() has been called; false if kTimeout passed first.
    [[nodiscard]] bool waitFor(std::chrono::steady_clock::duration timeout = kTimeout)
        EXCLUDES(mutex_) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        MutexLock lock(mutex_);
        while (!notified_) {
            if (waitUntil(cv_, mutex_, deadline) == std::cv_status::timeout) {
                return notified_;
            }
        }
        return true;
    }

    [[nodiscard]] bool notified() const EXCLUDES(mutex_) {
        MutexLock lock(mutex_);
        return notified_;
    }

private:
    mutable Mutex mutex_;
    std::condition_variable cv_;
    bool notified_ GUARDED_BY(mutex_) = false;
};

class FunctionTask final : public Task {
public:
    using Body = std::function<bool(FunctionTask&)>;

    FunctionTask(Taskable& owner, TaskId id, Body body, std::string description = {},
                 Clock::duration initial_sleep = Clock::duration::zero())
        : Task(owner, id, initial_sleep),
          body_(std::move(body)),
          description_(std::move(description)) {}

    ~FunctionTask() override {
        if (on_destroy_) {
            on_destroy_();
        }
    }

    /// Called from the destructor: set before scheduling.
    void onDestroy(std::function<void()> hook) { on_destroy_ = std::move(hook); }

    bool run() override { return body_(*this); }

    [[nodiscard]] std::string description() const override {
        return description_.empty() ? Task::description() : description_;
    }

private:
    Body body_;
    const std::string description_;
    std::function<void()> on_destroy_;
};

}  // namespace eddy::executor::test_support
