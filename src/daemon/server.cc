#include "daemon/server.h"

#include "daemon/connection.h"
#include "daemon/cookie.h"
#include "daemon/front_end.h"
#include "daemon/prometheus.h"
#include "executor/executor_pool.h"
#include "net/listener.h"
#include "security/tls.h"

#include <event2/event.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <sys/eventfd.h>
#include <unistd.h>

namespace eddy::daemon {

namespace {

/// Thread counts from the bucket's num_*_threads parameters; 0 keeps the pool's default.
executor::ExecutorPool::Config executorConfig(const engine::config::Values& parameters) {
    using engine::config::Param;
    executor::ExecutorPool::Config config;
    const auto pick = [](uint64_t wanted, size_t fallback) {
        return wanted == 0 ? fallback : static_cast<size_t>(wanted);
    };
    config.num_readers = pick(parameters.get<Param::NumReaderThreads>(), config.num_readers);
    config.num_writers = pick(parameters.get<Param::NumWriterThreads>(), config.num_writers);
    config.num_auxio = pick(parameters.get<Param::NumAuxioThreads>(), config.num_auxio);
    config.num_nonio = pick(parameters.get<Param::NumNonioThreads>(), config.num_nonio);
    return config;
}

}  // namespace

Server::Server(Settings settings)
    : settings_(std::move(settings)),
      start_time_(std::chrono::steady_clock::now()),
      access_(setUpAccess(settings_)) {
    if (const auto tls = tlsServerConfig(settings_)) {
        tls_ = std::make_unique<security::TlsServerContext>(*tls);
        spdlog::info("TLS certificate: {} (minimum {})", tls_->describe(),
                     security::tlsVersionName(tls->minimum_version));
    }
    // One executor for every bucket, sized by the daemon's bucket parameters.
    executor_ =
        std::make_unique<executor::ExecutorPool>(executorConfig(bucketParameters(settings_)));
    executor_->registerTaskable(daemon_taskable_);
    if (settings_.fault_injection_enabled) {
        spdlog::warn("fault injection is enabled (test configuration)");
    }
    buckets_ = std::make_unique<BucketManager>(settings_, *this, *executor_);
    buckets_->loadAtStartup();
}

Server::~Server() {
    prometheus_.reset();
    front_ends_.clear();
    metrics_bucket_.reset();
    buckets_.reset();
    executor_.reset();
    listener_.reset();
    for (event* signal_event : signal_events_) {
        event_free(signal_event);
    }
    if (shutdown_event_ != nullptr) {
        event_free(shutdown_event_);
    }
    if (ready_timer_ != nullptr) {
        event_free(ready_timer_);
    }
    if (shutdown_fd_ >= 0) {
        close(shutdown_fd_);
    }
    if (main_base_ != nullptr) {
        event_base_free(main_base_);
    }
}

void Server::notifyIoComplete(CookieIface& cookie_iface, Status status) {
    if (&cookie_iface == &internal_cookie_) {
        internal_cookie_.notify(status);  // the main thread picks it up on its next scrape
        return;
    }
    // Only immutable fields are read here (the cookie's connection and its front end); the
    // cookie itself is touched on its own thread.
    auto& cookie = static_cast<Cookie&>(cookie_iface);
    Connection& connection = cookie.connection();
    FrontEnd& front_end = connection.frontEnd();
    front_end.post([&front_end, &connection, &cookie, status] {
        connection.processNotification(cookie, status);
        front_end.reapIfDead(connection);
    });
}

void Server::scheduleDcpStep(CookieIface& cookie_iface) {
    // As notifyIoComplete: only the cookie's immutable connection pointer and the connection's
    // immutable front end and id are read here. The engine calls this only until
    // disconnect(cookie) has returned, and Connection::close calls disconnect before the
    // connection can be destroyed, so the connection is alive now; by the time the job runs it
    // may not be, hence the id.
    const Connection& connection = static_cast<Cookie&>(cookie_iface).connection();
    FrontEnd& front_end = connection.frontEnd();
    const uint64_t id = connection.id();
    front_end.post([&front_end, id] { front_end.stepDcp(id); });
}

bool Server::commandTimings(uint8_t opcode, HistogramSnapshot& out) const {
    bool found = false;
    for (const auto& front_end : front_ends_) {
        found = front_end->timings().addTo(opcode, out) || found;
    }
    return found;
}

void Server::forEachFrontEnd(const std::function<void(FrontEnd&)>& visit) {
    for (const auto& front_end : front_ends_) {
        visit(*front_end);
    }
}

void Server::announceClusterConfig(const std::string& bucket) {
    forEachFrontEnd([&bucket](FrontEnd& front_end) {
        front_end.post([&front_end, bucket] { front_end.pushClusterConfigs(bucket); });
    });
}

void Server::resetCommandTimings() {
    for (const auto& front_end : front_ends_) {
        front_end->timings().reset();
    }
}

FrontEndTotals Server::frontEndTotals() const {
    FrontEndTotals totals;
    for (const auto& front_end : front_ends_) {
        const FrontEndStats& stats = front_end->stats();
        totals.bytes_read += stats.bytes_read.load(std::memory_order_relaxed);
        totals.bytes_written += stats.bytes_written.load(std::memory_order_relaxed);
        totals.would_block += stats.would_block.load(std::memory_order_relaxed);
        totals.cookies_blocked_too_long +=
            stats.cookies_blocked_too_long.load(std::memory_order_relaxed);
        totals.tls_handshake_failures +=
            stats.tls_handshake_failures.load(std::memory_order_relaxed);
    }
    return totals;
}

void Server::requestShutdown() {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = write(shutdown_fd_, &one, sizeof(one));
}

void Server::onSignal(int signal, short /*events*/, void* self) {
    spdlog::info("received signal {}; shutting down", signal);
    static_cast<Server*>(self)->requestShutdown();
}

void Server::onShutdownRequest(int fd, short /*events*/, void* self) {
    uint64_t count = 0;
    [[maybe_unused]] const ssize_t got = read(fd, &count, sizeof(count));
    event_base_loopbreak(static_cast<Server*>(self)->main_base_);
}

void Server::onReadyCheck(int /*fd*/, short /*events*/, void* self) {
    auto* server = static_cast<Server*>(self);
    if (server->ready_timer_ == nullptr) {
        return;
    }
    // Every bucket loaded at start-up has finished warming up.
    for (const std::string& name : server->buckets_->names()) {
        const Bucket::Use bucket(server->buckets_->find(name));
        if (bucket && !bucket->engine().isReady()) {
            return;
        }
    }
    event_free(server->ready_timer_);
    server->ready_timer_ = nullptr;
    if (server->tls_listener_) {
        writePortFile(server->settings_.tls_port_file, server->tls_listener_->port());
    }
    writePortFile(server->settings_.port_file, server->listener_->port());
    spdlog::info("buckets ready");
}

void Server::accept(int fd, bool tls) {
    const uint64_t id = next_connection_id_.fetch_add(1, std::memory_order_relaxed);
    front_ends_[next_front_end_]->adopt(fd, id, tls ? tls_->current() : nullptr);
    next_front_end_ = (next_front_end_ + 1) % front_ends_.size();
}

void Server::writePortFile(const std::string& path, uint16_t port) {
    if (path.empty()) {
        return;
    }
    // Written whole under a temporary name, then renamed, so a reader never sees half a file.
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << port << '\n';
        if (!out) {
            throw std::runtime_error(fmt::format("cannot write port file '{}'", path));
        }
    }
    std::filesystem::rename(temporary, path);
}

