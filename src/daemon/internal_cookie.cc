// eddy — InternalCookie (internal_cookie.h): the daemon's own cookie and its would_block
// bookkeeping.
#include "daemon/internal_cookie.h"

#include <cassert>
#include <utility>

namespace eddy::daemon {

void InternalCookie::setBlocked() {
    EDDY_ASSERT_OWNER(owner_, "InternalCookie::setBlocked");
    assert(!blocked_);
    blocked_ = true;
}

bool InternalCookie::awaitingNotification() const {
    EDDY_ASSERT_OWNER(owner_, "InternalCookie::awaitingNotification");
    return blocked_ && !notified_.load(std::memory_order_acquire);
}

Status InternalCookie::takeNotification() {
    EDDY_ASSERT_OWNER(owner_, "InternalCookie::takeNotification");
    if (!blocked_) {
        return Status::Success;
    }
    // The notification may have arrived before setBlocked() ran (the engine's task can be
    // faster than the call's return): notified_ is then already set, and is consumed here.
    const bool arrived = notified_.exchange(false, std::memory_order_acquire);
    assert(arrived);
    static_cast<void>(arrived);
    blocked_ = false;
    return delivered_.load(std::memory_order_relaxed);
}

void InternalCookie::releaseEngineState() {
    EDDY_ASSERT_OWNER(owner_, "InternalCookie::releaseEngineState");
    engine_storage_.reset();
    connection_storage_.reset();
}

void InternalCookie::notify(Status status) {
    delivered_.store(status, std::memory_order_relaxed);
    notified_.store(true, std::memory_order_release);
}

void InternalCookie::setEngineStorage(std::unique_ptr<EngineStorage> storage) {
    EDDY_ASSERT_OWNER(owner_, "InternalCookie::setEngineStorage");
    engine_storage_ = std::move(storage);
}

std::unique_ptr<EngineStorage> InternalCookie::takeEngineStorage() {
    EDDY_ASSERT_OWNER(owner_, "InternalCookie::takeEngineStorage");
    return std::move(engine_storage_);
}

EngineStorage* InternalCookie::engineStorage() {
    EDDY_ASSERT_OWNER(owner_, "InternalCookie::engineStorage");
    return engine_storage_.get();
}

void InternalCookie::setConnectionStorage(std::shared_ptr<EngineStorage> storage) {
    EDDY_ASSERT_OWNER(owner_, "InternalCookie::setConnectionStorage");
    connection_storage_ = std::move(storage);
}

EngineStorage* InternalCookie::connectionStorage() {
    EDDY_ASSERT_OWNER(owner_, "InternalCookie::connectionStorage");
    return connection_storage_.get();
}

}  // namespace eddy::daemon
