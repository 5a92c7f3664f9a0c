// eddy tests — DcpConsumer: DCP commands, message decoding and byte accounting over McbpClient,
// with src/client's DCP encoders and decoder.
#include "dcp_harness.h"

#include "protocol/encode.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <thread>

namespace eddy::test {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;
using Clock = std::chrono::steady_clock;

namespace {

std::string hex(uint32_t value) {
    std::ostringstream out;
    out << "0x" << std::hex << value;
    return out.str();
}

std::vector<FailoverEntry> parseFailoverLog(std::string_view value) {
    try {
        return client::decodeFailoverLog(value);
    } catch (const client::Error& error) {
        ADD_FAILURE() << error.what();
        return {};
    }
}

}  // namespace

std::string DcpMessage::describe() const {
    std::ostringstream out;
    switch (opcode) {
    case ClientOpcode::DcpSnapshotMarker:
        out << "marker [" << snap_start << "," << snap_end << "] " << hex(snap_flags);
        break;
    case ClientOpcode::DcpMutation: out << "mutation " << by_seqno << " " << key; break;
    case ClientOpcode::DcpDeletion: out << "deletion " << by_seqno << " " << key; break;
    case ClientOpcode::DcpExpiration: out << "expiration " << by_seqno << " " << key; break;
    case ClientOpcode::DcpStreamEnd:
        out << "stream-end " << static_cast<uint32_t>(end_reason) << " ("
            << dcp::toString(end_reason) << ")";
        break;
    default: out << "opcode " << hex(static_cast<uint32_t>(opcode)); break;
    }
    out << " vb " << vbucket;
    return out.str();
}

std::vector<DcpMessage> Collected::changes(uint16_t vbucket) const {
    std::vector<DcpMessage> out;
    if (const auto it = streams.find(vbucket); it != streams.end()) {
        for (const auto& message : it->second) {
            if (message.isChange()) {
                out.push_back(message);
            }
        }
    }
    return out;
}

std::optional<DcpMessage> Collected::streamEnd(uint16_t vbucket) const {
    if (const auto it = streams.find(vbucket); it != streams.end()) {
        for (const auto& message : it->second) {
            if (message.isStreamEnd()) {
                return message;
            }
        }
    }
    return std::nullopt;
}

std::vector<std::string> checkSnapshots(const std::vector<DcpMessage>& messages) {
    std::vector<std::string> problems;
    std::optional<DcpMessage> marker;
    std::set<std::string> snapshot_keys;
    uint64_t last_seqno = 0;
    bool have_seqno = false;
    bool ended = false;
    for (size_t i = 0; i < messages.size(); ++i) {
        const DcpMessage& message = messages[i];
        const std::string where = "message " + std::to_string(i) + " (" + message.describe() + ")";
        if (ended) {
            problems.push_back(where + " follows the STREAM_END");
        }
        if (message.isStreamEnd()) {
            ended = true;
            continue;
        }
        if (message.isMarker()) {
            if (message.snap_start > message.snap_end) {
                problems.push_back(where + ": start above end");
            }
            if (marker && message.snap_start <= marker->snap_end) {
                problems.push_back(where + ": starts at or below the previous marker's end " +
                                   std::to_string(marker->snap_end));
            }
            if (have_seqno && message.snap_end <= last_seqno) {
                problems.push_back(where + ": ends at or below seqno " +
                                   std::to_string(last_seqno) + " already sent");
            }
            if ((message.snap_flags & (dcp::kMarkerMemory | dcp::kMarkerDisk)) == 0) {
                problems.push_back(where + ": neither Memory nor Disk");
            }
            marker = message;
            snapshot_keys.clear();
            continue;
        }
        if (!message.isChange()) {
            problems.push_back(where + ": unexpected opcode");
            continue;
        }
        if (!marker) {
            problems.push_back(where + ": no snapshot marker before it");
        } else if (message.by_seqno < marker->snap_start || message.by_seqno > marker->snap_end) {
            problems.push_back(where + ": outside " + marker->describe());
        }
        if (have_seqno && message.by_seqno <= last_seqno) {
            problems.push_back(where + ": seqno not above the previous " +
                               std::to_string(last_seqno));
        }
        if (!snapshot_keys.insert(message.key).second) {
            problems.push_back(where + ": key twice in one snapshot");
        }
        last_seqno = message.by_seqno;
        have_seqno = true;
    }
    return problems;
}

DcpConsumer::DcpConsumer(uint16_t port) : client_(port) {}

Response DcpConsumer::execute(Request request) {
    request.opaque = ++next_opaque_;
    client_.send(request);
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (true) {
        Response frame;
        const Read read = readOne(deadline, frame);
        if (read == Read::Nothing) {
            ADD_FAILURE() << "no response to opcode " << hex(static_cast<uint32_t>(request.opcode))
                          << (connected_ ? " (timeout)" : " (connection closed)");
            return {};
        }
        if (read != Read::Answer) {
            continue;
        }
        if (frame.header.opaque != request.opaque ||
            frame.header.opcode != static_cast<uint8_t>(request.opcode)) {
            ADD_FAILURE() << "unexpected response: opcode " << hex(frame.header.opcode)
                          << " opaque " << frame.header.opaque << " while waiting for opcode "
                          << hex(static_cast<uint32_t>(request.opcode)) << " opaque "
                          << request.opaque;
            continue;
        }
        return frame;
    }
}

DcpConsumer::Read DcpConsumer::readOne(Clock::time_point deadline, Response& response) {
    if (!connected_) {
        return Read::Nothing;
    }
    const auto left =
        std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()),
                 std::chrono::milliseconds(0));
    const auto receive_deadline = Clock::now() + left;
    auto frame = client_.receive(left);
    if (!frame) {
        // receive() gives up well before its deadline only when the connection is gone (it may
        // stop within its last millisecond).
        if (Clock::now() + std::chrono::milliseconds(2) < receive_deadline) {
            connected_ = false;
        }
        return Read::Nothing;
    }
    if (!mcbp::isRequest(frame->header.magic)) {
        response = *std::move(frame);
        return Read::Answer;
    }
    const size_t size = mcbp::kHeaderSize + frame->header.body_length;
    all_bytes_ += size;
    if (frame->header.opcode == static_cast<uint8_t>(ClientOpcode::DcpNoop)) {
        noop_times_.push_back(Clock::now());
        EXPECT_EQ(0u, frame->header.body_length) << "DCP_NOOP with a body";
        if (answer_noops_) {
            client_.sendRaw(client::encodeNoopResponse(frame->header.opaque));
        }
        return Read::Noop;
    }
    DcpMessage message = decode(*frame);
    account(message);
    pending_.push_back(std::move(message));
    return Read::Message;
}

