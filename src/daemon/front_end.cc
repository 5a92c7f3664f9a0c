#include "daemon/front_end.h"

#include "daemon/cluster_config_contexts.h"
#include "daemon/connection.h"
#include "daemon/server.h"
#include "net/listener.h"
#include "security/tls.h"

#include <event2/event.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <vector>

#include <unistd.h>

namespace eddy::daemon {

FrontEnd::FrontEnd(Server& server, size_t index)
    : server_(server), index_(index), loop_("eddy-fe-" + std::to_string(index)) {
    timer_ = event_new(loop_.base(), -1, EV_PERSIST, &FrontEnd::onTimer, this);
    const timeval second{1, 0};
    event_add(timer_, &second);
}

FrontEnd::~FrontEnd() {
    loop_.stop();
    loop_.join();
    // Anything left (a shutdown that timed out) is torn down here, after the loop has stopped.
    by_id_.clear();
    connections_.clear();
    event_free(timer_);
}

void FrontEnd::start() {
    loop_.start();
}

void FrontEnd::adopt(int fd, uint64_t connection_id, std::shared_ptr<SSL_CTX> tls) {
    post([this, fd, connection_id, tls = std::move(tls)]() mutable {
        if (shutting_down_) {
            ::close(fd);
            return;
        }
        net::setNoDelay(fd, true);
        std::unique_ptr<security::TlsSession> session;
        if (tls) {
            try {
                session = security::TlsSession::accept(std::move(tls), fd);
            } catch (const std::exception& error) {
                spdlog::warn("connection {}: {}", connection_id, error.what());
                ::close(fd);
                return;
            }
        }
        auto connection =
            std::make_unique<Connection>(*this, fd, connection_id, std::move(session));
        Connection* key = connection.get();
        by_id_.emplace(connection_id, key);
        connections_.emplace(key, std::move(connection));
        server_.stats().curr_connections.fetch_add(1, std::memory_order_relaxed);
        server_.stats().total_connections.fetch_add(1, std::memory_order_relaxed);
    });
}

void FrontEnd::beginShutdown() {
    post([this] {
        shutting_down_ = true;
        std::vector<Connection*> all;
        all.reserve(connections_.size());
        for (auto& [key, connection] : connections_) {
            all.push_back(key);
        }
        for (Connection* connection : all) {
            connection->close();
            reapIfDead(*connection);
        }
        stopIfDone();
    });
}

void FrontEnd::reapIfDead(Connection& connection) {
    if (connection.state() != Connection::State::Dead) {
        return;
    }
    by_id_.erase(connection.id());
    connections_.erase(&connection);
    server_.stats().curr_connections.fetch_sub(1, std::memory_order_relaxed);
    stopIfDone();
}

void FrontEnd::stepDcp(uint64_t connection_id) {
    const auto found = by_id_.find(connection_id);
    if (found == by_id_.end()) {
        return;  // closed and destroyed since the step was scheduled
    }
    Connection& connection = *found->second;
    connection.processDcpStep();
    reapIfDead(connection);
}

void FrontEnd::describeConnections(
    std::optional<uint64_t> only,
    const std::function<void(uint64_t, std::string, std::string)>& add) const {
    for (const auto& [id, connection] : by_id_) {
        if (only && *only != id) {
            continue;
        }
        const uint64_t connection_id = id;
        connection->describe([&](std::string key, std::string value) {
            add(connection_id, std::move(key), std::move(value));
        });
    }
}

void FrontEnd::closeConnectionsOf(const Bucket* bucket) {
    std::vector<Connection*> doomed;
    for (const auto& [id, connection] : by_id_) {
        if (connection->session().bucket() == bucket) {
            doomed.push_back(connection);
        }
    }
    // A connection with a blocked command only becomes PendingClose; it goes (and releases the
    // bucket) when its notification arrives.
    for (Connection* connection : doomed) {
        connection->close();
        reapIfDead(*connection);
    }
}

void FrontEnd::pushClusterConfigs(const std::string& bucket) {
    std::vector<Connection*> subscribed;
    for (const auto& [id, connection] : by_id_) {
        if (connection->subscribedToClusterConfig() &&
            connection->session().bucketName() == bucket) {
            subscribed.push_back(connection);
        }
    }
    if (subscribed.empty()) {
        return;
    }
    // Read once for the whole pass (the vbucket states are scanned once), from a connection
    // that holds the bucket.
    const auto config = currentClusterConfig(server_, subscribed.front()->session().bucket());
    for (Connection* connection : subscribed) {
        connection->pushClusterConfig(config);
        reapIfDead(*connection);
    }
}

void FrontEnd::stopIfDone() {
    if (shutting_down_ && connections_.empty()) {
        loop_.stop();
    }
}

void FrontEnd::onTimer(int /*fd*/, short /*events*/, void* self) {
    static_cast<FrontEnd*>(self)->housekeeping();
}

void FrontEnd::housekeeping() {
    const Settings& settings = server_.settings();
    const auto idle_limit = settings.connection_idle_time;
    const auto blocked_limit = settings.blocked_command_log_threshold;
    if (idle_limit.count() == 0 && blocked_limit.count() == 0) {
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    std::vector<Connection*> all;
    all.reserve(connections_.size());
    for (auto& [key, connection] : connections_) {
        all.push_back(key);
    }
    for (Connection* connection : all) {
        if (blocked_limit.count() != 0) {
            connection->reportIfBlockedTooLong(now, blocked_limit);
        }
        if (idle_limit.count() != 0) {
            connection->closeIfIdle(now, idle_limit);
            reapIfDead(*connection);
        }
    }
}

}  // namespace eddy::daemon
