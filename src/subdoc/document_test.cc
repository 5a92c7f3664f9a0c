// eddy — tests of sub-document operations on a Document.
#include "subdoc/document.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace eddy::subdoc {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

// `levels` arrays, each the only element of the one around it: "[[[]]]" for 3.
std::string nestedArrays(size_t levels) {
    return std::string(levels, '[') + std::string(levels, ']');
}

// `levels` objects, each the member "a" of the one around it: {"a":{"a":{}}} for 3.
std::string nestedObjects(size_t levels) {
    std::string text;
    for (size_t i = 1; i < levels; ++i) {
        text += "{\"a\":";
    }
    return text + "{}" + std::string(levels - 1, '}');
}

// `count` components: "[0][0]..." or "a.a...".
std::string indexPath(size_t count) {
    std::string path;
    for (size_t i = 0; i < count; ++i) {
        path += "[0]";
    }
    return path;
}

std::string keyPath(size_t count) {
    std::string path = count > 0 ? "a" : "";
    for (size_t i = 1; i < count; ++i) {
        path += ".a";
    }
    return path;
}

class SubdocDocumentTest : public ::testing::Test {
protected:
    void load(std::string_view json) { ASSERT_TRUE(doc_.parse(json) == Result::Success) << json; }

    static Path path(std::string_view text) {
        Path parsed;
        if (parsePath(text, parsed) != Result::Success) {
            ADD_FAILURE() << "bad path " << text;
        }
        return parsed;
    }

    Result lookup(Op op, std::string_view at, std::string& value) {
        return doc_.lookup(op, path(at), value);
    }

    // Get's value, or the name of the failure.
    std::string get(std::string_view at) {
        std::string value;
        const Result r = lookup(Op::Get, at, value);
        return r == Result::Success ? value : std::string(toString(r));
    }

    std::string count(std::string_view at) {
        std::string value;
        const Result r = lookup(Op::GetCount, at, value);
        return r == Result::Success ? value : std::string(toString(r));
    }

    Result mutate(Op op, std::string_view at, std::string_view value, bool mkdir_p = false) {
        std::string result;
        const Result r = doc_.mutate(op, path(at), value, mkdir_p, result);
        // Only a successful Counter returns something. (Plain checks in the helpers keep
        // clang-tidy's analysis of this file short; gtest's comparison macros are costly there.)
        if ((op != Op::Counter || r != Result::Success) && !result.empty()) {
            ADD_FAILURE() << "unexpected result " << result;
        }
        return r;
    }

    // A mutation that must fail with `expected` and leave the document as it was.
    void expectFails(Result expected, Op op, std::string_view at, std::string_view value,
                     bool mkdir_p = false) {
        const std::string before = doc_.toJson();
        EXPECT_EQ(expected, mutate(op, at, value, mkdir_p))
            << "path '" << at << "' value '" << value << "' on " << before;
        EXPECT_EQ(before, doc_.toJson());
    }

    // Counter's new value, or the name of the failure.
    std::string counter(std::string_view at, std::string_view delta, bool mkdir_p = false) {
        std::string result;
        const Result r = doc_.mutate(Op::Counter, path(at), delta, mkdir_p, result);
        return r == Result::Success ? result : std::string(toString(r));
    }

    Document doc_;
};

// ---- parse, toJson, makeEmptyRoot, members ----

TEST_F(SubdocDocumentTest, ParseTakesOneValueAndWritesItCompact) {
    load(" { \"a\" : [ 1 , 2.0 , \"x\" , true , null ] ,\n\t\"b\" : { } } \r\n");
    EXPECT_EQ(R"({"a":[1,2.0,"x",true,null],"b":{}})", doc_.toJson());
    load("[]");
    EXPECT_EQ("[]", doc_.toJson());
    load(" 5 ");
    EXPECT_EQ("5", doc_.toJson());
    load(R"("string")");
    EXPECT_EQ(R"("string")", doc_.toJson());
}

TEST_F(SubdocDocumentTest, NumbersKeepTheirValue) {
    load(
        "[0.1, 1E2, 3.141e3, -0, 9223372036854775807, -9223372036854775808, "
        "18446744073709551615, 5e-324]");
    EXPECT_EQ(
        "[0.1,100.0,3141.0,0,9223372036854775807,-9223372036854775808,"
        "18446744073709551615,5e-324]",
        doc_.toJson());
}

TEST_F(SubdocDocumentTest, NumbersAreConvertedExactly) {
    load(
        "[0e300, -0e300, 0.00E+300, 0e-400, 1e-400, -1e-400, 4e-324, 1.7976931348623157e308, "
        "18446744073709551615561472036854775809, 18446744073709551615.9, \"0e300\"]");
    EXPECT_EQ(
        "[0.0,-0.0,0.0,0.0,0.0,-0.0,5e-324,1.7976931348623157e308,"
        "1.8446744073709552e37,18446744073709553000.0,\"0e300\"]",
        doc_.toJson());
    // Beyond a double's range is not a number that can be kept.
    for (const char* text : {"[1e400]", "[1.8e308]", "[-1e309]", "[00e5]", "[0.e5]", "[0e]"}) {
        EXPECT_EQ(Result::DocNotJson, doc_.parse(text)) << text;
    }
    load(R"({"n": 0})");
    EXPECT_EQ(Result::Success, mutate(Op::DictUpsert, "n", "-0e99"));
    EXPECT_EQ(R"({"n":-0.0})", doc_.toJson());
    expectFails(Result::ValueCantinsert, Op::DictUpsert, "n", "1.8e308");
}

TEST_F(SubdocDocumentTest, StringsMustBeUtf8) {
    load(R"({"s":"caf\u00e9","l":[]})");
    EXPECT_EQ(Result::Success, mutate(Op::DictUpsert, "t", "\"caf\xC3\xA9\""));
    expectFails(Result::ValueCantinsert, Op::DictUpsert, "u", "\"caf\xE9\"");
    expectFails(Result::ValueCantinsert, Op::ArrayPushLast, "l", "\"\xFF\"");
    // A lone continuation byte, a truncated sequence, an overlong form.
    for (const char* value : {"\"\x80\"", "\"\xC3\"", "\"\xC0\xAF\""}) {
        expectFails(Result::ValueCantinsert, Op::DictUpsert, "v", value);
    }
    // A stored document is read as it is: bad bytes it has are carried, not refused.
    load("{\"old\":\"\xE9\"}");
    EXPECT_EQ(Result::Success, mutate(Op::DictUpsert, "n", "1"));
    EXPECT_EQ("{\"old\":\"\xE9\",\"n\":1}", doc_.toJson());
}

