#include "daemon/persistence_contexts.h"

#include "daemon/connection.h"
#include "daemon/cookie.h"
#include "protocol/encode.h"
#include "protocol/persistence_formats.h"

#include <string>

namespace eddy::daemon {

using mcbp::ResponseStatus;

Status SeqnoPersistenceContext::step() {
    Cookie& cmd = cookie();
    const uint64_t seqno = mcbp::readUint64(cmd.request().extras, 0);
    const Status status = cmd.connection().engine().seqnoPersistence(cmd, cmd.vbucket(), seqno);
    if (status == Status::Success) {
        cmd.sendResponse(ResponseStatus::Success);
    }
    return status;
}

Status ObserveSeqnoContext::step() {
    Cookie& cmd = cookie();
    const uint64_t uuid = mcbp::readUint64(cmd.request().value, 0);
    ObserveSeqnoResult result;
    const Status status = cmd.connection().engine().observeSeqno(cmd, cmd.vbucket(), uuid, result);
    if (status == Status::KeyNotFound) {
        cmd.setErrorContext("vbucket uuid not found in the vbucket's failover log");
    }
    if (status != Status::Success) {
        return status;
    }
    mcbp::ObserveSeqnoBody body;
    body.vbucket = cmd.vbucket().get();
    body.vbucket_uuid = result.vbucket_uuid;
    body.last_persisted_seqno = result.last_persisted_seqno;
    body.current_seqno = result.current_seqno;
    body.failed_over = result.failed_over;
    body.old_vbucket_uuid = result.old_vbucket_uuid;
    body.old_branch_last_seqno = result.old_branch_last_seqno;
    std::string value;
    mcbp::appendObserveSeqnoBody(value, body);
    cmd.sendResponse(ResponseStatus::Success, {.value = value});
    return Status::Success;
}

Status CompactDbContext::step() {
    Cookie& cmd = cookie();
    const auto extras = mcbp::parseCompactDbExtras(cmd.request().extras);
    if (!extras) {
        // The validator admits only 24 bytes of extras; kept so a drift answers, not crashes.
        cmd.setErrorContext("COMPACT_DB extras must be 24 bytes");
        return Status::InvalidArguments;
    }
    CompactRequest request;
    request.vbucket = cmd.vbucket();
    request.purge_before_ts = extras->purge_before_ts;
    request.purge_before_seq = extras->purge_before_seq;
    request.drop_deletes = extras->drop_deletes;
    const Status status = cmd.connection().engine().compactDatabase(cmd, request);
    if (status == Status::Success) {
        cmd.sendResponse(ResponseStatus::Success);
    }
    return status;
}

}  // namespace eddy::daemon
