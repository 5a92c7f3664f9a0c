// eddy — MCBP response status codes (2 bytes on the wire).
// Thread contract: immutable values.
#pragma once

#include "eddy/status.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace eddy::mcbp {

enum class ResponseStatus : uint16_t {
    Success = 0x00,
    KeyEnoent = 0x01,
    KeyEexists = 0x02,
    E2big = 0x03,
    Einval = 0x04,
    NotStored = 0x05,
    DeltaBadval = 0x06,
    NotMyVbucket = 0x07,
    NoBucket = 0x08,
    Locked = 0x09,
    DcpStreamNotFound = 0x0a,
    OpaqueNoMatch = 0x0b,
    AuthStale = 0x1f,
    AuthError = 0x20,
    AuthContinue = 0x21,
    Erange = 0x22,
    Rollback = 0x23,
    Eaccess = 0x24,
    NotInitialized = 0x25,
    UnknownFrameInfo = 0x80,
    UnknownCommand = 0x81,
    Enomem = 0x82,
    NotSupported = 0x83,
    Einternal = 0x84,
    Ebusy = 0x85,
    Etmpfail = 0x86,
    XattrEinval = 0x87,
    UnknownCollection = 0x88,
    NoCollectionsManifest = 0x89,
    CannotApplyCollectionsManifest = 0x8a,
    UnknownScope = 0x8c,
    SubdocPathEnoent = 0xc0,
    SubdocPathMismatch = 0xc1,
    SubdocPathEinval = 0xc2,
    SubdocPathE2big = 0xc3,
    SubdocDocE2deep = 0xc4,
    SubdocValueCantinsert = 0xc5,
    SubdocDocNotJson = 0xc6,
    SubdocNumErange = 0xc7,
    SubdocDeltaEinval = 0xc8,
    SubdocPathEexists = 0xc9,
    SubdocValueEtoodeep = 0xca,
    SubdocInvalidCombo = 0xcb,
    SubdocMultiPathFailure = 0xcc,
    SubdocSuccessDeleted = 0xcd,
    SubdocXattrInvalidFlagCombo = 0xce,
    SubdocXattrInvalidKeyCombo = 0xcf,
    SubdocXattrUnknownMacro = 0xd0,
    SubdocXattrUnknownVattr = 0xd1,
    SubdocXattrCantModifyVattr = 0xd2,
    SubdocMultiPathFailureDeleted = 0xd3,
    SubdocInvalidXattrOrder = 0xd4,
    DurabilityInvalidLevel = 0xa0,
    DurabilityImpossible = 0xa1,
};

/// The single table from engine Status to wire status. WouldBlock has no wire form and maps to
/// Einternal (a front end that sends it has a bug; it is logged by the caller).
[[nodiscard]] ResponseStatus toResponseStatus(Status status);

/// "KEY_ENOENT", ... for every status in the error map; nullopt for unknown values.
[[nodiscard]] std::optional<std::string_view> statusName(ResponseStatus status);

}  // namespace eddy::mcbp
