// eddy-dcpdrain — where each vbucket's stream got to, and the file that keeps it between runs.
//
// Owns: Position (what a stream request needs to resume: vbucket uuid, last seqno received and
// the snapshot it belongs to), Positions (by vbucket) and loadPositions()/savePositions().
//
// File format (JSON): {"<vb>": {"uuid": N, "seqno": N, "snap_start": N, "snap_end": N}, ...}.
// A missing file is an empty map (a first run). Saving writes a temporary file next to the
// target and renames it over the target, so an interrupted save leaves the old file intact.
//
// Thread contract: pure functions over caller-owned values.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace eddy::dcpdrain {

struct Position {
    uint64_t uuid = 0;
    uint64_t seqno = 0;
    uint64_t snap_start = 0;
    uint64_t snap_end = 0;

    bool operator==(const Position&) const = default;
};

using Positions = std::map<uint16_t, Position>;

/// Reads `path`; an empty map if it does not exist. A snapshot range that does not contain
/// the seqno is replaced by [seqno, seqno], so the stream request stays valid. Throws
/// std::runtime_error naming the file for unreadable or malformed content.
[[nodiscard]] Positions loadPositions(const std::string& path);

/// Writes `positions` to `path` (see the file comment). Throws std::runtime_error.
void savePositions(const std::string& path, const Positions& positions);

}  // namespace eddy::dcpdrain
