// eddy — libFuzzer target for the xattr section codec.
//
// Input: a whole document value with datatype XATTR (section, then body). validate() must never
// read out of bounds. When it accepts the input, the decoded blob must encode back to the exact
// section bytes and the body must be what follows them; then the blob is edited (a value copied
// under a new key, a replacement, a removal, removeUserAttributes) and every re-encoding must
// validate and decode to the same pairs. A rejected input is still decoded and its body taken,
// which must not read out of bounds either. A broken invariant is a crash (__builtin_trap).
// Thread contract: single-threaded (libFuzzer calls it from one thread).

#include "xattr/blob.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using eddy::xattr::Blob;

// Traps (a crash libFuzzer reports) when an invariant does not hold.
void check(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

/// What every encoding of an edited blob must satisfy.
void checkEncoding(const Blob& blob) {
    const std::string encoded = blob.encode();
    if (blob.empty()) {
        check(encoded.empty());
        return;
    }
    check(eddy::xattr::validate(encoded));
    check(eddy::xattr::bodyOffset(encoded) == encoded.size());
    check(Blob::decode(encoded).pairs() == blob.pairs());
}

/// What Blob::set must do to the pairs: replace in place, or append.
void modelSet(std::vector<std::pair<std::string, std::string>>& pairs, const std::string& key,
              const std::string& value) {
    const auto found = std::find_if(pairs.begin(), pairs.end(),
                                    [&key](const auto& pair) { return pair.first == key; });
    if (found != pairs.end()) {
        found->second = value;
    } else {
        pairs.emplace_back(key, value);
    }
}

void fuzzEdits(Blob blob) {
    // `expected` models the pairs: every edit is applied to both and they must agree.
    auto expected = blob.pairs();
    const auto agree = [&] {
        check(blob.pairs() == expected);
        checkEncoding(blob);
    };
    // Copies the first value under another key (added, or replaced when the input had it).
    if (!expected.empty()) {
        const std::string value = expected.front().second;
        modelSet(expected, "fz0", value);
        blob.set("fz0", value);
        check(blob.get("fz0") == std::string_view(value));
        agree();
    }
    // Replacing keeps the position.
    if (!expected.empty()) {
        const std::string key = expected.back().first;
        expected.back().second = "[true,{\"k\":null}]";
        blob.set(key, "[true,{\"k\":null}]");
        agree();
    }
    // Removing one attribute leaves the others in order.
    if (expected.size() > 1) {
        const size_t index = expected.size() / 2;
        const std::string key = expected[index].first;
        expected.erase(expected.begin() + static_cast<std::ptrdiff_t>(index));
        check(blob.remove(key));
        check(!blob.remove(key));
        check(!blob.get(key).has_value());
        agree();
    }
    // A system attribute survives removeUserAttributes; user ones do not.
    modelSet(expected, "_fz", "\"system\"");
    blob.set("_fz", "\"system\"");
    std::erase_if(expected, [](const auto& pair) { return !eddy::xattr::isSystemKey(pair.first); });
    blob.removeUserAttributes();
    check(blob.get("_fz").has_value());
    agree();
    check(blob.remove("_fz"));
    std::erase_if(expected, [](const auto& pair) { return pair.first == "_fz"; });
    agree();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view value(reinterpret_cast<const char*>(data), size);
    std::string why;
    if (!eddy::xattr::validate(value, &why)) {
        check(!why.empty());
        // Outside the contract, but it must stay within the value.
        const Blob blob = Blob::decode(value);
        check(eddy::xattr::bodyOf(value).size() <= size);
        check(blob.pairs().size() <= size);
        return 0;
    }
    check(size >= 4);
    const size_t offset = eddy::xattr::bodyOffset(value);
    const std::string_view section = value.substr(0, offset);
    check(eddy::xattr::bodyOf(value) == value.substr(offset));

    const Blob blob = Blob::decode(value);
    if (blob.empty()) {
        check(section.size() == 4);
        check(blob.encode().empty());
    } else {
        check(blob.encode() == section);
    }
    for (const auto& [key, attribute] : blob.pairs()) {
        check(eddy::xattr::isValidKey(key));
        check(blob.get(key) == std::string_view(attribute));
    }
    fuzzEdits(blob);
    return 0;
}
