// eddy — tests of the xattr codec: keys, validation of malformed sections, decode/encode, edits.
#include "xattr/blob.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace eddy::xattr;
using namespace std::string_literals;

namespace {

std::string be32(uint32_t value) {
    return {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
            static_cast<char>(value >> 8), static_cast<char>(value)};
}

/// A well-formed pair: its length, then key, NUL, value, NUL.
std::string pair(std::string_view key, std::string_view value) {
    std::string out = be32(static_cast<uint32_t>(key.size() + value.size() + 2));
    out.append(key);
    out.push_back('\0');
    out.append(value);
    out.push_back('\0');
    return out;
}

/// A section made of the given pair bytes (well-formed or not), length prefix first.
std::string section(std::initializer_list<std::string> pairs) {
    std::string body;
    for (const auto& p : pairs) {
        body += p;
    }
    return be32(static_cast<uint32_t>(body.size())) + body;
}

/// A section with one pair whose bytes after the pair length are `raw`, declared `length` long.
std::string rawPairSection(uint32_t length, const std::string& raw) {
    return section({be32(length) + raw});
}

/// Expects `value` to be refused with a reason, and returns the reason.
std::string refusal(const std::string& value) {
    std::string why;
    EXPECT_FALSE(validate(value, &why));
    EXPECT_FALSE(why.empty());
    EXPECT_FALSE(validate(value));
    return why;
}

/// Expects `key` to be refused both by isValidKey and inside a section.
void expectBadKey(const std::string& key) {
    EXPECT_FALSE(isValidKey(key)) << key;
    refusal(section({pair(key, "1")}));
}

}  // namespace

TEST(XattrKeyTest, AcceptsWellFormedKeys) {
    for (const std::string key :
         {"a", "meta", "_sync", "$document", "user1", "a]b", "a b", "A-b_c$d", "9lives"}) {
        EXPECT_TRUE(isValidKey(key)) << key;
    }
    EXPECT_TRUE(isValidKey(std::string(kMaxKeyLength, 'k')));
    EXPECT_TRUE(isValidKey("_" + std::string(kMaxKeyLength - 1, 's')));
    // Multi-byte UTF-8, including as the first character.
    EXPECT_TRUE(isValidKey("caf\xc3\xa9"));
    EXPECT_TRUE(isValidKey("\xe6\x97\xa5\xe6\x9c\xac"));
    EXPECT_TRUE(isValidKey("\xf0\x9f\x98\x80x"));
    // A space is neither punctuation nor a control character (C locale), as in kv_engine.
    EXPECT_TRUE(isValidKey(" a"));
    // Control characters are only refused as the first byte, as in kv_engine.
    EXPECT_TRUE(isValidKey("a\tb"));
}

TEST(XattrKeyTest, RefusesMalformedKeys) {
    EXPECT_FALSE(isValidKey(""));
    EXPECT_EQ(15u, kMaxKeyLength);
    EXPECT_FALSE(isValidKey(std::string(16, 'k')));
    EXPECT_FALSE(isValidKey(std::string(17, 'k')));
    for (const std::string key : {"_", "$", ".a", "a.b", "a.", "a[0]", "[", "!a", "-a", "@a", "{a",
                                  "~a", "/a", "\"a", "'a", "`a", "#a"}) {
        EXPECT_FALSE(isValidKey(key)) << key;
    }
    EXPECT_FALSE(
        isValidKey("\x01"
                   "a"));
    EXPECT_FALSE(
        isValidKey("\x1f"
                   "a"));
    EXPECT_FALSE(
        isValidKey("\x7f"
                   "a"));
    EXPECT_FALSE(isValidKey("\ta"));
    EXPECT_FALSE(isValidKey("a\0b"s));
    EXPECT_FALSE(isValidKey("\0"s));
}

