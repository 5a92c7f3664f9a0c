// eddy — parsing a sub-document, its lookups and its text (mutations: document_mutate.cc).
#include "subdoc/document.h"

#include "subdoc/document_detail.h"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace eddy::subdoc {

namespace detail {

namespace {

// Numbers reach the handler as text (RawNumber), converted by ExactNumbers below.
constexpr unsigned kParseFlags = rapidjson::kParseNumbersAsStringsFlag;
// Strings must be valid UTF-8, as JSON requires, in what a client inserts: nothing this engine
// writes (an xattr above all, which the xattr codec checks again) can then hold bad UTF-8. A
// stored document is read as it is (checking its every string costs more than the rest of a
// lookup), so bad bytes it already has are carried through, never introduced.
constexpr unsigned kValidatingFlags = kParseFlags | rapidjson::kParseValidateEncodingFlag;

template <unsigned Flags, typename Handler>
bool parses(std::string_view text, Handler& handler, rapidjson::ParseResult* result = nullptr) {
    rapidjson::Reader reader;
    rapidjson::MemoryStream stream(text.data(), text.size());
    const rapidjson::ParseResult parsed = reader.Parse<Flags>(stream, handler);
    if (result != nullptr) {
        *result = parsed;
    }
    return !parsed.IsError();
}

// The offset of the first '[' or '{' that opens a container deeper than `max_depth`, or npos.
// Strings are skipped as RapidJSON reads them (a backslash takes the next byte along), so up to
// the first error RapidJSON meets the scan never sees less nesting than RapidJSON descends.
size_t depthExceededAt(std::string_view text, size_t max_depth) {
    size_t depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) {
                return i;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return std::string_view::npos;
}

template <typename T>
bool parseWhole(std::string_view text, T& value) {
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    return error == std::errc() && stop == end;
}

// A double correctly rounded; false beyond a double's range. from_chars refuses an underflow as
// well, which strtod takes to zero or a denormal.
bool parseDouble(std::string_view text, double& value) {
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (error == std::errc::result_out_of_range) {
        value = std::strtod(std::string(text).c_str(), nullptr);
        return std::isfinite(value);
    }
    return error == std::errc() && stop == end;
}

// A reader handler (a Document building a DOM, or one that only validates) whose numbers are
// converted by from_chars: RapidJSON 1.1's own full-precision conversion gets some wrong (0e300
// and 18446744073709551615.9 come out as unrelated numbers). An integer that fits is an int64,
// else a uint64, else a double, as RapidJSON stores them.
template <typename Handler>
class ExactNumbers : public Handler {
public:
    using Handler::Handler;

    // NOLINTNEXTLINE(readability-identifier-naming): RapidJSON's handler interface.
    bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) {
        const std::string_view number(text, length);
        if (number.find_first_of(".eE") == std::string_view::npos) {
            if (int64_t integer = 0; parseWhole(number, integer)) {
                return Handler::Int64(integer);
            }
            if (uint64_t integer = 0; parseWhole(number, integer)) {
                return Handler::Uint64(integer);
            }
        }
        double real = 0;
        return parseDouble(number, real) && Handler::Double(real);
    }
};

using DomBuilder = ExactNumbers<rapidjson::Document>;
using Validator = ExactNumbers<rapidjson::BaseReaderHandler<>>;

// Feeds `text` to a DomBuilder through Document::Populate, which takes the parsed root off the
// document's stack. The text is read from a plain MemoryStream: Document::Parse(str, length)
// would skip a byte-order mark and, after a lone 0xEF, the bytes that did not complete one
// ("\xEF{}" would read as {}).
struct Generator {
    std::string_view text;
    bool validate_utf8 = false;
    bool parsed = false;

    bool operator()(rapidjson::Document& handler) {
        auto& builder = static_cast<DomBuilder&>(handler);
        parsed = validate_utf8 ? parses<kValidatingFlags>(text, builder)
                               : parses<kParseFlags>(text, builder);
        return parsed;
    }
};

// A text that nests too deep at `too_deep_at`: whether it would have failed as JSON first. The
// iterative reader keeps its nesting on the heap, so it validates any depth; an error it reports
// at or before the offending bracket came first (kv_engine's streaming parser stops there too).
TextError firstError(std::string_view text, size_t too_deep_at, bool validate_utf8) {
    Validator ignore;
    rapidjson::ParseResult parsed;
    if (validate_utf8) {
        (void)parses<kValidatingFlags | rapidjson::kParseIterativeFlag>(text, ignore, &parsed);
    } else {
        (void)parses<kParseFlags | rapidjson::kParseIterativeFlag>(text, ignore, &parsed);
    }
    return parsed.IsError() && parsed.Offset() <= too_deep_at ? TextError::NotJson
                                                              : TextError::TooDeep;
}

}  // namespace