TEST_F(SubdocDocumentTest, ParseRefusesWhatIsNotExactlyOneJsonValue) {
    const std::vector<std::string> not_json = {
        "",
        "  ",
        "not; valid, JSON",
        "{\"a\":1} x",
        "{} {}",
        "[1] ]",
        "{\"a\":}",
        "[1,]",
        "{'a':1}",
        "[1e400]",
        "\xEF{}",
        "\xEF\xBB\xBF{}",
        std::string("{}\0", 3),
        std::string("[\"a\0b\"]", 7),
        "[\"unterminated]",
        "{\"a\":1",
    };
    for (const auto& text : not_json) {
        load("{\"previous\":1}");
        EXPECT_EQ(Result::DocNotJson, doc_.parse(text)) << text;
        EXPECT_EQ("null", doc_.toJson());
    }
}

TEST_F(SubdocDocumentTest, ParseAllows32Levels) {
    load(nestedArrays(kMaxDepth));
    EXPECT_EQ(nestedArrays(kMaxDepth), doc_.toJson());
    load(nestedObjects(kMaxDepth));
    EXPECT_EQ("{}", get(keyPath(kMaxDepth - 1)));
}

TEST_F(SubdocDocumentTest, ParseRefuses33Levels) {
    load("{}");
    EXPECT_EQ(Result::DocE2deep, doc_.parse(nestedArrays(kMaxDepth + 1)));
    EXPECT_EQ("null", doc_.toJson());
    EXPECT_EQ(Result::DocE2deep, doc_.parse(nestedObjects(kMaxDepth + 1)));
    EXPECT_EQ(Result::DocE2deep, doc_.parse("[1,{\"a\":" + nestedArrays(kMaxDepth) + "}]"));
}

TEST_F(SubdocDocumentTest, HugeNestingFailsWithoutRecursing) {
    constexpr size_t kLevels = 100'000;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(Result::DocE2deep, doc_.parse(nestedArrays(kLevels)));
    EXPECT_EQ(Result::DocE2deep, doc_.parse(std::string(kLevels, '[')));
    std::string objects;
    for (size_t i = 0; i < kLevels; ++i) {
        objects += "{\"a\":";
    }
    EXPECT_EQ(Result::DocE2deep, doc_.parse(objects));
    EXPECT_EQ("null", doc_.toJson());
    // Linear work: milliseconds, even under the sanitizers.
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(SubdocDocumentTest, TheFirstErrorDecidesBetweenTooDeepAndNotJson) {
    const std::string deep = nestedArrays(40);
    EXPECT_EQ(Result::DocNotJson, doc_.parse("[x," + deep + "]"));
    EXPECT_EQ(Result::DocNotJson, doc_.parse("{" + deep + "}"));
    EXPECT_EQ(Result::DocE2deep, doc_.parse("[" + deep + ",x]"));
    EXPECT_EQ(Result::DocE2deep, doc_.parse(deep + " trailing"));
}

TEST_F(SubdocDocumentTest, BracketsInStringsAreNotNesting) {
    const std::string brackets(100, '[');
    load("[\"" + brackets + "\"]");
    load("{\"" + brackets + "\":\"" + std::string(100, '{') + "\"}");
    load("[\"\\\"" + brackets + "\\\\\"]");
    EXPECT_EQ(Result::DocE2deep, doc_.parse("[\"\\\\\"," + nestedArrays(40) + "]"));
}

TEST_F(SubdocDocumentTest, MakeEmptyRootPicksArrayOrObject) {
    doc_.makeEmptyRoot(Op::ArrayPushFirst, path(""));
    EXPECT_EQ("[]", doc_.toJson());
    doc_.makeEmptyRoot(Op::ArrayPushLast, path(""));
    EXPECT_EQ("[]", doc_.toJson());
    doc_.makeEmptyRoot(Op::ArrayAddUnique, path(""));
    EXPECT_EQ("[]", doc_.toJson());
    doc_.makeEmptyRoot(Op::ArrayPushLast, path("a"));
    EXPECT_EQ("{}", doc_.toJson());
    doc_.makeEmptyRoot(Op::DictUpsert, path("foo"));
    EXPECT_EQ("{}", doc_.toJson());
    doc_.makeEmptyRoot(Op::Counter, path("[0].a"));
    EXPECT_EQ("[]", doc_.toJson());
    doc_.makeEmptyRoot(Op::ArrayInsert, path("[0]"));
    EXPECT_EQ("[]", doc_.toJson());

    // A document created by its first operation (MKDOC): that operation then succeeds.
    doc_.makeEmptyRoot(Op::ArrayPushFirst, path(""));
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushFirst, "", "0"));
    EXPECT_EQ("[0]", doc_.toJson());
    doc_.makeEmptyRoot(Op::Counter, path("counter.path"));
    EXPECT_EQ("42", counter("counter.path", "42", true));
    EXPECT_EQ("84", counter("counter.path", "42", true));
}

TEST_F(SubdocDocumentTest, MakeEmptyObject) {
    load("[1]");
    doc_.makeEmptyObject();
    EXPECT_EQ("{}", doc_.toJson());
    EXPECT_TRUE(doc_.members().empty());
}

TEST_F(SubdocDocumentTest, MembersOfAnObjectRoot) {
    load(R"({"a": 1, "b": {"c": [1, 2]}, "d": "x", "e\u0000f": null})");
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"a", "1"},
        {"b", R"({"c":[1,2]})"},
        {"d", R"("x")"},
        {std::string("e\0f", 3), "null"},
    };
    EXPECT_EQ(expected, doc_.members());
}

TEST_F(SubdocDocumentTest, MembersOfAnythingElseIsEmpty) {
    load("[1,2]");
    EXPECT_TRUE(doc_.members().empty());
    load("\"text\"");
    EXPECT_TRUE(doc_.members().empty());
    Document empty;
    EXPECT_TRUE(empty.members().empty());
    EXPECT_EQ("null", empty.toJson());
}

// ---- lookups ----

