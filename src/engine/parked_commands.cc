// ParkedCommands: the bucket's registry of commands waiting for an event (parked_commands.h).
#include "engine/parked_commands.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <vector>

namespace eddy::engine {

std::string Wait::describe() const {
    switch (kind) {
    case Kind::VBucketState:
        return fmt::format("vbucket {} to leave the pending state", vbucket.get());
    case Kind::SeqnoPersistence:
        return fmt::format("seqno {} of vbucket {} to reach disk", seqno, vbucket.get());
    case Kind::Compaction: return fmt::format("the compaction of vbucket {}", vbucket.get());
    case Kind::StatTask: return "a STAT group collected on a background task";
    }
    return "an unknown event";
}

ParkedCommands::~ParkedCommands() {
    MutexLock lock(mutex_);
    if (!waits_.empty()) {
        spdlog::critical("{} parked command(s) were never released", waits_.size());
    }
}

bool ParkedCommands::park(CookieIface& cookie, const Wait& wait,
                          const std::function<bool()>& still_waiting) {
    MutexLock lock(mutex_);
    if (still_waiting && !still_waiting()) {
        return false;
    }
    if (!waits_.emplace(&cookie, Parked{&cookie, wait}).second) {
        throw std::logic_error(
            fmt::format("a command of connection {} is parked twice", cookie.connectionId()));
    }
    return true;
}

bool ParkedCommands::take(const CookieIface* cookie, const void* token) {
    MutexLock lock(mutex_);
    const auto found = waits_.find(cookie);
    if (found == waits_.end() || found->second.wait.token != token) {
        return false;
    }
    waits_.erase(found);
    return true;
}

bool ParkedCommands::isParked(const CookieIface* cookie, const void* token) const {
    MutexLock lock(mutex_);
    const auto found = waits_.find(cookie);
    return found != waits_.end() && found->second.wait.token == token;
}

size_t ParkedCommands::releaseIf(const Selector& select, Status status) {
    std::vector<CookieIface*> released;
    {
        MutexLock lock(mutex_);
        for (auto it = waits_.begin(); it != waits_.end();) {
            if (select(it->second.wait)) {
                released.push_back(it->second.cookie);
                it = waits_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (CookieIface* cookie : released) {
        // Parked means alive until notified (header, invariant 4); the cookie is only passed on.
        server_.notifyIoComplete(*cookie, status);
    }
    return released.size();
}

size_t ParkedCommands::timeOut(executor::TimePoint now) {
    return releaseIf([now](const Wait& wait) { return wait.deadline <= now; },
                     Status::TemporaryFailure);
}

bool ParkedCommands::disconnect(CookieIface& cookie) {
    {
        MutexLock lock(mutex_);
        if (waits_.erase(&cookie) == 0) {
            return false;
        }
    }
    server_.notifyIoComplete(cookie, Status::Disconnect);
    return true;
}

std::string ParkedCommands::describe(const CookieIface& cookie) const {
    MutexLock lock(mutex_);
    const auto found = waits_.find(&cookie);
    return found == waits_.end() ? std::string() : found->second.wait.describe();
}

size_t ParkedCommands::size() const {
    MutexLock lock(mutex_);
    return waits_.size();
}

}  // namespace eddy::engine
