// eddy — the cryptographic primitives against published vectors, and base64's strictness.
#include "security/crypto.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace eddy::security {
namespace {

TEST(CryptoTest, DigestSizes) {
    EXPECT_EQ(20u, digestSize(Digest::Sha1));
    EXPECT_EQ(32u, digestSize(Digest::Sha256));
    EXPECT_EQ(64u, digestSize(Digest::Sha512));
}

// FIPS 180-2 "abc".
TEST(CryptoTest, HashKnownVectors) {
    EXPECT_EQ("a9993e364706816aba3e25717850c26c9cd0d89d", toHex(hash(Digest::Sha1, "abc")));
    EXPECT_EQ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
              toHex(hash(Digest::Sha256, "abc")));
    EXPECT_EQ(
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        toHex(hash(Digest::Sha512, "abc")));
}

TEST(CryptoTest, HashOfNothing) {
    EXPECT_EQ("da39a3ee5e6b4b0d3255bfef95601890afd80709", toHex(hash(Digest::Sha1, {})));
}

// RFC 2202 and RFC 4231, test case 2.
TEST(CryptoTest, HmacKnownVectors) {
    constexpr std::string_view kKey = "Jefe";
    constexpr std::string_view kData = "what do ya want for nothing?";
    EXPECT_EQ("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", toHex(hmac(Digest::Sha1, kKey, kData)));
    EXPECT_EQ("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
              toHex(hmac(Digest::Sha256, kKey, kData)));
    EXPECT_EQ(
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
        toHex(hmac(Digest::Sha512, kKey, kData)));
}

TEST(CryptoTest, HmacWithEmptyKeyAndData) {
    EXPECT_EQ(20u, hmac(Digest::Sha1, {}, {}).size());
    EXPECT_EQ(hmac(Digest::Sha256, "", ""), hmac(Digest::Sha256, {}, {}));
}

// RFC 6070 (PBKDF2-HMAC-SHA1) and the common SHA-256/512 extensions of its first vector.
TEST(CryptoTest, Pbkdf2KnownVectors) {
    EXPECT_EQ("0c60c80f961f0e71f3a9b524af6012062fe037a6",
              toHex(pbkdf2(Digest::Sha1, "password", "salt", 1)));
    EXPECT_EQ("4b007901b765489abead49d926f721d065a429c1",
              toHex(pbkdf2(Digest::Sha1, "password", "salt", 4096)));
    EXPECT_EQ("120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b",
              toHex(pbkdf2(Digest::Sha256, "password", "salt", 1)));
    EXPECT_EQ(
        "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252"
        "c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce",
        toHex(pbkdf2(Digest::Sha512, "password", "salt", 1)));
}

TEST(CryptoTest, Pbkdf2RefusesZeroIterations) {
    EXPECT_THROW((void)pbkdf2(Digest::Sha1, "password", "salt", 0), std::invalid_argument);
}

TEST(CryptoTest, RandomBytes) {
    EXPECT_TRUE(randomBytes(0).empty());
    const std::string a = randomBytes(32);
    const std::string b = randomBytes(32);
    EXPECT_EQ(32u, a.size());
    EXPECT_NE(a, b);
}

// RFC 4648 section 10.
TEST(CryptoTest, Base64KnownVectors) {
    const std::pair<std::string_view, std::string_view> vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(encoded, base64Encode(plain));
        EXPECT_EQ(std::string(plain), base64Decode(encoded)) << encoded;
    }
}

TEST(CryptoTest, Base64RoundTripsEveryByte) {
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all.push_back(static_cast<char>(i));
    }
    for (size_t length = 0; length <= all.size(); length += 37) {
        const std::string data = all.substr(all.size() - length);
        EXPECT_EQ(data, base64Decode(base64Encode(data)));
    }
}

TEST(CryptoTest, Base64DecodeIsStrict) {
    for (std::string_view bad : {
             "Zg",          // no padding
             "Zg=",         // short padding
             "Zm8",         // no padding
             "Zh==",        // non-zero bits after the last byte
             "Zm9=",        // non-zero bits after the last byte
             "Zg===",       // too much padding
             "====",        // only padding
             "A===",        // three '='
             "Zg==Zg==",    // padding in the middle
             "Zm=v",        // '=' inside
             " Zg==",       // leading space
             "Zg==\n",      // trailing newline
             "Zm9v\nYmFy",  // line break
             "Zm 9v",       // space inside
             "Zm9v-_==",    // URL-safe alphabet
             "Zm9v*A==",    // not in the alphabet
         }) {
        EXPECT_FALSE(base64Decode(bad).has_value()) << '"' << bad << '"';
    }
    EXPECT_FALSE(base64Decode(std::string_view("Zg=\0", 4)).has_value());
}

TEST(CryptoTest, ToHex) {
    EXPECT_EQ("", toHex({}));
    EXPECT_EQ("00ff7f10", toHex(std::string_view("\x00\xff\x7f\x10", 4)));
}

TEST(CryptoTest, ConstantTimeEqual) {
    EXPECT_TRUE(constantTimeEqual("", ""));
    EXPECT_TRUE(constantTimeEqual("abc", "abc"));
    EXPECT_FALSE(constantTimeEqual("abc", "abd"));
    EXPECT_FALSE(constantTimeEqual("abc", "ab"));
    EXPECT_FALSE(constantTimeEqual("", "a"));
}

}  // namespace
}  // namespace eddy::security
