// eddy — the sub-document mutations.
//
// Each operation checks everything that can fail (the path's shape, the value, the path through
// the document) before it changes anything, so a failure leaves the document as it was.
#include "subdoc/document.h"
#include "subdoc/document_detail.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace eddy::subdoc {

namespace {

using rapidjson::SizeType;
using rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;
using Kind = PathComponent::Kind;
using detail::Reach;

static_assert(kMaxPathComponents <= kMaxDepth, "depthBudget() must not wrap");

// How deep a value may nest at the end of a path of `components` components: the root is level
// 1 and each component one level further down.
size_t depthBudget(size_t components) {
    return kMaxDepth - components;
}

bool endsWith(const Path& path, Kind kind) {
    return !path.empty() && path.back().kind == kind;
}

// Whether what a walk missed, path[matched..], can be created: object members only (mkdir_p
// never creates array elements), and nothing but the last unless `intermediates` (mkdir_p).
bool canCreate(const Path& path, size_t matched, bool intermediates) {
    const bool keys_only =
        std::all_of(path.begin() + static_cast<std::ptrdiff_t>(matched), path.end(),
                    [](const PathComponent& component) { return component.kind == Kind::Key; });
    return keys_only && (intermediates || matched + 1 == path.size());
}

Value nameCopy(const std::string& key, Allocator& allocator) {
    return Value(key.data(), static_cast<SizeType>(key.size()), allocator);
}

// Adds `leaf` (moved) to the object `from` under path[begin..]: each key but the last gets a new
// object holding the next, and the last key holds `leaf`.
void attach(Value& from, const Path& path, size_t begin, Value& leaf, Allocator& allocator) {
    for (size_t i = path.size() - 1; i > begin; --i) {
        Value holder(rapidjson::kObjectType);
        Value name = nameCopy(path[i].key, allocator);
        holder.AddMember(name, leaf, allocator);
        leaf = holder;
    }
    Value name = nameCopy(path[begin].key, allocator);
    from.AddMember(name, leaf, allocator);
}

// Moves the elements of the array `values` into `array` at position `at`, in order.
void insertElements(Value& array, SizeType at, Value& values, Allocator& allocator) {
    const SizeType old_size = array.Size();
    array.Reserve(old_size + values.Size(), allocator);
    for (Value& value : values.GetArray()) {
        array.PushBack(value, allocator);
    }
    std::rotate(array.Begin() + at, array.Begin() + old_size, array.End());
}

// One JSON value, which may nest `max_depth` deep, parsed into `allocator` (the document's).
Result parseValue(std::string_view text, size_t max_depth, Allocator& allocator, Value& out) {
    rapidjson::Document parsed(&allocator);
    switch (detail::parseBounded(text, max_depth, true, parsed)) {
    case detail::TextError::None: break;
    case detail::TextError::NotJson: return Result::ValueCantinsert;
    case detail::TextError::TooDeep: return Result::ValueEtoodeep;
    }
    out = static_cast<Value&>(parsed);
    return Result::Success;
}

// An array operation's value, one or more comma-separated JSON values: read as the elements of
// an array that stands for the target array, so `max_depth` is the target's budget.
Result parseValues(std::string_view text, size_t max_depth, Allocator& allocator, Value& out) {
    std::string list;
    list.reserve(text.size() + 2);
    list += '[';
    list += text;
    list += ']';
    if (const Result r = parseValue(list, max_depth, allocator, out); r != Result::Success) {
        return r;
    }
    // "[ ]" parses, but an empty or blank value holds nothing to insert.
    return out.Empty() ? Result::ValueCantinsert : Result::Success;
}

// kv_engine's delta: decimal, an optional '-', no leading zero (so never 0), within int64.
bool parseDelta(std::string_view text, int64_t& delta) {
    const std::string_view digits = text.substr(text.starts_with('-') ? 1 : 0);
    if (digits.empty() || digits.front() == '0') {
        return false;
    }
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, delta);
    return error == std::errc() && stop == end;
}

// RapidJSON reads an integer beyond int64 and uint64 as a double, which then looks the same as
// that number written with a fraction or exponent. Every double of magnitude 2^63 or more is
// whole, and is taken for such an integer.
bool isWholeBeyondInt64(const Value& value) {
    return value.IsDouble() && std::fabs(value.GetDouble()) >= 0x1p63;
}

