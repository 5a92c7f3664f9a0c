// eddy tests — collections over a socket: keys with their collection id (LEB128) once HELLO
// negotiated Collections, the same key in several collections, UNKNOWN_COLLECTION with the
// manifest uid, malformed prefixes, GET_COLLECTION_ID / GET_SCOPE_ID, the successor rule of
// SET_COLLECTIONS_MANIFEST, clients that never negotiated collections (the default collection
// only), DCP streams with and without collections and with filters, STAT collections and
// scopes, a dropped collection's documents purged, and the manifest surviving a restart.
#include "eddy/types.h"
#include "protocol/encode.h"
#include "server_fixture.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include <unistd.h>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::Feature;
using mcbp::ResponseStatus;
using Json = nlohmann::json;

/// Scope `s1` (id 8) with `c1` (id 8) and `c2` (id 9), beside `_default._default`.
constexpr const char* kManifest = R"({"uid":"2","scopes":[
    {"name":"_default","uid":"0","collections":[{"name":"_default","uid":"0"}]},
    {"name":"s1","uid":"8","collections":[{"name":"c1","uid":"8"},{"name":"c2","uid":"9"}]}]})";

/// `c1` dropped, `c3` (id 0x80, two bytes of LEB128) added.
constexpr const char* kNextManifest = R"({"uid":"3","scopes":[
    {"name":"_default","uid":"0","collections":[{"name":"_default","uid":"0"}]},
    {"name":"s1","uid":"8","collections":[{"name":"c2","uid":"9"},{"name":"c3","uid":"80"}]}]})";

std::string inCollection(uint8_t id, const std::string& key) {
    return std::string(1, static_cast<char>(id)) + key;
}

Response setManifest(McbpClient& client, const std::string& manifest) {
    return client.execute({.opcode = ClientOpcode::CollectionsSetManifest,
                           .value = manifest,
                           .datatype = datatype::kJson});
}

/// GET_COLLECTION_ID's answer: {manifest uid, collection id}.
std::pair<uint64_t, uint32_t> idsOf(const Response& response) {
    EXPECT_EQ(12U, response.extras.size());
    if (response.extras.size() != 12) {
        return {};
    }
    return {mcbp::readUint64(response.extras, 0), mcbp::readUint32(response.extras, 8)};
}

class CollectionsTest : public ServerTest {
protected:
    void SetUp() override {
        ServerTest::SetUp();
        ASSERT_TRUE(waitForWarmup(*client_));
        client_->hello({Feature::Collections, Feature::Xerror, Feature::Json});
        const auto set = setManifest(*client_, kManifest);
        ASSERT_EQ(ResponseStatus::Success, set.status()) << set.value;
    }

    Response getCollectionId(const std::string& path) {
        return client_->execute({.opcode = ClientOpcode::CollectionsGetId, .value = path});
    }
};

TEST_P(CollectionsTest, TheSameKeyLivesInEachCollectionApart) {
    ASSERT_EQ(ResponseStatus::Success, client_->set(inCollection(0, "k"), "zero").status());
    ASSERT_EQ(ResponseStatus::Success, client_->set(inCollection(8, "k"), "eight").status());
    ASSERT_EQ(ResponseStatus::Success, client_->set(inCollection(9, "k"), "nine").status());
    EXPECT_EQ("zero", client_->get(inCollection(0, "k")).value);
    EXPECT_EQ("eight", client_->get(inCollection(8, "k")).value);
    EXPECT_EQ("nine", client_->get(inCollection(9, "k")).value);

    ASSERT_EQ(
        ResponseStatus::Success,
        client_->execute({.opcode = ClientOpcode::Delete, .key = inCollection(8, "k")}).status());
    EXPECT_EQ(ResponseStatus::KeyEnoent, client_->get(inCollection(8, "k")).status());
    EXPECT_EQ("nine", client_->get(inCollection(9, "k")).value);

    // A client that never negotiated collections sees the default collection, by bare key.
    auto legacy = connect();
    EXPECT_EQ("zero", legacy->get("k").value);
    ASSERT_EQ(ResponseStatus::Success, legacy->set("fresh", "f").status());
    EXPECT_EQ("f", client_->get(inCollection(0, "fresh")).value);
    EXPECT_EQ(ResponseStatus::KeyEnoent, client_->get(inCollection(8, "fresh")).status());

    // GETK answers the key as each client sent it.
    const auto with_key =
        client_->execute({.opcode = ClientOpcode::Getk, .key = inCollection(9, "k")});
    EXPECT_EQ(inCollection(9, "k"), with_key.key);
    EXPECT_EQ("k", legacy->execute({.opcode = ClientOpcode::Getk, .key = "k"}).key);
}

