// eddy-dcpdrain — the drain itself: open a producer, stream the vbuckets, count what arrives.
//
// Owns: Drainer (one run over one connection), Counters and Summary (what a run saw),
// formatSummaryTable(), summaryJson() and formatProgress() (the text of the live status line).
//
// Semantics. run() asks GET_ALL_VB_SEQNOS (active vbuckets) for every vbucket's high seqno,
// opens the producer (DCP_OPEN, Producer flag, plus NoValue when asked), sends the controls
// (connection_buffer_size when a window is set; enable_noop and set_noop_interval when a noop
// interval is set) and requests one stream per vbucket, from its Position (0 without one) to its
// high seqno (2^64-1 with --forever); an empty vbucket without a position is done without a
// request. A position at or past the high seqno is still requested (to the position's seqno),
// so the producer checks its uuid. A ROLLBACK answer restarts the vbucket at the rollback seqno,
// with the uuid of the newest failover-log entry at or below it (or everything 0 when that seqno is
// 0), at most kMaxRollbacks times. Every mutation, deletion, expiration and seqno-advanced moves
// the vbucket's Position to its seqno and the snapshot the last marker announced, so the positions
// always describe what has been received: a later run resumes exactly there. The run ends when
// every stream has ended or failed, or when `stop` becomes true.
//
// Thread contract: one thread; `stop` may be set from a signal handler.
#pragma once

#include "client/connection.h"
#include "client/dcp_consumer.h"
#include "options.h"
#include "positions.h"

#include <nlohmann/json_fwd.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace eddy::dcpdrain {

inline constexpr int kMaxRollbacks = 5;

struct Counters {
    uint64_t mutations = 0;
    uint64_t deletions = 0;
    uint64_t expirations = 0;
    uint64_t markers = 0;
    uint64_t seqno_advanced = 0;
    uint64_t stream_ends = 0;
    uint64_t noops = 0;
    uint64_t other = 0;
    uint64_t rollbacks = 0;
    /// Wire bytes of every message received from the producer (headers included).
    uint64_t bytes = 0;

    [[nodiscard]] uint64_t items() const { return mutations + deletions + expirations; }
};

struct Summary {
    Counters counters;
    double seconds = 0;
    size_t vbuckets_total = 0;
    /// Streams that ended with reason Ok (or had nothing to send).
    size_t vbuckets_done = 0;
    /// Vbuckets that could not be streamed or ended early, one line each ("vb 3: ...").
    std::vector<std::string> failures;
    /// Odd things that did not stop the run (unexpected responses, ...).
    std::vector<std::string> warnings;
    bool interrupted = false;

    [[nodiscard]] double itemsPerSecond() const;
    [[nodiscard]] double megabytesPerSecond() const;
};

/// What the progress callback sees.
struct Progress {
    const Counters& counters;
    size_t vbuckets_done;
    size_t vbuckets_total;
    double seconds;
};

class Drainer {
public:
    using ProgressCallback = std::function<void(const Progress&)>;

    /// `positions` is read for starting points and updated as messages arrive; entries of
    /// vbuckets this run does not stream are left alone.
    Drainer(client::Connection& connection, const Options& options, Positions& positions);

    /// Runs until every stream is done or `stop` is set. `on_progress` (may be empty) is called
    /// at most every `progress_interval` and once at the end. Throws client::Error when the
    /// connection breaks or the producer refuses DCP_OPEN or a control.
    Summary run(const std::atomic<bool>& stop, const ProgressCallback& on_progress = {},
                std::chrono::milliseconds progress_interval = std::chrono::milliseconds(250));

private:
    struct Stream {
        uint16_t vbucket = 0;
        uint32_t opaque = 0;
        uint64_t high_seqno = 0;
        bool open = false;
        /// The last marker's range, applied to the position with the first item it covers.
        uint64_t marker_start = 0;
        uint64_t marker_end = 0;
        bool have_marker = false;
    };

    void prepareStreams(Summary& summary);
    /// Requests `stream`'s stream, following rollbacks; false if it failed or had nothing to do.
    bool request(Stream& stream, Summary& summary);
    void handle(const client::DcpMessage& message, Summary& summary);
    void advance(Stream& stream, uint64_t seqno);

    client::Connection& connection_;
    client::DcpConsumer consumer_;
    const Options& options_;
    Positions& positions_;
    std::vector<Stream> streams_;
    size_t open_streams_ = 0;
};

/// The summary as an aligned two-column table, one "name value" line each.
[[nodiscard]] std::string formatSummaryTable(const Summary& summary);

/// The summary as one JSON object.
[[nodiscard]] nlohmann::json summaryJson(const Summary& summary);

/// "items 1234  567/s  1.23 MB/s  vbuckets 3/16  elapsed 4.5s".
[[nodiscard]] std::string formatProgress(const Progress& progress);

}  // namespace eddy::dcpdrain
