// eddy — the audit log: one JSON line per security event.
//
// Owns: AuditLog, an append-only JSON-lines file of authentication successes and failures,
// privilege denials, bucket creation and deletion, and user and role changes. Each line is
//   {"timestamp":"2026-12-07T10:00:00.123Z","event":"authentication_failed",
//    "user":"bob","remote":"127.0.0.1:51234","mechanism":"SCRAM-SHA512","reason":"..."}
// with `event`, `timestamp` and `user` (possibly empty) always present and the other members
// as the event has them. A password or key never appears in a line.
//
// Semantics. record() formats the line on the caller's thread and queues it; a writer thread of
// the log appends what is queued with one write(2) per batch on a file opened with O_APPEND, so
// the thread that caused the event (a front-end thread, for a privilege denial) never waits for
// the disk. The queue is bounded (kMaxQueuedBytes): when the disk cannot keep up, further events
// are dropped and counted (dropped()) rather than held without limit; a drop and a failed write
// are each logged once per minute at most and never fail the command that caused the event.
// flush() waits until everything recorded so far is written (or dropped); the destructor
// flushes. A path of "" disables the log (record() then only counts).
//
// Thread contract: record(), flush() and the counters from any thread; the writer thread is the
// log's own and ends in the destructor.
#pragma once

#include "common/mutex.h"

#include <nlohmann/json_fwd.hpp>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

namespace eddy::security {

class AuditLog {
public:
    /// Queued, unwritten bytes beyond which events are dropped.
    static constexpr size_t kMaxQueuedBytes = size_t{4} << 20;

    /// Opens (creating, mode 0600) `path` for appending; "" disables. Throws std::runtime_error
    /// naming the file if it cannot be opened.
    explicit AuditLog(const std::string& path);
    ~AuditLog();
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;

    /// Queues one event. `fields` is a JSON object of the event's members besides event,
    /// timestamp, user and remote.
    void record(std::string_view event, std::string_view user, std::string_view remote,
                const nlohmann::json& fields);

    /// Returns once every event recorded before the call is written or dropped.
    void flush();

    [[nodiscard]] uint64_t recorded() const { return recorded_.load(std::memory_order_relaxed); }
    [[nodiscard]] uint64_t writeFailures() const {
        return write_failures_.load(std::memory_order_relaxed);
    }
    /// Events not written because the queue was full.
    [[nodiscard]] uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    /// The writer thread: writes batches until stopping_ and nothing is queued.
    void writeLoop();
    /// Waits for queued lines and moves them into `batch`; false once stopping with none.
    bool takeBatch(std::string& batch);
    /// Appends `batch` to the file; counts and logs a failure.
    void write(const std::string& batch);
    /// True if something was logged through `last` in the past minute; otherwise claims the
    /// minute for the caller, who logs.
    static bool rateLimited(std::atomic<int64_t>& last);

    const std::string path_;
    int fd_ = -1;
    std::atomic<uint64_t> recorded_{0};
    std::atomic<uint64_t> write_failures_{0};
    std::atomic<uint64_t> dropped_{0};
    std::atomic<int64_t> last_failure_log_{0};
    std::atomic<int64_t> last_drop_log_{0};

    Mutex mutex_;
    /// Lines recorded and not yet taken by the writer.
    std::string queued_ GUARDED_BY(mutex_);
    /// Batches taken by the writer so far, and batches whose write has finished.
    uint64_t taken_ GUARDED_BY(mutex_) = 0;
    uint64_t written_ GUARDED_BY(mutex_) = 0;
    bool stopping_ GUARDED_BY(mutex_) = false;
    std::condition_variable work_;
    std::condition_variable progress_;
    std::thread writer_;
};

}  // namespace eddy::security