TEST_P(CollectionsTest, AnUnknownCollectionAnswersWithTheManifestUid) {
    const auto unknown = client_->set(inCollection(10, "k"), "v");
    ASSERT_EQ(ResponseStatus::UnknownCollection, unknown.status());
    EXPECT_EQ(datatype::kJson, unknown.header.datatype);
    const auto body = Json::parse(unknown.value);
    EXPECT_EQ("2", body.at("manifest_uid"));
    EXPECT_TRUE(body.at("error").contains("context")) << unknown.value;
    EXPECT_EQ(ResponseStatus::UnknownCollection, client_->get(inCollection(10, "k")).status());
}

TEST_P(CollectionsTest, MalformedPrefixesAreInvalid) {
    for (const std::string& key :
         {std::string("\x80"), std::string("\x80\x80\x80\x80\x80k"), std::string("\x80\x00k", 3),
          std::string("\x02k"), std::string("\x08"), std::string(1, '\0') + std::string(251, 'x'),
          std::string("\x08") + std::string(247, 'x')}) {
        SCOPED_TRACE(testing::PrintToString(key.substr(0, 8)));
        EXPECT_EQ(ResponseStatus::Einval, client_->set(key, "v").status());
    }
    // The limits themselves are fine: 250 bytes in the default collection, 246 elsewhere.
    EXPECT_EQ(ResponseStatus::Success,
              client_->set(std::string(1, '\0') + std::string(250, 'x'), "v").status());
    EXPECT_EQ(ResponseStatus::Success, client_->set("\x08" + std::string(246, 'x'), "v").status());
}

TEST_P(CollectionsTest, CollectionAndScopeIdsByPath) {
    EXPECT_EQ((std::pair<uint64_t, uint32_t>{2, 8}), idsOf(getCollectionId("s1.c1")));
    EXPECT_EQ((std::pair<uint64_t, uint32_t>{2, 9}), idsOf(getCollectionId("s1.c2")));
    EXPECT_EQ((std::pair<uint64_t, uint32_t>{2, 0}), idsOf(getCollectionId(".")));
    EXPECT_EQ((std::pair<uint64_t, uint32_t>{2, 0}), idsOf(getCollectionId("_default._default")));
    // The key form works as well.
    EXPECT_EQ((std::pair<uint64_t, uint32_t>{2, 8}),
              idsOf(client_->execute({.opcode = ClientOpcode::CollectionsGetId, .key = "s1.c1"})));
    EXPECT_EQ(
        (std::pair<uint64_t, uint32_t>{2, 8}),
        idsOf(client_->execute({.opcode = ClientOpcode::CollectionsGetScopeId, .value = "s1"})));

    const auto no_collection = getCollectionId("s1.nope");
    EXPECT_EQ(ResponseStatus::UnknownCollection, no_collection.status());
    EXPECT_EQ("2", Json::parse(no_collection.value).at("manifest_uid"));
    EXPECT_EQ(ResponseStatus::UnknownScope, getCollectionId("nope.c1").status());
    EXPECT_EQ(ResponseStatus::UnknownScope,
              client_->execute({.opcode = ClientOpcode::CollectionsGetScopeId, .value = "nope"})
                  .status());
    EXPECT_EQ(ResponseStatus::Einval, getCollectionId("no-dot").status());
    // A client that did not negotiate collections cannot act on UNKNOWN_*: EINVAL, as kv_engine.
    auto legacy = connect();
    EXPECT_EQ(
        ResponseStatus::Einval,
        legacy->execute({.opcode = ClientOpcode::CollectionsGetId, .value = "s1.nope"}).status());
    EXPECT_EQ(
        ResponseStatus::Success,
        legacy->execute({.opcode = ClientOpcode::CollectionsGetId, .value = "s1.c1"}).status());
    EXPECT_EQ(
        ResponseStatus::Einval,
        client_
            ->execute({.opcode = ClientOpcode::CollectionsGetId, .key = "s1.c1", .value = "s1.c1"})
            .status());
}

