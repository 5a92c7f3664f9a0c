// eddy tests — sub-document commands and xattrs over a socket, plain and asynchronous: the
// single-path and multi-path wire layouts, CAS and locking, document creation flags, xattrs
// beside the body (hidden from GET, kept by SET, APPEND and INCREMENT), the XATTR datatype on
// SET, concurrent writers, and xattrs surviving a restart.
#include "eddy/types.h"
#include "protocol/subdoc_request.h"
#include "server_fixture.h"
#include "xattr/blob.h"

#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <unistd.h>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::Feature;
using mcbp::ResponseStatus;
namespace path_flag = mcbp::subdoc::path_flag;
namespace doc_flag = mcbp::subdoc::doc_flag;

/// A single-path request: path length, flags, [expiry], [doc flags]; body = path + value.
client::Request single(ClientOpcode opcode, const std::string& key, const std::string& path,
                       const std::string& value = {}, uint8_t flags = 0, uint8_t doc_flags = 0) {
    std::string extras;
    mcbp::appendUint16(extras, static_cast<uint16_t>(path.size()));
    extras.push_back(static_cast<char>(flags));
    if (doc_flags != 0) {
        extras.push_back(static_cast<char>(doc_flags));
    }
    return {.opcode = opcode, .key = key, .value = path + value, .extras = extras};
}

struct Spec {
    ClientOpcode opcode;
    std::string path;
    std::string value;
    uint8_t flags = 0;
};

client::Request multiLookup(const std::string& key, const std::vector<Spec>& specs) {
    std::string body;
    for (const Spec& spec : specs) {
        body.push_back(static_cast<char>(spec.opcode));
        body.push_back(static_cast<char>(spec.flags));
        mcbp::appendUint16(body, static_cast<uint16_t>(spec.path.size()));
        body += spec.path;
    }
    return {.opcode = ClientOpcode::SubdocMultiLookup, .key = key, .value = body};
}

client::Request multiMutation(const std::string& key, const std::vector<Spec>& specs,
                              uint8_t doc_flags = 0, uint64_t cas = 0) {
    std::string body;
    for (const Spec& spec : specs) {
        body.push_back(static_cast<char>(spec.opcode));
        body.push_back(static_cast<char>(spec.flags));
        mcbp::appendUint16(body, static_cast<uint16_t>(spec.path.size()));
        mcbp::appendUint32(body, static_cast<uint32_t>(spec.value.size()));
        body += spec.path + spec.value;
    }
    std::string extras;
    if (doc_flags != 0) {
        extras.push_back(static_cast<char>(doc_flags));
    }
    return {.opcode = ClientOpcode::SubdocMultiMutation,
            .key = key,
            .value = body,
            .extras = extras,
            .cas = cas};
}

/// One {status, value} of a multi-lookup response body.
struct LookupEntry {
    ResponseStatus status;
    std::string value;
};

std::vector<LookupEntry> lookupEntries(const std::string& body) {
    std::vector<LookupEntry> entries;
    size_t offset = 0;
    while (offset + 6 <= body.size()) {
        const auto status = static_cast<ResponseStatus>(mcbp::readUint16(body, offset));
        const uint32_t length = mcbp::readUint32(body, offset + 2);
        entries.push_back({status, body.substr(offset + 6, length)});
        offset += 6 + length;
    }
    EXPECT_EQ(body.size(), offset);
    return entries;
}

class SubdocTest : public ServerTest {
protected:
    void SetUp() override {
        ServerTest::SetUp();
        client_->hello({Feature::Xattr, Feature::Json, Feature::MutationSeqno});
    }
};