TEST_F(SubdocDocumentTest, GetFromAnObject) {
    load(R"({ "int": 1, "string": "two", "true": true, "false": false, "obj": {"x": [1, 2]} })");
    EXPECT_EQ("1", get("int"));
    EXPECT_EQ("\"two\"", get("string"));
    EXPECT_EQ("true", get("true"));
    EXPECT_EQ("false", get("false"));
    EXPECT_EQ(R"({"x":[1,2]})", get("obj"));
    EXPECT_EQ("2", get("obj.x[1]"));
    EXPECT_EQ("SUBDOC_PATH_ENOENT", get("missing_key"));
    EXPECT_EQ("SUBDOC_PATH_ENOENT", get("obj.y"));
    EXPECT_EQ("SUBDOC_PATH_MISMATCH", get("[0]"));
    EXPECT_EQ("SUBDOC_PATH_MISMATCH", get("[-1]"));
    EXPECT_EQ("SUBDOC_PATH_MISMATCH", get("int.nothing_here"));
    EXPECT_EQ("SUBDOC_PATH_MISMATCH", get("obj.x.y"));
    EXPECT_EQ("SUBDOC_PATH_ENOENT", get("missing.deeper"));
}

TEST_F(SubdocDocumentTest, GetFromAnArray) {
    load(R"([ 0, "one", 2.0 ])");
    EXPECT_EQ("0", get("[0]"));
    EXPECT_EQ("\"one\"", get("[1]"));
    EXPECT_EQ("2.0", get("[2]"));
    EXPECT_EQ("2.0", get("[-1]"));
    EXPECT_EQ("SUBDOC_PATH_ENOENT", get("[3]"));
    EXPECT_EQ("SUBDOC_PATH_ENOENT", get("[9999]"));
    EXPECT_EQ("SUBDOC_PATH_ENOENT", get("[9223372036854775807]"));
    EXPECT_EQ("SUBDOC_PATH_MISMATCH", get("missing_key"));
    EXPECT_EQ("SUBDOC_PATH_MISMATCH", get("[2].nothing_here"));
    load("[]");
    EXPECT_EQ("SUBDOC_PATH_ENOENT", get("[-1]"));
    EXPECT_EQ("SUBDOC_PATH_ENOENT", get("[0]"));
}

TEST_F(SubdocDocumentTest, GetWithEscapedKeys) {
    load(R"({"dot.ted.field": {"subfield": 1}, "back`tick`field": 2, "a[0]": 3,
             "k\u00e9y\ud83d\udc4f": 4, "pDistributors": [{"dAdded": ["May", 72, 1492]}]})");
    EXPECT_EQ("1", get("`dot.ted.field`.subfield"));
    EXPECT_EQ("2", get("`back``tick``field`"));
    EXPECT_EQ("3", get("`a[0]`"));
    EXPECT_EQ("4", get("k\xC3\xA9y\xF0\x9F\x91\x8F"));
    EXPECT_EQ("1492", get("pDistributors[-1].dAdded[-1]"));
    EXPECT_EQ("SUBDOC_PATH_MISMATCH", get("pDistributors.count"));
}

TEST_F(SubdocDocumentTest, GetAtTheDeepestLevel) {
    load(nestedArrays(kMaxDepth));
    EXPECT_EQ("[]", get(indexPath(kMaxDepth - 1)));
    EXPECT_EQ("SUBDOC_PATH_ENOENT", get(indexPath(kMaxDepth)));
}

TEST_F(SubdocDocumentTest, GetAndExistsNeedAPath) {
    load("{\"a\":1}");
    std::string value = "stale";
    EXPECT_EQ(Result::PathEinval, lookup(Op::Get, "", value));
    EXPECT_EQ("", value);
    EXPECT_EQ(Result::PathEinval, lookup(Op::Exists, "", value));
}

TEST_F(SubdocDocumentTest, Exists) {
    load(R"({"a": [1, {"b": null}]})");
    std::string value = "stale";
    EXPECT_EQ(Result::Success, lookup(Op::Exists, "a[1].b", value));
    EXPECT_EQ("", value);
    EXPECT_EQ(Result::PathEnoent, lookup(Op::Exists, "a[2]", value));
    EXPECT_EQ(Result::PathEnoent, lookup(Op::Exists, "c", value));
    EXPECT_EQ(Result::PathMismatch, lookup(Op::Exists, "a.b", value));
}

TEST_F(SubdocDocumentTest, GetCount) {
    load("[]");
    EXPECT_EQ("0", count(""));
    load("[1,2,3]");
    EXPECT_EQ("3", count(""));
    load(R"({"k": "v", "o": {"a": 1, "b": 2}, "l": [[]]})");
    EXPECT_EQ("3", count(""));
    EXPECT_EQ("2", count("o"));
    EXPECT_EQ("1", count("l"));
    EXPECT_EQ("0", count("l[0]"));
    EXPECT_EQ("SUBDOC_PATH_MISMATCH", count("k"));
    EXPECT_EQ("SUBDOC_PATH_ENOENT", count("n"));
}

TEST_F(SubdocDocumentTest, LookupTakesOnlyLookups) {
    load("{\"a\":1}");
    std::string value;
    EXPECT_EQ(Result::PathEinval, lookup(Op::DictAdd, "a", value));
    EXPECT_EQ(Result::PathEinval, lookup(Op::Counter, "a", value));
    EXPECT_EQ(Result::PathEinval, doc_.mutate(Op::Get, path("a"), "", false, value));
    EXPECT_EQ(Result::PathEinval, doc_.mutate(Op::Exists, path("a"), "", false, value));
    EXPECT_EQ(Result::PathEinval, doc_.mutate(Op::GetCount, path(""), "", false, value));
}

TEST_F(SubdocDocumentTest, PathsOver32ComponentsAreTooBig) {
    load("{}");
    const Path long_path(kMaxPathComponents + 1, PathComponent{});
    std::string value;
    EXPECT_EQ(Result::PathE2big, doc_.lookup(Op::Get, long_path, value));
    EXPECT_EQ(Result::PathE2big, doc_.mutate(Op::DictUpsert, long_path, "1", true, value));
    EXPECT_EQ("{}", doc_.toJson());
}

TEST_F(SubdocDocumentTest, NoOperationOnAPrimitiveRoot) {
    for (const char* root : {"\"string\"", "1", "true", "null"}) {
        load(root);
        std::string value;
        EXPECT_EQ(Result::DocNotJson, lookup(Op::Get, "a", value));
        EXPECT_EQ(Result::DocNotJson, lookup(Op::GetCount, "", value));
        expectFails(Result::DocNotJson, Op::DictAdd, "int", "2");
        expectFails(Result::DocNotJson, Op::DictUpsert, "int", "2", true);
        expectFails(Result::DocNotJson, Op::Delete, "a", "");
        expectFails(Result::DocNotJson, Op::Replace, "a", "1");
        expectFails(Result::DocNotJson, Op::ArrayPushLast, "", "1");
        expectFails(Result::DocNotJson, Op::ArrayInsert, "[0]", "1");
        expectFails(Result::DocNotJson, Op::ArrayAddUnique, "", "1");
        expectFails(Result::DocNotJson, Op::Counter, "a", "1");
    }
    Document empty;
    std::string value;
    EXPECT_EQ(Result::DocNotJson, empty.lookup(Op::Exists, path("a"), value));
}

