#include "daemon/connection.h"

#include "collections/manifest.h"
#include "daemon/bucket_manager.h"
#include "daemon/cluster_config_contexts.h"
#include "daemon/executors.h"
#include "daemon/front_end.h"
#include "daemon/server.h"
#include "net/listener.h"
#include "protocol/encode.h"
#include "protocol/error_map.h"
#include "protocol/leb128.h"
#include "protocol/opcode.h"
#include "protocol/validators.h"
#include "xattr/blob.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstring>

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

namespace eddy::daemon {

namespace {

constexpr size_t kReadChunk = 16 * 1024;
/// Bytes read per event before the connection lets the others run.
constexpr size_t kMaxReadPerEvent = 512 * 1024;
/// While a command is blocked, read ahead at most this much.
constexpr size_t kBlockedReadAhead = 1024 * 1024;
/// Values at least this large are queued by reference instead of copied.
constexpr size_t kReferenceThreshold = 4096;
/// Extras + key up to this size are copied into the output queue together with the header.
constexpr size_t kCoalesceLimit = 512;
/// STAT pairs are queued once this many bytes of them are encoded (and at the terminator).
constexpr size_t kStatBatchSize = 64 * 1024;
/// An idle input buffer larger than this is given back.
constexpr size_t kInputShrinkSize = 256 * 1024;
/// The largest request body of a connection that has not authenticated: a frame beyond it closes
/// the connection, so an anonymous peer cannot make the server buffer large requests.
constexpr size_t kMaxHandshakeBody = 16 * 1024;
/// A DCP producer is stepped while its output queue is below this (or max_send_queue_size).
constexpr size_t kDcpSendLimit = 1024 * 1024;

void releaseItem(const void* /*data*/, size_t /*length*/, void* holder) {
    delete static_cast<ItemPtr*>(holder);
}

void releaseDcpValue(const void* /*data*/, size_t /*length*/, void* holder) {
    delete static_cast<std::shared_ptr<const void>*>(holder);
}

/// "host:port" of the socket's peer ("?:?" if it cannot be had, e.g. after a reset).
std::string peerName(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    char host[NI_MAXHOST] = "?";
    char port[NI_MAXSERV] = "?";
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
        ::getnameinfo(reinterpret_cast<sockaddr*>(&address), length, host, sizeof(host), port,
                      sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV);
    }
    return fmt::format("{}:{}", host, port);
}

}  // namespace

/// What a producer's step() sends through: queues the frame on this connection. Lives on the
/// stack of one stepDcp() call.
class Connection::DcpSink final : public DcpMessageSink {
public:
    explicit DcpSink(Connection& connection) : connection_(connection) {}
    void send(DcpFrame frame) override { connection_.queueDcpFrame(std::move(frame)); }

private:
    Connection& connection_;
};

Connection::Connection(FrontEnd& front_end, int fd, uint64_t id,
                       std::unique_ptr<security::TlsSession> tls)
    : front_end_(front_end),
      fd_(fd),
      id_(id),
      peer_(peerName(fd)),
      transport_(fd, std::move(tls)),
      session_(front_end.server()),
      cookie_(this, id),
      input_(kReadChunk),
      last_activity_(std::chrono::steady_clock::now()) {
    output_ = evbuffer_new();
    read_event_ =
        event_new(front_end_.base(), fd_, EV_READ | EV_PERSIST, &Connection::onReadable, this);
    write_event_ = event_new(front_end_.base(), fd_, EV_WRITE, &Connection::onWritable, this);
    updateReadInterest();
}

Connection::~Connection() {
    EDDY_ASSERT_OWNER(owner_, "Connection::~Connection");
    event_free(read_event_);
    event_free(write_event_);
    if (dcp_step_event_ != nullptr) {
        event_free(dcp_step_event_);
    }
    evbuffer_free(output_);
    transport_.shutdown();
    ::close(fd_);
}

Server& Connection::server() const {
    return front_end_.server();
}

EngineIface& Connection::engine() const {
    return session_.engine();
}

size_t Connection::outputQueueSize() const {
    return evbuffer_get_length(output_);
}

void Connection::onReadable(int /*fd*/, short /*events*/, void* self) {
    auto* connection = static_cast<Connection*>(self);
    connection->handleReadable();
    connection->frontEnd().reapIfDead(*connection);
}

