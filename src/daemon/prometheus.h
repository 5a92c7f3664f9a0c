// eddy — the Prometheus exporter: the daemon's and the bucket's main counters and gauges over
// HTTP, in the Prometheus text exposition format 0.0.4.
//
// Owns: the formatting (metricName, metricType, isNumber, Exposition), the collection of one
// scrape (collectMetrics) and the HTTP endpoint (HttpServer, libevent's evhttp).
//
// Semantics. `GET /metrics` answers 200 with `text/plain; version=0.0.4`: the daemon's
// counters and gauges (uptime, connections, bytes read and written, would-block count,
// front-end threads) and every numeric pair of the bucket's part of the default STAT group,
// each as `eddy_<stat>` with the stat name reduced to [a-zA-Z0-9_] (anything else becomes
// `_`); non-numeric values (states, versions) are left out, and of two stats with the same
// metric name the first wins. Whether a metric is a counter or a gauge is decided by one rule
// in metricType(); an unknown stat is a gauge. Another path answers 404, another method 405.
// If the bucket answers its statistics with WouldBlock the scrape is not held (the main thread
// never waits): it answers 503, and the next scrape after the notification makes the call again
// (InternalCookie holds the would_block bookkeeping).
//
// Thread contract: the formatting functions are pure and thread-safe. collectMetrics() and
// HttpServer run on the thread that owns the InternalCookie and the event_base: the daemon's
// main thread. The engine is shared and thread-safe; the daemon counters are relaxed atomics.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>

struct evhttp;
struct evhttp_request;
struct event_base;

namespace eddy::daemon {

class InternalCookie;
class Server;

namespace prometheus {

/// The exposition format's content type.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";
/// Prefix of every metric name.
inline constexpr std::string_view kNamePrefix = "eddy_";

enum class MetricType : uint8_t {
    Counter,
    Gauge
};

/// "counter" or "gauge", as the TYPE line spells it.
[[nodiscard]] std::string_view toString(MetricType type);

/// Counter or gauge for the stat named `stat` (the STAT key, not the metric name). The one
/// place that decides it.
[[nodiscard]] MetricType metricType(std::string_view stat);

/// `eddy_` + `stat` with every character outside [a-zA-Z0-9_] replaced by `_`.
[[nodiscard]] std::string metricName(std::string_view stat);

/// True if `value` is a decimal number the exposition format accepts as it is: an optional
/// `-`, digits with an optional fraction, an optional exponent (`1`, `-2.5`, `3e+06`).
[[nodiscard]] bool isNumber(std::string_view value);

/// Builds one exposition: HELP, TYPE and sample line per metric.
class Exposition {
public:
    /// Adds the stat `stat` = `value` if the value is a number, the name is not empty and no
    /// metric of the same name was added before; `help` defaults to one naming the STAT key.
    /// Returns whether it was added.
    bool add(std::string_view stat, std::string_view value, std::string_view help = {});
    [[nodiscard]] const std::string& text() const { return text_; }
    [[nodiscard]] size_t size() const { return names_.size(); }

private:
    std::string text_;
    std::unordered_set<std::string> names_;
};

/// What one scrape answers.
struct ScrapeResult {
    int http_status = 200;
    std::string body;
};

/// Collects one scrape: the daemon's metrics and the bucket's default STAT group, read with
/// `cookie`. 503 (and a one-line reason) if the bucket's answer would block or fails.
[[nodiscard]] ScrapeResult collectMetrics(Server& server, InternalCookie& cookie);

/// The HTTP endpoint on an event_base: `GET /metrics` → scrape(), other paths 404, other
/// methods 405.
class HttpServer {
public:
    using ScrapeFn = std::function<ScrapeResult()>;

    /// Binds `host`:`port` (0 = any free port). Throws std::runtime_error naming the address if
    /// it cannot.
    HttpServer(event_base* base, const std::string& host, uint16_t port, ScrapeFn scrape);
    /// Closes the listener and every open HTTP connection.
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// The bound port.
    [[nodiscard]] uint16_t port() const { return port_; }

private:
    static void onRequest(evhttp_request* request, void* self);
    void handle(evhttp_request* request);

    ScrapeFn scrape_;
    evhttp* http_ = nullptr;
    uint16_t port_ = 0;
};

}  // namespace prometheus
}  // namespace eddy::daemon
