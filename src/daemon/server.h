// eddy — the daemon: settings, the bucket's engine, the listener and the front-end threads.
//
// Owns: Server, which implements ServerApi (the engine's way back to the front end) and runs the
// main thread: it listens, hands each accepted socket to the next FrontEnd (round-robin), and
// on SIGTERM/SIGINT stops accepting, closes every connection (waiting for blocked commands'
// notifications), joins the threads and destroys the engine.
//
// notifyIoComplete never touches the cookie or its connection: it posts (cookie, status) to the
// cookie's front-end thread, which applies it (ARCHITECTURE.md §1). scheduleDcpStep is the same
// but posts only the connection id: FrontEnd::stepDcp finds the connection on its own thread
// (or not, if it has gone since) and steps its producer. Both read nothing but the cookie's
// immutable connection pointer and that connection's immutable front end and id. An engine may
// call scheduleDcpStep only until EngineIface::disconnect(cookie) has returned;
// Connection::close calls disconnect before the connection can be destroyed, so the pointer
// read is always to a live connection.
//
// With a TLS certificate configured, a second listener (tls_port, default 11207) accepts TLS
// connections; they are handed to the same front ends and run the same Connection code over a
// TLS transport. SSL_CERTS_REFRESH reloads the certificate and key for new connections.
//
// With prometheus_port set, the main thread also serves `GET /metrics` (prometheus.h) on its own
// event_base, reading the engine with the server's InternalCookie; a notification for that
// cookie is handed to it rather than to a front end. The HTTP server goes first at shutdown,
// before the front ends and the engine; the cookie last, after the engine, since it must outlive
// every notification it is owed.
//
// Thread contract: run() on the main thread; notifyIoComplete(), scheduleDcpStep() and
// requestShutdown() from any thread; settings() is immutable; stats() are relaxed atomics.
#pragma once

#include "common/histogram.h"
#include "daemon/access_setup.h"
#include "daemon/bucket_manager.h"
#include "daemon/cluster_config.h"
#include "daemon/internal_cookie.h"
#include "daemon/no_bucket_engine.h"
#include "daemon/settings.h"
#include "eddy/engine_iface.h"
#include "executor/taskable.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct event;
struct event_base;

namespace eddy::net {
class Listener;
}

namespace eddy::security {
class TlsServerContext;
}

namespace eddy::executor {
class ExecutorPool;
}

namespace eddy::daemon {

class FrontEnd;

namespace prometheus {
class HttpServer;
}

/// Daemon-wide connection counters for the default STAT group (per-thread I/O counters live in
/// FrontEndStats).
struct ServerStats {
    std::atomic<uint64_t> curr_connections{0};
    std::atomic<uint64_t> total_connections{0};
};

/// The sum of every front-end thread's counters.
struct FrontEndTotals {
    uint64_t bytes_read = 0;
    uint64_t bytes_written = 0;
    uint64_t would_block = 0;
    uint64_t cookies_blocked_too_long = 0;
    uint64_t tls_handshake_failures = 0;
};

class Server final : public ServerApi {
public:
    explicit Server(Settings settings);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Listens, serves until a shutdown request, shuts down. Returns the process exit code.
    int run();

    /// Starts an orderly shutdown. Any thread (also used by the signal handler).
    void requestShutdown();