// ---- DictAdd, DictUpsert ----

const std::vector<std::pair<std::string, std::string>> kKeyValues = {
    {"int", "2"},
    {"float", "2.0"},
    {"object", R"({"foo":"bar"})"},
    {"array", R"(["a","b","c"])"},
    {"true", "true"},
    {"false", "false"},
    {"null", "null"},
};

TEST_F(SubdocDocumentTest, DictAddAddsAndRefusesExisting) {
    load(R"({ "key1": 1 })");
    for (const auto& [key, value] : kKeyValues) {
        EXPECT_EQ(Result::Success, mutate(Op::DictAdd, key, value));
        EXPECT_EQ(value, get(key));
    }
    for (const auto& [key, value] : kKeyValues) {
        expectFails(Result::PathEexists, Op::DictAdd, key, "\"other\"");
    }
    EXPECT_EQ(R"({"key1":1,"int":2,"float":2.0,"object":{"foo":"bar"},"array":["a","b","c"],)"
              R"("true":true,"false":false,"null":null})",
              doc_.toJson());
}

TEST_F(SubdocDocumentTest, DictUpsertAddsAndReplaces) {
    load(R"({ "key1": 1 })");
    for (const auto& [key, value] : kKeyValues) {
        EXPECT_EQ(Result::Success, mutate(Op::DictUpsert, key, value));
        EXPECT_EQ(value, get(key));
    }
    for (const auto& [key, value] : kKeyValues) {
        EXPECT_EQ(Result::Success, mutate(Op::DictUpsert, key, "\"other\""));
        EXPECT_EQ("\"other\"", get(key));
    }
    EXPECT_EQ(R"({"key1":1,"int":"other","float":"other","object":"other","array":"other",)"
              R"("true":"other","false":"other","null":"other"})",
              doc_.toJson());
}

TEST_F(SubdocDocumentTest, DictAddNeedsTheParentUnlessMkdirP) {
    load(R"({"key1": 1, "list": []})");
    for (const Op op : {Op::DictAdd, Op::DictUpsert}) {
        expectFails(Result::PathEnoent, op, "intermediate.int", "2");
        expectFails(Result::PathEnoent, op, "intermediate_array[0].int", "2");
        // mkdir_p creates objects, never array elements.
        expectFails(Result::PathEnoent, op, "intermediate_array[0].int", "2", true);
        expectFails(Result::PathEnoent, op, "list[0].int", "2", true);
        expectFails(Result::PathEnoent, op, "a.b[0].c", "2", true);
    }
    EXPECT_EQ(Result::Success, mutate(Op::DictAdd, "intermediate.int", "2", true));
    EXPECT_EQ(Result::Success, mutate(Op::DictUpsert, "x.y.z", R"({"w":1})", true));
    EXPECT_EQ(R"({"key1":1,"list":[],"intermediate":{"int":2},"x":{"y":{"z":{"w":1}}}})",
              doc_.toJson());
    EXPECT_EQ(Result::Success, mutate(Op::DictAdd, "intermediate.other", "3", true));
    EXPECT_EQ(R"({"int":2,"other":3})", get("intermediate"));
}

TEST_F(SubdocDocumentTest, DictAddPathShape) {
    load(R"({"a": [1], "n": 5})");
    for (const Op op : {Op::DictAdd, Op::DictUpsert}) {
        expectFails(Result::PathEinval, op, "", "1");
        expectFails(Result::PathEinval, op, "a[0]", "1");
        expectFails(Result::PathEinval, op, "a[-1]", "1", true);
        expectFails(Result::PathMismatch, op, "n.x", "1");
        expectFails(Result::PathMismatch, op, "n.x.y", "1", true);
        expectFails(Result::PathMismatch, op, "a.x", "1");
    }
    load("[1,2]");
    expectFails(Result::PathMismatch, Op::DictAdd, "foo", "\"bar\"");
    expectFails(Result::PathMismatch, Op::DictUpsert, "foo", "\"bar\"", true);
}

TEST_F(SubdocDocumentTest, DictAddIntoAnArrayElement) {
    load(R"({"a": [{"b": 1}]})");
    EXPECT_EQ(Result::Success, mutate(Op::DictAdd, "a[0].c", "2"));
    EXPECT_EQ(Result::Success, mutate(Op::DictUpsert, "a[-1].d.e", "3", true));
    EXPECT_EQ(R"({"a":[{"b":1,"c":2,"d":{"e":3}}]})", doc_.toJson());
}

TEST_F(SubdocDocumentTest, ValuesMustBeOneJsonValue) {
    load(R"({"key": 1})");
    const std::vector<std::string> invalid = {
        "\"2",   "2a",           "0x2",         "2.",        "2.0a",
        "2.0.0", "{ \"foo\": }", "[ \"a\" ",    "[ \"a\" }", "[ \"a\", }",
        "TRUE",  "FALSE",        "nul",         "",          " ",
        "1,2",   "1 2",          "1,\"key\":2", "1e400",     std::string("1\0", 2),
    };
    for (const auto& value : invalid) {
        expectFails(Result::ValueCantinsert, Op::DictAdd, "new", value);
        expectFails(Result::ValueCantinsert, Op::DictUpsert, "key", value);
        expectFails(Result::ValueCantinsert, Op::Replace, "key", value);
    }
}

TEST_F(SubdocDocumentTest, ValueErrorsComeBeforePathErrors) {
    load(R"({"n": 1})");
    expectFails(Result::ValueCantinsert, Op::DictAdd, "missing.x", "bad");
    expectFails(Result::ValueCantinsert, Op::DictAdd, "n.x", "bad");
    expectFails(Result::ValueCantinsert, Op::Replace, "missing", "bad");
    expectFails(Result::ValueCantinsert, Op::ArrayPushLast, "n", "bad");
    // ... but after the path's shape.
    expectFails(Result::PathEinval, Op::DictAdd, "n[0]", "bad");
}

TEST_F(SubdocDocumentTest, UnicodeKeysAndValues) {
    load("{ \"k\xC3\xA9y1\": 1 }");
    const std::string key = "k\xC3\xA9y2\xF0\x9F\x91\x8F";
    EXPECT_EQ(Result::Success, mutate(Op::DictAdd, key, "56"));
    EXPECT_EQ("56", get(key));
    EXPECT_EQ(Result::Success, mutate(Op::Delete, key, ""));
    EXPECT_EQ(Result::Success, mutate(Op::DictUpsert, key, "\"W\xCC\xB4h\xCC\xA8\""));
    EXPECT_EQ("\"W\xCC\xB4h\xCC\xA8\"", get(key));
    EXPECT_EQ("{\"k\xC3\xA9y1\":1,\"" + key + "\":\"W\xCC\xB4h\xCC\xA8\"}", doc_.toJson());
}

