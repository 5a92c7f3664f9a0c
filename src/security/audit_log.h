// eddy — the audit log: one JSON line per security event.
//
// Owns: AuditLog, an append-only JSON-lines file of authentication successes and failures,
// privilege denials, bucket creation and deletion, and user and role changes. Each line is
//   {"timestamp":"2026-12-07T10:00:00.123Z","event":"authentication_failed",
//    "user":"bob","remote":"127.0.0.1:51234","mechanism":"SCRAM-SHA512","reason":"..."}
// with `event`, `timestamp` and `user` (possibly empty) always present and the other members
// as the event has them. A password or key never appears in a line.
//
// Semantics. record() formats the line and appends it with one write(2) on a file opened with
// O_APPEND, so lines from several threads never interleave; a failed write is counted, logged
// once per minute at most, and does not fail the command that caused the event. A path of ""
// disables the log (record() then only counts).
//
// Thread contract: thread-safe.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace eddy::security {

class AuditLog {
public:
    /// Opens (creating, mode 0600) `path` for appending; "" disables. Throws std::runtime_error
    /// naming the file if it cannot be opened.
    explicit AuditLog(const std::string& path);
    ~AuditLog();
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;

    /// Appends one event. `fields` is a JSON object of the event's members besides event,
    /// timestamp, user and remote.
    void record(std::string_view event, std::string_view user, std::string_view remote,
                const nlohmann::json& fields);

    [[nodiscard]] uint64_t recorded() const { return recorded_.load(std::memory_order_relaxed); }
    [[nodiscard]] uint64_t writeFailures() const {
        return write_failures_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    const std::string path_;
    int fd_ = -1;
    std::atomic<uint64_t> recorded_{0};
    std::atomic<uint64_t> write_failures_{0};
    std::atomic<int64_t> last_failure_log_{0};
};

}  // namespace eddy::security
