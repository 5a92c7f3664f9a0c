#include "daemon/vbucket_contexts.h"

#include "daemon/connection.h"
#include "daemon/cookie.h"
#include "daemon/server.h"
#include "protocol/encode.h"

#include <vector>

namespace eddy::daemon {

using mcbp::ResponseStatus;

Status GetLockedContext::step() {
    Cookie& cmd = cookie();
    const auto& extras = cmd.request().extras;
    const uint32_t lock_seconds = extras.size() == 4 ? mcbp::readUint32(extras, 0) : 0;
    ItemPtr item;
    const Status status =
        cmd.connection().engine().getLocked(cmd, cmd.key(), cmd.vbucket(), lock_seconds, item);
    if (status == Status::Success) {
        cmd.connection().sendItem(cmd, item, false);
    }
    return status;
}

Status UnlockContext::step() {
    Cookie& cmd = cookie();
    const Status status =
        cmd.connection().engine().unlock(cmd, cmd.key(), cmd.vbucket(), cmd.request().header.cas);
    if (status == Status::Success) {
        cmd.sendResponse(ResponseStatus::Success);
    }
    return status;
}

Status GetReplicaContext::step() {
    Cookie& cmd = cookie();
    ItemPtr item;
    const Status status = cmd.connection().engine().getReplica(cmd, cmd.key(), cmd.vbucket(), item);
    if (status == Status::Success) {
        cmd.connection().sendItem(cmd, item, false);
    }
    return status;
}

Status SetVBucketContext::step() {
    Cookie& cmd = cookie();
    const auto& extras = cmd.request().extras;
    // The state is one byte in current clients and a 32-bit number in older ones.
    const uint32_t state =
        extras.size() == 1 ? static_cast<uint8_t>(extras[0]) : mcbp::readUint32(extras, 0);
    const Status status = cmd.connection().engine().setVBucketState(cmd, cmd.vbucket(), state);
    if (status == Status::InvalidArguments) {
        cmd.setErrorContext(
            "vbucket state must be 1 (active), 2 (replica), 3 (pending) or 4 (dead)");
    }
    if (status == Status::Success) {
        cmd.sendResponse(ResponseStatus::Success);
        cmd.connection().server().announceClusterConfig(cmd.connection().session().bucketName());
    }
    return status;
}

Status GetVBucketContext::step() {
    Cookie& cmd = cookie();
    uint32_t state = 0;
    const Status status = cmd.connection().engine().getVBucketState(cmd, cmd.vbucket(), state);
    if (status == Status::Success) {
        std::string value;
        mcbp::appendUint32(value, state);
        cmd.sendResponse(ResponseStatus::Success, {.value = value});
    }
    return status;
}

Status DelVBucketContext::step() {
    Cookie& cmd = cookie();
    const Status status = cmd.connection().engine().deleteVBucket(cmd, cmd.vbucket());
    if (status == Status::Success) {
        cmd.sendResponse(ResponseStatus::Success);
        cmd.connection().server().announceClusterConfig(cmd.connection().session().bucketName());
    }
    return status;
}

Status GetAllVbSeqnosContext::step() {
    Cookie& cmd = cookie();
    const auto& extras = cmd.request().extras;
    const uint32_t state = extras.size() == 4 ? mcbp::readUint32(extras, 0) : 0;
    std::vector<VBucketSeqno> seqnos;
    const Status status = cmd.connection().engine().getAllVbSeqnos(cmd, state, seqnos);
    if (status == Status::InvalidArguments) {
        cmd.setErrorContext("vbucket state filter must be 1, 2, 3 or 4");
    }
    if (status == Status::Success) {
        std::string value;
        value.reserve(seqnos.size() * 10);
        for (const auto& entry : seqnos) {
            mcbp::appendUint16(value, entry.vbucket.get());
            mcbp::appendUint64(value, entry.high_seqno);
        }
        cmd.sendResponse(ResponseStatus::Success, {.value = value});
    }
    return status;
}

}  // namespace eddy::daemon