TEST_F(SubdocDocumentTest, KeysNeedingJsonEscapes) {
    load("{}");
    EXPECT_EQ(Result::Success, mutate(Op::DictAdd, "key``", "\"value\""));
    EXPECT_EQ(Result::Success, mutate(Op::DictAdd, "key2``", "\"value2\""));
    EXPECT_EQ("\"value\"", get("key``"));
    EXPECT_EQ(Result::Success, mutate(Op::DictAdd, "q\"uote\\", "1"));
    EXPECT_EQ(Result::Success, mutate(Op::DictAdd, "tab\t", "2"));
    EXPECT_EQ(R"({"key`":"value","key2`":"value2","q\"uote\\":1,"tab\t":2})", doc_.toJson());
    EXPECT_EQ(Result::Success, doc_.parse(doc_.toJson()));
    EXPECT_EQ("1", get("q\"uote\\"));
}

// ---- Delete ----

TEST_F(SubdocDocumentTest, DeleteMembersKeepsTheOthersInOrder) {
    load(R"({"0": 1, "1": 2.0, "2": 3.141e3, "3": "four", "4": {"foo": "bar"},
             "5": [1, 1, 1, 1], "6": true, "7": false})");
    expectFails(Result::PathEnoent, Op::Delete, "bad_key", "");
    EXPECT_EQ(Result::Success, mutate(Op::Delete, "3", ""));
    EXPECT_EQ(R"({"0":1,"1":2.0,"2":3141.0,"4":{"foo":"bar"},"5":[1,1,1,1],"6":true,"7":false})",
              doc_.toJson());
    for (const char* key : {"0", "1", "2", "4", "5", "6", "7"}) {
        EXPECT_EQ(Result::Success, mutate(Op::Delete, key, ""));
        EXPECT_EQ("SUBDOC_PATH_ENOENT", get(key));
    }
    EXPECT_EQ("{}", doc_.toJson());
}

TEST_F(SubdocDocumentTest, DeleteArrayElements) {
    load("[0,1,2,3,4]");
    expectFails(Result::PathEnoent, Op::Delete, "[5]", "");
    EXPECT_EQ(Result::Success, mutate(Op::Delete, "[4]", ""));
    EXPECT_EQ("[0,1,2,3]", doc_.toJson());
    EXPECT_EQ(Result::Success, mutate(Op::Delete, "[0]", ""));
    EXPECT_EQ("[1,2,3]", doc_.toJson());
    EXPECT_EQ(Result::Success, mutate(Op::Delete, "[-1]", ""));
    EXPECT_EQ("[1,2]", doc_.toJson());
    EXPECT_EQ(Result::Success, mutate(Op::Delete, "[0]", ""));
    EXPECT_EQ(Result::Success, mutate(Op::Delete, "[0]", ""));
    EXPECT_EQ("[]", doc_.toJson());
    expectFails(Result::PathEnoent, Op::Delete, "[-1]", "");
}

TEST_F(SubdocDocumentTest, DeleteNested) {
    load(R"([0,[10,20,[100]],{"key":"value"}])");
    EXPECT_EQ(Result::Success, mutate(Op::Delete, "[1][2][0]", ""));
    EXPECT_EQ("[10,20,[]]", get("[1]"));
    EXPECT_EQ(Result::Success, mutate(Op::Delete, "[1][2]", ""));
    EXPECT_EQ("[10,20]", get("[1]"));
    EXPECT_EQ(Result::Success, mutate(Op::Delete, "[1]", ""));
    EXPECT_EQ(R"({"key":"value"})", get("[1]"));
    EXPECT_EQ(Result::Success, mutate(Op::Delete, "[1].key", ""));
    EXPECT_EQ("[0,{}]", doc_.toJson());
}

TEST_F(SubdocDocumentTest, DeleteErrors) {
    load(R"({"n": 1, "a": [], "o": {}})");
    expectFails(Result::PathEinval, Op::Delete, "", "");
    expectFails(Result::PathMismatch, Op::Delete, "n.x", "");
    expectFails(Result::PathMismatch, Op::Delete, "o[0]", "");
    expectFails(Result::PathMismatch, Op::Delete, "a.x", "");
    expectFails(Result::PathEnoent, Op::Delete, "a[0]", "");
    expectFails(Result::PathEnoent, Op::Delete, "missing.x", "");
}

// ---- Replace ----

const std::vector<std::string> kJsonValues = {
    "1.1", "\"value\"", R"({"inner":"dict"})", "[1,2]", "true", "false", "null",
};

TEST_F(SubdocDocumentTest, ReplaceInAnObject) {
    load(R"({"key":0,"key2":1})");
    for (const auto& value : kJsonValues) {
        EXPECT_EQ(Result::Success, mutate(Op::Replace, "key", value));
        EXPECT_EQ(value, get("key"));
    }
    EXPECT_EQ(R"({"key":null,"key2":1})", doc_.toJson());
}

TEST_F(SubdocDocumentTest, ReplaceInAnArray) {
    load("[0,1]");
    for (const auto& value : kJsonValues) {
        EXPECT_EQ(Result::Success, mutate(Op::Replace, "[0]", value));
        EXPECT_EQ(value, get("[0]"));
    }
    EXPECT_EQ(Result::Success, mutate(Op::Replace, "[-1]", " { \"x\" : [ ] } "));
    EXPECT_EQ(R"([null,{"x":[]}])", doc_.toJson());
}

TEST_F(SubdocDocumentTest, ReplaceErrors) {
    load(R"({"a": [1], "n": 2})");
    expectFails(Result::PathEinval, Op::Replace, "", "1");
    expectFails(Result::PathEnoent, Op::Replace, "missing", "1");
    expectFails(Result::PathEnoent, Op::Replace, "missing", "1", true);
    expectFails(Result::PathEnoent, Op::Replace, "a[1]", "1");
    expectFails(Result::PathMismatch, Op::Replace, "n.x", "1");
    expectFails(Result::ValueCantinsert, Op::Replace, "a[0]", "1,2");
}

// ---- ArrayPushLast, ArrayPushFirst ----