TEST_P(SubdocTest, SinglePathMutationsAndLookups) {
    ASSERT_EQ(ResponseStatus::Success, client_->set("doc", R"({"name":"a","tags":[]})").status());
    const auto upsert = client_->execute(single(ClientOpcode::SubdocDictUpsert, "doc",
                                                "address.city", R"("Oslo")", path_flag::kMkdirP));
    ASSERT_EQ(ResponseStatus::Success, upsert.status()) << upsert.value;
    EXPECT_EQ(16U, upsert.extras.size());  // MutationSeqno
    const auto counter =
        client_->execute(single(ClientOpcode::SubdocCounter, "doc", "visits", "5"));
    ASSERT_EQ(ResponseStatus::Success, counter.status());
    EXPECT_EQ("5", counter.value);
    ASSERT_EQ(
        ResponseStatus::Success,
        client_->execute(single(ClientOpcode::SubdocArrayPushLast, "doc", "tags", "1,2")).status());

    const auto city = client_->execute(single(ClientOpcode::SubdocGet, "doc", "address.city"));
    ASSERT_EQ(ResponseStatus::Success, city.status());
    EXPECT_EQ(R"("Oslo")", city.value);
    EXPECT_EQ(datatype::kJson, city.header.datatype);
    EXPECT_EQ(ResponseStatus::Success,
              client_->execute(single(ClientOpcode::SubdocExists, "doc", "name")).status());
    EXPECT_EQ("2", client_->execute(single(ClientOpcode::SubdocGetCount, "doc", "tags")).value);
    EXPECT_EQ(R"({"name":"a","tags":[1,2],"address":{"city":"Oslo"},"visits":5})",
              client_->get("doc").value);

    // Per-path errors are the response status.
    EXPECT_EQ(ResponseStatus::SubdocPathEnoent,
              client_->execute(single(ClientOpcode::SubdocGet, "doc", "nope")).status());
    EXPECT_EQ(ResponseStatus::SubdocPathMismatch,
              client_->execute(single(ClientOpcode::SubdocGet, "doc", "name[0]")).status());
    EXPECT_EQ(ResponseStatus::SubdocPathEinval,
              client_->execute(single(ClientOpcode::SubdocGet, "doc", "a[")).status());
    EXPECT_EQ(ResponseStatus::SubdocPathEexists,
              client_->execute(single(ClientOpcode::SubdocDictAdd, "doc", "name", "1")).status());
    EXPECT_EQ(ResponseStatus::KeyEnoent,
              client_->execute(single(ClientOpcode::SubdocGet, "missing", "a")).status());
}

TEST_P(SubdocTest, MultiLookupReportsEverySpec) {
    ASSERT_EQ(ResponseStatus::Success, client_->set("doc", R"({"a":1,"b":[1,2,3]})").status());
    const auto response = client_->execute(
        multiLookup("doc", {{ClientOpcode::SubdocGet, "a"},
                            {ClientOpcode::SubdocGet, "missing"},
                            {ClientOpcode::SubdocGetCount, "b"},
                            {static_cast<ClientOpcode>(mcbp::subdoc::whole_doc::kGet), ""}}));
    EXPECT_EQ(ResponseStatus::SubdocMultiPathFailure, response.status());
    const auto entries = lookupEntries(response.value);
    ASSERT_EQ(4U, entries.size());
    EXPECT_EQ("1", entries[0].value);
    EXPECT_EQ(ResponseStatus::SubdocPathEnoent, entries[1].status);
    EXPECT_EQ("3", entries[2].value);
    EXPECT_EQ(R"({"a":1,"b":[1,2,3]})", entries[3].value);
    EXPECT_EQ(client_->get("doc").header.cas, response.header.cas);
}

