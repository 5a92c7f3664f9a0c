// eddy — the key-value command contexts (see kv_contexts.h).
#include "daemon/kv_contexts.h"

#include "daemon/connection.h"
#include "daemon/cookie.h"
#include "daemon/server.h"
#include "protocol/encode.h"
#include "protocol/feature.h"
#include "protocol/opcode.h"
#include "protocol/validators.h"
#include "xattr/blob.h"

#include <snappy.h>

#include <string>
#include <string_view>

namespace eddy::daemon {

namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;

/// GET_META's request extras: the format version that adds the datatype to the answer.
constexpr uint8_t kGetMetaWithDatatype = 2;

/// A mutation's response: CAS in the header, MutationSeqno extras, no value.
void sendMutationDone(Cookie& cookie, const MutationResult& result, Cas cas) {
    cookie.sendResponse(ResponseStatus::Success,
                        {.extras = mutationExtras(cookie, result), .cas = cas});
}

/// Inflates a Snappy-compressed request value into `out`. The engine stores values
/// uncompressed, so a compressed one is checked and inflated before it gets there (again on
/// every step: the context keeps no copy between a WouldBlock and its notification). The
/// bucket checks the inflated size against its max_item_size; here it is only bounded by
/// max_packet_size, so that a small body cannot make the front end allocate without limit.
Status inflateSnappy(Cookie& cookie, std::string_view compressed, std::string& out) {
    if (!cookie.connection().features().has(mcbp::Feature::Snappy)) {
        // The validator refuses this already; kept so a drift answers, not stores garbage.
        cookie.setErrorContext("Snappy datatype not negotiated");
        return Status::InvalidArguments;
    }
    size_t length = 0;
    if (!snappy::IsValidCompressedBuffer(compressed.data(), compressed.size()) ||
        !snappy::GetUncompressedLength(compressed.data(), compressed.size(), &length)) {
        cookie.setErrorContext("Invalid Snappy-compressed value");
        return Status::InvalidArguments;
    }
    if (length > cookie.connection().server().settings().max_packet_size) {
        cookie.setErrorContext("Value exceeds max_packet_size once inflated");
        return Status::TooBig;
    }
    out.resize(length);
    if (!snappy::RawUncompress(compressed.data(), compressed.size(), out.data())) {
        cookie.setErrorContext("Invalid Snappy-compressed value");
        return Status::InvalidArguments;
    }
    return Status::Success;
}

/// A value the client sends with the XATTR datatype: its section must be well formed (else
/// XATTR_EINVAL), and it replaces the document's whole value, so it cannot be appended (EINVAL).
/// False when the refusal has been sent.
bool xattrsAccepted(Cookie& cookie, const StoreRequest& store) {
    std::string why;
    if (store.semantics == StoreSemantics::Append || store.semantics == StoreSemantics::Prepend) {
        cookie.setErrorContext("Xattrs cannot be appended or prepended");
        cookie.connection().sendError(cookie, ResponseStatus::Einval);
        return false;
    }
    if (!xattr::validate(store.value, &why)) {
        cookie.setErrorContext("Invalid xattr section: " + why);
        cookie.connection().sendError(cookie, ResponseStatus::XattrEinval);
        return false;
    }
    return true;
}

}  // namespace

std::string mutationExtras(const Cookie& cookie, const MutationResult& result) {
    std::string extras;
    if (cookie.connection().features().has(mcbp::Feature::MutationSeqno) &&
        result.vbucket_uuid != 0) {
        mcbp::appendUint64(extras, result.vbucket_uuid);
        mcbp::appendUint64(extras, result.seqno);
    }
    return extras;
}

Status GetContext::step() {
    Cookie& cmd = cookie();
    ItemPtr item;
    const Status status = cmd.connection().engine().get(cmd, cmd.key(), cmd.vbucket(), item);
    const auto opcode = mcbp::loudVariant(cmd.opcode());
    const bool with_key = opcode == ClientOpcode::Getk;
    if (status == Status::Success) {
        cmd.connection().sendItem(cmd, item, with_key);
        return Status::Success;
    }
    if (status == Status::KeyNotFound && with_key) {
        // GETK answers a miss with the key, so a pipelining client can tell which one missed.
        cmd.sendResponse(ResponseStatus::KeyEnoent, {.key = cmd.request().key});
        return Status::Success;
    }
    return status;
}

