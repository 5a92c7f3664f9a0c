// eddy — the password database: who may log in, without a single plaintext password.
//
// Owns: UserEntry (one user's secrets), PasswordDatabase (every user, parsed from and written to
// its versioned JSON file), makeUser() (the secrets of a new password), verifyPassword() (the
// check PLAIN needs), dummyUser() (the stand-in for a name that does not exist) and the user
// name rule.
//
// The file format (docs/security.md has the full description) is kv_engine's version 2:
//
//   { "@@version@@": 2,
//     "<user>": { "hash": { "algorithm": "pbkdf2-hmac-sha512", "hashes": ["<b64>"],
//                           "salt": "<b64>", "iterations": N },
//                 "scram-sha-512": { "hashes": [{"stored_key": "<b64>", "server_key": "<b64>"}],
//                                    "salt": "<b64>", "iterations": N },
//                 "scram-sha-256": {...}, "scram-sha-1": {...},
//                 "expiry": <unix seconds, optional> } }
//
// For SCRAM the file holds StoredKey = H(HMAC(SaltedPassword, "Client Key")) and ServerKey =
// HMAC(SaltedPassword, "Server Key"), never SaltedPassword itself; for PLAIN, PBKDF2-HMAC-SHA512
// of the password. Several hashes per entry are accepted (a password being rotated): any one
// matching is a match. Unknown attributes, a wrong version, bad base64, an empty `hashes` or a
// non-positive iteration count are refused with a PasswordDatabaseError naming the source, the
// user and the field.
//
// The fake salt of an unknown user is HMAC-H(key = user name, data = a per-process secret), so
// the same name gets the same salt every time and an attacker cannot tell a missing user from a
// wrong password by the exchange.
//
// Thread contract: a PasswordDatabase is a value; once built it is shared read-only
// (std::shared_ptr<const PasswordDatabase>) by any number of threads. The free functions are
// pure (makeUser and dummyUser draw random bytes; both are thread-safe).
#pragma once

#include "security/crypto.h"

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::security {

/// PBKDF2 iterations of new entries (kv_engine's default).
inline constexpr unsigned kDefaultIterations = 15000;

class PasswordDatabaseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One SCRAM mechanism's secrets for one user.
struct ScramSecrets {
    struct Keys {
        std::string stored_key;
        std::string server_key;
    };
    std::string salt;
    unsigned iterations = 0;
    std::vector<Keys> keys;  ///< never empty in a loaded database
};

/// What PLAIN checks a password against: PBKDF2-HMAC-SHA512(password, salt, iterations).
struct PasswordHash {
    std::string salt;
    unsigned iterations = 0;
    std::vector<std::string> hashes;  ///< never empty in a loaded database
};

struct UserEntry {
    std::string name;
    PasswordHash hash;
    std::optional<ScramSecrets> sha1;
    std::optional<ScramSecrets> sha256;
    std::optional<ScramSecrets> sha512;
    /// Unix time after which the password no longer works.
    std::optional<int64_t> expiry;

    /// The SCRAM secrets for `digest`, or null if the entry has none.
    [[nodiscard]] const ScramSecrets* scram(Digest digest) const;
};

class PasswordDatabase {
public:
    PasswordDatabase() = default;

    /// Parses the JSON text of a database; `source` (a file name) starts every error message.
    /// Throws PasswordDatabaseError.
    static PasswordDatabase parse(std::string_view text, std::string_view source);

    /// Reads and parses the file at `path`. Throws PasswordDatabaseError (also when the file
    /// cannot be read), naming the file.
    static PasswordDatabase load(const std::string& path);

    /// The JSON text of the database (the format above), pretty-printed.
    [[nodiscard]] std::string toJson() const;

    /// Writes toJson() to `path` atomically (a temporary file in the same directory, fsync,
    /// rename), readable by the owner only (0600). Throws PasswordDatabaseError.
    void save(const std::string& path) const;

    [[nodiscard]] const UserEntry* find(std::string_view name) const;
    /// Adds or replaces the entry of `entry.name`.
    void upsert(UserEntry entry);
    /// False if there was no such user.
    bool remove(std::string_view name);
    [[nodiscard]] std::vector<std::string> names() const;
    [[nodiscard]] size_t size() const { return users_.size(); }

private:
    std::map<std::string, UserEntry, std::less<>> users_;
};

/// The secrets of `password` for a new entry: fresh random salts (|H| bytes for SCRAM, 64 for
/// the PLAIN hash) and `iterations` rounds for all four. Throws PasswordDatabaseError for a name
/// that isValidUsername() refuses.
[[nodiscard]] UserEntry makeUser(std::string name, std::string_view password,
                                 unsigned iterations = kDefaultIterations);

/// PLAIN's check: PBKDF2 of `password` compared in constant time with each stored hash.
[[nodiscard]] bool verifyPassword(const UserEntry& user, std::string_view password);

/// The entry an unknown `name` is given so that its SCRAM exchange looks like a real one:
/// salts derived from `name` and `process_secret` (see the file comment), kDefaultIterations,
/// keys that match no password.
[[nodiscard]] UserEntry dummyUser(std::string_view name, std::string_view process_secret);

/// 1-128 bytes of valid UTF-8, none of `()<>,;:\"/[]?={}`, no control character or space, at
/// most one '@', not starting with '@' (reserved for internal users).
[[nodiscard]] bool isValidUsername(std::string_view name);

}  // namespace eddy::security
