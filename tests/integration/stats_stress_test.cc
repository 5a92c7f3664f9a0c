// A storm against one eddyd: connections asking for the slow stat groups (which run on
// background tasks), writers across every vbucket, DCP producers opening and closing streams,
// clients that ask for stats and hang up before the answer, and connections coming and going.
// The sanitizer builds run it too: the proof that a stat task never touches a connection is zero
// TSan reports and zero ASan/LSan reports here. What it asserts: every STAT reply on a
// connection that stays is complete (success frames, then the empty terminator); the server
// answers afterwards; the connection count and the DCP queues return to their baseline; the
// server exits cleanly (leaks fail the exit code under ASan).
//
// It also records the longest time any client waited for an answer, per kind of request, and
// asserts that no NOOP, SET, connect or DCP command waited longer than the work the server may
// legitimately put ahead of it (Pace::allowedWait). The clients' pace is scaled by what this build
// measures on the idle server first (the largest STAT reply, a SET round trip), so that a
// sanitizer build or a slower machine runs a slower storm instead of a CPU-bound one.
//
// Duration: EDDY_STRESS_SECONDS (default 10). EDDY_STRESS_UNPACED=1 runs every client as fast
// as it can (the storm before it was paced) and reports the waits without asserting them.
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
#include <type_traits>
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

using Clock = std::chrono::steady_clock;

/// The longest time any client waited for one answer, per kind of request: what a client of
/// the server under this storm experiences at worst.
class Waits {
public:
    enum Kind : size_t {
        Connect,        ///< TCP connect of a new connection
        Noop,           ///< NOOP round trip on a fresh connection
        Set,            ///< SET round trip
        StatReply,      ///< a whole slow-group STAT reply (collection included)
        DcpOpen,        ///< DCP_OPEN (and the DCP_CONTROLs after it)
        StreamRequest,  ///< DCP_STREAM_REQ
        CloseStream,    ///< DCP_CLOSE_STREAM
        Count,
    };

    void record(Kind kind, Clock::duration waited) {
        const auto micros = static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(waited).count());
        auto& longest = longest_[kind];
        uint64_t seen = longest.load(std::memory_order_relaxed);
        while (micros > seen && !longest.compare_exchange_weak(seen, micros)) {
        }
        count_[kind].fetch_add(1, std::memory_order_relaxed);
    }

    /// Runs `call`, records how long it took, returns what it returned.
    template <class Call>
    auto timed(Kind kind, Call&& call) {
        const auto start = Clock::now();
        if constexpr (std::is_void_v<decltype(call())>) {
            call();
            record(kind, Clock::now() - start);
        } else {
            auto result = call();
            record(kind, Clock::now() - start);
            return result;
        }
    }

    [[nodiscard]] std::chrono::microseconds longest(Kind kind) const {
        return std::chrono::microseconds(longest_[kind].load());
    }

    [[nodiscard]] std::string describe() const {
        static constexpr const char* kNames[Count] = {
            "connect", "NOOP", "SET", "STAT reply", "DCP_OPEN", "STREAM_REQ", "CLOSE_STREAM"};
        std::string text;
        for (size_t kind = 0; kind < Count; ++kind) {
            text += std::string(kind == 0 ? "" : ", ") + kNames[kind] + " " +
                    std::to_string(longest_[kind].load() / 1000) + " ms (of " +
                    std::to_string(count_[kind].load()) + ")";
        }
        return text;
    }

private:
    std::atomic<uint64_t> longest_[Count]{};
    std::atomic<uint64_t> count_[Count]{};
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

/// The storm's pace, scaled by what this build on this machine measured on the idle server just
/// before the storm: a sanitizer build or a busy machine gets a slower storm, not longer timeouts.
struct Pace {
    /// The longest complete reply of one slow group (collection, the front end's write and our
    /// parse): the cost of the largest thing the storm asks for.
    Clock::duration reply_cost{};
    /// The mean SET round trip: the cost of the smallest.
    Clock::duration request_cost{};
    /// EDDY_STRESS_UNPACED=1: every client asks as fast as it can, as the storm did before it
    /// was paced (CPU-bound on a small machine: the waits measure the machine, not the server).
    bool unpaced = false;

    /// The pause after each request of one of `clients` looping clients: together they keep
    /// about `in_flight` requests of `cost` going at a time.
    [[nodiscard]] Clock::duration gap(int clients, Clock::duration cost, int in_flight) const {
        return unpaced ? Clock::duration::zero() : clients * cost / in_flight;
    }

