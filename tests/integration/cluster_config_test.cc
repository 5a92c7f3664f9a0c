// eddy tests — the cluster map over sockets: GET_CLUSTER_CONFIG on connections with and without
// a bucket, revisions that follow vbucket state changes, the known-version form, NOT_MY_VBUCKET
// bodies with and without dedupe, and SET_CLUSTER_CONFIG from an orchestrator.
#include "eddy/types.h"
#include "protocol/encode.h"
#include "protocol/magic.h"
#include "protocol/opcode.h"
#include "support/eddyd_process.h"
#include "support/mcbp_client.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::Feature;
using mcbp::ResponseStatus;
using nlohmann::json;

constexpr uint8_t kDead = 4;

std::string versionExtras(int64_t epoch, int64_t revision) {
    std::string extras;
    mcbp::appendUint64(extras, static_cast<uint64_t>(epoch));
    mcbp::appendUint64(extras, static_cast<uint64_t>(revision));
    return extras;
}

class ClusterConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        server_ = std::make_unique<EddydProcess>();
        admin_ = std::make_unique<McbpClient>(server_->port());
        ASSERT_TRUE(waitForWarmup(*admin_));
    }
    void TearDown() override {
        admin_.reset();
        EXPECT_EQ(0, server_->stop()) << server_->log();
    }

    /// A client logged in with `features`, in `bucket` (none if empty).
    std::unique_ptr<McbpClient> client(const std::vector<Feature>& features,
                                       const std::string& bucket = "default") const {
        auto client = std::make_unique<McbpClient>(server_->port(), McbpClient::NoLogin{});
        client->hello(features);
        client->authenticate(std::string(McbpClient::kUser), std::string(McbpClient::kPassword));
        if (!bucket.empty()) {
            client->selectBucket(bucket);
        }
        return client;
    }

    static json config(McbpClient& client) {
        const auto response = client.execute({.opcode = ClientOpcode::GetClusterConfig});
        EXPECT_EQ(ResponseStatus::Success, response.status());
        return json::parse(response.value, nullptr, false);
    }

    Response setState(uint16_t vbucket, uint8_t state) const {
        return admin_->execute({.opcode = ClientOpcode::SetVbucket,
                                .extras = std::string(1, static_cast<char>(state)),
                                .vbucket = vbucket});
    }

    std::unique_ptr<EddydProcess> server_;
    std::unique_ptr<McbpClient> admin_;
};

TEST_F(ClusterConfigTest, WithoutABucketTheGlobalConfigListsThisNode) {
    auto bucketless = client({Feature::Json}, "");
    // JSON was negotiated, so the answer says what it is.
    EXPECT_EQ(datatype::kJson,
              bucketless->execute({.opcode = ClientOpcode::GetClusterConfig}).header.datatype);
    const json global = config(*bucketless);
    ASSERT_TRUE(global.is_object());
    EXPECT_FALSE(global.contains("name"));
    EXPECT_TRUE(global["rev"].is_number_integer());
    EXPECT_TRUE(global["revEpoch"].is_number_integer());
    ASSERT_EQ(1U, global["nodesExt"].size());
    EXPECT_EQ(server_->port(), global["nodesExt"][0]["services"]["kv"]);
    EXPECT_EQ("127.0.0.1", global["nodesExt"][0]["hostname"]);
    // No TLS listener here, so no TLS port.
    EXPECT_FALSE(global["nodesExt"][0]["services"].contains("kvSSL"));
}

TEST_F(ClusterConfigTest, TheBucketConfigMapsEveryVBucketToThisNode) {
    const json bucket = config(*admin_);
    EXPECT_EQ("default", bucket["name"]);
    EXPECT_EQ("vbucket", bucket["nodeLocator"]);
    const auto& map = bucket["vBucketServerMap"];
    EXPECT_EQ(0, map["numReplicas"]);
    ASSERT_EQ(1024U, map["vBucketMap"].size());
    for (const auto& entry : map["vBucketMap"]) {
        ASSERT_EQ(json::array({0}), entry);
    }
    EXPECT_EQ(server_->port(), bucket["nodesExt"][0]["services"]["kv"]);
}

