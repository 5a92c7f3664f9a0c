// eddy — tests of the sub-document wire form: decoding, and every refusal kv_engine documents.
#include "protocol/subdoc_request.h"

#include "protocol/encode.h"
#include "protocol/opcode.h"

#include <gtest/gtest.h>

#include <string>

namespace eddy::mcbp::subdoc {
namespace {

using Op = ClientOpcode;
using R = ResponseStatus;

/// Owns the bytes a parsed frame views.
struct Parsed {
    std::string bytes;
    SubdocRequest request;
    ValidationResult result;
};

void parse(Parsed& out, Op opcode, const std::string& extras, const std::string& value,
           uint64_t cas = 0) {
    RequestFields fields;
    fields.opcode = static_cast<uint8_t>(opcode);
    fields.cas = cas;
    appendRequest(out.bytes, fields, extras, "doc", value);
    const ParseResult frame = parseFrame(out.bytes, SIZE_MAX);
    ASSERT_EQ(ParseStatus::Ok, frame.status);
    out.result = parseSubdocRequest(frame.frame, out.request);
}

/// Single-path extras: path length, path flags, then the optional expiry and doc flags.
std::string singleExtras(size_t path_length, uint8_t flags, std::optional<uint32_t> expiry = {},
                         std::optional<uint8_t> doc_flags = {}) {
    std::string extras;
    appendUint16(extras, static_cast<uint16_t>(path_length));
    extras.push_back(static_cast<char>(flags));
    if (expiry) {
        appendUint32(extras, *expiry);
    }
    if (doc_flags) {
        extras.push_back(static_cast<char>(*doc_flags));
    }
    return extras;
}

std::string lookupSpec(uint8_t opcode, uint8_t flags, const std::string& path) {
    std::string spec;
    spec.push_back(static_cast<char>(opcode));
    spec.push_back(static_cast<char>(flags));
    appendUint16(spec, static_cast<uint16_t>(path.size()));
    return spec + path;
}

std::string mutationSpec(uint8_t opcode, uint8_t flags, const std::string& path,
                         const std::string& value) {
    std::string spec;
    spec.push_back(static_cast<char>(opcode));
    spec.push_back(static_cast<char>(flags));
    appendUint16(spec, static_cast<uint16_t>(path.size()));
    appendUint32(spec, static_cast<uint32_t>(value.size()));
    return spec + path + value;
}

constexpr auto op(Op opcode) {
    return static_cast<uint8_t>(opcode);
}

TEST(SubdocRequestTest, SinglePathMutationDecodes) {
    Parsed p;
    parse(p, Op::SubdocDictUpsert, singleExtras(5, path_flag::kMkdirP, 60, doc_flag::kMkdoc),
          "a.b.c\"v\"");
    ASSERT_TRUE(p.result.ok()) << p.result.message;
    EXPECT_FALSE(p.request.multi);
    EXPECT_TRUE(p.request.mutation);
    ASSERT_EQ(1U, p.request.count);
    EXPECT_EQ("a.b.c", p.request.specs[0].path);
    EXPECT_EQ("\"v\"", p.request.specs[0].value);
    EXPECT_TRUE(p.request.specs[0].mkdirP());
    EXPECT_EQ(60U, p.request.expiry.value_or(0));
    EXPECT_TRUE(p.request.hasDocFlag(doc_flag::kMkdoc));
}

TEST(SubdocRequestTest, SinglePathLookupDecodesAndTakesNoExpiry) {
    Parsed p;
    parse(p, Op::SubdocGet, singleExtras(3, 0), "a.b");
    ASSERT_TRUE(p.result.ok()) << p.result.message;
    EXPECT_FALSE(p.request.mutation);
    EXPECT_EQ("a.b", p.request.specs[0].path);
    EXPECT_FALSE(p.request.expiry.has_value());

    Parsed with_expiry;
    parse(with_expiry, Op::SubdocGet, singleExtras(3, 0, 10), "a.b");
    EXPECT_EQ(R::Einval, with_expiry.result.status);
}

TEST(SubdocRequestTest, SinglePathShapeErrorsAreEinval) {
    struct Case {
        Op opcode;
        std::string extras;
        std::string value;
        std::string_view message;
    };
    const Case cases[] = {
        {Op::SubdocGet, singleExtras(10, 0), "short", "Path length exceeds the body"},
        {Op::SubdocGet, singleExtras(0, 0), "", "The operation needs a path"},
        {Op::SubdocGet, singleExtras(1, 0), "ax", "The operation takes no value"},
        {Op::SubdocDictAdd, singleExtras(1, 0), "a", "The operation needs a value"},
        {Op::SubdocDelete, singleExtras(1, 0), "a1", "The operation takes no value"},
        {Op::SubdocGet, singleExtras(1, path_flag::kMkdirP), "a",
         "Invalid path flags for the operation"},
        {Op::SubdocGet, singleExtras(1, 0, {}, doc_flag::kMkdoc), "a", "Invalid doc flags"},
        {Op::SubdocDictAdd, singleExtras(1, 0, {}, doc_flag::kMkdoc | doc_flag::kAdd), "a1",
         "Request must not contain both add and mkdoc flags"},
        {Op::SubdocGet, singleExtras(1025, 0), std::string(1025, 'a'), "Path too long"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.message);
        Parsed p;
        parse(p, c.opcode, c.extras, c.value);
        EXPECT_EQ(R::Einval, p.result.status);
        EXPECT_EQ(c.message, p.result.message);
    }
}

TEST(SubdocRequestTest, AddWithCasIsEinval) {
    Parsed p;
    parse(p, Op::SubdocDictAdd, singleExtras(1, 0, {}, doc_flag::kAdd), "a1", 42);
    EXPECT_EQ(R::Einval, p.result.status);
    EXPECT_EQ("Request with add flag must have CAS 0", p.result.message);
}

TEST(SubdocRequestTest, XattrRules) {
    struct Case {  // NOLINT(clang-analyzer-optin.performance.Padding): fields in table order
        Op opcode;
        uint8_t flags;
        std::string path;
        std::string value;
        R status;
    };
    const Case cases[] = {
        {Op::SubdocGet, path_flag::kXattr, "meta.a", "", R::Success},
        {Op::SubdocGet, path_flag::kXattr, "$document.CAS", "", R::Success},
        {Op::SubdocDictUpsert, path_flag::kXattr, "$document.x", "1",
         R::SubdocXattrCantModifyVattr},
        {Op::SubdocGet, path_flag::kXattr, ".a", "", R::XattrEinval},
        {Op::SubdocGet, path_flag::kXattr, "seventeen_bytes_k", "", R::XattrEinval},
        {Op::SubdocDictUpsert, path_flag::kExpandMacros, "a", "1", R::SubdocXattrInvalidFlagCombo},
        {Op::SubdocDictUpsert, path_flag::kXattr | path_flag::kExpandMacros, "m.a",
         "\"${Mutation.CAS}\"", R::NotSupported},
        {Op::SubdocGet, path_flag::kBinaryValue, "a", "", R::SubdocXattrInvalidFlagCombo},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.path);
        Parsed p;
        parse(p, c.opcode, singleExtras(c.path.size(), c.flags), c.path + c.value);
        EXPECT_EQ(c.status, p.result.status) << p.result.message;
    }
}

TEST(SubdocRequestTest, MultiLookupDecodes) {
    const std::string body = lookupSpec(op(Op::SubdocGet), path_flag::kXattr, "$document") +
                             lookupSpec(whole_doc::kGet, 0, "") +
                             lookupSpec(op(Op::SubdocGetCount), 0, "list");
    Parsed p;
    parse(p, Op::SubdocMultiLookup, std::string(1, char{doc_flag::kAccessDeleted}), body);
    ASSERT_TRUE(p.result.ok()) << p.result.message;
    EXPECT_TRUE(p.request.multi);
    EXPECT_FALSE(p.request.mutation);
    ASSERT_EQ(3U, p.request.count);
    EXPECT_TRUE(p.request.specs[0].isXattr());
    EXPECT_EQ(whole_doc::kGet, p.request.specs[1].opcode);
    EXPECT_EQ("list", p.request.specs[2].path);
    EXPECT_TRUE(p.request.hasDocFlag(doc_flag::kAccessDeleted));
}

TEST(SubdocRequestTest, MultiMutationDecodesExpiryAndDocFlags) {
    std::string extras;
    appendUint32(extras, 100);
    extras.push_back(static_cast<char>(doc_flag::kMkdoc));
    const std::string body = mutationSpec(op(Op::SubdocDictUpsert), path_flag::kXattr, "m.a", "1") +
                             mutationSpec(op(Op::SubdocCounter), 0, "n", "5") +
                             mutationSpec(op(Op::SubdocDelete), 0, "old", "");
    Parsed p;
    parse(p, Op::SubdocMultiMutation, extras, body);
    ASSERT_TRUE(p.result.ok()) << p.result.message;
    EXPECT_TRUE(p.request.mutation);
    ASSERT_EQ(3U, p.request.count);
    EXPECT_EQ(100U, p.request.expiry.value_or(0));
    EXPECT_EQ("5", p.request.specs[1].value);
    EXPECT_EQ("old", p.request.specs[2].path);
}

TEST(SubdocRequestTest, MultiPathCombinationRules) {
    const std::string get = lookupSpec(op(Op::SubdocGet), 0, "a");
    const std::string xattr_get = lookupSpec(op(Op::SubdocGet), path_flag::kXattr, "m");
    std::string seventeen;
    for (int i = 0; i < 17; ++i) {
        seventeen += get;
    }
    std::string sixteen;
    for (int i = 0; i < 16; ++i) {
        sixteen += get;
    }
    struct Case {  // NOLINT(clang-analyzer-optin.performance.Padding): fields in table order
        Op opcode;
        std::string body;
        R status;
    };
    const Case cases[] = {
        {Op::SubdocMultiLookup, sixteen, R::Success},
        {Op::SubdocMultiLookup, seventeen, R::SubdocInvalidCombo},
        {Op::SubdocMultiLookup, "", R::SubdocInvalidCombo},
        {Op::SubdocMultiLookup, get + xattr_get, R::SubdocInvalidXattrOrder},
        {Op::SubdocMultiLookup, xattr_get + get, R::Success},
        // A mutation inside a lookup, and a lookup inside a mutation.
        {Op::SubdocMultiLookup, mutationSpec(op(Op::SubdocDictAdd), 0, "a", "1"),
         R::SubdocInvalidCombo},
        {Op::SubdocMultiMutation, mutationSpec(op(Op::SubdocGet), 0, "a", ""),
         R::SubdocInvalidCombo},
        {Op::SubdocMultiLookup, lookupSpec(0x99, 0, "a"), R::SubdocInvalidCombo},
        {Op::SubdocMultiLookup, lookupSpec(whole_doc::kGet, 0, "a"), R::Einval},
        {Op::SubdocMultiLookup, get.substr(0, 4), R::Einval},
        {Op::SubdocMultiMutation,
         mutationSpec(whole_doc::kRemove, 0, "", "") +
             mutationSpec(op(Op::SubdocDictUpsert), 0, "a", "1"),
         R::SubdocInvalidCombo},
        {Op::SubdocMultiMutation,
         mutationSpec(op(Op::SubdocDictUpsert), path_flag::kXattr, "m.a", "1") +
             mutationSpec(whole_doc::kSet, 0, "", "{}"),
         R::Success},
    };
    for (size_t i = 0; i < std::size(cases); ++i) {
        SCOPED_TRACE(i);
        Parsed p;
        parse(p, cases[i].opcode, "", cases[i].body);
        EXPECT_EQ(cases[i].status, p.result.status) << p.result.message;
    }
}

TEST(SubdocRequestTest, TruncatedMutationSpecLengthsNeverReadPastTheBody) {
    std::string spec = mutationSpec(op(Op::SubdocDictUpsert), 0, "a", "1");
    // Claim a value of 4 GiB - 1.
    spec[4] = spec[5] = spec[6] = spec[7] = '\xff';
    Parsed p;
    parse(p, Op::SubdocMultiMutation, "", spec);
    EXPECT_EQ(R::Einval, p.result.status);
    EXPECT_EQ("Truncated spec", p.result.message);
}

TEST(SubdocRequestTest, OnlyTheSubdocOpcodesAreSubdoc) {
    EXPECT_TRUE(isSubdocOpcode(op(Op::SubdocGet)));
    EXPECT_TRUE(isSubdocOpcode(op(Op::SubdocMultiMutation)));
    EXPECT_TRUE(isSubdocOpcode(op(Op::SubdocGetCount)));
    EXPECT_FALSE(isSubdocOpcode(op(Op::GetKeys)));
    EXPECT_FALSE(isSubdocOpcode(op(Op::Get)));
    EXPECT_FALSE(isSubdocOpcode(0xd3));
}

}  // namespace
}  // namespace eddy::mcbp::subdoc
