// eddy — extended attributes: validating, decoding and encoding a value's xattr section.
#include "xattr/blob.h"

// RapidJSON 1.1's internal::Stack allocates lazily and its first Reserve() adds an offset to a
// null pointer (Tencent/rapidjson#1724, fixed upstream after the 1.1.0 release Debian ships),
// which clang's UBSan (pointer-overflow) reports on each new reader's first push. The check is
// switched off for the library's functions only; the code in this file keeps it.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((no_sanitize("pointer-overflow"))), apply_to = function)
#endif
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#if defined(__clang__)
#pragma clang attribute pop
#endif

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <unordered_set>

namespace eddy::xattr {

namespace {

/// The length prefix of the section and of each pair.
constexpr size_t kLengthSize = 4;

uint32_t readU32(std::string_view bytes, size_t at) {
    return static_cast<uint32_t>(static_cast<unsigned char>(bytes[at])) << 24 |
           static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 16 |
           static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 8 |
           static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 3]));
}

void appendU32(std::string& out, uint32_t value) {
    out.push_back(static_cast<char>(value >> 24));
    out.push_back(static_cast<char>(value >> 16));
    out.push_back(static_cast<char>(value >> 8));
    out.push_back(static_cast<char>(value));
}

/// ASCII punctuation as the C locale's ispunct() has it, without depending on the process's
/// locale.
bool isAsciiPunct(unsigned char c) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    return c > 0x20 && c < 0x7f && !alnum;
}

/// The length of the UTF-8 sequence at `at`, or 0 when it is malformed. Only the shape is
/// checked (a lead byte and its continuation bytes), as kv_engine does for keys: overlong forms
/// (Modified UTF-8 writes NUL as C0 80) and surrogates pass, so every key kv_engine stores is
/// accepted here.
size_t utf8SequenceLength(std::string_view text, size_t at) {
    const auto lead = static_cast<unsigned char>(text[at]);
    if (lead < 0x80) {
        return 1;
    }
    size_t length = 0;
    if ((lead & 0xe0) == 0xc0) {
        length = 2;
    } else if ((lead & 0xf0) == 0xe0) {
        length = 3;
    } else if ((lead & 0xf8) == 0xf0) {
        length = 4;
    } else {
        return 0;  // a continuation byte, or 0xf8..0xff
    }
    if (text.size() - at < length) {
        return 0;
    }
    for (size_t i = 1; i < length; ++i) {
        if ((static_cast<unsigned char>(text[at + i]) & 0xc0) != 0x80) {
            return 0;
        }
    }
    return length;
}

/// Whether `text` is exactly one JSON value, with only whitespace around it. The iterative
/// parser keeps its stack on the heap, so nesting depth is bounded by memory, not by the thread's
/// stack. Strings must be valid UTF-8. Limitation of RapidJSON: a number beyond the range of a
/// double (an exponent over 308, an integer of more than 308 digits) is refused although the
/// grammar allows it.
bool isOneJsonValue(std::string_view text) {
    // MemoryStream reports '\0' at its end, which is how the reader sees the end of input: a NUL
    // inside the value would end it early, so the caller rejects those and the position is
    // checked below all the same.
    rapidjson::MemoryStream stream(text.data(), text.size());
    rapidjson::BaseReaderHandler<> accept_all;
    rapidjson::Reader reader;
    constexpr unsigned kFlags =
        rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
    const rapidjson::ParseResult result = reader.Parse<kFlags>(stream, accept_all);
    return !result.IsError() && stream.Tell() == text.size();
}

bool fail(std::string* why, std::string text) {
    if (why != nullptr) {
        *why = std::move(text);
    }
    return false;
}

/// "pair N: " for the messages about one pair (N counts from 1).
std::string pairPrefix(size_t index) {
    return "pair " + std::to_string(index + 1) + ": ";
}

/// The key and value of one pair's bytes (key, NUL, value, NUL), or nothing with `why` set.
std::optional<std::pair<std::string_view, std::string_view>> splitPair(std::string_view pair,
                                                                       std::string* why) {
    if (pair.empty()) {
        fail(why, "empty pair");
        return std::nullopt;
    }
    const size_t key_end = pair.find('\0');
    if (key_end == std::string_view::npos) {
        fail(why, "key is not NUL-terminated");
        return std::nullopt;
    }
    // The key's NUL must not be the pair's last byte: the value needs its own terminator.
    if (key_end + 1 == pair.size() || pair.back() != '\0') {
        fail(why, "value is not NUL-terminated");
        return std::nullopt;
    }
    const std::string_view value = pair.substr(key_end + 1, pair.size() - key_end - 2);
    if (value.find('\0') != std::string_view::npos) {
        // kv_engine finds the value's end with strlen: anything after an inner NUL is lost.
        fail(why, "value holds a NUL");
        return std::nullopt;
    }
    return std::make_pair(pair.substr(0, key_end), value);
}

}  // namespace