void Server::startPrometheus() {
    if (!settings_.prometheus_port.has_value()) {
        return;
    }
    prometheus_ = std::make_unique<prometheus::HttpServer>(
        main_base_, settings_.host, *settings_.prometheus_port,
        [this] { return prometheus::collectMetrics(*this, internal_cookie_); });
    spdlog::info("Prometheus metrics at http://{}:{}/metrics", settings_.host, prometheus_->port());
    writePortFile(settings_.prometheus_port_file, prometheus_->port());
}

void Server::startTlsListener() {
    if (!tls_) {
        return;
    }
    tls_listener_ = std::make_unique<net::Listener>(main_base_, settings_.host,
                                                    settings_.tls_port.value_or(kDefaultTlsPort),
                                                    [this](int fd) { accept(fd, true); });
    spdlog::info("listening for TLS on {}:{}", settings_.host, tls_listener_->port());
}

int Server::run() {
    main_base_ = event_base_new();
    shutdown_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    shutdown_event_ =
        event_new(main_base_, shutdown_fd_, EV_READ | EV_PERSIST, &Server::onShutdownRequest, this);
    event_add(shutdown_event_, nullptr);
    for (const int signal_number : {SIGTERM, SIGINT}) {
        event* signal_event = evsignal_new(main_base_, signal_number, &Server::onSignal, this);
        event_add(signal_event, nullptr);
        signal_events_.push_back(signal_event);
    }
    std::signal(SIGPIPE, SIG_IGN);

    size_t threads = settings_.threads;
    if (threads == 0) {
        threads = std::max(1u, std::thread::hardware_concurrency());
    }
    for (size_t i = 0; i < threads; ++i) {
        front_ends_.push_back(std::make_unique<FrontEnd>(*this, i));
    }
    for (auto& front_end : front_ends_) {
        front_end->start();
    }

    listener_ = std::make_unique<net::Listener>(main_base_, settings_.host, settings_.port,
                                                [this](int fd) { accept(fd, false); });
    spdlog::info("eddyd {} listening on {}:{} with {} front-end threads", EDDY_VERSION,
                 settings_.host, listener_->port(), threads);
    startTlsListener();
    node_ = NodeServices{
        .hostname = announcedHostname(settings_.host),
        .kv = listener_->port(),
        .kv_tls = tls_listener_ ? std::optional<uint16_t>(tls_listener_->port()) : std::nullopt};
    startPrometheus();
    // The port file says "ready": it is written once the bucket has warmed up (until then key
    // operations get ETMPFAIL, as in kv_engine).
    ready_timer_ = event_new(main_base_, -1, EV_PERSIST, &Server::onReadyCheck, this);
    onReadyCheck(-1, 0, this);
    if (ready_timer_ != nullptr) {
        const timeval every_10ms{0, 10'000};
        event_add(ready_timer_, &every_10ms);
    }

    event_base_loop(main_base_, EVLOOP_NO_EXIT_ON_EMPTY);
    shutdown();
    return 0;
}

void Server::shutdown() {
    listener_->close();
    if (tls_listener_) {
        tls_listener_->close();
    }
    // No scrape reaches the engine or the front ends' counters after this.
    prometheus_.reset();
    for (auto& front_end : front_ends_) {
        front_end->beginShutdown();
    }
    for (auto& front_end : front_ends_) {
        front_end->join();
    }
    front_ends_.clear();
    // The internal cookie says goodbye like a connection. What the engine parked in it goes
    // now, while the engine exists, unless a notification is still owed (then the call's task
    // may still hold on to it): the cookie outlives the engine and takes that notification.
    if (metrics_bucket_) {
        metrics_bucket_->engine().disconnect(internal_cookie_);
    }
    if (!internal_cookie_.awaitingNotification()) {
        internal_cookie_.releaseEngineState();
    }
    // Every notification has been applied (no connection waits any more). A bucket creation or
    // deletion still running finishes first (it is a daemon task), then the engines go; each
    // unregisters from the executor, which waits for its running tasks.
    metrics_bucket_.reset();
    executor_->unregisterTaskable(daemon_taskable_);
    buckets_->destroyAll();
    executor_->shutdown();
    std::error_code ignored;
    if (!settings_.port_file.empty()) {
        std::filesystem::remove(settings_.port_file, ignored);
    }
    if (tls_ && !settings_.tls_port_file.empty()) {
        std::filesystem::remove(settings_.tls_port_file, ignored);
    }
    if (settings_.prometheus_port.has_value() && !settings_.prometheus_port_file.empty()) {
        std::filesystem::remove(settings_.prometheus_port_file, ignored);
    }
    spdlog::info("shutdown complete");
}

}  // namespace eddy::daemon
