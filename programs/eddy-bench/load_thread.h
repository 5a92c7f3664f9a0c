// eddy-bench — one load thread: an epoll loop over its connections.
//
// Owns: LoadThread (the connections it was given, its epoll instance) and ThreadOutcome (what
// went wrong with its connections).
//
// Semantics. run() keeps every connection's pipeline full from the source, writes and reads
// without blocking, and hands each answer to the sink. It returns once the source has nothing
// more and every request has been answered; once `stop` is set; or, after the source has run
// dry, when no answer has come for `drain_timeout`. Requests still unanswered then are counted
// (ThreadOutcome::unanswered) and their connections retired, so that a later run never takes
// their late answers for its own. A connection that fails (closed, reset, out-of-order answer)
// is dropped and counted; the others go on. run() may be called again for the next phase, with
// another source and sink, over the connections still live.
//
// Thread contract: construct anywhere; run() on one thread at a time (the thread that owns it).
#pragma once

#include "load_connection.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace eddy::bench {

struct ThreadOutcome {
    /// Connections dropped during this run.
    uint64_t connection_errors = 0;
    std::string first_error;
    /// Requests still unanswered when the run gave up waiting.
    uint64_t unanswered = 0;
};

class LoadThread {
public:
    explicit LoadThread(std::vector<LoadConnection> connections);
    ~LoadThread();
    LoadThread(const LoadThread&) = delete;
    LoadThread& operator=(const LoadThread&) = delete;

    ThreadOutcome run(OperationSource& source, ResponseSink& sink, const std::atomic<bool>& stop,
                      std::chrono::milliseconds drain_timeout);

    /// Connections still usable.
    [[nodiscard]] size_t liveConnections() const;

private:
    struct Slot {
        LoadConnection connection;
        bool live = true;
        /// EPOLLOUT is armed (the last flush left output behind).
        bool wants_write = false;
    };

    /// Fills (each request stamped with the time it is encoded) and flushes one connection,
    /// arming or disarming EPOLLOUT; false once it failed.
    bool pump(Slot& slot, OperationSource& source, ThreadOutcome& outcome);
    /// A connection that failed: not used again, counted.
    void drop(Slot& slot, const std::string& why, ThreadOutcome& outcome);
    /// A connection that still owes answers when a run gives up: not used again.
    void retire(Slot& slot);
    void watch(Slot& slot, size_t index, bool write);

    std::vector<Slot> slots_;
    int epoll_fd_ = -1;
};

}  // namespace eddy::bench
