// eddy — extended attributes: the encoding a document's xattrs have in its value.
//
// Owns: the codec of kv_engine's xattr section, which a value with datatype XATTR (0x04) starts
// with, followed by the body:
//
//     u32 BE  length of all the pairs that follow (not counting these 4 bytes)
//     pairs:  u32 BE  length of the pair (key, NUL, value, NUL)
//             key bytes, 0x00, value bytes (one JSON value), 0x00
//
// Keys (X-Keys, kv_engine docs/ExtendedAttributes.md): 1..15 bytes; the first byte is not a
// control character nor punctuation other than `_` and `$`; `.` and `[` appear nowhere (they
// end the key in a sub-document path). `_key` is a system attribute (kept in a tombstone),
// `$key` a virtual one (computed, never stored), anything else a user attribute. Keys are unique
// within a document.
//
// Blob holds a section's pairs decoded, in order, for reading and editing; encode() writes the
// section back. validate() checks a whole value before anything trusts its lengths.
//
// Thread contract: plain values and pure functions; one Blob is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy::xattr {

/// The longest key: kv_engine refuses a key of SUBDOC_MAX_XATTR_LENGTH (16) bytes or more.
inline constexpr size_t kMaxKeyLength = 15;

/// Whether `key` is a well-formed X-Key (any kind).
[[nodiscard]] bool isValidKey(std::string_view key);
/// `_name`: kept with a deleted document, needs the system-xattr privileges.
[[nodiscard]] inline bool isSystemKey(std::string_view key) {
    return !key.empty() && key.front() == '_';
}
/// `$name`: computed by the server, read-only.
[[nodiscard]] inline bool isVirtualKey(std::string_view key) {
    return !key.empty() && key.front() == '$';
}

/// Checks that `value` (the whole value of a document with datatype XATTR) starts with a
/// well-formed section: lengths inside the value and consistent, every pair NUL-terminated
/// twice, every key valid and unique, every attribute value one JSON value. On failure returns
/// false and, if `why` is given, says what is wrong in a few words.
[[nodiscard]] bool validate(std::string_view value, std::string* why = nullptr);

/// Where the body starts in a value with datatype XATTR (4 + the section's length). The value
/// must have passed validate().
[[nodiscard]] size_t bodyOffset(std::string_view value);

/// The body of a value with datatype XATTR (validated).
[[nodiscard]] inline std::string_view bodyOf(std::string_view value) {
    return value.substr(bodyOffset(value));
}

class Blob {
public:
    Blob() = default;

    /// Decodes the section at the start of `value` (validated, datatype XATTR).
    static Blob decode(std::string_view value);

    [[nodiscard]] std::optional<std::string_view> get(std::string_view key) const;
    /// Adds `key` or replaces its value (`value` is JSON text; not checked here).
    void set(std::string_view key, std::string_view value);
    /// Removes `key`; false if it was absent.
    bool remove(std::string_view key);
    /// Removes every user attribute, keeping the system ones (what a deletion keeps).
    void removeUserAttributes();

    [[nodiscard]] bool empty() const { return pairs_.empty(); }
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& pairs() const {
        return pairs_;
    }

    /// The section, length prefix included; empty when there are no pairs (a document without
    /// xattrs carries no section and no XATTR bit).
    [[nodiscard]] std::string encode() const;

private:
    std::vector<std::pair<std::string, std::string>> pairs_;
};

}  // namespace eddy::xattr