    /// The longest a request on any connection may wait. A front-end thread writes each STAT
    /// reply whole, so a request may wait for every reply its thread owes to the STAT
    /// connections it serves (`stat_clients` / `threads`), each of which costs less than a whole
    /// reply_cost; add the slack of many requests ahead of it and of the kernel's scheduler.
    /// Anything longer is a connection starved by the server.
    [[nodiscard]] Clock::duration allowedWait(int stat_clients, int threads) const {
        return (stat_clients / threads) * reply_cost + 50 * request_cost + std::chrono::seconds(1);
    }

    static Pace measure(McbpClient& client, const std::vector<std::string>& groups) {
        Pace pace;
        const char* unpaced = std::getenv("EDDY_STRESS_UNPACED");
        pace.unpaced = unpaced != nullptr && std::string(unpaced) == "1";
        // Twice over the groups; the first round pays for first-use allocations.
        for (int round = 0; round < 2; ++round) {
            for (const auto& group : groups) {
                const auto start = Clock::now();
                std::string why;
                EXPECT_TRUE(completeStat(client, group, why)) << why;
                if (round == 1) {
                    pace.reply_cost = std::max(pace.reply_cost, Clock::now() - start);
                }
            }
        }
        constexpr int kSets = 200;
        const auto start = Clock::now();
        for (int i = 0; i < kSets; ++i) {
            EXPECT_EQ(ResponseStatus::Success,
                      client.set("pace-" + std::to_string(i), std::string(64, 'x')).status());
        }
        pace.request_cost = (Clock::now() - start) / kSets;
        return pace;
    }

    [[nodiscard]] std::string describe() const {
        using std::chrono::microseconds;
        return "largest reply " +
               std::to_string(std::chrono::duration_cast<microseconds>(reply_cost).count()) +
               " us, SET " +
               std::to_string(std::chrono::duration_cast<microseconds>(request_cost).count()) +
               " us" + (unpaced ? ", unpaced" : "");
    }
};