void Connection::onWritable(int /*fd*/, short /*events*/, void* self) {
    auto* connection = static_cast<Connection*>(self);
    connection->handleWritable();
    connection->frontEnd().reapIfDead(*connection);
}

void Connection::onDcpStep(int /*fd*/, short /*events*/, void* self) {
    auto* connection = static_cast<Connection*>(self);
    connection->processDcpStep();
    connection->frontEnd().reapIfDead(*connection);
}

void Connection::handleReadable() {
    EDDY_ASSERT_OWNER(owner_, "Connection::handleReadable");
    if (write_wants_read_) {
        write_wants_read_ = false;
        flushOutput();
        if (state_ != State::Running) {
            return;
        }
    }
    if (!readFromSocket()) {
        close();
        return;
    }
    executePipeline();
    stepDcp();
    flushOutput();
}

void Connection::handleWritable() {
    EDDY_ASSERT_OWNER(owner_, "Connection::handleWritable");
    if (read_wants_write_) {
        read_wants_write_ = false;
        handleReadable();
        return;
    }
    flushOutput();
    if (state_ == State::Running && !cookie_.isBlocked()) {
        executePipeline();
        stepDcp();
        flushOutput();
    }
}

bool Connection::readFromSocket() {
    size_t total = 0;
    while (total < kMaxReadPerEvent) {
        // Make room: at least a chunk, or the rest of a frame we know is larger.
        size_t want = kReadChunk;
        const auto parsed = mcbp::parseFrame(pendingInput(), maxBodyLength());
        if (parsed.status == mcbp::ParseStatus::NeedMoreData &&
            parsed.needed > pendingInput().size()) {
            want = std::max(want, parsed.needed - pendingInput().size());
        }
        if (input_.size() - input_end_ < want) {
            if (input_begin_ > 0) {
                std::memmove(input_.data(), input_.data() + input_begin_,
                             input_end_ - input_begin_);
                input_end_ -= input_begin_;
                input_begin_ = 0;
            }
            if (input_.size() - input_end_ < want) {
                input_.resize(input_end_ + want);
            }
        }
        const auto [io, got] =
            transport_.read(input_.data() + input_end_, input_.size() - input_end_);
        if (io == Transport::Io::Done) {
            const bool filled = got == input_.size() - input_end_;
            input_end_ += got;
            total += got;
            front_end_.stats().add(front_end_.stats().bytes_read, got);
            last_activity_ = std::chrono::steady_clock::now();
            if (cookie_.isBlocked() && pendingInput().size() >= kBlockedReadAhead) {
                break;
            }
            if (!filled) {
                // A short read drained the socket; asking again would only return EAGAIN.
                break;
            }
            continue;
        }
        if (io == Transport::Io::WantRead) {
            break;
        }
        if (io == Transport::Io::WantWrite) {
            read_wants_write_ = true;  // handleWritable reads again
            event_add(write_event_, nullptr);
            break;
        }
        if (io == Transport::Io::Failed) {
            reportReadFailure();
        }
        return false;  // Closed: orderly shutdown by the peer
    }
    return true;
}

void Connection::reportReadFailure() {
    if (transport_.inHandshake()) {
        // The handshake failed (a plain client on the TLS port,
        // an old protocol version, a scanner).
        front_end_.stats().add(front_end_.stats().tls_handshake_failures, 1);
        spdlog::info("connection {} from {}: {}", id_, peer_, transport_.error());
        return;
    }
    spdlog::debug("connection {}: {}", id_, transport_.error());
}

std::string_view Connection::pendingInput() const {
    return {input_.data() + input_begin_, input_end_ - input_begin_};
}

void Connection::consumeInput(size_t bytes) {
    input_begin_ += bytes;
    if (input_begin_ == input_end_) {
        input_begin_ = input_end_ = 0;
        if (input_.size() > kInputShrinkSize) {
            input_.resize(kReadChunk);
            input_.shrink_to_fit();
        }
    }
}

