// eddy — the Prometheus exporter (prometheus.h): formatting, one scrape's collection, and the
// evhttp endpoint on the main thread's event_base.
#include "daemon/prometheus.h"

#include "common/errno_string.h"
#include "daemon/internal_cookie.h"
#include "daemon/server.h"
#include "eddy/engine_iface.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <utility>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>

namespace eddy::daemon::prometheus {

namespace {

using namespace std::string_view_literals;

// The counter/gauge rule. A counter only grows while the process runs (STAT reset and a restart
// aside: Prometheus's rate() handles a counter that drops to zero). Everything else, including
// any numeric stat not matched here, is a gauge.
constexpr std::array kCounterPrefixes = {"cmd_"sv, "total_"sv, "bytes_"sv};
constexpr std::array kCounterSuffixes = {"_hits"sv, "_misses"sv, "_badval"sv, "_runs"sv};
constexpr std::array kCounterNames = {
    "uptime"sv,
    "expired_items"sv,
    "ep_expired_access"sv,
    "ep_total_persisted"sv,
    "ep_flusher_commits"sv,
    "ep_flusher_failed_commits"sv,
    "ep_bg_fetches"sv,
    "ep_bg_fetched"sv,
    "ep_compactions"sv,
    "ep_tombstones_purged"sv,
    "ep_tombstones_purged_on_disk"sv,
    "ep_items_rm_from_checkpoints"sv,
    "ep_items_expelled_from_checkpoints"sv,
    "ep_cursors_dropped"sv,
    "ep_num_value_ejects"sv,
    "ep_tmp_oom_errors"sv,
    "ep_oom_errors"sv,
    "ep_num_not_my_vbuckets"sv,
    "vb_active_auto_delete_count"sv,
};

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

bool isNameChar(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/// Skips digits from `at`; returns how many.
size_t skipDigits(std::string_view text, size_t& at) {
    const size_t start = at;
    while (at < text.size() && isDigit(text[at])) {
        ++at;
    }
    return at - start;
}

/// HELP text with `\` and newlines escaped, as the format requires.
void appendEscapedHelp(std::string& out, std::string_view help) {
    for (const char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

/// Every method evhttp can parse, so that each reaches onRequest and gets 405 rather than
/// evhttp's own 501.
constexpr uint16_t kAllMethods = EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                 EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                 EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH;
/// A scraper sends a short request; anything bigger is refused by evhttp.
constexpr ev_ssize_t kMaxHeadersSize = 16 * 1024;
constexpr ev_ssize_t kMaxBodySize = 4 * 1024;
constexpr int kTimeoutSeconds = 30;

void reply(evhttp_request* request, int code, const char* reason, std::string_view body,
           std::string_view content_type) {
    evkeyvalq* headers = evhttp_request_get_output_headers(request);
    evhttp_add_header(headers, "Content-Type", std::string(content_type).c_str());
    evbuffer* buffer = evbuffer_new();
    evbuffer_add(buffer, body.data(), body.size());
    evhttp_send_reply(request, code, reason, buffer);
    evbuffer_free(buffer);
}

const char* reasonPhrase(int code) {
    switch (code) {
    case 200: return "OK";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
    }
}

}  // namespace

std::string_view toString(MetricType type) {
    return type == MetricType::Counter ? "counter" : "gauge";
}

MetricType metricType(std::string_view stat) {
    const bool counter =
        std::any_of(kCounterPrefixes.begin(), kCounterPrefixes.end(),
                    [stat](std::string_view prefix) { return stat.starts_with(prefix); }) ||
        std::any_of(kCounterSuffixes.begin(), kCounterSuffixes.end(),
                    [stat](std::string_view suffix) { return stat.ends_with(suffix); }) ||
        std::find(kCounterNames.begin(), kCounterNames.end(), stat) != kCounterNames.end();
    return counter ? MetricType::Counter : MetricType::Gauge;
}

std::string metricName(std::string_view stat) {
    std::string name(kNamePrefix);
    name.reserve(kNamePrefix.size() + stat.size());
    for (const char c : stat) {
        name += isNameChar(c) ? c : '_';
    }
    return name;
}

bool isNumber(std::string_view value) {
    size_t at = 0;
    if (at < value.size() && value[at] == '-') {
        ++at;
    }
    size_t digits = skipDigits(value, at);
    if (at < value.size() && value[at] == '.') {
        ++at;
        digits += skipDigits(value, at);
    }
    if (digits == 0) {
        return false;
    }
    if (at < value.size() && (value[at] == 'e' || value[at] == 'E')) {
        ++at;
        if (at < value.size() && (value[at] == '+' || value[at] == '-')) {
            ++at;
        }
        if (skipDigits(value, at) == 0) {
            return false;
        }
    }
    return at == value.size();
}

bool Exposition::add(std::string_view stat, std::string_view value, std::string_view help) {
    if (stat.empty() || !isNumber(value)) {
        return false;
    }
    std::string name = metricName(stat);
    if (!names_.insert(name).second) {
        return false;
    }
    text_ += "# HELP ";
    text_ += name;
    text_ += ' ';
    if (help.empty()) {
        appendEscapedHelp(text_, fmt::format("STAT {} (default group)", stat));
    } else {
        appendEscapedHelp(text_, help);
    }
    text_ += "\n# TYPE ";
    text_ += name;
    text_ += ' ';
    text_ += toString(metricType(stat));
    text_ += '\n';
    text_ += name;
    text_ += ' ';
    text_ += value;
    text_ += '\n';
    return true;
}

ScrapeResult collectMetrics(Server& server, InternalCookie& cookie) {
    if (cookie.awaitingNotification()) {
        return {503,
                "the bucket is still collecting its statistics for an earlier scrape; "
                "retry\n"};
    }
    // Success: the engine expects the blocked call again, which is the call below. Another
    // status ended that call (its scrape was answered 503 already); a fresh call follows.
    static_cast<void>(cookie.takeNotification());

    // The bucket "default" is reported. It is held only while this scrape needs it, or until
    // the next scrape if its engine collects in the background (the blocked call goes to the
    // same engine again); a bucket being deleted waits for that.
    Bucket::Use& bucket = server.metricsBucket();
    if (!bucket) {
        bucket = Bucket::Use(server.buckets().find("default"));
    }
    std::vector<std::pair<std::string, std::string>> bucket_stats;
    if (bucket) {
        const Status status = bucket->engine().getStats(
            cookie, statGroupInfo(StatGroupId::Default), StatArgs{},
            [&bucket_stats](std::string_view key, std::string_view value) {
                bucket_stats.emplace_back(key, value);
            });
        if (status == Status::WouldBlock) {
            cookie.setBlocked();
            return {503, "the bucket is collecting its statistics in the background; retry\n"};
        }
        bucket.reset();
        if (status != Status::Success) {
            return {503, fmt::format("the bucket answered '{}' for its statistics\n",
                                     eddy::toString(status))};
        }
    }

    Exposition out;
    auto add = [&out](std::string_view stat, uint64_t value, std::string_view help) {
        out.add(stat, fmt::format("{}", value), help);
    };
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - server.startTime());
    const ServerStats& stats = server.stats();
    const FrontEndTotals totals = server.frontEndTotals();
    add("uptime", static_cast<uint64_t>(uptime.count()), "Seconds since the server started.");
    add("curr_connections", stats.curr_connections.load(std::memory_order_relaxed),
        "Open client connections.");
    add("total_connections", stats.total_connections.load(std::memory_order_relaxed),
        "Client connections accepted (since start or the last STAT reset).");
    add("bytes_read", totals.bytes_read, "Bytes read from client connections.");
    add("bytes_written", totals.bytes_written, "Bytes written to client connections.");
    add("cmd_would_block", totals.would_block, "Commands whose engine call returned would_block.");
    add("threads", server.threadCount(), "Front-end threads.");
    for (const auto& [key, value] : bucket_stats) {
        out.add(key, value);
    }
    return {200, out.text()};
}

HttpServer::HttpServer(event_base* base, const std::string& host, uint16_t port, ScrapeFn scrape)
    : scrape_(std::move(scrape)), http_(evhttp_new(base)) {
    if (http_ == nullptr) {
        throw std::runtime_error("cannot create the Prometheus HTTP server");
    }
    evhttp_set_allowed_methods(http_, kAllMethods);
    evhttp_set_max_headers_size(http_, kMaxHeadersSize);
    evhttp_set_max_body_size(http_, kMaxBodySize);
    evhttp_set_timeout(http_, kTimeoutSeconds);
    evhttp_set_gencb(http_, &HttpServer::onRequest, this);
    errno = 0;
    evhttp_bound_socket* bound =
        evhttp_bind_socket_with_handle(http_, host.empty() ? nullptr : host.c_str(), port);
    if (bound == nullptr) {
        const int error = errno;
        evhttp_free(http_);
        throw std::runtime_error(fmt::format("cannot listen for Prometheus scrapes on {}:{}: {}",
                                             host, port,
                                             error != 0 ? errnoString(error) : "bind failed"));
    }
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (getsockname(evhttp_bound_socket_get_fd(bound), reinterpret_cast<sockaddr*>(&address),
                    &length) == 0) {
        if (address.ss_family == AF_INET6) {
            port_ = ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
        } else {
            port_ = ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
        }
    }
}

HttpServer::~HttpServer() {
    evhttp_free(http_);
}

void HttpServer::onRequest(evhttp_request* request, void* self) {
    static_cast<HttpServer*>(self)->handle(request);
}

void HttpServer::handle(evhttp_request* request) {
    constexpr std::string_view kText = "text/plain; charset=utf-8";
    if (evhttp_request_get_command(request) != EVHTTP_REQ_GET) {
        evhttp_add_header(evhttp_request_get_output_headers(request), "Allow", "GET");
        reply(request, 405, reasonPhrase(405), "only GET is served\n", kText);
        return;
    }
    const evhttp_uri* uri = evhttp_request_get_evhttp_uri(request);
    const char* path = uri != nullptr ? evhttp_uri_get_path(uri) : nullptr;
    if (path == nullptr || std::string_view(path) != "/metrics") {
        reply(request, 404, reasonPhrase(404), "not found; the metrics are at /metrics\n", kText);
        return;
    }
    ScrapeResult result;
    try {
        result = scrape_();
    } catch (const std::exception& error) {
        spdlog::error("Prometheus scrape failed: {}", error.what());
        result = {500, "the scrape failed\n"};
    }
    if (result.http_status == 200) {
        reply(request, 200, reasonPhrase(200), result.body, kContentType);
    } else {
        reply(request, result.http_status, reasonPhrase(result.http_status), result.body, kText);
    }
}

}  // namespace eddy::daemon::prometheus
