// eddy — sub-document throughput next to whole-document GET and SET of the same documents.
//
// Stores --docs JSON documents of about 1 KiB ("doc:%06d", document i in vbucket i % 1024), then
// runs each operation below --rounds times, alternating between them so that drift on the
// machine hits all alike, each run --ops requests pipelined --batch at a time over one
// connection:
//   get             GET of the whole document
//   subdoc_get      SUBDOC_GET of one path (address.city)
//   multi_lookup    SUBDOC_MULTI_LOOKUP of three paths
//   set             SET of the whole document
//   subdoc_upsert   SUBDOC_DICT_UPSERT of one path (address.zip)
//   subdoc_counter  SUBDOC_COUNTER on one path (visits)
//   multi_mutation  SUBDOC_MULTI_MUTATION: an upsert and a counter
// Prints a table (mean ops/s per operation, and the ratio to GET for lookups, to SET for
// mutations) and, with --json FILE, the means as JSON. Any status but Success is an error
// (exit 1).
//
//   eddy_subdoc_bench --port P [--host H] [--docs N] [--ops N] [--batch K] [--rounds R]
//                     [--json FILE]
#include "client/connection.h"
#include "eddy/types.h"
#include "protocol/encode.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

using eddy::client::Connection;
using eddy::client::Request;
using eddy::mcbp::ClientOpcode;

struct Operation {
    std::string name;
    bool lookup;
    /// The request for document `i`.
    Request (*make)(uint64_t i);
};

std::string keyOf(uint64_t i) {
    return fmt::format("doc:{:06}", i);
}

std::string documentOf(uint64_t i) {
    return fmt::format(
        R"({{"name":"user {}","email":"user{}@example.com","tags":["a","b","c","d"],)"
        R"("address":{{"street":"{} Main Street","city":"Oslo","country":"NO"}},"visits":0,)"
        R"("bio":"{}"}})",
        i, i, i, std::string(800, 'x'));
}

Request base(ClientOpcode opcode, uint64_t i) {
    Request request;
    request.opcode = opcode;
    request.key = keyOf(i);
    request.vbucket = static_cast<uint16_t>(i % 1024);
    return request;
}

Request single(ClientOpcode opcode, uint64_t i, std::string_view path, std::string_view value) {
    Request request = base(opcode, i);
    eddy::mcbp::appendUint16(request.extras, static_cast<uint16_t>(path.size()));
    request.extras.push_back('\0');
    request.value = std::string(path) + std::string(value);
    return request;
}

void appendLookupSpec(std::string& body, ClientOpcode opcode, std::string_view path) {
    body.push_back(static_cast<char>(opcode));
    body.push_back('\0');
    eddy::mcbp::appendUint16(body, static_cast<uint16_t>(path.size()));
    body += path;
}

void appendMutationSpec(std::string& body, ClientOpcode opcode, std::string_view path,
                        std::string_view value) {
    body.push_back(static_cast<char>(opcode));
    body.push_back('\0');
    eddy::mcbp::appendUint16(body, static_cast<uint16_t>(path.size()));
    eddy::mcbp::appendUint32(body, static_cast<uint32_t>(value.size()));
    body += path;
    body += value;
}

Request setOf(uint64_t i) {
    Request request = base(ClientOpcode::Set, i);
    request.extras.assign(8, '\0');
    request.value = documentOf(i);
    request.datatype = eddy::datatype::kJson;
    return request;
}

const std::vector<Operation> kOperations = {
    {"get", true, [](uint64_t i) { return base(ClientOpcode::Get, i); }},
    {"subdoc_get", true,
     [](uint64_t i) { return single(ClientOpcode::SubdocGet, i, "address.city", ""); }},
    {"multi_lookup", true,
     [](uint64_t i) {
         Request request = base(ClientOpcode::SubdocMultiLookup, i);
         appendLookupSpec(request.value, ClientOpcode::SubdocGet, "name");
         appendLookupSpec(request.value, ClientOpcode::SubdocGet, "address.city");
         appendLookupSpec(request.value, ClientOpcode::SubdocGetCount, "tags");
         return request;
     }},
    {"set", false, setOf},
    {"subdoc_upsert", false,
     [](uint64_t i) {
         return single(ClientOpcode::SubdocDictUpsert, i, "address.zip", R"("0150")");
     }},
    {"subdoc_counter", false,
     [](uint64_t i) { return single(ClientOpcode::SubdocCounter, i, "visits", "1"); }},
    {"multi_mutation", false,
     [](uint64_t i) {
         Request request = base(ClientOpcode::SubdocMultiMutation, i);
         appendMutationSpec(request.value, ClientOpcode::SubdocDictUpsert, "address.zip",
                            R"("0151")");
         appendMutationSpec(request.value, ClientOpcode::SubdocCounter, "visits", "1");
         return request;
     }},
};

