// eddy tests — the consumer side of DCP over a socket, for the socket-level DCP suites.
//
// Owns: DcpConsumer (one McbpClient connection that opens a producer, sends DCP commands and
// decodes the messages the producer sends; the wire forms of both are src/client's
// make*Request() and decodeDcpMessage(), to which it adds the test's own bookkeeping and the
// checks of what eddy's producer in particular must send), DcpMessage (one decoded message,
// with what the tests ask of it), the stream-request
// and failover-log types, checkSnapshots() (the snapshot rules one stream's messages must keep)
// and DcpServerTest, the fixture of the DCP suites (eddyd with a persistent or an ephemeral
// bucket, plus a KV client that writes and reads stats).
//
// Semantics. A producer sends its messages as requests (magic 0x80) on the same connection that
// carries the responses to our commands, so a command's response may arrive after messages of
// streams already open: DcpConsumer keeps those in arrival order and next() hands them out
// before reading the socket again. DCP_NOOP is answered (a 0x81 response with the noop's
// opaque, status 0) unless answerNoops(false), and never handed out; noopsReceived() counts
// them.
//
// Byte accounting is kv_engine's TestDcpConsumer's: every message except DCP_NOOP adds its whole
// size (24 + body) to the ackable bytes when it is read from the socket; bufferAck(n) adds n to
// the acked bytes. So unackedBytes() is what a producer keeping a correct buffer log reports as
// eq_dcpq:<name>:unacked_bytes once it has read our acknowledgements. With autoAck(window) the
// consumer acknowledges everything it holds as soon as that exceeds half the window.
//
// Thread contract: one DcpConsumer per thread; nothing in it is thread-safe. Failures of wire
// form (a message with the wrong extras size, an unexpected response) are reported with gtest's
// ADD_FAILURE on the calling thread.
#pragma once

#include "client/dcp_consumer.h"
#include "eddy/dcp_iface.h"
#include "support/eddyd_process.h"
#include "support/mcbp_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::test {

inline constexpr uint64_t kMaxSeqno = std::numeric_limits<uint64_t>::max();

/// One message a producer sent. Fields that the opcode does not carry stay zero.
struct DcpMessage {
    mcbp::ClientOpcode opcode = mcbp::ClientOpcode::Noop;
    uint16_t vbucket = 0;
    uint32_t opaque = 0;
    uint8_t datatype = 0;
    uint64_t cas = 0;
    /// The whole frame: 24 + body length.
    size_t size = 0;

    // DCP_SNAPSHOT_MARKER.
    uint64_t snap_start = 0;
    uint64_t snap_end = 0;
    uint32_t snap_flags = 0;

    // DCP_MUTATION / DCP_DELETION / DCP_EXPIRATION.
    uint64_t by_seqno = 0;
    uint64_t rev_seqno = 0;
    uint32_t flags = 0;
    uint32_t expiration = 0;
    uint32_t lock_time = 0;
    /// DELETION with delete times (extras 21) and EXPIRATION.
    uint32_t delete_time = 0;
    std::string key;
    std::string value;

    // DCP_STREAM_END.
    dcp::StreamEndReason end_reason = dcp::StreamEndReason::Ok;

    std::string extras;

    [[nodiscard]] bool isMarker() const { return opcode == mcbp::ClientOpcode::DcpSnapshotMarker; }
    [[nodiscard]] bool isStreamEnd() const { return opcode == mcbp::ClientOpcode::DcpStreamEnd; }
    /// A document change: mutation, deletion or expiration.
    [[nodiscard]] bool isChange() const {
        return opcode == mcbp::ClientOpcode::DcpMutation ||
               opcode == mcbp::ClientOpcode::DcpDeletion ||
               opcode == mcbp::ClientOpcode::DcpExpiration;
    }
    /// "marker [1,10] 0x1", "mutation 3 key-2", "stream-end 0", ... for failure messages.
    [[nodiscard]] std::string describe() const;
};

/// DCP_STREAM_REQ fields (extras and header vbucket).
struct StreamRequestArgs {
    uint16_t vbucket = 0;
    uint32_t flags = 0;
    uint64_t start = 0;
    uint64_t end = kMaxSeqno;
    uint64_t vb_uuid = 0;
    uint64_t snap_start = 0;
    uint64_t snap_end = 0;
};

using client::FailoverEntry;

struct StreamRequestResult {
    mcbp::ResponseStatus status = mcbp::ResponseStatus::Success;
    /// The request's opaque: every message of the stream carries it.
    uint32_t opaque = 0;
    /// On success, newest entry first.
    std::vector<FailoverEntry> failover_log;
    /// On Rollback.
    uint64_t rollback_seqno = 0;
    std::string value;
};

