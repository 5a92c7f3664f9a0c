// The daemon's own stat groups over a socket: STAT timings (per-opcode latency histograms),
// GET_CMD_TIMER, STAT connections (every connection described by its own thread) and
// STAT reset clearing the timings.
#include "server_fixture.h"

#include <nlohmann/json.hpp>

#include <string>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;

class DaemonStatsTest : public ServerTest {};

/// Checks one histogram's JSON and returns its count.
uint64_t histogramCount(const std::string& text) {
    const auto json = nlohmann::json::parse(text, nullptr, false);
    EXPECT_TRUE(json.is_object()) << text;
    if (!json.is_object()) {
        return 0;
    }
    uint64_t in_buckets = 0;
    for (const auto& bucket : json["buckets"]) {
        EXPECT_LT(bucket[0].get<uint64_t>(), bucket[1].get<uint64_t>());
        in_buckets += bucket[2].get<uint64_t>();
    }
    EXPECT_EQ(json["count"].get<uint64_t>(), in_buckets);
    EXPECT_LE(json["min_ns"].get<uint64_t>(), json["max_ns"].get<uint64_t>());
    return json["count"].get<uint64_t>();
}

TEST_P(DaemonStatsTest, TimingsCountEveryCompletedCommandPerOpcode) {
    ASSERT_TRUE(waitForWarmup(*client_));
    for (int i = 0; i < 5; ++i) {
        client_->set("k" + std::to_string(i), "v");
    }
    for (int i = 0; i < 7; ++i) {
        client_->get("k1");
    }
    const auto timings = client_->stats("timings");
    ASSERT_TRUE(timings.contains("get"));
    ASSERT_TRUE(timings.contains("set"));
    EXPECT_EQ(7u, histogramCount(timings.at("get")));
    EXPECT_EQ(5u, histogramCount(timings.at("set")));

    // GET_CMD_TIMER: the same histogram for one opcode.
    const auto response = client_->execute(
        {.opcode = ClientOpcode::GetCmdTimer, .extras = std::string(1, char(ClientOpcode::Get))});
    ASSERT_EQ(ResponseStatus::Success, response.status());
    EXPECT_EQ(7u, histogramCount(response.value));
    const auto unknown_bucket = client_->execute(
        {.opcode = ClientOpcode::GetCmdTimer, .key = "nope", .extras = std::string(1, '\0')});
    EXPECT_EQ(ResponseStatus::KeyEnoent, unknown_bucket.status());

    // reset clears them.
    client_->stats("reset");
    const auto after = client_->stats("timings");
    EXPECT_FALSE(after.contains("get"));
}

TEST_P(DaemonStatsTest, ConnectionsDescribesEveryConnectionOnItsOwnThread) {
    ASSERT_TRUE(waitForWarmup(*client_));
    client_->hello({mcbp::Feature::Xerror}, "stats-observer");
    std::vector<std::unique_ptr<McbpClient>> others;
    for (int i = 0; i < 5; ++i) {
        others.push_back(connect());
        others.back()->hello({}, "other-" + std::to_string(i));
    }
    const auto all = client_->stats("connections");
    size_t agents = 0;
    bool observer = false;
    for (const auto& [key, value] : all) {
        if (key.ends_with(":agent_name")) {
            ++agents;
            observer = observer || value == "stats-observer";
        }
    }
    EXPECT_GE(agents, 6u);
    EXPECT_TRUE(observer);
    // The requesting connection is described as blocked: it waits for the other threads.
    std::string own_id;
    for (const auto& [key, value] : all) {
        if (key.ends_with(":agent_name") && value == "stats-observer") {
            own_id = key.substr(5, key.find(':') - 5);
        }
    }
    ASSERT_FALSE(own_id.empty());
    EXPECT_EQ("true", all.at("conn_" + own_id + ":blocked"));
    EXPECT_EQ("XERROR", all.at("conn_" + own_id + ":features"));

    // One connection by id.
    const auto one = client_->stats("connections " + own_id);
    EXPECT_EQ("stats-observer", one.at("conn_" + own_id + ":agent_name"));
    for (const auto& [key, value] : one) {
        EXPECT_TRUE(key.starts_with("conn_" + own_id + ":")) << key;
    }
    // A bad id is refused.
    client_->send({.opcode = ClientOpcode::Stat, .key = "connections x"});
    const auto refused = client_->receive();
    ASSERT_TRUE(refused);
    EXPECT_EQ(ResponseStatus::Einval, refused->status());
}

INSTANTIATE_TEST_SUITE_P(Engines, DaemonStatsTest,
                         ::testing::Values(EngineMode::Plain, EngineMode::AlwaysAsync),
                         engineModeName);

}  // namespace
}  // namespace eddy::test
