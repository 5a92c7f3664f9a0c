// eddy-bench — the runs against one server: its connections, the populate phase and each
// measured run, with a live progress line.
//
// Owns: TargetRun (the target's LoadThreads, each with its share of the connections, kept open
// from one run to the next) and Progress (the progress line on the error stream).
//
// Semantics. The constructor opens every connection (no HELLO, which memcached leaves
// unanswered; SASL and SELECT_BUCKET when the target has a user). populate() stores each key of the
// key space once, the threads taking equal slices. measure() runs the workload: `warmup` of
// uncounted load, then the measured window (`duration`, or until `ops` operations were sent); the
// server's CPU time is read from /proc at the window's two ends when the target has a pid. Both
// phases return early once `stop` is set (SIGINT).
//
// Progress: on a terminal one line rewritten every second; otherwise a line every 5 s. Nothing
// with --quiet.
//
// Thread contract: a TargetRun is driven by the main thread, which starts one std::thread per
// LoadThread for each phase and joins them before returning.
#pragma once

#include "load_thread.h"
#include "options.h"
#include "recorder.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace eddy::bench {

class Progress {
public:
    Progress(std::ostream& out, bool enabled);
    /// Prints `line` (rate-limited; `force` prints it now).
    void update(const std::string& line, bool force = false);
    /// Ends the current line.
    void done();

private:
    std::ostream& out_;
    bool enabled_;
    bool terminal_;
    TimePoint last_;
    bool open_line_ = false;
};

class TargetRun {
public:
    /// Throws client::Error when a connection cannot be opened or logged in.
    TargetRun(const Options& options, const Target& target);
    ~TargetRun();
    TargetRun(const TargetRun&) = delete;
    TargetRun& operator=(const TargetRun&) = delete;

    /// Stores every key once. Returns the result (errors counted as for a measured run).
    RunResult populate(Progress& progress, const std::atomic<bool>& stop);
    /// One measured run, labelled `label` on the progress line.
    RunResult measure(const std::string& label, uint64_t round, Progress& progress,
                      const std::atomic<bool>& stop);

    [[nodiscard]] const Target& target() const { return target_; }

private:
    const Options& options_;
    Target target_;
    std::unique_ptr<ZipfianKeys> zipfian_;
    std::vector<std::unique_ptr<LoadThread>> threads_;
};

}  // namespace eddy::bench
