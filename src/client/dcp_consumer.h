// eddy — the consumer side of a DCP connection, for tools and tests.
//
// Owns: DcpConsumer (the DCP commands a client sends: open, control, stream request, close
// stream, failover log, buffer acknowledgement, all-vbucket seqnos, and next(), which reads and
// decodes what the producer sends), DcpMessage (one decoded producer message), decodeDcpMessage()
// and the make*Request() encoders, which are public so their bytes can be checked.
//
// Semantics. The commands block until their response arrives; DCP messages of streams that are
// already open and arrive meanwhile are kept, in order, for next() (see Connection::execute).
// next() returns every message the producer sends, including DCP_NOOP, which it answers first
// (a 0x81 response with the noop's opcode and opaque, status Success) unless
// Options::answer_noops is off. A response no command waited for comes back as kind Response.
//
// Flow control follows kv_engine: after control("connection_buffer_size", W) succeeds, every
// message next() hands out counts its wire size (header + body) against the window, except
// DCP_NOOP and responses, which the producer never charges. With Options::auto_buffer_ack on
// (the default), next() sends DCP_BUFFER_ACKNOWLEDGEMENT for all unacknowledged bytes as soon as
// they exceed W/2; with it off, the caller calls bufferAck() itself. The producer sends no
// response to a buffer acknowledgement. W = 0 disables flow control.
//
// Thread contract: as Connection: one thread at a time. The Connection must outlive the
// consumer, and while the consumer is in use nobody else may read from the connection.
#pragma once

#include "client/connection.h"
#include "eddy/dcp_iface.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy::client {

enum class DcpMessageKind {
    SnapshotMarker,  ///< snap_start, snap_end, marker_flags
    Mutation,        ///< by_seqno, rev_seqno, flags, expiration, lock_time, nmeta, nru, key, value
    Deletion,        ///< by_seqno, rev_seqno, nmeta (V1) or delete_time (V2), key, value
    Expiration,      ///< by_seqno, rev_seqno, delete_time, key
    SeqnoAdvanced,   ///< by_seqno
    StreamEnd,       ///< end_reason
    Noop,            ///< nothing but the header (answered by next() unless told not to)
    Other,           ///< another producer request (set-vbucket-state, system event, ...): raw parts
    Response,        ///< a response frame no command waited for: status, raw parts
};

[[nodiscard]] std::string_view toString(DcpMessageKind kind);

/// One decoded message. Header fields are always set; the others only for the kinds that list
/// them above (the rest stay zero or empty).
struct DcpMessage {
    DcpMessageKind kind = DcpMessageKind::Other;
    uint8_t opcode = 0;
    uint16_t vbucket = 0;  ///< 0 for a Response (its header field is the status)
    uint16_t status = 0;   ///< Response only
    uint32_t opaque = 0;   ///< the stream's opaque (as given to streamRequest)
    uint64_t cas = 0;
    uint8_t datatype = 0;
    /// Bytes on the wire, header included: what flow control counts.
    size_t wire_size = 0;

    uint64_t snap_start = 0;
    uint64_t snap_end = 0;
    uint32_t marker_flags = 0;

    uint64_t by_seqno = 0;
    uint64_t rev_seqno = 0;
    uint32_t flags = 0;
    uint32_t expiration = 0;
    uint32_t lock_time = 0;
    uint32_t delete_time = 0;
    uint16_t nmeta = 0;
    uint8_t nru = 0;

    dcp::StreamEndReason end_reason = dcp::StreamEndReason::Ok;

    std::string key;
    std::string value;
    /// Other and Response only.
    std::string extras;
};

/// Decodes one frame the producer sent. Throws Error when a known message has extras of the
/// wrong size (the stream is then not trustworthy).
[[nodiscard]] DcpMessage decodeDcpMessage(const Packet& packet);

/// One failover-log entry; logs are newest first.
struct FailoverEntry {
    uint64_t uuid = 0;
    uint64_t seqno = 0;

    bool operator==(const FailoverEntry&) const = default;
};

/// Decodes N × 16 bytes; throws Error if the size is not a multiple of 16.
[[nodiscard]] std::vector<FailoverEntry> decodeFailoverLog(std::string_view bytes);

struct StreamRequestArgs {
    uint16_t vbucket = 0;
    uint32_t flags = 0;
    uint64_t start_seqno = 0;
    uint64_t end_seqno = ~uint64_t{0};
    uint64_t vbucket_uuid = 0;
    uint64_t snap_start_seqno = 0;
    uint64_t snap_end_seqno = 0;
    /// Every message of the stream carries it; must not be 0.
    uint32_t opaque = 1;
};