TEST_P(SubdocTest, MultiMutationIsAllOrNothing) {
    ASSERT_EQ(ResponseStatus::Success, client_->set("doc", R"({"a":1})").status());
    const auto failed =
        client_->execute(multiMutation("doc", {{ClientOpcode::SubdocDictUpsert, "b", "2"},
                                               {ClientOpcode::SubdocDictAdd, "a", "3"},
                                               {ClientOpcode::SubdocDictUpsert, "c", "4"}}));
    EXPECT_EQ(ResponseStatus::SubdocMultiPathFailure, failed.status());
    ASSERT_EQ(3U, failed.value.size());
    EXPECT_EQ(1, failed.value[0]);  // the failing spec's index
    EXPECT_EQ(static_cast<uint16_t>(ResponseStatus::SubdocPathEexists),
              mcbp::readUint16(failed.value, 1));
    EXPECT_EQ(R"({"a":1})", client_->get("doc").value);

    const auto done =
        client_->execute(multiMutation("doc", {{ClientOpcode::SubdocDictUpsert, "b", "2"},
                                               {ClientOpcode::SubdocCounter, "a", "10"}}));
    ASSERT_EQ(ResponseStatus::Success, done.status());
    // Only the counter returns a value: index 1, success, length 2, "11".
    ASSERT_EQ(9U, done.value.size());
    EXPECT_EQ(1, done.value[0]);
    EXPECT_EQ("11", done.value.substr(7));
    EXPECT_EQ(R"({"a":11,"b":2})", client_->get("doc").value);
}

TEST_P(SubdocTest, DocumentFlagsCreateOrInsist) {
    EXPECT_EQ(ResponseStatus::KeyEnoent,
              client_->execute(multiMutation("new", {{ClientOpcode::SubdocDictUpsert, "a", "1"}}))
                  .status());
    ASSERT_EQ(ResponseStatus::Success,
              client_
                  ->execute(multiMutation("new", {{ClientOpcode::SubdocDictUpsert, "a.b", "1"}},
                                          doc_flag::kMkdoc))
                  .status());
    EXPECT_EQ(R"({"a":{"b":1}})", client_->get("new").value);
    EXPECT_EQ(ResponseStatus::KeyEexists,
              client_
                  ->execute(multiMutation("new", {{ClientOpcode::SubdocDictUpsert, "x", "1"}},
                                          doc_flag::kAdd))
                  .status());
    ASSERT_EQ(ResponseStatus::Success,
              client_
                  ->execute(multiMutation("list", {{ClientOpcode::SubdocArrayPushFirst, "", "7"}},
                                          doc_flag::kAdd))
                  .status());
    EXPECT_EQ("[7]", client_->get("list").value);
}

TEST_P(SubdocTest, CasAndLocks) {
    const auto stored = client_->set("doc", R"({"a":1})");
    ASSERT_EQ(ResponseStatus::Success, stored.status());
    EXPECT_EQ(ResponseStatus::KeyEexists,
              client_
                  ->execute(multiMutation("doc", {{ClientOpcode::SubdocDictUpsert, "a", "2"}}, 0,
                                          stored.header.cas + 1))
                  .status());
    const auto with_cas = client_->execute(
        multiMutation("doc", {{ClientOpcode::SubdocDictUpsert, "a", "2"}}, 0, stored.header.cas));
    ASSERT_EQ(ResponseStatus::Success, with_cas.status());
    EXPECT_NE(stored.header.cas, with_cas.header.cas);

    const auto locked = client_->execute(
        {.opcode = ClientOpcode::GetLocked, .key = "doc", .extras = uint32Extras(15)});
    ASSERT_EQ(ResponseStatus::Success, locked.status());
    EXPECT_EQ(ResponseStatus::Locked,
              client_->execute(multiMutation("doc", {{ClientOpcode::SubdocDictUpsert, "a", "3"}}))
                  .status());
    // The lock's CAS is the key.
    ASSERT_EQ(ResponseStatus::Success,
              client_
                  ->execute(multiMutation("doc", {{ClientOpcode::SubdocDictUpsert, "a", "4"}}, 0,
                                          locked.header.cas))
                  .status());
    EXPECT_EQ(R"({"a":4})", client_->get("doc").value);
}

