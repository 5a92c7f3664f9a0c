// eddy-bench — one thread's tally and a run's result (recorder.h).
#include "recorder.h"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace eddy::bench {

std::optional<double> RunResult::cpuMicrosPerOp() const {
    if (!server_cpu_seconds || ops == 0) {
        return std::nullopt;
    }
    return *server_cpu_seconds * 1e6 / double(ops);
}

uint64_t RunResult::errorCount() const {
    uint64_t total = 0;
    for (const auto& [status, count] : errors) {
        total += count;
    }
    return total;
}

void Recorder::completed(OpKind kind, mcbp::ResponseStatus status, TimePoint sent,
                         TimePoint answered) {
    if (sent < window_.begin || answered > window_.end) {
        return;
    }
    PerKind& per = kinds_[static_cast<size_t>(kind)];
    const bool miss = status == mcbp::ResponseStatus::KeyEnoent && kind != OpKind::Set;
    if (status != mcbp::ResponseStatus::Success && !miss) {
        ++errors_[static_cast<uint16_t>(status)];
        return;
    }
    ++per.count;
    per.misses += miss ? 1 : 0;
    per.latency.record(answered - sent);
    last_answer_ = answered;
    measured_.fetch_add(1, std::memory_order_relaxed);
}

void Recorder::addLatencyTo(HistogramSnapshot& into) const {
    for (const PerKind& per : kinds_) {
        per.latency.addTo(into);
    }
}

void Recorder::addTo(RunResult& result) const {
    for (size_t i = 0; i < kNumOpKinds; ++i) {
        OpResult& op = result.by_kind[i];
        op.count += kinds_[i].count;
        op.misses += kinds_[i].misses;
        kinds_[i].latency.addTo(op.latency);
        kinds_[i].latency.addTo(result.latency);
        result.ops += kinds_[i].count;
    }
    for (const auto& [code, count] : errors_) {
        const auto status = static_cast<mcbp::ResponseStatus>(code);
        const std::optional<std::string_view> name = mcbp::statusName(status);
        result.errors[name ? std::string(*name) : fmt::format("status {:#06x}", code)] += count;
    }
}

std::optional<double> processCpuSeconds(int pid) {
    std::ifstream file(fmt::format("/proc/{}/stat", pid));
    std::string line;
    if (!file || !std::getline(file, line)) {
        return std::nullopt;
    }
    // The command name (field 2) is in parentheses and may hold spaces: fields 14 and 15
    // (utime, stime) are the 12th and 13th after the last ')'.
    const size_t close = line.rfind(')');
    if (close == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(line.substr(close + 1));
    std::string field;
    uint64_t utime = 0;
    uint64_t stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        uint64_t* into = i == 14 ? &utime : (i == 15 ? &stime : nullptr);
        if (into != nullptr &&
            std::from_chars(field.data(), field.data() + field.size(), *into).ec != std::errc()) {
            return std::nullopt;
        }
    }
    const long ticks = ::sysconf(_SC_CLK_TCK);
    if (!fields || ticks <= 0) {
        return std::nullopt;
    }
    return double(utime + stime) / double(ticks);
}

}  // namespace eddy::bench
