// A storm against one eddyd: connections asking for the slow stat groups (which run on
// background tasks), writers across every vbucket, DCP producers opening and closing streams,
// clients that ask for stats and hang up before the answer, and connections coming and going.
// The sanitizer builds run it too: the proof that a stat task never touches a connection is zero
// TSan reports and zero ASan/LSan reports here. What it asserts: every STAT reply on a
// connection that stays is complete (success frames, then the empty terminator); the server
// answers afterwards; the connection count and the DCP queues return to their baseline; the
// server exits cleanly (leaks fail the exit code under ASan).
//
// Duration: EDDY_STRESS_SECONDS (default 10).
#include "dcp_harness.h"
#include "support/eddyd_process.h"
#include "support/mcbp_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;
using namespace std::chrono_literals;

constexpr uint16_t kVBuckets = 1024;

std::chrono::seconds stormDuration() {
    if (const char* text = std::getenv("EDDY_STRESS_SECONDS")) {
        return std::chrono::seconds(std::max(1, std::atoi(text)));
    }
    return 10s;
}

/// Counts of what the storm did, for the log and the assertions.
struct Tally {
    std::atomic<uint64_t> stat_replies{0};
    std::atomic<uint64_t> stat_failures{0};
    std::atomic<uint64_t> writes{0};
    std::atomic<uint64_t> write_failures{0};
    std::atomic<uint64_t> dcp_sessions{0};
    std::atomic<uint64_t> dcp_messages{0};
    std::atomic<uint64_t> abandoned_stats{0};
    std::atomic<uint64_t> churned{0};
};

/// Sends STAT `group` and reads the whole reply. False (with `why`) if it is not a run of
/// successful frames ended by the empty terminator.
bool completeStat(McbpClient& client, const std::string& group, std::string& why) {
    client.send({.opcode = ClientOpcode::Stat, .key = group});
    size_t pairs = 0;
    for (;;) {
        const auto response = client.receive(60s);
        if (!response) {
            why = "STAT " + group + ": no complete reply";
            return false;
        }
        if (response->status() != ResponseStatus::Success) {
            why = "STAT " + group + ": status " +
                  std::to_string(static_cast<int>(response->status())) + " " + response->value;
            return false;
        }
        if (response->key.empty()) {
            return pairs > 0 || group == "dcp" || group.rfind("dcpagg", 0) == 0;
        }
        ++pairs;
    }
}

uint64_t statNumber(McbpClient& client, const std::string& group, const std::string& key) {
    const auto all = client.stats(group);
    const auto found = all.find(key);
    return found == all.end() ? ~uint64_t{0} : std::stoull(found->second);
}

