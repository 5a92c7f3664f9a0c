// eddy — the audit log (audit_log.h).
#include "security/audit_log.h"

#include "common/errno_string.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

namespace eddy::security {

namespace {

std::string timestamp() {
    const auto now = std::chrono::system_clock::now();
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", std::chrono::floor<std::chrono::seconds>(now),
                       millis);
}

}  // namespace

AuditLog::AuditLog(const std::string& path) : path_(path) {
    if (path_.empty()) {
        return;
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0) {
        throw std::runtime_error(
            fmt::format("{}: cannot open the audit log: {}", path_, errnoString(errno)));
    }
    writer_ = std::thread([this] { writeLoop(); });
}

AuditLog::~AuditLog() {
    if (writer_.joinable()) {
        {
            const MutexLock lock(mutex_);
            stopping_ = true;
        }
        work_.notify_one();
        writer_.join();
    }
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

bool AuditLog::rateLimited(std::atomic<int64_t>& last) {
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    int64_t previous = last.load(std::memory_order_relaxed);
    return !(now - previous >= 60 && last.compare_exchange_strong(previous, now));
}

void AuditLog::writeLoop() {
    std::string batch;
    while (takeBatch(batch)) {
        write(batch);
        const MutexLock lock(mutex_);
        ++written_;
        progress_.notify_all();
    }
}

bool AuditLog::takeBatch(std::string& batch) {
    const MutexLock lock(mutex_);
    while (queued_.empty() && !stopping_) {
        waitOn(work_, mutex_);
    }
    if (queued_.empty()) {
        return false;  // stopping, and everything is written
    }
    batch.clear();
    batch.swap(queued_);
    ++taken_;
    return true;
}

void AuditLog::flush() {
    if (!writer_.joinable()) {
        return;
    }
    const MutexLock lock(mutex_);
    // Whatever is queued now is taken by a later batch than the ones taken so far.
    const uint64_t wanted = queued_.empty() ? taken_ : taken_ + 1;
    while (written_ < wanted) {
        waitOn(progress_, mutex_);
    }
}

void AuditLog::write(const std::string& batch) {
    size_t offset = 0;
    while (offset < batch.size()) {
        const ssize_t written = ::write(fd_, batch.data() + offset, batch.size() - offset);
        if (written > 0) {
            offset += static_cast<size_t>(written);
            continue;
        }
        if (written < 0 && errno == EINTR) {
            continue;
        }
        const int error = errno;
        write_failures_.fetch_add(1, std::memory_order_relaxed);
        if (!rateLimited(last_failure_log_)) {
            spdlog::error("{}: audit records not written ({}); {} failure(s) so far", path_,
                          written < 0 ? errnoString(error) : std::string("no progress"),
                          write_failures_.load(std::memory_order_relaxed));
        }
        return;
    }
}

void AuditLog::record(std::string_view event, std::string_view user, std::string_view remote,
                      const nlohmann::json& fields) {
    recorded_.fetch_add(1, std::memory_order_relaxed);
    if (fd_ < 0) {
        return;
    }
    nlohmann::json line = {
        {"timestamp", timestamp()}, {"event", std::string(event)}, {"user", std::string(user)}};
    if (!remote.empty()) {
        line["remote"] = std::string(remote);
    }
    if (fields.is_object()) {
        for (const auto& [key, value] : fields.items()) {
            line[key] = value;
        }
    }
    const std::string text =
        line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    {
        const MutexLock lock(mutex_);
        if (queued_.size() + text.size() <= kMaxQueuedBytes) {
            const bool was_empty = queued_.empty();
            queued_ += text;
            if (was_empty) {
                work_.notify_one();
            }
            return;
        }
    }
    dropped_.fetch_add(1, std::memory_order_relaxed);
    if (!rateLimited(last_drop_log_)) {
        spdlog::error("{}: the audit log cannot keep up; {} event(s) dropped so far", path_,
                      dropped_.load(std::memory_order_relaxed));
    }
}

}  // namespace eddy::security