TEST_P(CollectionsTest, AManifestMustSucceedTheOneInForce) {
    const auto current = client_->execute({.opcode = ClientOpcode::CollectionsGetManifest});
    ASSERT_EQ(ResponseStatus::Success, current.status());
    EXPECT_EQ(Json::parse(kManifest), Json::parse(current.value));

    EXPECT_EQ(ResponseStatus::Success, setManifest(*client_, kManifest).status())
        << "the same manifest again changes nothing";
    const auto older = setManifest(
        *client_, R"({"uid":"1","scopes":[{"name":"_default","uid":"0","collections":[]}]})");
    EXPECT_EQ(ResponseStatus::CannotApplyCollectionsManifest, older.status()) << older.value;
    const auto renamed = setManifest(*client_, R"({"uid":"5","scopes":[
        {"name":"_default","uid":"0","collections":[{"name":"_default","uid":"0"}]},
        {"name":"s1","uid":"8","collections":[{"name":"renamed","uid":"8"}]}]})");
    EXPECT_EQ(ResponseStatus::CannotApplyCollectionsManifest, renamed.status()) << renamed.value;
    const auto invalid = setManifest(*client_, R"({"uid":"6","scopes":[]})");
    EXPECT_EQ(ResponseStatus::Einval, invalid.status());
    EXPECT_NE(std::string::npos, invalid.value.find("_default")) << invalid.value;
    EXPECT_EQ(ResponseStatus::Einval, setManifest(*client_, "{not json").status());
    const auto max_ttl = setManifest(*client_, R"({"uid":"9","scopes":[
        {"name":"_default","uid":"0","collections":[{"name":"_default","uid":"0"}]},
        {"name":"s1","uid":"8","collections":[{"name":"c1","uid":"8","maxTTL":60}]}]})");
    EXPECT_EQ(ResponseStatus::NotSupported, max_ttl.status()) << "not enforced, so not accepted";

    // Nothing of the refused ones took effect.
    EXPECT_EQ((std::pair<uint64_t, uint32_t>{2, 8}), idsOf(getCollectionId("s1.c1")));
}

TEST_P(CollectionsTest, ADroppedCollectionIsUnknownAndTheOthersStay) {
    ASSERT_EQ(ResponseStatus::Success, client_->set(inCollection(8, "k"), "eight").status());
    ASSERT_EQ(ResponseStatus::Success, client_->set(inCollection(9, "k"), "nine").status());
    ASSERT_EQ(ResponseStatus::Success, setManifest(*client_, kNextManifest).status());
    EXPECT_EQ(ResponseStatus::UnknownCollection, client_->get(inCollection(8, "k")).status());
    EXPECT_EQ("nine", client_->get(inCollection(9, "k")).value);
    EXPECT_EQ((std::pair<uint64_t, uint32_t>{3, 0x80}), idsOf(getCollectionId("s1.c3")));
    const std::string in_c3 = std::string("\x80\x01", 2) + "k";
    ASSERT_EQ(ResponseStatus::Success, client_->set(in_c3, "c3").status());
    EXPECT_EQ("c3", client_->get(in_c3).value);

    // The dropped id cannot come back: an id is never used again.
    const auto again = setManifest(*client_, R"({"uid":"4","scopes":[
        {"name":"_default","uid":"0","collections":[{"name":"_default","uid":"0"}]},
        {"name":"s1","uid":"8","collections":[{"name":"c1","uid":"8"},{"name":"c2","uid":"9"},
                                              {"name":"c3","uid":"80"}]}]})");
    EXPECT_EQ(ResponseStatus::CannotApplyCollectionsManifest, again.status()) << again.value;
    EXPECT_EQ(ResponseStatus::UnknownCollection, client_->get(inCollection(8, "k")).status());
}

/// STAT `group` once `ready` says it is what the test waits for (the purge runs in the
/// background), or after 20 s.
std::map<std::string, std::string> statsOnce(
    McbpClient& client, std::string_view group,
    const std::function<bool(const std::map<std::string, std::string>&)>& ready) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::map<std::string, std::string> stats = client.stats(group);
    while (!ready(stats) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        stats = client.stats(group);
    }
    return stats;
}

