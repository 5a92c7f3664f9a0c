// eddy — STAT: the daemon's dispatch over the stat-group table and its own counters
// (stat_context.h).
#include "daemon/stat_context.h"

#include "common/clock.h"
#include "daemon/connection.h"
#include "daemon/connections_stat.h"
#include "daemon/cookie.h"
#include "daemon/front_end.h"
#include "daemon/server.h"
#include "daemon/timings_stat.h"
#include "eddy/stat_groups.h"

#include <event2/event.h>
#include <fmt/format.h>

#include <chrono>

#include <sys/resource.h>
#include <unistd.h>

namespace eddy::daemon {

namespace {

std::string seconds(const timeval& value) {
    return fmt::format("{}.{:06}", value.tv_sec, value.tv_usec);
}

}  // namespace

Status StatContext::step() {
    Cookie& cmd = cookie();
    Connection& connection = cmd.connection();
    const StatKey key = splitStatKey(cmd.request().key);
    const StatGroupInfo* group = findStatGroup(key.group);
    if (group == nullptr) {
        cmd.setErrorContext(fmt::format("Unknown stat group '{}'", key.group));
        return Status::KeyNotFound;
    }
    const StatArgs args = parseStatArgs(*group, key.args);
    if (!args.ok()) {
        cmd.setErrorContext(args.error);
        return Status::InvalidArguments;
    }
    if (!connection.authorize(Access::one(group->privilege))) {
        return Status::NoAccess;
    }
    const auto send = [&](std::string_view stat_key, std::string_view value) {
        connection.sendStat(cmd, stat_key, value);
    };
    if (group->id == StatGroupId::Timings) {
        addTimingsStats(connection.server(), send);
        connection.sendStat(cmd, {}, {});
        return Status::Success;
    }
    if (group->id == StatGroupId::Connections) {
        if (!connections_) {
            // Each front-end thread describes its own connections; the last one to finish
            // notifies this command (connections_stat.h).
            connections_ = std::make_shared<ConnectionsResult>();
            std::optional<uint64_t> only;
            if (!args.text.empty()) {
                only = std::stoull(std::string(args.text));
            }
            collectConnections(connection.server(), cmd, only, connections_);
            return Status::WouldBlock;
        }
        for (const auto& [stat_key, value] : connections_->take()) {
            send(stat_key, value);
        }
        connections_.reset();
        connection.sendStat(cmd, {}, {});
        return Status::Success;
    }
    // Every other group has an engine part: all of an engine group, the bucket's part of the
    // default group, the bucket's counters for reset.
    const Status status = connection.engine().getStats(
        cmd, *group, args, [&](std::string_view stat_key, std::string_view value) {
            connection.sendStat(cmd, stat_key, value);
        });
    if (status == Status::WouldBlock) {
        return status;  // re-driven on the notification; the engine then writes its pairs
    }
    if (status != Status::Success) {
        const std::string_view label = group->name.empty() ? "(default)" : group->name;
        switch (status) {
        case Status::NotSupported:
            cmd.setErrorContext(fmt::format("STAT {} is not supported by this bucket", label));
            break;
        case Status::NotMyVbucket:
            cmd.setErrorContext(fmt::format("STAT {}: no such vbucket", label));
            break;
        case Status::KeyNotFound:
            cmd.setErrorContext(args.vbucket && !args.key.empty()
                                    ? fmt::format("STAT {}: no document '{}' in vbucket {}", label,
                                                  args.key, args.vbucket->get())
                                    : fmt::format("STAT {}: not found", label));
            break;
        case Status::InvalidArguments:
            cmd.setErrorContext(fmt::format("STAT {}: invalid arguments '{}'", label, key.args));
            break;
        default: break;
        }
        return status;
    }
    if (group->id == StatGroupId::Default) {
        addDaemonStats();
    } else if (group->id == StatGroupId::Reset) {
        resetDaemonStats();
    }
    connection.sendStat(cmd, {}, {});
    return Status::Success;
}

void StatContext::connectionClosed() {
    if (connections_) {
        connections_->cancel();  // the front-end threads' jobs skip their work
    }
}

void StatContext::resetDaemonStats() {
    // curr_connections is a gauge and stays. The per-thread I/O counters (bytes_read,
    // bytes_written, cmd_would_block, cookies_blocked_too_long, tls_handshake_failures) belong to
    // their front-end threads and are not reset.
    Server& server = cookie().connection().server();
    server.stats().total_connections.store(0, std::memory_order_relaxed);
    server.resetCommandTimings();
}

void StatContext::addDaemonStats() {
    Cookie& cmd = cookie();
    Connection& connection = cmd.connection();
    Server& server = connection.server();
    auto add = [&](std::string_view key, const auto& value) {
        connection.sendStat(cmd, key, fmt::format("{}", value));
    };
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - server.startTime());
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const ServerStats& stats = server.stats();
    add("pid", getpid());
    add("uptime", uptime.count());
    add("time", clock::unixNow());
    add("version", EDDY_VERSION);
    add("libevent", event_get_version());
    add("pointer_size", sizeof(void*) * 8);
    add("rusage_user", seconds(usage.ru_utime));
    add("rusage_system", seconds(usage.ru_stime));
    add("threads", server.threadCount());
    add("curr_connections", stats.curr_connections.load(std::memory_order_relaxed));
    add("total_connections", stats.total_connections.load(std::memory_order_relaxed));
    const FrontEndTotals totals = server.frontEndTotals();
    add("bytes_read", totals.bytes_read);
    add("bytes_written", totals.bytes_written);
    add("cmd_would_block", totals.would_block);
    add("cookies_blocked_too_long", totals.cookies_blocked_too_long);
    add("tls_handshake_failures", totals.tls_handshake_failures);
    add("audit_events_dropped", server.audit().dropped());
    add("audit_write_failures", server.audit().writeFailures());
    add("max_packet_size", server.settings().max_packet_size);
}

}  // namespace eddy::daemon