bool isValidKey(std::string_view key) {
    if (key.empty() || key.size() > kMaxKeyLength) {
        return false;
    }
    const auto first = static_cast<unsigned char>(key.front());
    const bool prefixed = first == '_' || first == '$';
    if (first < 0x20 || first == 0x7f || (isAsciiPunct(first) && !prefixed)) {
        return false;
    }
    if (prefixed && key.size() < 2) {
        return false;
    }
    for (size_t at = 0; at < key.size();) {
        const char c = key[at];
        // `.` and `[` would end the key in a sub-document path; NUL would end it in the section.
        if (c == '.' || c == '[' || c == '\0') {
            return false;
        }
        const size_t length = utf8SequenceLength(key, at);
        if (length == 0) {
            return false;
        }
        at += length;
    }
    return true;
}

bool validate(std::string_view value, std::string* why) {
    if (value.size() < kLengthSize) {
        return fail(why, "too short for the xattr length");
    }
    const uint32_t total = readU32(value, 0);
    // Compared against what remains rather than adding to the offset: no overflow either way.
    if (total > value.size() - kLengthSize) {
        return fail(why, "xattr length past the end of the value");
    }
    const std::string_view section = value.substr(kLengthSize, total);

    std::unordered_set<std::string_view> keys;
    size_t at = 0;
    for (size_t index = 0; at < section.size(); ++index) {
        if (section.size() - at < kLengthSize) {
            return fail(why, pairPrefix(index) + "length truncated");
        }
        const uint32_t length = readU32(section, at);
        at += kLengthSize;
        if (length > section.size() - at) {
            return fail(why, pairPrefix(index) + "length past the end of the xattrs");
        }
        const std::string_view pair = section.substr(at, length);
        at += length;

        std::string detail;
        const auto split = splitPair(pair, &detail);
        if (!split) {
            return fail(why, pairPrefix(index) + detail);
        }
        const auto [key, attribute] = *split;
        if (!isValidKey(key)) {
            return fail(why, pairPrefix(index) + "invalid key");
        }
        if (!keys.insert(key).second) {
            return fail(why, pairPrefix(index) + "duplicate key");
        }
        if (!isOneJsonValue(attribute)) {
            return fail(why, pairPrefix(index) + "value is not one JSON value");
        }
    }
    return true;
}

size_t bodyOffset(std::string_view value) {
    // Clamped so that a value that skipped validation yields an empty body rather than an
    // out-of-range offset.
    if (value.size() < kLengthSize) {
        return value.size();
    }
    return kLengthSize + std::min<size_t>(readU32(value, 0), value.size() - kLengthSize);
}

Blob Blob::decode(std::string_view value) {
    Blob blob;
    const size_t end = bodyOffset(value);
    size_t at = kLengthSize;
    // The bounds checks only keep an unvalidated value from being read past its end; a
    // validated one always passes them.
    while (end >= kLengthSize && end - at >= kLengthSize) {
        const uint32_t length = readU32(value, at);
        at += kLengthSize;
        if (length > end - at) {
            break;
        }
        const auto split = splitPair(value.substr(at, length), nullptr);
        at += length;
        if (split) {
            blob.pairs_.emplace_back(split->first, split->second);
        }
    }
    return blob;
}

std::optional<std::string_view> Blob::get(std::string_view key) const {
    const auto found = std::find_if(pairs_.begin(), pairs_.end(),
                                    [key](const auto& pair) { return pair.first == key; });
    if (found == pairs_.end()) {
        return std::nullopt;
    }
    return std::string_view(found->second);
}

void Blob::set(std::string_view key, std::string_view value) {
    const auto found = std::find_if(pairs_.begin(), pairs_.end(),
                                    [key](const auto& pair) { return pair.first == key; });
    if (found != pairs_.end()) {
        found->second.assign(value);  // in place: the other attributes keep their order
    } else {
        pairs_.emplace_back(key, value);
    }
}

bool Blob::remove(std::string_view key) {
    const auto found = std::find_if(pairs_.begin(), pairs_.end(),
                                    [key](const auto& pair) { return pair.first == key; });
    if (found == pairs_.end()) {
        return false;
    }
    pairs_.erase(found);
    return true;
}

void Blob::removeUserAttributes() {
    std::erase_if(pairs_, [](const auto& pair) { return !isSystemKey(pair.first); });
}

std::string Blob::encode() const {
    if (pairs_.empty()) {
        return {};
    }
    size_t total = 0;
    for (const auto& [key, value] : pairs_) {
        total += kLengthSize + key.size() + 1 + value.size() + 1;
    }
    if (total > std::numeric_limits<uint32_t>::max()) {
        throw std::length_error("xattr section longer than its u32 length can say");
    }
    std::string out;
    out.reserve(kLengthSize + total);
    appendU32(out, static_cast<uint32_t>(total));
    for (const auto& [key, value] : pairs_) {
        appendU32(out, static_cast<uint32_t>(key.size() + 1 + value.size() + 1));
        out.append(key);
        out.push_back('\0');
        out.append(value);
        out.push_back('\0');
    }
    return out;
}

}  // namespace eddy::xattr
