// The bucket's parameters from the daemon: the config file's "bucket" key (a string or an
// object) and --bucket-config, as the served bucket sees them, and their start-up errors.

#include "server_fixture.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <unistd.h>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;

/// The default STAT group as key → value.
std::map<std::string, std::string> defaultStats(McbpClient& client) {
    client.send({.opcode = ClientOpcode::Stat});
    std::map<std::string, std::string> all;
    while (auto response = client.receive()) {
        if (response->key.empty()) {
            break;
        }
        all[response->key] = response->value;
    }
    return all;
}

Response setOn(McbpClient& client, uint16_t vbucket, const std::string& value = "v") {
    return client.execute({.opcode = ClientOpcode::Set,
                           .key = "k",
                           .value = value,
                           .extras = storeExtras(0, 0),
                           .vbucket = vbucket});
}

/// {exit code, stderr} of eddyd started with a config file holding `config_json` and `args`.
std::pair<int, std::string> runWithConfig(const std::string& config_json,
                                          std::vector<std::string> args, std::string& path) {
    // One file per test and process: ctest runs the tests of this file in parallel.
    path = ::testing::TempDir() + "eddy-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
           std::to_string(getpid()) + ".json";
    std::ofstream(path) << config_json;
    args.insert(args.begin(), {"--config", path, "--port", "0"});
    return EddydProcess::runToExit(args, std::chrono::seconds(30));
}

class BucketStringTest : public ServerTest {
protected:
    std::string extraConfig() const override { return R"("bucket": "max_vbuckets=8")"; }
};

TEST_P(BucketStringTest, MaxVbucketsBoundsTheVbucketIds) {
    EXPECT_EQ(ResponseStatus::Success, setOn(*client_, 0).status());
    EXPECT_EQ(ResponseStatus::Success, setOn(*client_, 7).status());
    EXPECT_EQ(ResponseStatus::NotMyVbucket, setOn(*client_, 8).status());
    EXPECT_EQ(ResponseStatus::NotMyVbucket, setOn(*client_, 1023).status());
    EXPECT_EQ("8", defaultStats(*client_)["ep_max_vbuckets"]);
}

INSTANTIATE_TEST_SUITE_P(Engines, BucketStringTest,
                         ::testing::Values(EngineMode::Plain, EngineMode::AlwaysAsync),
                         engineModeName);

class BucketObjectTest : public ServerTest {
protected:
    std::string extraConfig() const override {
        return R"("item_size_max": 1048576, "bucket": {"max_vbuckets": 4, "max_item_size": 2048})";
    }
};

TEST_P(BucketObjectTest, ObjectFormAndItsMaxItemSize) {
    EXPECT_EQ(ResponseStatus::Success, setOn(*client_, 3).status());
    EXPECT_EQ(ResponseStatus::NotMyVbucket, setOn(*client_, 4).status());
    // The bucket's max_item_size wins over the daemon's item_size_max.
    EXPECT_EQ(ResponseStatus::Success, setOn(*client_, 0, std::string(2048, 'v')).status());
    EXPECT_EQ(ResponseStatus::E2big, setOn(*client_, 0, std::string(2049, 'v')).status());
}

INSTANTIATE_TEST_SUITE_P(Engines, BucketObjectTest,
                         ::testing::Values(EngineMode::Plain, EngineMode::AlwaysAsync),
                         engineModeName);

TEST(BucketConfigTest, ItemSizeMaxAppliesWhenTheBucketDoesNotSayOtherwise) {
    EddydProcess server({.config_json = R"({"item_size_max": 4096, "bucket": "max_vbuckets=16"})"});
    McbpClient client(server.port());
    EXPECT_EQ(ResponseStatus::Success, setOn(client, 0, std::string(4096, 'v')).status());
    EXPECT_EQ(ResponseStatus::E2big, setOn(client, 0, std::string(4097, 'v')).status());
    // APPEND past the limit is checked by the bucket, with the limit it took from item_size_max.
    EXPECT_EQ(
        ResponseStatus::E2big,
        client.execute({.opcode = ClientOpcode::Append, .key = "k", .value = std::string(16, 'a')})
            .status());
    EXPECT_EQ(0, server.stop()) << server.log();
}

TEST(BucketConfigTest, CommandLineReplacesTheFileValue) {
    EddydProcess server({.config_json = R"({"bucket": "max_vbuckets=8"})",
                         .extra_args = {"--bucket-config", "max_vbuckets=4; ht_size=3"}});
    McbpClient client(server.port());
    EXPECT_EQ(ResponseStatus::Success, setOn(client, 3).status());
    EXPECT_EQ(ResponseStatus::NotMyVbucket, setOn(client, 4).status());
    EXPECT_EQ("4", defaultStats(client)["ep_max_vbuckets"]);
    EXPECT_EQ(0, server.stop()) << server.log();
}

TEST(BucketConfigTest, BadBucketValueNamesFileAndKey) {
    struct Case {
        const char* config;
        const char* key;
        const char* why;
    };
    for (const Case& c : {
             Case{R"({"bucket": "max_vbuckets=8;colour=blue"})", "\"colour\"", "unknown"},
             Case{R"({"bucket": {"bucket_type": "persistant"}})", "\"bucket_type\"",
                  "persistent, ephemeral"},
             Case{R"({"bucket": "mem_low_wat=90;mem_high_wat=80"})", "\"mem_low_wat\"",
                  "\"mem_high_wat\""},
             Case{R"({"bucket": "max_vbuckets=0"})", "\"max_vbuckets\"", "outside"},
             Case{R"({"bucket": 8})", "\"bucket\"", "string or an object"},
         }) {
        SCOPED_TRACE(c.config);
        std::string path;
        const auto [code, log] = runWithConfig(c.config, {}, path);
        EXPECT_NE(0, code);
        EXPECT_NE(std::string::npos, log.find(path + ": ")) << log;
        EXPECT_NE(std::string::npos, log.find("bucket")) << log;
        EXPECT_NE(std::string::npos, log.find(c.key)) << log;
        EXPECT_NE(std::string::npos, log.find(c.why)) << log;
        std::filesystem::remove(path);
    }
}

TEST(BucketConfigTest, BadBucketConfigOptionIsNamed) {
    std::string path;
    const auto [code, log] =
        runWithConfig(R"({"bucket": "max_vbuckets=8"})", {"--bucket-config", "ht_sise=3"}, path);
    EXPECT_NE(0, code);
    EXPECT_NE(std::string::npos, log.find("--bucket-config")) << log;
    EXPECT_NE(std::string::npos, log.find("\"ht_sise\"")) << log;
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace eddy::test
