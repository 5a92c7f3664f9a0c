// eddy — building MCBP frames.
//
// Owns: encodeResponseHeader() (the server's hot path: a header into a 24-byte array, parts sent
// separately so a value can be queued without a copy) and appendRequest()/appendResponse()
// (whole frames into a std::string, for tools, tests and small responses).
// Thread contract: pure functions over caller-owned buffers.
#pragma once

#include "protocol/frame.h"
#include "protocol/status.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace eddy::mcbp {

struct ResponseHeaderFields {
    uint8_t opcode = 0;
    ResponseStatus status = ResponseStatus::Success;
    uint32_t opaque = 0;
    uint64_t cas = 0;
    uint8_t datatype = 0;
    uint8_t extras_length = 0;
    uint16_t key_length = 0;
    uint32_t value_length = 0;
};

/// A 0x81 response header for a body of extras + key + value.
[[nodiscard]] std::array<uint8_t, kHeaderSize> encodeResponseHeader(
    const ResponseHeaderFields& fields);

/// Appends a whole 0x81 response.
void appendResponse(std::string& out, const ResponseHeaderFields& fields, std::string_view extras,
                    std::string_view key, std::string_view value);

struct RequestFields {
    Magic magic = Magic::ClientRequest;
    uint8_t opcode = 0;
    uint16_t vbucket = 0;
    uint32_t opaque = 0;
    uint64_t cas = 0;
    uint8_t datatype = 0;
};

/// Appends a whole request; framing extras are used only with Magic::AltClientRequest.
void appendRequest(std::string& out, const RequestFields& fields, std::string_view extras,
                   std::string_view key, std::string_view value,
                   std::string_view framing_extras = {});

/// Big-endian helpers for extras.
void appendUint16(std::string& out, uint16_t value);
void appendUint32(std::string& out, uint32_t value);
void appendUint64(std::string& out, uint64_t value);
[[nodiscard]] uint16_t readUint16(std::string_view bytes, size_t offset);
[[nodiscard]] uint32_t readUint32(std::string_view bytes, size_t offset);
[[nodiscard]] uint64_t readUint64(std::string_view bytes, size_t offset);

}  // namespace eddy::mcbp
