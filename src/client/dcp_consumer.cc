// eddy — the consumer side of a DCP connection (see dcp_consumer.h).
#include "client/dcp_consumer.h"

#include "protocol/encode.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

namespace eddy::client {

namespace {

using mcbp::ClientOpcode;
using mcbp::readUint16;
using mcbp::readUint32;
using mcbp::readUint64;

// Extras sizes of the producer's messages, as kv_engine sends them.
constexpr size_t kMarkerV1Extras = 20;
constexpr size_t kMarkerV2Extras = 1;  // version byte; start, end, flags lead the value
constexpr size_t kMutationExtras = 31;
constexpr size_t kDeletionV1Extras = 18;
constexpr size_t kDeletionV2Extras = 21;
constexpr size_t kExpirationExtras = 20;
constexpr size_t kSeqnoAdvancedExtras = 8;
constexpr size_t kStreamEndExtras = 4;
constexpr size_t kStreamRequestExtras = 48;

[[noreturn]] void badExtras(std::string_view what, size_t got, std::string_view expected) {
    throw Error(
        fmt::format("producer sent {} with {} bytes of extras ({} expected)", what, got, expected));
}

void expectExtras(std::string_view what, const Packet& packet, size_t size) {
    if (packet.extras.size() != size) {
        badExtras(what, packet.extras.size(), std::to_string(size));
    }
}

std::string uint32Extras(uint32_t value) {
    std::string extras;
    mcbp::appendUint32(extras, value);
    return extras;
}

}  // namespace

std::string_view toString(DcpMessageKind kind) {
    switch (kind) {
    case DcpMessageKind::SnapshotMarker: return "snapshot marker";
    case DcpMessageKind::Mutation: return "mutation";
    case DcpMessageKind::Deletion: return "deletion";
    case DcpMessageKind::Expiration: return "expiration";
    case DcpMessageKind::SeqnoAdvanced: return "seqno advanced";
    case DcpMessageKind::StreamEnd: return "stream end";
    case DcpMessageKind::Noop: return "noop";
    case DcpMessageKind::Other: return "other";
    case DcpMessageKind::Response: return "response";
    }
    return "unknown";
}

DcpMessage decodeDcpMessage(const Packet& packet) {
    DcpMessage message;
    message.opcode = packet.header.opcode;
    message.opaque = packet.header.opaque;
    message.cas = packet.header.cas;
    message.datatype = packet.header.datatype;
    message.wire_size = packet.size();
    if (packet.isResponse()) {
        message.kind = DcpMessageKind::Response;
        message.status = packet.header.vbucket_or_status;
        message.extras = packet.extras;
        message.key = packet.key;
        message.value = packet.value;
        return message;
    }
    message.vbucket = packet.header.vbucket_or_status;
    const std::string_view extras = packet.extras;
    switch (static_cast<ClientOpcode>(packet.header.opcode)) {
    case ClientOpcode::DcpSnapshotMarker:
        message.kind = DcpMessageKind::SnapshotMarker;
        if (extras.size() == kMarkerV1Extras) {
            message.snap_start = readUint64(extras, 0);
            message.snap_end = readUint64(extras, 8);
            message.marker_flags = readUint32(extras, 16);
        } else if (extras.size() == kMarkerV2Extras && packet.value.size() >= kMarkerV1Extras) {
            // V2.x: the same three fields lead the value; the rest is not needed here.
            message.snap_start = readUint64(packet.value, 0);
            message.snap_end = readUint64(packet.value, 8);
            message.marker_flags = readUint32(packet.value, 16);
        } else {
            badExtras("DCP_SNAPSHOT_MARKER", extras.size(), "20, or 1 with a value");
        }
        return message;
    case ClientOpcode::DcpMutation:
        message.kind = DcpMessageKind::Mutation;
        expectExtras("DCP_MUTATION", packet, kMutationExtras);
        message.by_seqno = readUint64(extras, 0);
        message.rev_seqno = readUint64(extras, 8);
        message.flags = readUint32(extras, 16);
        message.expiration = readUint32(extras, 20);
        message.lock_time = readUint32(extras, 24);
        message.nmeta = readUint16(extras, 28);
        message.nru = static_cast<uint8_t>(extras[30]);
        break;
    case ClientOpcode::DcpDeletion:
        message.kind = DcpMessageKind::Deletion;
        if (extras.size() == kDeletionV1Extras) {
            message.by_seqno = readUint64(extras, 0);
            message.rev_seqno = readUint64(extras, 8);
            message.nmeta = readUint16(extras, 16);
        } else if (extras.size() == kDeletionV2Extras) {
            message.by_seqno = readUint64(extras, 0);
            message.rev_seqno = readUint64(extras, 8);
            message.delete_time = readUint32(extras, 16);
        } else {
            badExtras("DCP_DELETION", extras.size(), "18 or 21");
        }
        break;
    case ClientOpcode::DcpExpiration:
        message.kind = DcpMessageKind::Expiration;
        expectExtras("DCP_EXPIRATION", packet, kExpirationExtras);
        message.by_seqno = readUint64(extras, 0);
        message.rev_seqno = readUint64(extras, 8);
        message.delete_time = readUint32(extras, 16);
        break;
    case ClientOpcode::DcpSeqnoAdvanced:
        message.kind = DcpMessageKind::SeqnoAdvanced;
        expectExtras("DCP_SEQNO_ADVANCED", packet, kSeqnoAdvancedExtras);
        message.by_seqno = readUint64(extras, 0);
        return message;
    case ClientOpcode::DcpStreamEnd:
        message.kind = DcpMessageKind::StreamEnd;
        expectExtras("DCP_STREAM_END", packet, kStreamEndExtras);
        message.end_reason = static_cast<dcp::StreamEndReason>(readUint32(extras, 0));
        return message;
    case ClientOpcode::DcpNoop: message.kind = DcpMessageKind::Noop; return message;
    default:
        message.kind = DcpMessageKind::Other;
        message.extras = packet.extras;
        message.key = packet.key;
        message.value = packet.value;
        return message;
    }
    // The document messages carry a key and, except for expirations, maybe a value.
    message.key = packet.key;
    message.value = packet.value;
    return message;
}

std::vector<FailoverEntry> decodeFailoverLog(std::string_view bytes) {
    if (bytes.size() % 16 != 0) {
        throw Error(fmt::format("failover log of {} bytes is not a multiple of 16", bytes.size()));
    }
    std::vector<FailoverEntry> log;
    log.reserve(bytes.size() / 16);
    for (size_t offset = 0; offset < bytes.size(); offset += 16) {
        log.push_back({readUint64(bytes, offset), readUint64(bytes, offset + 8)});
    }
    return log;
}

Request makeOpenRequest(std::string_view name, uint32_t flags) {
    Request request{.opcode = ClientOpcode::DcpOpen, .key = std::string(name)};
    mcbp::appendUint32(request.extras, 0);
    mcbp::appendUint32(request.extras, flags);
    return request;
}

Request makeControlRequest(std::string_view key, std::string_view value) {
    return {
        .opcode = ClientOpcode::DcpControl, .key = std::string(key), .value = std::string(value)};
}

Request makeStreamRequest(const StreamRequestArgs& args) {
    Request request{
        .opcode = ClientOpcode::DcpStreamReq, .opaque = args.opaque, .vbucket = args.vbucket};
    std::string& extras = request.extras;
    extras.reserve(kStreamRequestExtras);
    mcbp::appendUint32(extras, args.flags);
    mcbp::appendUint32(extras, 0);  // reserved
    mcbp::appendUint64(extras, args.start_seqno);
    mcbp::appendUint64(extras, args.end_seqno);
    mcbp::appendUint64(extras, args.vbucket_uuid);
    mcbp::appendUint64(extras, args.snap_start_seqno);
    mcbp::appendUint64(extras, args.snap_end_seqno);
    return request;
}

Request makeCloseStreamRequest(uint16_t vbucket) {
    return {.opcode = ClientOpcode::DcpCloseStream, .vbucket = vbucket};
}

Request makeGetFailoverLogRequest(uint16_t vbucket) {
    return {.opcode = ClientOpcode::DcpGetFailoverLog, .vbucket = vbucket};
}

Request makeBufferAckRequest(uint32_t bytes) {
    return {.opcode = ClientOpcode::DcpBufferAcknowledgement, .extras = uint32Extras(bytes)};
}

Request makeGetAllVbSeqnosRequest(uint32_t state) {
    Request request{.opcode = ClientOpcode::GetAllVbSeqnos};
    if (state != 0) {
        request.extras = uint32Extras(state);
    }
    return request;
}

std::string encodeNoopResponse(uint32_t opaque) {
    std::string out;
    mcbp::ResponseHeaderFields fields;
    fields.opcode = static_cast<uint8_t>(ClientOpcode::DcpNoop);
    fields.opaque = opaque;
    mcbp::appendResponse(out, fields, {}, {}, {});
    return out;
}

Packet DcpConsumer::executeOrThrow(Request request) {
    const ClientOpcode opcode = request.opcode;
    Packet response = connection_.execute(std::move(request), options_.command_timeout);
    if (response.status() != mcbp::ResponseStatus::Success) {
        throw StatusError(describeFailure(opcode, response), response.status());
    }
    return response;
}

void DcpConsumer::open(std::string_view name, uint32_t flags) {
    executeOrThrow(makeOpenRequest(name, flags));
}

void DcpConsumer::control(std::string_view key, std::string_view value) {
    executeOrThrow(makeControlRequest(key, value));
    if (key == "connection_buffer_size") {
        uint64_t size = 0;
        const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), size);
        if (error == std::errc() && end == value.data() + value.size()) {
            buffer_size_ = static_cast<uint32_t>(
                std::min<uint64_t>(size, std::numeric_limits<uint32_t>::max()));
            if (buffer_size_ == 0) {
                unacked_bytes_ = 0;
            }
        }
    }
}

