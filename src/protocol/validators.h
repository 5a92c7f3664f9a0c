// eddy — per-opcode request validation.
//
// Owns: validateRequest(), a pure function from a parsed client request (and what the connection
// has negotiated) to "ok" or the status to answer with. The rules are one table, one row per
// opcode (validators.cc): allowed extras lengths, whether a key is required / forbidden (and
// ≤ 250 bytes; a DCP connection name ≤ 200; a document key of a connection that negotiated
// Collections starts with a canonical LEB128 collection id that is not reserved), whether a value
// is allowed (and its size limit), which datatype bits may be set (JSON once negotiated; Snappy
// only on document values and once negotiated, the executor then checks and inflates it), and
// whether CAS is allowed. A frame that passes may be executed without further shape checks. Opcodes
// with no row are answered UnknownCommand. Checks run in a fixed order (magic, framing extras,
// opcode, extras, key, value, datatype, CAS) and the first failure is returned. The vbucket id is
// not checked yet.
//
// Thread contract: pure functions; the table is immutable.
#pragma once

#include "protocol/feature.h"
#include "protocol/frame.h"
#include "protocol/status.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace eddy::mcbp {

inline constexpr size_t kMaxKeyLength = 250;
/// With Collections: the longest key on the wire (collection-id prefix included), and the longest
/// logical key in a collection other than the default one.
inline constexpr size_t kMaxCollectionsKeyLength = 251;
inline constexpr size_t kMaxCollectionsLogicalKeyLength = 246;
/// The longest DCP_OPEN connection name.
inline constexpr size_t kMaxDcpNameLength = 200;

/// What a request is checked against. The size of a document value is not checked here: the
/// bucket's max_item_size is the one limit (E2BIG from the engine), and the frame parser bounds
/// every body by max_packet_size.
struct ValidationContext {
    FeatureSet features;
};

struct ValidationResult {
    ResponseStatus status = ResponseStatus::Success;
    /// Human-readable reason for a failure (sent as the XERROR context).
    std::string_view message;

    [[nodiscard]] bool ok() const { return status == ResponseStatus::Success; }
};

/// Validates one client request (magic 0x80 or 0x08) that parseFrame() returned whole. Any other
/// magic is Einval: a response frame from the client (to a DCP producer's DCP_NOOP) is for the
/// connection to route, never a request.
[[nodiscard]] ValidationResult validateRequest(const Frame& frame,
                                               const ValidationContext& context);

/// True when the validator table has a row for this opcode byte, i.e. the server accepts the
/// command at all; validateRequest() answers UnknownCommand for every other byte.
[[nodiscard]] bool hasValidator(uint8_t opcode);

/// True when `opcode`'s key names a document: once Collections is negotiated it starts with the
/// document's collection id (LEB128), which validateRequest() has checked.
[[nodiscard]] bool hasDocumentKey(uint8_t opcode);

/// Request frame-info ids (the framing extras of an alt request).
enum class FrameInfoId : uint8_t {
    Barrier = 0,
    DurabilityRequirement = 1,
    DcpStreamId = 2,
    OpenTracingContext = 3,
    Impersonate = 4,
    PreserveTtl = 5,
};

/// Walks the framing extras of an alt request: each object is id(4 bits) | length(4 bits), a
/// nibble of 15 escaping to the next byte. Returns Einval for a truncated or malformed encoding,
/// UnknownFrameInfo for an unknown id, NotSupported for a known id this server cannot honour
/// (everything but Barrier and PreserveTtl), Success otherwise.
[[nodiscard]] ValidationResult validateFrameInfos(std::string_view framing_extras);

/// Whether the (validated) framing extras carry a frame info `id`.
[[nodiscard]] bool hasFrameInfo(std::string_view framing_extras, FrameInfoId id);

}  // namespace eddy::mcbp
