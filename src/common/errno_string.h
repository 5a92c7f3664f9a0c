// eddy — the text of an errno value, safe on any thread.
//
// Owns: errnoString(), a thread-safe replacement for std::strerror (which may return a shared
// buffer), for the log and error messages of socket code that runs on several threads.
// Thread contract: pure function.
#pragma once

#include <string>

namespace eddy {

/// "Connection reset by peer", ... for `error` (an errno value).
[[nodiscard]] std::string errnoString(int error);

}  // namespace eddy
