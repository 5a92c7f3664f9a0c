// eddy — STAT.
//
// Owns: StatContext. The key is split at its first space into the group name and the group's
// arguments, and the group is looked up in the stat-group table (eddy/stat_groups.def.h):
//   - unknown → KEY_ENOENT, error context "Unknown stat group '<name>'";
//   - arguments that do not fit the group's syntax → EINVAL with a message saying what it takes;
//   - an engine group → EngineIface::getStats(cookie, group, arguments, add_stat). The engine
//     either writes all of its pairs in the call and returns Success, or writes none and
//     returns WouldBlock (a slow group collected on a background task that never touches the
//     cookie); the front end then re-drives this context on the notification and the engine
//     writes what the task gathered. Any other status is the response (with a context naming
//     the group);
//   - the default group "": the engine's part, then the daemon's own counters;
//   - reset: the engine's counters, then the daemon's (total_connections);
//   - timings and connections (daemon groups not implemented yet) → NOT_SUPPORTED.
// After a group's pairs, an empty key/value pair terminates the reply.
//
// Thread contract: owned by a Cookie, front-end thread only. It keeps no state between steps:
// every step reads the request again and the engine finds what it parked in the cookie.
#pragma once

#include "daemon/command_context.h"

namespace eddy::daemon {

class StatContext final : public SteppableCommandContext {
public:
    using SteppableCommandContext::SteppableCommandContext;

protected:
    Status step() override;

private:
    void addDaemonStats();
    void resetDaemonStats();
};

}  // namespace eddy::daemon
