// eddy — STAT connections: a description of every connection, each read by its own thread.
//
// Owns: collectConnections(), which asks every front-end thread to describe its connections
// (or the one named) and completes the STAT command once all have answered.
//
// Semantics. A connection belongs to its front-end thread, so no other thread may read it, not
// even for stats. The STAT command therefore posts one job to each front-end thread; each job
// appends "conn_<id>:<key>" pairs for the connections of its thread into a result buffer the
// command owns (shared, mutex-guarded), and never touches the requesting connection. The jobs
// share a Fanout whose destructor calls notifyIoComplete(cookie, Success) exactly once: when the
// last job has run, or when the last unrun job is discarded (a front end that stopped during
// shutdown), so the blocked command always resumes. The resumed command writes the pairs, in
// connection-id order, on its own thread. If the requesting connection closes meanwhile, the
// jobs that have not run yet skip their work (the notification still comes).
//
// Thread contract: collectConnections() on the requesting connection's front-end thread; the
// jobs on each front-end thread; ConnectionsResult is thread-safe.
#pragma once

#include "common/mutex.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace eddy::daemon {

class Cookie;
class Server;

/// What the front-end threads found, filled by their jobs.
class ConnectionsResult {
public:
    void add(uint64_t id, std::string key, std::string value) EXCLUDES(mutex_);
    /// The pairs sorted by connection id (stable within one connection). After completion.
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> take() EXCLUDES(mutex_);
    /// Nobody will read the result (the requesting connection closed): jobs not yet run
    /// describe nothing. Any thread.
    void cancel() { cancelled_.store(true, std::memory_order_release); }
    [[nodiscard]] bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

private:
    struct Entry {
        uint64_t id;
        std::string key;
        std::string value;
    };
    std::atomic<bool> cancelled_{false};
    Mutex mutex_;
    std::vector<Entry> entries_ GUARDED_BY(mutex_);
};

/// Posts the describing jobs; `cookie` is notified (Success) once they are all done. `only`
/// restricts the answer to one connection id.
void collectConnections(Server& server, Cookie& cookie, std::optional<uint64_t> only,
                        const std::shared_ptr<ConnectionsResult>& result);

}  // namespace eddy::daemon
