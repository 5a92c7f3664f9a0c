// eddy — MCBP magic bytes.
// Thread contract: immutable values.
#pragma once

#include <cstdint>

namespace eddy::mcbp {

enum class Magic : uint8_t {
    ClientRequest = 0x80,
    ClientResponse = 0x81,
    AltClientRequest = 0x08,   ///< request with framing extras (HELLO AltRequestSupport)
    AltClientResponse = 0x18,  ///< response with framing extras
    ServerRequest = 0x82,      ///< server-initiated request (duplex)
    ServerResponse = 0x83,     ///< client's response to a server request
};

[[nodiscard]] constexpr bool isKnownMagic(uint8_t byte) {
    switch (static_cast<Magic>(byte)) {
    case Magic::ClientRequest:
    case Magic::ClientResponse:
    case Magic::AltClientRequest:
    case Magic::AltClientResponse:
    case Magic::ServerRequest:
    case Magic::ServerResponse: return true;
    }
    return false;
}

/// Alt magics carry a framing-extras length in byte 2 and a one-byte key length in byte 3.
[[nodiscard]] constexpr bool hasFramingExtras(Magic magic) {
    return magic == Magic::AltClientRequest || magic == Magic::AltClientResponse;
}

[[nodiscard]] constexpr bool isRequest(Magic magic) {
    return magic == Magic::ClientRequest || magic == Magic::AltClientRequest ||
           magic == Magic::ServerRequest;
}

/// A response frame (0x81 or 0x18). Sent by a client only to answer a request the server sent
/// it: a DCP producer's DCP_NOOP, say.
[[nodiscard]] constexpr bool isResponse(Magic magic) {
    return magic == Magic::ClientResponse || magic == Magic::AltClientResponse;
}

}  // namespace eddy::mcbp
