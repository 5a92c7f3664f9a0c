// eddy tests — MockCookie, an in-process stand-in for the front end's Cookie.
//
// Owns: the engine-storage slot of one pretend command, a connection id, and a queue of the
// notifyIoComplete statuses delivered for it, so a test (or EngineDriver) can wait for the
// notification that follows a WouldBlock.
// Invariants: every notification ever delivered is counted (notificationCount), including ones
// nobody has waited for yet, so "exactly once" is checkable.
// Thread contract: the CookieIface methods belong to the owning thread (the one that built the
// cookie, or the last to call bindToCurrentThread) and are asserted in debug and sanitizer
// builds, as the daemon's Cookie is. notify() may be called from any thread; the wait and count
// methods are thread-safe (guarded by mutex_).
#pragma once

#include "common/mutex.h"
#include "common/owner_thread.h"
#include "eddy/cookie_iface.h"
#include "eddy/status.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <utility>

namespace eddy::test {

class MockCookie final : public CookieIface {
public:
    MockCookie() : connection_id_(nextConnectionId()) {}
    explicit MockCookie(uint64_t connection_id) : connection_id_(connection_id) {}
    MockCookie(const MockCookie&) = delete;
    MockCookie& operator=(const MockCookie&) = delete;
    ~MockCookie() = default;

    void setEngineStorage(std::unique_ptr<EngineStorage> storage) override {
        EDDY_ASSERT_OWNER(owner_, "MockCookie::setEngineStorage");
        storage_ = std::move(storage);
    }
    [[nodiscard]] std::unique_ptr<EngineStorage> takeEngineStorage() override {
        EDDY_ASSERT_OWNER(owner_, "MockCookie::takeEngineStorage");
        return std::move(storage_);
    }
    [[nodiscard]] EngineStorage* engineStorage() override {
        EDDY_ASSERT_OWNER(owner_, "MockCookie::engineStorage");
        return storage_.get();
    }
    [[nodiscard]] uint64_t connectionId() const override { return connection_id_; }
    void setConnectionStorage(std::shared_ptr<EngineStorage> storage) override {
        EDDY_ASSERT_OWNER(owner_, "MockCookie::setConnectionStorage");
        connection_storage_ = std::move(storage);
    }
    [[nodiscard]] EngineStorage* connectionStorage() override {
        EDDY_ASSERT_OWNER(owner_, "MockCookie::connectionStorage");
        return connection_storage_.get();
    }

    /// Makes the calling thread the owner (a cookie built on one thread and driven on another).
    void bindToCurrentThread() { owner_.bind(); }

    /// Records one notifyIoComplete and wakes a waiter. Any thread.
    void notify(Status status) EXCLUDES(mutex_) {
        MutexLock lock(mutex_);
        pending_.push_back(status);
        ++notification_count_;
        // Signalled under the lock: once the waiter sees the status it may destroy the cookie,
        // and cv_ with it, so the notifier must be done with cv_ before releasing mutex_.
        cv_.notify_all();
    }

    /// Waits up to `timeout` for a notification not yet consumed, consumes and returns it;
    /// nullopt on timeout.
    [[nodiscard]] std::optional<Status> waitForNotification(std::chrono::milliseconds timeout)
        EXCLUDES(mutex_) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        MutexLock lock(mutex_);
        while (pending_.empty()) {
            if (waitUntil(cv_, mutex_, deadline) == std::cv_status::timeout && pending_.empty()) {
                return std::nullopt;
            }
        }
        const Status status = pending_.front();
        pending_.pop_front();
        return status;
    }

    /// Notifications delivered and not yet consumed by waitForNotification.
    [[nodiscard]] size_t pendingNotifications() const EXCLUDES(mutex_) {
        MutexLock lock(mutex_);
        return pending_.size();
    }

    /// Every notification ever delivered to this cookie.
    [[nodiscard]] uint64_t notificationCount() const EXCLUDES(mutex_) {
        MutexLock lock(mutex_);
        return notification_count_;
    }

private:
    static uint64_t nextConnectionId() {
        static std::atomic<uint64_t> next{1};
        return next.fetch_add(1, std::memory_order_relaxed);
    }

    const uint64_t connection_id_;
    OwnerThread owner_;
    std::unique_ptr<EngineStorage> storage_;             // owner thread only
    std::shared_ptr<EngineStorage> connection_storage_;  // owner thread only

    mutable Mutex mutex_;
    std::condition_variable cv_;
    std::deque<Status> pending_ GUARDED_BY(mutex_);
    uint64_t notification_count_ GUARDED_BY(mutex_) = 0;
};

}  // namespace eddy::test
