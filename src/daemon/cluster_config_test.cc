#include "daemon/cluster_config.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <vector>

namespace eddy::daemon {
namespace {

using nlohmann::json;

const NodeServices kNode{.hostname = "127.0.0.1", .kv = 11210, .kv_tls = 11207};

int64_t nowMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

TEST(ClusterConfigJsonTest, GlobalConfigListsThisNodeWithoutABucketName) {
    const auto config = json::parse(globalConfigJson({.epoch = 0, .revision = 7}, kNode));
    EXPECT_EQ(config["rev"], 7);
    EXPECT_EQ(config["revEpoch"], 0);
    EXPECT_FALSE(config.contains("name"));
    ASSERT_EQ(config["nodesExt"].size(), 1U);
    const auto& node = config["nodesExt"][0];
    EXPECT_EQ(node["hostname"], "127.0.0.1");
    EXPECT_EQ(node["services"]["kv"], 11210);
    EXPECT_EQ(node["services"]["kvSSL"], 11207);
    EXPECT_EQ(node["thisNode"], true);
}

TEST(ClusterConfigJsonTest, NoTlsPortWithoutATlsListener) {
    const NodeServices plain{.hostname = "$HOST", .kv = 4000};
    const auto config = json::parse(globalConfigJson({}, plain));
    EXPECT_FALSE(config["nodesExt"][0]["services"].contains("kvSSL"));
    EXPECT_EQ(config["nodesExt"][0]["hostname"], "$HOST");
}

TEST(ClusterConfigJsonTest, BucketConfigMapsEveryVBucketByItsState) {
    // active, missing, pending, dead
    const std::vector<uint8_t> states{1, 0, 3, 4};
    const auto config =
        json::parse(bucketConfigJson({.epoch = 0, .revision = 3}, kNode, "travel", states));
    EXPECT_EQ(config["name"], "travel");
    EXPECT_EQ(config["nodeLocator"], "vbucket");
    EXPECT_EQ(config["rev"], 3);
    EXPECT_EQ(config["collectionsManifestUid"], "0");
    const auto& map = config["vBucketServerMap"];
    EXPECT_EQ(map["hashAlgorithm"], "CRC");
    EXPECT_EQ(map["numReplicas"], 0);
    EXPECT_EQ(map["serverList"], json::array({"127.0.0.1:11210"}));
    EXPECT_EQ(map["vBucketMap"], json::parse("[[0],[-1],[0],[-1]]"));
    EXPECT_EQ(config["nodesExt"][0]["services"]["kv"], 11210);
}

TEST(ClusterConfigJsonTest, AReplicaVBucketAddsAReplicaColumn) {
    const std::vector<uint8_t> states{1, 2};
    const auto config = json::parse(bucketConfigJson({}, kNode, "b", states));
    EXPECT_EQ(config["vBucketServerMap"]["numReplicas"], 1);
    EXPECT_EQ(config["vBucketServerMap"]["vBucketMap"], json::parse("[[0,-1],[-1,0]]"));
}

TEST(ClusterConfigJsonTest, AnnouncedHostnameIsTheInterfaceUnlessItIsAWildcard) {
    EXPECT_EQ(announcedHostname("127.0.0.5"), "127.0.0.5");
    EXPECT_EQ(announcedHostname("0.0.0.0"), "$HOST");
    EXPECT_EQ(announcedHostname("::"), "$HOST");
    EXPECT_EQ(announcedHostname(""), "$HOST");
}

TEST(ClusterConfigTest, GeneratedRevisionStartsAtTheWallClockAndHasEpochZero) {
    const int64_t before = nowMillis();
    ClusterConfig config("b");
    const auto snapshot = config.current(kNode, std::vector<uint8_t>{1, 1});
    EXPECT_EQ(snapshot.version.epoch, 0);
    EXPECT_GE(snapshot.version.revision, before);
    EXPECT_LE(snapshot.version.revision, nowMillis());
    EXPECT_EQ(json::parse(*snapshot.json)["rev"], snapshot.version.revision);
}

TEST(ClusterConfigTest, SameStatesServeTheSameTextAndAChangeBumpsTheRevision) {
    ClusterConfig config("b");
    std::vector<uint8_t> states{1, 1, 1};
    const auto first = config.current(kNode, states);
    const auto again = config.current(kNode, states);
    EXPECT_EQ(again.version, first.version);
    EXPECT_EQ(again.json, first.json);  // the same shared text, not regenerated

    states[1] = 4;  // a vbucket died
    const auto changed = config.current(kNode, states);
    EXPECT_EQ(changed.version.revision, first.version.revision + 1);
    EXPECT_EQ(json::parse(*changed.json)["vBucketServerMap"]["vBucketMap"][1], json::array({-1}));

    NodeServices moved = kNode;
    moved.kv_tls.reset();
    EXPECT_EQ(config.current(moved, states).version.revision, first.version.revision + 2);
}

TEST(ClusterConfigTest, AnInstalledConfigWinsOverTheGeneratedOne) {
    ClusterConfig config("b");
    const std::vector<uint8_t> states{1};
    const ConfigVersion installed{.epoch = 1, .revision = 5};
    const std::string text = R"({"rev":5,"revEpoch":1,"name":"b","nodesExt":[]})";
    EXPECT_EQ(config.install(installed, text), std::nullopt);
    const auto snapshot = config.current(kNode, states);
    EXPECT_EQ(snapshot.version, installed);
    EXPECT_EQ(*snapshot.json, text);
    // Even when the vbuckets change: the orchestrator owns the map now.
    EXPECT_EQ(config.current(kNode, std::vector<uint8_t>{4}).version, installed);
}

TEST(ClusterConfigTest, AnOlderInstallIsRefusedAndAnEqualOneReplaces) {
    ClusterConfig config("");
    ASSERT_EQ(config.install({.epoch = 2, .revision = 10}, R"({"rev":10})"), std::nullopt);
    const auto older = config.install({.epoch = 2, .revision = 9}, R"({"rev":9})");
    ASSERT_TRUE(older.has_value());
    EXPECT_NE(older->find("older"), std::string::npos) << *older;
    // A newer epoch wins whatever its revision.
    EXPECT_EQ(config.install({.epoch = 3, .revision = 1}, R"({"rev":1})"), std::nullopt);
    EXPECT_EQ(config.install({.epoch = 3, .revision = 1}, R"({"rev":1,"x":1})"), std::nullopt);
    EXPECT_EQ(*config.current(kNode, {}).json, R"({"rev":1,"x":1})");
}

TEST(ClusterConfigTest, AnInstallMustBeAConfigurationOfItsVersionAndBucket) {
    ClusterConfig config("b");
    const ConfigVersion version{.epoch = 1, .revision = 2};
    EXPECT_TRUE(config.install(version, "not json").has_value());
    EXPECT_TRUE(config.install(version, "[1,2]").has_value());
    EXPECT_TRUE(config.install(version, R"({"rev":3})").has_value());
    EXPECT_TRUE(config.install(version, R"({"rev":2,"revEpoch":5})").has_value());
    EXPECT_TRUE(config.install(version, R"({"rev":"2"})").has_value());
    EXPECT_TRUE(config.install(version, R"({"name":"other"})").has_value());
    // Nothing was installed by the refusals.
    EXPECT_EQ(config.current(kNode, std::vector<uint8_t>{1}).version.epoch, 0);
    EXPECT_EQ(config.install(version, R"({"rev":2,"revEpoch":1,"name":"b"})"), std::nullopt);
}

TEST(ClusterConfigTest, NothingSentIsOlderThanEveryConfiguration) {
    EXPECT_LT(kNoConfigSent, (ConfigVersion{.epoch = -1, .revision = 1}));
    EXPECT_LT(kNoConfigSent, (ConfigVersion{}));
}

}  // namespace
}  // namespace eddy::daemon