/// What a stream request answered. Success: the stream is open and failover_log holds the
/// vbucket's log. Rollback: rollback_seqno says where to restart. Otherwise: the status and
/// message (the response body, if any).
struct StreamRequestResult {
    mcbp::ResponseStatus status = mcbp::ResponseStatus::Success;
    std::vector<FailoverEntry> failover_log;
    uint64_t rollback_seqno = 0;
    std::string message;
};

// Encoders (opaque 0 lets Connection::execute pick one).
[[nodiscard]] Request makeOpenRequest(std::string_view name, uint32_t flags);
[[nodiscard]] Request makeControlRequest(std::string_view key, std::string_view value);
[[nodiscard]] Request makeStreamRequest(const StreamRequestArgs& args);
[[nodiscard]] Request makeCloseStreamRequest(uint16_t vbucket);
[[nodiscard]] Request makeGetFailoverLogRequest(uint16_t vbucket);
[[nodiscard]] Request makeBufferAckRequest(uint32_t bytes);
/// GET_ALL_VB_SEQNOS for vbuckets in `state` (1 active, 2 replica, 3 pending, 4 dead); 0 = all.
[[nodiscard]] Request makeGetAllVbSeqnosRequest(uint32_t state);
/// The response a consumer sends to DCP_NOOP.
[[nodiscard]] std::string encodeNoopResponse(uint32_t opaque);

class DcpConsumer {
public:
    using Milliseconds = std::chrono::milliseconds;

    struct Options {
        /// next() answers DCP_NOOP itself (and still returns it).
        bool answer_noops = true;
        /// next() acknowledges bytes itself once more than half the window is unacknowledged.
        bool auto_buffer_ack = true;
        /// How long a command waits for its response.
        Milliseconds command_timeout = Connection::kDefaultTimeout;
    };

    explicit DcpConsumer(Connection& connection) : DcpConsumer(connection, Options{}) {}
    DcpConsumer(Connection& connection, Options options)
        : connection_(connection), options_(options) {}

    /// DCP_OPEN named `name` with `flags` (dcp::kOpen*). Throws StatusError on failure.
    void open(std::string_view name, uint32_t flags);

    /// DCP_CONTROL. Throws StatusError on failure. A successful "connection_buffer_size" sets
    /// the flow-control window.
    void control(std::string_view key, std::string_view value);

    /// DCP_STREAM_REQ; failures other than a broken connection come back in the result.
    StreamRequestResult streamRequest(const StreamRequestArgs& args);
    StreamRequestResult streamRequest(uint16_t vbucket, uint32_t flags, uint64_t start_seqno,
                                      uint64_t end_seqno, uint64_t vbucket_uuid,
                                      uint64_t snap_start_seqno, uint64_t snap_end_seqno,
                                      uint32_t opaque);

    /// DCP_CLOSE_STREAM; the response status (DcpStreamNotFound / KeyEnoent if there is none).
    mcbp::ResponseStatus closeStream(uint16_t vbucket);

    /// DCP_GET_FAILOVER_LOG. Throws StatusError on failure.
    std::vector<FailoverEntry> getFailoverLog(uint16_t vbucket);

    /// GET_ALL_VB_SEQNOS: (vbucket, high seqno) pairs as sent. Throws StatusError on failure.
    std::vector<std::pair<uint16_t, uint64_t>> getAllVbSeqnos(uint32_t state = 1);

    /// DCP_BUFFER_ACKNOWLEDGEMENT for `bytes` (no response comes back); lowers unackedBytes().
    void bufferAck(uint32_t bytes);

    /// The next message from the producer; nullopt if none arrives within `timeout`. Answers
    /// noops and acknowledges bytes as the options say. Throws Error on a broken connection.
    std::optional<DcpMessage> next(Milliseconds timeout);

    /// The flow-control window (0 = off), bytes counted but not yet acknowledged, and the total
    /// acknowledged so far.
    [[nodiscard]] uint32_t bufferSize() const { return buffer_size_; }
    [[nodiscard]] uint64_t unackedBytes() const { return unacked_bytes_; }
    [[nodiscard]] uint64_t ackedBytes() const { return acked_bytes_; }

    [[nodiscard]] Connection& connection() { return connection_; }

private:
    Packet executeOrThrow(Request request);

    Connection& connection_;
    Options options_;
    uint32_t buffer_size_ = 0;
    uint64_t unacked_bytes_ = 0;
    uint64_t acked_bytes_ = 0;
};

}  // namespace eddy::client