void Connection::executePipeline() {
    const Settings& settings = server().settings();
    size_t budget = settings.reqs_per_event;
    while (state_ == State::Running && !cookie_.isBlocked()) {
        if (outputQueueSize() >= settings.max_send_queue_size) {
            stalled_on_output_ = true;  // flushOutput resumes us once the queue drains
            break;
        }
        if (budget == 0) {
            // Yield to the other connections of this thread; come back next iteration.
            if (!pendingInput().empty()) {
                event_active(read_event_, EV_READ, 0);
            }
            break;
        }
        const auto parsed = mcbp::parseFrame(pendingInput(), maxBodyLength());
        if (parsed.status == mcbp::ParseStatus::NeedMoreData) {
            break;
        }
        if (parsed.status != mcbp::ParseStatus::Ok) {
            handleFramingError(parsed);
            break;
        }
        --budget;
        if (dcp_producer_ && mcbp::isResponse(parsed.frame.header.magic)) {
            // The client answering one of the producer's messages (DCP_NOOP).
            handleDcpResponse(parsed.frame.header);
            consumeInput(parsed.frame.bytes.size());
            continue;
        }
        if (features_.has(mcbp::Feature::Duplex) &&
            parsed.frame.header.magic == mcbp::Magic::ServerResponse) {
            // An answer to a server request: none of those this server sends expects one.
            consumeInput(parsed.frame.bytes.size());
            continue;
        }
        cookie_.initialize(parsed.frame);
        // Access first: a connection that may not run a command learns nothing about it, not
        // even what shape it has.
        if (!checkAccess()) {
            cookie_.reset();
            consumeInput(parsed.frame.bytes.size());
            continue;
        }
        mcbp::ValidationContext validation;
        validation.features = features_;
        const auto verdict = mcbp::validateRequest(parsed.frame, validation);
        if (!verdict.ok()) {
            cookie_.setErrorContext(std::string(verdict.message));
            sendError(cookie_, verdict.status);
            cookie_.reset();
            consumeInput(parsed.frame.bytes.size());
            continue;
        }
        if (mcbp::hasDocumentKey(parsed.frame.header.opcode) && !resolveCollection()) {
            cookie_.reset();
            consumeInput(parsed.frame.bytes.size());
            continue;
        }
        const bool completed = executeCookie();
        if (!completed) {
            // The input buffer is about to move on: the blocked command keeps its own copy.
            cookie_.preserveRequest();
        }
        consumeInput(parsed.frame.bytes.size());
    }
    updateReadInterest();
}

bool Connection::checkAccess() {
    if (authorize(mcbp::requiredAccess(cookie_.request().header.opcode))) {
        return true;
    }
    sendError(cookie_, mcbp::ResponseStatus::Eaccess);
    return false;
}

bool Connection::resolveCollection() {
    collections::CollectionId id = collections::kDefaultCollection;
    const bool negotiated = features_.has(mcbp::Feature::Collections);
    if (negotiated) {
        // validateRequest() has checked that the key starts with a canonical prefix.
        id = mcbp::decodeLeb128(cookie_.request().key).value_or(mcbp::Leb128Prefix{}).value;
    } else {
        cookie_.useDefaultCollection();
    }
    const Bucket* bucket = session_.bucket();
    if (bucket == nullptr) {
        return true;  // the engine answers NO_BUCKET
    }
    const collections::Manager::Check check = bucket->collections().check(id);
    if (check.exists) {
        return true;
    }
    if (!negotiated) {
        cookie_.setErrorContext("The default collection does not exist");
        sendError(cookie_, mcbp::ResponseStatus::Einval);
        return false;
    }
    cookie_.setUnknownCollection(check.manifest_uid);
    sendError(cookie_, mcbp::ResponseStatus::UnknownCollection);
    return false;
}

bool Connection::authorize(Access access) {
    const AccessVerdict verdict = session_.check(access);
    if (verdict.allowed()) {
        return true;
    }
    if (verdict.kind == AccessVerdict::Kind::NotAuthenticated) {
        cookie_.setErrorContext("Authentication required");
        return false;
    }
    const uint8_t opcode = cookie_.request().header.opcode;
    const auto name = mcbp::opcodeName(opcode);
    const std::string_view privilege = privilegeName(verdict.missing);
    cookie_.setErrorContext(fmt::format("Missing privilege: {}", privilege));
    nlohmann::json fields = {{"opcode", name ? std::string(*name) : fmt::format("{:#04x}", opcode)},
                             {"privilege", std::string(privilege)},
                             {"bucket", session_.bucketName()}};
    if (cookie_.opcode() == mcbp::ClientOpcode::Stat) {
        fields["stat"] = std::string(cookie_.request().key);
    }
    server().audit().record("privilege_denied", session_.user(), peer_, fields);
    return false;
}

