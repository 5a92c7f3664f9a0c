// eddy — libFuzzer target for the sub-document engine: the path parsers and every operation.
//
// Input: byte 0 is the path's length and byte 1 the value's (each cut to what is left), then the
// path, then the value; the rest is the document. For each input:
//   - parsePath and parseXattrPath: a path that parses re-encodes to text that parses the same;
//   - Document::parse of the document: on success its toJson() parses back to the same text, on
//     failure the document is null;
//   - every Op, with and without mkdir_p, at the body path and at the xattr path, each on a fresh
//     parse of the document and (mutations) on the empty root makeEmptyRoot gives: a failure
//     leaves toJson() and the output as they were; a successful mutation leaves text that parses
//     back to itself; after DictAdd, DictUpsert and Replace, Get returns the value's compact text,
//     after Counter its decimal result.
// A broken invariant is __builtin_trap().
// Thread contract: single-threaded (libFuzzer calls it from one thread).

#include "subdoc/document.h"
#include "subdoc/path.h"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace eddy::subdoc;

constexpr Op kOps[] = {
    Op::Get,         Op::Exists,         Op::GetCount,
    Op::DictAdd,     Op::DictUpsert,     Op::Delete,
    Op::Replace,     Op::ArrayPushLast,  Op::ArrayPushFirst,
    Op::ArrayInsert, Op::ArrayAddUnique, Op::Counter,
};

// Traps (a crash libFuzzer reports) when an invariant does not hold.
void check(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

// Path text that parses to `path`: each key in backticks, with its own backticks doubled.
std::string encode(const Path& path) {
    std::string text;
    for (const PathComponent& component : path) {
        if (component.kind == PathComponent::Kind::Index) {
            text += '[' + std::to_string(component.index) + ']';
            continue;
        }
        if (!text.empty()) {
            text += '.';
        }
        text += '`';
        for (const char c : component.key) {
            text += c;
            if (c == '`') {
                text += '`';
            }
        }
        text += '`';
    }
    return text;
}

void checkPath(Result result, const Path& path) {
    check(result == Result::Success || result == Result::PathEinval || result == Result::PathE2big);
    if (result != Result::Success) {
        return;
    }
    check(path.size() <= kMaxPathComponents);
    for (const PathComponent& component : path) {
        check(component.kind == PathComponent::Kind::Index ? component.index >= -1
                                                           : !component.key.empty());
    }
    const std::string text = encode(path);
    Path again;
    if (text.size() <= kMaxPathLength) {
        check(parsePath(text, again) == Result::Success && again == path);
    }
}

Result fuzzXattrPath(std::string_view text, Path& path) {
    const Result result = parseXattrPath(text, path);
    checkPath(result, path);
    if (result == Result::Success) {
        const std::string_view key = xattrKeyOf(text);
        check(!key.empty() && key.size() <= kMaxXattrKeyLength);
        check(key.find_first_of(".[") == std::string_view::npos);
        check(path.front().kind == PathComponent::Kind::Key && path.front().key == key);
    }
    return result;
}

// Whether `text` parses back to itself (what toJson() writes must).
bool roundTrips(const std::string& text) {
    Document doc;
    return doc.parse(text) == Result::Success && doc.toJson() == text;
}

bool isInt64Text(const std::string& text) {
    int64_t number = 0;
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, number);
    return !text.empty() && error == std::errc() && stop == end && std::to_string(number) == text;
}

void checkLookup(const Document& doc, Op op, const Path& path) {
    const std::string before = doc.toJson();
    std::string value = "stale";
    const Result result = doc.lookup(op, path, value);
    check(doc.toJson() == before);
    if (result != Result::Success || op == Op::Exists) {
        check(value.empty());
    } else if (op == Op::Get) {
        check(roundTrips(value));
    } else {
        check(isInt64Text(value) && value.front() != '-');
    }
}

// What Get at `path` returns after a successful mutation.
void checkAfterMutation(const Document& doc, Op op, const Path& path, std::string_view value,
                        const std::string& result) {
    std::string got;
    if (op == Op::Counter) {
        check(isInt64Text(result));
        check(doc.lookup(Op::Get, path, got) == Result::Success && got == result);
    } else if (op == Op::DictAdd || op == Op::DictUpsert || op == Op::Replace) {
        Document inserted;
        check(inserted.parse(value) == Result::Success);
        check(doc.lookup(Op::Get, path, got) == Result::Success && got == inserted.toJson());
    } else {
        check(result.empty());
    }
}

void checkMutation(Document& doc, Op op, const Path& path, std::string_view value, bool mkdir_p) {
    const std::string before = doc.toJson();
    std::string result = "stale";
    const Result status = doc.mutate(op, path, value, mkdir_p, result);
    const std::string after = doc.toJson();
    if (status != Result::Success) {
        check(after == before);
        check(result.empty());
        return;
    }
    check(roundTrips(after));
    checkAfterMutation(doc, op, path, value, result);
}

void fuzzOps(std::string_view json, const Path& path, std::string_view value) {
    for (const Op op : kOps) {
        for (const bool mkdir_p : {false, true}) {
            Document doc;
            (void)doc.parse(json);
            if (isMutation(op)) {
                checkMutation(doc, op, path, value, mkdir_p);
                Document created;
                created.makeEmptyRoot(op, path);
                check(created.toJson() == "[]" || created.toJson() == "{}");
                checkMutation(created, op, path, value, mkdir_p);
            } else {
                checkLookup(doc, op, path);
            }
        }
    }
}

void fuzzDocument(std::string_view json) {
    Document doc;
    const Result result = doc.parse(json);
    check(result == Result::Success || result == Result::DocNotJson || result == Result::DocE2deep);
    if (result != Result::Success) {
        check(doc.toJson() == "null" && doc.members().empty());
        return;
    }
    check(roundTrips(doc.toJson()));
    std::string count;
    if (doc.lookup(Op::GetCount, Path{}, count) == Result::Success && doc.toJson()[0] == '{') {
        check(std::to_string(doc.members().size()) == count);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) {
        return 0;
    }
    std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
    const std::string_view path_text = input.substr(0, std::min<size_t>(data[0], input.size()));
    input.remove_prefix(path_text.size());
    const std::string_view value = input.substr(0, std::min<size_t>(data[1], input.size()));
    const std::string_view json = input.substr(value.size());

    fuzzDocument(json);
    Path path;
    const Result parsed = parsePath(path_text, path);
    checkPath(parsed, path);
    if (parsed == Result::Success) {
        fuzzOps(json, path, value);
    }
    Path xattr_path;
    if (fuzzXattrPath(path_text, xattr_path) == Result::Success) {
        fuzzOps(json, xattr_path, value);
    }
    return 0;
}
