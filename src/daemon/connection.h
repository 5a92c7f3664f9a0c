// eddy — one client socket and the commands it carries.
//
// Semantics. A Connection belongs to one front-end thread for its whole life; only that thread
// reads or writes it. It reads as many bytes as the socket has, parses whole MCBP frames out of
// them and executes them strictly in order, one Cookie at a time. Responses go into an output
// queue that is written with as few writev calls as possible when the event callback ends.
// A command whose engine call returns WouldBlock keeps its request (the cookie copies it) and
// the connection executes nothing further until the engine's notification arrives on this
// thread; Success re-drives the command, anything else becomes its response.
//
// Flow control: while more than max_send_queue_size bytes wait to be sent, no command is
// executed and the socket is not read; while a command is blocked, input is read only up to a
// cap. After reqs_per_event commands the connection yields to the other connections of its
// thread and continues on the next loop iteration.
//
// DCP. Once DCP_OPEN has made it a producer (setDcpProducer), the connection also pulls
// messages from the engine: whenever it is Running, has no blocked command and its output queue
// is below the DCP limit (1 MiB, or max_send_queue_size if smaller), it calls
// DcpIface::step() again and again. Success queued one message (through the DcpSink, which
// appends the frame's head and references a large value without copying it, keeping its owner
// alive until written); WouldBlock means nothing is ready and the engine will call
// ServerApi::scheduleDcpStep, which reaches processDcpStep() through the FrontEnd; any other
// status closes the connection. Stepping happens after every round of command execution, when
// a flush brings the queue back below the limit, and when a scheduled step arrives; like
// commands, at most reqs_per_event messages per loop iteration before it yields (its own
// step event brings it back next iteration). A response frame (magic 0x81/0x18) from the
// client of a producer goes to DcpIface::response() and is not answered (a refusal closes
// the connection); on any other connection it is answered EINVAL like every non-request.
// A producer is never closed for idleness (the engine runs its own noop/idle logic).
//
// Closing: close() on a connection whose cookie is blocked moves it to PendingClose; the
// notification that must still arrive finds it there and only then is it destroyed. A
// connection marked Dead is destroyed by its FrontEnd right after the current callback.
// Framing errors (bad magic, body length smaller than its parts, body over max_packet_size)
// are answered EINVAL and the socket is closed once that response is written.
//
// Transport. A connection accepted on the TLS port carries a TLS session (transport.h); the
// handshake runs inside its first reads, and a failed one closes the connection (logged, counted
// in tls_handshake_failures). While TLS asks a read to wait for the socket to be writable, or a
// write to wait for it to be readable, the other event is armed for it. Decrypted bytes that TLS
// holds do not make the socket readable again, so whenever reading is wanted and the transport
// still has some, the read event is activated by hand.
//
// Thread contract: owned by the front-end thread of `front_end`; every method asserts it in
// debug and sanitizer builds. frontEnd() and id() are immutable and may be read anywhere (this
// is all ServerApi::notifyIoComplete and scheduleDcpStep read on a foreign thread).
#pragma once

#include "common/owner_thread.h"
#include "daemon/cluster_config.h"
#include "daemon/cookie.h"
#include "daemon/session.h"
#include "daemon/transport.h"
#include "eddy/engine_iface.h"
#include "protocol/feature.h"
#include "protocol/frame.h"
#include "protocol/status.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct event;
struct evbuffer;

namespace eddy::daemon {

class FrontEnd;
class Server;

class Connection {
public:
    enum class State {
        Running,       ///< executing commands
        Draining,      ///< sending what is queued, then closing (QUIT, framing error)
        PendingClose,  ///< closed while a command is blocked: waits for its notification
        Dead,          ///< to be destroyed by the FrontEnd after the current callback
    };

    /// A connection over `fd`; TLS when `tls` is set (accepted on the TLS port).
    Connection(FrontEnd& front_end, int fd, uint64_t id,
               std::unique_ptr<security::TlsSession> tls = nullptr);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    [[nodiscard]] FrontEnd& frontEnd() const { return front_end_; }
    [[nodiscard]] uint64_t id() const { return id_; }
    [[nodiscard]] State state() const { return state_; }
    [[nodiscard]] Server& server() const;
    /// The selected bucket's engine (the no-bucket engine when none is selected).
    [[nodiscard]] EngineIface& engine() const;
    /// Who this connection is and what it may do.
    [[nodiscard]] Session& session() { return session_; }
    /// Whether the session holds what `access` requires for the current command. If not, sets
    /// the cookie's error context ("Authentication required", or "Missing privilege: X", which
    /// is also audited) and returns false; the caller answers EACCESS (Status::NoAccess).
    bool authorize(Access access);
    /// "host:port" of the client.
    [[nodiscard]] const std::string& peer() const { return peer_; }
    /// Whether the connection came in on the TLS port.
    [[nodiscard]] bool isTls() const { return transport_.isTls(); }

