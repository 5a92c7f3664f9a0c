// eddy — the sub-document commands' state machine (see subdoc_context.h).
#include "daemon/subdoc_context.h"

#include "daemon/connection.h"
#include "daemon/cookie.h"
#include "daemon/kv_contexts.h"
#include "daemon/session.h"
#include "daemon/subdoc_execution.h"
#include "protocol/encode.h"
#include "protocol/opcode.h"
#include "protocol/validators.h"

#include <chrono>

namespace eddy::daemon {

namespace {

using mcbp::ResponseStatus;
using mcbp::subdoc::SubdocRequest;
namespace doc_flag = mcbp::subdoc::doc_flag;

/// What a locked document's CAS reads as: EngineIface::getMeta's contract (all bits set), the
/// engine's kLockedCas, which the daemon may not include.
constexpr Cas kLockedCas = ~Cas{0};

bool returnsJson(uint8_t opcode) {
    using C = mcbp::ClientOpcode;
    const auto op = static_cast<C>(opcode);
    return op == C::SubdocGet || op == C::SubdocGetCount || op == C::SubdocCounter;
}

uint64_t nowSeconds() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

/// A multi-lookup's body: for every spec its status, the length of its value and the value.
std::string lookupBody(const SubdocLookupResult& result) {
    std::string body;
    for (size_t i = 0; i < result.count; ++i) {
        const SpecOutcome& spec = result.specs[i];
        mcbp::appendUint16(body, static_cast<uint16_t>(spec.status));
        mcbp::appendUint32(body, static_cast<uint32_t>(spec.value.size()));
        body += spec.value;
    }
    return body;
}

/// A successful multi-mutation's body: an entry for every spec that returns a value.
std::string mutationBody(const SubdocMutationResult& result) {
    std::string body;
    for (size_t i = 0; i < result.count; ++i) {
        const SpecOutcome& spec = result.specs[i];
        if (spec.value.empty()) {
            continue;
        }
        body.push_back(static_cast<char>(i));
        mcbp::appendUint16(body, static_cast<uint16_t>(ResponseStatus::Success));
        mcbp::appendUint32(body, static_cast<uint32_t>(spec.value.size()));
        body += spec.value;
    }
    return body;
}

SubdocPermissions permissionsOf(Connection& connection) {
    Session& session = connection.session();
    return {
        .read_system_xattrs = session.check(Access::one(Privilege::SystemXattrRead)).allowed(),
        .write_system_xattrs = session.check(Access::one(Privilege::SystemXattrWrite)).allowed()};
}

}  // namespace

Status SubdocContext::step() {
    Cookie& cmd = cookie();
    SubdocRequest request;
    // Validated before dispatch; parsed again here because the context keeps no views into the
    // request (it moves when the cookie preserves it).
    if (const auto parsed = mcbp::subdoc::parseSubdocRequest(cmd.request(), request);
        !parsed.ok()) {
        cmd.setErrorContext(std::string(parsed.message));
        return Status::InvalidArguments;
    }
    if (state_ == State::Store) {
        return store(request);
    }
    const Status fetched = fetch(request);
    if (fetched != Status::Success) {
        return fetched;
    }
    return execute(request);
}

Status SubdocContext::fetch(const SubdocRequest& request) {
    Cookie& cmd = cookie();
    item_.reset();
    const Status status = cmd.connection().engine().get(cmd, cmd.key(), cmd.vbucket(), item_);
    if (status == Status::KeyNotFound && request.mutation &&
        (request.hasDocFlag(doc_flag::kMkdoc) || request.hasDocFlag(doc_flag::kAdd))) {
        item_.reset();
        return Status::Success;
    }
    if (status != Status::Success) {
        return status;
    }
    if (request.mutation && request.hasDocFlag(doc_flag::kAdd)) {
        return Status::KeyExists;
    }
    const Cas cas = cmd.request().header.cas;
    if (request.mutation && cas != 0 && item_->cas() != cas && item_->cas() != kLockedCas) {
        return Status::KeyExists;
    }
    return Status::Success;
}

Status SubdocContext::execute(const SubdocRequest& request) {
    Cookie& cmd = cookie();
    SubdocInput input;
    if (item_) {
        input = {.exists = true,
                 .value = item_->value(),
                 .datatype = item_->datatype(),
                 .flags = item_->flags(),
                 .expiry = item_->expiry(),
                 .cas = item_->cas()};
    }
    SubdocExecution execution(request, input, permissionsOf(cmd.connection()), nowSeconds());
    if (!request.mutation) {
        const SubdocLookupResult result = execution.lookup();
        if (!request.multi) {
            const SpecOutcome& spec = result.specs[0];
            if (spec.status != ResponseStatus::Success) {
                cmd.connection().sendError(cmd, spec.status);
                return Status::Success;
            }
            const bool json = returnsJson(request.specs[0].opcode);
            cmd.sendResponse(ResponseStatus::Success,
                             {.value = spec.value,
                              .datatype = json ? datatype::kJson : datatype::kRaw,
                              .cas = item_->cas()});
            return Status::Success;
        }
        cmd.sendResponse(result.allSucceeded() ? ResponseStatus::Success
                                               : ResponseStatus::SubdocMultiPathFailure,
                         {.value = lookupBody(result), .cas = item_->cas()});
        return Status::Success;
    }

    SubdocMutationResult result = execution.mutate();
    if (result.status != ResponseStatus::Success) {
        if (!request.multi) {
            cmd.connection().sendError(cmd, result.status);
            return Status::Success;
        }
        std::string body;
        body.push_back(static_cast<char>(result.failed_index));
        mcbp::appendUint16(body, static_cast<uint16_t>(result.status));
        cmd.sendResponse(ResponseStatus::SubdocMultiPathFailure, {.value = body});
        return Status::Success;
    }
    if (result.remove_document && !cmd.connection().authorize(Access::one(Privilege::Delete))) {
        return Status::NoAccess;
    }
    new_value_ = std::move(result.value);
    new_datatype_ = result.datatype;
    remove_ = result.remove_document;
    response_value_ = request.multi ? mutationBody(result) : std::move(result.specs[0].value);
    state_ = State::Store;
    return store(request);
}

Status SubdocContext::store(const SubdocRequest& request) {
    Cookie& cmd = cookie();
    EngineIface& engine = cmd.connection().engine();
    const Cas user_cas = cmd.request().header.cas;
    const Cas cas = user_cas != 0 ? user_cas : (item_ ? item_->cas() : 0);
    MutationResult result;
    Status status = Status::Success;
    if (remove_) {
        status = engine.remove(cmd, cmd.key(), cmd.vbucket(), cas, result);
    } else {
        StoreRequest store;
        store.key = cmd.key();
        store.vbucket = cmd.vbucket();
        store.value = new_value_;
        store.datatype = new_datatype_;
        store.flags = item_ ? item_->flags() : 0;
        store.exptime = request.expiry.value_or(0);
        store.semantics = item_ ? StoreSemantics::Replace : StoreSemantics::Add;
        store.cas = item_ ? cas : 0;
        store.preserve_xattrs = false;
        store.preserve_ttl =
            mcbp::hasFrameInfo(cmd.request().framing_extras, mcbp::FrameInfoId::PreserveTtl);
        status = engine.store(cmd, store, result);
    }
    if (status == Status::WouldBlock) {
        return status;
    }
    // Another writer got there first: run the specs again on its version, unless the client
    // named the version it wanted.
    const bool lost_race =
        (status == Status::KeyExists && user_cas == 0) ||
        (status == Status::KeyNotFound && item_ && request.hasDocFlag(doc_flag::kMkdoc));
    if (lost_race) {
        state_ = State::Fetch;
        if (++attempts_ >= kMaxAttempts) {
            cmd.setErrorContext("Too many concurrent changes to the document");
            return Status::TemporaryFailure;
        }
        const Status fetched = fetch(request);
        return fetched == Status::Success ? execute(request) : fetched;
    }
    if (status != Status::Success) {
        return status;
    }
    const bool json = !request.multi && !response_value_.empty();
    cmd.sendResponse(ResponseStatus::Success, {.extras = mutationExtras(cmd, result),
                                               .value = response_value_,
                                               .datatype = json ? datatype::kJson : datatype::kRaw,
                                               .cas = result.cas});
    return Status::Success;
}

}  // namespace eddy::daemon
