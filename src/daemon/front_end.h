// eddy — one front-end worker thread and the connections it owns.
//
// Owns: FrontEnd, an EventLoopThread plus the set of Connections assigned to it (round-robin
// by the listener) indexed by address and by connection id, the once-a-second housekeeping timer,
// and the destruction of dead connections after the callback that killed them has returned.
//
// The housekeeping timer, on this thread, visits every connection of the thread: it closes those
// idle longer than connection_idle_time, and it is the blocked-command watchdog: a command
// blocked (waiting for its engine notification) for blocked_command_log_threshold or more is
// logged once and counted in FrontEndStats::cookies_blocked_too_long
// (Connection::reportIfBlockedTooLong). Either check is off when its setting is 0. Being on the
// owning thread, the watchdog reads the cookies without any lock, and asks the engine
// (EngineIface::describeWait) from the one thread that may.
//
// DCP waking: ServerApi::scheduleDcpStep posts stepDcp(id) here. The id, not a pointer, crosses
// threads: a connection that has gone meanwhile is simply not found (ids are never reused).
//
// Shutdown: beginShutdown() closes every connection; a connection with a blocked command waits
// (PendingClose) for its notification. When the last connection is gone the loop stops.
//
// Thread contract: adopt(), post() and beginShutdown() are callable from any thread (they post
// to the loop); everything else runs on the loop thread.
#pragma once

#include "daemon/command_timings.h"
#include "net/event_loop_thread.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

struct event;
struct event_base;
using SSL_CTX = struct ssl_ctx_st;  // NOLINT(readability-identifier-naming): OpenSSL's name

namespace eddy::daemon {

class Bucket;
class Connection;
class Server;

/// Counters of one front-end thread. Only that thread writes them (a relaxed load + store, no
/// read-modify-write); any thread may read them for STAT, and the daemon sums all threads.
/// Keeping them per thread keeps the hot path free of cache lines shared between cores.
struct alignas(64) FrontEndStats {
    std::atomic<uint64_t> bytes_read{0};
    std::atomic<uint64_t> bytes_written{0};
    std::atomic<uint64_t> would_block{0};
    /// Commands the blocked-command watchdog reported (blocked for at least
    /// blocked_command_log_threshold; each block counted once).
    std::atomic<uint64_t> cookies_blocked_too_long{0};
    /// Connections on the TLS port whose handshake failed.
    std::atomic<uint64_t> tls_handshake_failures{0};

    /// Adds `amount` to a counter of this thread (owner thread only).
    static void add(std::atomic<uint64_t>& counter, uint64_t amount) {
        counter.store(counter.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
    }
};

class FrontEnd {
public:
    FrontEnd(Server& server, size_t index);
    ~FrontEnd();
    FrontEnd(const FrontEnd&) = delete;
    FrontEnd& operator=(const FrontEnd&) = delete;

    void start();
    /// Hands a freshly accepted socket to this thread; with `tls` (the TLS listener's current
    /// context) the connection speaks TLS. Any thread.
    void adopt(int fd, uint64_t connection_id, std::shared_ptr<SSL_CTX> tls);
    /// Runs `job` on this thread. Any thread.
    void post(std::function<void()> job) { loop_.post(std::move(job)); }
    /// Closes every connection and stops the loop once none is left. Any thread.
    void beginShutdown();
    void join() { loop_.join(); }

    [[nodiscard]] Server& server() const { return server_; }
    [[nodiscard]] event_base* base() const { return loop_.base(); }
    [[nodiscard]] size_t index() const { return index_; }
    /// Written by this thread only; readable anywhere.
    [[nodiscard]] FrontEndStats& stats() { return stats_; }
    [[nodiscard]] const FrontEndStats& stats() const { return stats_; }
    /// Per-opcode command latencies: recorded by this thread only, readable anywhere.
    [[nodiscard]] CommandTimings& timings() { return timings_; }
    [[nodiscard]] const CommandTimings& timings() const { return timings_; }

    /// Destroys `connection` if it is Dead. Loop thread, at the end of a callback.
    void reapIfDead(Connection& connection);

    /// STAT connections: the pairs of every connection of this thread, or of the one with id
    /// `only` if it is here. Loop thread.
    void describeConnections(
        std::optional<uint64_t> only,
        const std::function<void(uint64_t id, std::string key, std::string value)>& add) const;

    /// Closes every connection of this thread that has `bucket` selected (the bucket is being
    /// deleted). Loop thread.
    void closeConnectionsOf(const Bucket* bucket);
    /// Sends every subscribed connection of this thread in `bucket` (without a bucket if empty)
    /// that bucket's (or the global) cluster map if it is newer than the one the connection has
    /// (Connection::pushClusterConfig). Loop thread.
    void pushClusterConfigs(const std::string& bucket);

    /// Number of connections on this thread. Loop thread.
    [[nodiscard]] size_t connectionCount() const { return connections_.size(); }

    /// Steps the DCP producer of connection `connection_id` (a scheduled step); ignores an id
    /// this thread does not have (any more). Loop thread.
    void stepDcp(uint64_t connection_id);

private:
    static void onTimer(int fd, short events, void* self);
    /// The housekeeping pass of the timer (see the file comment).
    void housekeeping();
    void stopIfDone();

    Server& server_;
    const size_t index_;
    net::EventLoopThread loop_;
    /// Once a second: idle connections and the blocked-command watchdog.
    event* timer_ = nullptr;
    bool shutting_down_ = false;
    FrontEndStats stats_;
    CommandTimings timings_;
    std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
    /// The same connections by id.
    std::unordered_map<uint64_t, Connection*> by_id_;
};

}  // namespace eddy::daemon
