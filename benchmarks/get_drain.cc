// eddy — GET throughput over one connection, for comparison with eddy-dcpdrain.
//
// Reads the keys benchmarks/load-items.py stores ("key:%012d", key i in vbucket i % V) with
// pipelined GETQ requests, a NOOP closing every batch, over one connection with the same client
// library eddy-dcpdrain uses, and prints one JSON line: items, bytes (whole response frames),
// seconds, items/s, MB/s. A miss is an error (exit 1). With --cacert the connection is TLS,
// trusting the certificates in FILE (benchmarks/tls-throughput.sh compares the two).
//
//   eddy_get_drain --port P [--host H] [--items N] [--vbuckets V] [--batch K] [--cacert FILE]
#include "client/connection.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

int main(int argc, char** argv) {
    using namespace eddy;
    CLI::App app{"GET throughput over one connection"};
    std::string host = "127.0.0.1";
    uint16_t port = 0;
    uint64_t items = 1'000'000;
    uint16_t vbuckets = 1024;
    uint64_t batch = 1000;
    std::string ca_file;
    app.add_option("--host", host);
    app.add_option("--cacert", ca_file, "connect with TLS, trusting the certificates in this file")
        ->check(CLI::ExistingFile);
    app.add_option("--port", port)->required();
    app.add_option("--items", items);
    app.add_option("--vbuckets", vbuckets)->check(CLI::Range(1, 1024));
    app.add_option("--batch", batch)->check(CLI::Range(1, 100000));
    CLI11_PARSE(app, argc, argv);

    try {
        std::optional<client::TlsOptions> tls;
        if (!ca_file.empty()) {
            tls = client::TlsOptions{.ca_file = ca_file};
        }
        client::Connection connection(host, port, client::Connection::kDefaultTimeout, tls);
        uint64_t bytes = 0;
        uint64_t hits = 0;
        const auto started = std::chrono::steady_clock::now();
        std::string out;
        for (uint64_t first = 0; first < items; first += batch) {
            const uint64_t last = std::min(items, first + batch);
            out.clear();
            for (uint64_t i = first; i < last; ++i) {
                client::Request request;
                request.opcode = mcbp::ClientOpcode::Getq;
                request.key = fmt::format("key:{:012}", i);
                request.vbucket = static_cast<uint16_t>(i % vbuckets);
                request.opaque = static_cast<uint32_t>(i);
                out += client::encode(request);
            }
            client::Request noop;
            noop.opcode = mcbp::ClientOpcode::Noop;
            noop.opaque = 0xffffffff;
            out += client::encode(noop);
            connection.sendRaw(out);
            for (;;) {
                const auto packet = connection.receive(std::chrono::seconds(30));
                if (!packet) {
                    std::fprintf(stderr, "eddy_get_drain: no answer within 30 s\n");
                    return 1;
                }
                if (packet->header.opcode == static_cast<uint8_t>(mcbp::ClientOpcode::Noop)) {
                    break;
                }
                bytes += packet->size();
                ++hits;
            }
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::printf(
            "{\"items\": %llu, \"bytes\": %llu, \"seconds\": %.3f, \"items_per_s\": %.0f, "
            "\"mb_per_s\": %.1f}\n",
            static_cast<unsigned long long>(hits), static_cast<unsigned long long>(bytes), seconds,
            static_cast<double>(hits) / seconds, static_cast<double>(bytes) / seconds / 1e6);
        if (hits != items) {
            std::fprintf(stderr, "eddy_get_drain: %llu of %llu keys missing\n",
                         static_cast<unsigned long long>(items - hits),
                         static_cast<unsigned long long>(items));
            return 1;
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "eddy_get_drain: %s\n", error.what());
        return 1;
    }
    return 0;
}