TEST(StatsStressTest, SlowStatGroupsUnderLoadNeverTouchAConnection) {
    EddydProcess::Options options;
    // The storm's clients do not log in (unauthenticated access, every privilege): a connect
    // measures the server's accept path, as in a monitoring fleet of memcached-style clients,
    // not each client's own PBKDF2 (7 ms of its CPU per SCRAM login). Logins are the security
    // suite's subject.
    options.config_json = R"({"bucket": "chk_remover_stime=1;max_vbuckets=1024",
                              "unauthenticated_access": {"bucket": "default",
                                                         "privileges": ["all"]}})";
    EddydProcess server(options);
    McbpClient control(server.port());
    ASSERT_TRUE(waitForWarmup(control));
    const uint64_t baseline_connections = statNumber(control, "", "curr_connections");
    // The background groups.
    const std::vector<std::string> groups = {"checkpoint", "dcp", "dcpagg :", "connections",
                                             "vbucket-details"};
    const Pace pace = Pace::measure(control, groups);
    std::cerr << "pace: " << pace.describe() << "\n";
    constexpr int kStatClients = 16;
    // About as many collections at a time as eddyd has NONIO threads on a small machine.
    constexpr int kStatsInFlight = 2;
    constexpr int kWriters = 16;
    constexpr int kAbandoners = 8;

    const auto deadline = std::chrono::steady_clock::now() + stormDuration();
    const auto running = [&] { return std::chrono::steady_clock::now() < deadline; };
    // A pause that never outlasts the storm.
    const auto pause = [&](Clock::duration gap) {
        std::this_thread::sleep_until(std::min(Clock::now() + gap, deadline));
    };
    Tally tally;
    Waits waits;
    std::mutex failures_mutex;
    std::vector<std::string> failures;
    const auto fail = [&](std::string why) {
        std::lock_guard lock(failures_mutex);
        if (failures.size() < 20) {
            failures.push_back(std::move(why));
        }
    };
    std::vector<std::thread> threads;
    threads.reserve(kStatClients + kWriters + kAbandoners + 4);  // + DCP and churn threads

    // Connections looping over the background groups.
    for (int t = 0; t < kStatClients; ++t) {
        threads.emplace_back([&, t] {
            McbpClient client(server.port(), McbpClient::NoLogin{});
            for (size_t i = static_cast<size_t>(t); running(); ++i) {
                std::string why;
                if (waits.timed(Waits::StatReply, [&] {
                        return completeStat(client, groups[i % groups.size()], why);
                    })) {
                    ++tally.stat_replies;
                } else {
                    ++tally.stat_failures;
                    fail(why);
                }
                pause(pace.gap(kStatClients, pace.reply_cost, kStatsInFlight));
            }
        });
    }
    // Writers over all vbuckets.
    for (int t = 0; t < kWriters; ++t) {
        threads.emplace_back([&, t] {
            McbpClient client(server.port(), McbpClient::NoLogin{});
            std::mt19937 random(static_cast<uint32_t>(t));
            while (running()) {
                const uint32_t n = random() % 20000;
                const auto vb = static_cast<uint16_t>(n % kVBuckets);
                const auto response = waits.timed(Waits::Set, [&] {
                    return client.execute({.opcode = ClientOpcode::Set,
                                           .key = "stress-" + std::to_string(n),
                                           .value = std::string(64, 'x'),
                                           .extras = storeExtras(0, 0),
                                           .vbucket = vb});
                });
                ++(response.status() == ResponseStatus::Success ? tally.writes
                                                                : tally.write_failures);
                pause(pace.gap(kWriters, pace.request_cost, 1));
            }
        });
    }
    // DCP producers: open, stream some vbuckets to forever, read a little, close, go away.
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937 random(static_cast<uint32_t>(100 + t));
            for (int session = 0; running(); ++session) {
                DcpConsumer consumer(server.port());
                const auto opened = waits.timed(Waits::DcpOpen, [&] {
                    return consumer.open("stress:" + std::to_string(t) + ":" +
                                         std::to_string(session));
                });
                if (opened != ResponseStatus::Success) {
                    fail("DCP_OPEN failed");
                    return;
                }
                waits.timed(Waits::DcpOpen,
                            [&] { return consumer.enableFlowControl(64 * 1024, true); });
                if (session % 2 == 0) {
                    waits.timed(Waits::DcpOpen, [&] {
                        return consumer.control("send_stream_end_on_client_close_stream", "true");
                    });
                }
                std::vector<uint16_t> vbuckets;
                for (int s = 0; s < 8; ++s) {
                    const auto vb = static_cast<uint16_t>(random() % kVBuckets);
                    if (waits
                            .timed(Waits::StreamRequest,
                                   [&] {
                                       return consumer.streamRequest(
                                           {.vbucket = vb, .end = kMaxSeqno});
                                   })
                            .status == ResponseStatus::Success) {
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
                        waits.timed(Waits::CloseStream, [&] { return consumer.closeStream(vb); });
                    }
                }
                ++tally.dcp_sessions;
            }
        });
    }
    // Clients asking for slow groups and hanging up before the reply, at most 50 times a second
    // each. A hang-up expects no answer, so each is followed by a NOOP on a new connection of
    // its own: the next hang-up waits until eddyd has accepted and served the connections made
    // before it (a fixed rate of hang-ups would outrun a slower build or machine without limit:
    // nothing else in the storm is open-loop).
    for (int t = 0; t < kAbandoners; ++t) {
        threads.emplace_back([&, t] {
            for (size_t i = static_cast<size_t>(t); running(); ++i) {
                {
                    McbpClient client(server.port(), McbpClient::NoLogin{});
                    client.send({.opcode = ClientOpcode::Stat, .key = groups[i % groups.size()]});
                }
                ++tally.abandoned_stats;
                McbpClient probe = waits.timed(Waits::Connect, [&] {
                    return McbpClient(server.port(), McbpClient::NoLogin{});
                });
                waits.timed(Waits::Noop,
                            [&] { return probe.execute({.opcode = ClientOpcode::Noop}); });
                // Paced: a new connection per request, not a connection flood (which would
                // measure the accept queue, not the stat tasks).
                pause(20ms);
            }
        });
    }
    // Connections coming and going.
    threads.emplace_back([&] {
        while (running()) {
            McbpClient client = waits.timed(
                Waits::Connect, [&] { return McbpClient(server.port(), McbpClient::NoLogin{}); });
            waits.timed(Waits::Noop,
                        [&] { return client.execute({.opcode = ClientOpcode::Noop}); });
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
              << " churned connections\n"
              << "longest waits: " << waits.describe() << "\n";
    for (const auto& why : failures) {
        ADD_FAILURE() << why;
    }
    // No connection waited longer than the server's own work ahead of it explains.
    if (!pace.unpaced) {
        const auto allowed = std::chrono::duration_cast<std::chrono::microseconds>(
            pace.allowedWait(kStatClients, options.threads));
        for (const auto kind : {Waits::Connect, Waits::Noop, Waits::Set, Waits::DcpOpen,
                                Waits::StreamRequest, Waits::CloseStream}) {
            EXPECT_LE(waits.longest(kind), allowed) << "longest waits: " << waits.describe();
        }
    }
    EXPECT_EQ(0u, tally.stat_failures);
    EXPECT_GT(tally.stat_replies, 0u);
    EXPECT_GT(tally.writes, 0u);
    EXPECT_GT(tally.dcp_sessions, 0u);

    // Afterwards: the server answers, and what the storm opened is gone. A fresh control
    // connection: the first one sat idle through the storm.
    control = McbpClient(server.port());
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
