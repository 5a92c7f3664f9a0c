// eddy — GET latency with and without a storm of slow STAT groups.
//
// Closed-loop GET clients (one request in flight per connection, random keys of
// benchmarks/load-items.py) record each request's latency. The run alternates quiet phases and
// storm phases of equal length; during a storm one connection asks for STAT `dcp` and STAT
// `checkpoint` (every vbucket) every --stat-interval-ms, while --dcp-connections producer
// connections each hold --streams-per-connection keep-open streams (started at the vbuckets'
// current high seqnos, so that they only make `dcp` expensive, not the server busy). The GET
// connections never ask for stats: the question is whether other connections' stats slow them
// down. Prints one JSON line with p50/p99/p99.9 per phase kind and the p99 ratio.
//
//   eddy_stats_latency --port P [--keys N] [--vbuckets V] [--get-connections C]
//                      [--phase-seconds S] [--phases K] [--stat-interval-ms M]
//                      [--dcp-connections D] [--streams-per-connection S]
#include "client/connection.h"
#include "client/dcp_consumer.h"
#include "common/histogram.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace eddy;
using Clock = std::chrono::steady_clock;

struct Options {
    std::string host = "127.0.0.1";
    uint16_t port = 0;
    uint64_t keys = 100'000;
    uint16_t vbuckets = 1024;
    int get_connections = 4;
    double phase_seconds = 5;
    int phases = 4;
    int stat_interval_ms = 10;
    int dcp_connections = 100;
    int streams_per_connection = 16;
};

std::string percentiles(const HistogramSnapshot& h) {
    return fmt::format(R"({{"count":{},"p50_us":{:.1f},"p99_us":{:.1f},"p999_us":{:.1f}}})",
                       h.count(), static_cast<double>(h.percentile(50)) / 1e3,
                       static_cast<double>(h.percentile(99)) / 1e3,
                       static_cast<double>(h.percentile(99.9)) / 1e3);
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"GET latency with and without a STAT storm"};
    app.add_option("--host", o.host);
    app.add_option("--port", o.port)->required();
    app.add_option("--keys", o.keys);
    app.add_option("--vbuckets", o.vbuckets);
    app.add_option("--get-connections", o.get_connections);
    app.add_option("--phase-seconds", o.phase_seconds);
    app.add_option("--phases", o.phases)->check(CLI::Range(2, 100));
    app.add_option("--stat-interval-ms", o.stat_interval_ms);
    app.add_option("--dcp-connections", o.dcp_connections);
    app.add_option("--streams-per-connection", o.streams_per_connection);
    CLI11_PARSE(app, argc, argv);

    try {
        // The DCP connections: keep-open streams from the current high seqnos.
        client::Connection probe(o.host, o.port);
        std::vector<std::pair<uint16_t, uint64_t>> high;
        {
            client::DcpConsumer seqnos(probe);
            high = seqnos.getAllVbSeqnos(1);
        }
        std::vector<std::unique_ptr<client::Connection>> dcp_connections;
        std::vector<std::unique_ptr<client::DcpConsumer>> consumers;
        for (int c = 0; c < o.dcp_connections; ++c) {
            dcp_connections.push_back(std::make_unique<client::Connection>(o.host, o.port));
            consumers.push_back(std::make_unique<client::DcpConsumer>(*dcp_connections.back()));
            client::DcpConsumer& consumer = *consumers.back();
            consumer.open(fmt::format("latency:{}", c), 0x01);
            for (int s = 0; s < o.streams_per_connection && !high.empty(); ++s) {
                const auto& [vb, seqno] =
                    high[static_cast<size_t>(c * o.streams_per_connection + s) % high.size()];
                const auto log = consumer.getFailoverLog(vb);
                const uint64_t uuid = log.empty() ? 0 : log.front().uuid;
                const auto result =
                    consumer.streamRequest(vb, 0, seqno, ~uint64_t{0}, uuid, seqno, seqno, vb + 1u);
                if (result.status != mcbp::ResponseStatus::Success) {
                    std::fprintf(stderr, "stream request for vbucket %u failed\n", vb);
                    return 1;
                }
            }
        }

        std::atomic<bool> stop{false};
        std::atomic<int> phase{0};  // even: quiet, odd: storm
        std::vector<std::unique_ptr<PerThreadHistogram>> by_kind;
        by_kind.push_back(std::make_unique<PerThreadHistogram>());
        by_kind.push_back(std::make_unique<PerThreadHistogram>());
        std::vector<std::thread> threads;
        threads.reserve(static_cast<size_t>(o.get_connections) + 1);
        for (int c = 0; c < o.get_connections; ++c) {
            threads.emplace_back([&, c] {
                client::Connection connection(o.host, o.port);
                std::mt19937_64 random(static_cast<uint64_t>(c) + 1);
                while (!stop.load(std::memory_order_relaxed)) {
                    const uint64_t i = random() % o.keys;
                    client::Request request;
                    request.opcode = mcbp::ClientOpcode::Get;
                    request.key = fmt::format("key:{:012}", i);
                    request.vbucket = static_cast<uint16_t>(i % o.vbuckets);
                    const int kind = phase.load(std::memory_order_relaxed) % 2;
                    const auto started = Clock::now();
                    const client::Packet response = connection.execute(request);
                    const auto elapsed = Clock::now() - started;
                    if (response.status() != mcbp::ResponseStatus::Success) {
                        std::fprintf(stderr, "GET failed\n");
                        std::_Exit(1);  // exit() would run destructors under the other threads
                    }
                    if (kind == phase.load(std::memory_order_relaxed) % 2) {
                        by_kind[static_cast<size_t>(kind)]->record(elapsed);
                    }
                }
            });
        }
        std::atomic<uint64_t> stat_replies{0};
        threads.emplace_back([&] {
            client::Connection connection(o.host, o.port);
            bool dcp = true;
            while (!stop.load(std::memory_order_relaxed)) {
                if (phase.load(std::memory_order_relaxed) % 2 == 1) {
                    connection.stats(dcp ? "dcp" : "checkpoint", std::chrono::seconds(30));
                    stat_replies.fetch_add(1, std::memory_order_relaxed);
                    dcp = !dcp;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(o.stat_interval_ms));
            }
        });
        for (int p = 0; p < o.phases; ++p) {
            phase.store(p, std::memory_order_relaxed);
            std::this_thread::sleep_for(std::chrono::duration<double>(o.phase_seconds));
        }
        stop.store(true);
        for (auto& thread : threads) {
            thread.join();
        }
        const HistogramSnapshot quiet = by_kind[0]->snapshot();
        const HistogramSnapshot storm = by_kind[1]->snapshot();
        std::printf("{\"quiet\": %s, \"storm\": %s, \"stat_replies\": %llu, \"p99_ratio\": %.3f}\n",
                    percentiles(quiet).c_str(), percentiles(storm).c_str(),
                    static_cast<unsigned long long>(stat_replies.load()),
                    static_cast<double>(storm.percentile(99)) /
                        static_cast<double>(std::max<uint64_t>(quiet.percentile(99), 1)));
    } catch (const std::exception& error) {
        std::fprintf(stderr, "eddy_stats_latency: %s\n", error.what());
        return 1;
    }
    return 0;
}