StreamRequestResult DcpConsumer::streamRequest(const StreamRequestArgs& args) {
    const Packet response = connection_.execute(makeStreamRequest(args), options_.command_timeout);
    StreamRequestResult result;
    result.status = response.status();
    switch (result.status) {
    case mcbp::ResponseStatus::Success:
        result.failover_log = decodeFailoverLog(response.value);
        break;
    case mcbp::ResponseStatus::Rollback:
        if (response.value.size() != 8) {
            throw Error(fmt::format("{}: ROLLBACK for vb {} with a {}-byte body (8 expected)",
                                    connection_.peer(), args.vbucket, response.value.size()));
        }
        result.rollback_seqno = readUint64(response.value, 0);
        break;
    default: result.message = describeFailure(ClientOpcode::DcpStreamReq, response); break;
    }
    return result;
}

StreamRequestResult DcpConsumer::streamRequest(uint16_t vbucket, uint32_t flags,
                                               uint64_t start_seqno, uint64_t end_seqno,
                                               uint64_t vbucket_uuid, uint64_t snap_start_seqno,
                                               uint64_t snap_end_seqno, uint32_t opaque) {
    return streamRequest(StreamRequestArgs{.vbucket = vbucket,
                                           .flags = flags,
                                           .start_seqno = start_seqno,
                                           .end_seqno = end_seqno,
                                           .vbucket_uuid = vbucket_uuid,
                                           .snap_start_seqno = snap_start_seqno,
                                           .snap_end_seqno = snap_end_seqno,
                                           .opaque = opaque});
}