TEST_F(SubdocDocumentTest, PushLast) {
    load("[]");
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushLast, "", "0"));
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushLast, "", "1"));
    EXPECT_EQ("[0,1]", doc_.toJson());
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushLast, "", "2,3"));
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushLast, "", R"( "two" , 3.141 , {"four":4} )"));
    EXPECT_EQ(R"([0,1,2,3,"two",3.141,{"four":4}])", doc_.toJson());
    load(R"({"l": []})");
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushLast, "l", "1,2,3"));
    EXPECT_EQ(R"({"l":[1,2,3]})", doc_.toJson());
    load("[0,1,2,3]");
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushLast, "", R"( "two" , 3.141 , {"four":4} )"));
    EXPECT_EQ(R"([0,1,2,3,"two",3.141,{"four":4}])", doc_.toJson());
    for (const auto& value : kJsonValues) {
        EXPECT_EQ(Result::Success, mutate(Op::ArrayPushLast, "", value));
        EXPECT_EQ(value, get("[-1]"));
    }
}

TEST_F(SubdocDocumentTest, PushFirst) {
    load("[]");
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushFirst, "", "0"));
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushFirst, "", "1"));
    EXPECT_EQ("[1,0]", doc_.toJson());
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushFirst, "", "2,3"));
    EXPECT_EQ("[2,3,1,0]", doc_.toJson());
    for (const auto& value : kJsonValues) {
        EXPECT_EQ(Result::Success, mutate(Op::ArrayPushFirst, "", value));
        EXPECT_EQ(value, get("[0]"));
    }
}

TEST_F(SubdocDocumentTest, PushIntoNestedArrays) {
    load(R"([[]])");
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushLast, "", "1"));
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushFirst, "", "2"));
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushLast, "[1]", "3"));
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushFirst, "[1]", "4,5"));
    EXPECT_EQ("[2,[4,5,3],1]", doc_.toJson());
    load(R"({"a": {"list": [1]}})");
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushLast, "a.list", "2"));
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushFirst, "a.list", "0"));
    EXPECT_EQ("[0,1,2]", get("a.list"));
}

TEST_F(SubdocDocumentTest, PushCreatesTheArrayWithMkdirP) {
    load(R"({"x": [{}]})");
    for (const Op op : {Op::ArrayPushLast, Op::ArrayPushFirst}) {
        expectFails(Result::PathEnoent, op, "foo", "0");
        expectFails(Result::PathEnoent, op, "a.b", "0");
        expectFails(Result::PathEnoent, op, "x[1]", "0", true);
        expectFails(Result::PathEnoent, op, "x[0].y[0]", "0", true);
    }
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushLast, "foo", "0", true));
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushFirst, "a.b", "1,2", true));
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushLast, "x[0].y", "3", true));
    EXPECT_EQ(R"({"x":[{"y":[3]}],"foo":[0],"a":{"b":[1,2]}})", doc_.toJson());
}

TEST_F(SubdocDocumentTest, PushNeedsAnArray) {
    load(R"({"o": {}, "n": 1, "s": "x"})");
    for (const Op op : {Op::ArrayPushLast, Op::ArrayPushFirst}) {
        expectFails(Result::PathMismatch, op, "", "1");
        expectFails(Result::PathMismatch, op, "o", "1");
        expectFails(Result::PathMismatch, op, "n", "1", true);
        expectFails(Result::PathMismatch, op, "s", "1");
        expectFails(Result::PathMismatch, op, "n.x", "1", true);
    }
}

TEST_F(SubdocDocumentTest, PushValuesMustBeJsonValues) {
    load("[1]");
    for (const char* value : {"", " ", "1,", ",1", "1,,2", "[1", "1]", "1] [2", "x", "1 2"}) {
        expectFails(Result::ValueCantinsert, Op::ArrayPushLast, "", value);
        expectFails(Result::ValueCantinsert, Op::ArrayPushFirst, "", value);
        expectFails(Result::ValueCantinsert, Op::ArrayInsert, "[0]", value);
    }
}

// ---- ArrayInsert ----

TEST_F(SubdocDocumentTest, ArrayInsert) {
    load("[]");
    EXPECT_EQ(Result::Success, mutate(Op::ArrayInsert, "[0]", "2"));
    EXPECT_EQ("[2]", doc_.toJson());
    EXPECT_EQ(Result::Success, mutate(Op::ArrayInsert, "[0]", "0"));
    EXPECT_EQ("[0,2]", doc_.toJson());
    EXPECT_EQ(Result::Success, mutate(Op::ArrayInsert, "[1]", "1"));
    EXPECT_EQ("[0,1,2]", doc_.toJson());
    EXPECT_EQ(Result::Success, mutate(Op::ArrayInsert, "[3]", "3"));
    EXPECT_EQ("[0,1,2,3]", doc_.toJson());
    EXPECT_EQ(Result::Success, mutate(Op::ArrayInsert, "[1]", R"("a", "b")"));
    EXPECT_EQ(R"([0,"a","b",1,2,3])", doc_.toJson());
    load(R"({"a": {"list": [1, 3]}})");
    EXPECT_EQ(Result::Success, mutate(Op::ArrayInsert, "a.list[1]", "2"));
    EXPECT_EQ("[1,2,3]", get("a.list"));
}

TEST_F(SubdocDocumentTest, ArrayInsertErrors) {
    load("[]");
    expectFails(Result::PathEnoent, Op::ArrayInsert, "[1]", "0");
    expectFails(Result::PathEinval, Op::ArrayInsert, "[-1]", "3");
    expectFails(Result::PathEinval, Op::ArrayInsert, "[0].foo", "1");
    expectFails(Result::PathEinval, Op::ArrayInsert, "", "1");
    load(R"({"a": 1, "l": [[]]})");
    expectFails(Result::PathMismatch, Op::ArrayInsert, "[0]", "0");
    expectFails(Result::PathEinval, Op::ArrayInsert, "a", "0");
    expectFails(Result::PathMismatch, Op::ArrayInsert, "a[0]", "0");
    expectFails(Result::PathEnoent, Op::ArrayInsert, "missing[0]", "0");
    // No mkdir_p for inserts: nothing is created.
    expectFails(Result::PathEnoent, Op::ArrayInsert, "missing[0]", "0", true);
    expectFails(Result::PathEnoent, Op::ArrayInsert, "l[0][1]", "0", true);
}

// ---- ArrayAddUnique ----