// A counter's new value: `current` must be an integer that fits int64, and so must the sum.
Result addDelta(const Value& current, int64_t delta, int64_t& sum) {
    if (current.IsInt64()) {
        return __builtin_add_overflow(current.GetInt64(), delta, &sum) ? Result::ValueCantinsert
                                                                       : Result::Success;
    }
    if (current.IsUint64() || isWholeBeyondInt64(current)) {
        return Result::NumErange;
    }
    return Result::PathMismatch;
}

Result storeMember(rapidjson::Document& doc, Op op, const Path& path, std::string_view text,
                   bool mkdir_p) {
    if (!endsWith(path, Kind::Key)) {
        return Result::PathEinval;
    }
    Value value;
    if (const Result r = parseValue(text, depthBudget(path.size()), doc.GetAllocator(), value);
        r != Result::Success) {
        return r;
    }
    if (!detail::isContainer(doc)) {
        return Result::DocNotJson;
    }
    Reach<Value> reach;
    const Result found = detail::walk<Value>(doc, path, path.size(), reach);
    if (found == Result::Success) {
        if (op == Op::DictAdd) {
            return Result::PathEexists;
        }
        *reach.node = value;
        return Result::Success;
    }
    if (found != Result::PathEnoent) {
        return found;
    }
    if (!canCreate(path, reach.matched, mkdir_p)) {
        return Result::PathEnoent;
    }
    attach(*reach.node, path, reach.matched, value, doc.GetAllocator());
    return Result::Success;
}

Result removeAt(rapidjson::Document& doc, const Path& path) {
    if (path.empty()) {
        return Result::PathEinval;
    }
    if (!detail::isContainer(doc)) {
        return Result::DocNotJson;
    }
    Reach<Value> parent;
    if (const Result r = detail::walk<Value>(doc, path, path.size() - 1, parent);
        r != Result::Success) {
        return r;
    }
    Value* node = nullptr;
    if (const Result r = detail::step(*parent.node, path.back(), node); r != Result::Success) {
        return r;
    }
    if (parent.node->IsObject()) {
        // EraseMember keeps the other members in order (RemoveMember would not).
        parent.node->EraseMember(parent.node->FindMember(detail::nameRef(path.back().key)));
    } else {
        parent.node->Erase(node);
    }
    return Result::Success;
}

Result replaceAt(rapidjson::Document& doc, const Path& path, std::string_view text) {
    if (path.empty()) {
        return Result::PathEinval;
    }
    Value value;
    if (const Result r = parseValue(text, depthBudget(path.size()), doc.GetAllocator(), value);
        r != Result::Success) {
        return r;
    }
    if (!detail::isContainer(doc)) {
        return Result::DocNotJson;
    }
    Reach<Value> reach;
    if (const Result r = detail::walk<Value>(doc, path, path.size(), reach); r != Result::Success) {
        return r;
    }
    *reach.node = value;
    return Result::Success;
}

Result push(rapidjson::Document& doc, Op op, const Path& path, std::string_view text,
            bool mkdir_p) {
    Value values;
    if (const Result r = parseValues(text, depthBudget(path.size()), doc.GetAllocator(), values);
        r != Result::Success) {
        return r;
    }
    if (!detail::isContainer(doc)) {
        return Result::DocNotJson;
    }
    Reach<Value> reach;
    const Result found = detail::walk<Value>(doc, path, path.size(), reach);
    if (found == Result::Success) {
        Value& array = *reach.node;
        if (!array.IsArray()) {
            return Result::PathMismatch;
        }
        const SizeType at = op == Op::ArrayPushFirst ? 0 : array.Size();
        insertElements(array, at, values, doc.GetAllocator());
        return Result::Success;
    }
    if (found != Result::PathEnoent) {
        return found;
    }
    // The array itself is missing: only mkdir_p creates it (holding the values).
    if (!mkdir_p || !canCreate(path, reach.matched, true)) {
        return Result::PathEnoent;
    }
    attach(*reach.node, path, reach.matched, values, doc.GetAllocator());
    return Result::Success;
}

Result insertAt(rapidjson::Document& doc, const Path& path, std::string_view text) {
    if (!endsWith(path, Kind::Index) || path.back().index == PathComponent::kLastIndex) {
        return Result::PathEinval;
    }
    Value values;
    // The array is the path's parent, one level up.
    const size_t budget = depthBudget(path.size() - 1);
    if (const Result r = parseValues(text, budget, doc.GetAllocator(), values);
        r != Result::Success) {
        return r;
    }
    if (!detail::isContainer(doc)) {
        return Result::DocNotJson;
    }
    Reach<Value> parent;
    if (const Result r = detail::walk<Value>(doc, path, path.size() - 1, parent);
        r != Result::Success) {
        return r;
    }
    Value& array = *parent.node;
    if (!array.IsArray()) {
        return Result::PathMismatch;
    }
    if (static_cast<uint64_t>(path.back().index) > array.Size()) {
        return Result::PathEnoent;
    }
    insertElements(array, static_cast<SizeType>(path.back().index), values, doc.GetAllocator());
    return Result::Success;
}