void DcpConsumer::account(const DcpMessage& message) {
    ackable_bytes_ += message.size;
    if (auto_ack_window_ != 0 && unackedBytes() > auto_ack_window_ / 2) {
        ackAll();
    }
}

DcpMessage DcpConsumer::decode(const Response& frame) const {
    DcpMessage message;
    message.opcode = static_cast<ClientOpcode>(frame.header.opcode);
    message.vbucket = frame.header.vbucket_or_status;
    message.opaque = frame.header.opaque;
    message.datatype = frame.header.datatype;
    message.cas = frame.header.cas;
    message.size = frame.size();
    message.extras = frame.extras;
    message.key = frame.key;
    message.value = frame.value;
    client::DcpMessage decoded;
    try {
        decoded = client::decodeDcpMessage(frame);
    } catch (const client::Error& error) {
        ADD_FAILURE() << message.describe() << ": " << error.what();
        return message;
    }
    message.snap_start = decoded.snap_start;
    message.snap_end = decoded.snap_end;
    message.snap_flags = decoded.marker_flags;
    message.by_seqno = decoded.by_seqno;
    message.rev_seqno = decoded.rev_seqno;
    message.flags = decoded.flags;
    message.expiration = decoded.expiration;
    message.lock_time = decoded.lock_time;
    message.delete_time = decoded.delete_time;
    message.end_reason = decoded.end_reason;
    // What eddy's producer must send, beyond what any producer may: V1 markers, no extended
    // metadata, and deletions in the form DCP_OPEN asked for.
    switch (decoded.kind) {
    case client::DcpMessageKind::SnapshotMarker:
        EXPECT_EQ(20u, frame.extras.size()) << message.describe() << ": not a V1 marker";
        EXPECT_TRUE(frame.key.empty() && frame.value.empty()) << "marker with a key or value";
        break;
    case client::DcpMessageKind::Mutation:
        EXPECT_EQ(0u, decoded.nmeta) << "mutation with extended metadata";
        break;
    case client::DcpMessageKind::Deletion:
        if ((open_flags_ & dcp::kOpenIncludeDeleteTimes) != 0) {
            EXPECT_EQ(21u, frame.extras.size()) << message.describe() << ": no delete time";
        } else {
            EXPECT_EQ(18u, frame.extras.size()) << message.describe() << ": a delete time";
            EXPECT_EQ(0u, decoded.nmeta) << "deletion with extended metadata";
        }
        break;
    case client::DcpMessageKind::Expiration:
    case client::DcpMessageKind::StreamEnd: break;
    default:
        ADD_FAILURE() << "unexpected message from the producer: opcode "
                      << hex(frame.header.opcode);
        break;
    }
    return message;
}