TEST_F(ClusterConfigTest, AVBucketStateChangeIsANewRevision) {
    const json before = config(*admin_);
    ASSERT_EQ(ResponseStatus::Success, setState(7, kDead).status());
    const json after = config(*admin_);
    EXPECT_EQ(before["rev"].get<int64_t>() + 1, after["rev"].get<int64_t>());
    EXPECT_EQ(json::array({-1}), after["vBucketServerMap"]["vBucketMap"][7]);
    EXPECT_EQ(json::array({0}), after["vBucketServerMap"]["vBucketMap"][6]);
    // Asked again with nothing changed: the same revision.
    EXPECT_EQ(after["rev"], config(*admin_)["rev"]);
}

TEST_F(ClusterConfigTest, AClientWithTheCurrentVersionGetsAnEmptyBody) {
    const json current = config(*admin_);
    const int64_t epoch = current["revEpoch"];
    const int64_t revision = current["rev"];
    // GET_CLUSTER_CONFIG's known-version form takes epochs from 1 (or -1); ours is 0, so a
    // client holding it can only say "older" with -1, and gets the map.
    ASSERT_EQ(0, epoch);
    const auto with_legacy_epoch = admin_->execute(
        {.opcode = ClientOpcode::GetClusterConfig, .extras = versionExtras(-1, revision)});
    EXPECT_EQ(ResponseStatus::Success, with_legacy_epoch.status());
    EXPECT_FALSE(with_legacy_epoch.value.empty());
    const auto newer =
        admin_->execute({.opcode = ClientOpcode::GetClusterConfig, .extras = versionExtras(1, 1)});
    EXPECT_EQ(ResponseStatus::Success, newer.status());
    EXPECT_TRUE(newer.value.empty());
    EXPECT_EQ(
        ResponseStatus::Einval,
        admin_->execute({.opcode = ClientOpcode::GetClusterConfig, .extras = versionExtras(1, 0)})
            .status());
    EXPECT_EQ(
        ResponseStatus::Einval,
        admin_->execute({.opcode = ClientOpcode::GetClusterConfig, .extras = versionExtras(0, 5)})
            .status());
}

TEST_F(ClusterConfigTest, NotMyVBucketCarriesTheMapUnlessDeduplicated) {
    ASSERT_EQ(ResponseStatus::Success, setState(3, kDead).status());
    const Request on_dead{.opcode = ClientOpcode::Get, .key = "k", .vbucket = 3};

    auto plain = client({Feature::Json});
    for (int i = 0; i < 2; ++i) {
        const auto refused = plain->execute(on_dead);
        EXPECT_EQ(ResponseStatus::NotMyVbucket, refused.status());
        EXPECT_EQ(datatype::kJson, refused.header.datatype);
        const json body = json::parse(refused.value, nullptr, false);
        ASSERT_TRUE(body.is_object()) << refused.value;
        EXPECT_EQ(json::array({-1}), body["vBucketServerMap"]["vBucketMap"][3]);
    }

    auto deduped = client({Feature::Json, Feature::DedupeNotMyVbucketClustermap});
    EXPECT_FALSE(deduped->execute(on_dead).value.empty());
    EXPECT_TRUE(deduped->execute(on_dead).value.empty());
    // A configuration fetched is one the connection has.
    ASSERT_EQ(ResponseStatus::Success, setState(4, kDead).status());
    config(*deduped);
    EXPECT_TRUE(deduped->execute(on_dead).value.empty());
    // A change makes the next refusal carry the new map.
    ASSERT_EQ(ResponseStatus::Success, setState(5, kDead).status());
    const auto after_change = deduped->execute(on_dead);
    EXPECT_EQ(ResponseStatus::NotMyVbucket, after_change.status());
    const json body = json::parse(after_change.value, nullptr, false);
    ASSERT_TRUE(body.is_object()) << after_change.value;
    EXPECT_EQ(json::array({-1}), body["vBucketServerMap"]["vBucketMap"][5]);
}

