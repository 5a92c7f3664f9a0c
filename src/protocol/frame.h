// eddy — one MCBP frame: its 24-byte header decoded, and views of its body parts.
//
// Owns: Header (decoded fields, host byte order), Frame (header plus borrowed views of framing
// extras, extras, key and value) and parseFrame(), which takes bytes and yields one whole frame,
// "need more bytes", or a framing error after which the stream cannot be resynchronised.
//
// Wire layout (all integers big-endian):
//   0 magic | 1 opcode | 2-3 key length (alt magic: 2 framing-extras length, 3 key length)
//   4 extras length | 5 datatype | 6-7 vbucket (request) or status (response)
//   8-11 body length | 12-15 opaque | 16-23 cas
//   body = framing extras + extras + key + value
//
// Thread contract: pure functions over caller-owned bytes; a Frame borrows them.
#pragma once

#include "protocol/magic.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace eddy::mcbp {

inline constexpr size_t kHeaderSize = 24;

struct Header {
    Magic magic = Magic::ClientRequest;
    uint8_t opcode = 0;
    uint8_t framing_extras_length = 0;
    uint16_t key_length = 0;
    uint8_t extras_length = 0;
    uint8_t datatype = 0;
    /// vbucket id for requests, status for responses.
    uint16_t vbucket_or_status = 0;
    uint32_t body_length = 0;
    uint32_t opaque = 0;
    uint64_t cas = 0;
};

struct Frame {
    Header header;
    std::string_view framing_extras;
    std::string_view extras;
    std::string_view key;
    std::string_view value;
    /// The whole frame, header included.
    std::string_view bytes;
};

enum class ParseStatus {
    Ok,            ///< `frame` holds one whole frame of `frame.bytes.size()` bytes
    NeedMoreData,  ///< fewer bytes than a whole frame; `needed` says how many in all
    BadMagic,      ///< the first byte is no MCBP magic
    BadLengths,    ///< body length smaller than framing extras + extras + key
    TooLarge,      ///< body length over the caller's limit
};

struct ParseResult {
    ParseStatus status = ParseStatus::NeedMoreData;
    Frame frame;
    /// For NeedMoreData: total bytes the frame needs (24 until the header is complete).
    size_t needed = kHeaderSize;
};

/// Decodes the 24-byte header at the start of `bytes` (which must hold at least kHeaderSize).
/// Checks nothing but the magic's framing layout.
[[nodiscard]] Header decodeHeader(std::span<const uint8_t> bytes);

/// Parses the first frame of `bytes`. Errors other than NeedMoreData are fatal to the stream:
/// the header that caused them still decodes (`frame.header`), so a response can echo its opaque.
[[nodiscard]] ParseResult parseFrame(std::string_view bytes, size_t max_body_length);

}  // namespace eddy::mcbp
