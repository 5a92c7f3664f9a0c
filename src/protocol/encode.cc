#include "protocol/encode.h"

namespace eddy::mcbp {

namespace {

void put16(uint8_t* out, uint16_t value) {
    out[0] = static_cast<uint8_t>(value >> 8);
    out[1] = static_cast<uint8_t>(value);
}

void put32(uint8_t* out, uint32_t value) {
    out[0] = static_cast<uint8_t>(value >> 24);
    out[1] = static_cast<uint8_t>(value >> 16);
    out[2] = static_cast<uint8_t>(value >> 8);
    out[3] = static_cast<uint8_t>(value);
}

void put64(uint8_t* out, uint64_t value) {
    put32(out, static_cast<uint32_t>(value >> 32));
    put32(out + 4, static_cast<uint32_t>(value));
}

}  // namespace

std::array<uint8_t, kHeaderSize> encodeResponseHeader(const ResponseHeaderFields& fields) {
    std::array<uint8_t, kHeaderSize> header{};
    header[0] = static_cast<uint8_t>(Magic::ClientResponse);
    header[1] = fields.opcode;
    put16(&header[2], fields.key_length);
    header[4] = fields.extras_length;
    header[5] = fields.datatype;
    put16(&header[6], static_cast<uint16_t>(fields.status));
    put32(&header[8], uint32_t{fields.extras_length} + fields.key_length + fields.value_length);
    put32(&header[12], fields.opaque);
    put64(&header[16], fields.cas);
    return header;
}

void appendResponse(std::string& out, const ResponseHeaderFields& fields, std::string_view extras,
                    std::string_view key, std::string_view value) {
    ResponseHeaderFields sized = fields;
    sized.extras_length = static_cast<uint8_t>(extras.size());
    sized.key_length = static_cast<uint16_t>(key.size());
    sized.value_length = static_cast<uint32_t>(value.size());
    const auto header = encodeResponseHeader(sized);
    out.append(reinterpret_cast<const char*>(header.data()), header.size());
    out.append(extras).append(key).append(value);
}

void appendRequest(std::string& out, const RequestFields& fields, std::string_view extras,
                   std::string_view key, std::string_view value, std::string_view framing_extras) {
    std::array<uint8_t, kHeaderSize> header{};
    const bool alt = hasFramingExtras(fields.magic);
    header[0] = static_cast<uint8_t>(fields.magic);
    header[1] = fields.opcode;
    if (alt) {
        header[2] = static_cast<uint8_t>(framing_extras.size());
        header[3] = static_cast<uint8_t>(key.size());
    } else {
        framing_extras = {};
        put16(&header[2], static_cast<uint16_t>(key.size()));
    }
    header[4] = static_cast<uint8_t>(extras.size());
    header[5] = fields.datatype;
    put16(&header[6], fields.vbucket);
    put32(&header[8],
          static_cast<uint32_t>(framing_extras.size() + extras.size() + key.size() + value.size()));
    put32(&header[12], fields.opaque);
    put64(&header[16], fields.cas);
    out.append(reinterpret_cast<const char*>(header.data()), header.size());
    out.append(framing_extras).append(extras).append(key).append(value);
}

void appendUint16(std::string& out, uint16_t value) {
    uint8_t bytes[2];
    put16(bytes, value);
    out.append(reinterpret_cast<const char*>(bytes), sizeof(bytes));
}

void appendUint32(std::string& out, uint32_t value) {
    uint8_t bytes[4];
    put32(bytes, value);
    out.append(reinterpret_cast<const char*>(bytes), sizeof(bytes));
}

void appendUint64(std::string& out, uint64_t value) {
    uint8_t bytes[8];
    put64(bytes, value);
    out.append(reinterpret_cast<const char*>(bytes), sizeof(bytes));
}

uint16_t readUint16(std::string_view bytes, size_t offset) {
    const auto* raw = reinterpret_cast<const uint8_t*>(bytes.data()) + offset;
    return static_cast<uint16_t>((raw[0] << 8) | raw[1]);
}

uint32_t readUint32(std::string_view bytes, size_t offset) {
    const auto* raw = reinterpret_cast<const uint8_t*>(bytes.data()) + offset;
    return (uint32_t{raw[0]} << 24) | (uint32_t{raw[1]} << 16) | (uint32_t{raw[2]} << 8) |
           uint32_t{raw[3]};
}

uint64_t readUint64(std::string_view bytes, size_t offset) {
    return (uint64_t{readUint32(bytes, offset)} << 32) | readUint32(bytes, offset + 4);
}

}  // namespace eddy::mcbp
