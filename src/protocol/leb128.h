// eddy — unsigned LEB128, the collection-id prefix of a document key.
//
// Owns: encoding a 32-bit value as unsigned LEB128 (7 bits per byte, least significant group
// first, the high bit set on every byte but the last) and decoding it back. A key sent by a
// client that negotiated Collections starts with its collection id in this form; the engine keys
// every document this way (the default collection is the single byte 0x00).
//
// Only the canonical (shortest) form is accepted: `80 00` and `00` would otherwise name the same
// collection with two different keys. At most 5 bytes; a fifth byte above 0x0f overflows 32 bits.
//
// Thread contract: pure functions; safe from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace eddy::mcbp {

/// The longest encoding of a 32-bit value.
inline constexpr size_t kMaxLeb128Size = 5;

/// A value's encoding: `bytes[0..size)`.
struct Leb128 {
    std::array<char, kMaxLeb128Size> bytes{};
    size_t size = 0;
    [[nodiscard]] std::string_view view() const { return {bytes.data(), size}; }
};

[[nodiscard]] constexpr Leb128 encodeLeb128(uint32_t value) {
    Leb128 out;
    do {
        auto byte = static_cast<uint8_t>(value & 0x7fU);
        value >>= 7U;
        if (value != 0) {
            byte |= 0x80U;
        }
        out.bytes[out.size++] = static_cast<char>(byte);
    } while (value != 0);
    return out;
}

/// A decoded prefix: the value and how many bytes it took.
struct Leb128Prefix {
    uint32_t value = 0;
    size_t size = 0;
};

/// Why a prefix did not decode.
enum class Leb128Error : uint8_t {
    /// No byte without the continuation bit within the first five (or before the input ended).
    NoStopByte,
    /// More than 32 bits, or a longer encoding than the value needs.
    NotCanonical,
};

/// Decodes the canonical prefix of `bytes`; the rest of `bytes` is not looked at.
[[nodiscard]] constexpr std::optional<Leb128Prefix> decodeLeb128(std::string_view bytes,
                                                                 Leb128Error* error = nullptr) {
    uint64_t value = 0;
    for (size_t i = 0; i < bytes.size() && i < kMaxLeb128Size; ++i) {
        const auto byte = static_cast<uint8_t>(bytes[i]);
        value |= static_cast<uint64_t>(byte & 0x7fU) << (7 * i);
        if ((byte & 0x80U) == 0) {
            // A last byte of zero after others is padding (non-canonical), and so is anything
            // that does not fit 32 bits.
            if ((byte == 0 && i > 0) || value > UINT32_MAX) {
                if (error != nullptr) {
                    *error = Leb128Error::NotCanonical;
                }
                return std::nullopt;
            }
            return Leb128Prefix{static_cast<uint32_t>(value), i + 1};
        }
    }
    if (error != nullptr) {
        *error = Leb128Error::NoStopByte;
    }
    return std::nullopt;
}

}  // namespace eddy::mcbp