ResponseStatus DcpConsumer::open(std::string name, uint32_t flags) {
    name_ = std::move(name);
    open_flags_ = flags | dcp::kOpenProducer;
    return execute(client::makeOpenRequest(name_, open_flags_)).status();
}

ResponseStatus DcpConsumer::control(std::string_view key, std::string_view value) {
    return execute(client::makeControlRequest(key, value)).status();
}

ResponseStatus DcpConsumer::enableFlowControl(uint32_t window, bool ack) {
    autoAck(ack ? window : 0);
    return control("connection_buffer_size", std::to_string(window));
}

ResponseStatus DcpConsumer::enableNoop(uint32_t interval_seconds) {
    const ResponseStatus enabled = control("enable_noop", "true");
    if (enabled != ResponseStatus::Success) {
        return enabled;
    }
    return control("set_noop_interval", std::to_string(interval_seconds));
}

StreamRequestResult DcpConsumer::streamRequest(const StreamRequestArgs& args) {
    const size_t queued_before = pending_.size();
    const Response response =
        execute(client::makeStreamRequest({.vbucket = args.vbucket,
                                           .flags = args.flags,
                                           .start_seqno = args.start,
                                           .end_seqno = args.end,
                                           .vbucket_uuid = args.vb_uuid,
                                           .snap_start_seqno = args.snap_start,
                                           .snap_end_seqno = args.snap_end}));
    StreamRequestResult result;
    result.status = response.status();
    result.opaque = response.header.opaque;
    result.value = response.value;
    // The stream's own messages must follow its response.
    for (size_t i = queued_before; i < pending_.size(); ++i) {
        EXPECT_NE(result.opaque, pending_[i].opaque)
            << pending_[i].describe() << " arrived before its stream request's response";
    }
    if (result.status == ResponseStatus::Success) {
        result.failover_log = parseFailoverLog(response.value);
    } else if (result.status == ResponseStatus::Rollback) {
        EXPECT_EQ(8u, response.value.size()) << "rollback response without an 8-byte seqno";
        if (response.value.size() == 8) {
            result.rollback_seqno = mcbp::readUint64(response.value, 0);
        }
    }
    return result;
}

ResponseStatus DcpConsumer::closeStream(uint16_t vbucket) {
    return execute(client::makeCloseStreamRequest(vbucket)).status();
}

FailoverLogResult DcpConsumer::getFailoverLog(uint16_t vbucket) {
    const Response response = execute(client::makeGetFailoverLogRequest(vbucket));
    FailoverLogResult result;
    result.status = response.status();
    if (result.status == ResponseStatus::Success) {
        result.entries = parseFailoverLog(response.value);
    }
    return result;
}

void DcpConsumer::bufferAck(uint32_t bytes) {
    client::Request request = client::makeBufferAckRequest(bytes);
    request.opaque = ++next_opaque_;
    client_.send(request);
    acked_bytes_ += bytes;
}

void DcpConsumer::ackAll() {
    if (const uint64_t unacked = unackedBytes(); unacked != 0) {
        bufferAck(static_cast<uint32_t>(unacked));
    }
}

std::optional<DcpMessage> DcpConsumer::next(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (pending_.empty()) {
        Response frame;
        const Read read = readOne(deadline, frame);
        if (read == Read::Nothing) {
            return std::nullopt;
        }
        if (read == Read::Answer) {
            ADD_FAILURE() << "unexpected response: opcode " << hex(frame.header.opcode)
                          << " status " << hex(frame.header.vbucket_or_status);
        }
    }
    DcpMessage message = std::move(pending_.front());
    pending_.pop_front();
    return message;
}