// Whether `array` (all primitives) holds an element whose compact text is `text`.
bool holdsText(const Value& array, const std::string& text) {
    return std::any_of(array.Begin(), array.End(), [&text](const Value& element) {
        return detail::compactJson(element) == text;
    });
}

Result addUnique(rapidjson::Document& doc, const Path& path, std::string_view text, bool mkdir_p) {
    Value value;
    // Only a primitive is accepted, so a value too deep is refused as any container is.
    const Result parsed = parseValue(text, kMaxDepth, doc.GetAllocator(), value);
    if (parsed != Result::Success || detail::isContainer(value)) {
        return Result::ValueCantinsert;
    }
    if (!detail::isContainer(doc)) {
        return Result::DocNotJson;
    }
    Reach<Value> reach;
    const Result found = detail::walk<Value>(doc, path, path.size(), reach);
    if (found == Result::Success) {
        Value& array = *reach.node;
        if (!array.IsArray() || std::any_of(array.Begin(), array.End(), detail::isContainer)) {
            return Result::PathMismatch;
        }
        if (holdsText(array, detail::compactJson(value))) {
            return Result::PathEexists;
        }
        array.PushBack(value, doc.GetAllocator());
        return Result::Success;
    }
    if (found != Result::PathEnoent) {
        return found;
    }
    if (!mkdir_p || !canCreate(path, reach.matched, true)) {
        return Result::PathEnoent;
    }
    // The new array would sit one level below the path's last component.
    if (path.size() + 1 > kMaxDepth) {
        return Result::ValueEtoodeep;
    }
    Value array(rapidjson::kArrayType);
    array.PushBack(value, doc.GetAllocator());
    attach(*reach.node, path, reach.matched, array, doc.GetAllocator());
    return Result::Success;
}

Result counter(rapidjson::Document& doc, const Path& path, std::string_view text, bool mkdir_p,
               std::string& result) {
    if (path.empty()) {
        return Result::PathEinval;
    }
    int64_t delta = 0;
    if (!parseDelta(text, delta)) {
        return Result::DeltaEinval;
    }
    if (!detail::isContainer(doc)) {
        return Result::DocNotJson;
    }
    Reach<Value> reach;
    const Result found = detail::walk<Value>(doc, path, path.size(), reach);
    if (found == Result::Success) {
        int64_t sum = 0;
        if (const Result r = addDelta(*reach.node, delta, sum); r != Result::Success) {
            return r;
        }
        reach.node->SetInt64(sum);
        result = std::to_string(sum);
        return Result::Success;
    }
    if (found != Result::PathEnoent) {
        return found;
    }
    // A missing counter starts at 0, so it becomes the delta.
    if (!canCreate(path, reach.matched, mkdir_p)) {
        return Result::PathEnoent;
    }
    Value number(delta);
    attach(*reach.node, path, reach.matched, number, doc.GetAllocator());
    result = std::to_string(delta);
    return Result::Success;
}

}  // namespace

Result Document::mutate(Op op, const Path& path, std::string_view value, bool mkdir_p,
                        std::string& result) {
    result.clear();
    if (path.size() > kMaxPathComponents) {
        return Result::PathE2big;
    }
    switch (op) {
    case Op::DictAdd:
    case Op::DictUpsert: return storeMember(doc_, op, path, value, mkdir_p);
    case Op::Delete: return removeAt(doc_, path);
    case Op::Replace: return replaceAt(doc_, path, value);
    case Op::ArrayPushLast:
    case Op::ArrayPushFirst: return push(doc_, op, path, value, mkdir_p);
    case Op::ArrayInsert: return insertAt(doc_, path, value);
    case Op::ArrayAddUnique: return addUnique(doc_, path, value, mkdir_p);
    case Op::Counter: return counter(doc_, path, value, mkdir_p, result);
    case Op::Get:
    case Op::Exists:
    case Op::GetCount: break;
    }
    // A lookup is not a mutation.
    return Result::PathEinval;
}

}  // namespace eddy::subdoc