TEST(XattrKeyTest, RefusesInvalidUtf8) {
    EXPECT_FALSE(isValidKey("\xff"));
    EXPECT_FALSE(isValidKey("a\xfe"));
    EXPECT_FALSE(
        isValidKey("\x80"
                   "a"));                              // continuation byte without a lead
    EXPECT_FALSE(isValidKey("a\xc3"));                 // truncated two-byte sequence
    EXPECT_FALSE(isValidKey("a\xe6\x97"));             // truncated three-byte sequence
    EXPECT_FALSE(isValidKey("a\xf0\x9f\x98"));         // truncated four-byte sequence
    EXPECT_FALSE(isValidKey("a\xc3(b"));               // lead byte followed by ASCII
    EXPECT_FALSE(isValidKey("\xf8\x88\x80\x80\x80"));  // five-byte form
}

TEST(XattrKeyTest, Kinds) {
    EXPECT_TRUE(isSystemKey("_sync"));
    EXPECT_FALSE(isSystemKey("sync"));
    EXPECT_FALSE(isSystemKey(""));
    EXPECT_TRUE(isVirtualKey("$document"));
    EXPECT_FALSE(isVirtualKey("_document"));
    EXPECT_FALSE(isVirtualKey(""));
}

TEST(XattrEncodeTest, WireFormat) {
    Blob blob;
    blob.set("a", "1");
    blob.set("_s", "\"x\"");
    const std::string expected =
        "\x00\x00\x00\x13"s  // (4 + 4) + (4 + 7)
        "\x00\x00\x00\x04"
        "a\x00"
        "1\x00"
        "\x00\x00\x00\x07"
        "_s\x00"
        "\"x\"\x00"s;
    EXPECT_EQ(expected, blob.encode());
    EXPECT_TRUE(validate(blob.encode()));
}

TEST(XattrEncodeTest, EmptyBlobHasNoSection) {
    Blob blob;
    EXPECT_TRUE(blob.empty());
    EXPECT_EQ("", blob.encode());
}

TEST(XattrEncodeTest, EncodedValidPairsValidateAndDecodeBack) {
    const std::vector<std::pair<std::string, std::string>> pairs = {
        {"_sync", R"({"rev":"1-abc","sequence":7,"history":[1,2,3]})"},
        {"meta", "true"},
        {"n", "-1.5e3"},
        {"s", R"("caf\u00e9 \"quoted\"")"},
        {"z", "null"},
        {"arr", "[]"},
        {"obj", "{}"},
        {"utf8", "\"\xe6\x97\xa5\""},
        {std::string(kMaxKeyLength, 'k'), " 0 "},
    };
    Blob blob;
    for (const auto& [key, value] : pairs) {
        blob.set(key, value);
    }
    const std::string body = R"({"body":1})";
    const std::string value = blob.encode() + body;
    std::string why;
    EXPECT_TRUE(validate(value, &why)) << why;
    EXPECT_EQ(pairs, Blob::decode(value).pairs());
    EXPECT_EQ(body, bodyOf(value));
}

TEST(XattrDecodeTest, RoundTripWithBody) {
    const std::string xattrs =
        section({pair("_sync", R"({"cas":"0x01"})"), pair("user", "[1,2]"), pair("$x", "\"v\"")});
    const std::string body = "binary\0body"s;
    const std::string value = xattrs + body;
    ASSERT_TRUE(validate(value));
    EXPECT_EQ(xattrs.size(), bodyOffset(value));
    EXPECT_EQ(body, bodyOf(value));

    const Blob blob = Blob::decode(value);
    ASSERT_EQ(3u, blob.pairs().size());
    EXPECT_EQ("_sync", blob.pairs()[0].first);
    EXPECT_EQ(R"({"cas":"0x01"})", blob.pairs()[0].second);
    EXPECT_EQ("user", blob.pairs()[1].first);
    EXPECT_EQ("[1,2]", blob.pairs()[1].second);
    EXPECT_EQ("$x", blob.pairs()[2].first);
    EXPECT_EQ(xattrs, blob.encode());
}

TEST(XattrDecodeTest, EmptySectionIsValid) {
    const std::string value = be32(0) + "body";
    std::string why;
    EXPECT_TRUE(validate(value, &why)) << why;
    EXPECT_EQ(4u, bodyOffset(value));
    EXPECT_EQ("body", bodyOf(value));
    EXPECT_TRUE(Blob::decode(value).empty());
    EXPECT_TRUE(validate(be32(0)));
    EXPECT_EQ("", bodyOf(be32(0)));
}