    /// Applies a notifyIoComplete for `cookie`.
    void processNotification(Cookie& cookie, Status status);

    /// Closes the connection (deferred while a command is blocked).
    void close();

    /// Makes this connection a DCP producer (DCP_OPEN succeeded with the Producer flag).
    void setDcpProducer();
    [[nodiscard]] bool isDcpProducer() const { return dcp_producer_; }

    /// STAT connections: this connection's "conn_<id>:<key>" pairs (owner thread only).
    void describe(const std::function<void(std::string key, std::string value)>& add) const;

    /// Applies a scheduled DCP step: steps the producer and writes what it queued.
    void processDcpStep();

    /// The blocked-command watchdog: if the command has been blocked (waiting for its engine
    /// notification) for at least `limit` at `now` and this block was not reported yet, logs a
    /// warning (opcode, connection id and peer, how long, and what EngineIface::describeWait
    /// says it waits for), counts it in FrontEndStats::cookies_blocked_too_long and returns
    /// true. Each block is reported once however long it lasts; a connection closed by its
    /// client while blocked (PendingClose) is still checked.
    bool reportIfBlockedTooLong(std::chrono::steady_clock::time_point now,
                                std::chrono::seconds limit);

    /// Closes the connection if it has been idle longer than `limit` and is not blocked (a DCP
    /// producer never is).
    void closeIfIdle(std::chrono::steady_clock::time_point now, std::chrono::seconds limit);

    // Response writers, for command executors and contexts (owner thread only). A plain
    // response goes through Cookie::sendResponse.

    /// Queues a document (GET family and GAT): flags extras, optional key, the value without a
    /// copy when it is large (the item stays alive until written).
    void sendItem(const Cookie& cookie, const ItemPtr& item, bool include_key);

    /// Clustermap change notification: if this connection subscribed (HELLO Duplex and
    /// ClustermapChangeNotification) and `config` (its bucket's, or the global one without a
    /// bucket) is newer than what it was sent, sends it as a server request (magic 0x82,
    /// opcode 0x01; extras: epoch, revision; key: the bucket). Owner thread.
    void pushClusterConfig(const ClusterConfig::Snapshot& config);
    /// Whether pushClusterConfig() may send anything to this connection.
    [[nodiscard]] bool subscribedToClusterConfig() const;

    /// Queues an error response for `status` with the cookie's error context (XERROR), unless a
    /// quiet opcode suppresses it. NOT_MY_VBUCKET in a bucket carries its cluster map instead.
    void sendError(const Cookie& cookie, mcbp::ResponseStatus status);

    /// Queues one STAT pair (an empty key terminates the group).
    void sendStat(const Cookie& cookie, std::string_view key, std::string_view value);

    /// Stops executing commands; closes once queued output is written (QUIT).
    void closeAfterFlush();

    [[nodiscard]] const mcbp::FeatureSet& features() const { return features_; }
    void setFeatures(const mcbp::FeatureSet& features);
    void setAgentName(std::string name);
    /// TCP_NODELAY on (HELLO TcpNoDelay, the default) or off (HELLO TcpDelay).
    void setTcpNoDelay(bool enable);
    [[nodiscard]] const std::string& agentName() const { return agent_name_; }
    [[nodiscard]] size_t outputQueueSize() const;

private:
    /// NOT_MY_VBUCKET with the bucket's cluster map (see cluster_config_contexts.h).
    void sendNotMyVbucket(const Cookie& cookie);
    class DcpSink;
    /// Cookie::sendResponse is the one public way to the plain response writer below.
    friend class Cookie;

    /// Queues a response to the cookie's request, unless its quiet opcode suppresses it.
    void sendResponse(const Cookie& cookie, mcbp::ResponseStatus status, std::string_view extras,
                      std::string_view key, std::string_view value, uint8_t datatype, uint64_t cas);