TEST_P(CollectionsTest, StatCollectionsCountsItemsAndADropEmptiesThem) {
    for (int n = 0; n < 10; ++n) {
        ASSERT_EQ(ResponseStatus::Success,
                  client_->set(inCollection(8, "k" + std::to_string(n)), "v").status());
    }
    for (int n = 0; n < 3; ++n) {
        ASSERT_EQ(ResponseStatus::Success,
                  client_->set(inCollection(9, "k" + std::to_string(n)), "v").status());
    }
    ASSERT_EQ(ResponseStatus::Success, client_->set(inCollection(0, "k"), "v").status());
    ASSERT_EQ("v", client_->get(inCollection(9, "k0")).value);

    auto stats = client_->stats("collections");
    EXPECT_EQ("c1", stats["0x8:0x8:name"]);
    EXPECT_EQ("s1", stats["0x8:0x8:scope_name"]);
    EXPECT_EQ("10", stats["0x8:0x8:items"]);
    EXPECT_EQ("10", stats["0x8:0x8:ops_store"]);
    EXPECT_EQ("3", stats["0x8:0x9:items"]);
    EXPECT_EQ("1", stats["0x8:0x9:ops_get"]);
    EXPECT_EQ("1", stats["0x0:0x0:items"]);
    EXPECT_EQ("2", stats["manifest_uid"]);
    EXPECT_EQ("13", client_->stats("scopes s1")["0x8:items"]);
    EXPECT_EQ("3", client_->stats("collections s1.c2")["0x8:0x9:items"]);

    ASSERT_EQ(ResponseStatus::Success, setManifest(*client_, kNextManifest).status());
    const auto after = statsOnce(*client_, "", [](const auto& map) {
        const auto found = map.find("curr_items");
        return found != map.end() && found->second == "4";
    });
    EXPECT_EQ("4", after.at("curr_items")) << "c1's ten documents purged";
    stats = client_->stats("collections");
    EXPECT_EQ(0U, stats.count("0x8:0x8:items"));
    EXPECT_EQ("3", stats["0x8:0x9:items"]);
    EXPECT_EQ("0", stats["0x8:0x80:items"]);
    EXPECT_EQ("3", stats["manifest_uid"]);
}

TEST_P(CollectionsTest, WithoutTheDefaultCollectionABareKeyIsInvalid) {
    ASSERT_EQ(ResponseStatus::Success, setManifest(*client_, R"({"uid":"7","scopes":[
        {"name":"_default","uid":"0","collections":[]},
        {"name":"s1","uid":"8","collections":[{"name":"c1","uid":"8"}]}]})")
                                           .status());
    auto legacy = connect();
    EXPECT_EQ(ResponseStatus::Einval, legacy->get("k").status());
    EXPECT_EQ(ResponseStatus::UnknownCollection, client_->get(inCollection(0, "k")).status());
    EXPECT_EQ(ResponseStatus::KeyEnoent, client_->get(inCollection(8, "k")).status());
}

TEST_P(CollectionsTest, TheClusterMapNamesTheManifestUid) {
    const auto config = client_->execute({.opcode = ClientOpcode::GetClusterConfig});
    ASSERT_EQ(ResponseStatus::Success, config.status());
    const auto map = Json::parse(config.value);
    EXPECT_EQ("2", map.at("collectionsManifestUid"));
    const auto& capabilities = map.at("bucketCapabilities");
    EXPECT_NE(capabilities.end(),
              std::find(capabilities.begin(), capabilities.end(), "collections"));
}

/// What a DCP stream of vbucket 0 (seqnos 1 to `end`) with `filter` as its value (none when
/// empty) sent until its stream end.
struct Filtered {
    Response response;
    std::vector<std::string> keys;
    /// The seqnos of its SEQNO_ADVANCED messages.
    std::vector<uint64_t> advanced;
};

Filtered filteredStream(McbpClient& dcp, uint64_t end, const std::string& filter) {
    std::string extras;
    mcbp::appendUint32(extras, 0);    // flags
    mcbp::appendUint32(extras, 0);    // reserved
    mcbp::appendUint64(extras, 0);    // start
    mcbp::appendUint64(extras, end);  // end
    mcbp::appendUint64(extras, 0);    // vbucket uuid
    mcbp::appendUint64(extras, 0);    // snapshot start
    mcbp::appendUint64(extras, 0);    // snapshot end
    Filtered out;
    out.response =
        dcp.execute({.opcode = ClientOpcode::DcpStreamReq, .value = filter, .extras = extras});
    if (out.response.status() != ResponseStatus::Success) {
        return out;
    }
    for (int i = 0; i < 100; ++i) {
        const auto message = dcp.receive();
        if (!message ||
            message->header.opcode == static_cast<uint8_t>(ClientOpcode::DcpStreamEnd)) {
            break;
        }
        if (message->header.opcode == static_cast<uint8_t>(ClientOpcode::DcpMutation)) {
            out.keys.push_back(message->key);
        } else if (message->header.opcode == static_cast<uint8_t>(ClientOpcode::DcpSeqnoAdvanced)) {
            EXPECT_EQ(8U, message->extras.size());
            out.advanced.push_back(mcbp::readUint64(message->extras, 0));
        }
    }
    return out;
}