bool Connection::executeCookie() {
    const Status status = executeCommand(cookie_);
    if (status == Status::WouldBlock) {
        cookie_.markBlocked(std::chrono::steady_clock::now());
        front_end_.stats().add(front_end_.stats().would_block, 1);
        return false;
    }
    if (status == Status::Disconnect) {
        close();
        return true;
    }
    if (status != Status::Success) {
        sendError(cookie_, mcbp::toResponseStatus(status));
    }
    front_end_.timings().record(cookie_.request().header.opcode,
                                std::chrono::steady_clock::now() - cookie_.startTime());
    cookie_.reset();
    return true;
}

void Connection::processNotification(Cookie& cookie, Status status) {
    EDDY_ASSERT_OWNER(owner_, "Connection::processNotification");
    if (&cookie != &cookie_ || !cookie_.isBlocked()) {
        spdlog::error("connection {}: notification for a cookie that is not blocked (status {})",
                      id_, toString(status));
        return;
    }
    cookie_.markUnblocked();
    if (state_ == State::PendingClose) {
        // The client is gone: the command ends here, and so does the connection.
        cookie_.reset();
        markDead();
        return;
    }
    if (status == Status::WouldBlock) {
        spdlog::error("connection {}: engine notified WouldBlock; treating as internal error", id_);
        status = Status::Failed;
    }
    cookie_.setAiostat(status);
    executeCookie();
    if (state_ == State::Running && !cookie_.isBlocked()) {
        executePipeline();
        stepDcp();
    }
    flushOutput();
}

void Connection::setDcpProducer() {
    EDDY_ASSERT_OWNER(owner_, "Connection::setDcpProducer");
    if (dcp_producer_) {
        return;
    }
    dcp_producer_ = true;
    dcp_step_event_ = event_new(front_end_.base(), -1, 0, &Connection::onDcpStep, this);
}

void Connection::processDcpStep() {
    EDDY_ASSERT_OWNER(owner_, "Connection::processDcpStep");
    if (state_ != State::Running) {
        return;
    }
    stepDcp();
    flushOutput();
}

size_t Connection::dcpSendLimit() const {
    return std::min(kDcpSendLimit, server().settings().max_send_queue_size);
}

void Connection::stepDcp() {
    if (!dcp_producer_) {
        return;
    }
    DcpIface* dcp = engine().dcp();
    if (dcp == nullptr) {
        // DCP_OPEN succeeded, so the bucket has one; a bucket that loses it is a bug.
        spdlog::error("connection {}: DCP producer without the bucket's DCP; closing", id_);
        close();
        return;
    }
    DcpSink sink(*this);
    const size_t limit = dcpSendLimit();
    size_t budget = server().settings().reqs_per_event;
    while (state_ == State::Running && !cookie_.isBlocked()) {
        if (outputQueueSize() >= limit) {
            dcp_stalled_on_output_ = true;  // flushOutput resumes us once the queue drains
            break;
        }
        if (budget == 0) {
            // Yield to the other connections of this thread; come back next iteration.
            event_active(dcp_step_event_, EV_TIMEOUT, 0);
            break;
        }
        --budget;
        const Status status = dcp->step(cookie_, sink);
        if (dcp_send_failed_) {
            // Closed here, not inside the sink: close() calls into the engine (disconnect),
            // which must not happen from within its own step().
            close();
            break;
        }
        if (status == Status::Success) {
            continue;
        }
        if (status != Status::WouldBlock) {
            spdlog::info("connection {}: DCP step returned {}; closing", id_, toString(status));
            close();
        }
        break;  // WouldBlock: the engine calls scheduleDcpStep once it has more
    }
}

void Connection::queueDcpFrame(DcpFrame frame) {
    EDDY_ASSERT_OWNER(owner_, "Connection::queueDcpFrame");
    evbuffer_add(output_, frame.head.data(), frame.head.size());
    if (frame.value.empty()) {
        return;
    }
    if (frame.value_owner == nullptr || frame.value.size() < kReferenceThreshold) {
        evbuffer_add(output_, frame.value.data(), frame.value.size());
        return;
    }
    // Queued by reference; its owner stays alive until libevent has written it.
    auto* holder = new std::shared_ptr<const void>(std::move(frame.value_owner));
    if (evbuffer_add_reference(output_, frame.value.data(), frame.value.size(), &releaseDcpValue,
                               holder) != 0) {
        delete holder;  // not queued, so libevent will not release it
        spdlog::error("connection {}: cannot queue a DCP value; closing", id_);
        dcp_send_failed_ = true;
    }
}

