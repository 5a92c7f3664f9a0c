#include "daemon/executors.h"

#include "common/histogram_json.h"
#include "common/logging.h"
#include "daemon/access_contexts.h"
#include "daemon/bucket_contexts.h"
#include "daemon/cluster_config_contexts.h"
#include "daemon/collections_contexts.h"
#include "daemon/connection.h"
#include "daemon/cookie.h"
#include "daemon/dcp_contexts.h"
#include "daemon/kv_contexts.h"
#include "daemon/persistence_contexts.h"
#include "daemon/sasl_context.h"
#include "daemon/server.h"
#include "daemon/set_param_context.h"
#include "daemon/stat_context.h"
#include "daemon/subdoc_context.h"
#include "daemon/vbucket_contexts.h"
#include "protocol/encode.h"
#include "protocol/error_map.h"
#include "protocol/feature.h"
#include "protocol/opcode.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <memory>
#include <string>

namespace eddy::daemon {

namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;
using Executor = Status (*)(Cookie&);

template <class Context>
Status driveContext(Cookie& cookie) {
    if (cookie.context() == nullptr) {
        cookie.setContext(std::make_unique<Context>(cookie));
    }
    return cookie.context()->drive();
}

Status noop(Cookie& cookie) {
    cookie.sendResponse(ResponseStatus::Success);
    return Status::Success;
}

Status version(Cookie& cookie) {
    cookie.sendResponse(ResponseStatus::Success, {.value = EDDY_VERSION});
    return Status::Success;
}

Status quit(Cookie& cookie) {
    cookie.sendResponse(ResponseStatus::Success);  // suppressed for QUITQ
    cookie.connection().closeAfterFlush();
    return Status::Success;
}

Status verbosity(Cookie& cookie) {
    const uint32_t level = mcbp::readUint32(cookie.request().extras, 0);
    logging::setVerbosity(static_cast<int>(level));
    cookie.sendResponse(ResponseStatus::Success);
    return Status::Success;
}

/// GET_CMD_TIMER: the latency histogram of one opcode (extras: the opcode byte; key: empty or an
/// existing bucket; the histogram is the server's, over every bucket).
Status getCmdTimer(Cookie& cookie) {
    const auto& request = cookie.request();
    // The latencies are the server's, over every bucket; a bucket name must still exist.
    if (!request.key.empty() && !cookie.connection().server().buckets().find(request.key)) {
        cookie.setErrorContext(fmt::format("No bucket '{}'", request.key));
        return Status::KeyNotFound;
    }
    const auto opcode = static_cast<uint8_t>(request.extras[0]);
    HistogramSnapshot timings;
    cookie.connection().server().commandTimings(opcode, timings);
    cookie.sendResponse(ResponseStatus::Success,
                        {.value = histogramJson(timings), .datatype = datatype::kJson});
    return Status::Success;
}

Status getErrorMap(Cookie& cookie) {
    const uint16_t requested = mcbp::readUint16(cookie.request().value, 0);
    if (requested == 0) {
        cookie.setErrorContext("Error map version must be at least 1");
        return Status::InvalidArguments;
    }
    cookie.sendResponse(ResponseStatus::Success,
                        {.value = mcbp::errorMapJson(requested), .datatype = datatype::kJson});
    return Status::Success;
}

/// The features HELLO may grant: exactly the ones this server implements.
bool isGrantable(mcbp::Feature feature) {
    switch (feature) {
    case mcbp::Feature::TcpNoDelay:
    case mcbp::Feature::TcpDelay:
    case mcbp::Feature::Xerror:
    case mcbp::Feature::Json:
    case mcbp::Feature::AltRequestSupport:
    case mcbp::Feature::MutationSeqno:
    case mcbp::Feature::DedupeNotMyVbucketClustermap:
    // SELECT_BUCKET exists; the feature only says so.
    case mcbp::Feature::SelectBucket:
    // Server requests: clustermap change notifications (which need Duplex).
    case mcbp::Feature::Duplex:
    case mcbp::Feature::ClustermapChangeNotification:
    // Documents carry extended attributes (sub-document xattr paths, the XATTR datatype).
    case mcbp::Feature::Xattr:
    // Keys carry their collection id; scopes and collections come from the bucket's manifest.
    case mcbp::Feature::Collections:
    // The PreserveTtl frame info keeps a document's expiry through a mutation.
    case mcbp::Feature::PreserveTtl:
    // Inbound values may arrive compressed (they are inflated before the engine sees them);
    // responses are never compressed.
    case mcbp::Feature::Snappy: return true;
    default: return false;
    }
}

Status hello(Cookie& cookie) {
    Connection& connection = cookie.connection();
    const auto& request = cookie.request();
    std::string agent(request.key);
    if (!agent.empty() && agent.front() == '{') {
        const auto parsed = nlohmann::json::parse(agent, nullptr, false);
        if (parsed.is_object() && parsed.contains("a") && parsed["a"].is_string()) {
            agent = parsed["a"].get<std::string>();
        }
    }
    connection.setAgentName(agent);

    mcbp::FeatureSet requested;
    for (size_t offset = 0; offset + 1 < request.value.size(); offset += 2) {
        requested.enable(static_cast<mcbp::Feature>(mcbp::readUint16(request.value, offset)));
    }
    if (requested.has(mcbp::Feature::ClustermapChangeNotification) &&
        !requested.has(mcbp::Feature::Duplex)) {
        cookie.setErrorContext("Clustermap change notification needs Duplex");
        return Status::InvalidArguments;
    }

    mcbp::FeatureSet granted;
    std::string reply;
    for (size_t offset = 0; offset + 1 < request.value.size(); offset += 2) {
        const uint16_t code = mcbp::readUint16(request.value, offset);
        const auto feature = static_cast<mcbp::Feature>(code);
        if (!isGrantable(feature) || granted.has(feature)) {
            continue;
        }
        // TcpNoDelay and TcpDelay are exclusive: the later one wins.
        if (feature == mcbp::Feature::TcpNoDelay || feature == mcbp::Feature::TcpDelay) {
            connection.setTcpNoDelay(feature == mcbp::Feature::TcpNoDelay);
        }
        granted.enable(feature);
        mcbp::appendUint16(reply, code);
    }
    connection.setFeatures(granted);
    spdlog::debug("connection {}: HELLO from '{}' granted {} feature(s)", connection.id(), agent,
                  reply.size() / 2);
    cookie.sendResponse(ResponseStatus::Success, {.value = reply});
    return Status::Success;
}

constexpr std::array<Executor, 256> makeTable() {
    std::array<Executor, 256> table{};
    auto set = [&table](ClientOpcode opcode, Executor executor) {
        table[static_cast<uint8_t>(opcode)] = executor;
    };
    for (auto opcode :
         {ClientOpcode::Get, ClientOpcode::Getq, ClientOpcode::Getk, ClientOpcode::Getkq}) {
        set(opcode, &driveContext<GetContext>);
    }
    for (auto opcode :
         {ClientOpcode::Set, ClientOpcode::Setq, ClientOpcode::Add, ClientOpcode::Addq,
          ClientOpcode::Replace, ClientOpcode::Replaceq, ClientOpcode::Append,
          ClientOpcode::Appendq, ClientOpcode::Prepend, ClientOpcode::Prependq}) {
        set(opcode, &driveContext<MutationContext>);
    }
    set(ClientOpcode::Delete, &driveContext<RemoveContext>);
    set(ClientOpcode::Deleteq, &driveContext<RemoveContext>);
    for (auto opcode : {ClientOpcode::Increment, ClientOpcode::Incrementq, ClientOpcode::Decrement,
                        ClientOpcode::Decrementq}) {
        set(opcode, &driveContext<ArithmeticContext>);
    }
    for (auto opcode : {ClientOpcode::Touch, ClientOpcode::Gat, ClientOpcode::Gatq}) {
        set(opcode, &driveContext<GatContext>);
    }
    for (uint8_t opcode = static_cast<uint8_t>(ClientOpcode::SubdocGet);
         opcode <= static_cast<uint8_t>(ClientOpcode::SubdocGetCount); ++opcode) {
        set(static_cast<ClientOpcode>(opcode), &driveContext<SubdocContext>);
    }
    set(ClientOpcode::GetMeta, &driveContext<GetMetaContext>);
    set(ClientOpcode::GetqMeta, &driveContext<GetMetaContext>);
    set(ClientOpcode::Flush, &driveContext<FlushContext>);
    set(ClientOpcode::Flushq, &driveContext<FlushContext>);
    set(ClientOpcode::Stat, &driveContext<StatContext>);
    // Handed to the engine whole (STOP/START_PERSISTENCE are the engine's to honour or refuse).
    for (auto opcode : {ClientOpcode::EwouldblockCtl, ClientOpcode::StopPersistence,
                        ClientOpcode::StartPersistence}) {
        set(opcode, &driveContext<EngineCommandContext>);
    }
    set(ClientOpcode::DcpOpen, &driveContext<DcpOpenContext>);
    set(ClientOpcode::DcpControl, &driveContext<DcpControlContext>);
    set(ClientOpcode::DcpStreamReq, &driveContext<DcpStreamReqContext>);
    set(ClientOpcode::DcpGetFailoverLog, &driveContext<DcpGetFailoverLogContext>);
    set(ClientOpcode::DcpCloseStream, &driveContext<DcpCloseStreamContext>);
    set(ClientOpcode::DcpBufferAcknowledgement, &driveContext<DcpBufferAckContext>);
    set(ClientOpcode::GetLocked, &driveContext<GetLockedContext>);
    set(ClientOpcode::UnlockKey, &driveContext<UnlockContext>);
    set(ClientOpcode::GetReplica, &driveContext<GetReplicaContext>);
    set(ClientOpcode::SetVbucket, &driveContext<SetVBucketContext>);
    set(ClientOpcode::GetVbucket, &driveContext<GetVBucketContext>);
    set(ClientOpcode::DelVbucket, &driveContext<DelVBucketContext>);
    set(ClientOpcode::GetAllVbSeqnos, &driveContext<GetAllVbSeqnosContext>);
    set(ClientOpcode::SetParam, &driveContext<SetParamContext>);
    set(ClientOpcode::SeqnoPersistence, &driveContext<SeqnoPersistenceContext>);
    set(ClientOpcode::ObserveSeqno, &driveContext<ObserveSeqnoContext>);
    set(ClientOpcode::CompactDb, &driveContext<CompactDbContext>);
    set(ClientOpcode::Noop, &noop);
    set(ClientOpcode::Version, &version);
    set(ClientOpcode::Quit, &quit);
    set(ClientOpcode::Quitq, &quit);
    set(ClientOpcode::Verbosity, &verbosity);
    set(ClientOpcode::Hello, &hello);
    set(ClientOpcode::SaslListMechs, &saslListMechs);
    set(ClientOpcode::SaslAuth, &driveContext<SaslContext>);
    set(ClientOpcode::SaslStep, &driveContext<SaslContext>);
    set(ClientOpcode::SelectBucket, &selectBucket);
    set(ClientOpcode::CreateBucket, &driveContext<CreateBucketContext>);
    set(ClientOpcode::DeleteBucket, &driveContext<DeleteBucketContext>);
    set(ClientOpcode::ListBuckets, &listBuckets);
    set(ClientOpcode::IsaslRefresh, &driveContext<AccessRefreshContext>);
    set(ClientOpcode::RbacRefresh, &driveContext<AccessRefreshContext>);
    set(ClientOpcode::SslCertsRefresh, &driveContext<AccessRefreshContext>);
    set(ClientOpcode::GetErrorMap, &getErrorMap);
    set(ClientOpcode::GetClusterConfig, &getClusterConfig);
    set(ClientOpcode::SetClusterConfig, &setClusterConfig);
    set(ClientOpcode::GetCmdTimer, &getCmdTimer);
    set(ClientOpcode::CollectionsSetManifest, &driveContext<SetCollectionsManifestContext>);
    set(ClientOpcode::CollectionsGetManifest, &getCollectionsManifest);
    set(ClientOpcode::CollectionsGetId, &getCollectionId);
    set(ClientOpcode::CollectionsGetScopeId, &getScopeId);
    return table;
}

constexpr std::array<Executor, 256> kExecutors = makeTable();

}  // namespace

Status executeCommand(Cookie& cookie) {
    const Executor executor = kExecutors[cookie.request().header.opcode];
    if (executor == nullptr) {
        // validateRequest() already answered opcodes without a rule, and executors_test.cc keeps
        // the two tables in step; should they drift, the client gets an answer, not a crash.
        cookie.setErrorContext("No executor for this opcode");
        return Status::NotSupported;
    }
    return executor(cookie);
}

bool hasExecutor(uint8_t opcode) {
    return kExecutors[opcode] != nullptr;
}

}  // namespace eddy::daemon
