// eddy — opcode dispatch.
//
// Owns: executeCommand(), the table from client opcode to its executor. Simple commands (NOOP,
// VERSION, QUIT, VERBOSITY, HELLO, SASL_LIST_MECHS, GET_ERROR_MAP) answer at once; the others
// create their command context on the first execution and drive it on every execution.
// The request has passed validateRequest(), so executors do not re-check its shape.
//
// Thread contract: front-end thread of the cookie's connection.
#pragma once

#include "eddy/status.h"

#include <cstdint>

namespace eddy::daemon {

class Cookie;

/// Executes or resumes the cookie's command. Success: its response is queued (or suppressed);
/// WouldBlock: a notification will follow; anything else: the caller sends it as the response.
[[nodiscard]] Status executeCommand(Cookie& cookie);

/// True if the dispatch table has an executor for `opcode` (it must for every opcode that
/// mcbp::hasValidator accepts; executors_test.cc checks both tables agree).
[[nodiscard]] bool hasExecutor(uint8_t opcode);

}  // namespace eddy::daemon