void Connection::handleDcpResponse(const mcbp::Header& header) {
    DcpIface* dcp = engine().dcp();
    const Status status = dcp == nullptr ? Status::NotSupported
                                         : dcp->response(cookie_, header.opcode,
                                                         header.vbucket_or_status, header.opaque);
    if (status != Status::Success) {
        spdlog::info(
            "connection {}: DCP response (opcode {:#04x}, status {:#06x}) refused: {}; "
            "closing",
            id_, header.opcode, header.vbucket_or_status, toString(status));
        close();
    }
}

size_t Connection::maxBodyLength() const {
    return session_.hasIdentity() ? server().settings().max_packet_size : kMaxHandshakeBody;
}

void Connection::handleFramingError(const mcbp::ParseResult& result) {
    const char* reason = "Invalid packet header";
    switch (result.status) {
    case mcbp::ParseStatus::BadMagic: reason = "Invalid magic"; break;
    case mcbp::ParseStatus::BadLengths:
        reason = "Body length is smaller than framing extras + extras + key";
        break;
    case mcbp::ParseStatus::TooLarge:
        reason = session_.hasIdentity() ? "Body length exceeds max_packet_size"
                                        : "Body length exceeds 16 KiB before authentication";
        break;
    default: break;
    }
    spdlog::info("connection {}: {}; closing", id_, reason);
    // Answer with what the header said (opcode and opaque), if there was a header.
    mcbp::ResponseHeaderFields fields;
    fields.status = mcbp::ResponseStatus::Einval;
    if (result.status != mcbp::ParseStatus::BadMagic) {
        fields.opcode = result.frame.header.opcode;
        fields.opaque = result.frame.header.opaque;
    }
    std::string body;
    if (features_.has(mcbp::Feature::Xerror)) {
        body = nlohmann::json{{"error", {{"context", reason}}}}.dump();
        fields.datatype = responseDatatype(datatype::kJson);
    }
    std::string response;
    mcbp::appendResponse(response, fields, {}, {}, body);
    evbuffer_add(output_, response.data(), response.size());
    consumeInput(pendingInput().size());
    closeAfterFlush();
}

bool Connection::suppressedByQuiet(const Cookie& cookie, mcbp::ResponseStatus status) const {
    using mcbp::ClientOpcode;
    const auto opcode = cookie.opcode();
    if (!mcbp::isQuiet(opcode)) {
        return false;
    }
    switch (opcode) {
    case ClientOpcode::Getq:
    case ClientOpcode::Getkq:
    case ClientOpcode::Gatq:
    case ClientOpcode::GetqMeta: return status == mcbp::ResponseStatus::KeyEnoent;
    default: return status == mcbp::ResponseStatus::Success;
    }
}

uint8_t Connection::responseDatatype(uint8_t datatype) const {
    if (!features_.has(mcbp::Feature::Json)) {
        datatype &= static_cast<uint8_t>(~datatype::kJson);
    }
    return datatype;
}

bool Connection::queueResponseHeader(const Cookie& cookie, mcbp::ResponseStatus status,
                                     std::string_view extras, std::string_view key,
                                     size_t value_length, uint8_t datatype, uint64_t cas) {
    EDDY_ASSERT_OWNER(owner_, "Connection::queueResponseHeader");
    flushStatBatch();  // pairs of a STAT that ended without its terminator go first
    if (suppressedByQuiet(cookie, status)) {
        return false;
    }
    mcbp::ResponseHeaderFields fields;
    fields.opcode = static_cast<uint8_t>(cookie.opcode());
    fields.status = status;
    fields.opaque = cookie.opaque();
    fields.cas = cas;
    fields.datatype = responseDatatype(datatype);
    fields.extras_length = static_cast<uint8_t>(extras.size());
    fields.key_length = static_cast<uint16_t>(key.size());
    fields.value_length = static_cast<uint32_t>(value_length);
    const auto header = mcbp::encodeResponseHeader(fields);
    if (extras.size() + key.size() <= kCoalesceLimit) {
        // One copy into the output queue instead of three.
        // (std::copy, not memcpy: an empty view may have a null data pointer.)
        std::array<char, mcbp::kHeaderSize + kCoalesceLimit> joined;
        char* end = std::copy(header.begin(), header.end(), joined.data());
        end = std::copy(extras.begin(), extras.end(), end);
        end = std::copy(key.begin(), key.end(), end);
        evbuffer_add(output_, joined.data(), static_cast<size_t>(end - joined.data()));
        return true;
    }
    evbuffer_add(output_, header.data(), header.size());
    evbuffer_add(output_, extras.data(), extras.size());
    evbuffer_add(output_, key.data(), key.size());
    return true;
}

