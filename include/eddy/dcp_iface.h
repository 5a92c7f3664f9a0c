// eddy — the DCP half of the boundary between the front end and a bucket's engine.
//
// Owns: DcpIface (what the daemon may ask of a bucket about DCP), DcpMessageSink (how a producer
// hands its messages to the connection), DcpFrame (one message in wire form) and the protocol
// constants both sides use (open flags, stream-request flags, snapshot-marker flags, stream-end
// reasons). Opcodes and extras layouts are in kv_engine-brief §4; docs/dcp.md describes the
// producer.
//
// A DCP producer connection is an ordinary connection until DCP_OPEN succeeds with the Producer
// flag. From then on the front end calls step() on it whenever it has no command in flight and
// its output queue has room: each Success sent one message through the sink and the front end
// asks again; WouldBlock means nothing is ready and the engine will call
// ServerApi::scheduleDcpStep(cookie) once something is; Disconnect closes the connection.
// Commands the client sends (DCP_CONTROL, DCP_STREAM_REQ, DCP_BUFFER_ACKNOWLEDGEMENT, ...) go
// through the other methods as usual; responses the client sends back (to a DCP_NOOP) go to
// response().
//
// Thread contract: as EngineIface: called on the front-end thread that owns the cookie, never
// blocking it; the engine is shared by every front-end thread. The sink is valid only during the
// step() call that received it.
#pragma once

#include "eddy/cookie_iface.h"
#include "eddy/status.h"
#include "eddy/types.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy {

namespace dcp {

// DCP_OPEN flags (extras bytes 4..7).
inline constexpr uint32_t kOpenProducer = 0x01;
inline constexpr uint32_t kOpenNotifier = 0x02;  ///< obsolete: refused
inline constexpr uint32_t kOpenIncludeXattrs = 0x04;
inline constexpr uint32_t kOpenNoValue = 0x08;
/// Not a wire flag (kv_engine retired the bit): the front end sets it when the connection
/// negotiated Collections, and refuses it from a client. With it, keys are sent as the engine
/// keeps them (collection id first) and every collection streams; without it, only the default
/// collection streams, its keys without the prefix.
inline constexpr uint32_t kOpenCollections = 0x10;
inline constexpr uint32_t kOpenIncludeDeleteTimes = 0x20;
inline constexpr uint32_t kOpenNoValueWithUnderlyingDatatype = 0x40;
inline constexpr uint32_t kOpenIncludeDeletedUserXattrs = 0x100;

// DCP_STREAM_REQ flags.
inline constexpr uint32_t kStreamTakeover = 0x01;
inline constexpr uint32_t kStreamDiskOnly = 0x02;
inline constexpr uint32_t kStreamToLatest = 0x04;
inline constexpr uint32_t kStreamNoValue = 0x08;  ///< obsolete: use the open flag
inline constexpr uint32_t kStreamActiveVbOnly = 0x10;
inline constexpr uint32_t kStreamStrictVbUuid = 0x20;

// DCP_SNAPSHOT_MARKER flags.
inline constexpr uint32_t kMarkerMemory = 0x01;
inline constexpr uint32_t kMarkerDisk = 0x02;
inline constexpr uint32_t kMarkerCheckpoint = 0x04;
inline constexpr uint32_t kMarkerAck = 0x08;

/// DCP_STREAM_END reasons (extras, 4 bytes).
enum class StreamEndReason : uint32_t {
    Ok = 0,
    Closed = 1,
    StateChanged = 2,
    Disconnected = 3,
    Slow = 4,
    BackfillFail = 5,
    Rollback = 6,
    FilterEmpty = 7,
    LostPrivileges = 8,
};

/// "ok", "closed", "state changed", ... for logs and stats.
[[nodiscard]] constexpr std::string_view toString(StreamEndReason reason) {
    switch (reason) {
    case StreamEndReason::Ok: return "ok";
    case StreamEndReason::Closed: return "closed";
    case StreamEndReason::StateChanged: return "state changed";
    case StreamEndReason::Disconnected: return "disconnected";
    case StreamEndReason::Slow: return "too slow";
    case StreamEndReason::BackfillFail: return "backfill failed";
    case StreamEndReason::Rollback: return "rollback";
    case StreamEndReason::FilterEmpty: return "filter empty";
    case StreamEndReason::LostPrivileges: return "lost privileges";
    }
    return "unknown";
}

}  // namespace dcp

