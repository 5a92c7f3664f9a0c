#include "protocol/encode.h"

#include "protocol/opcode.h"

#include <gtest/gtest.h>

#include <string>

namespace eddy::mcbp {
namespace {

constexpr size_t kNoLimit = 1024 * 1024;

TEST(EncodeTest, RequestRoundTrip) {
    RequestFields fields;
    fields.opcode = static_cast<uint8_t>(ClientOpcode::Replace);
    fields.vbucket = 1023;
    fields.opaque = 0x01020304;
    fields.cas = 0xfedcba9876543210ULL;
    fields.datatype = 0x01;
    std::string out = "prefix";
    appendRequest(out, fields, "12345678", "the-key", "{\"a\":1}");

    const ParseResult result = parseFrame(std::string_view(out).substr(6), kNoLimit);
    ASSERT_EQ(ParseStatus::Ok, result.status);
    const Frame& frame = result.frame;
    EXPECT_EQ(out.size() - 6, frame.bytes.size());
    EXPECT_EQ(Magic::ClientRequest, frame.header.magic);
    EXPECT_EQ(fields.opcode, frame.header.opcode);
    EXPECT_EQ(fields.vbucket, frame.header.vbucket_or_status);
    EXPECT_EQ(fields.opaque, frame.header.opaque);
    EXPECT_EQ(fields.cas, frame.header.cas);
    EXPECT_EQ(fields.datatype, frame.header.datatype);
    EXPECT_EQ("12345678", frame.extras);
    EXPECT_EQ("the-key", frame.key);
    EXPECT_EQ("{\"a\":1}", frame.value);
}

TEST(EncodeTest, AltRequestRoundTrip) {
    RequestFields fields;
    fields.magic = Magic::AltClientRequest;
    fields.opcode = static_cast<uint8_t>(ClientOpcode::Set);
    std::string out;
    appendRequest(out, fields, std::string(8, '\0'), "k", "v", std::string(1, '\0'));

    const ParseResult result = parseFrame(out, kNoLimit);
    ASSERT_EQ(ParseStatus::Ok, result.status);
    EXPECT_EQ(Magic::AltClientRequest, result.frame.header.magic);
    EXPECT_EQ(std::string(1, '\0'), result.frame.framing_extras);
    EXPECT_EQ(std::string(8, '\0'), result.frame.extras);
    EXPECT_EQ("k", result.frame.key);
    EXPECT_EQ("v", result.frame.value);
    EXPECT_EQ(1u + 8 + 1 + 1, result.frame.header.body_length);
}

TEST(EncodeTest, StandardRequestDropsFramingExtras) {
    RequestFields fields;
    std::string out;
    appendRequest(out, fields, {}, "k", {}, "\x01");
    EXPECT_EQ(kHeaderSize + 1, out.size());
    const ParseResult result = parseFrame(out, kNoLimit);
    ASSERT_EQ(ParseStatus::Ok, result.status);
    EXPECT_TRUE(result.frame.framing_extras.empty());
    EXPECT_EQ("k", result.frame.key);
}

TEST(EncodeTest, ResponseHeaderLayout) {
    ResponseHeaderFields fields;
    fields.opcode = 0x0b;
    fields.status = ResponseStatus::Etmpfail;
    fields.opaque = 0xa1b2c3d4;
    fields.cas = 0x1122334455667788ULL;
    fields.datatype = 0x01;
    fields.extras_length = 4;
    fields.key_length = 0x0102;
    fields.value_length = 0x00010000;
    const auto header = encodeResponseHeader(fields);

    EXPECT_EQ(0x81, header[0]);
    EXPECT_EQ(0x0b, header[1]);
    EXPECT_EQ(0x01, header[2]);
    EXPECT_EQ(0x02, header[3]);
    EXPECT_EQ(4, header[4]);
    EXPECT_EQ(0x01, header[5]);
    EXPECT_EQ(0x00, header[6]);
    EXPECT_EQ(0x86, header[7]);
    // body = 4 + 0x102 + 0x10000
    EXPECT_EQ(0x00, header[8]);
    EXPECT_EQ(0x01, header[9]);
    EXPECT_EQ(0x01, header[10]);
    EXPECT_EQ(0x06, header[11]);
    EXPECT_EQ(0xa1, header[12]);
    EXPECT_EQ(0xd4, header[15]);
    EXPECT_EQ(0x11, header[16]);
    EXPECT_EQ(0x88, header[23]);

    const std::string_view bytes(reinterpret_cast<const char*>(header.data()), header.size());
    const ParseResult result = parseFrame(bytes, SIZE_MAX);
    ASSERT_EQ(ParseStatus::NeedMoreData, result.status);
    EXPECT_EQ(Magic::ClientResponse, result.frame.header.magic);
    EXPECT_EQ(0x86, result.frame.header.vbucket_or_status);
    EXPECT_EQ(kHeaderSize + 4 + 0x102 + 0x10000, result.needed);
}

TEST(EncodeTest, ResponseRoundTripSizesFromTheParts) {
    ResponseHeaderFields fields;
    fields.opcode = static_cast<uint8_t>(ClientOpcode::Getk);
    fields.status = ResponseStatus::Success;
    fields.opaque = 42;
    fields.cas = 99;
    fields.extras_length = 200;  // ignored: appendResponse sizes from the parts
    fields.value_length = 1;
    std::string out;
    appendResponse(out, fields, "flag", "key", "value");

    const ParseResult result = parseFrame(out, kNoLimit);
    ASSERT_EQ(ParseStatus::Ok, result.status);
    EXPECT_EQ(out.size(), result.frame.bytes.size());
    EXPECT_EQ(Magic::ClientResponse, result.frame.header.magic);
    EXPECT_EQ(static_cast<uint16_t>(ResponseStatus::Success),
              result.frame.header.vbucket_or_status);
    EXPECT_EQ(42u, result.frame.header.opaque);
    EXPECT_EQ(99u, result.frame.header.cas);
    EXPECT_EQ("flag", result.frame.extras);
    EXPECT_EQ("key", result.frame.key);
    EXPECT_EQ("value", result.frame.value);
}

TEST(EncodeTest, ErrorResponseCarriesTheStatus) {
    ResponseHeaderFields fields;
    fields.status = ResponseStatus::KeyEnoent;
    std::string out;
    appendResponse(out, fields, {}, {}, "Not found");
    const ParseResult result = parseFrame(out, kNoLimit);
    ASSERT_EQ(ParseStatus::Ok, result.status);
    EXPECT_EQ(0x0001, result.frame.header.vbucket_or_status);
    EXPECT_EQ("Not found", result.frame.value);
}

TEST(EncodeTest, BigEndianIntegers) {
    std::string out;
    appendUint16(out, 0x0102);
    appendUint32(out, 0x03040506);
    appendUint64(out, 0x0708090a0b0c0d0eULL);
    ASSERT_EQ(14u, out.size());
    EXPECT_EQ(std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e", 14), out);
    EXPECT_EQ(0x0102, readUint16(out, 0));
    EXPECT_EQ(0x03040506u, readUint32(out, 2));
    EXPECT_EQ(0x0708090a0b0c0d0eULL, readUint64(out, 6));
}

TEST(EncodeTest, IntegerRoundTripAtTheExtremes) {
    for (uint64_t value : {0ULL, 1ULL, 0x80ULL, 0xffULL, 0x8000000000000000ULL, ~0ULL}) {
        std::string out;
        appendUint16(out, static_cast<uint16_t>(value));
        appendUint32(out, static_cast<uint32_t>(value));
        appendUint64(out, value);
        EXPECT_EQ(static_cast<uint16_t>(value), readUint16(out, 0));
        EXPECT_EQ(static_cast<uint32_t>(value), readUint32(out, 2));
        EXPECT_EQ(value, readUint64(out, 6));
    }
}

}  // namespace
}  // namespace eddy::mcbp