void Connection::sendResponse(const Cookie& cookie, mcbp::ResponseStatus status,
                              std::string_view extras, std::string_view key, std::string_view value,
                              uint8_t datatype, uint64_t cas) {
    if (queueResponseHeader(cookie, status, extras, key, value.size(), datatype, cas)) {
        evbuffer_add(output_, value.data(), value.size());
    }
}

void Connection::sendItem(const Cookie& cookie, const ItemPtr& item, bool include_key) {
    std::string extras;
    mcbp::appendUint32(extras, item->flags());
    // The key as the client sent it (the item's carries the collection id, which a client that
    // did not negotiate collections never sees).
    const std::string_view key = include_key ? cookie.request().key : std::string_view{};
    std::string_view value = item->value();
    uint8_t datatype = item->datatype();
    if ((datatype & datatype::kXattr) != 0) {
        // A document's xattrs are read through sub-document paths only: GET answers the body.
        value = xattr::bodyOf(value);
        datatype &= static_cast<uint8_t>(~datatype::kXattr);
    }
    if (!queueResponseHeader(cookie, mcbp::ResponseStatus::Success, extras, key, value.size(),
                             datatype, item->cas())) {
        return;
    }
    if (value.size() < kReferenceThreshold) {
        evbuffer_add(output_, value.data(), value.size());
        return;
    }
    // Large values are queued by reference; the item stays alive until they are written.
    auto* holder = new ItemPtr(item);
    evbuffer_add_reference(output_, value.data(), value.size(), &releaseItem, holder);
}

void Connection::sendError(const Cookie& cookie, mcbp::ResponseStatus status) {
    if (status == mcbp::ResponseStatus::NotMyVbucket && session_.bucket() != nullptr) {
        sendNotMyVbucket(cookie);
        return;
    }
    std::string body;
    uint8_t datatype = datatype::kRaw;
    if (!features_.has(mcbp::Feature::Xerror)) {
        body = mcbp::errorMessage(status);
    } else if (!cookie.errorContext().empty() || cookie.errorManifestUid()) {
        nlohmann::json error = nlohmann::json::object();
        if (!cookie.errorContext().empty()) {
            error["error"] = {{"context", cookie.errorContext()}};
        }
        if (const auto uid = cookie.errorManifestUid()) {
            error["manifest_uid"] = collections::toHex(*uid);
        }
        body = error.dump();
        datatype = datatype::kJson;
    }
    sendResponse(cookie, status, {}, {}, body, datatype, 0);
}

void Connection::sendNotMyVbucket(const Cookie& cookie) {
    // The client's map is out of date: the answer carries the bucket's, unless this connection
    // asked not to get the same one twice and already has it.
    const auto config = currentClusterConfig(server(), session_.bucket());
    if (features_.has(mcbp::Feature::DedupeNotMyVbucketClustermap) &&
        session_.configSent() >= config.version) {
        sendResponse(cookie, mcbp::ResponseStatus::NotMyVbucket, {}, {}, {}, datatype::kRaw, 0);
        return;
    }
    session_.setConfigSent(config.version);
    const uint8_t type = features_.has(mcbp::Feature::Json) ? datatype::kJson : datatype::kRaw;
    sendResponse(cookie, mcbp::ResponseStatus::NotMyVbucket, {}, {}, *config.json, type, 0);
}

bool Connection::subscribedToClusterConfig() const {
    return state_ == State::Running && !dcp_producer_ &&
           features_.has(mcbp::Feature::ClustermapChangeNotification);
}

