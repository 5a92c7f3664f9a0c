// eddy — one message of a DCP stream, before and after it is put in wire form.
//
// Owns: DcpMessage (what a stream queues for its connection: a snapshot marker, a document
// change, a seqno advance or a stream end), EncodeOptions (what the connection negotiated that
// changes the wire form) and encode(), which turns a message into the DcpFrame the front end
// queues.
//
// Semantics. A document change holds the QueuedItemPtr it came from (a checkpoint item, or one
// built by a backfill), so a message shares the value bytes instead of copying them. The wire
// forms are kv_engine's (brief §4.2): MUTATION extras 31, DELETION extras 18 (v1) or 21 (v2,
// with the delete time, when the connection opened with IncludeDeleteTimes), EXPIRATION extras
// 20 (only with the expiry opcode enabled; otherwise an expiry goes out as a deletion),
// SNAPSHOT_MARKER extras 20 (v1), STREAM_END extras 4, SEQNO_ADVANCED extras 8. With NoValue the
// value is left out (its datatype too); with forced compression a value is sent Snappy-compressed
// when that makes it smaller than min_compression_ratio of its size. A value of at least
// kReferenceThreshold bytes is referenced by the frame rather than copied.
//
// Thread contract: a DcpMessage is immutable once queued; encode() is a pure function.
#pragma once

#include "eddy/dcp_iface.h"
#include "eddy/types.h"
#include "engine/checkpoint/queued_item.h"

#include <cstdint>
#include <memory>
#include <string>

namespace eddy::engine::dcp {

enum class MessageKind : uint8_t {
    SnapshotMarker,
    Mutation,
    Deletion,
    Expiration,
    StreamEnd,
    /// A snapshot is complete up to seqno() although no change at that seqno is sent.
    SeqnoAdvanced,
};

struct EncodeOptions {
    bool include_delete_times = false;
    bool expiry_opcode = false;
    bool no_value = false;
    /// DCP_OPEN asked for xattrs: values keep their xattr section (else only the body is sent).
    bool include_xattrs = false;
    bool compress = false;
    double min_compression_ratio = 0.85;
    /// Keys go without their collection-id prefix (a client that did not negotiate collections;
    /// the producer sends it only default-collection documents).
    bool strip_collection_id = false;
};

/// Whether a document key (collection id first) is in the default collection.
[[nodiscard]] inline bool inDefaultCollection(std::string_view key) {
    return !key.empty() && key.front() == '\0';
}

class DcpMessage {
public:
    static std::unique_ptr<DcpMessage> marker(uint64_t start, uint64_t end, uint32_t flags);
    /// A document change; the kind follows the item's op (Mutation, Deletion, Expiration).
    static std::unique_ptr<DcpMessage> change(QueuedItemPtr item, bool from_backfill);
    static std::unique_ptr<DcpMessage> streamEnd(eddy::dcp::StreamEndReason reason);
    static std::unique_ptr<DcpMessage> seqnoAdvanced(uint64_t seqno);

    [[nodiscard]] MessageKind kind() const { return kind_; }
    [[nodiscard]] const QueuedItemPtr& item() const { return item_; }
    [[nodiscard]] uint64_t snapStart() const { return snap_start_; }
    [[nodiscard]] uint64_t snapEnd() const { return snap_end_; }
    [[nodiscard]] uint32_t markerFlags() const { return marker_flags_; }
    [[nodiscard]] eddy::dcp::StreamEndReason reason() const { return reason_; }
    [[nodiscard]] bool fromBackfill() const { return from_backfill_; }
    [[nodiscard]] bool isChange() const {
        return kind_ == MessageKind::Mutation || kind_ == MessageKind::Deletion ||
               kind_ == MessageKind::Expiration;
    }
    /// The by-seqno of a change, the seqno of a SeqnoAdvanced; 0 otherwise.
    [[nodiscard]] uint64_t seqno() const {
        if (kind_ == MessageKind::SeqnoAdvanced) {
            return snap_end_;
        }
        return item_ ? static_cast<uint64_t>(item_->bySeqno()) : 0;
    }
    /// Bytes the message occupies while queued (for ready-queue memory stats).
    [[nodiscard]] size_t memorySize() const;

private:
    DcpMessage() = default;

    MessageKind kind_ = MessageKind::SnapshotMarker;
    bool from_backfill_ = false;
    QueuedItemPtr item_;
    uint64_t snap_start_ = 0;
    uint64_t snap_end_ = 0;
    uint32_t marker_flags_ = 0;
    eddy::dcp::StreamEndReason reason_ = eddy::dcp::StreamEndReason::Ok;
};

/// Values at least this large are referenced by the frame instead of copied into it.
inline constexpr size_t kReferenceThreshold = 4096;

/// The message in wire form (a server request, magic 0x80).
[[nodiscard]] DcpFrame encode(const DcpMessage& message, uint32_t opaque, Vbid vbucket,
                              const EncodeOptions& options);

/// A DCP_NOOP request with `opaque`.
[[nodiscard]] DcpFrame encodeNoop(uint32_t opaque);

/// A DCP_SEQNO_ADVANCED (0x64, extras: the 8-byte seqno) of a stream: the snapshot it is in
/// is complete up to `seqno` although the change at `seqno` was not sent (filtered out).
[[nodiscard]] DcpFrame encodeSeqnoAdvanced(uint32_t opaque, Vbid vbucket, uint64_t seqno);

}  // namespace eddy::engine::dcp
