// eddy — STAT.
//
// Owns: StatContext. The key names the group ("" = default) and its arguments. The engine's
// part of a group is asked first; an engine either writes all of its pairs in the call and
// returns Success, or writes none and returns WouldBlock (a slow group collected on a
// background task that never touches the cookie; on the re-drive it writes what the task
// gathered). The default group then adds the daemon's own counters, and an empty key/value pair
// terminates the reply. An unknown group is KEY_ENOENT.
//
// Thread contract: owned by a Cookie, front-end thread only.
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
};

}  // namespace eddy::daemon