Collected DcpConsumer::collectUntilStreamEnd(const std::set<uint16_t>& vbuckets,
                                             std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    Collected collected;
    std::set<uint16_t> open = vbuckets;
    while (!open.empty()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        auto message = next(std::max(left, std::chrono::milliseconds(0)));
        if (!message) {
            return collected;
        }
        const uint16_t vbucket = message->vbucket;
        if (message->isStreamEnd()) {
            open.erase(vbucket);
        }
        collected.streams[vbucket].push_back(*std::move(message));
    }
    collected.complete = true;
    return collected;
}

Collected DcpConsumer::collectChanges(size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    Collected collected;
    size_t changes = 0;
    while (changes < count) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        auto message = next(std::max(left, std::chrono::milliseconds(0)));
        if (!message) {
            return collected;
        }
        const bool end = message->isStreamEnd();
        const uint16_t vbucket = message->vbucket;
        changes += message->isChange() ? 1 : 0;
        collected.streams[vbucket].push_back(*std::move(message));
        if (end) {
            return collected;
        }
    }
    collected.complete = true;
    return collected;
}

bool DcpConsumer::waitForNoops(size_t count, std::chrono::milliseconds timeout,
                               std::vector<DcpMessage>* sink) {
    const auto deadline = Clock::now() + timeout;
    while (noopsReceived() < count) {
        Response frame;
        const Read read = readOne(deadline, frame);
        if (read == Read::Nothing) {
            break;
        }
        if (read == Read::Answer) {
            ADD_FAILURE() << "unexpected response: opcode " << hex(frame.header.opcode);
        }
    }
    while (!pending_.empty()) {
        if (sink != nullptr) {
            sink->push_back(std::move(pending_.front()));
        }
        pending_.pop_front();
    }
    return noopsReceived() >= count;
}

bool DcpConsumer::waitForClose(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (connected_ && Clock::now() < deadline) {
        Response frame;
        if (readOne(deadline, frame) == Read::Answer) {
            ADD_FAILURE() << "unexpected response: opcode " << hex(frame.header.opcode);
        }
    }
    return !connected_;
}

std::string keyOf(size_t i) {
    return "key-" + std::to_string(i);
}

std::string valueOf(size_t i) {
    return "value of key-" + std::to_string(i) + std::string(40, static_cast<char>('a' + i % 26));
}

std::vector<uint64_t> seqnoRange(uint64_t first, uint64_t last) {
    std::vector<uint64_t> seqnos;
    for (uint64_t seqno = first; seqno <= last; ++seqno) {
        seqnos.push_back(seqno);
    }
    return seqnos;
}

std::vector<uint64_t> changeSeqnos(const std::vector<DcpMessage>& messages) {
    std::vector<uint64_t> seqnos;
    for (const auto& message : messages) {
        if (message.isChange()) {
            seqnos.push_back(message.by_seqno);
        }
    }
    return seqnos;
}

void expectConsistent(const std::vector<DcpMessage>& messages, const std::string& what) {
    for (const std::string& problem : checkSnapshots(messages)) {
        ADD_FAILURE() << (what.empty() ? "" : what + ": ") << problem;
    }
}

void DcpServerTest::TearDown() {
    client_.reset();
    if (server_) {
        EXPECT_EQ(0, server_->stop()) << "eddyd did not exit cleanly; its log:\n" << server_->log();
    }
}

void DcpServerTest::start(const std::string& bucket_config) {
    std::string config = persistent() ? "bucket_type=persistent" : "bucket_type=ephemeral";
    // Fewer vbuckets than the default keep start-up and shutdown quick.
    if (bucket_config.find("max_vbuckets=") == std::string::npos) {
        config += ";max_vbuckets=128";
    }
    if (!bucket_config.empty()) {
        config += ";" + bucket_config;
    }
    server_ = std::make_unique<EddydProcess>(
        EddydProcess::Options{.extra_args = {"--bucket-config", config}});
    client_ = std::make_unique<McbpClient>(server_->port());
    ASSERT_TRUE(waitForWarmup(*client_));
    client_->hello({mcbp::Feature::MutationSeqno, mcbp::Feature::Xerror});
}

