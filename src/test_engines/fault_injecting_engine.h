// eddy — an EngineIface decorator that injects would_block and errors on demand.
//
// Owns: createFaultInjectingEngine(), which wraps any engine. Depending on its FaultMode, a call
// (every EngineIface call that takes a cookie, except disconnect) returns
// WouldBlock without reaching the wrapped engine and is completed later, from the decorator's own
// notifier thread, with notifyIoComplete(cookie, status). With status Success the front end
// drives the command again and the retry passes through to the wrapped engine; with an error
// the error is the command's result. This is how the integration suite runs every KV test over
// the asynchronous path. describeWait() says which fault a cookie it blocked waits for and asks
// the wrapped engine about any other.
//
// Control at run time: EWOULDBLOCK_CTL (0xfd), extras = mode(4) value(4) status(4) big-endian,
// handled by unknownCommand. `value` means: NextN → how many calls; Random → percent of calls;
// AlwaysAsync → notification delay in milliseconds. `status` is the eddy::Status NextN completes
// with.
//
// Thread contract: thread-safe; notifications are delivered from one internal thread, which the
// destructor drains (every pending notification is delivered) and joins.
#pragma once

#include "eddy/engine_iface.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace eddy::test_engines {

enum class FaultMode : uint32_t {
    Off = 0,
    NextN = 1,        ///< the next `value` calls block and complete with `status`
    Random = 2,       ///< `value` percent of calls block and complete with Success
    AlwaysAsync = 3,  ///< every call blocks first and completes with Success after `value` ms
};

struct FaultConfig {
    FaultMode mode = FaultMode::Off;
    uint32_t value = 0;
    Status status = Status::Success;
};

[[nodiscard]] std::unique_ptr<EngineIface> createFaultInjectingEngine(
    std::unique_ptr<EngineIface> inner, ServerApi& server, FaultConfig initial);

/// The name parseFaultMode() accepts for `mode`.
[[nodiscard]] std::string_view faultModeName(FaultMode mode);

/// "off", "next_n", "random", "always_async" → mode; nullopt otherwise.
[[nodiscard]] std::optional<FaultMode> parseFaultMode(std::string_view name);

}  // namespace eddy::test_engines