struct FailoverLogResult {
    mcbp::ResponseStatus status = mcbp::ResponseStatus::Success;
    std::vector<FailoverEntry> entries;
};

/// What collect() gathered: each stream's messages (markers, changes, its STREAM_END) in
/// arrival order.
struct Collected {
    std::map<uint16_t, std::vector<DcpMessage>> streams;
    /// True when every awaited stream ended (collectUntilStreamEnd) or enough changes came
    /// (collectChanges) before the deadline.
    bool complete = false;

    /// The changes of one stream, in order.
    [[nodiscard]] std::vector<DcpMessage> changes(uint16_t vbucket) const;
    /// The STREAM_END of one stream, if it came.
    [[nodiscard]] std::optional<DcpMessage> streamEnd(uint16_t vbucket) const;
};

/// The snapshot rules of one stream's messages (in arrival order): a change comes only after a
/// marker and lies in its range; every marker has start ≤ end and starts above the previous
/// marker's end; seqnos increase strictly over the whole stream (no change arrives twice); one
/// snapshot holds each key at most once; nothing follows a STREAM_END. Returns one line per
/// broken rule (empty: all kept).
[[nodiscard]] std::vector<std::string> checkSnapshots(const std::vector<DcpMessage>& messages);

class DcpConsumer {
public:
    explicit DcpConsumer(uint16_t port);

    /// DCP_OPEN with `flags` (Producer added). Remembers the name and the flags (the extras
    /// size expected of deletions depends on IncludeDeleteTimes).
    mcbp::ResponseStatus open(std::string name, uint32_t flags = dcp::kOpenProducer);
    /// DCP_CONTROL key = value.
    mcbp::ResponseStatus control(std::string_view key, std::string_view value);
    /// control("connection_buffer_size", window) and autoAck(ack ? window : 0).
    mcbp::ResponseStatus enableFlowControl(uint32_t window, bool ack);
    /// control enable_noop=true, set_noop_interval=seconds.
    mcbp::ResponseStatus enableNoop(uint32_t interval_seconds);

    StreamRequestResult streamRequest(const StreamRequestArgs& args);
    mcbp::ResponseStatus closeStream(uint16_t vbucket);
    FailoverLogResult getFailoverLog(uint16_t vbucket);
    /// DCP_BUFFER_ACKNOWLEDGEMENT (the producer sends no response).
    void bufferAck(uint32_t bytes);
    /// Acknowledges everything not yet acknowledged (if anything).
    void ackAll();

    /// Acknowledge once unacked bytes exceed window / 2; 0 = never acknowledge by itself.
    void autoAck(uint32_t window) { auto_ack_window_ = window; }
    /// Whether DCP_NOOPs are answered (default true).
    void answerNoops(bool answer) { answer_noops_ = answer; }

    /// The next message (noops excepted), or nullopt if none arrived within `timeout` or the
    /// server closed the connection.
    std::optional<DcpMessage> next(std::chrono::milliseconds timeout);
    /// Reads until each stream in `vbuckets` has sent its STREAM_END, or until `timeout`.
    Collected collectUntilStreamEnd(const std::set<uint16_t>& vbuckets,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(20));
    /// Reads until `count` changes arrived (over all streams) or a STREAM_END of one of them, or
    /// until `timeout`.
    Collected collectChanges(size_t count,
                             std::chrono::milliseconds timeout = std::chrono::seconds(20));
    /// Reads until `count` noops in all have arrived (true) or `timeout`; the messages waiting
    /// and those read meanwhile are moved to `sink`, or dropped if it is null.
    bool waitForNoops(size_t count, std::chrono::milliseconds timeout,
                      std::vector<DcpMessage>* sink = nullptr);
    /// Reads frames until the server closes the connection (true) or `timeout` (false);
    /// messages read meanwhile are kept for next().
    bool waitForClose(std::chrono::milliseconds timeout);

    [[nodiscard]] uint64_t ackableBytes() const { return ackable_bytes_; }
    [[nodiscard]] uint64_t ackedBytes() const { return acked_bytes_; }
    [[nodiscard]] uint64_t unackedBytes() const { return ackable_bytes_ - acked_bytes_; }
    /// Every message's bytes, noops included.
    [[nodiscard]] uint64_t allBytes() const { return all_bytes_; }
    [[nodiscard]] size_t noopsReceived() const { return noop_times_.size(); }
    [[nodiscard]] const std::vector<std::chrono::steady_clock::time_point>& noopTimes() const {
        return noop_times_;
    }
    [[nodiscard]] const std::string& name() const { return name_; }
    /// Messages read from the socket but not yet handed out by next().
    [[nodiscard]] size_t pending() const { return pending_.size(); }
    /// False once the server closed the connection (as far as reads have seen).
    [[nodiscard]] bool connected() const { return connected_; }

