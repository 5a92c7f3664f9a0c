// eddy — the DCP command contexts (see dcp_contexts.h).
#include "daemon/dcp_contexts.h"

#include "collections/stream_filter.h"
#include "daemon/bucket_manager.h"
#include "daemon/connection.h"
#include "daemon/cookie.h"
#include "eddy/dcp_iface.h"
#include "protocol/encode.h"
#include "protocol/feature.h"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

namespace eddy::daemon {

namespace {

using mcbp::ResponseStatus;

/// The bucket's DCP interface; nullptr (with the error context set) when it has none.
DcpIface* dcpOf(Cookie& cookie) {
    DcpIface* dcp = cookie.connection().engine().dcp();
    if (dcp == nullptr) {
        cookie.setErrorContext("The bucket does not support DCP");
    }
    return dcp;
}

/// The bucket's DCP interface for a command that needs a producer connection; nullptr (with
/// `status` and the error context set) otherwise.
DcpIface* producerDcpOf(Cookie& cookie, Status& status) {
    DcpIface* dcp = dcpOf(cookie);
    if (dcp == nullptr) {
        status = Status::NotSupported;
        return nullptr;
    }
    if (!cookie.connection().isDcpProducer()) {
        cookie.setErrorContext("Not a DCP producer connection (DCP_OPEN first)");
        status = Status::InvalidArguments;
        return nullptr;
    }
    return dcp;
}

/// Returns the engine's `status`, keeping its explanation for the error response.
Status refused(Cookie& cookie, Status status, std::string& message) {
    if (status != Status::Success && status != Status::WouldBlock && !message.empty()) {
        cookie.setErrorContext(std::move(message));
    }
    return status;
}

/// Reads the collections filter of a DCP_STREAM_REQ value into `stream`. nullopt: go on. A
/// status: the command ends with it (its error context set): EINVAL (malformed, or the
/// connection did not negotiate collections), NOT_SUPPORTED (scope, sid, purge_seqno); or
/// Success after an UNKNOWN_COLLECTION response carrying the manifest uid, as for a key.
std::optional<Status> applyStreamFilter(Cookie& cmd, std::string_view value,
                                        DcpStreamRequest& stream) {
    Connection& connection = cmd.connection();
    if (!connection.features().has(mcbp::Feature::Collections)) {
        cmd.setErrorContext("A stream filter needs a connection that negotiated Collections");
        return Status::InvalidArguments;
    }
    const collections::StreamFilterResult parsed = collections::parseStreamFilter(value);
    if (parsed.error != collections::StreamFilterResult::Error::None) {
        cmd.setErrorContext(parsed.message);
        return parsed.error == collections::StreamFilterResult::Error::NotSupported
                   ? Status::NotSupported
                   : Status::InvalidArguments;
    }
    const Bucket* bucket = connection.session().bucket();
    if (bucket == nullptr) {
        return Status::NoBucket;
    }
    const collections::Manager& manager = bucket->collections();
    if (parsed.filter.collections) {
        for (const collections::CollectionId id : *parsed.filter.collections) {
            const collections::Manager::Check check = manager.check(id);
            if (!check.exists) {
                cmd.setUnknownCollection(check.manifest_uid);
                connection.sendError(cmd, ResponseStatus::UnknownCollection);
                return Status::Success;
            }
        }
    }
    stream.collections = parsed.filter.collections;
    return std::nullopt;
}

}  // namespace

Status DcpOpenContext::step() {
    Cookie& cmd = cookie();
    DcpIface* dcp = dcpOf(cmd);
    if (dcp == nullptr) {
        return Status::NotSupported;
    }
    const auto& request = cmd.request();
    // Extras: 4 bytes reserved (once a seqno), then the flags.
    uint32_t flags = mcbp::readUint32(request.extras, 4);
    const bool producer = (flags & dcp::kOpenProducer) != 0;
    if (!cmd.connection().authorize(
            Access::one(producer ? Privilege::DcpProducer : Privilege::DcpConsumer))) {
        return Status::NoAccess;
    }
    if ((flags & dcp::kOpenCollections) != 0) {
        cmd.setErrorContext(fmt::format("Unknown DCP_OPEN flags {:#x}", dcp::kOpenCollections));
        return Status::InvalidArguments;
    }
    if (cmd.connection().features().has(mcbp::Feature::Collections)) {
        flags |= dcp::kOpenCollections;  // keys with their collection id, every collection
    }
    std::string message;
    const Status status = dcp->open(cmd, request.key, flags, message);
    if (status != Status::Success) {
        return refused(cmd, status, message);
    }
    if ((flags & dcp::kOpenProducer) != 0) {
        cmd.connection().setDcpProducer();
    }
    cmd.sendResponse(ResponseStatus::Success);
    return Status::Success;
}

Status DcpControlContext::step() {
    Cookie& cmd = cookie();
    Status status = Status::Success;
    DcpIface* dcp = producerDcpOf(cmd, status);
    if (dcp == nullptr) {
        return status;
    }
    const auto& request = cmd.request();
    const bool snappy = cmd.connection().features().has(mcbp::Feature::Snappy);
    std::string message;
    status = dcp->control(cmd, request.key, request.value, snappy, message);
    if (status != Status::Success) {
        return refused(cmd, status, message);
    }
    cmd.sendResponse(ResponseStatus::Success);
    return Status::Success;
}

Status DcpStreamReqContext::step() {
    Cookie& cmd = cookie();
    Status status = Status::Success;
    DcpIface* dcp = producerDcpOf(cmd, status);
    if (dcp == nullptr) {
        return status;
    }
    const auto& request = cmd.request();
    DcpStreamRequest stream;
    if (!request.value.empty()) {
        if (const std::optional<Status> refused = applyStreamFilter(cmd, request.value, stream)) {
            return *refused;
        }
    }
    // Extras: flags, reserved, start, end, vbucket uuid, snapshot start, snapshot end.
    const std::string_view extras = request.extras;
    stream.opaque = cmd.opaque();
    stream.vbucket = cmd.vbucket();
    stream.flags = mcbp::readUint32(extras, 0);
    stream.start_seqno = mcbp::readUint64(extras, 8);
    stream.end_seqno = mcbp::readUint64(extras, 16);
    stream.vbucket_uuid = mcbp::readUint64(extras, 24);
    stream.snap_start_seqno = mcbp::readUint64(extras, 32);
    stream.snap_end_seqno = mcbp::readUint64(extras, 40);
    DcpStreamResponse out;
    std::string message;
    status = dcp->streamRequest(cmd, stream, out, message);
    if (status == Status::Success) {
        cmd.sendResponse(ResponseStatus::Success, {.value = out.failover_log});
        return Status::Success;
    }
    if (status == Status::Rollback) {
        std::string seqno;
        mcbp::appendUint64(seqno, out.rollback_seqno);
        cmd.sendResponse(ResponseStatus::Rollback, {.value = seqno});
        return Status::Success;
    }
    return refused(cmd, status, message);
}

Status DcpGetFailoverLogContext::step() {
    Cookie& cmd = cookie();
    DcpIface* dcp = dcpOf(cmd);
    if (dcp == nullptr) {
        return Status::NotSupported;
    }
    std::string log;
    const Status status = dcp->getFailoverLog(cmd, cmd.vbucket(), log);
    if (status == Status::Success) {
        cmd.sendResponse(ResponseStatus::Success, {.value = log});
    }
    return status;
}

Status DcpCloseStreamContext::step() {
    Cookie& cmd = cookie();
    Status status = Status::Success;
    DcpIface* dcp = producerDcpOf(cmd, status);
    if (dcp == nullptr) {
        return status;
    }
    status = dcp->closeStream(cmd, cmd.vbucket());
    if (status == Status::Success) {
        cmd.sendResponse(ResponseStatus::Success);
    }
    return status;
}

Status DcpBufferAckContext::step() {
    Cookie& cmd = cookie();
    Status status = Status::Success;
    DcpIface* dcp = producerDcpOf(cmd, status);
    if (dcp == nullptr) {
        return status;
    }
    // Success is not answered: a consumer acknowledges often and expects no reply.
    return dcp->bufferAcknowledgement(cmd, mcbp::readUint32(cmd.request().extras, 0));
}

}  // namespace eddy::daemon