TEST(XattrDecodeTest, SectionWithoutBody) {
    const std::string value = section({pair("a", "1")});
    ASSERT_TRUE(validate(value));
    EXPECT_EQ(value.size(), bodyOffset(value));
    EXPECT_EQ("", bodyOf(value));
}

TEST(XattrBlobTest, GetFindsValues) {
    const Blob blob = Blob::decode(section({pair("a", "1"), pair("_b", "\"two\"")}));
    EXPECT_EQ("1", blob.get("a"));
    EXPECT_EQ("\"two\"", blob.get("_b"));
    EXPECT_FALSE(blob.get("b").has_value());
    EXPECT_FALSE(blob.get("").has_value());
    EXPECT_FALSE(blob.get("a1").has_value());
}

TEST(XattrBlobTest, SetAddsAtTheEndAndReplacesInPlace) {
    Blob blob = Blob::decode(section({pair("a", "1"), pair("b", "2"), pair("c", "3")}));
    blob.set("b", R"({"new":true})");
    blob.set("d", "4");
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"a", "1"}, {"b", R"({"new":true})"}, {"c", "3"}, {"d", "4"}};
    EXPECT_EQ(expected, blob.pairs());
    EXPECT_EQ(
        section({pair("a", "1"), pair("b", R"({"new":true})"), pair("c", "3"), pair("d", "4")}),
        blob.encode());
}

TEST(XattrBlobTest, Remove) {
    Blob blob = Blob::decode(section({pair("a", "1"), pair("b", "2"), pair("c", "3")}));
    EXPECT_TRUE(blob.remove("b"));
    EXPECT_FALSE(blob.remove("b"));
    EXPECT_FALSE(blob.remove("x"));
    EXPECT_EQ(section({pair("a", "1"), pair("c", "3")}), blob.encode());
    EXPECT_TRUE(blob.remove("a"));
    EXPECT_TRUE(blob.remove("c"));
    EXPECT_TRUE(blob.empty());
    EXPECT_EQ("", blob.encode());
}

TEST(XattrBlobTest, RemoveUserAttributesKeepsSystemOnesInOrder) {
    Blob blob = Blob::decode(section(
        {pair("u1", "1"), pair("_s1", "2"), pair("u2", "3"), pair("_s2", "4"), pair("$v", "5")}));
    blob.removeUserAttributes();
    EXPECT_EQ(section({pair("_s1", "2"), pair("_s2", "4")}), blob.encode());

    Blob users = Blob::decode(section({pair("u", "1")}));
    users.removeUserAttributes();
    EXPECT_TRUE(users.empty());
    EXPECT_EQ("", users.encode());
}

TEST(XattrValidateTest, TruncatedLengthPrefix) {
    refusal("");
    refusal("\x00"s);
    refusal("\x00\x00\x00"s);
}

TEST(XattrValidateTest, TotalLengthPastTheEnd) {
    refusal(be32(10) + "abc");
    refusal(be32(1));
    // A length near 2^32 must not wrap around when added to anything.
    refusal(be32(0xffffffff) + pair("a", "1"));
    refusal(be32(0xfffffffc) + "xxxx");
}

TEST(XattrValidateTest, PairLengthTruncated) {
    refusal(section({"\x00\x00"s}));
    // A good pair followed by three stray bytes.
    refusal(section({pair("a", "1"), "\x00\x00\x00"s}));
}

TEST(XattrValidateTest, PairLengthPastTheSection) {
    // The body follows, so the bytes exist in the value but not in the section.
    refusal(rawPairSection(100, "a\0001\000"s) + std::string(200, ' '));
    refusal(rawPairSection(5, "a\0001\000"s) + "\0"s);
    refusal(rawPairSection(0xffffffff, "a\0001\000"s));
    refusal(rawPairSection(0xfffffffc, "a\0001\000"s));
}

TEST(XattrValidateTest, PairLengthZero) {
    refusal(rawPairSection(0, ""));
    refusal(section({pair("a", "1"), be32(0)}));
}