    McbpClient& client() { return client_; }
    /// Closes the socket now (an abrupt consumer exit).
    void disconnect() { client_.close(); }

private:
    /// Sends `request` with a fresh opaque and reads until its response; DCP messages read
    /// meanwhile are queued. An empty response (and a failure) if none came.
    Response execute(Request request);
    enum class Read {
        Answer,   ///< a response to one of our commands (in `response`)
        Message,  ///< a DCP message, decoded, accounted and queued in pending_
        Noop,     ///< a DCP_NOOP, counted and (unless told otherwise) answered
        Nothing,  ///< the deadline passed or the server closed the connection
    };
    /// Reads one frame.
    Read readOne(std::chrono::steady_clock::time_point deadline, Response& response);
    void account(const DcpMessage& message);
    [[nodiscard]] DcpMessage decode(const Response& frame) const;

    McbpClient client_;
    std::string name_;
    uint32_t open_flags_ = 0;
    uint32_t next_opaque_ = 0x1000;
    std::deque<DcpMessage> pending_;
    bool answer_noops_ = true;
    bool connected_ = true;
    uint32_t auto_ack_window_ = 0;
    uint64_t ackable_bytes_ = 0;
    uint64_t acked_bytes_ = 0;
    uint64_t all_bytes_ = 0;
    std::vector<std::chrono::steady_clock::time_point> noop_times_;
};

enum class BucketKind {
    Persistent,
    Ephemeral
};

inline std::string bucketKindName(const ::testing::TestParamInfo<BucketKind>& info) {
    return info.param == BucketKind::Persistent ? "Persistent" : "Ephemeral";
}

/// Where a write landed (its MutationSeqno extras).
struct Position {
    uint64_t uuid = 0;
    uint64_t seqno = 0;
};

/// eddyd with a persistent or an ephemeral bucket, started by each test with its own bucket
/// parameters; client_ has negotiated MutationSeqno. TearDown stops eddyd and expects exit code 0
/// (a sanitizer report fails the test).
class DcpServerTest : public ::testing::TestWithParam<BucketKind> {
protected:
    void TearDown() override;

    /// Starts eddyd with `bucket_config` ("key=value;...") added to the suite's defaults and
    /// waits for warm-up.
    void start(const std::string& bucket_config = {});
    [[nodiscard]] bool persistent() const { return GetParam() == BucketKind::Persistent; }
    [[nodiscard]] uint16_t port() const { return server_->port(); }

    /// A new connection that opened a producer named `name` (a test failure if it could not).
    std::unique_ptr<DcpConsumer> openProducer(const std::string& name,
                                              uint32_t flags = dcp::kOpenProducer);

    /// SET / DELETE on client_; a test failure unless they succeed.
    Position set(uint16_t vbucket, const std::string& key, const std::string& value,
                 uint32_t exptime = 0);
    Position remove(uint16_t vbucket, const std::string& key);
    /// Writes keyOf(first) .. keyOf(first + count - 1) with valueOf(i) to `vbucket`.
    std::vector<Position> writeKeys(uint16_t vbucket, size_t first, size_t count);
    /// SEQNO_PERSISTENCE: returns once `seqno` of `vbucket` is on disk (persistent buckets).
    void waitPersisted(uint16_t vbucket, uint64_t seqno);
    mcbp::ResponseStatus setVbucketState(uint16_t vbucket, uint8_t state);
    mcbp::ResponseStatus stopPersistence();
    mcbp::ResponseStatus startPersistence();

    /// One STAT group (empty = default) as a map.
    std::map<std::string, std::string> stats(const std::string& group = {});
    /// A numeric stat, or nullopt if the group does not have it.
    std::optional<uint64_t> statNumber(const std::string& group, const std::string& name);
    /// eq_dcpq:<connection>:<key> from STAT dcp, or nullopt.
    std::optional<std::string> dcpStat(const std::string& connection, const std::string& key);
    /// Polls `group` until `name` exists and `accept` says yes; false (and the last value in the
    /// failure) after `timeout`.
    bool waitForStat(const std::string& group, const std::string& name,
                     const std::function<bool(uint64_t)>& accept,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20));

    std::unique_ptr<EddydProcess> server_;
    std::unique_ptr<McbpClient> client_;
};

/// "key-<i>" and a value that names its key.
std::string keyOf(size_t i);
std::string valueOf(size_t i);

/// first, first + 1, ..., last.
std::vector<uint64_t> seqnoRange(uint64_t first, uint64_t last);
/// The seqnos of the changes among `messages`, in order.
std::vector<uint64_t> changeSeqnos(const std::vector<DcpMessage>& messages);

/// Reports every checkSnapshots() problem of `messages` as a test failure.
void expectConsistent(const std::vector<DcpMessage>& messages, const std::string& what = {});

}  // namespace eddy::test