std::unique_ptr<DcpConsumer> DcpServerTest::openProducer(const std::string& name, uint32_t flags) {
    auto consumer = std::make_unique<DcpConsumer>(port());
    EXPECT_EQ(ResponseStatus::Success, consumer->open(name, flags)) << "DCP_OPEN " << name;
    return consumer;
}

Position DcpServerTest::set(uint16_t vbucket, const std::string& key, const std::string& value,
                            uint32_t exptime) {
    const Response response = client_->execute({.opcode = ClientOpcode::Set,
                                                .key = key,
                                                .value = value,
                                                .extras = storeExtras(0, exptime),
                                                .vbucket = vbucket});
    EXPECT_EQ(ResponseStatus::Success, response.status()) << "SET " << key;
    if (response.extras.size() != 16) {
        ADD_FAILURE() << "SET " << key << ": no MutationSeqno extras";
        return {};
    }
    return {mcbp::readUint64(response.extras, 0), mcbp::readUint64(response.extras, 8)};
}

Position DcpServerTest::remove(uint16_t vbucket, const std::string& key) {
    const Response response =
        client_->execute({.opcode = ClientOpcode::Delete, .key = key, .vbucket = vbucket});
    EXPECT_EQ(ResponseStatus::Success, response.status()) << "DELETE " << key;
    if (response.extras.size() != 16) {
        ADD_FAILURE() << "DELETE " << key << ": no MutationSeqno extras";
        return {};
    }
    return {mcbp::readUint64(response.extras, 0), mcbp::readUint64(response.extras, 8)};
}

std::vector<Position> DcpServerTest::writeKeys(uint16_t vbucket, size_t first, size_t count) {
    std::vector<Position> written;
    written.reserve(count);
    for (size_t i = first; i < first + count; ++i) {
        written.push_back(set(vbucket, keyOf(i), valueOf(i)));
    }
    return written;
}

void DcpServerTest::waitPersisted(uint16_t vbucket, uint64_t seqno) {
    std::string extras;
    mcbp::appendUint64(extras, seqno);
    client_->send({.opcode = ClientOpcode::SeqnoPersistence, .extras = extras, .vbucket = vbucket});
    const auto response = client_->receive(std::chrono::seconds(30));
    ASSERT_TRUE(response) << "SEQNO_PERSISTENCE " << seqno << " did not answer";
    ASSERT_EQ(ResponseStatus::Success, response->status())
        << "SEQNO_PERSISTENCE vb " << vbucket << " seqno " << seqno;
}

ResponseStatus DcpServerTest::setVbucketState(uint16_t vbucket, uint8_t state) {
    return client_
        ->execute({.opcode = ClientOpcode::SetVbucket,
                   .extras = std::string(1, static_cast<char>(state)),
                   .vbucket = vbucket})
        .status();
}

ResponseStatus DcpServerTest::stopPersistence() {
    return client_->execute({.opcode = ClientOpcode::StopPersistence}).status();
}

ResponseStatus DcpServerTest::startPersistence() {
    return client_->execute({.opcode = ClientOpcode::StartPersistence}).status();
}

std::map<std::string, std::string> DcpServerTest::stats(const std::string& group) {
    return client_->stats(group);
}

std::optional<uint64_t> DcpServerTest::statNumber(const std::string& group,
                                                  const std::string& name) {
    const auto all = stats(group);
    const auto it = all.find(name);
    if (it == all.end()) {
        return std::nullopt;
    }
    return std::stoull(it->second);
}

std::optional<std::string> DcpServerTest::dcpStat(const std::string& connection,
                                                  const std::string& key) {
    const auto all = stats("dcp");
    const auto it = all.find("eq_dcpq:" + connection + ":" + key);
    if (it == all.end()) {
        return std::nullopt;
    }
    return it->second;
}

bool DcpServerTest::waitForStat(const std::string& group, const std::string& name,
                                const std::function<bool(uint64_t)>& accept,
                                std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::optional<uint64_t> last;
    while (true) {
        last = statNumber(group, name);
        if (last && accept(*last)) {
            return true;
        }
        if (Clock::now() >= deadline) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "STAT \"" << group << "\" " << name << " did not reach the expected value in "
                  << timeout.count()
                  << " ms; last: " << (last ? std::to_string(*last) : std::string("absent"));
    return false;
}

}  // namespace eddy::test