TEST_P(SubdocTest, XattrsLiveBesideTheBody) {
    ASSERT_EQ(ResponseStatus::Success, client_->set("doc", R"({"a":1})", 0x02000006).status());
    const auto written = client_->execute(multiMutation(
        "doc",
        {{ClientOpcode::SubdocDictUpsert, "meta.rev", "1", path_flag::kXattr | path_flag::kMkdirP},
         {ClientOpcode::SubdocDictUpsert, "b", "2"}}));
    ASSERT_EQ(ResponseStatus::Success, written.status()) << written.value;

    // GET answers the body only, without the XATTR bit; the flags stay the document's.
    const auto got = client_->get("doc");
    EXPECT_EQ(R"({"a":1,"b":2})", got.value);
    EXPECT_EQ(datatype::kJson, got.header.datatype);
    EXPECT_EQ(0x02000006U, mcbp::readUint32(got.extras, 0));

    const auto read = client_->execute(multiLookup(
        "doc", {{ClientOpcode::SubdocGet, "meta", {}, path_flag::kXattr},
                {ClientOpcode::SubdocGet, "$document.CAS", {}, path_flag::kXattr},
                {ClientOpcode::SubdocGet, "$document.value_bytes", {}, path_flag::kXattr},
                {ClientOpcode::SubdocGet, "b"}}));
    ASSERT_EQ(ResponseStatus::Success, read.status());
    const auto entries = lookupEntries(read.value);
    ASSERT_EQ(4U, entries.size());
    EXPECT_EQ(R"({"rev":1})", entries[0].value);
    EXPECT_EQ(fmt::format("\"0x{:016x}\"", got.header.cas), entries[1].value);
    EXPECT_EQ("13", entries[2].value);
    EXPECT_EQ("2", entries[3].value);

    // A full-document SET, APPEND and INCREMENT keep the xattrs.
    ASSERT_EQ(ResponseStatus::Success, client_->set("doc", R"({"new":true})").status());
    const auto meta =
        client_->execute(single(ClientOpcode::SubdocGet, "doc", "meta.rev", {}, path_flag::kXattr));
    EXPECT_EQ("1", meta.value);
    ASSERT_EQ(ResponseStatus::Success,
              client_
                  ->execute(single(ClientOpcode::SubdocDictUpsert, "counter", "m", "1",
                                   path_flag::kXattr, doc_flag::kMkdoc))
                  .status());
    ASSERT_EQ(ResponseStatus::Success, client_->set("counter", "41").status());
    const auto incremented = client_->execute(
        {.opcode = ClientOpcode::Increment, .key = "counter", .extras = arithmeticExtras(1, 0, 0)});
    ASSERT_EQ(ResponseStatus::Success, incremented.status());
    ASSERT_EQ(ResponseStatus::Success,
              client_->execute({.opcode = ClientOpcode::Append, .key = "counter", .value = "0"})
                  .status());
    EXPECT_EQ("420", client_->get("counter").value);
    EXPECT_EQ(
        "1",
        client_->execute(single(ClientOpcode::SubdocGet, "counter", "m", {}, path_flag::kXattr))
            .value);

    // A deleted document takes its xattrs with it.
    ASSERT_EQ(ResponseStatus::Success,
              client_->execute({.opcode = ClientOpcode::Delete, .key = "doc"}).status());
    ASSERT_EQ(ResponseStatus::Success, client_->set("doc", "{}").status());
    EXPECT_EQ(
        ResponseStatus::SubdocPathEnoent,
        client_->execute(single(ClientOpcode::SubdocGet, "doc", "meta", {}, path_flag::kXattr))
            .status());
}