    static void onReadable(int fd, short events, void* self);
    static void onWritable(int fd, short events, void* self);
    static void onDcpStep(int fd, short events, void* self);

    void handleReadable();
    void handleWritable();
    /// Reads what the socket has (bounded); false if the connection closed or failed.
    bool readFromSocket();
    /// Logs (and for a TLS handshake counts) why the transport failed a read.
    void reportReadFailure();
    /// Executes buffered commands until one blocks, the input runs out or a limit is hit.
    void executePipeline();
    /// Executes (or re-drives) the current cookie; true if the command completed.
    bool executeCookie();
    void handleFramingError(const mcbp::ParseResult& result);
    /// The RBAC check of the current cookie's opcode (the Access column of the opcode table);
    /// false after answering EACCESS.
    bool checkAccess();
    /// A command naming a document: makes the cookie's key the engine's (with its collection
    /// id) and checks that the collection exists in the bucket; false if it does not (the
    /// error has been sent: UNKNOWN_COLLECTION with the manifest uid, or EINVAL to a client
    /// that did not negotiate collections, which cannot act on it).
    bool resolveCollection();
    /// A response frame from the client of a DCP producer: hands it to the engine.
    void handleDcpResponse(const mcbp::Header& header);
    /// Steps the DCP producer while it has messages, room and budget (see the file comment).
    void stepDcp();
    /// Queues one DCP message (DcpSink::send).
    void queueDcpFrame(DcpFrame frame);
    /// The largest request body accepted now: max_packet_size, or kMaxHandshakeBody before the
    /// connection has an identity (nothing of the handshake is that large).
    [[nodiscard]] size_t maxBodyLength() const;
    /// Output-queue size up to which a producer is stepped.
    [[nodiscard]] size_t dcpSendLimit() const;
    /// Writes queued output; arms the write event if the socket is full.
    void flushOutput();
    /// Enables or disables reading according to state and limits.
    void updateReadInterest();
    void markDead();
    [[nodiscard]] std::string_view pendingInput() const;
    void consumeInput(size_t bytes);
    /// Queues header, extras and key of a response whose value (of `value_length` bytes) the
    /// caller queues next; false if a quiet opcode suppresses the response.
    bool queueResponseHeader(const Cookie& cookie, mcbp::ResponseStatus status,
                             std::string_view extras, std::string_view key, size_t value_length,
                             uint8_t datatype, uint64_t cas);
    [[nodiscard]] bool suppressedByQuiet(const Cookie& cookie, mcbp::ResponseStatus status) const;
    [[nodiscard]] uint8_t responseDatatype(uint8_t datatype) const;
    /// Queues the STAT pairs encoded so far (sendStat).
    void flushStatBatch();

    FrontEnd& front_end_;
    const int fd_;
    const uint64_t id_;
    const std::string peer_;
    OwnerThread owner_;
    Transport transport_;
    /// A TLS read waits for the socket to be writable (the write event is armed for it).
    bool read_wants_write_ = false;
    /// A TLS write waits for the socket to be readable (the read event is armed for it).
    bool write_wants_read_ = false;
    State state_ = State::Running;
    /// Declared before the cookie so that the bucket it holds outlives whatever the cookie
    /// still keeps of that bucket's engine (its engine storage).
    Session session_;
    Cookie cookie_;

    std::vector<char> input_;
    size_t input_begin_ = 0;
    size_t input_end_ = 0;
    evbuffer* output_ = nullptr;
    /// STAT pairs encoded and not yet queued in output_ (sendStat).
    std::string stat_batch_;
    event* read_event_ = nullptr;
    event* write_event_ = nullptr;
    bool reading_ = false;
    /// executePipeline stopped because the output queue was full.
    bool stalled_on_output_ = false;

    /// Set once by DCP_OPEN (producer); never cleared.
    bool dcp_producer_ = false;
    /// stepDcp stopped because the output queue reached dcpSendLimit().
    bool dcp_stalled_on_output_ = false;
    /// A DCP message could not be queued: the stream is broken, stepDcp closes.
    bool dcp_send_failed_ = false;
    /// Activated to step again on the next loop iteration; created by setDcpProducer.
    event* dcp_step_event_ = nullptr;

    mcbp::FeatureSet features_;
    std::string agent_name_;
    std::chrono::steady_clock::time_point last_activity_;
};

}  // namespace eddy::daemon
