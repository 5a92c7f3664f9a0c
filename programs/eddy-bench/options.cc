// eddy-bench — command-line parsing (options.h).
#include "options.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <stdexcept>

namespace eddy::bench {

namespace {

constexpr std::string_view kTool = "eddy-bench";

/// Zipfian set-up computes zeta over every key (about 30 ms per million).
constexpr uint64_t kMaxZipfianKeys = 100'000'000;

/// One server's endpoint, with the name reports use.
Target targetOf(const std::string& text) {
    Target target;
    target.endpoint = tools::parseServer(text);
    target.name = text;
    return target;
}

}  // namespace

std::chrono::milliseconds parseDuration(std::string_view text, std::string_view what) {
    uint64_t number = 0;
    const char* end = text.data() + text.size();
    const auto [rest, error] = std::from_chars(text.data(), end, number);
    const std::string_view unit(rest, static_cast<size_t>(end - rest));
    uint64_t millis_per_unit = 0;
    if (unit.empty() || unit == "s") {
        millis_per_unit = 1000;
    } else if (unit == "ms") {
        millis_per_unit = 1;
    } else if (unit == "m") {
        millis_per_unit = 60'000;
    } else if (unit == "h") {
        millis_per_unit = 3'600'000;
    }
    constexpr uint64_t kMaxMillis = uint64_t{7} * 24 * 3'600'000;  // a week
    if (text.empty() || error != std::errc() || millis_per_unit == 0 ||
        number > kMaxMillis / millis_per_unit) {
        throw tools::UsageError(
            fmt::format("{}: '{}' is not a duration such as 500ms, 10s, 2m or 1h (a week at most)",
                        what, text));
    }
    return std::chrono::milliseconds(number * millis_per_unit);
}

std::optional<int> parseCommandLine(int argc, const char* const* argv, Options& options,
                                    std::ostream& out, std::ostream& err) {
    CLI::App app{
        "eddy-bench: a pipelined, multi-threaded load generator for MCBP servers (eddyd, "
        "memcached); reports ops/s, latency percentiles, errors and the server's CPU per op"};
    std::string server(tools::kDefaultServer);
    tools::configureApp(app, server);
    Target first;
    tools::addLoginOptions(app, first.login);
    app.add_option("--bucket", first.bucket, "bucket to select after logging in (default default)");
    app.add_option("--pid", first.pid, "the server's process id: report its CPU time per op");
    std::string compare;
    Target second;
    app.add_option("--compare", compare,
                   "a second server as host:port: run A, B, A, B, ... (--rounds pairs) and "
                   "print the ratios");
    app.add_option("--compare-user", second.login.user, "user for the second server");
    app.add_option("--compare-password", second.login.password, "its password");
    app.add_option("--compare-bucket", second.bucket, "its bucket (default default)");
    app.add_option("--compare-pid", second.pid, "the second server's process id");
    app.add_option("--rounds", options.rounds, "A/B pairs with --compare (default 3)")
        ->check(CLI::Range(1, 100));

    app.add_option("-t,--threads", options.threads, "load threads (default 2)")
        ->check(CLI::Range(1, 256));
    app.add_option("-c,--connections", options.connections,
                   "connections in total, spread over the threads (default 16)")
        ->check(CLI::Range(1, 100'000));
    app.add_option("-d,--depth", options.depth,
                   "requests in flight on each connection (default 1: no pipelining)")
        ->check(CLI::Range(1, 4096));
    std::string mix = "90:10";
    app.add_option("--mix", mix, "get:set or get:set:delete weights (default 90:10)");
    app.add_option("--keys", options.workload.keys, "key space (default 100000)")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000'000'000}));
    app.add_option("--key-prefix", options.key_prefix, "key prefix (default eddy-bench:)");
    std::string distribution = "uniform";
    app.add_option("--distribution", distribution, "uniform or zipfian (default uniform)")
        ->check(CLI::IsMember({"uniform", "zipfian"}));
    app.add_option("--zipf-theta", options.zipf_theta,
                   "zipfian skew, between 0 and 1 exclusive (default 0.99, as YCSB)")
        ->check(CLI::Range(0.01, 0.999));
    std::string value_size = "100";
    app.add_option("--value-size", value_size,
                   "value bytes, fixed (100) or uniform in a range (10-1000); default 100");
    app.add_option("--vbuckets", options.vbuckets,
                   "route keys over N vbuckets by CRC-32 as the Couchbase SDKs do; 0 = all to "
                   "vbucket 0 (default 1024)")
        ->check(CLI::Range(0, 1024));
    std::string duration = "10s";
    app.add_option("--duration", duration, "measured time per run, e.g. 30s or 2m (default 10s)");
    app.add_option("--ops", options.ops, "measured operations per run instead of a duration")
        ->check(CLI::Range(uint64_t{0}, uint64_t{1'000'000'000'000}));
    std::string warmup = "1s";
    app.add_option("--warmup", warmup, "load before measuring, not counted (default 1s)");
    bool no_populate = false;
    app.add_flag("--no-populate", no_populate,
                 "do not store every key once before the first run (GETs may then miss)");
    app.add_option("--json", options.json_path,
                   "write the result as JSON to FILE ('-' = standard output)");
    bool quiet = false;
    app.add_flag("-q,--quiet", quiet, "no progress line");
    app.add_option("--seed", options.seed, "random seed (default 1)");

    if (const std::optional<int> exit = tools::parseApp(app, argc, argv, out, err)) {
        return exit;
    }
    try {
        first.endpoint = tools::parseServer(server);
        first.name = server;
        tools::resolveLogin(first.login);
        options.targets.push_back(first);
        if (!compare.empty()) {
            Target b = targetOf(compare);
            b.login = second.login;
            b.bucket = second.bucket;
            b.pid = second.pid;
            if (!b.login.user.empty() && b.login.password.empty()) {
                throw tools::UsageError("--compare-user needs --compare-password");
            }
            options.targets.push_back(b);
        }
        options.workload.mix = parseOpMix(mix);
        options.workload.values = parseValueSizes(value_size);
        options.workload.distribution =
            distribution == "zipfian" ? KeyDistribution::Zipfian : KeyDistribution::Uniform;
        if (options.workload.distribution == KeyDistribution::Zipfian &&
            (options.workload.keys < 2 || options.workload.keys > kMaxZipfianKeys)) {
            throw tools::UsageError(fmt::format(
                "--distribution zipfian needs --keys from 2 to {} (its set-up sums over every key)",
                kMaxZipfianKeys));
        }
        options.duration = parseDuration(duration, "--duration");
        options.warmup = parseDuration(warmup, "--warmup");
        if (options.ops == 0 && options.duration.count() == 0) {
            throw tools::UsageError("--duration must be above 0 (or give --ops)");
        }
        if (options.connections < options.threads) {
            throw tools::UsageError(
                fmt::format("--connections {} is fewer than --threads {}: every thread needs one",
                            options.connections, options.threads));
        }
    } catch (const std::invalid_argument& error) {  // tools::UsageError included
        err << kTool << ": " << error.what() << "\n";
        return tools::kExitUsage;
    }
    options.populate = !no_populate;
    options.progress = !quiet;
    return std::nullopt;
}

}  // namespace eddy::bench