TEST_F(SubdocDocumentTest, AddUnique) {
    load("[]");
    EXPECT_EQ(Result::Success, mutate(Op::ArrayAddUnique, "", "0"));
    EXPECT_EQ("[0]", doc_.toJson());
    expectFails(Result::PathEexists, Op::ArrayAddUnique, "", "0");
    load("[0,1,2,3,4,5,6,7,8,9]");
    expectFails(Result::PathEexists, Op::ArrayAddUnique, "", "6");
    const std::vector<std::string> values = {"\"string\"", "10", "1.0", "true", "false", "null"};
    for (const auto& value : values) {
        EXPECT_EQ(Result::Success, mutate(Op::ArrayAddUnique, "", value));
    }
    for (const auto& value : values) {
        expectFails(Result::PathEexists, Op::ArrayAddUnique, "", value);
    }
    EXPECT_EQ(R"([0,1,2,3,4,5,6,7,8,9,"string",10,1.0,true,false,null])", doc_.toJson());
}

TEST_F(SubdocDocumentTest, AddUniqueComparesText) {
    load("[1]");
    EXPECT_EQ(Result::Success, mutate(Op::ArrayAddUnique, "", "1.0"));
    EXPECT_EQ(Result::Success, mutate(Op::ArrayAddUnique, "", "\"1\""));
    expectFails(Result::PathEexists, Op::ArrayAddUnique, "", " 1 ");
    expectFails(Result::PathEexists, Op::ArrayAddUnique, "", "1.0");
    load(R"(["true", 1.0])");
    EXPECT_EQ(Result::Success, mutate(Op::ArrayAddUnique, "", "true"));
    EXPECT_EQ(Result::Success, mutate(Op::ArrayAddUnique, "", "1"));
    EXPECT_EQ(R"(["true",1.0,true,1])", doc_.toJson());
}

TEST_F(SubdocDocumentTest, AddUniqueTakesOnePrimitive) {
    load("[1]");
    for (const char* value : {R"({"foo": "bar"})", "[0,1,2]", "[]", "1,2", "", "x"}) {
        expectFails(Result::ValueCantinsert, Op::ArrayAddUnique, "", value);
    }
    expectFails(Result::ValueCantinsert, Op::ArrayAddUnique, "", nestedArrays(100));
}

TEST_F(SubdocDocumentTest, AddUniqueNeedsAnArrayOfPrimitives) {
    load(R"([{"a":"b"}])");
    expectFails(Result::PathMismatch, Op::ArrayAddUnique, "", "1");
    load("[[1,2]]");
    expectFails(Result::PathMismatch, Op::ArrayAddUnique, "", "3");
    load(R"({"o": {}, "n": 1})");
    expectFails(Result::PathMismatch, Op::ArrayAddUnique, "", "1");
    expectFails(Result::PathMismatch, Op::ArrayAddUnique, "o", "1");
    expectFails(Result::PathMismatch, Op::ArrayAddUnique, "n", "1", true);
}

TEST_F(SubdocDocumentTest, AddUniqueCreatesTheArrayWithMkdirP) {
    load("{}");
    expectFails(Result::PathEnoent, Op::ArrayAddUnique, "tags", "\"x\"");
    EXPECT_EQ(Result::Success, mutate(Op::ArrayAddUnique, "tags", "\"x\"", true));
    EXPECT_EQ(Result::Success, mutate(Op::ArrayAddUnique, "a.b", "1", true));
    expectFails(Result::PathEexists, Op::ArrayAddUnique, "tags", "\"x\"", true);
    EXPECT_EQ(R"({"tags":["x"],"a":{"b":[1]}})", doc_.toJson());
}

// ---- Counter ----

TEST_F(SubdocDocumentTest, Counter) {
    load("{}");
    EXPECT_EQ("1", counter("key", "1"));
    EXPECT_EQ(R"({"key":1})", doc_.toJson());
    EXPECT_EQ("2", counter("key", "1"));
    EXPECT_EQ("0", counter("key", "-2"));
    EXPECT_EQ("-1", counter("key", "-1"));
    EXPECT_EQ(R"({"key":-1})", doc_.toJson());
    EXPECT_EQ("1000", counter("key", "1001"));
    load(R"({"list": [1, 2]})");
    EXPECT_EQ("7", counter("list[1]", "5"));
    EXPECT_EQ("-9", counter("list[-1]", "-16"));
    EXPECT_EQ(R"({"list":[1,-9]})", doc_.toJson());
}

TEST_F(SubdocDocumentTest, CounterCreatesAMissingTarget) {
    load(R"({"a": {}, "l": []})");
    EXPECT_EQ("5", counter("a.x", "5"));
    EXPECT_EQ("SUBDOC_PATH_ENOENT", counter("b.x", "5"));
    EXPECT_EQ("SUBDOC_PATH_ENOENT", counter("l[0]", "5"));
    EXPECT_EQ("SUBDOC_PATH_ENOENT", counter("l[0]", "5", true));
    EXPECT_EQ("SUBDOC_PATH_ENOENT", counter("l[0].x", "5", true));
    EXPECT_EQ("-3", counter("b.c.d", "-3", true));
    EXPECT_EQ(R"({"a":{"x":5},"l":[],"b":{"c":{"d":-3}}})", doc_.toJson());
}

TEST_F(SubdocDocumentTest, CounterLimits) {
    load("{\"key\":" + std::to_string(kInt64Max - 1) + "}");
    EXPECT_EQ(std::to_string(kInt64Max), counter("key", "1"));
    expectFails(Result::ValueCantinsert, Op::Counter, "key", "1");
    expectFails(Result::ValueCantinsert, Op::Counter, "key", std::to_string(kInt64Max));
    EXPECT_EQ("-1", counter("key", std::to_string(kInt64Min)));
    EXPECT_EQ(std::to_string(kInt64Max - 1), counter("key", std::to_string(kInt64Max)));

    load("{\"key\":" + std::to_string(kInt64Min + 1) + "}");
    EXPECT_EQ(std::to_string(kInt64Min), counter("key", "-1"));
    expectFails(Result::ValueCantinsert, Op::Counter, "key", "-1");
    expectFails(Result::ValueCantinsert, Op::Counter, "key", std::to_string(kInt64Min));
    EXPECT_EQ("{\"key\":" + std::to_string(kInt64Min) + "}", doc_.toJson());
}

TEST_F(SubdocDocumentTest, CounterNeedsAnInteger) {
    for (const char* value : {"true", "false", "null", "\"string\"", "\"1\"", "[0]",
                              R"({"foo": "bar"})", "1.1", "1.0", "1e3", "-0.0"}) {
        load(std::string(R"({"key":)") + value + "}");
        expectFails(Result::PathMismatch, Op::Counter, "key", "1");
    }
}