/// Sends `ops` requests of `operation` in pipelined batches; returns ops/s, or -1 on an error.
double run(Connection& connection, const Operation& operation, uint64_t docs, uint64_t ops,
           uint64_t batch) {
    const auto started = std::chrono::steady_clock::now();
    std::string out;
    for (uint64_t first = 0; first < ops; first += batch) {
        const uint64_t last = std::min(ops, first + batch);
        out.clear();
        for (uint64_t n = first; n < last; ++n) {
            Request request = operation.make(n % docs);
            request.opaque = static_cast<uint32_t>(n);
            out += eddy::client::encode(request);
        }
        connection.sendRaw(out);
        for (uint64_t n = first; n < last; ++n) {
            const auto response = connection.receive(Connection::kDefaultTimeout);
            if (!response || response->status() != eddy::mcbp::ResponseStatus::Success) {
                std::fprintf(stderr, "%s: request %llu failed\n", operation.name.c_str(),
                             static_cast<unsigned long long>(n));
                return -1;
            }
        }
    }
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - started;
    return static_cast<double>(ops) / seconds.count();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Sub-document throughput next to GET and SET"};
    std::string host = "127.0.0.1";
    uint16_t port = 0;
    uint64_t docs = 1000;
    uint64_t ops = 200'000;
    uint64_t batch = 100;
    int rounds = 3;
    std::string json_file;
    app.add_option("--host", host);
    app.add_option("--port", port)->required();
    app.add_option("--docs", docs)->check(CLI::Range(1, 1'000'000));
    app.add_option("--ops", ops)->check(CLI::Range(1, 100'000'000));
    app.add_option("--batch", batch)->check(CLI::Range(1, 10'000));
    app.add_option("--rounds", rounds)->check(CLI::Range(1, 100));
    app.add_option("--json", json_file, "also write the means as JSON to this file");
    CLI11_PARSE(app, argc, argv);

    try {
        Connection connection(host, port, Connection::kDefaultTimeout);
        connection.hello({eddy::mcbp::Feature::Json}, "eddy_subdoc_bench");
        connection.authenticate("Administrator", "password");
        connection.selectBucket("default");
        std::fprintf(stderr, "storing %llu documents\n", static_cast<unsigned long long>(docs));
        const Operation store{"store", false, setOf};
        if (run(connection, store, docs, docs, batch) < 0) {
            return 1;
        }
        std::map<std::string, double> sums;
        for (int round = 1; round <= rounds; ++round) {
            for (const Operation& operation : kOperations) {
                const double rate = run(connection, operation, docs, ops, batch);
                if (rate < 0) {
                    return 1;
                }
                std::fprintf(stderr, "round %d/%d %-15s %10.0f ops/s\n", round, rounds,
                             operation.name.c_str(), rate);
                sums[operation.name] += rate;
            }
        }
        std::string json = "{";
        std::printf("| operation | ops/s | ratio |\n|---|---|---|\n");
        for (const Operation& operation : kOperations) {
            const double mean = sums[operation.name] / rounds;
            const double reference = sums[operation.lookup ? "get" : "set"] / rounds;
            std::printf("| %s | %.0f | %.2f of %s |\n", operation.name.c_str(), mean,
                        mean / reference, operation.lookup ? "GET" : "SET");
            json +=
                fmt::format("{}\"{}\":{:.0f}", json.size() > 1 ? "," : "", operation.name, mean);
        }
        json += "}";
        if (!json_file.empty()) {
            std::ofstream(json_file) << json << '\n';
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "eddy_subdoc_bench: %s\n", error.what());
        return 1;
    }
    return 0;
}