TEST_P(SubdocTest, SetWithTheXattrDatatype) {
    xattr::Blob blob;
    blob.set("meta", R"({"v":1})");
    const std::string value = blob.encode() + R"({"body":1})";
    const client::Request set{.opcode = ClientOpcode::Set,
                              .key = "doc",
                              .value = value,
                              .extras = storeExtras(0, 0),
                              .datatype = datatype::kXattr | datatype::kJson};
    ASSERT_EQ(ResponseStatus::Success, client_->execute(set).status());
    EXPECT_EQ(R"({"body":1})", client_->get("doc").value);
    EXPECT_EQ(
        "1",
        client_->execute(single(ClientOpcode::SubdocGet, "doc", "meta.v", {}, path_flag::kXattr))
            .value);

    // A section whose length runs past the value is refused, and nothing changes.
    client::Request broken = set;
    broken.value = std::string("\x00\x00\x00\x40", 4) + "{}";
    EXPECT_EQ(ResponseStatus::XattrEinval, client_->execute(broken).status());
    EXPECT_EQ(R"({"body":1})", client_->get("doc").value);

    // A section replaces the whole value, so it cannot be appended.
    client::Request append = set;
    append.opcode = ClientOpcode::Append;
    append.extras.clear();
    EXPECT_EQ(ResponseStatus::Einval, client_->execute(append).status());
    EXPECT_EQ(R"({"body":1})", client_->get("doc").value);

    // Without HELLO XATTR the datatype is refused.
    McbpClient plain(server_->port());
    EXPECT_EQ(ResponseStatus::Einval, plain.execute(set).status());
}

TEST_P(SubdocTest, ConcurrentCountersLoseNoIncrement) {
    ASSERT_EQ(ResponseStatus::Success, client_->set("count", R"({"n":0})").status());
    constexpr int kWriters = 3;
    constexpr int kIncrements = 150;
    std::vector<std::thread> writers;
    writers.reserve(kWriters);
    std::atomic<int> failures{0};
    for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&] {
            McbpClient writer(server_->port());
            for (int i = 0; i < kIncrements; ++i) {
                if (writer.execute(single(ClientOpcode::SubdocCounter, "count", "n", "1"))
                        .status() != ResponseStatus::Success) {
                    failures.fetch_add(1);
                }
            }
        });
    }
    for (auto& writer : writers) {
        writer.join();
    }
    EXPECT_EQ(0, failures.load());
    EXPECT_EQ(std::to_string(kWriters * kIncrements),
              client_->execute(single(ClientOpcode::SubdocGet, "count", "n")).value);
}

TEST_P(SubdocTest, BadInputIsRefusedAndChangesNothing) {
    ASSERT_EQ(ResponseStatus::Success, client_->set("doc", R"({"a":1})").status());
    ASSERT_EQ(ResponseStatus::Success, client_->set("text", "not json").status());
    const std::string deep = std::string(40, '[') + std::string(40, ']');
    struct Case {
        client::Request request;
        ResponseStatus status;
    };
    const Case cases[] = {
        {single(ClientOpcode::SubdocDictUpsert, "doc", "b", "{nope"),
         ResponseStatus::SubdocValueCantinsert},
        {single(ClientOpcode::SubdocDictUpsert, "doc", "b", deep),
         ResponseStatus::SubdocValueEtoodeep},
        {single(ClientOpcode::SubdocGet, "doc", std::string(40, 'a') + std::string(40, '.')),
         ResponseStatus::SubdocPathEinval},
        {single(ClientOpcode::SubdocGet, "text", "a"), ResponseStatus::SubdocDocNotJson},
        {single(ClientOpcode::SubdocCounter, "doc", "a", "x"), ResponseStatus::SubdocDeltaEinval},
        {single(ClientOpcode::SubdocDictUpsert, "doc", "$document.x", "1", path_flag::kXattr),
         ResponseStatus::SubdocXattrCantModifyVattr},
        {single(ClientOpcode::SubdocGet, "doc", "bad key", {}, path_flag::kXattr),
         ResponseStatus::Success},
    };
    for (size_t i = 0; i < std::size(cases); ++i) {
        SCOPED_TRACE(i);
        const auto response = client_->execute(cases[i].request);
        if (cases[i].status == ResponseStatus::Success) {
            // A key with a space is a valid X-Key that does not exist.
            EXPECT_EQ(ResponseStatus::SubdocPathEnoent, response.status());
        } else {
            EXPECT_EQ(cases[i].status, response.status());
        }
    }
    std::vector<Spec> seventeen(17, Spec{ClientOpcode::SubdocGet, "a"});
    EXPECT_EQ(ResponseStatus::SubdocInvalidCombo,
              client_->execute(multiLookup("doc", seventeen)).status());
    EXPECT_EQ(R"({"a":1})", client_->get("doc").value);
}

