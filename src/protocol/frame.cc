#include "protocol/frame.h"

#include "protocol/encode.h"

namespace eddy::mcbp {

Header decodeHeader(std::span<const uint8_t> bytes) {
    Header header;
    header.magic = static_cast<Magic>(bytes[0]);
    header.opcode = bytes[1];
    if (hasFramingExtras(header.magic)) {
        header.framing_extras_length = bytes[2];
        header.key_length = bytes[3];
    } else {
        header.key_length = static_cast<uint16_t>((bytes[2] << 8) | bytes[3]);
    }
    header.extras_length = bytes[4];
    header.datatype = bytes[5];
    header.vbucket_or_status = static_cast<uint16_t>((bytes[6] << 8) | bytes[7]);
    header.body_length = (uint32_t{bytes[8]} << 24) | (uint32_t{bytes[9]} << 16) |
                         (uint32_t{bytes[10]} << 8) | uint32_t{bytes[11]};
    header.opaque = (uint32_t{bytes[12]} << 24) | (uint32_t{bytes[13]} << 16) |
                    (uint32_t{bytes[14]} << 8) | uint32_t{bytes[15]};
    header.cas = 0;
    for (size_t i = 16; i < 24; ++i) {
        header.cas = (header.cas << 8) | bytes[i];
    }
    return header;
}

ParseResult parseFrame(std::string_view bytes, size_t max_body_length) {
    ParseResult result;
    if (bytes.empty()) {
        return result;
    }
    if (!isKnownMagic(static_cast<uint8_t>(bytes[0]))) {
        result.status = ParseStatus::BadMagic;
        return result;
    }
    if (bytes.size() < kHeaderSize) {
        return result;
    }
    const auto* raw = reinterpret_cast<const uint8_t*>(bytes.data());
    const Header header = decodeHeader({raw, kHeaderSize});
    result.frame.header = header;

    const uint64_t parts =
        uint64_t{header.framing_extras_length} + header.extras_length + header.key_length;
    if (parts > header.body_length) {
        result.status = ParseStatus::BadLengths;
        return result;
    }
    if (header.body_length > max_body_length) {
        result.status = ParseStatus::TooLarge;
        return result;
    }
    const size_t total = kHeaderSize + header.body_length;
    if (bytes.size() < total) {
        result.needed = total;
        return result;
    }

    Frame& frame = result.frame;
    frame.bytes = bytes.substr(0, total);
    size_t offset = kHeaderSize;
    frame.framing_extras = bytes.substr(offset, header.framing_extras_length);
    offset += header.framing_extras_length;
    frame.extras = bytes.substr(offset, header.extras_length);
    offset += header.extras_length;
    frame.key = bytes.substr(offset, header.key_length);
    offset += header.key_length;
    frame.value = bytes.substr(offset, total - offset);
    result.status = ParseStatus::Ok;
    result.needed = total;
    return result;
}

}  // namespace eddy::mcbp
