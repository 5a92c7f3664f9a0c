// eddy — what document.cc (parsing, lookups, text) and document_mutate.cc (mutations) share.
//
// Owns: parseBounded, the only way text reaches RapidJSON (depth checked first); compactJson;
// and walk, which follows a path through a DOM.
//
// Thread contract: pure functions; any thread.
#pragma once

#include "subdoc/document.h"
#include "subdoc/path.h"
#include "subdoc/result.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace eddy::subdoc::detail {

/// Why a text did not parse.
enum class TextError : uint8_t {
    None,
    NotJson,
    TooDeep
};

/// Parses `text`, one JSON value with only whitespace around it, into `out` (its values are
/// allocated by `out`'s allocator) if it nests at most `max_depth` objects and arrays. The depth
/// is checked by a linear scan before RapidJSON, which recurses, sees the text. A text that is
/// both too deep and not JSON gets the error met first reading it left to right. Numbers are
/// converted by std::from_chars, correctly rounded. With `validate_utf8` a string that is not
/// valid UTF-8 makes the text NotJson. On an error `out` is left null.
[[nodiscard]] TextError parseBounded(std::string_view text, size_t max_depth, bool validate_utf8,
                                     rapidjson::Document& out);

/// `value` as compact JSON text.
[[nodiscard]] std::string compactJson(const rapidjson::Value& value);

[[nodiscard]] inline bool isContainer(const rapidjson::Value& value) {
    return value.IsObject() || value.IsArray();
}

/// A member name as a RapidJSON string that refers to `key` (embedded NULs included).
[[nodiscard]] inline rapidjson::Value nameRef(const std::string& key) {
    return rapidjson::Value(
        rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size())));
}

/// The member of the object `object` named `key`, or nullptr.
template <typename V>
[[nodiscard]] auto* findMember(V& object, const std::string& key) {
    const auto member = object.FindMember(nameRef(key));
    // The end is recognised by position: in C++20 RapidJSON 1.1's comparison of a MemberIterator
    // with the end is ambiguous (its operator== takes a ConstMemberIterator).
    const auto position = static_cast<rapidjson::SizeType>(member - object.MemberBegin());
    return position < object.MemberCount() ? &*member : nullptr;
}

/// One step down a path from `node` (Value or const Value): `child` receives the member or
/// element `component` names. PathMismatch when `node` is not the container the component
/// needs, PathEnoent when it has no such member or element.
template <typename V>
[[nodiscard]] Result step(V& node, const PathComponent& component, V*& child) {
    if (component.kind == PathComponent::Kind::Key) {
        if (!node.IsObject()) {
            return Result::PathMismatch;
        }
        auto* member = findMember(node, component.key);
        if (member == nullptr) {
            return Result::PathEnoent;
        }
        child = &member->value;
        return Result::Success;
    }
    if (!node.IsArray()) {
        return Result::PathMismatch;
    }
    const uint64_t size = node.Size();
    const uint64_t at = component.index == PathComponent::kLastIndex
                            ? size - 1  // wraps to the maximum when the array is empty
                            : static_cast<uint64_t>(component.index);
    if (at >= size) {
        return Result::PathEnoent;
    }
    child = node.Begin() + at;
    return Result::Success;
}

/// How far a walk got: the deepest value reached and how many components led to it.
template <typename V>
struct Reach {
    V* node = nullptr;
    size_t matched = 0;
};

/// Follows the first `count` components of `path` from `root`. On PathEnoent `reach` holds the
/// container that lacks component `reach.matched`.
template <typename V>
[[nodiscard]] Result walk(V& root, const Path& path, size_t count, Reach<V>& reach) {
    reach.node = &root;
    for (reach.matched = 0; reach.matched < count; ++reach.matched) {
        V* child = nullptr;
        if (const Result r = step(*reach.node, path[reach.matched], child); r != Result::Success) {
            return r;
        }
        reach.node = child;
    }
    return Result::Success;
}

}  // namespace eddy::subdoc::detail