TEST_F(ClusterConfigTest, AnInstalledConfigIsServedAndAnOlderOneRefused) {
    const std::string installed =
        R"({"rev":4,"revEpoch":2,"name":"default","nodeLocator":"vbucket"})";
    const auto set = admin_->execute({.opcode = ClientOpcode::SetClusterConfig,
                                      .key = "default",
                                      .value = installed,
                                      .extras = versionExtras(2, 4),
                                      .cas = 0xabcd});
    ASSERT_EQ(ResponseStatus::Success, set.status()) << set.value;
    EXPECT_EQ(0xabcdU, set.header.cas);
    auto user = client({Feature::Json});
    EXPECT_EQ(json::parse(installed), config(*user));

    const auto older = admin_->execute({.opcode = ClientOpcode::SetClusterConfig,
                                        .key = "default",
                                        .value = R"({"rev":3,"revEpoch":2})",
                                        .extras = versionExtras(2, 3)});
    EXPECT_EQ(ResponseStatus::Einval, older.status());
    const auto mismatched = admin_->execute({.opcode = ClientOpcode::SetClusterConfig,
                                             .key = "default",
                                             .value = R"({"rev":9})",
                                             .extras = versionExtras(2, 8)});
    EXPECT_EQ(ResponseStatus::Einval, mismatched.status());
    EXPECT_EQ(ResponseStatus::KeyEnoent, admin_
                                             ->execute({.opcode = ClientOpcode::SetClusterConfig,
                                                        .key = "nobucket",
                                                        .value = "{}",
                                                        .extras = versionExtras(1, 1)})
                                             .status());
    // The global configuration is installed with an empty key.
    ASSERT_EQ(ResponseStatus::Success, admin_
                                           ->execute({.opcode = ClientOpcode::SetClusterConfig,
                                                      .value = R"({"rev":1,"nodesExt":[]})",
                                                      .extras = versionExtras(1, 1)})
                                           .status());
    auto bucketless = client({Feature::Json}, "");
    EXPECT_EQ(1, config(*bucketless)["rev"]);
}

TEST_F(ClusterConfigTest, SubscribersArePushedEachNewMap) {
    const std::vector<Feature> subscriber{Feature::Json, Feature::Duplex,
                                          Feature::ClustermapChangeNotification};
    auto subscribed = client(subscriber);
    auto bucketless = client(subscriber, "");
    auto other = client({Feature::Json});
    const int64_t revision = config(*subscribed)["rev"];

    ASSERT_EQ(ResponseStatus::Success, setState(9, kDead).status());
    const auto pushed = subscribed->receive();
    ASSERT_TRUE(pushed.has_value());
    EXPECT_EQ(mcbp::Magic::ServerRequest, pushed->header.magic);
    EXPECT_EQ(static_cast<uint8_t>(mcbp::ServerOpcode::ClustermapChangeNotification),
              pushed->header.opcode);
    EXPECT_EQ("default", pushed->key);
    ASSERT_EQ(16U, pushed->extras.size());
    EXPECT_EQ(0U, mcbp::readUint64(pushed->extras, 0));
    EXPECT_EQ(static_cast<uint64_t>(revision + 1), mcbp::readUint64(pushed->extras, 8));
    const json map = json::parse(pushed->value, nullptr, false);
    ASSERT_TRUE(map.is_object()) << pushed->value;
    EXPECT_EQ(revision + 1, map["rev"]);
    EXPECT_EQ(json::array({-1}), map["vBucketServerMap"]["vBucketMap"][9]);
    EXPECT_EQ(revision + 1, config(*subscribed)["rev"]);

    // Not subscribed: nothing arrives. Without a bucket: only the global map, which did not
    // change.
    EXPECT_FALSE(other->receive(std::chrono::milliseconds(300)).has_value());
    EXPECT_FALSE(bucketless->receive(std::chrono::milliseconds(300)).has_value());
    // The connections are still in step: the next command gets its own answer.
    EXPECT_EQ(ResponseStatus::Success,
              subscribed->execute({.opcode = ClientOpcode::Noop}).status());

    // An installed global map reaches the bucket-less subscriber, keyed by no bucket.
    ASSERT_EQ(ResponseStatus::Success, admin_
                                           ->execute({.opcode = ClientOpcode::SetClusterConfig,
                                                      .value = R"({"rev":2,"revEpoch":1})",
                                                      .extras = versionExtras(1, 2)})
                                           .status());
    const auto global = bucketless->receive();
    ASSERT_TRUE(global.has_value());
    EXPECT_EQ("", global->key);
    EXPECT_EQ(R"({"rev":2,"revEpoch":1})", global->value);
}

TEST_F(ClusterConfigTest, NotificationsNeedDuplex) {
    auto plain = std::make_unique<McbpClient>(server_->port(), McbpClient::NoLogin{});
    const auto refused =
        plain->execute({.opcode = ClientOpcode::Hello, .value = std::string("\x00\x0d", 2)});
    EXPECT_EQ(ResponseStatus::Einval, refused.status());
}

}  // namespace
}  // namespace eddy::test
