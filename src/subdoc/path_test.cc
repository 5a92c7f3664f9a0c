// eddy — tests of the sub-document path parsers.
#include "subdoc/path.h"

#include <gtest/gtest.h>

#include <string>

namespace eddy::subdoc {
namespace {

PathComponent key(std::string name) {
    PathComponent component;
    component.key = std::move(name);
    return component;
}

PathComponent index(int64_t at) {
    PathComponent component;
    component.kind = PathComponent::Kind::Index;
    component.index = at;
    return component;
}

Path parsed(std::string_view text) {
    Path path;
    EXPECT_EQ(Result::Success, parsePath(text, path)) << text;
    return path;
}

Result status(std::string_view text) {
    Path path;
    return parsePath(text, path);
}

Path parsedXattr(std::string_view text) {
    Path path;
    EXPECT_EQ(Result::Success, parseXattrPath(text, path)) << text;
    return path;
}

Result xattrStatus(std::string_view text) {
    Path path;
    return parseXattrPath(text, path);
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
    EXPECT_TRUE(parsed("").empty());
}

TEST(SubdocPathTest, KeysAndIndices) {
    EXPECT_EQ((Path{key("foo"), key("bar"), key("baz")}), parsed("foo.bar.baz"));
    EXPECT_EQ((Path{key("array"), index(1), key("item"), index(9)}), parsed("array[1].item[9]"));
    EXPECT_EQ((Path{key("foo"), index(0), index(0), index(0)}), parsed("foo[0][0][0]"));
    EXPECT_EQ((Path{index(1), index(2), index(3)}), parsed("[1][2][3]"));
    EXPECT_EQ((Path{index(0), key("a")}), parsed("[0].a"));
}

TEST(SubdocPathTest, MinusOneIsTheLastElement) {
    EXPECT_EQ((Path{key("foo"), index(PathComponent::kLastIndex), index(-1)}),
              parsed("foo[-1][-1]"));
    EXPECT_EQ((Path{index(-1)}), parsed("[-1]"));
}

TEST(SubdocPathTest, IndicesAreDecimal) {
    EXPECT_EQ((Path{index(7)}), parsed("[007]"));
    EXPECT_EQ((Path{index(INT64_MAX)}), parsed("[9223372036854775807]"));
    EXPECT_EQ(Result::PathEinval, status("[9223372036854775808]"));
    EXPECT_EQ(Result::PathEinval, status("[99999999999999999999999]"));
    EXPECT_EQ(Result::PathEinval, status("a[-2]"));
    EXPECT_EQ(Result::PathEinval, status("a[-0]"));
    EXPECT_EQ(Result::PathEinval, status("a[+1]"));
    EXPECT_EQ(Result::PathEinval, status("a[ 1]"));
    EXPECT_EQ(Result::PathEinval, status("a[1a]"));
    EXPECT_EQ(Result::PathEinval, status("a[]"));
    EXPECT_EQ(Result::PathEinval, status("[not][a][number]"));
}

TEST(SubdocPathTest, BadBrackets) {
    EXPECT_EQ(Result::PathEinval, status("a[0"));
    EXPECT_EQ(Result::PathEinval, status("a["));
    EXPECT_EQ(Result::PathEinval, status("a]"));
    EXPECT_EQ(Result::PathEinval, status("a[0]]"));
    EXPECT_EQ(Result::PathEinval, status("a[[0]]"));
    EXPECT_EQ(Result::PathEinval, status("hello[0]world"));
    EXPECT_EQ(Result::PathEinval, status("]"));
}

TEST(SubdocPathTest, EmptyComponents) {
    EXPECT_EQ(Result::PathEinval, status("."));
    EXPECT_EQ(Result::PathEinval, status("...."));
    EXPECT_EQ(Result::PathEinval, status(".a"));
    EXPECT_EQ(Result::PathEinval, status("a..b"));
    EXPECT_EQ(Result::PathEinval, status("a."));
    EXPECT_EQ(Result::PathEinval, status("a[0]."));
    EXPECT_EQ(Result::PathEinval, status("a.[0]"));
}

TEST(SubdocPathTest, BackticksQuoteMetacharacters) {
    EXPECT_EQ((Path{key("simple"), key("escaped"), key("path")}),
              parsed("`simple`.`escaped`.`path`"));
    EXPECT_EQ((Path{key("escaped"), key("arr.idx"), index(9)}), parsed("escaped.`arr.idx`[9]"));
    EXPECT_EQ((Path{key("dot.ted.field"), key("subfield")}), parsed("`dot.ted.field`.subfield"));
    EXPECT_EQ((Path{key("a[0]")}), parsed("`a[0]`"));
    EXPECT_EQ((Path{key("a]")}), parsed("`a]`"));
    // A quoted part and a plain part make one component.
    EXPECT_EQ((Path{key("a.bc")}), parsed("`a.b`c"));
}

TEST(SubdocPathTest, DoubledBacktickIsALiteralOne) {
    EXPECT_EQ((Path{key("BACKTICK`HAPPY"), key("CAMPER")}), parsed("`BACKTICK``HAPPY`.`CAMPER`"));
    EXPECT_EQ((Path{key("back`tick`field")}), parsed("`back``tick``field`"));
    EXPECT_EQ((Path{key("key`")}), parsed("key``"));
    EXPECT_EQ((Path{key("`")}), parsed("````"));
    EXPECT_EQ((Path{key("]`]")}), parsed("`]``]`"));
    EXPECT_EQ((Path{key("`a")}), parsed("```a`"));
    EXPECT_EQ((Path{key("a`.b")}), parsed("`a``.b`"));
    EXPECT_EQ((Path{key("a`"), key("b")}), parsed("`a```.b"));
}

TEST(SubdocPathTest, UnbalancedBackticks) {
    EXPECT_EQ(Result::PathEinval, status("`abc"));
    EXPECT_EQ(Result::PathEinval, status("a.`b"));
    EXPECT_EQ(Result::PathEinval, status("`a``"));
    EXPECT_EQ(Result::PathEinval, status("a`.b"));
    EXPECT_EQ(Result::PathEinval, status("a```b"));
    // A quoted empty key is still empty.
    EXPECT_EQ(Result::PathEinval, status("``"));
    EXPECT_EQ(Result::PathEinval, status("a.``"));
}

TEST(SubdocPathTest, OtherBytesAreLiteral) {
    EXPECT_EQ((Path{key("k\xC3\xA9y2\xF0\x9F\x91\x8F")}), parsed("k\xC3\xA9y2\xF0\x9F\x91\x8F"));
    EXPECT_EQ((Path{key("a\"b"), key("c d")}), parsed("a\"b.c d"));
    EXPECT_EQ((Path{key(std::string("a\0b", 3))}), parsed(std::string_view("a\0b", 3)));
}

TEST(SubdocPathTest, AtMost32Components) {
    std::string path = "c";
    for (int i = 1; i < 32; ++i) {
        path += ".c";
    }
    EXPECT_EQ(32u, parsed(path).size());
    EXPECT_EQ(Result::PathE2big, status(path + ".c"));
    EXPECT_EQ(Result::PathE2big, status(path + "[0]"));

    std::string indices;
    for (int i = 0; i < 32; ++i) {
        indices += "[0]";
    }
    EXPECT_EQ(32u, parsed(indices).size());
    EXPECT_EQ(Result::PathE2big, status(indices + "[0]"));
}

TEST(SubdocPathTest, AtMost1024Bytes) {
    const std::string longest(kMaxPathLength, 'x');
    EXPECT_EQ((Path{key(longest)}), parsed(longest));
    EXPECT_EQ(Result::PathE2big, status(longest + "x"));
    // The length is checked before the syntax.
    EXPECT_EQ(Result::PathE2big, status(std::string(kMaxPathLength + 1, '.')));
}

TEST(SubdocXattrPathTest, KeyRunsToTheFirstDotOrBracket) {
    EXPECT_EQ((Path{key("_sync")}), parsedXattr("_sync"));
    EXPECT_EQ((Path{key("_sync"), key("rev")}), parsedXattr("_sync.rev"));
    EXPECT_EQ((Path{key("meta"), index(0), key("a")}), parsedXattr("meta[0].a"));
    EXPECT_EQ((Path{key("meta"), key("a.b")}), parsedXattr("meta.`a.b`"));
    EXPECT_EQ("_sync", xattrKeyOf("_sync.rev[0]"));
    EXPECT_EQ("meta", xattrKeyOf("meta[0]"));
    EXPECT_EQ("plain", xattrKeyOf("plain"));
    EXPECT_EQ("", xattrKeyOf(".x"));
}

TEST(SubdocXattrPathTest, KeyHasNoEscaping) {
    EXPECT_EQ((Path{key("`a`")}), parsedXattr("`a`"));
    EXPECT_EQ((Path{key("`a"), key("b`")}), parsedXattr("`a.`b```"));
    EXPECT_EQ((Path{key("a]")}), parsedXattr("a]"));
    EXPECT_EQ((Path{key("$document"), key("CAS")}), parsedXattr("$document.CAS"));
}

TEST(SubdocXattrPathTest, KeyLength) {
    EXPECT_EQ(Result::PathEinval, xattrStatus(""));
    EXPECT_EQ(Result::PathEinval, xattrStatus(".a"));
    EXPECT_EQ(Result::PathEinval, xattrStatus("[0]"));
    const std::string longest(kMaxXattrKeyLength, 'k');
    EXPECT_EQ((Path{key(longest), key("x")}), parsedXattr(longest + ".x"));
    EXPECT_EQ(Result::PathEinval, xattrStatus(longest + "k"));
    EXPECT_EQ(Result::PathEinval, xattrStatus(longest + "k.x"));
}

TEST(SubdocXattrPathTest, SubPathIsABodyPath) {
    EXPECT_EQ(Result::PathEinval, xattrStatus("key."));
    EXPECT_EQ(Result::PathEinval, xattrStatus("key..a"));
    EXPECT_EQ(Result::PathEinval, xattrStatus("key.[0]"));
    EXPECT_EQ(Result::PathEinval, xattrStatus("key[-2]"));
    EXPECT_EQ(Result::PathEinval, xattrStatus("key[0"));
    EXPECT_EQ(Result::PathEinval, xattrStatus("key.`a"));
    EXPECT_EQ(Result::PathEinval, xattrStatus("key[0]x"));
}

TEST(SubdocXattrPathTest, LimitsCountTheKey) {
    std::string path = "k";
    for (int i = 1; i < 32; ++i) {
        path += ".c";
    }
    EXPECT_EQ(32u, parsedXattr(path).size());
    EXPECT_EQ(Result::PathE2big, xattrStatus(path + ".c"));
    EXPECT_EQ(Result::PathE2big, xattrStatus("k." + std::string(kMaxPathLength - 1, 'x')));
    EXPECT_EQ(2u, parsedXattr("k." + std::string(kMaxPathLength - 2, 'x')).size());
}

}  // namespace
}  // namespace eddy::subdoc
