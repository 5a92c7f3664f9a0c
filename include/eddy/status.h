// eddy — the engine status code.
//
// Owns: eddy::Status, the one result type of every engine call and of the front end's command
// execution. Values follow kv_engine's engine_errc numbering so logs read the same way. The
// mapping to MCBP response status lives in one table in src/protocol/status.cc.
// Thread contract: immutable values.
#pragma once

#include <cstdint>
#include <string_view>

namespace eddy {

// clang-format 14 misreads an attribute before the underlying type, hence the guard.
// clang-format off
enum class [[nodiscard]] Status : uint8_t {
    // clang-format on
    Success = 0x00,
    KeyNotFound = 0x01,
    KeyExists = 0x02,
    NoMemory = 0x03,
    NotStored = 0x04,
    InvalidArguments = 0x05,
    NotSupported = 0x06,
    /// The engine has scheduled work and will call ServerApi::notifyIoComplete exactly once.
    WouldBlock = 0x07,
    TooBig = 0x08,
    Disconnect = 0x0a,
    NoAccess = 0x0b,
    NotMyVbucket = 0x0c,
    TemporaryFailure = 0x0d,
    OutOfRange = 0x0e,
    Rollback = 0x0f,
    NoBucket = 0x10,
    TooBusy = 0x11,
    DeltaBadValue = 0x13,
    Locked = 0x14,
    LockedTmpfail = 0x15,
    Failed = 0xff,
};

/// A short, stable, lower-case name ("success", "key_not_found", ...) for logs and stats.
std::string_view toString(Status status);

}  // namespace eddy
