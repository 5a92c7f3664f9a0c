#include "protocol/frame.h"

#include "protocol/encode.h"
#include "protocol/opcode.h"

#include <gtest/gtest.h>

#include <string>

namespace eddy::mcbp {
namespace {

constexpr size_t kNoLimit = 1024 * 1024;

std::string setRequest() {
    std::string out;
    RequestFields fields;
    fields.opcode = static_cast<uint8_t>(ClientOpcode::Set);
    fields.vbucket = 0x0203;
    fields.opaque = 0xdeadbeef;
    fields.cas = 0x0102030405060708ULL;
    fields.datatype = 0x01;
    appendRequest(out, fields, std::string(8, 'e'), "key", "value");
    return out;
}

/// A 24-byte header with arbitrary length fields (no body).
std::string rawHeader(uint8_t magic, uint16_t key_length, uint8_t extras_length,
                      uint32_t body_length) {
    std::string out(kHeaderSize, '\0');
    out[0] = static_cast<char>(magic);
    out[2] = static_cast<char>(key_length >> 8);
    out[3] = static_cast<char>(key_length & 0xff);
    out[4] = static_cast<char>(extras_length);
    out[8] = static_cast<char>(body_length >> 24);
    out[9] = static_cast<char>(body_length >> 16);
    out[10] = static_cast<char>(body_length >> 8);
    out[11] = static_cast<char>(body_length);
    out[12] = 0x11;
    out[15] = 0x44;
    return out;
}

TEST(FrameTest, EmptyInputNeedsAHeader) {
    const ParseResult result = parseFrame({}, kNoLimit);
    EXPECT_EQ(ParseStatus::NeedMoreData, result.status);
    EXPECT_EQ(kHeaderSize, result.needed);
}

TEST(FrameTest, NeedMoreDataAtEveryPrefixLength) {
    const std::string frame = setRequest();
    for (size_t length = 0; length < frame.size(); ++length) {
        SCOPED_TRACE(length);
        const ParseResult result = parseFrame(std::string_view(frame).substr(0, length), kNoLimit);
        ASSERT_EQ(ParseStatus::NeedMoreData, result.status);
        EXPECT_EQ(length < kHeaderSize ? kHeaderSize : frame.size(), result.needed);
    }
    EXPECT_EQ(ParseStatus::Ok, parseFrame(frame, kNoLimit).status);
}

TEST(FrameTest, ParsesExactViews) {
    const std::string frame = setRequest();
    const ParseResult result = parseFrame(frame, kNoLimit);
    ASSERT_EQ(ParseStatus::Ok, result.status);
    const Frame& parsed = result.frame;
    EXPECT_EQ(frame.size(), result.needed);
    EXPECT_EQ(frame.data(), parsed.bytes.data());
    EXPECT_EQ(frame.size(), parsed.bytes.size());
    EXPECT_TRUE(parsed.framing_extras.empty());
    EXPECT_EQ(frame.data() + kHeaderSize, parsed.extras.data());
    EXPECT_EQ(std::string(8, 'e'), parsed.extras);
    EXPECT_EQ(frame.data() + kHeaderSize + 8, parsed.key.data());
    EXPECT_EQ("key", parsed.key);
    EXPECT_EQ(frame.data() + kHeaderSize + 11, parsed.value.data());
    EXPECT_EQ("value", parsed.value);

    const Header& header = parsed.header;
    EXPECT_EQ(Magic::ClientRequest, header.magic);
    EXPECT_EQ(static_cast<uint8_t>(ClientOpcode::Set), header.opcode);
    EXPECT_EQ(0, header.framing_extras_length);
    EXPECT_EQ(3, header.key_length);
    EXPECT_EQ(8, header.extras_length);
    EXPECT_EQ(0x01, header.datatype);
    EXPECT_EQ(0x0203, header.vbucket_or_status);
    EXPECT_EQ(16u, header.body_length);
    EXPECT_EQ(0xdeadbeefu, header.opaque);
    EXPECT_EQ(0x0102030405060708ULL, header.cas);
}

TEST(FrameTest, StopsAtTheFirstFrameOfAPipeline) {
    std::string bytes = setRequest();
    const size_t first = bytes.size();
    RequestFields noop;
    noop.opcode = static_cast<uint8_t>(ClientOpcode::Noop);
    noop.opaque = 7;
    appendRequest(bytes, noop, {}, {}, {});
    bytes.push_back('\x80');  // the start of a third frame

    ParseResult result = parseFrame(bytes, kNoLimit);
    ASSERT_EQ(ParseStatus::Ok, result.status);
    EXPECT_EQ(first, result.frame.bytes.size());
    EXPECT_EQ("value", result.frame.value);

    std::string_view rest = std::string_view(bytes).substr(first);
    result = parseFrame(rest, kNoLimit);
    ASSERT_EQ(ParseStatus::Ok, result.status);
    EXPECT_EQ(kHeaderSize, result.frame.bytes.size());
    EXPECT_EQ(7u, result.frame.header.opaque);
    EXPECT_TRUE(result.frame.value.empty());

    rest.remove_prefix(kHeaderSize);
    EXPECT_EQ(ParseStatus::NeedMoreData, parseFrame(rest, kNoLimit).status);
}

TEST(FrameTest, BadMagicIsReportedFromTheFirstByte) {
    for (uint8_t magic : {0x00, 0x01, 0x7f, 0x84, 0xff}) {
        SCOPED_TRACE(static_cast<int>(magic));
        const std::string one(1, static_cast<char>(magic));
        EXPECT_EQ(ParseStatus::BadMagic, parseFrame(one, kNoLimit).status);
        EXPECT_EQ(ParseStatus::BadMagic, parseFrame(rawHeader(magic, 0, 0, 0), kNoLimit).status);
    }
}

TEST(FrameTest, EveryKnownMagicParses) {
    for (uint8_t magic : {0x80, 0x81, 0x08, 0x18, 0x82, 0x83}) {
        SCOPED_TRACE(static_cast<int>(magic));
        EXPECT_EQ(ParseStatus::Ok, parseFrame(rawHeader(magic, 0, 0, 0), kNoLimit).status);
    }
}

TEST(FrameTest, BodyShorterThanItsPartsIsBadLengths) {
    // key 10 + extras 4 > body 13; detected from the header alone, before the body arrives.
    const std::string header = rawHeader(0x80, 10, 4, 13);
    const ParseResult result = parseFrame(header, kNoLimit);
    EXPECT_EQ(ParseStatus::BadLengths, result.status);
    EXPECT_EQ(0x11000044u, result.frame.header.opaque);

    EXPECT_EQ(ParseStatus::NeedMoreData, parseFrame(rawHeader(0x80, 10, 4, 14), kNoLimit).status);
}

TEST(FrameTest, AltFramingExtrasCountTowardsTheParts) {
    std::string header = rawHeader(0x08, 0, 0, 2);
    header[2] = 2;  // framing extras
    header[3] = 1;  // key
    EXPECT_EQ(ParseStatus::BadLengths, parseFrame(header, kNoLimit).status);
}

TEST(FrameTest, BodyOverTheLimitIsTooLarge) {
    const std::string header = rawHeader(0x80, 0, 0, 1001);
    const ParseResult result = parseFrame(header, 1000);
    EXPECT_EQ(ParseStatus::TooLarge, result.status);
    EXPECT_EQ(0x11000044u, result.frame.header.opaque);

    const ParseResult at_limit = parseFrame(rawHeader(0x80, 0, 0, 1000), 1000);
    EXPECT_EQ(ParseStatus::NeedMoreData, at_limit.status);
    EXPECT_EQ(kHeaderSize + 1000, at_limit.needed);
}

TEST(FrameTest, HugeBodyLengthDoesNotOverflow) {
    const ParseResult result = parseFrame(rawHeader(0x80, 0xffff, 0xff, 0xffffffff), SIZE_MAX);
    EXPECT_EQ(ParseStatus::NeedMoreData, result.status);
    EXPECT_EQ(kHeaderSize + 0xffffffffULL, result.needed);
}

TEST(FrameTest, AltRequestLayout) {
    std::string frame;
    RequestFields fields;
    fields.magic = Magic::AltClientRequest;
    fields.opcode = static_cast<uint8_t>(ClientOpcode::Get);
    fields.vbucket = 9;
    appendRequest(frame, fields, {}, "k1", "", std::string("\x00\x11\x01", 3));

    ASSERT_EQ(0x08, static_cast<uint8_t>(frame[0]));
    EXPECT_EQ(3, frame[2]);  // framing extras length
    EXPECT_EQ(2, frame[3]);  // one-byte key length

    const ParseResult result = parseFrame(frame, kNoLimit);
    ASSERT_EQ(ParseStatus::Ok, result.status);
    const Frame& parsed = result.frame;
    EXPECT_EQ(Magic::AltClientRequest, parsed.header.magic);
    EXPECT_EQ(3, parsed.header.framing_extras_length);
    EXPECT_EQ(2, parsed.header.key_length);
    EXPECT_EQ(9, parsed.header.vbucket_or_status);
    EXPECT_EQ(std::string_view("\x00\x11\x01", 3), parsed.framing_extras);
    EXPECT_EQ(frame.data() + kHeaderSize, parsed.framing_extras.data());
    EXPECT_TRUE(parsed.extras.empty());
    EXPECT_EQ("k1", parsed.key);
    EXPECT_TRUE(parsed.value.empty());
}

TEST(FrameTest, StandardMagicReadsASixteenBitKeyLength) {
    std::string frame;
    RequestFields fields;
    appendRequest(frame, fields, {}, std::string(300, 'k'), "v");
    const ParseResult result = parseFrame(frame, kNoLimit);
    ASSERT_EQ(ParseStatus::Ok, result.status);
    EXPECT_EQ(300, result.frame.header.key_length);
    EXPECT_EQ(0, result.frame.header.framing_extras_length);
    EXPECT_EQ(std::string(300, 'k'), result.frame.key);
    EXPECT_EQ("v", result.frame.value);
}

TEST(FrameTest, DecodeHeaderReadsEveryField) {
    const uint8_t raw[kHeaderSize] = {0x81, 0x1f, 0x00, 0x05, 0x04, 0x01, 0x00, 0x86,
                                      0x00, 0x00, 0x01, 0x02, 0x01, 0x02, 0x03, 0x04,
                                      0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88};
    const Header header = decodeHeader(raw);
    EXPECT_EQ(Magic::ClientResponse, header.magic);
    EXPECT_EQ(0x1f, header.opcode);
    EXPECT_EQ(5, header.key_length);
    EXPECT_EQ(4, header.extras_length);
    EXPECT_EQ(1, header.datatype);
    EXPECT_EQ(0x86, header.vbucket_or_status);
    EXPECT_EQ(0x0102u, header.body_length);
    EXPECT_EQ(0x01020304u, header.opaque);
    EXPECT_EQ(0xffeeddccbbaa9988ULL, header.cas);
}

}  // namespace
}  // namespace eddy::mcbp
