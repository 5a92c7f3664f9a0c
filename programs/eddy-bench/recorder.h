// eddy-bench — what one run measured.
//
// Owns: Recorder (one thread's tally of the answers inside the measured window: counts, misses
// and latency histograms per operation kind, errors per status), OpResult and RunResult (a whole
// run: the threads' tallies merged, the window's length, the server's CPU time).
//
// Semantics. An answer counts when its request was sent at or after window.begin and the answer
// came at or before window.end. KEY_ENOENT to a GET or a DELETE is a miss, counted and timed
// like a success; every other status but SUCCESS is an error, counted per status and not timed.
// Latency is from the moment the request was encoded into the connection's output to the moment
// its response was parsed (client-side queueing in the pipeline included, as a client sees it).
//
// Thread contract: a Recorder is written by its LoadThread only. measured() and the histograms
// may be read from any thread while it runs (the progress line); addTo() only after the thread
// has ended. RunResult is a plain value.
#pragma once

#include "common/histogram.h"
#include "load_connection.h"
#include "sources.h"
#include "workload.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace eddy::bench {

struct OpResult {
    uint64_t count = 0;
    uint64_t misses = 0;
    HistogramSnapshot latency;
};

struct RunResult {
    /// "host:port" as given.
    std::string server;
    /// The measured window's length.
    double seconds = 0;
    /// Answers counted (misses included, errors not).
    uint64_t ops = 0;
    std::array<OpResult, kNumOpKinds> by_kind;
    /// All kinds together.
    HistogramSnapshot latency;
    /// Status name (or "status 0x..") → answers with it.
    std::map<std::string, uint64_t> errors;
    /// Connections lost during the run, and the first reason.
    uint64_t connection_errors = 0;
    std::string first_connection_error;
    /// utime + stime of the server process over the window; nullopt without --pid.
    std::optional<double> server_cpu_seconds;

    [[nodiscard]] double opsPerSecond() const { return seconds > 0 ? double(ops) / seconds : 0; }
    /// Server CPU microseconds per counted operation.
    [[nodiscard]] std::optional<double> cpuMicrosPerOp() const;
    [[nodiscard]] uint64_t errorCount() const;
};

class Recorder final : public ResponseSink {
public:
    explicit Recorder(Window window) : window_(window) {}

    void completed(OpKind kind, mcbp::ResponseStatus status, TimePoint sent,
                   TimePoint answered) override;

    /// Answers counted so far (any thread).
    [[nodiscard]] uint64_t measured() const { return measured_.load(std::memory_order_relaxed); }
    /// The latest answer counted (after the thread ended).
    [[nodiscard]] TimePoint lastAnswer() const { return last_answer_; }
    /// Latencies of every kind so far (any thread).
    void addLatencyTo(HistogramSnapshot& into) const;

    /// Adds this thread's tally to `result` (after the thread ended).
    void addTo(RunResult& result) const;

private:
    struct PerKind {
        uint64_t count = 0;
        uint64_t misses = 0;
        Histogram latency;
    };

    Window window_;
    std::array<PerKind, kNumOpKinds> kinds_;
    std::map<uint16_t, uint64_t> errors_;
    std::atomic<uint64_t> measured_{0};
    TimePoint last_answer_{};
};

/// utime + stime of process `pid` in seconds (/proc/PID/stat), nullopt if it cannot be read.
[[nodiscard]] std::optional<double> processCpuSeconds(int pid);

}  // namespace eddy::bench
