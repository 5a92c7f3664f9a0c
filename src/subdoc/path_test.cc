// eddy — tests of the sub-document path parsers.
#include "subdoc/path.h"

#include <gtest/gtest.h>

#include <string>

namespace eddy::subdoc {
namespace {

// A parse's outcome as text: its components, each 'key' or [index], space-separated; or the
// failure's name.
std::string outcome(Result result, const Path& path) {
    if (result != Result::Success) {
        return std::string(toString(result));
    }
    std::string text;
    for (const PathComponent& component : path) {
        if (!text.empty()) {
            text += ' ';
        }
        if (component.kind == PathComponent::Kind::Index) {
            text += '[' + std::to_string(component.index) + ']';
        } else {
            text += '\'' + component.key + '\'';
        }
    }
    return text;
}

std::string body(std::string_view text) {
    Path path;
    const Result result = parsePath(text, path);
    return outcome(result, path);
}

std::string xattr(std::string_view text) {
    Path path;
    const Result result = parseXattrPath(text, path);
    return outcome(result, path);
}

// A path of `count` keys: "c.c.c".
std::string keys(int count) {
    std::string text = "c";
    for (int i = 1; i < count; ++i) {
        text += ".c";
    }
    return text;
}

TEST(SubdocResultTest, NamesAreTheMcbpStatusNames) {
    EXPECT_EQ("SUCCESS", toString(Result::Success));
    EXPECT_EQ("SUBDOC_PATH_ENOENT", toString(Result::PathEnoent));
    EXPECT_EQ("SUBDOC_PATH_MISMATCH", toString(Result::PathMismatch));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", toString(Result::PathEinval));
    EXPECT_EQ("SUBDOC_PATH_E2BIG", toString(Result::PathE2big));
    EXPECT_EQ("SUBDOC_DOC_E2DEEP", toString(Result::DocE2deep));
    EXPECT_EQ("SUBDOC_VALUE_CANTINSERT", toString(Result::ValueCantinsert));
    EXPECT_EQ("SUBDOC_DOC_NOT_JSON", toString(Result::DocNotJson));
    EXPECT_EQ("SUBDOC_NUM_ERANGE", toString(Result::NumErange));
    EXPECT_EQ("SUBDOC_DELTA_EINVAL", toString(Result::DeltaEinval));
    EXPECT_EQ("SUBDOC_PATH_EEXISTS", toString(Result::PathEexists));
    EXPECT_EQ("SUBDOC_VALUE_ETOODEEP", toString(Result::ValueEtoodeep));
}

TEST(SubdocPathTest, EmptyPathIsTheRoot) {
    Path path{PathComponent{}};
    EXPECT_EQ(Result::Success, parsePath("", path));
    EXPECT_TRUE(path.empty());
}

TEST(SubdocPathTest, KeysAndIndices) {
    EXPECT_EQ("'foo' 'bar' 'baz'", body("foo.bar.baz"));
    EXPECT_EQ("'array' [1] 'item' [9]", body("array[1].item[9]"));
    EXPECT_EQ("'foo' [0] [0] [0]", body("foo[0][0][0]"));
    EXPECT_EQ("[1] [2] [3]", body("[1][2][3]"));
    EXPECT_EQ("[0] 'a'", body("[0].a"));
}

TEST(SubdocPathTest, MinusOneIsTheLastElement) {
    EXPECT_EQ("'foo' [-1] [-1]", body("foo[-1][-1]"));
    EXPECT_EQ("[-1]", body("[-1]"));
    Path path;
    ASSERT_EQ(Result::Success, parsePath("[-1]", path));
    EXPECT_EQ(PathComponent::kLastIndex, path[0].index);
}

TEST(SubdocPathTest, IndicesAreDecimal) {
    EXPECT_EQ("[7]", body("[007]"));
    EXPECT_EQ("[9223372036854775807]", body("[9223372036854775807]"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("[9223372036854775808]"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("[99999999999999999999999]"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a[-2]"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a[-0]"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a[+1]"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a[ 1]"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a[1a]"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a[]"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("[not][a][number]"));
}

TEST(SubdocPathTest, BadBrackets) {
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a[0"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a["));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a]"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a[0]]"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a[[0]]"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("hello[0]world"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("]"));
}

TEST(SubdocPathTest, EmptyComponents) {
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("."));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("...."));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body(".a"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a..b"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a."));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a[0]."));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a.[0]"));
}

TEST(SubdocPathTest, BackticksQuoteMetacharacters) {
    EXPECT_EQ("'simple' 'escaped' 'path'", body("`simple`.`escaped`.`path`"));
    EXPECT_EQ("'escaped' 'arr.idx' [9]", body("escaped.`arr.idx`[9]"));
    EXPECT_EQ("'dot.ted.field' 'subfield'", body("`dot.ted.field`.subfield"));
    EXPECT_EQ("'a[0]'", body("`a[0]`"));
    EXPECT_EQ("'a]'", body("`a]`"));
    // A quoted part and a plain part make one component.
    EXPECT_EQ("'a.bc'", body("`a.b`c"));
}

