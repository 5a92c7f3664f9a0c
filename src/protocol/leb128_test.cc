// eddy — tests of the unsigned LEB128 codec of collection ids: the documented examples, round
// trips, prefixes of longer keys, and every way a prefix is refused.
#include "protocol/leb128.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::mcbp {
namespace {

using namespace std::string_literals;

// The codec is usable in constant expressions.
static_assert(encodeLeb128(0x555).size == 2);
static_assert(encodeLeb128(0xffffffff).size == kMaxLeb128Size);
static_assert(decodeLeb128("\xd5\x0a").value().value == 0x555);

/// Expects `value` to encode as `bytes` and `bytes` to decode as `value`, all of them.
void expectCodec(uint32_t value, const std::string& bytes) {
    EXPECT_EQ(bytes, encodeLeb128(value).view()) << value;
    Leb128Error error = Leb128Error::NoStopByte;
    const auto decoded = decodeLeb128(bytes, &error);
    ASSERT_TRUE(decoded.has_value()) << value;
    EXPECT_EQ(value, decoded->value);
    EXPECT_EQ(bytes.size(), decoded->size);
}

/// Expects `bytes` to be refused for `expected`.
void expectRefused(const std::string& bytes, Leb128Error expected) {
    // Seeded with the other value so that the error must be written.
    Leb128Error error =
        expected == Leb128Error::NoStopByte ? Leb128Error::NotCanonical : Leb128Error::NoStopByte;
    EXPECT_FALSE(decodeLeb128(bytes, &error).has_value());
    EXPECT_EQ(expected, error);
    EXPECT_FALSE(decodeLeb128(bytes).has_value());  // without an error pointer
}

/// The length of `value`'s canonical encoding: one byte per started group of 7 bits.
size_t encodedSize(uint32_t value) {
    size_t size = 1;
    while (value >= 0x80) {
        value >>= 7;
        ++size;
    }
    return size;
}

TEST(Leb128Test, Examples) {
    expectCodec(0, "\x00"s);
    expectCodec(1, "\x01"s);
    expectCodec(0x7f, "\x7f"s);
    expectCodec(0x80, "\x80\x01"s);
    expectCodec(0x555, "\xd5\x0a"s);
    expectCodec(0x3fff, "\xff\x7f"s);
    expectCodec(0x4000, "\x80\x80\x01"s);
    expectCodec(0xffffffff, "\xff\xff\xff\xff\x0f"s);
}

TEST(Leb128Test, RoundTripAroundEveryPowerOfTwo) {
    std::vector<uint32_t> values{0, UINT32_MAX};
    for (unsigned bit = 0; bit < 32; ++bit) {
        const uint32_t power = uint32_t{1} << bit;
        values.insert(values.end(), {power - 1, power, power + 1});
    }
    for (const uint32_t value : values) {
        const Leb128 encoded = encodeLeb128(value);
        EXPECT_EQ(encodedSize(value), encoded.size) << value;
        const auto decoded = decodeLeb128(encoded.view());
        ASSERT_TRUE(decoded.has_value()) << value;
        EXPECT_EQ(value, decoded->value);
        EXPECT_EQ(encoded.size, decoded->size) << value;
    }
}

TEST(Leb128Test, OnlyTheCanonicalFormOfOneAndTwoByteStringsDecodes) {
    // Every string of one and two bytes: it decodes exactly when it is some value's encoding
    // (or starts with one, a single byte below 0x80).
    for (unsigned first = 0; first < 256; ++first) {
        for (unsigned second = 0; second < 256; ++second) {
            const std::string bytes{static_cast<char>(first), static_cast<char>(second)};
            const auto decoded = decodeLeb128(bytes);
            if (first < 0x80) {
                ASSERT_TRUE(decoded.has_value());
                EXPECT_EQ(first, decoded->value);
                EXPECT_EQ(1U, decoded->size);
            } else if (second >= 0x80) {
                EXPECT_FALSE(decoded.has_value());
            } else {
                ASSERT_EQ(second != 0, decoded.has_value()) << first << " " << second;
                if (decoded) {
                    EXPECT_EQ(bytes, encodeLeb128(decoded->value).view());
                    EXPECT_EQ(2U, decoded->size);
                }
            }
        }
    }
}

TEST(Leb128Test, PrefixOfALongerKey) {
    auto decoded = decodeLeb128("\x80\x01key"s);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(0x80U, decoded->value);
    EXPECT_EQ(2U, decoded->size);

    // The default collection's key: 0x00 then the document's name, which may hold any byte.
    decoded = decodeLeb128("\x00\x80\x00"s);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(0U, decoded->value);
    EXPECT_EQ(1U, decoded->size);

    // The longest prefix, followed by bytes that would be refused on their own.
    decoded = decodeLeb128("\xff\xff\xff\xff\x0f\x80\x80"s);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(UINT32_MAX, decoded->value);
    EXPECT_EQ(kMaxLeb128Size, decoded->size);
}

TEST(Leb128Test, RefusesEmptyInput) {
    expectRefused("", Leb128Error::NoStopByte);
}

TEST(Leb128Test, RefusesMissingStopByte) {
    expectRefused("\x80"s, Leb128Error::NoStopByte);
    expectRefused("\xff\xff\xff\xff"s, Leb128Error::NoStopByte);
}

TEST(Leb128Test, RefusesFiveContinuationBytes) {
    expectRefused("\x80\x80\x80\x80\x80"s, Leb128Error::NoStopByte);
    // A stop byte in the sixth place is not looked for.
    expectRefused("\x80\x80\x80\x80\x80\x01"s, Leb128Error::NoStopByte);
    expectRefused("\xff\xff\xff\xff\xff\x00"s, Leb128Error::NoStopByte);
}

TEST(Leb128Test, RefusesPadding) {
    expectRefused("\x80\x00"s, Leb128Error::NotCanonical);
    expectRefused("\x81\x80\x00"s, Leb128Error::NotCanonical);
    expectRefused("\x80\x80\x80\x80\x00"s, Leb128Error::NotCanonical);
    expectRefused("\xff\x80\x00key"s, Leb128Error::NotCanonical);
}

TEST(Leb128Test, RefusesMoreThan32Bits) {
    expectRefused("\xff\xff\xff\xff\x1f"s, Leb128Error::NotCanonical);
    expectRefused("\x80\x80\x80\x80\x10"s, Leb128Error::NotCanonical);
    expectRefused("\xff\xff\xff\xff\x7f"s, Leb128Error::NotCanonical);
}

}  // namespace
}  // namespace eddy::mcbp
