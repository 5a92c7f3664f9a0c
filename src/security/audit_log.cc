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
}

AuditLog::~AuditLog() {
    if (fd_ >= 0) {
        ::close(fd_);
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
    const ssize_t written = ::write(fd_, text.data(), text.size());
    if (written == static_cast<ssize_t>(text.size())) {
        return;
    }
    const int error = errno;
    write_failures_.fetch_add(1, std::memory_order_relaxed);
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    int64_t last = last_failure_log_.load(std::memory_order_relaxed);
    if (now - last >= 60 && last_failure_log_.compare_exchange_strong(last, now)) {
        spdlog::error("{}: audit record not written ({}); {} failure(s) so far", path_,
                      written < 0 ? errnoString(error) : std::string("short write"),
                      write_failures_.load(std::memory_order_relaxed));
    }
}

}  // namespace eddy::security
