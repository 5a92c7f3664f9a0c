// eddy — tests of SubdocExecution: specs against a document with xattrs, without a server.
#include "daemon/subdoc_execution.h"

#include "protocol/encode.h"
#include "protocol/opcode.h"
#include "xattr/blob.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace eddy::daemon {
namespace {

using mcbp::ResponseStatus;
using mcbp::subdoc::SubdocRequest;
using Op = mcbp::ClientOpcode;
namespace path_flag = mcbp::subdoc::path_flag;
namespace doc_flag = mcbp::subdoc::doc_flag;

constexpr uint8_t op(Op opcode) {
    return static_cast<uint8_t>(opcode);
}

/// A request whose specs view strings the test keeps alive.
struct Builder {
    SubdocRequest request;
    Builder& spec(uint8_t opcode, std::string_view path, std::string_view value = {},
                  uint8_t flags = 0) {
        request.specs[request.count++] = {opcode, flags, path, value};
        return *this;
    }
    Builder& mutation() {
        request.mutation = true;
        request.multi = true;
        return *this;
    }
};

std::string withXattrs(std::initializer_list<std::pair<std::string, std::string>> pairs,
                       std::string_view body) {
    xattr::Blob blob;
    for (const auto& [key, value] : pairs) {
        blob.set(key, value);
    }
    return blob.encode() + std::string(body);
}

SubdocInput inputOf(const std::string& value, uint8_t datatype) {
    return {.exists = true,
            .value = value,
            .datatype = datatype,
            .flags = 7,
            .expiry = 1'900'000'000,
            .cas = 0x1234'0000'0000'0000ULL};
}

constexpr SubdocPermissions kUser{};
constexpr SubdocPermissions kSystem{.read_system_xattrs = true, .write_system_xattrs = true};
constexpr uint8_t kJsonXattr = datatype::kJson | datatype::kXattr;

TEST(SubdocExecutionTest, LookupsReadBodyAndXattrs) {
    const std::string value = withXattrs({{"meta", R"({"a":[1,2]})"}}, R"({"name":"x","n":5})");
    const SubdocInput input = inputOf(value, kJsonXattr);
    Builder b;
    b.spec(op(Op::SubdocGet), "meta.a[1]", {}, path_flag::kXattr)
        .spec(op(Op::SubdocGet), "name")
        .spec(op(Op::SubdocExists), "missing")
        .spec(mcbp::subdoc::whole_doc::kGet, "")
        .spec(op(Op::SubdocGetCount), "");
    SubdocExecution execution(b.request, input, kUser, 1000);
    const SubdocLookupResult result = execution.lookup();
    ASSERT_EQ(5U, result.count);
    EXPECT_EQ("2", result.specs[0].value);
    EXPECT_EQ("\"x\"", result.specs[1].value);
    EXPECT_EQ(ResponseStatus::SubdocPathEnoent, result.specs[2].status);
    EXPECT_EQ(R"({"name":"x","n":5})", result.specs[3].value);
    EXPECT_EQ("2", result.specs[4].value);
    EXPECT_FALSE(result.allSucceeded());
}

TEST(SubdocExecutionTest, VirtualDocumentAttributes) {
    const std::string value = withXattrs({{"meta", "1"}, {"_sys", "2"}}, R"({"a":1})");
    const SubdocInput input = inputOf(value, kJsonXattr);
    Builder b;
    b.spec(op(Op::SubdocGet), "$document", {}, path_flag::kXattr)
        .spec(op(Op::SubdocGet), "$document.exptime", {}, path_flag::kXattr)
        .spec(op(Op::SubdocGet), "$vbucket.HLC.now", {}, path_flag::kXattr)
        .spec(op(Op::SubdocGet), "$XTOC", {}, path_flag::kXattr)
        .spec(op(Op::SubdocGet), "$nope", {}, path_flag::kXattr);
    SubdocExecution execution(b.request, input, kUser, 1234);
    const SubdocLookupResult result = execution.lookup();
    const auto document = nlohmann::json::parse(result.specs[0].value);
    EXPECT_EQ("0x1234000000000000", document["CAS"]);
    EXPECT_EQ(7, document["flags"]);
    EXPECT_EQ(7, document["value_bytes"]);
    EXPECT_EQ(nlohmann::json::array({"json", "xattr"}), document["datatype"]);
    EXPECT_EQ(false, document["deleted"]);
    EXPECT_EQ("1900000000", result.specs[1].value);
    EXPECT_EQ("\"1234\"", result.specs[2].value);
    // The system attribute is listed only for who may read it.
    EXPECT_EQ(R"(["meta"])", result.specs[3].value);
    EXPECT_EQ(ResponseStatus::SubdocXattrUnknownVattr, result.specs[4].status);
}

TEST(SubdocExecutionTest, SystemXattrsNeedTheirPrivileges) {
    const std::string value = withXattrs({{"_sync", R"({"rev":1})"}}, "{}");
    const SubdocInput input = inputOf(value, kJsonXattr);
    Builder read;
    read.spec(op(Op::SubdocGet), "_sync.rev", {}, path_flag::kXattr);
    {
        SubdocExecution user(read.request, input, kUser, 0);
        EXPECT_EQ(ResponseStatus::Eaccess, user.lookup().specs[0].status);
        SubdocExecution system(read.request, input, kSystem, 0);
        EXPECT_EQ("1", system.lookup().specs[0].value);
    }
    Builder write;
    write.mutation().spec(op(Op::SubdocDictUpsert), "_sync.rev", "2", path_flag::kXattr);
    SubdocExecution user(write.request, input, kUser, 0);
    EXPECT_EQ(ResponseStatus::Eaccess, user.mutate().status);
}

TEST(SubdocExecutionTest, MutationsRebuildXattrsAndBody) {
    const std::string value = withXattrs({{"meta", R"({"v":1})"}}, R"({"n":1,"l":[]})");
    const SubdocInput input = inputOf(value, kJsonXattr);
    Builder b;
    b.mutation()
        .spec(op(Op::SubdocDictUpsert), "meta.v", "2", path_flag::kXattr)
        .spec(op(Op::SubdocDictUpsert), "tags.t", "true", path_flag::kXattr | path_flag::kMkdirP)
        .spec(op(Op::SubdocCounter), "n", "41")
        .spec(op(Op::SubdocArrayPushLast), "l", "1,2");
    SubdocExecution execution(b.request, input, kUser, 0);
    const SubdocMutationResult result = execution.mutate();
    ASSERT_EQ(ResponseStatus::Success, result.status);
    EXPECT_EQ("42", result.specs[2].value);
    EXPECT_EQ(kJsonXattr, result.datatype);
    ASSERT_TRUE(xattr::validate(result.value));
    const xattr::Blob blob = xattr::Blob::decode(result.value);
    EXPECT_EQ(R"({"v":2})", blob.get("meta").value_or(""));
    EXPECT_EQ(R"({"t":true})", blob.get("tags").value_or(""));
    EXPECT_EQ(R"({"n":42,"l":[1,2]})", xattr::bodyOf(result.value));
}

TEST(SubdocExecutionTest, ABodyOnlyChangeKeepsTheXattrSectionBytes) {
    const std::string value = withXattrs({{"meta", R"({ "spaced" : 1 })"}}, R"({"n":1})");
    const SubdocInput input = inputOf(value, kJsonXattr);
    Builder b;
    b.mutation().spec(op(Op::SubdocReplace), "n", "2");
    SubdocExecution execution(b.request, input, kUser, 0);
    const SubdocMutationResult result = execution.mutate();
    ASSERT_EQ(ResponseStatus::Success, result.status);
    const size_t section = xattr::bodyOffset(value);
    EXPECT_EQ(value.substr(0, section), result.value.substr(0, section));
}

TEST(SubdocExecutionTest, RemovingTheLastXattrDropsTheSectionAndTheBit) {
    const std::string value = withXattrs({{"meta", "1"}}, R"({"n":1})");
    const SubdocInput input = inputOf(value, kJsonXattr);
    Builder b;
    b.mutation().spec(op(Op::SubdocDelete), "meta", {}, path_flag::kXattr);
    SubdocExecution execution(b.request, input, kUser, 0);
    const SubdocMutationResult result = execution.mutate();
    ASSERT_EQ(ResponseStatus::Success, result.status);
    EXPECT_EQ(datatype::kJson, result.datatype);
    EXPECT_EQ(R"({"n":1})", result.value);
}

TEST(SubdocExecutionTest, TheFirstFailureStopsTheMutation) {
    const std::string value = R"({"n":1})";
    const SubdocInput input = inputOf(value, datatype::kJson);
    Builder b;
    b.mutation()
        .spec(op(Op::SubdocDictUpsert), "a", "1")
        .spec(op(Op::SubdocDictAdd), "n", "2")
        .spec(op(Op::SubdocDictUpsert), "b", "1");
    SubdocExecution execution(b.request, input, kUser, 0);
    const SubdocMutationResult result = execution.mutate();
    EXPECT_EQ(ResponseStatus::SubdocPathEexists, result.status);
    EXPECT_EQ(1U, result.failed_index);
}

TEST(SubdocExecutionTest, AMissingDocumentStartsFromAnEmptyRoot) {
    const SubdocInput missing;
    Builder object;
    object.mutation().spec(op(Op::SubdocDictUpsert), "a.b", "1");
    object.request.doc_flags = doc_flag::kMkdoc;
    SubdocExecution execution(object.request, missing, kUser, 0);
    const SubdocMutationResult made = execution.mutate();
    ASSERT_EQ(ResponseStatus::Success, made.status);
    EXPECT_EQ(R"({"a":{"b":1}})", made.value);

    Builder array;
    array.mutation().spec(op(Op::SubdocArrayPushLast), "", "1");
    array.request.doc_flags = doc_flag::kAdd;
    SubdocExecution array_execution(array.request, missing, kUser, 0);
    EXPECT_EQ("[1]", array_execution.mutate().value);

    Builder xattr_only;
    xattr_only.mutation().spec(op(Op::SubdocDictUpsert), "m", "1", path_flag::kXattr);
    xattr_only.request.doc_flags = doc_flag::kMkdoc;
    SubdocExecution xattr_execution(xattr_only.request, missing, kUser, 0);
    const SubdocMutationResult with_xattr = xattr_execution.mutate();
    EXPECT_EQ(kJsonXattr, with_xattr.datatype);
    EXPECT_EQ("{}", xattr::bodyOf(with_xattr.value));
}

TEST(SubdocExecutionTest, ANonJsonBodyFailsOnlyBodySpecs) {
    const std::string value = withXattrs({{"meta", "1"}}, "binary\x01");
    const SubdocInput input = inputOf(value, datatype::kXattr);
    Builder b;
    b.spec(op(Op::SubdocGet), "meta", {}, path_flag::kXattr).spec(op(Op::SubdocGet), "a");
    SubdocExecution execution(b.request, input, kUser, 0);
    const SubdocLookupResult result = execution.lookup();
    EXPECT_EQ("1", result.specs[0].value);
    EXPECT_EQ(ResponseStatus::SubdocDocNotJson, result.specs[1].status);
}

TEST(SubdocExecutionTest, SetAndRemoveTheWholeDocument) {
    const std::string value = withXattrs({{"meta", "1"}}, R"({"old":1})");
    const SubdocInput input = inputOf(value, kJsonXattr);
    Builder set;
    set.mutation().spec(mcbp::subdoc::whole_doc::kSet, "", "not json");
    SubdocExecution set_execution(set.request, input, kUser, 0);
    const SubdocMutationResult replaced = set_execution.mutate();
    EXPECT_EQ(datatype::kXattr, replaced.datatype);
    EXPECT_EQ("not json", xattr::bodyOf(replaced.value));

    Builder remove;
    remove.mutation().spec(mcbp::subdoc::whole_doc::kRemove, "");
    SubdocExecution remove_execution(remove.request, input, kUser, 0);
    EXPECT_TRUE(remove_execution.mutate().remove_document);
}

TEST(SubdocExecutionTest, ADamagedXattrSectionIsAnInternalErrorNotACrash) {
    std::string value = withXattrs({{"meta", "1"}}, "{}");
    value[3] = '\x7f';  // the section now claims more bytes than the value has
    const SubdocInput input = inputOf(value, kJsonXattr);
    Builder b;
    b.spec(op(Op::SubdocGet), "meta", {}, path_flag::kXattr);
    SubdocExecution execution(b.request, input, kUser, 0);
    EXPECT_EQ(ResponseStatus::Einternal, execution.lookup().specs[0].status);
}

}  // namespace
}  // namespace eddy::daemon
