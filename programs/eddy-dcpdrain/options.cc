// eddy-dcpdrain — command-line parsing (see options.h).
#include "options.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace eddy::dcpdrain {

namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

uint16_t parseVbucketId(std::string_view text, std::string_view item) {
    text = trim(text);
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        throw std::invalid_argument(fmt::format("'{}' is not a vbucket id or range", item));
    }
    if (value > 65535) {
        throw std::invalid_argument(fmt::format("'{}': vbucket ids end at 65535", item));
    }
    return static_cast<uint16_t>(value);
}

}  // namespace

std::vector<uint16_t> parseVbucketList(std::string_view text) {
    std::vector<uint16_t> vbuckets;
    if (trim(text).empty()) {
        throw std::invalid_argument("empty vbucket list");
    }
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) {
            comma = text.size();
        }
        const std::string_view item = trim(text.substr(start, comma - start));
        if (item.empty()) {
            throw std::invalid_argument("empty item in the vbucket list");
        }
        const size_t dash = item.find('-');
        if (dash == std::string_view::npos) {
            vbuckets.push_back(parseVbucketId(item, item));
        } else {
            const uint16_t first = parseVbucketId(item.substr(0, dash), item);
            const uint16_t last = parseVbucketId(item.substr(dash + 1), item);
            if (last < first) {
                throw std::invalid_argument(
                    fmt::format("'{}': the range ends before it starts", item));
            }
            for (uint32_t vbucket = first; vbucket <= last; ++vbucket) {
                vbuckets.push_back(static_cast<uint16_t>(vbucket));
            }
        }
        start = comma + 1;
    }
    std::sort(vbuckets.begin(), vbuckets.end());
    vbuckets.erase(std::unique(vbuckets.begin(), vbuckets.end()), vbuckets.end());
    return vbuckets;
}

std::optional<int> parseCommandLine(int argc, const char* const* argv, Options& options) {
    CLI::App app{
        "eddy-dcpdrain: opens a DCP producer on an eddy server and "
        "drains its vbucket streams, reporting items and throughput"};
    // -h is the server, as in the other memcached tools; help is --help only.
    app.set_help_flag("--help", "print this help and exit");
    std::string server = "127.0.0.1:11210";
    std::string vbuckets;
    int64_t buffer_size = kDefaultBufferSize;
    int64_t noop_interval = -1;
    app.add_option("-h,--host", server, "server as host:port (default 127.0.0.1:11210)");
    tools::addLoginOptions(app, options.login);
    tools::TlsFlags tls;
    tools::addTlsOptions(app, tls);
    app.add_option("--name", options.name, "DCP connection name (default eddy-dcpdrain:<pid>)");
    const CLI::Option* vbuckets_option = app.add_option(
        "--vbuckets", vbuckets, "vbuckets to drain, e.g. 0,1,5-9 (default: every active vbucket)");
    app.add_option("--buffer-size", buffer_size,
                   fmt::format("flow-control window in bytes, 0 = no flow control (default {})",
                               kDefaultBufferSize))
        ->check(CLI::Range(int64_t{0}, int64_t{0xffffffff}));
    app.add_option("--noop-interval", noop_interval,
                   "enable DCP noops, sent by the server every S seconds of silence")
        ->check(CLI::Range(int64_t{1}, int64_t{0xffffffff}));
    app.add_flag("--no-value", options.no_value, "ask for keys and metadata only");
    app.add_flag("--forever", options.forever,
                 "keep the streams open for new mutations until interrupted");
    app.add_option("--positions", options.positions_file,
                   "JSON file to resume from (if it exists) and to save the positions reached "
                   "(at the end and on SIGINT)");
    app.add_flag("--json", options.json, "print the summary as one JSON object");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return code == 0 ? 0 : 2;
    }
    try {
        options.server = client::parseEndpoint(server);
    } catch (const std::invalid_argument& error) {
        std::fprintf(stderr, "eddy-dcpdrain: -h %s\n", error.what());
        return 2;
    }
    try {
        options.tls = tools::resolveTls(tls);
        tools::resolveLogin(options.login);
    } catch (const tools::UsageError& error) {
        std::fprintf(stderr, "eddy-dcpdrain: %s\n", error.what());
        return 2;
    }
    if (vbuckets_option->count() > 0) {
        try {
            options.vbuckets = parseVbucketList(vbuckets);
        } catch (const std::invalid_argument& error) {
            std::fprintf(stderr, "eddy-dcpdrain: --vbuckets: %s\n", error.what());
            return 2;
        }
    }
    options.buffer_size = static_cast<uint32_t>(buffer_size);
    if (noop_interval > 0) {
        options.noop_interval = static_cast<uint32_t>(noop_interval);
    }
    return std::nullopt;
}

}  // namespace eddy::dcpdrain
