#include "daemon/stat_context.h"

#include "common/clock.h"
#include "daemon/connection.h"
#include "daemon/cookie.h"
#include "daemon/front_end.h"
#include "daemon/server.h"

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
    std::string_view group = cmd.request().key;
    if (const auto space = group.find(' '); space != std::string_view::npos) {
        group = group.substr(0, space);
    }
    const Status status =
        connection.engine().getStats(cmd, cmd.request().key, cmd.request().value,
                                     [&](std::string_view key, std::string_view value) {
                                         connection.sendStat(cmd, key, value);
                                     });
    if (status == Status::KeyNotFound) {
        cmd.setErrorContext(fmt::format("Unknown stat group '{}'", group));
        return status;
    }
    if (status != Status::Success) {
        return status;
    }
    if (group.empty()) {
        addDaemonStats();
    }
    connection.sendStat(cmd, {}, {});
    return Status::Success;
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
    add("max_packet_size", server.settings().max_packet_size);
    add("item_size_max", server.settings().item_size_max);
}

}  // namespace eddy::daemon