void Connection::pushClusterConfig(const ClusterConfig::Snapshot& config) {
    EDDY_ASSERT_OWNER(owner_, "Connection::pushClusterConfig");
    if (!subscribedToClusterConfig() || config.version <= session_.configSent()) {
        return;
    }
    session_.setConfigSent(config.version);
    std::string extras;
    mcbp::appendUint64(extras, static_cast<uint64_t>(config.version.epoch));
    mcbp::appendUint64(extras, static_cast<uint64_t>(config.version.revision));
    std::string frame;
    mcbp::appendRequest(
        frame,
        {.magic = mcbp::Magic::ServerRequest,
         .opcode = static_cast<uint8_t>(mcbp::ServerOpcode::ClustermapChangeNotification),
         .datatype = datatype::kJson},
        extras, session_.bucketName(), *config.json);
    evbuffer_add(output_, frame.data(), frame.size());
    flushOutput();
}

void Connection::sendStat(const Cookie& cookie, std::string_view key, std::string_view value) {
    EDDY_ASSERT_OWNER(owner_, "Connection::sendStat");
    // A group of thousands of pairs (checkpoint, vbucket-details over every vbucket) is encoded
    // into one buffer and queued in large pieces: the other connections of this thread wait
    // for as short a time as possible.
    mcbp::ResponseHeaderFields fields;
    fields.opcode = static_cast<uint8_t>(cookie.opcode());
    fields.opaque = cookie.opaque();
    mcbp::appendResponse(stat_batch_, fields, {}, key, value);
    if (key.empty() || stat_batch_.size() >= kStatBatchSize) {
        flushStatBatch();
    }
}

void Connection::flushStatBatch() {
    if (!stat_batch_.empty()) {
        evbuffer_add(output_, stat_batch_.data(), stat_batch_.size());
        stat_batch_.clear();
    }
}

void Connection::setFeatures(const mcbp::FeatureSet& features) {
    EDDY_ASSERT_OWNER(owner_, "Connection::setFeatures");
    features_ = features;
}

void Connection::setAgentName(std::string name) {
    EDDY_ASSERT_OWNER(owner_, "Connection::setAgentName");
    agent_name_ = std::move(name);
}

void Connection::setTcpNoDelay(bool enable) {
    EDDY_ASSERT_OWNER(owner_, "Connection::setTcpNoDelay");
    if (!net::setNoDelay(fd_, enable)) {
        spdlog::debug("connection {}: cannot set TCP_NODELAY={}", id_, enable);
    }
}

void Connection::flushOutput() {
    while (evbuffer_get_length(output_) > 0 &&
           (state_ == State::Running || state_ == State::Draining)) {
        const auto [io, written] = transport_.write(output_);
        if (io == Transport::Io::Done) {
            front_end_.stats().add(front_end_.stats().bytes_written, written);
            continue;
        }
        if (io == Transport::Io::WantWrite) {
            event_add(write_event_, nullptr);
            return;
        }
        if (io == Transport::Io::WantRead) {
            write_wants_read_ = true;  // handleReadable writes again
            updateReadInterest();
            return;
        }
        spdlog::debug("connection {}: {}", id_, transport_.error());
        close();
        return;
    }
    if (state_ == State::Draining && evbuffer_get_length(output_) == 0) {
        close();
        return;
    }
    if (stalled_on_output_ && outputQueueSize() < server().settings().max_send_queue_size) {
        // The pipeline stopped on a full queue with commands still buffered; nothing else may
        // wake it (the input is already read), so schedule it for the next loop iteration.
        stalled_on_output_ = false;
        event_active(read_event_, EV_READ, 0);
    }
    if (dcp_stalled_on_output_ && outputQueueSize() < dcpSendLimit()) {
        // Likewise for a producer that stopped on the DCP limit: the engine will not wake it
        // (it has messages ready), so step again next iteration.
        dcp_stalled_on_output_ = false;
        event_active(dcp_step_event_, EV_TIMEOUT, 0);
    }
    updateReadInterest();
}

void Connection::updateReadInterest() {
    const Settings& settings = server().settings();
    bool want = state_ == State::Running && outputQueueSize() < settings.max_send_queue_size;
    if (want && cookie_.isBlocked()) {
        want = pendingInput().size() < kBlockedReadAhead;
    }
    want = want || (write_wants_read_ && (state_ == State::Running || state_ == State::Draining));
    if (want && !reading_) {
        event_add(read_event_, nullptr);
    } else if (!want && reading_) {
        event_del(read_event_);
    }
    reading_ = want;
    if (reading_ && transport_.hasBufferedInput()) {
        // TLS holds decrypted bytes: the socket will not say so, so read them next iteration.
        event_active(read_event_, EV_READ, 0);
    }
}