/// DCP_STREAM_REQ as the client sent it (48 bytes of extras, plus the header's opaque and
/// vbucket), and the collections filter of its value once the daemon has checked it.
struct DcpStreamRequest {
    uint32_t opaque = 0;
    Vbid vbucket;
    uint32_t flags = 0;
    uint64_t start_seqno = 0;
    uint64_t end_seqno = 0;
    uint64_t vbucket_uuid = 0;
    uint64_t snap_start_seqno = 0;
    uint64_t snap_end_seqno = 0;
    /// The collection ids the stream carries (sorted, each in the manifest when requested);
    /// nullopt: every collection the connection may see.
    std::optional<std::vector<uint32_t>> collections;
};

/// What a stream request answers besides its status: on Success the vbucket's failover log in
/// wire form (16 bytes per entry, uuid then seqno, newest first); on Rollback the seqno to roll
/// back to.
struct DcpStreamResponse {
    std::string failover_log;
    uint64_t rollback_seqno = 0;
};

/// One DCP message in wire form. `head` holds the header, extras, key and (usually) the value;
/// a large value may instead be referenced by `value` and kept alive by `value_owner` until it
/// has been written.
struct DcpFrame {
    std::string head;
    std::string_view value;
    std::shared_ptr<const void> value_owner;

    [[nodiscard]] size_t size() const { return head.size() + value.size(); }
};

/// Implemented by the connection; only used inside DcpIface::step() on its thread.
class DcpMessageSink {
public:
    /// Queues one message on the connection's output.
    virtual void send(DcpFrame frame) = 0;

protected:
    ~DcpMessageSink() = default;
};

class DcpIface {
public:
    virtual ~DcpIface() = default;

    /// DCP_OPEN: makes the cookie's connection a producer named `name` (flags must include
    /// kOpenProducer: consumers are NotSupported). A producer of the same name on another
    /// connection is replaced: that connection is disconnected. TemporaryFailure while the
    /// bucket warms up; InvalidArguments (with `message`) for refused flags or a connection
    /// that is already a DCP connection.
    virtual Status open(CookieIface& cookie, std::string_view name, uint32_t flags,
                        std::string& message) = 0;

    /// DCP_CONTROL `key` = `value`. InvalidArguments (with `message`) for an unknown key or a bad
    /// value, NotSupported for a key of a feature this producer does not have. `snappy` tells
    /// whether the connection negotiated Snappy (force_value_compression needs it).
    virtual Status control(CookieIface& cookie, std::string_view key, std::string_view value,
                           bool snappy, std::string& message) = 0;

    /// DCP_STREAM_REQ. Success fills `out.failover_log`; Rollback fills `out.rollback_seqno`;
    /// otherwise KeyExists (a stream for the vbucket exists), NotMyVbucket, OutOfRange (the
    /// seqnos contradict each other) or InvalidArguments (with `message`).
    virtual Status streamRequest(CookieIface& cookie, const DcpStreamRequest& request,
                                 DcpStreamResponse& out, std::string& message) = 0;

    /// DCP_GET_FAILOVER_LOG: the vbucket's failover log in wire form.
    virtual Status getFailoverLog(CookieIface& cookie, Vbid vbucket, std::string& out) = 0;

    /// DCP_CLOSE_STREAM: KeyNotFound if the connection has no stream for the vbucket.
    virtual Status closeStream(CookieIface& cookie, Vbid vbucket) = 0;

    /// DCP_BUFFER_ACKNOWLEDGEMENT: the consumer has processed `bytes` more bytes.
    virtual Status bufferAcknowledgement(CookieIface& cookie, uint32_t bytes) = 0;

    /// A response the client sent to a message of this producer (DCP_NOOP).
    virtual Status response(CookieIface& cookie, uint8_t opcode, uint16_t status,
                            uint32_t opaque) = 0;

    /// Sends the next message, if any (see the file comment).
    virtual Status step(CookieIface& cookie, DcpMessageSink& sink) = 0;
};

}  // namespace eddy
