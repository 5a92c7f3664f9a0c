// eddy — the cryptographic primitives of authentication, from OpenSSL 3.
//
// Owns: the digests SCRAM and the password database use (SHA-1, SHA-256, SHA-512), HMAC,
// PBKDF2-HMAC, secure random bytes, strict base64 and a constant-time comparison. Nothing here
// is written by hand: every function is a thin wrapper over one OpenSSL call, so that the rest
// of src/security reads as protocol logic.
//
// Semantics. Byte strings are std::string (binary-safe). base64Decode is strict: it accepts only
// the canonical alphabet with '=' padding to a multiple of four and refuses anything else
// (whitespace included), so a malformed SASL attribute is a clear BAD_PARAM, never a guess.
// randomBytes throws std::runtime_error if the OS cannot supply entropy.
//
// Thread contract: pure functions, callable from any thread concurrently.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::security {

enum class Digest {
    Sha1,
    Sha256,
    Sha512
};

/// Output size of the digest in bytes (20, 32, 64).
[[nodiscard]] size_t digestSize(Digest digest);

/// H(data).
[[nodiscard]] std::string hash(Digest digest, std::string_view data);

/// HMAC-H(key, data).
[[nodiscard]] std::string hmac(Digest digest, std::string_view key, std::string_view data);

/// PBKDF2-HMAC-H(password, salt, iterations) with an output of digestSize(digest) bytes.
[[nodiscard]] std::string pbkdf2(Digest digest, std::string_view password, std::string_view salt,
                                 unsigned iterations);

/// `count` bytes from OpenSSL's CSPRNG. Throws std::runtime_error on failure.
[[nodiscard]] std::string randomBytes(size_t count);

[[nodiscard]] std::string base64Encode(std::string_view data);

/// The decoded bytes, or nullopt for anything that is not canonical padded base64.
[[nodiscard]] std::optional<std::string> base64Decode(std::string_view text);

/// Lower-case hex of the bytes.
[[nodiscard]] std::string toHex(std::string_view data);

/// a == b in time that depends only on the lengths (CRYPTO_memcmp).
[[nodiscard]] bool constantTimeEqual(std::string_view a, std::string_view b);

}  // namespace eddy::security
