// The command-line tools against a running eddyd, in process (each tool's run() is what its
// main() calls): eddyctl changes a parameter and a vbucket state and stops persistence,
// eddy-stats prints groups as a table and as JSON, eddy-timings draws the command histograms,
// eddy-dcpdrain streams every document of every vbucket, and eddy-bench loads the server, counts
// what it sent as the server counts it, and compares the server with itself.
#include "eddy-bench/bench.h"
#include "eddy-dcpdrain/drain.h"
#include "eddy-dcpdrain/options.h"
#include "eddy-stats/stats_tool.h"
#include "eddy-timings/timings_tool.h"
#include "eddyctl/ctl.h"
#include "protocol/encode.h"
#include "server_fixture.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace eddy::test {
namespace {

using RunFn = int (*)(int, const char* const*, std::ostream&, std::ostream&);

class ToolsTest : public ServerTest {
protected:
    /// Runs a tool with `-h 127.0.0.1:<port>` and `args`; returns its exit code.
    int tool(RunFn run, std::vector<std::string> args) {
        out_.str({});
        err_.str({});
        args.insert(args.begin(),
                    {"tool", "-h", "127.0.0.1:" + std::to_string(server_->port()), "-u",
                     std::string(McbpClient::kUser), "-P", std::string(McbpClient::kPassword)});
        std::vector<const char*> argv;
        argv.reserve(args.size());
        for (const auto& arg : args) {
            argv.push_back(arg.c_str());
        }
        return run(static_cast<int>(argv.size()), argv.data(), out_, err_);
    }

