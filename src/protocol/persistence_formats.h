// eddy — the wire formats of the persistence commands.
//
// Owns: the structured bodies of OBSERVE_SEQNO (0x91) responses and COMPACT_DB (0xb3) request
// extras, with an encoder and a decoder for each (the server encodes responses and decodes
// requests; tests and tools do the reverse). SEQNO_PERSISTENCE (0xb7) needs nothing here: its
// extras are one 64-bit seqno and its response is empty. Every integer is big-endian.
//
// OBSERVE_SEQNO response value: format (1 byte: 0 no failover, 1 failover happened), vbucket id
// (2), vbucket uuid (8), last persisted seqno (8), current seqno (8); with format 1 also the old
// branch's vbucket uuid (8) and the last seqno it reached (8).
// COMPACT_DB request extras: purge_before_ts (8), purge_before_seq (8), drop_deletes (1, any
// non-zero value is true), 7 reserved bytes (sent as zero, ignored when read).
//
// Thread contract: pure functions over caller-owned buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::mcbp {

struct ObserveSeqnoBody {
    uint16_t vbucket = 0;
    uint64_t vbucket_uuid = 0;
    uint64_t last_persisted_seqno = 0;
    uint64_t current_seqno = 0;
    /// Format 1: the uuid asked about is an older branch; the two fields below describe it.
    bool failed_over = false;
    uint64_t old_vbucket_uuid = 0;
    uint64_t old_branch_last_seqno = 0;

    bool operator==(const ObserveSeqnoBody&) const = default;
};

inline constexpr size_t kObserveSeqnoBodySize = 27;
inline constexpr size_t kObserveSeqnoFailoverBodySize = 43;

/// Appends the response value: 27 bytes, or 43 when `body.failed_over`.
void appendObserveSeqnoBody(std::string& out, const ObserveSeqnoBody& body);

/// Decodes a response value; nullopt for an unknown format byte or a size that does not match
/// the format. The old-branch fields stay zero in format 0.
[[nodiscard]] std::optional<ObserveSeqnoBody> parseObserveSeqnoBody(std::string_view value);

struct CompactDbExtras {
    uint64_t purge_before_ts = 0;
    uint64_t purge_before_seq = 0;
    bool drop_deletes = false;

    bool operator==(const CompactDbExtras&) const = default;
};

inline constexpr size_t kCompactDbExtrasSize = 24;

/// Appends the 24 bytes of request extras.
void appendCompactDbExtras(std::string& out, const CompactDbExtras& extras);

/// Decodes request extras; nullopt unless they are kCompactDbExtrasSize bytes.
[[nodiscard]] std::optional<CompactDbExtras> parseCompactDbExtras(std::string_view extras);

}  // namespace eddy::mcbp