TEST_F(SubdocDocumentTest, CounterNeedsAnInt64) {
    for (const char* value : {"9223372036854775808", "18446744073709551615", "18446744073709551616",
                              "-9223372036854775809", "100000000000000000000000"}) {
        load(std::string(R"({"key":)") + value + "}");
        expectFails(Result::NumErange, Op::Counter, "key", "1");
    }
}

TEST_F(SubdocDocumentTest, CounterDeltaMustBeANonZeroInt64) {
    load(R"({"key":10})");
    for (const char* delta : {"true",
                              "false",
                              "null",
                              "\"string\"",
                              "[0]",
                              R"({"foo": "bar"})",
                              "1.1",
                              "1.0",
                              "1e3",
                              "0",
                              "-0",
                              "00",
                              "01",
                              "-01",
                              "+1",
                              " 1",
                              "1 ",
                              "",
                              "-",
                              "--1",
                              "0x10",
                              "1,2",
                              "9223372036854775808",
                              "-9223372036854775809",
                              "99999999999999999999"}) {
        expectFails(Result::DeltaEinval, Op::Counter, "key", delta);
    }
    // The delta is checked before the path.
    expectFails(Result::DeltaEinval, Op::Counter, "missing.x", "0");
    EXPECT_EQ("-9223372036854775798", counter("key", "-9223372036854775808"));
    EXPECT_EQ("9", counter("key", "9223372036854775807"));
}

TEST_F(SubdocDocumentTest, CounterPathErrors) {
    load(R"({"n": 1, "l": [1]})");
    expectFails(Result::PathEinval, Op::Counter, "", "1");
    expectFails(Result::PathMismatch, Op::Counter, "n.x", "1");
    expectFails(Result::PathMismatch, Op::Counter, "l.x", "1", true);
    expectFails(Result::PathMismatch, Op::Counter, "l", "1");
    expectFails(Result::PathEnoent, Op::Counter, "l[1]", "1");
}

// ---- depth ----

TEST_F(SubdocDocumentTest, ReplaceAtTheDeepestLevel) {
    load(nestedArrays(kMaxDepth));
    const std::string deepest = indexPath(kMaxDepth - 1);
    EXPECT_EQ(Result::Success, mutate(Op::Replace, deepest, "\"deep\""));
    EXPECT_EQ("\"deep\"", get(deepest));
    // A container there is level 32: allowed, as long as nothing nests inside another.
    EXPECT_EQ(Result::Success, mutate(Op::Replace, deepest, "[0]"));
    expectFails(Result::ValueEtoodeep, Op::Replace, deepest, "[[0]]");
    expectFails(Result::ValueEtoodeep, Op::Replace, deepest, R"({"a":{}})");
    EXPECT_EQ(Result::Success, mutate(Op::Replace, "[0]", "[]"));
    EXPECT_EQ("[[]]", doc_.toJson());
}

TEST_F(SubdocDocumentTest, DictAddAtTheDeepestLevel) {
    load(nestedObjects(kMaxDepth - 1));
    const std::string member = keyPath(kMaxDepth - 2) + ".k";
    EXPECT_EQ(Result::Success, mutate(Op::DictAdd, member, "{}"));
    expectFails(Result::ValueEtoodeep, Op::DictUpsert, member, "[[]]");
    expectFails(Result::ValueEtoodeep, Op::DictUpsert, member, nestedArrays(100'000));
    EXPECT_EQ(Result::Success, mutate(Op::DictUpsert, member, "[1,2]"));
    EXPECT_EQ(Result::Success, doc_.parse(doc_.toJson()));
}

TEST_F(SubdocDocumentTest, MkdirPToTheDeepestLevel) {
    load("{}");
    const std::string longest = keyPath(kMaxPathComponents);
    // The value is level 33: only a primitive fits.
    expectFails(Result::ValueEtoodeep, Op::DictUpsert, longest, "{}", true);
    expectFails(Result::ValueEtoodeep, Op::DictUpsert, longest, "[1]", true);
    EXPECT_EQ(Result::Success, mutate(Op::DictUpsert, longest, "1", true));
    EXPECT_EQ(Result::Success, doc_.parse(doc_.toJson()));
    load("{}");
    // An array created at the end of a 32-component path would be level 33.
    expectFails(Result::ValueEtoodeep, Op::ArrayPushLast, longest, "1", true);
    expectFails(Result::ValueEtoodeep, Op::ArrayAddUnique, longest, "1", true);
    const std::string shorter = keyPath(kMaxPathComponents - 1);
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushLast, shorter, "1", true));
    expectFails(Result::ValueEtoodeep, Op::ArrayPushLast, shorter, "[]");
    EXPECT_EQ(Result::Success, mutate(Op::ArrayAddUnique, shorter, "2"));
    EXPECT_EQ("[1,2]", get(shorter));
    EXPECT_EQ(Result::Success, doc_.parse(doc_.toJson()));
}

TEST_F(SubdocDocumentTest, PushAtTheDeepestLevel) {
    load(nestedArrays(kMaxDepth));
    const std::string deepest = indexPath(kMaxDepth - 1);
    EXPECT_EQ(Result::Success, mutate(Op::ArrayPushLast, deepest, "1,\"a\""));
    expectFails(Result::ValueEtoodeep, Op::ArrayPushLast, deepest, "2,[]");
    expectFails(Result::ValueEtoodeep, Op::ArrayPushFirst, deepest, "{}");
    expectFails(Result::ValueEtoodeep, Op::ArrayInsert, deepest + "[0]", "[]");
    EXPECT_EQ(Result::Success, mutate(Op::ArrayInsert, deepest + "[0]", "0"));
    EXPECT_EQ("[0,1,\"a\"]", get(deepest));
}

TEST_F(SubdocDocumentTest, ValueTooDeepOrNotJson) {
    load("{}");
    expectFails(Result::ValueEtoodeep, Op::DictAdd, "a", nestedArrays(100'000));
    expectFails(Result::ValueEtoodeep, Op::DictAdd, "a", std::string(100'000, '['));
    expectFails(Result::ValueEtoodeep, Op::ArrayPushLast, "a", nestedArrays(40), true);
    expectFails(Result::ValueCantinsert, Op::DictAdd, "a", "[x," + nestedArrays(40) + "]");
    expectFails(Result::ValueCantinsert, Op::ArrayPushLast, "a", "x," + nestedArrays(40), true);
    EXPECT_EQ(Result::Success, mutate(Op::DictAdd, "a", nestedArrays(kMaxDepth - 1)));
}

}  // namespace
}  // namespace eddy::subdoc