    [[nodiscard]] const Settings& settings() const { return settings_; }
    /// The engine of connections without a bucket.
    [[nodiscard]] EngineIface& noBucket() { return no_bucket_; }
    /// The buckets. Thread-safe.
    [[nodiscard]] BucketManager& buckets() const { return *buckets_; }
    /// The bucket whose statistics the Prometheus endpoint reports while a scrape of it is
    /// blocked in its engine (main thread only; see prometheus.h).
    [[nodiscard]] Bucket::Use& metricsBucket() { return metrics_bucket_; }
    /// Users, passwords and privileges. Thread-safe.
    [[nodiscard]] security::AccessControl& access() const { return *access_.access; }
    [[nodiscard]] security::AuditLog& audit() const { return *access_.audit; }
    [[nodiscard]] const UnauthenticatedAccess& unauthenticated() const {
        return access_.unauthenticated;
    }
    /// The TLS listener's certificate and key; null when TLS is not configured. Thread-safe.
    [[nodiscard]] security::TlsServerContext* tls() const { return tls_.get(); }
    /// How clients reach this node; set once the listeners are bound, before the first
    /// connection is accepted (so every front-end thread reads it after it was written).
    [[nodiscard]] const NodeServices& node() const { return node_; }
    /// The global cluster map (bucket-less connections). Thread-safe.
    [[nodiscard]] ClusterConfig& globalConfig() { return global_config_; }
    /// The cluster map of `bucket` (the global one if empty) may have changed (a vbucket state,
    /// an installed configuration): every front-end thread pushes the new one to its
    /// subscribed connections in that bucket (or without one). Any thread.
    void announceClusterConfig(const std::string& bucket);
    /// The executor, for the daemon's own background work (SASL) under daemonTaskable().
    [[nodiscard]] executor::ExecutorPool& executor() const { return *executor_; }
    [[nodiscard]] executor::Taskable& daemonTaskable() { return daemon_taskable_; }
    [[nodiscard]] ServerStats& stats() { return stats_; }
    [[nodiscard]] size_t threadCount() const { return front_ends_.size(); }
    /// Sums the front-end threads' counters. Any thread while the server runs.
    [[nodiscard]] FrontEndTotals frontEndTotals() const;
    /// `opcode`'s command latencies over every front-end thread; false if it never ran.
    /// Any thread while the server runs.
    bool commandTimings(uint8_t opcode, HistogramSnapshot& out) const;
    /// Clears every thread's command latencies (STAT reset).
    void resetCommandTimings();
    /// Calls `visit` for every front end (they live as long as the server runs). Any thread.
    void forEachFrontEnd(const std::function<void(FrontEnd&)>& visit);
    [[nodiscard]] std::chrono::steady_clock::time_point startTime() const { return start_time_; }

    void notifyIoComplete(CookieIface& cookie, Status status) override;
    void scheduleDcpStep(CookieIface& cookie) override;

private:
    static void onSignal(int signal, short events, void* self);
    static void onShutdownRequest(int fd, short events, void* self);
    static void onReadyCheck(int fd, short events, void* self);
    /// Hands an accepted socket to the next front end; `tls` for the TLS listener's.
    void accept(int fd, bool tls);
    /// Writes `port` to `path` (nothing if `path` is empty).
    static void writePortFile(const std::string& path, uint16_t port);
    /// Starts the Prometheus endpoint if prometheus_port is set.
    void startPrometheus();
    /// Starts the TLS listener if a certificate is configured.
    void startTlsListener();
    void shutdown();

    const Settings settings_;
    const std::chrono::steady_clock::time_point start_time_;
    /// Users, privileges, audit log and unauthenticated access; set up before anything listens.
    const AccessSetup access_;
    /// Loaded before anything listens, so a bad certificate stops the start.
    std::unique_ptr<security::TlsServerContext> tls_;
    NoBucketEngine no_bucket_;
    NodeServices node_;
    ClusterConfig global_config_{""};
    /// Owner of the daemon's own tasks (SASL steps) on the executor.
    executor::NamedTaskable daemon_taskable_{"daemon"};
    ServerStats stats_;
    /// The daemon's own cookie (Prometheus scrapes), owned by the main thread. Declared before
    /// executor_ and engine_ so it outlives every notification they may still deliver to it.
    InternalCookie internal_cookie_;
    /// Background tasks of the buckets; declared before buckets_ so it outlives them.
    std::unique_ptr<executor::ExecutorPool> executor_;
    std::unique_ptr<BucketManager> buckets_;
    Bucket::Use metrics_bucket_;
    event_base* main_base_ = nullptr;
    std::vector<event*> signal_events_;
    event* shutdown_event_ = nullptr;
    /// Polls the bucket until it is ready, then writes the port file; null afterwards.
    event* ready_timer_ = nullptr;
    int shutdown_fd_ = -1;
    std::unique_ptr<net::Listener> listener_;
    /// Null when TLS is not configured.
    std::unique_ptr<net::Listener> tls_listener_;
    /// The Prometheus endpoint on main_base_; null when prometheus_port is not set.
    std::unique_ptr<prometheus::HttpServer> prometheus_;
    std::vector<std::unique_ptr<FrontEnd>> front_ends_;
    size_t next_front_end_ = 0;
    std::atomic<uint64_t> next_connection_id_{1};
};

}  // namespace eddy::daemon