mcbp::ResponseStatus DcpConsumer::closeStream(uint16_t vbucket) {
    return connection_.execute(makeCloseStreamRequest(vbucket), options_.command_timeout).status();
}

std::vector<FailoverEntry> DcpConsumer::getFailoverLog(uint16_t vbucket) {
    return decodeFailoverLog(executeOrThrow(makeGetFailoverLogRequest(vbucket)).value);
}

std::vector<std::pair<uint16_t, uint64_t>> DcpConsumer::getAllVbSeqnos(uint32_t state) {
    const Packet response = executeOrThrow(makeGetAllVbSeqnosRequest(state));
    if (response.value.size() % 10 != 0) {
        throw Error(fmt::format("{}: GET_ALL_VB_SEQNOS answered {} bytes (not a multiple of 10)",
                                connection_.peer(), response.value.size()));
    }
    std::vector<std::pair<uint16_t, uint64_t>> all;
    all.reserve(response.value.size() / 10);
    for (size_t offset = 0; offset < response.value.size(); offset += 10) {
        all.emplace_back(readUint16(response.value, offset),
                         readUint64(response.value, offset + 2));
    }
    return all;
}

void DcpConsumer::bufferAck(uint32_t bytes) {
    connection_.send(makeBufferAckRequest(bytes));
    unacked_bytes_ -= std::min<uint64_t>(bytes, unacked_bytes_);
    acked_bytes_ += bytes;
}

std::optional<DcpMessage> DcpConsumer::next(Milliseconds timeout) {
    const auto packet = connection_.receive(timeout);
    if (!packet) {
        return std::nullopt;
    }
    DcpMessage message = decodeDcpMessage(*packet);
    if (message.kind == DcpMessageKind::Noop) {
        if (options_.answer_noops) {
            connection_.sendRaw(encodeNoopResponse(message.opaque));
        }
        return message;
    }
    if (message.kind == DcpMessageKind::Response || buffer_size_ == 0) {
        return message;
    }
    unacked_bytes_ += message.wire_size;
    if (options_.auto_buffer_ack && unacked_bytes_ > buffer_size_ / 2) {
        bufferAck(static_cast<uint32_t>(
            std::min<uint64_t>(unacked_bytes_, std::numeric_limits<uint32_t>::max())));
    }
    return message;
}

}  // namespace eddy::client
