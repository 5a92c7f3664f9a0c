// eddy — the daemon's own slow work (SASL steps, reloading the access files) off the front end.
//
// Owns: runInBackground(), which runs a function on an executor thread (of the group the task id
// names), under the daemon's taskable, and then notifies the command that asked for it.
//
// Semantics. The command returns WouldBlock right after calling runInBackground(). `work` runs
// once on an executor thread; it must capture everything it needs by value (or through a
// shared_ptr the command also holds) and never touch the cookie or its connection
// (ARCHITECTURE.md §1). When it returns, the cookie is notified Success and the command,
// re-driven on its own thread, reads what `work` produced. The notification comes exactly once:
// from the task after `work`, or, if the executor refused the task (shutting down) so that it
// never runs, from the task's destructor with TemporaryFailure.
//
// Thread contract: call on the cookie's front-end thread.
#pragma once

#include "executor/task_id.h"

#include <functional>
#include <string>

namespace eddy::daemon {

class Cookie;
class Server;

void runInBackground(Server& server, Cookie& cookie, executor::TaskId id, std::string description,
                     std::function<void()> work);

}  // namespace eddy::daemon
