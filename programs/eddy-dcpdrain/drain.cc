// eddy-dcpdrain — the drain loop (see drain.h).
#include "drain.h"

#include "protocol/feature.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace eddy::dcpdrain {

namespace {

using Clock = std::chrono::steady_clock;
using client::DcpMessageKind;

/// Warnings kept in a summary; later ones are only counted.
constexpr size_t kMaxWarnings = 100;

constexpr uint64_t kForeverSeqno = ~uint64_t{0};

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

void warn(Summary& summary, std::string text) {
    if (summary.warnings.size() < kMaxWarnings) {
        summary.warnings.push_back(std::move(text));
    } else if (summary.warnings.size() == kMaxWarnings) {
        summary.warnings.emplace_back("(further warnings left out)");
    }
}

/// The stream's opaque: the vbucket id + 1, so it never clashes with the connection's own
/// opaques (from 0x10001 up) or 0.
uint32_t opaqueOf(uint16_t vbucket) {
    return uint32_t{vbucket} + 1;
}

}  // namespace

double Summary::itemsPerSecond() const {
    return seconds > 0 ? static_cast<double>(counters.items()) / seconds : 0.0;
}

double Summary::megabytesPerSecond() const {
    return seconds > 0 ? static_cast<double>(counters.bytes) / 1e6 / seconds : 0.0;
}

Drainer::Drainer(client::Connection& connection, const Options& options, Positions& positions)
    : connection_(connection), consumer_(connection), options_(options), positions_(positions) {}

Summary Drainer::run(const std::atomic<bool>& stop, const ProgressCallback& on_progress,
                     std::chrono::milliseconds progress_interval) {
    Summary summary;
    const auto started = Clock::now();
    try {
        // Collections: every collection streams (keys are only counted, never shown).
        (void)connection_.hello({mcbp::Feature::Xerror, mcbp::Feature::Collections},
                                "eddy-dcpdrain");
    } catch (const client::StatusError& error) {
        warn(summary, error.what());
    }
    prepareStreams(summary);

    uint32_t flags = dcp::kOpenProducer;
    if (options_.no_value) {
        flags |= dcp::kOpenNoValue;
    }
    consumer_.open(options_.name, flags);
    if (options_.buffer_size > 0) {
        consumer_.control("connection_buffer_size", std::to_string(options_.buffer_size));
    }
    if (options_.noop_interval) {
        consumer_.control("enable_noop", "true");
        consumer_.control("set_noop_interval", std::to_string(*options_.noop_interval));
    }

    bool stopped = false;
    for (Stream& stream : streams_) {
        if (stop.load()) {
            stopped = true;
            break;
        }
        if (request(stream, summary)) {
            stream.open = true;
            ++open_streams_;
        }
    }

    auto last_progress = Clock::now();
    auto report = [&] {
        if (on_progress) {
            on_progress(Progress{summary.counters, summary.vbuckets_done, summary.vbuckets_total,
                                 secondsSince(started)});
        }
    };
    while (open_streams_ > 0) {
        if (stop.load()) {
            stopped = true;
            break;
        }
        if (auto message = consumer_.next(std::chrono::milliseconds(100))) {
            handle(*message, summary);
        }
        if (Clock::now() - last_progress >= progress_interval) {
            last_progress = Clock::now();
            report();
        }
    }
    summary.interrupted = stopped;
    summary.seconds = secondsSince(started);
    report();
    return summary;
}

void Drainer::prepareStreams(Summary& summary) {
    std::map<uint16_t, uint64_t> high_seqnos;
    for (const auto& [vbucket, seqno] : consumer_.getAllVbSeqnos(1)) {
        high_seqnos[vbucket] = seqno;
    }
    std::vector<uint16_t> vbuckets;
    if (options_.vbuckets) {
        vbuckets = *options_.vbuckets;
    } else {
        for (const auto& entry : high_seqnos) {
            vbuckets.push_back(entry.first);
        }
    }
    summary.vbuckets_total = vbuckets.size();
    for (const uint16_t vbucket : vbuckets) {
        const auto found = high_seqnos.find(vbucket);
        if (found == high_seqnos.end() && !options_.forever) {
            summary.failures.push_back(
                fmt::format("vb {}: not an active vbucket on the server", vbucket));
            continue;
        }
        Stream stream;
        stream.vbucket = vbucket;
        stream.opaque = opaqueOf(vbucket);
        stream.high_seqno = found == high_seqnos.end() ? 0 : found->second;
        streams_.push_back(stream);
    }
}