TEST(StatsStressTest, SlowStatGroupsUnderLoadNeverTouchAConnection) {
    EddydProcess::Options options;
    options.config_json = R"({"bucket": "chk_remover_stime=1;max_vbuckets=1024"})";
    EddydProcess server(options);
    McbpClient control(server.port());
    ASSERT_TRUE(waitForWarmup(control));
    const uint64_t baseline_connections = statNumber(control, "", "curr_connections");

    const auto deadline = std::chrono::steady_clock::now() + stormDuration();
    const auto running = [&] { return std::chrono::steady_clock::now() < deadline; };
    Tally tally;
    std::mutex failures_mutex;
    std::vector<std::string> failures;
    const auto fail = [&](std::string why) {
        std::lock_guard lock(failures_mutex);
        if (failures.size() < 20) {
            failures.push_back(std::move(why));
        }
    };
    std::vector<std::thread> threads;

    // 16 connections looping over the background groups.
    const std::vector<std::string> groups = {"checkpoint", "dcp", "dcpagg :", "connections",
                                             "vbucket-details"};
    for (int t = 0; t < 16; ++t) {
        threads.emplace_back([&, t] {
            McbpClient client(server.port());
            for (size_t i = static_cast<size_t>(t); running(); ++i) {
                std::string why;
                if (completeStat(client, groups[i % groups.size()], why)) {
                    ++tally.stat_replies;
                } else {
                    ++tally.stat_failures;
                    fail(why);
                }
            }
        });
    }
    // 16 writers over all vbuckets.
    for (int t = 0; t < 16; ++t) {
        threads.emplace_back([&, t] {
            McbpClient client(server.port());
            std::mt19937 random(static_cast<uint32_t>(t));
            while (running()) {
                const uint32_t n = random() % 20000;
                const auto vb = static_cast<uint16_t>(n % kVBuckets);
                const auto response = client.execute({.opcode = ClientOpcode::Set,
                                                      .key = "stress-" + std::to_string(n),
                                                      .value = std::string(64, 'x'),
                                                      .extras = storeExtras(0, 0),
                                                      .vbucket = vb});
                ++(response.status() == ResponseStatus::Success ? tally.writes
                                                                : tally.write_failures);
            }
        });
    }
    // DCP producers: open, stream some vbuckets to forever, read a little, close, go away.
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937 random(static_cast<uint32_t>(100 + t));
            for (int session = 0; running(); ++session) {
                DcpConsumer consumer(server.port());
                if (consumer.open("stress:" + std::to_string(t) + ":" + std::to_string(session)) !=
                    ResponseStatus::Success) {
                    fail("DCP_OPEN failed");
                    return;
                }
                consumer.enableFlowControl(64 * 1024, true);
                if (session % 2 == 0) {
                    consumer.control("send_stream_end_on_client_close_stream", "true");
                }
                std::vector<uint16_t> vbuckets;
                for (int s = 0; s < 8; ++s) {
                    const auto vb = static_cast<uint16_t>(random() % kVBuckets);
                    if (consumer.streamRequest({.vbucket = vb, .end = kMaxSeqno}).status ==
                        ResponseStatus::Success) {
                        vbuckets.push_back(vb);
                    }
                }
                const auto until = std::chrono::steady_clock::now() + 100ms;
                while (std::chrono::steady_clock::now() < until) {
                    if (consumer.next(10ms)) {
                        ++tally.dcp_messages;
                    }
                }
                if (session % 3 != 0) {  // every third session just disconnects mid-stream
                    for (const uint16_t vb : vbuckets) {
                        consumer.closeStream(vb);
                    }
                }
                ++tally.dcp_sessions;
            }
        });
    }
    // 8 clients asking for slow groups and hanging up before the reply, 50 times a second each.
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (size_t i = static_cast<size_t>(t); running(); ++i) {
                McbpClient client(server.port());
                client.send({.opcode = ClientOpcode::Stat, .key = groups[i % groups.size()]});
                client.close();
                ++tally.abandoned_stats;
                // Paced: a new connection per request, not a connection flood (which would
                // measure the accept queue, not the stat tasks).
                std::this_thread::sleep_for(20ms);
            }
        });
    }
    // Connections coming and going.
    threads.emplace_back([&] {
        while (running()) {
            McbpClient client(server.port());
            client.execute({.opcode = ClientOpcode::Noop});
            ++tally.churned;
            std::this_thread::sleep_for(5ms);
        }
    });
    for (auto& thread : threads) {
        thread.join();
    }

    std::cerr << "storm: " << tally.stat_replies << " complete STAT replies, " << tally.writes
              << " writes, " << tally.dcp_sessions << " DCP sessions (" << tally.dcp_messages
              << " messages), " << tally.abandoned_stats << " abandoned STATs, " << tally.churned
              << " churned connections\n";
    for (const auto& why : failures) {
        ADD_FAILURE() << why;
    }
    EXPECT_EQ(0u, tally.stat_failures);
    EXPECT_GT(tally.stat_replies, 0u);
    EXPECT_GT(tally.writes, 0u);
    EXPECT_GT(tally.dcp_sessions, 0u);

    // Afterwards: the server answers, and what the storm opened is gone.
    const auto settle = std::chrono::steady_clock::now() + 30s;
    uint64_t connections = 0;
    uint64_t producers = 0;
    uint64_t queued = 0;
    while (std::chrono::steady_clock::now() < settle) {
        connections = statNumber(control, "", "curr_connections");
        producers = statNumber(control, "", "ep_dcp_producer_count");
        queued = statNumber(control, "", "ep_dcp_total_queue");
        if (connections == baseline_connections && producers == 0 && queued == 0) {
            break;
        }
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(baseline_connections, connections);
    EXPECT_EQ(0u, producers);
    EXPECT_EQ(0u, queued);
    std::string why;
    EXPECT_TRUE(completeStat(control, "checkpoint", why)) << why;
    EXPECT_EQ(0, server.stop()) << server.log();
}

}  // namespace
}  // namespace eddy::test