TEST(XattrValidateTest, MissingNuls) {
    // No NUL at all.
    refusal(rawPairSection(4, "abc1"));
    // The key's NUL is the last byte: no value, no second NUL.
    refusal(rawPairSection(2, "a\0"s));
    // The value is not NUL-terminated.
    refusal(rawPairSection(4, "a\00012"s));
    // A pair length one short of the pair's bytes leaves the value unterminated.
    refusal(section({be32(3) + "a\0001"s, "\0"s}));
    // One long takes in a byte after the value's NUL.
    refusal(rawPairSection(5, "a\0001\000x"s));
    refusal(rawPairSection(5, "a\0001\000\000"s));
    // A NUL inside the value.
    refusal(rawPairSection(6, "a\0001\0002\000"s));
}

TEST(XattrValidateTest, BadKeys) {
    expectBadKey("a.b");
    expectBadKey(".");
    expectBadKey("a[0]");
    expectBadKey("");
    expectBadKey(std::string(16, 'k'));
    expectBadKey(std::string(17, 'k'));
    expectBadKey("-a");
    expectBadKey("#a");
    expectBadKey("_");
    expectBadKey("$");
    expectBadKey(
        "\x01"
        "a");
    expectBadKey(
        "\x7f"
        "a");
    expectBadKey("\xff");
    expectBadKey("a\xc3");
    expectBadKey(
        "\x80"
        "a");
}

TEST(XattrValidateTest, DuplicateKey) {
    const std::string why = refusal(section({pair("a", "1"), pair("b", "2"), pair("a", "3")}));
    EXPECT_NE(std::string::npos, why.find("pair 3")) << why;
    refusal(section({pair("_s", "1"), pair("_s", "1")}));
}

TEST(XattrValidateTest, ValueNotJson) {
    for (const std::string value :
         {"", " ", "nope", "{", "[1,]", "{\"a\"}", "'a'", "NaN", "Infinity", "01", "1.",
          "\"unterminated", "{\"a\":1,}", "/* c */ 1", "tru", "\"\\x\"", "\"tab\there\""}) {
        refusal(section({pair("a", value)}));
    }
    // Strings must be valid UTF-8.
    refusal(section({pair("a", "\"\xff\"")}));
    refusal(section({pair("a", "\"\xc0\x80\"")}));
}

TEST(XattrValidateTest, ValueWithTrailingGarbage) {
    for (const std::string value : {"1 2", "{} x", "\"a\"\"b\"", "[]]", "true,", "null null"}) {
        refusal(section({pair("a", value)}));
    }
    // Whitespace around the value is fine.
    EXPECT_TRUE(validate(section({pair("a", " \t\r\n{ } \n")})));
}

TEST(XattrValidateTest, ReasonNamesThePair) {
    const std::string why = refusal(section({pair("a", "1"), pair("b", "x")}));
    EXPECT_NE(std::string::npos, why.find("pair 2")) << why;
}

TEST(XattrValidateTest, DeepNestingWithoutStackOverflow) {
    constexpr size_t kDepth = 100000;
    const std::string arrays = std::string(kDepth, '[') + std::string(kDepth, ']');
    std::string why;
    EXPECT_TRUE(validate(section({pair("deep", arrays)}), &why)) << why;

    std::string objects;
    for (size_t i = 0; i < kDepth; ++i) {
        objects += R"({"a":)";
    }
    objects += "1" + std::string(kDepth, '}');
    EXPECT_TRUE(validate(section({pair("deep", objects)}), &why)) << why;

    refusal(section({pair("deep", std::string(kDepth, '['))}));
    refusal(section({pair("deep", std::string(kDepth, '[') + std::string(kDepth - 1, ']'))}));
    refusal(section({pair("deep", arrays + "]")}));
}

TEST(XattrValidateTest, SectionCutBetweenPairBoundariesIsRefused) {
    const std::string first = pair("_sync", R"({"a":[1,2]})");
    const std::string pairs = first + pair("user", "\"v\"");
    // Cutting the pairs anywhere but at a pair boundary, with the section's length made to match
    // the cut, leaves a truncated pair.
    for (size_t cut = 1; cut < pairs.size(); ++cut) {
        const std::string value = be32(static_cast<uint32_t>(cut)) + pairs.substr(0, cut);
        if (cut == first.size()) {
            EXPECT_TRUE(validate(value));
        } else {
            refusal(value);
        }
    }
}
