// eddy — the cookie of engine calls the daemon makes on its own behalf.
//
// Owns: InternalCookie, a CookieIface with no connection behind it, for engine calls that no
// client sent (the Prometheus exporter reading the default STAT group on the main thread). It
// carries the engine's storage slots like a front-end Cookie and the reserved connection id
// kInternalConnectionId (front-end connections are numbered from 1).
//
// Semantics. The would_block contract (ARCHITECTURE.md §1) holds for it as for any cookie: an
// engine call that returns WouldBlock owes exactly one notification. ServerApi::notifyIoComplete
// recognises the internal cookie and hands the status to notify(), which only records it; the
// owner never waits for it. Until it has arrived awaitingNotification() is true and the owner
// makes no engine call with this cookie (a second call before the notification would break the
// contract). Once it has arrived the owner collects the delivered status with
// takeNotification(): Success means the engine expects the same call again (it may have parked
// state in the cookie), anything else ends the blocked call. Any number of calls may follow.
// The cookie must outlive every notification it is owed, so its owner keeps it until the engine
// has been destroyed.
//
// Thread contract: owned by the thread that created it; every CookieIface method and the
// would_block bookkeeping are for that thread only (asserted in debug and sanitizer builds).
// notify() is the one exception: any thread, once per WouldBlock.
#pragma once

#include "common/owner_thread.h"
#include "eddy/cookie_iface.h"
#include "eddy/status.h"

#include <atomic>
#include <cstdint>
#include <memory>

namespace eddy::daemon {

/// The connection id of every internal cookie; no front-end connection has it.
constexpr uint64_t kInternalConnectionId = 0;

class InternalCookie final : public CookieIface {
public:
    InternalCookie() = default;
    ~InternalCookie() = default;
    InternalCookie(const InternalCookie&) = delete;
    InternalCookie& operator=(const InternalCookie&) = delete;

    /// Records that an engine call just returned WouldBlock: a notification is owed. Owner.
    void setBlocked();
    /// True while a WouldBlock's notification has not arrived. Owner.
    [[nodiscard]] bool awaitingNotification() const;
    /// After the notification has arrived: the status it delivered (Success if none was owed),
    /// and the cookie is ready for the next call. Must not be called while
    /// awaitingNotification(). Owner.
    [[nodiscard]] Status takeNotification();
    /// Drops whatever the engine parked in the cookie (engine and connection slots). Owner;
    /// used before the engine goes, when no notification is owed.
    void releaseEngineState();

    /// The notification of a blocked call. Any thread, exactly once per setBlocked().
    void notify(Status status);

    // CookieIface
    void setEngineStorage(std::unique_ptr<EngineStorage> storage) override;
    [[nodiscard]] std::unique_ptr<EngineStorage> takeEngineStorage() override;
    [[nodiscard]] EngineStorage* engineStorage() override;
    [[nodiscard]] uint64_t connectionId() const override { return kInternalConnectionId; }
    void setConnectionStorage(std::shared_ptr<EngineStorage> storage) override;
    [[nodiscard]] EngineStorage* connectionStorage() override;

private:
    OwnerThread owner_;
    /// A WouldBlock was returned and its notification not yet taken (owner only).
    bool blocked_ = false;
    /// Set by notify() after delivered_ (release); read and cleared by the owner (acquire).
    std::atomic<bool> notified_{false};
    std::atomic<Status> delivered_{Status::Success};
    std::unique_ptr<EngineStorage> engine_storage_;
    std::shared_ptr<EngineStorage> connection_storage_;
};

}  // namespace eddy::daemon
