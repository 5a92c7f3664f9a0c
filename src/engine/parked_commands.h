// eddy — the one owner of every command parked in a bucket.
//
// Concept. A bucket answers WouldBlock when a command must wait for something that happens
// elsewhere: a pending vbucket to change state, a seqno to reach disk, a compaction or a stat
// task to finish. The command's cookie is then "parked": it is kept here, with a description of
// what it waits for (a Wait), until exactly one of these releases it:
//   - the event it waits for (releaseIf with a predicate over the Wait, e.g. "vbucket 7 is no
//     longer pending", "seqno 42 of vbucket 3 is on disk"): the command runs again (Success);
//   - its deadline (releaseIf over the deadline): TemporaryFailure;
//   - the task that owns it (take with the task's token): that task notifies it;
//   - its connection closing (disconnect): Disconnect.
//
// Invariants, and why every parked command is notified exactly once:
//   1. An entry is inserted only by park() and removed only by take(), releaseIf() or
//      disconnect(), each under mutex_. So however those race, exactly one of them removes a
//      given entry (the others no longer find it).
//   2. releaseIf() and disconnect() notify exactly the cookies they removed, after unlocking;
//      take() returns true to exactly one caller, which then owns the notification. Nothing
//      else in the bucket notifies a parked cookie.
//   3. A cookie is parked at most once at a time (one command in flight per cookie); park()
//      refuses a second entry (a logic error in the caller).
//   4. While a cookie is parked its connection waits for the notification before it frees the
//      cookie (the front end's PendingClose), so the address stays valid until the removal in
//      (1). The Wait, not the cookie, is what predicates see: a background thread never touches
//      the cookie, it only passes it to ServerApi::notifyIoComplete.
//   park() may check a condition under mutex_ (`still_waiting`) so that an event that happens
//   between the caller's check and the insertion is not missed: the releasing side changes its
//   state before calling releaseIf, which takes the same mutex.
//
// Thread contract: thread-safe. park() and disconnect() run on the cookie's front-end thread;
// take(), isParked(), releaseIf() on any thread (executor tasks, configuration listeners, other
// front-end threads changing a vbucket's state). mutex_ is a leaf: predicates and
// `still_waiting` must not take bucket locks other than a vbucket's state read, and no
// notification is made while it is held.
#pragma once

#include "common/mutex.h"
#include "eddy/engine_iface.h"
#include "eddy/types.h"
#include "executor/task.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

namespace eddy::engine {

/// What a parked command waits for.
struct Wait {
    enum class Kind : uint8_t {
        /// The vbucket is pending: the command runs again when its state changes.
        VBucketState,
        /// SEQNO_PERSISTENCE: released when `seqno` of the vbucket is on disk.
        SeqnoPersistence,
        /// COMPACT_DB: released by its compaction task (token).
        Compaction,
        /// A STAT group collected on a task (token).
        StatTask,
    };

    Kind kind = Kind::VBucketState;
    Vbid vbucket{0};
    /// When it stops waiting with TemporaryFailure; max() for waits that their task ends.
    executor::TimePoint deadline = executor::TimePoint::max();
    uint64_t seqno = 0;
    /// Compaction, StatTask: identifies the task that completes the wait.
    const void* token = nullptr;

    /// One line for logs and the blocked-command watchdog ("seqno 12 of vbucket 3 on disk").
    [[nodiscard]] std::string describe() const;
};

class ParkedCommands {
public:
    /// Which parked waits to release; sees the Wait only, never the cookie.
    using Selector = std::function<bool(const Wait&)>;

    explicit ParkedCommands(ServerApi& server) : server_(server) {}
    ParkedCommands(const ParkedCommands&) = delete;
    ParkedCommands& operator=(const ParkedCommands&) = delete;
    /// Every command parked must have been released (or its connection closed) by now.
    ~ParkedCommands();

    /// Parks `cookie` until `wait` is released, unless `still_waiting` (called under the lock)
    /// says the event already happened: then nothing is parked and false is returned, and the
    /// caller answers the command itself. True: the caller returns WouldBlock.
    bool park(CookieIface& cookie, const Wait& wait,
              const std::function<bool()>& still_waiting = {}) EXCLUDES(mutex_);

    /// Removes `cookie`'s wait if it is parked for `token`. True to exactly one caller, which
    /// must then notify the cookie (the address is used as a key only, never dereferenced).
    bool take(const CookieIface* cookie, const void* token) EXCLUDES(mutex_);

    /// Whether `cookie` is still parked for `token` (a task asking whether anyone still waits).
    [[nodiscard]] bool isParked(const CookieIface* cookie, const void* token) const
        EXCLUDES(mutex_);

    /// Releases every wait `select` picks and notifies its command with `status` (outside the
    /// lock). Returns how many were released.
    size_t releaseIf(const Selector& select, Status status) EXCLUDES(mutex_);

    /// Releases the waits whose deadline is at or before `now` with TemporaryFailure.
    size_t timeOut(executor::TimePoint now) EXCLUDES(mutex_);

    /// The connection of `cookie` is closing: a parked command completes now with Disconnect.
    /// True if it was parked. Front-end thread of the cookie.
    bool disconnect(CookieIface& cookie) EXCLUDES(mutex_);

    /// What `cookie` waits for, or an empty string if it is not parked here.
    [[nodiscard]] std::string describe(const CookieIface& cookie) const EXCLUDES(mutex_);

    [[nodiscard]] size_t size() const EXCLUDES(mutex_);

private:
    struct Parked {
        /// Passed to notifyIoComplete only.
        CookieIface* cookie;
        Wait wait;
    };

    ServerApi& server_;
    mutable Mutex mutex_;
    std::unordered_map<const CookieIface*, Parked> waits_ GUARDED_BY(mutex_);
};

}  // namespace eddy::engine