Status MutationContext::step() {
    Cookie& cmd = cookie();
    const auto& request = cmd.request();
    StoreRequest store;
    store.key = cmd.key();
    store.vbucket = cmd.vbucket();
    store.value = request.value;
    store.datatype = request.header.datatype;
    store.cas = request.header.cas;
    switch (mcbp::loudVariant(cmd.opcode())) {
    case ClientOpcode::Add: store.semantics = StoreSemantics::Add; break;
    case ClientOpcode::Replace: store.semantics = StoreSemantics::Replace; break;
    case ClientOpcode::Append: store.semantics = StoreSemantics::Append; break;
    case ClientOpcode::Prepend: store.semantics = StoreSemantics::Prepend; break;
    default: store.semantics = StoreSemantics::Set; break;
    }
    if (request.extras.size() == 8) {
        store.flags = mcbp::readUint32(request.extras, 0);
        store.exptime = mcbp::readUint32(request.extras, 4);
    }
    store.preserve_ttl = mcbp::hasFrameInfo(request.framing_extras, mcbp::FrameInfoId::PreserveTtl);
    std::string inflated;
    if ((store.datatype & datatype::kSnappy) != 0) {
        if (const Status status = inflateSnappy(cmd, request.value, inflated);
            status != Status::Success) {
            return status;
        }
        store.value = inflated;
        store.datatype &= static_cast<uint8_t>(~datatype::kSnappy);
    }
    if ((store.datatype & datatype::kXattr) != 0 && !xattrsAccepted(cmd, store)) {
        return Status::Success;  // the refusal has been sent
    }
    MutationResult result;
    const Status status = cmd.connection().engine().store(cmd, store, result);
    if (status == Status::Success) {
        sendMutationDone(cmd, result, result.cas);
    }
    return status;
}

Status RemoveContext::step() {
    Cookie& cmd = cookie();
    MutationResult result;
    const Status status = cmd.connection().engine().remove(cmd, cmd.key(), cmd.vbucket(),
                                                           cmd.request().header.cas, result);
    if (status == Status::Success) {
        // memcached answers DELETE with CAS 0 and its conformance tool (memccapable) requires
        // it; a client that wants the tombstone's position negotiates MutationSeqno.
        sendMutationDone(cmd, result, 0);
    }
    return status;
}

Status ArithmeticContext::step() {
    Cookie& cmd = cookie();
    const auto& extras = cmd.request().extras;
    ArithmeticRequest request;
    request.key = cmd.key();
    request.vbucket = cmd.vbucket();
    request.delta = mcbp::readUint64(extras, 0);
    request.initial = mcbp::readUint64(extras, 8);
    request.exptime = mcbp::readUint32(extras, 16);
    request.increment = mcbp::loudVariant(cmd.opcode()) == ClientOpcode::Increment;
    uint64_t value = 0;
    MutationResult result;
    const Status status = cmd.connection().engine().arithmetic(cmd, request, value, result);
    if (status == Status::Success) {
        std::string body;
        mcbp::appendUint64(body, value);
        cmd.sendResponse(ResponseStatus::Success,
                         {.extras = mutationExtras(cmd, result), .value = body, .cas = result.cas});
    }
    return status;
}

Status GatContext::step() {
    Cookie& cmd = cookie();
    const uint32_t exptime = mcbp::readUint32(cmd.request().extras, 0);
    ItemPtr item;
    const Status status =
        cmd.connection().engine().getAndTouch(cmd, cmd.key(), cmd.vbucket(), exptime, item);
    if (status != Status::Success) {
        return status;
    }
    if (cmd.opcode() == ClientOpcode::Touch) {
        cmd.sendResponse(ResponseStatus::Success, {.cas = item->cas()});
    } else {
        cmd.connection().sendItem(cmd, item, false);
    }
    return Status::Success;
}

Status GetMetaContext::step() {
    Cookie& cmd = cookie();
    ItemMeta meta;
    const Status status = cmd.connection().engine().getMeta(cmd, cmd.key(), cmd.vbucket(), meta);
    if (status != Status::Success) {
        return status;
    }
    std::string extras;
    mcbp::appendUint32(extras, meta.deleted ? 1 : 0);
    mcbp::appendUint32(extras, meta.flags);
    mcbp::appendUint32(extras, meta.expiry);
    mcbp::appendUint64(extras, meta.rev_seqno);
    const auto& request_extras = cmd.request().extras;
    if (request_extras.size() == 1 &&
        static_cast<uint8_t>(request_extras[0]) == kGetMetaWithDatatype) {
        extras.push_back(static_cast<char>(meta.datatype));
    }
    cmd.sendResponse(ResponseStatus::Success, {.extras = extras, .cas = meta.cas});
    return Status::Success;
}

Status FlushContext::step() {
    Cookie& cmd = cookie();
    const auto& extras = cmd.request().extras;
    if (extras.size() == 4 && mcbp::readUint32(extras, 0) != 0) {
        cmd.setErrorContext("Delayed flush is not supported");
        return Status::NotSupported;
    }
    const Status status = cmd.connection().engine().flush(cmd);
    if (status == Status::Success) {
        cmd.sendResponse(ResponseStatus::Success);
    }
    return status;
}

Status EngineCommandContext::step() {
    Cookie& cmd = cookie();
    const auto& request = cmd.request();
    EngineCommand command;
    command.opcode = request.header.opcode;
    command.vbucket = cmd.vbucket();
    command.cas = request.header.cas;
    command.extras = request.extras;
    command.key = request.key;
    command.value = request.value;
    bool responded = false;
    const Status status = cmd.connection().engine().unknownCommand(
        cmd, command, [&](Status result, std::string_view value) {
            responded = true;
            cmd.sendResponse(mcbp::toResponseStatus(result), {.value = value});
        });
    if (status == Status::Success && !responded) {
        cmd.sendResponse(ResponseStatus::Success);
    }
    return status;
}

}  // namespace eddy::daemon
