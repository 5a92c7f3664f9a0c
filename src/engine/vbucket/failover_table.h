// eddy — a vbucket's history of branches, for replication and DCP rollback.
//
// Owns: FailoverTable, the list of (vbucket uuid, seqno) entries of one vbucket, newest first,
// at most `max_entries` (25 by default). An entry says "from this seqno on, history is the
// branch named uuid". A vbucket adds an entry whenever it becomes active or restarts after an
// unclean shutdown, so a consumer that followed another branch can be told where the two agree.
//
// needsRollback() is the stream-request decision of DCP (kv_engine-brief §4.2):
//   - start 0 without StrictVbUuid: no rollback (the consumer wants everything);
//   - the snapshot range is first adjusted: start == snap_end means the snapshot was received
//     whole, so snap_start = snap_end = start;
//   - snap_start below the purge seqno (start ≠ 0, purged tombstones not ignored): roll back to 0,
//     because deletions the consumer never saw are gone;
//   - uuid unknown: roll back to 0;
//   - uuid known: `upper` is the seqno of the next newer entry (or the high seqno for the
//     newest); snap_end ≤ upper: no rollback; snap_start ≤ upper < snap_end: roll back to
//     snap_start; snap_start > upper: roll back to upper.
//
// Thread contract: not thread-safe; the owning VBucket guards it (or it is used on one thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace eddy::engine {

struct FailoverEntry {
    uint64_t vb_uuid = 0;
    uint64_t by_seqno = 0;
    bool operator==(const FailoverEntry&) const = default;
};

struct RollbackDecision {
    bool rollback = false;
    uint64_t seqno = 0;
    /// Why (for logs and the stream's error context); empty when there is no rollback.
    std::string reason;
};

struct StreamPosition {
    uint64_t start_seqno = 0;
    uint64_t vb_uuid = 0;
    uint64_t snap_start_seqno = 0;
    uint64_t snap_end_seqno = 0;
    bool strict_vb_uuid = false;
    bool ignore_purged_tombstones = false;
};

class FailoverTable {
public:
    static constexpr size_t kDefaultMaxEntries = 25;

    /// A table with one entry (a fresh uuid at seqno 0).
    /// @param random source of uuids (tests inject their own); never yields 0 in the table
    explicit FailoverTable(size_t max_entries = kDefaultMaxEntries,
                           std::function<uint64_t()> random = {});

    /// A table restored from persisted entries (newest first). Throws std::invalid_argument if
    /// `entries` is empty.
    FailoverTable(std::vector<FailoverEntry> entries, size_t max_entries,
                  std::function<uint64_t()> random = {});

    /// Starts a new branch at `high_seqno`: drops entries newer than it (a history that did not
    /// survive), adds a fresh uuid in front and trims to the maximum. Returns the new entry.
    FailoverEntry createEntry(uint64_t high_seqno);

    /// Forgets the whole history (FLUSH): one fresh entry at `high_seqno`, so that every
    /// consumer of an older branch rolls back to 0. Returns the new entry.
    FailoverEntry restart(uint64_t high_seqno);

    [[nodiscard]] const FailoverEntry& latest() const { return entries_.front(); }
    [[nodiscard]] const std::vector<FailoverEntry>& entries() const { return entries_; }
    [[nodiscard]] bool hasUuid(uint64_t vb_uuid) const;

    [[nodiscard]] RollbackDecision needsRollback(const StreamPosition& position,
                                                 uint64_t high_seqno, uint64_t purge_seqno) const;

    /// The DCP / GET_FAILOVER_LOG wire form: per entry uuid(8) seqno(8), big-endian, newest
    /// first.
    [[nodiscard]] std::string toWire() const;

    /// JSON for the persisted vbucket state: [{"id": uuid, "seq": seqno}, ...].
    [[nodiscard]] std::string toJson() const;
    /// Parses toJson()'s output; nullopt (with `error` set) if malformed or empty.
    [[nodiscard]] static std::optional<std::vector<FailoverEntry>> parseJson(
        const std::string& json, std::string& error);

private:
    uint64_t freshUuid() const;

    size_t max_entries_;
    std::function<uint64_t()> random_;
    std::vector<FailoverEntry> entries_;  // newest first, never empty
};

}  // namespace eddy::engine
