// eddy — digests, HMAC, PBKDF2, random bytes, strict base64 and constant-time compare (OpenSSL 3).
#include "security/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <climits>
#include <stdexcept>

namespace eddy::security {

namespace {

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const EVP_MD* evpDigest(Digest digest) {
    switch (digest) {
    case Digest::Sha1: return EVP_sha1();
    case Digest::Sha256: return EVP_sha256();
    case Digest::Sha512: return EVP_sha512();
    }
    throw std::invalid_argument("unknown digest");
}

/// The bytes of `data` for OpenSSL, which wants a non-null pointer even for zero bytes.
const unsigned char* bytes(std::string_view data) {
    static const unsigned char kEmpty = 0;
    return data.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(data.data());
}

unsigned char* bytes(std::string& data) {
    return reinterpret_cast<unsigned char*>(data.data());
}

int checkedLength(size_t length) {
    if (length > static_cast<size_t>(INT_MAX)) {
        throw std::length_error("input too long for OpenSSL");
    }
    return static_cast<int>(length);
}

/// The 6-bit value of a base64 character, or -1.
int base64Value(char c) {
    const size_t position = kBase64Alphabet.find(c);
    return position == std::string_view::npos ? -1 : static_cast<int>(position);
}

/// Canonical padded base64: alphabet characters, then at most two '=' ending a multiple of
/// four, and zero bits in the unused low part of the last character before the padding.
bool isCanonicalBase64(std::string_view text) {
    if (text.size() % 4 != 0) {
        return false;
    }
    size_t padding = 0;
    while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
        ++padding;
    }
    const std::string_view body = text.substr(0, text.size() - padding);
    for (char c : body) {
        if (base64Value(c) < 0) {
            return false;
        }
    }
    if (padding == 0) {
        return true;
    }
    // "xx==" carries 8 bits of the last 12, "xxx=" 16 of 18: the rest must be zero.
    const int unused_mask = padding == 2 ? 0x0f : 0x03;
    return (base64Value(body.back()) & unused_mask) == 0;
}

}  // namespace

size_t digestSize(Digest digest) {
    switch (digest) {
    case Digest::Sha1: return 20;
    case Digest::Sha256: return 32;
    case Digest::Sha512: return 64;
    }
    throw std::invalid_argument("unknown digest");
}

std::string hash(Digest digest, std::string_view data) {
    std::string out(digestSize(digest), '\0');
    unsigned int length = 0;
    if (EVP_Digest(bytes(data), data.size(), bytes(out), &length, evpDigest(digest), nullptr) !=
            1 ||
        length != out.size()) {
        throw std::runtime_error("EVP_Digest failed");
    }
    return out;
}

std::string hmac(Digest digest, std::string_view key, std::string_view data) {
    std::string out(digestSize(digest), '\0');
    unsigned int length = 0;
    if (HMAC(evpDigest(digest), bytes(key), checkedLength(key.size()), bytes(data), data.size(),
             bytes(out), &length) == nullptr ||
        length != out.size()) {
        throw std::runtime_error("HMAC failed");
    }
    return out;
}

std::string pbkdf2(Digest digest, std::string_view password, std::string_view salt,
                   unsigned iterations) {
    if (iterations == 0 || iterations > static_cast<unsigned>(INT_MAX)) {
        throw std::invalid_argument("PBKDF2 iteration count out of range");
    }
    std::string out(digestSize(digest), '\0');
    if (PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(bytes(password)),
                          checkedLength(password.size()), bytes(salt), checkedLength(salt.size()),
                          static_cast<int>(iterations), evpDigest(digest),
                          checkedLength(out.size()), bytes(out)) != 1) {
        throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
    }
    return out;
}

std::string randomBytes(size_t count) {
    std::string out(count, '\0');
    if (count != 0 && RAND_bytes(bytes(out), checkedLength(count)) != 1) {
        throw std::runtime_error("RAND_bytes failed: no entropy available");
    }
    return out;
}

std::string base64Encode(std::string_view data) {
    const int length = checkedLength(data.size());
    // EVP_EncodeBlock writes 4 characters per started 3 bytes and a terminating NUL.
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int written = EVP_EncodeBlock(bytes(out), bytes(data), length);
    out.resize(static_cast<size_t>(written));
    return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
    if (!isCanonicalBase64(text)) {
        return std::nullopt;
    }
    if (text.empty()) {
        return std::string();
    }
    std::string out(text.size() / 4 * 3, '\0');
    const int written = EVP_DecodeBlock(bytes(out), bytes(text), checkedLength(text.size()));
    if (written < 0 || static_cast<size_t>(written) != out.size()) {
        return std::nullopt;
    }
    // EVP_DecodeBlock counts the padding as zero bytes.
    const size_t padding = text.size() - text.find_last_not_of('=') - 1;
    out.resize(out.size() - padding);
    return out;
}

std::string toHex(std::string_view data) {
    static constexpr std::string_view kDigits = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (char c : data) {
        const auto byte = static_cast<unsigned char>(c);
        out.push_back(kDigits[byte >> 4]);
        out.push_back(kDigits[byte & 0x0f]);
    }
    return out;
}

bool constantTimeEqual(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace eddy::security
