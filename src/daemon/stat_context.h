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
//   - reset: the engine's counters, then the daemon's (total_connections, command timings);
//   - timings: the per-opcode command latencies of every front-end thread (timings_stat.h);
//   - connections [id]: every front-end thread describes its own connections in a job posted
//     to it, and the last job to finish notifies this command (connections_stat.h); the
//     re-driven step writes what they gathered.
// After a group's pairs, an empty key/value pair terminates the reply.
//
// Thread contract: owned by a Cookie, front-end thread only. Between steps it keeps only the
// connections group's shared result buffer; every step reads the request again and the engine
// finds what it parked in the cookie.
#pragma once

#include "daemon/command_context.h"
#include "daemon/connections_stat.h"

#include <memory>

namespace eddy::daemon {

class StatContext final : public SteppableCommandContext {
public:
    using SteppableCommandContext::SteppableCommandContext;

protected:
    Status step() override;

    void connectionClosed() override;

private:
    void addDaemonStats();
    /// STAT connections: filled by the front-end threads' jobs while the command waits.
    std::shared_ptr<ConnectionsResult> connections_;
    void resetDaemonStats();
};

}  // namespace eddy::daemon