/// The keys of the mutations a DCP stream of vbucket 0 (seqnos 1 to `end`) sends on `dcp`,
/// until its stream end.
std::vector<std::string> streamedKeys(McbpClient& dcp, uint64_t end) {
    const Filtered stream = filteredStream(dcp, end, {});
    EXPECT_EQ(ResponseStatus::Success, stream.response.status()) << stream.response.value;
    return stream.keys;
}

Response dcpOpen(McbpClient& client, const std::string& name, uint32_t flags) {
    std::string extras;
    mcbp::appendUint32(extras, 0);
    mcbp::appendUint32(extras, flags);
    return client.execute({.opcode = ClientOpcode::DcpOpen, .key = name, .extras = extras});
}

TEST_P(CollectionsTest, DcpStreamsCollectionsOnlyToClientsThatNegotiatedThem) {
    ASSERT_EQ(ResponseStatus::Success, client_->set(inCollection(0, "a"), "1").status());
    ASSERT_EQ(ResponseStatus::Success, client_->set(inCollection(8, "b"), "2").status());

    auto aware = connect();
    aware->hello({Feature::Collections});
    ASSERT_EQ(ResponseStatus::Success, dcpOpen(*aware, "aware", 1).status());
    EXPECT_EQ((std::vector<std::string>{inCollection(0, "a"), inCollection(8, "b")}),
              streamedKeys(*aware, 2));

    auto legacy = connect();
    EXPECT_EQ(ResponseStatus::Einval, dcpOpen(*legacy, "legacy", 1 | 0x10).status())
        << "0x10 is not a client's flag";
    ASSERT_EQ(ResponseStatus::Success, dcpOpen(*legacy, "legacy", 1).status());
    EXPECT_EQ((std::vector<std::string>{"a"}), streamedKeys(*legacy, 2));
}

TEST_P(CollectionsTest, DcpStreamFiltersCarryTheirCollectionsOnly) {
    ASSERT_EQ(ResponseStatus::Success, client_->set(inCollection(0, "a"), "1").status());
    ASSERT_EQ(ResponseStatus::Success, client_->set(inCollection(8, "b"), "2").status());
    ASSERT_EQ(ResponseStatus::Success, client_->set(inCollection(9, "c"), "3").status());

    auto aware = connect();
    aware->hello({Feature::Collections, Feature::Xerror});
    ASSERT_EQ(ResponseStatus::Success, dcpOpen(*aware, "filtered", 1).status());
    // Seqno 3 (collection 9) ends the snapshot: SEQNO_ADVANCED tells the consumer it is whole.
    const Filtered only_8 = filteredStream(*aware, 3, R"({"collections":["8"]})");
    ASSERT_EQ(ResponseStatus::Success, only_8.response.status()) << only_8.response.value;
    EXPECT_EQ((std::vector<std::string>{inCollection(8, "b")}), only_8.keys);
    EXPECT_EQ((std::vector<uint64_t>{3}), only_8.advanced);

    auto other = connect();
    other->hello({Feature::Collections, Feature::Xerror});
    ASSERT_EQ(ResponseStatus::Success, dcpOpen(*other, "filtered-2", 1).status());
    const Filtered both = filteredStream(*other, 3, R"({"collections":["9","0"],"uid":"2"})");
    ASSERT_EQ(ResponseStatus::Success, both.response.status()) << both.response.value;
    EXPECT_EQ((std::vector<std::string>{inCollection(0, "a"), inCollection(9, "c")}), both.keys);
    EXPECT_TRUE(both.advanced.empty());
}