TEST(SubdocPathTest, DoubledBacktickIsALiteralOne) {
    EXPECT_EQ("'BACKTICK`HAPPY' 'CAMPER'", body("`BACKTICK``HAPPY`.`CAMPER`"));
    EXPECT_EQ("'back`tick`field'", body("`back``tick``field`"));
    EXPECT_EQ("'key`'", body("key``"));
    EXPECT_EQ("'`'", body("````"));
    EXPECT_EQ("']`]'", body("`]``]`"));
    EXPECT_EQ("'`a'", body("```a`"));
    EXPECT_EQ("'a`.b'", body("`a``.b`"));
    EXPECT_EQ("'a`' 'b'", body("`a```.b"));
}

TEST(SubdocPathTest, UnbalancedBackticks) {
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("`abc"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a.`b"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("`a``"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a`.b"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a```b"));
    // A quoted empty key is still empty.
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("``"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", body("a.``"));
}

TEST(SubdocPathTest, OtherBytesAreLiteral) {
    EXPECT_EQ("'k\xC3\xA9y2\xF0\x9F\x91\x8F'", body("k\xC3\xA9y2\xF0\x9F\x91\x8F"));
    EXPECT_EQ("'a\"b' 'c d'", body("a\"b.c d"));
    EXPECT_EQ(std::string("'a\0b'", 5), body(std::string_view("a\0b", 3)));
}

TEST(SubdocPathTest, AtMost32Components) {
    const std::string longest = keys(32);
    Path path;
    EXPECT_EQ(Result::Success, parsePath(longest, path));
    EXPECT_EQ(32u, path.size());
    EXPECT_EQ("SUBDOC_PATH_E2BIG", body(longest + ".c"));
    EXPECT_EQ("SUBDOC_PATH_E2BIG", body(longest + "[0]"));

    std::string indices;
    for (int i = 0; i < 32; ++i) {
        indices += "[0]";
    }
    EXPECT_EQ(Result::Success, parsePath(indices, path));
    EXPECT_EQ(32u, path.size());
    EXPECT_EQ("SUBDOC_PATH_E2BIG", body(indices + "[0]"));
}

TEST(SubdocPathTest, AtMost1024Bytes) {
    const std::string longest(kMaxPathLength, 'x');
    EXPECT_EQ('\'' + longest + '\'', body(longest));
    EXPECT_EQ("SUBDOC_PATH_E2BIG", body(longest + "x"));
    // The length is checked before the syntax.
    EXPECT_EQ("SUBDOC_PATH_E2BIG", body(std::string(kMaxPathLength + 1, '.')));
}

TEST(SubdocXattrPathTest, KeyRunsToTheFirstDotOrBracket) {
    EXPECT_EQ("'_sync'", xattr("_sync"));
    EXPECT_EQ("'_sync' 'rev'", xattr("_sync.rev"));
    EXPECT_EQ("'meta' [0] 'a'", xattr("meta[0].a"));
    EXPECT_EQ("'meta' 'a.b'", xattr("meta.`a.b`"));
    EXPECT_EQ("_sync", xattrKeyOf("_sync.rev[0]"));
    EXPECT_EQ("meta", xattrKeyOf("meta[0]"));
    EXPECT_EQ("plain", xattrKeyOf("plain"));
    EXPECT_EQ("", xattrKeyOf(".x"));
}

TEST(SubdocXattrPathTest, KeyHasNoEscaping) {
    EXPECT_EQ("'`a`'", xattr("`a`"));
    EXPECT_EQ("'`a' 'b`'", xattr("`a.`b```"));
    EXPECT_EQ("'a]'", xattr("a]"));
    EXPECT_EQ("'$document' 'CAS'", xattr("$document.CAS"));
}

TEST(SubdocXattrPathTest, KeyLength) {
    EXPECT_EQ("SUBDOC_PATH_EINVAL", xattr(""));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", xattr(".a"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", xattr("[0]"));
    const std::string longest(kMaxXattrKeyLength, 'k');
    EXPECT_EQ('\'' + longest + "' 'x'", xattr(longest + ".x"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", xattr(longest + "k"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", xattr(longest + "k.x"));
}

TEST(SubdocXattrPathTest, SubPathIsABodyPath) {
    EXPECT_EQ("SUBDOC_PATH_EINVAL", xattr("key."));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", xattr("key..a"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", xattr("key.[0]"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", xattr("key[-2]"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", xattr("key[0"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", xattr("key.`a"));
    EXPECT_EQ("SUBDOC_PATH_EINVAL", xattr("key[0]x"));
}

TEST(SubdocXattrPathTest, LimitsCountTheKey) {
    const std::string longest = "k." + keys(31);
    Path path;
    EXPECT_EQ(Result::Success, parseXattrPath(longest, path));
    EXPECT_EQ(32u, path.size());
    EXPECT_EQ("SUBDOC_PATH_E2BIG", xattr(longest + ".c"));
    EXPECT_EQ("SUBDOC_PATH_E2BIG", xattr("k." + std::string(kMaxPathLength - 1, 'x')));
    EXPECT_EQ("'k' '" + std::string(kMaxPathLength - 2, 'x') + '\'',
              xattr("k." + std::string(kMaxPathLength - 2, 'x')));
}

}  // namespace
}  // namespace eddy::subdoc