bool Drainer::request(Stream& stream, Summary& summary) {
    const auto known = positions_.find(stream.vbucket);
    Position position = known == positions_.end() ? Position{} : known->second;
    for (int attempt = 0; attempt <= kMaxRollbacks; ++attempt) {
        if (!options_.forever && position.seqno == 0 && stream.high_seqno == 0) {
            ++summary.vbuckets_done;  // nothing to send, nothing to check
            return false;
        }
        // At or past the high seqno: ask anyway, so that the producer checks the uuid (and
        // answers with a rollback if the history changed) and then ends the stream at once.
        const uint64_t end =
            options_.forever ? kForeverSeqno : std::max(stream.high_seqno, position.seqno);
        const auto result = consumer_.streamRequest({.vbucket = stream.vbucket,
                                                     .flags = 0,
                                                     .start_seqno = position.seqno,
                                                     .end_seqno = end,
                                                     .vbucket_uuid = position.uuid,
                                                     .snap_start_seqno = position.snap_start,
                                                     .snap_end_seqno = position.snap_end,
                                                     .opaque = stream.opaque});
        if (result.status == mcbp::ResponseStatus::Success) {
            if (!result.failover_log.empty()) {
                position.uuid = result.failover_log.front().uuid;
            }
            positions_[stream.vbucket] = position;
            return true;
        }
        if (result.status != mcbp::ResponseStatus::Rollback) {
            summary.failures.push_back(fmt::format("vb {}: {}", stream.vbucket, result.message));
            return false;
        }
        ++summary.counters.rollbacks;
        const uint64_t seqno = result.rollback_seqno;
        position = Position{};
        if (seqno > 0) {
            // The newest history entry that reaches back to the rollback point (newest first).
            for (const auto& entry : consumer_.getFailoverLog(stream.vbucket)) {
                if (entry.seqno <= seqno) {
                    position = Position{entry.uuid, seqno, seqno, seqno};
                    break;
                }
            }
        }
    }
    summary.failures.push_back(fmt::format("vb {}: still told to roll back after {} attempts",
                                           stream.vbucket, kMaxRollbacks + 1));
    return false;
}

void Drainer::advance(Stream& stream, uint64_t seqno) {
    Position& position = positions_[stream.vbucket];
    position.seqno = seqno;
    if (stream.have_marker && stream.marker_start <= seqno && seqno <= stream.marker_end) {
        position.snap_start = stream.marker_start;
        position.snap_end = stream.marker_end;
    } else {
        position.snap_start = seqno;
        position.snap_end = seqno;
    }
}

