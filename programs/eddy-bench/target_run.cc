// eddy-bench — the runs against one server (target_run.h).
#include "target_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <thread>

#include <unistd.h>

namespace eddy::bench {

namespace {

/// How long a thread waits for the answers still in flight once its source is used up.
constexpr std::chrono::seconds kDrainTimeout{10};
/// How often the main thread looks at the threads and the clock while a phase runs.
constexpr std::chrono::milliseconds kTick{100};

/// Runs `body(i)` on one std::thread per load thread; calls `tick()` every kTick, and at the
/// moment `due()` names if that comes first, until all have ended; then joins them and
/// rethrows the first exception a body threw.
template <typename Body, typename Tick, typename Due>
void runThreads(size_t count, Body body, Tick tick, Due due) {
    std::atomic<size_t> running{count};
    std::vector<std::exception_ptr> failures(count);
    std::vector<std::thread> threads;
    threads.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        threads.emplace_back([&body, &running, &failures, i] {
            try {
                body(i);
            } catch (...) {
                failures[i] = std::current_exception();
            }
            running.fetch_sub(1, std::memory_order_release);
        });
    }
    while (running.load(std::memory_order_acquire) > 0) {
        std::this_thread::sleep_until(std::min(Clock::now() + kTick, due()));
        tick();
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    for (const std::exception_ptr& failure : failures) {
        if (failure) {
            std::rethrow_exception(failure);
        }
    }
}

std::string formatMicros(uint64_t ns) {
    return ns >= 1'000'000 ? fmt::format("{:.2f} ms", double(ns) / 1e6)
                           : fmt::format("{:.0f} µs", double(ns) / 1e3);
}

/// A connection to `target`, logged in and with its bucket selected when it has a user. No
/// HELLO: memcached does not answer it, and nothing eddy-bench sends needs a feature.
client::Connection connectTarget(const Target& target) {
    client::Connection connection(target.endpoint, tools::kToolTimeout);
    if (!target.login.user.empty()) {
        connection.authenticate(target.login.user, target.login.password, "SCRAM-SHA512",
                                tools::kToolTimeout);
        if (!target.bucket.empty()) {
            connection.selectBucket(target.bucket, tools::kToolTimeout);
        }
    }
    return connection;
}

void addOutcome(RunResult& result, const ThreadOutcome& outcome) {
    result.connection_errors += outcome.connection_errors;
    if (result.first_connection_error.empty()) {
        result.first_connection_error = outcome.first_error;
    }
    if (outcome.unanswered > 0) {
        result.errors["unanswered"] += outcome.unanswered;
    }
}

}  // namespace

Progress::Progress(std::ostream& out, bool enabled)
    : out_(out), enabled_(enabled), terminal_(::isatty(STDERR_FILENO) == 1) {}

void Progress::update(const std::string& line, bool force) {
    if (!enabled_) {
        return;
    }
    const TimePoint now = Clock::now();
    const auto every = terminal_ ? std::chrono::seconds(1) : std::chrono::seconds(5);
    if (!force && now - last_ < every) {
        return;
    }
    last_ = now;
    if (terminal_) {
        out_ << "\r\033[K" << line << std::flush;
        open_line_ = true;
    } else {
        out_ << line << "\n" << std::flush;
    }
}

void Progress::done() {
    if (enabled_ && open_line_) {
        out_ << "\n" << std::flush;
        open_line_ = false;
    }
}

TargetRun::TargetRun(const Options& options, const Target& target)
    : options_(options), target_(target) {
    if (options.workload.distribution == KeyDistribution::Zipfian) {
        zipfian_ = std::make_unique<ZipfianKeys>(options.workload.keys, options.zipf_theta);
    }
    const ConnectionSettings settings{
        .key_prefix = options.key_prefix, .vbuckets = options.vbuckets, .depth = options.depth};
    for (uint32_t t = 0; t < options.threads; ++t) {
        // Threads take connections / threads each; the first connections % threads one more.
        const uint32_t count =
            options.connections / options.threads + (t < options.connections % options.threads);
        std::vector<LoadConnection> connections;
        connections.reserve(count);
        for (uint32_t c = 0; c < count; ++c) {
            connections.emplace_back(connectTarget(target), settings);
        }
        threads_.push_back(std::make_unique<LoadThread>(std::move(connections)));
    }
}

TargetRun::~TargetRun() = default;

RunResult TargetRun::populate(Progress& progress, const std::atomic<bool>& stop) {
    const uint64_t keys = options_.workload.keys;
    const size_t count = threads_.size();
    std::vector<std::unique_ptr<Recorder>> recorders;
    std::vector<ThreadOutcome> outcomes(count);
    for (size_t i = 0; i < count; ++i) {
        recorders.push_back(std::make_unique<Recorder>(Window{.begin = TimePoint::min()}));
    }
    const TimePoint started = Clock::now();
    runThreads(
        count,
        [&](size_t i) {
            PopulateSource source(keys * i / count, keys * (i + 1) / count,
                                  options_.workload.values, options_.seed + i);
            outcomes[i] = threads_[i]->run(source, *recorders[i], stop, kDrainTimeout);
        },
        [&] {
            uint64_t stored = 0;
            for (const auto& recorder : recorders) {
                stored += recorder->measured();
            }
            progress.update(fmt::format("[{}] populating: {} of {} keys ({:.0f}%)", target_.name,
                                        stored, keys, 100.0 * double(stored) / double(keys)));
        },
        [] { return TimePoint::max(); });
    progress.done();
    RunResult result;
    result.server = target_.name;
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    for (size_t i = 0; i < count; ++i) {
        recorders[i]->addTo(result);
        addOutcome(result, outcomes[i]);
    }
    return result;
}

RunResult TargetRun::measure(const std::string& label, uint64_t round, Progress& progress,
                             const std::atomic<bool>& stop) {
    const size_t count = threads_.size();
    Window window;
    window.begin = Clock::now() + options_.warmup;
    if (options_.ops == 0) {
        window.end = window.begin + options_.duration;
    }
    std::vector<std::unique_ptr<Recorder>> recorders;
    std::vector<ThreadOutcome> outcomes(count);
    for (size_t i = 0; i < count; ++i) {
        recorders.push_back(std::make_unique<Recorder>(window));
    }
    std::optional<double> cpu_begin;
    std::optional<double> cpu_end;
    bool began = false;
    bool ended = false;
    TimePoint ended_at = window.end;
    uint64_t last_measured = 0;
    TimePoint last_tick = Clock::now();
    runThreads(
        count,
        [&](size_t i) {
            const uint64_t quota =
                options_.ops == 0 ? 0 : options_.ops * (i + 1) / count - options_.ops * i / count;
            Workload workload(options_.workload, zipfian_.get(),
                              options_.seed + round * count + i + 1);
            MixedSource source(workload, window, quota);
            outcomes[i] = threads_[i]->run(source, *recorders[i], stop, kDrainTimeout);
        },
        [&] {
            const TimePoint now = Clock::now();
            if (!began && now >= window.begin) {
                began = true;
                cpu_begin = target_.pid ? processCpuSeconds(*target_.pid) : std::nullopt;
                last_tick = now;  // the rate is of the measured window only
            }
            if (!ended && (now >= window.end || stop.load())) {
                ended = true;
                ended_at = std::min(now, window.end);
                cpu_end = target_.pid ? processCpuSeconds(*target_.pid) : std::nullopt;
            }
            uint64_t measured = 0;
            HistogramSnapshot latency;
            for (const auto& recorder : recorders) {
                measured += recorder->measured();
                recorder->addLatencyTo(latency);
            }
            const double interval = std::chrono::duration<double>(now - last_tick).count();
            if (!began) {
                progress.update(fmt::format("[{}] warming up", label));
                return;
            }
            if (interval >= 1.0) {
                const double rate = double(measured - last_measured) / interval;
                last_measured = measured;
                last_tick = now;
                const double elapsed = std::chrono::duration<double>(now - window.begin).count();
                progress.update(fmt::format("[{}] {:.0f} s  {:.0f} ops/s  p99 {}  {} ops", label,
                                            elapsed, rate, formatMicros(latency.percentile(99)),
                                            measured));
            }
        },
        // Wake exactly at the window's edges, where the server's CPU time is read.
        [&] { return !began ? window.begin : (!ended ? window.end : TimePoint::max()); });
    progress.done();
    RunResult result;
    result.server = target_.name;
    TimePoint end = ended_at;
    if (options_.ops != 0) {
        // The window closes with the last answer; the CPU is read after the threads have
        // joined, when nothing is left in flight (the server is idle from the last answer on).
        end = window.begin;
        for (const auto& recorder : recorders) {
            end = std::max(end, recorder->lastAnswer());
        }
        cpu_end = target_.pid ? processCpuSeconds(*target_.pid) : std::nullopt;
    }
    result.seconds = std::chrono::duration<double>(end - window.begin).count();
    if (cpu_begin && cpu_end) {
        result.server_cpu_seconds = *cpu_end - *cpu_begin;
    }
    for (size_t i = 0; i < count; ++i) {
        recorders[i]->addTo(result);
        addOutcome(result, outcomes[i]);
    }
    return result;
}

}  // namespace eddy::bench