void Connection::closeAfterFlush() {
    EDDY_ASSERT_OWNER(owner_, "Connection::closeAfterFlush");
    if (state_ == State::Running) {
        state_ = State::Draining;
        updateReadInterest();
    }
}

void Connection::closeIfIdle(std::chrono::steady_clock::time_point now,
                             std::chrono::seconds limit) {
    if (dcp_producer_) {
        return;  // the producer's own noop and idle logic decides
    }
    if (state_ == State::Running && !cookie_.isBlocked() && now - last_activity_ > limit) {
        spdlog::info("connection {}: idle for more than {} s; closing", id_, limit.count());
        close();
    }
}

bool Connection::reportIfBlockedTooLong(std::chrono::steady_clock::time_point now,
                                        std::chrono::seconds limit) {
    EDDY_ASSERT_OWNER(owner_, "Connection::reportIfBlockedTooLong");
    if (!cookie_.takeBlockedTooLong(now, limit)) {
        return false;
    }
    const auto opcode = static_cast<uint8_t>(cookie_.opcode());
    const auto name = mcbp::opcodeName(opcode);
    std::string waits_for = engine().describeWait(cookie_);
    if (waits_for.empty()) {
        waits_for = "unknown (the engine does not say)";
    }
    const auto blocked_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - cookie_.blockedSince());
    spdlog::warn(
        "connection {} ({}{}): {} (opcode {:#04x}, opaque {:#x}) blocked for {:.1f} s (limit {} "
        "s), waiting for: {}",
        id_, peer_, state_ == State::PendingClose ? ", closed by the client" : "",
        name ? *name : "unknown", opcode, cookie_.opaque(),
        static_cast<double>(blocked_ms.count()) / 1000.0, limit.count(), waits_for);
    front_end_.stats().add(front_end_.stats().cookies_blocked_too_long, 1);
    return true;
}

void Connection::close() {
    EDDY_ASSERT_OWNER(owner_, "Connection::close");
    if (state_ == State::PendingClose || state_ == State::Dead) {
        return;
    }
    event_del(read_event_);
    event_del(write_event_);
    reading_ = false;
    ::shutdown(fd_, SHUT_RDWR);
    engine().disconnect(cookie_);
    if (cookie_.isBlocked()) {
        if (cookie_.context() != nullptr) {
            cookie_.context()->connectionClosed();
        }
        state_ = State::PendingClose;
        return;
    }
    cookie_.reset();
    markDead();
}

void Connection::markDead() {
    event_del(read_event_);
    event_del(write_event_);
    reading_ = false;
    state_ = State::Dead;
}

void Connection::describe(const std::function<void(std::string, std::string)>& add) const {
    EDDY_ASSERT_OWNER(owner_, "Connection::describe");
    const std::string prefix = fmt::format("conn_{}:", id_);
    const auto put = [&](std::string_view key, const auto& value) {
        add(fmt::format("{}{}", prefix, key), fmt::format("{}", value));
    };
    const char* state = "running";
    switch (state_) {
    case State::Running: break;
    case State::Draining: state = "draining"; break;
    case State::PendingClose: state = "pending_close"; break;
    case State::Dead: state = "dead"; break;
    }
    std::string features;
    for (uint16_t code = 0; code < 256; ++code) {
        if (features_.has(static_cast<mcbp::Feature>(code))) {
            features += features.empty() ? "" : ",";
            features += mcbp::featureName(code);
        }
    }
    put("peer", peer_);
    transport_.describe([&](const std::string& key, const std::string& value) { put(key, value); });
    put("user", session_.authenticated() ? session_.user() : std::string());
    put("bucket", session_.bucketName());
    put("agent_name", agent_name_);
    put("thread", front_end_.index());
    put("state", state);
    put("blocked", cookie_.isBlocked() ? "true" : "false");
    put("dcp_producer", dcp_producer_ ? "true" : "false");
    put("features", features);
    put("send_queue_bytes", outputQueueSize());
    put("input_buffer_bytes", input_end_ - input_begin_);
    put("idle_seconds", std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now() - last_activity_)
                            .count());
}

}  // namespace eddy::daemon