void Drainer::handle(const client::DcpMessage& message, Summary& summary) {
    Counters& counters = summary.counters;
    counters.bytes += message.wire_size;
    if (message.kind == DcpMessageKind::Noop) {
        ++counters.noops;
        return;
    }
    if (message.kind == DcpMessageKind::Response) {
        ++counters.other;
        if (message.status != 0) {
            warn(summary, fmt::format("unexpected error response 0x{:02x} to opcode 0x{:02x}",
                                      message.status, message.opcode));
        }
        return;
    }
    Stream* stream = nullptr;
    if (message.opaque >= 1 && message.opaque <= 65536) {
        const auto vbucket = static_cast<uint16_t>(message.opaque - 1);
        // streams_ is in vbucket order (as the vbucket lists are).
        const auto found = std::lower_bound(
            streams_.begin(), streams_.end(), vbucket,
            [](const Stream& candidate, uint16_t id) { return candidate.vbucket < id; });
        if (found != streams_.end() && found->vbucket == vbucket && found->open) {
            stream = &*found;
        }
    }
    if (stream == nullptr) {
        ++counters.other;
        warn(summary, fmt::format("{} for vb {} with opaque {}, which no open stream has",
                                  client::toString(message.kind), message.vbucket, message.opaque));
        return;
    }
    switch (message.kind) {
    case DcpMessageKind::SnapshotMarker:
        ++counters.markers;
        stream->marker_start = message.snap_start;
        stream->marker_end = message.snap_end;
        stream->have_marker = true;
        break;
    case DcpMessageKind::Mutation:
        ++counters.mutations;
        advance(*stream, message.by_seqno);
        break;
    case DcpMessageKind::Deletion:
        ++counters.deletions;
        advance(*stream, message.by_seqno);
        break;
    case DcpMessageKind::Expiration:
        ++counters.expirations;
        advance(*stream, message.by_seqno);
        break;
    case DcpMessageKind::SeqnoAdvanced:
        ++counters.seqno_advanced;
        advance(*stream, message.by_seqno);
        break;
    case DcpMessageKind::StreamEnd:
        ++counters.stream_ends;
        stream->open = false;
        --open_streams_;
        if (message.end_reason == dcp::StreamEndReason::Ok) {
            ++summary.vbuckets_done;
        } else {
            summary.failures.push_back(fmt::format("vb {}: stream ended early: {}", stream->vbucket,
                                                   dcp::toString(message.end_reason)));
        }
        break;
    case DcpMessageKind::Noop:
    case DcpMessageKind::Response:
    case DcpMessageKind::Other: ++counters.other; break;
    }
}

std::string formatSummaryTable(const Summary& summary) {
    const Counters& counters = summary.counters;
    std::string out;
    auto row = [&out](std::string_view name, const std::string& value) {
        out += fmt::format("{:<12}{:>20}\n", name, value);
    };
    row("mutations", std::to_string(counters.mutations));
    row("deletions", std::to_string(counters.deletions));
    row("expirations", std::to_string(counters.expirations));
    row("markers", std::to_string(counters.markers));
    row("bytes", std::to_string(counters.bytes));
    row("seconds", fmt::format("{:.3f}", summary.seconds));
    row("items/s", fmt::format("{:.1f}", summary.itemsPerSecond()));
    row("MB/s", fmt::format("{:.2f}", summary.megabytesPerSecond()));
    row("vbuckets", fmt::format("{}/{}", summary.vbuckets_done, summary.vbuckets_total));
    row("rollbacks", std::to_string(counters.rollbacks));
    return out;
}

nlohmann::json summaryJson(const Summary& summary) {
    const Counters& counters = summary.counters;
    return {{"mutations", counters.mutations},
            {"deletions", counters.deletions},
            {"expirations", counters.expirations},
            {"markers", counters.markers},
            {"seqno_advanced", counters.seqno_advanced},
            {"stream_ends", counters.stream_ends},
            {"noops", counters.noops},
            {"rollbacks", counters.rollbacks},
            {"bytes", counters.bytes},
            {"seconds", summary.seconds},
            {"items_per_second", summary.itemsPerSecond()},
            {"mb_per_second", summary.megabytesPerSecond()},
            {"vbuckets_done", summary.vbuckets_done},
            {"vbuckets_total", summary.vbuckets_total},
            {"failures", summary.failures},
            {"interrupted", summary.interrupted}};
}

std::string formatProgress(const Progress& progress) {
    const double seconds = progress.seconds > 0 ? progress.seconds : 0;
    const auto items = progress.counters.items();
    const double rate = seconds > 0 ? static_cast<double>(items) / seconds : 0.0;
    const double megabytes =
        seconds > 0 ? static_cast<double>(progress.counters.bytes) / 1e6 / seconds : 0.0;
    return fmt::format("items {}  {:.0f}/s  {:.2f} MB/s  vbuckets {}/{}  elapsed {:.1f}s", items,
                       rate, megabytes, progress.vbuckets_done, progress.vbuckets_total, seconds);
}

}  // namespace eddy::dcpdrain