TextError parseBounded(std::string_view text, size_t max_depth, bool validate_utf8,
                       rapidjson::Document& out) {
    out.SetNull();
    // RapidJSON takes a NUL for the end of the text ("1\0x" would read as 1); JSON has no raw
    // NUL anywhere, not even in a string.
    if (text.find('\0') != std::string_view::npos) {
        return TextError::NotJson;
    }
    if (const size_t at = depthExceededAt(text, max_depth); at != std::string_view::npos) {
        return firstError(text, at, validate_utf8);
    }
    DomBuilder builder(&out.GetAllocator());
    Generator generator{text, validate_utf8};
    builder.Populate(generator);
    if (!generator.parsed) {
        return TextError::NotJson;
    }
    static_cast<rapidjson::Value&>(out) = static_cast<rapidjson::Value&>(builder);
    return TextError::None;
}

std::string compactJson(const rapidjson::Value& value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace detail

namespace {

// Empties `doc`, releasing what its allocator holds.
void reset(rapidjson::Document& doc) {
    rapidjson::Document fresh;
    doc.Swap(fresh);
}

}  // namespace

Result Document::parse(std::string_view json) {
    reset(doc_);
    // On an error parseBounded leaves the root null.
    switch (detail::parseBounded(json, kMaxDepth, false, doc_)) {
    case detail::TextError::None: return Result::Success;
    case detail::TextError::NotJson: return Result::DocNotJson;
    case detail::TextError::TooDeep: return Result::DocE2deep;
    }
    return Result::DocNotJson;
}

void Document::makeEmptyRoot(Op op, const Path& path) {
    const bool array_op =
        op == Op::ArrayPushLast || op == Op::ArrayPushFirst || op == Op::ArrayAddUnique;
    const bool starts_with_index = !path.empty() && path.front().kind == PathComponent::Kind::Index;
    reset(doc_);
    if ((array_op && path.empty()) || starts_with_index) {
        doc_.SetArray();
    } else {
        doc_.SetObject();
    }
}

void Document::makeEmptyObject() {
    reset(doc_);
    doc_.SetObject();
}

Result Document::lookup(Op op, const Path& path, std::string& value) const {
    value.clear();
    if (isMutation(op)) {
        return Result::PathEinval;
    }
    if (path.size() > kMaxPathComponents) {
        return Result::PathE2big;
    }
    // Only GetCount may name the root (kv_engine refuses an empty path for Get and Exists).
    if (path.empty() && op != Op::GetCount) {
        return Result::PathEinval;
    }
    // kv_engine works on objects and arrays only: a bare string or number is not a document.
    if (!detail::isContainer(doc_)) {
        return Result::DocNotJson;
    }
    detail::Reach<const rapidjson::Value> reach;
    if (const Result r = detail::walk<const rapidjson::Value>(doc_, path, path.size(), reach);
        r != Result::Success) {
        return r;
    }
    const rapidjson::Value& found = *reach.node;
    switch (op) {
    case Op::Get: value = detail::compactJson(found); break;
    case Op::GetCount:
        if (found.IsObject()) {
            value = std::to_string(found.MemberCount());
        } else if (found.IsArray()) {
            value = std::to_string(found.Size());
        } else {
            return Result::PathMismatch;
        }
        break;
    default: break;
    }
    return Result::Success;
}

std::string Document::toJson() const {
    return detail::compactJson(doc_);
}

std::vector<std::pair<std::string, std::string>> Document::members() const {
    std::vector<std::pair<std::string, std::string>> out;
    if (!doc_.IsObject()) {
        return out;
    }
    out.reserve(doc_.MemberCount());
    for (const auto& member : doc_.GetObject()) {
        out.emplace_back(std::string(member.name.GetString(), member.name.GetStringLength()),
                         detail::compactJson(member.value));
    }
    return out;
}

}  // namespace eddy::subdoc