TEST_P(CollectionsTest, DcpStreamFiltersThatCannotBeHonouredAreRefused) {
    auto aware = connect();
    aware->hello({Feature::Collections, Feature::Xerror});
    ASSERT_EQ(ResponseStatus::Success, dcpOpen(*aware, "refused", 1).status());
    const Filtered unknown = filteredStream(*aware, 1, R"({"collections":["77"]})");
    EXPECT_EQ(ResponseStatus::UnknownCollection, unknown.response.status());
    EXPECT_NE(std::string::npos, unknown.response.value.find("\"manifest_uid\":\"2\""))
        << unknown.response.value;
    EXPECT_EQ(ResponseStatus::NotSupported,
              filteredStream(*aware, 1, R"({"scope":"8"})").response.status());
    EXPECT_EQ(ResponseStatus::Einval, filteredStream(*aware, 1, "collections").response.status());
    EXPECT_EQ(ResponseStatus::Einval, filteredStream(*aware, 1, "{}").response.status());

    auto legacy = connect();
    ASSERT_EQ(ResponseStatus::Success, dcpOpen(*legacy, "legacy-filter", 1).status());
    const Filtered refused = filteredStream(*legacy, 1, R"({"collections":["0"]})");
    EXPECT_EQ(ResponseStatus::Einval, refused.response.status());
}

INSTANTIATE_TEST_SUITE_P(Modes, CollectionsTest,
                         ::testing::Values(EngineMode::Plain, EngineMode::AlwaysAsync),
                         engineModeName);

TEST(CollectionsPersistenceTest, TheManifestAndTheDocumentsSurviveARestart) {
    const auto data_dir =
        std::filesystem::temp_directory_path() / ("eddy-collections-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_dir);
    {
        EddydProcess server(EddydProcess::Options{.data_dir = data_dir.string()});
        McbpClient client(server.port());
        ASSERT_TRUE(waitForWarmup(client));
        client.hello({Feature::Collections, Feature::Xerror, Feature::Json});
        const auto set = setManifest(client, kManifest);
        ASSERT_EQ(ResponseStatus::Success, set.status()) << set.value << server.log();
        ASSERT_EQ(ResponseStatus::Success, client.set(inCollection(8, "k"), "eight").status());
        ASSERT_EQ(ResponseStatus::Success, client.set(inCollection(0, "k"), "zero").status());
        EXPECT_EQ(0, server.stop()) << server.log();
    }
    {
        EddydProcess server(EddydProcess::Options{.data_dir = data_dir.string()});
        McbpClient client(server.port());
        ASSERT_TRUE(waitForWarmup(client));
        client.hello({Feature::Collections, Feature::Xerror, Feature::Json});
        const auto id =
            client.execute({.opcode = ClientOpcode::CollectionsGetId, .value = "s1.c1"});
        EXPECT_EQ((std::pair<uint64_t, uint32_t>{2, 8}), idsOf(id));
        EXPECT_EQ("eight", client.get(inCollection(8, "k")).value);
        EXPECT_EQ("zero", client.get(inCollection(0, "k")).value);
        // Dropped: purged from memory and from the store before the server stops.
        ASSERT_EQ(ResponseStatus::Success, setManifest(client, kNextManifest).status());
        const auto after = statsOnce(client, "", [](const auto& map) {
            const auto found = map.find("curr_items");
            return found != map.end() && found->second == "1";
        });
        EXPECT_EQ("1", after.at("curr_items"));
        EXPECT_EQ(0, server.stop()) << server.log();
    }
    {
        EddydProcess server(EddydProcess::Options{.data_dir = data_dir.string()});
        McbpClient client(server.port());
        ASSERT_TRUE(waitForWarmup(client));
        client.hello({Feature::Collections});
        EXPECT_EQ("1", client.stats("")["curr_items"]) << "nothing of c1 came back";
        EXPECT_EQ(ResponseStatus::UnknownCollection, client.get(inCollection(8, "k")).status());
        EXPECT_EQ("zero", client.get(inCollection(0, "k")).value);
        EXPECT_EQ(0, server.stop()) << server.log();
    }
    std::filesystem::remove_all(data_dir);
}

TEST(CollectionsPersistenceTest, ABrokenManifestFileStopsStartUpNamingIt) {
    const auto data_dir = std::filesystem::temp_directory_path() /
                          ("eddy-collections-broken-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_dir);
    std::filesystem::create_directories(data_dir / "default");
    const auto file = data_dir / "default" / "collections.json";
    std::ofstream(file) << R"({"uid":"zz","scopes":[]})";
    const auto [code, log] = EddydProcess::runToExit(
        {"--port", "0", "--data-dir", data_dir.string()}, std::chrono::seconds(60));
    EXPECT_NE(0, code) << log;
    EXPECT_NE(std::string::npos, log.find(file.string())) << log;
    EXPECT_NE(std::string::npos, log.find("uid")) << log;
    std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace eddy::test
