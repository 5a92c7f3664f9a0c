// eddy — libFuzzer target for the collections manifest and the LEB128 collection-id prefix.
//
// Input: any bytes, read three ways.
// - As a key: when a LEB128 prefix decodes, it is at most five bytes and re-encoding its value
//   gives back exactly the bytes it took (only the canonical form decodes); when it does not, an
//   error is reported.
// - As a DCP stream filter: refused with a message, or its ids sorted, distinct, 1 to 1000.
// - As a manifest's JSON: parse() refuses it with a non-empty ManifestError, or the manifest
//   writes back to itself (parse(toJson()) == m), may follow itself, drops nothing from itself,
//   and every scope and collection it holds is found under its own path. Slices of the input
//   (the whole, the parts around its first dots, its first line) are looked up as collection and
//   scope paths in it and in the default manifest: whatever is found must exist where the lookup
//   says it does.
// A broken invariant is a crash (__builtin_trap); an exception other than ManifestError escapes
// and aborts, which libFuzzer reports too.
// Thread contract: single-threaded (libFuzzer calls it from one thread).

#include "collections/manifest.h"
#include "collections/stream_filter.h"
#include "protocol/leb128.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using eddy::collections::Lookup;
using eddy::collections::Manifest;

// Traps (a crash libFuzzer reports) when an invariant does not hold.
void check(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

void fuzzLeb128(std::string_view bytes) {
    eddy::mcbp::Leb128Error error{};
    const auto prefix = eddy::mcbp::decodeLeb128(bytes, &error);
    if (!prefix) {
        check(error == eddy::mcbp::Leb128Error::NoStopByte ||
              error == eddy::mcbp::Leb128Error::NotCanonical);
        return;
    }
    check(prefix->size >= 1 && prefix->size <= eddy::mcbp::kMaxLeb128Size);
    check(prefix->size <= bytes.size());
    check(eddy::mcbp::encodeLeb128(prefix->value).view() == bytes.substr(0, prefix->size));
}

/// What a lookup must satisfy in `manifest`, whatever the path.
void checkLookups(const Manifest& manifest, std::string_view path) {
    const Lookup collection = manifest.lookupCollection(path);
    if (collection.result == Lookup::Result::Found) {
        check(manifest.findCollection(collection.collection) != nullptr);
        check(manifest.scopeOf(collection.collection) == collection.scope);
    }
    // No dot, no collection.
    if (path.find('.') == std::string_view::npos) {
        check(collection.result == Lookup::Result::Invalid);
    }
    const Lookup scope = manifest.lookupScope(path);
    if (scope.result == Lookup::Result::Found) {
        check(std::any_of(manifest.scopes().begin(), manifest.scopes().end(),
                          [&](const auto& s) { return s.id == scope.scope; }));
    }
}

/// A few paths cut from the input.
std::vector<std::string_view> slices(std::string_view input) {
    std::vector<std::string_view> out{input, input.substr(0, input.find('\n'))};
    size_t dot = input.find('.');
    for (int i = 0; i < 3 && dot != std::string_view::npos; ++i) {
        // The JSON string holding the dot.
        const size_t open = input.rfind('"', dot);
        const size_t begin = open == std::string_view::npos ? 0 : open + 1;
        const size_t close = input.find('"', dot);
        out.push_back(input.substr(begin, close == std::string_view::npos ? close : close - begin));
        out.push_back(input.substr(0, dot + 1));
        out.push_back(input.substr(dot));
        dot = input.find('.', dot + 1);
    }
    return out;
}

void checkManifest(const Manifest& manifest) {
    check(Manifest::parse(manifest.toJson()) == manifest);
    check(!manifest.refuseSuccessor(manifest).has_value());
    check(manifest.droppedIn(manifest).empty());
    check(manifest.lookupScope("").result == Lookup::Result::Found);
    check(manifest.hasDefaultCollection() ==
          (manifest.findCollection(eddy::collections::kDefaultCollection) != nullptr));
    for (const auto& scope : manifest.scopes()) {
        const Lookup found = manifest.lookupScope(scope.name);
        check(found.result == Lookup::Result::Found && found.scope == scope.id);
        for (const auto& collection : scope.collections) {
            check(manifest.scopeOf(collection.id) == scope.id);
            const Lookup path = manifest.lookupCollection(scope.name + "." + collection.name);
            check(path.result == Lookup::Result::Found && path.scope == scope.id &&
                  path.collection == collection.id);
        }
    }
}

}  // namespace

/// A DCP stream filter: refused with a message, or a sorted list of 1..1000 distinct ids.
void fuzzStreamFilter(std::string_view json) {
    const eddy::collections::StreamFilterResult result = eddy::collections::parseStreamFilter(json);
    if (result.error != eddy::collections::StreamFilterResult::Error::None) {
        check(!result.message.empty());
        return;
    }
    check(result.message.empty());
    if (const auto& ids = result.filter.collections) {
        check(!ids->empty() && ids->size() <= eddy::collections::kMaxFilterCollections);
        check(std::adjacent_find(ids->begin(), ids->end(), [](auto a, auto b) { return a >= b; }) ==
              ids->end());
    }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    fuzzLeb128(input);
    fuzzStreamFilter(input);

    static const Manifest kDefault;
    const std::vector<std::string_view> paths = slices(input);
    for (const std::string_view path : paths) {
        checkLookups(kDefault, path);
    }
    Manifest manifest;
    try {
        manifest = Manifest::parse(input);
    } catch (const eddy::collections::ManifestError& e) {
        check(std::string_view(e.what()).find(": ") != std::string_view::npos);
        return 0;
    }
    checkManifest(manifest);
    for (const std::string_view path : paths) {
        checkLookups(manifest, path);
    }
    return 0;
}