TEST_P(SubdocTest, PreserveTtlKeepsTheExpiry) {
    client_->hello(
        {Feature::Xattr, Feature::Json, Feature::AltRequestSupport, Feature::PreserveTtl});
    const auto expiry = [&] {
        const auto meta = client_->execute({.opcode = ClientOpcode::GetMeta, .key = "doc"});
        EXPECT_EQ(ResponseStatus::Success, meta.status());
        return meta.extras.size() >= 12 ? mcbp::readUint32(meta.extras, 8) : 0U;
    };
    ASSERT_EQ(ResponseStatus::Success, client_->set("doc", R"({"a":1})", 0, 3600).status());
    const uint32_t original = expiry();
    ASSERT_NE(0U, original);
    const std::string preserve(1, '\x50');  // frame info id 5, no payload

    client::Request set{.opcode = ClientOpcode::Set,
                        .key = "doc",
                        .value = R"({"a":2})",
                        .extras = storeExtras(0, 0),
                        .framing_extras = preserve};
    ASSERT_EQ(ResponseStatus::Success, client_->execute(set).status());
    EXPECT_EQ(original, expiry());
    client::Request upsert = single(ClientOpcode::SubdocDictUpsert, "doc", "b", "1");
    upsert.framing_extras = preserve;
    ASSERT_EQ(ResponseStatus::Success, client_->execute(upsert).status());
    EXPECT_EQ(original, expiry());
    // Without the frame info a mutation sets the expiry it names (none here).
    ASSERT_EQ(ResponseStatus::Success,
              client_->execute(single(ClientOpcode::SubdocDictUpsert, "doc", "c", "1")).status());
    EXPECT_EQ(0U, expiry());
}

INSTANTIATE_TEST_SUITE_P(Modes, SubdocTest,
                         ::testing::Values(EngineMode::Plain, EngineMode::AlwaysAsync),
                         engineModeName);

TEST(SubdocPersistenceTest, XattrsSurviveARestart) {
    const auto data_dir =
        std::filesystem::temp_directory_path() / ("eddy-xattr-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_dir);
    {
        EddydProcess server(EddydProcess::Options{.data_dir = data_dir.string()});
        McbpClient client(server.port());
        client.hello({Feature::Xattr});
        ASSERT_TRUE(waitForWarmup(client));
        ASSERT_EQ(ResponseStatus::Success,
                  client
                      .execute(multiMutation("doc",
                                             {{ClientOpcode::SubdocDictUpsert, "meta.v", "7",
                                               path_flag::kXattr | path_flag::kMkdirP},
                                              {ClientOpcode::SubdocDictUpsert, "body", "1"}},
                                             doc_flag::kMkdoc))
                      .status());
        EXPECT_EQ(0, server.stop()) << server.log();
    }
    {
        EddydProcess server(EddydProcess::Options{.data_dir = data_dir.string()});
        McbpClient client(server.port());
        client.hello({Feature::Xattr});
        ASSERT_TRUE(waitForWarmup(client));
        EXPECT_EQ(R"({"body":1})", client.get("doc").value);
        EXPECT_EQ(
            "7",
            client.execute(single(ClientOpcode::SubdocGet, "doc", "meta.v", {}, path_flag::kXattr))
                .value);
        EXPECT_EQ(0, server.stop()) << server.log();
    }
    std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace eddy::test