    std::ostringstream out_;
    std::ostringstream err_;
};

TEST_P(ToolsTest, EddyctlChangesParametersAndVBucketStates) {
    ASSERT_TRUE(waitForWarmup(*client_));
    ASSERT_EQ(0, tool(&tools::ctl::run, {"set", "checkpoint_param", "chk_max_items", "500"}))
        << err_.str();
    EXPECT_EQ("500", client_->stats("config").at("ep_chk_max_items"));
    EXPECT_NE(0, tool(&tools::ctl::run, {"set", "flush_param", "max_size", "abc"}));
    EXPECT_NE(std::string::npos, err_.str().find("max_size")) << err_.str();
    ASSERT_EQ(0, tool(&tools::ctl::run, {"vbucket", "set", "5", "replica"})) << err_.str();
    ASSERT_EQ(0, tool(&tools::ctl::run, {"vbucket", "get", "5"}));
    EXPECT_NE(std::string::npos, out_.str().find("replica")) << out_.str();
    ASSERT_EQ(0, tool(&tools::ctl::run, {"persistence", "stop"})) << err_.str();
    EXPECT_EQ("1", client_->stats().at("ep_persistence_stopped"));
    ASSERT_EQ(0, tool(&tools::ctl::run, {"persistence", "start"})) << err_.str();
}

TEST_P(ToolsTest, EddyStatsPrintsATableOrJson) {
    ASSERT_TRUE(waitForWarmup(*client_));
    client_->set("k", "v");
    ASSERT_EQ(0, tool(&tools::stats::run, {"vbucket-seqno", "0"})) << err_.str();
    EXPECT_NE(std::string::npos, out_.str().find("vb_0:high_seqno")) << out_.str();
    ASSERT_EQ(0, tool(&tools::stats::run, {"-j", "checkpoint", "0"})) << err_.str();
    const auto json = nlohmann::json::parse(out_.str(), nullptr, false);
    ASSERT_TRUE(json.is_object()) << out_.str();
    EXPECT_TRUE(json.contains("vb_0:num_checkpoints"));
    EXPECT_EQ(1, tool(&tools::stats::run, {"no-such-group"}));
    EXPECT_NE(std::string::npos, err_.str().find("unknown stat group")) << err_.str();
}

TEST_P(ToolsTest, EddyTimingsDrawsTheCommandHistograms) {
    ASSERT_TRUE(waitForWarmup(*client_));
    for (int i = 0; i < 20; ++i) {
        client_->get("missing");
    }
    ASSERT_EQ(0, tool(&tools::timings::run, {"timings", "get"})) << err_.str();
    EXPECT_NE(std::string::npos, out_.str().find("p99")) << out_.str();
    EXPECT_NE(std::string::npos, out_.str().find('#')) << out_.str();
    ASSERT_EQ(0, tool(&tools::timings::run, {"-j", "--opcode", "get"})) << err_.str();
    EXPECT_NE(std::string::npos, out_.str().find("\"count\"")) << out_.str();
}

TEST_P(ToolsTest, DcpDrainStreamsEveryDocument) {
    ASSERT_TRUE(waitForWarmup(*client_));
    constexpr int kDocuments = 300;
    for (int i = 0; i < kDocuments; ++i) {
        const auto response = client_->execute({.opcode = mcbp::ClientOpcode::Set,
                                                .key = "doc" + std::to_string(i),
                                                .value = "value",
                                                .extras = storeExtras(0, 0),
                                                .vbucket = static_cast<uint16_t>(i % 64)});
        ASSERT_EQ(mcbp::ResponseStatus::Success, response.status());
    }
    dcpdrain::Options options;
    options.server = {"127.0.0.1", server_->port()};
    options.name = "tools-test";
    options.buffer_size = 64 * 1024;
    client::Connection connection(options.server);
    connection.authenticate(std::string(McbpClient::kUser), std::string(McbpClient::kPassword));
    connection.selectBucket("default");
    dcpdrain::Positions positions;
    dcpdrain::Drainer drainer(connection, options, positions);
    const std::atomic<bool> stop{false};
    const dcpdrain::Summary summary = drainer.run(stop);
    EXPECT_EQ(static_cast<uint64_t>(kDocuments), summary.counters.mutations);
    EXPECT_TRUE(summary.failures.empty());
    EXPECT_EQ(summary.vbuckets_total, summary.vbuckets_done);
}

TEST_P(ToolsTest, EddyctlCreatesListsAndDropsCollections) {
    ASSERT_TRUE(waitForWarmup(*client_));
    ASSERT_EQ(0, tool(&tools::ctl::run, {"collection", "create", "inventory.airlines"}))
        << err_.str();
    ASSERT_EQ(0, tool(&tools::ctl::run, {"collection", "create", "inventory.routes"}))
        << err_.str();
    EXPECT_NE(0, tool(&tools::ctl::run, {"collection", "create", "inventory.routes"}));
    EXPECT_NE(std::string::npos, err_.str().find("exists")) << err_.str();
    ASSERT_EQ(0, tool(&tools::ctl::run, {"collection", "list"})) << err_.str();
    EXPECT_EQ(
        "_default._default id 0x0\ninventory.airlines id 0x8\n"
        "inventory.routes id 0x9\nmanifest uid 0x2\n",
        out_.str());

    // A client with collections reaches the new collection by the id the server gives it.
    client_->hello({mcbp::Feature::Collections});
    const auto id = client_->execute(
        {.opcode = mcbp::ClientOpcode::CollectionsGetId, .value = "inventory.airlines"});
    ASSERT_EQ(mcbp::ResponseStatus::Success, id.status());
    ASSERT_EQ(12U, id.extras.size());
    EXPECT_EQ(8U, mcbp::readUint32(id.extras, 8));
    ASSERT_EQ(mcbp::ResponseStatus::Success, client_
                                                 ->set("\x08"
                                                       "klm",
                                                       "{}")
                                                 .status());

    ASSERT_EQ(0, tool(&tools::ctl::run, {"collection", "drop", "inventory.airlines"}))
        << err_.str();
    EXPECT_EQ(mcbp::ResponseStatus::UnknownCollection, client_
                                                           ->get("\x08"
                                                                 "klm")
                                                           .status());
    EXPECT_NE(0, tool(&tools::ctl::run, {"collection", "drop", "inventory.airlines"}));
    EXPECT_NE(0, tool(&tools::ctl::run, {"collection", "create", "no-dot"}));
}

TEST_P(ToolsTest, EddyBenchLoadsTheServerAndCountsWhatItCounts) {
    ASSERT_TRUE(waitForWarmup(*client_));
    bench::Options options;
    bench::Target target;
    target.endpoint = {"127.0.0.1", server_->port()};
    target.name = "eddyd";
    target.login = {std::string(McbpClient::kUser), std::string(McbpClient::kPassword)};
    target.pid = server_->pid();
    options.targets = {target};
    options.threads = 2;
    options.connections = 4;
    options.depth = 8;
    options.workload.keys = 500;
    options.workload.mix = bench::OpMix{.get = 9, .set = 1, .del = 0};
    options.duration = std::chrono::milliseconds(700);
    options.warmup = std::chrono::milliseconds(100);
    options.progress = false;
    const std::filesystem::path json_path = std::filesystem::temp_directory_path() /
                                            ("eddy-bench-" + std::to_string(::getpid()) + ".json");
    options.json_path = json_path.string();
    const uint64_t gets_before = std::stoull(client_->stats().at("cmd_get"));
    const std::atomic<bool> stop{false};
    ASSERT_EQ(0, bench::runBench(options, out_, err_, stop)) << out_.str() << err_.str();
    EXPECT_NE(std::string::npos, out_.str().find("stored 500 keys")) << out_.str();
    EXPECT_EQ(500u, std::stoull(client_->stats().at("curr_items")));

    std::ifstream file(json_path);
    const auto json = nlohmann::json::parse(file, nullptr, false);
    std::filesystem::remove(json_path);
    ASSERT_TRUE(json.is_object());
    ASSERT_EQ(1u, json["runs"].size());
    const auto& run = json["runs"][0];
    const uint64_t gets = run["operations"]["get"]["ops"].get<uint64_t>();
    EXPECT_GT(gets, 0u);
    EXPECT_GT(run["operations"]["set"]["ops"].get<uint64_t>(), 0u);
    EXPECT_EQ(0u, run["operations"]["get"]["misses"].get<uint64_t>()) << "every key was stored";
    EXPECT_TRUE(run["errors"].empty()) << run.dump();
    EXPECT_GT(run["server_cpu_us_per_op"].get<double>(), 0.0);
    // The server answered at least the GETs counted (warm-up and drain add more).
    EXPECT_GE(std::stoull(client_->stats().at("cmd_get")) - gets_before, gets);

    // A/B against the same server twice: two rounds, a comparison of it with itself.
    options.targets = {target, target};
    options.targets[1].name = "again";
    options.rounds = 2;
    options.populate = false;
    options.duration = std::chrono::milliseconds(300);
    options.json_path.clear();
    out_.str({});
    ASSERT_EQ(0, bench::runBench(options, out_, err_, stop)) << out_.str() << err_.str();
    EXPECT_NE(std::string::npos, out_.str().find("round 2 B")) << out_.str();
    EXPECT_NE(std::string::npos, out_.str().find("ratio A/B")) << out_.str();
}

TEST_P(ToolsTest, EddyBenchSaysWhenItCannotConnect) {
    bench::Options options;
    bench::Target target;
    target.endpoint = {"127.0.0.1", 1};
    target.name = "nowhere";
    options.targets = {target};
    options.progress = false;
    const std::atomic<bool> stop{false};
    EXPECT_EQ(1, bench::runBench(options, out_, err_, stop));
    EXPECT_NE(std::string::npos, err_.str().find("eddy-bench: connect to")) << err_.str();
}

INSTANTIATE_TEST_SUITE_P(Engines, ToolsTest, ::testing::Values(EngineMode::Plain), engineModeName);

}  // namespace
}  // namespace eddy::test
