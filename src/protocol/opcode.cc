#include "protocol/opcode.h"

#include <array>

namespace eddy::mcbp {

namespace {

using Op = ClientOpcode;

constexpr OpcodeInfo loud(Op opcode, std::string_view name, Access access) {
    return {opcode, name, false, opcode, access};
}

constexpr OpcodeInfo quiet(Op opcode, std::string_view name, Op twin, Access access) {
    return {opcode, name, true, twin, access};
}

// The one source of truth for client opcodes. Keep it sorted by opcode byte (checked below).
constexpr std::array kClientOpcodes{
    loud(Op::Get, "get", Access::one(Privilege::Read)),
    loud(Op::Set, "set", Access::one(Privilege::Upsert)),
    loud(Op::Add, "add", Access::either(Privilege::Insert, Privilege::Upsert)),
    loud(Op::Replace, "replace", Access::one(Privilege::Upsert)),
    loud(Op::Delete, "delete", Access::one(Privilege::Delete)),
    loud(Op::Increment, "increment", Access::both(Privilege::Read, Privilege::Upsert)),
    loud(Op::Decrement, "decrement", Access::both(Privilege::Read, Privilege::Upsert)),
    loud(Op::Quit, "quit", Access::anyone()),
    loud(Op::Flush, "flush", Access::one(Privilege::NodeSupervisor)),
    quiet(Op::Getq, "getq", Op::Get, Access::one(Privilege::Read)),
    loud(Op::Noop, "noop", Access::anyone()),
    loud(Op::Version, "version", Access::anyone()),
    loud(Op::Getk, "getk", Access::one(Privilege::Read)),
    quiet(Op::Getkq, "getkq", Op::Getk, Access::one(Privilege::Read)),
    loud(Op::Append, "append", Access::one(Privilege::Upsert)),
    loud(Op::Prepend, "prepend", Access::one(Privilege::Upsert)),
    loud(Op::Stat, "stat", Access::authenticated()),
    quiet(Op::Setq, "setq", Op::Set, Access::one(Privilege::Upsert)),
    quiet(Op::Addq, "addq", Op::Add, Access::either(Privilege::Insert, Privilege::Upsert)),
    quiet(Op::Replaceq, "replaceq", Op::Replace, Access::one(Privilege::Upsert)),
    quiet(Op::Deleteq, "deleteq", Op::Delete, Access::one(Privilege::Delete)),
    quiet(Op::Incrementq, "incrementq", Op::Increment,
          Access::both(Privilege::Read, Privilege::Upsert)),
    quiet(Op::Decrementq, "decrementq", Op::Decrement,
          Access::both(Privilege::Read, Privilege::Upsert)),
    quiet(Op::Quitq, "quitq", Op::Quit, Access::anyone()),
    quiet(Op::Flushq, "flushq", Op::Flush, Access::one(Privilege::NodeSupervisor)),
    quiet(Op::Appendq, "appendq", Op::Append, Access::one(Privilege::Upsert)),
    quiet(Op::Prependq, "prependq", Op::Prepend, Access::one(Privilege::Upsert)),
    loud(Op::Verbosity, "verbosity", Access::one(Privilege::Administrator)),
    loud(Op::Touch, "touch", Access::one(Privilege::Upsert)),
    loud(Op::Gat, "gat", Access::both(Privilege::Read, Privilege::Upsert)),
    quiet(Op::Gatq, "gatq", Op::Gat, Access::both(Privilege::Read, Privilege::Upsert)),
    loud(Op::Hello, "hello", Access::anyone()),
    loud(Op::SaslListMechs, "sasl_list_mechs", Access::anyone()),
    loud(Op::SaslAuth, "sasl_auth", Access::anyone()),
    loud(Op::SaslStep, "sasl_step", Access::anyone()),
    loud(Op::IoctlGet, "ioctl_get", Access::one(Privilege::Administrator)),
    loud(Op::IoctlSet, "ioctl_set", Access::one(Privilege::Administrator)),
    loud(Op::ConfigValidate, "config_validate", Access::one(Privilege::Administrator)),
    loud(Op::ConfigReload, "config_reload", Access::one(Privilege::NodeSupervisor)),
    loud(Op::AuditPut, "audit_put", Access::one(Privilege::Audit)),
    loud(Op::AuditConfigReload, "audit_config_reload", Access::one(Privilege::NodeSupervisor)),
    loud(Op::Shutdown, "shutdown", Access::one(Privilege::NodeSupervisor)),
    loud(Op::SetVbucket, "set_vbucket", Access::one(Privilege::NodeSupervisor)),
    loud(Op::GetVbucket, "get_vbucket", Access::authenticated()),
    loud(Op::DelVbucket, "del_vbucket", Access::one(Privilege::NodeSupervisor)),
    loud(Op::GetAllVbSeqnos, "get_all_vb_seqnos", Access::authenticated()),
    loud(Op::DcpOpen, "dcp_open", Access::authenticated()),
    loud(Op::DcpAddStream, "dcp_add_stream", Access::one(Privilege::DcpConsumer)),
    loud(Op::DcpCloseStream, "dcp_close_stream",
         Access::either(Privilege::DcpProducer, Privilege::DcpConsumer)),
    loud(Op::DcpStreamReq, "dcp_stream_req", Access::one(Privilege::DcpProducer)),
    loud(Op::DcpGetFailoverLog, "dcp_get_failover_log",
         Access::either(Privilege::DcpProducer, Privilege::DcpConsumer)),
    loud(Op::DcpStreamEnd, "dcp_stream_end", Access::one(Privilege::DcpConsumer)),
    loud(Op::DcpSnapshotMarker, "dcp_snapshot_marker", Access::one(Privilege::DcpConsumer)),
    loud(Op::DcpMutation, "dcp_mutation", Access::one(Privilege::DcpConsumer)),
    loud(Op::DcpDeletion, "dcp_deletion", Access::one(Privilege::DcpConsumer)),
    loud(Op::DcpExpiration, "dcp_expiration", Access::one(Privilege::DcpConsumer)),
    loud(Op::DcpSetVbucketState, "dcp_set_vbucket_state", Access::one(Privilege::DcpConsumer)),
    loud(Op::DcpNoop, "dcp_noop", Access::either(Privilege::DcpProducer, Privilege::DcpConsumer)),
    loud(Op::DcpBufferAcknowledgement, "dcp_buffer_acknowledgement",
         Access::either(Privilege::DcpProducer, Privilege::DcpConsumer)),
    loud(Op::DcpControl, "dcp_control",
         Access::either(Privilege::DcpProducer, Privilege::DcpConsumer)),
    loud(Op::DcpSystemEvent, "dcp_system_event", Access::one(Privilege::DcpConsumer)),
    loud(Op::DcpPrepare, "dcp_prepare", Access::one(Privilege::DcpConsumer)),
    loud(Op::DcpSeqnoAcknowledged, "dcp_seqno_acknowledged", Access::one(Privilege::DcpProducer)),
    loud(Op::DcpCommit, "dcp_commit", Access::one(Privilege::DcpConsumer)),
    loud(Op::DcpAbort, "dcp_abort", Access::one(Privilege::DcpConsumer)),
    loud(Op::DcpSeqnoAdvanced, "dcp_seqno_advanced", Access::one(Privilege::DcpConsumer)),
    loud(Op::DcpOsoSnapshot, "dcp_oso_snapshot", Access::one(Privilege::DcpConsumer)),
    loud(Op::StopPersistence, "stop_persistence", Access::one(Privilege::Administrator)),
    loud(Op::StartPersistence, "start_persistence", Access::one(Privilege::Administrator)),
    loud(Op::SetParam, "set_param", Access::one(Privilege::Administrator)),
    loud(Op::GetReplica, "get_replica", Access::one(Privilege::Read)),
    loud(Op::CreateBucket, "create_bucket", Access::one(Privilege::NodeSupervisor)),
    loud(Op::DeleteBucket, "delete_bucket", Access::one(Privilege::NodeSupervisor)),
    loud(Op::ListBuckets, "list_buckets", Access::authenticated()),
    loud(Op::SelectBucket, "select_bucket", Access::authenticated()),
    loud(Op::ObserveSeqno, "observe_seqno", Access::one(Privilege::Read)),
    loud(Op::Observe, "observe", Access::authenticated()),
    loud(Op::EvictKey, "evict_key", Access::one(Privilege::Administrator)),
    loud(Op::GetLocked, "get_locked", Access::one(Privilege::Read)),
    loud(Op::UnlockKey, "unlock_key", Access::one(Privilege::Read)),
    loud(Op::GetFailoverLog, "get_failover_log", Access::one(Privilege::Read)),
    loud(Op::LastClosedCheckpoint, "last_closed_checkpoint", Access::one(Privilege::Administrator)),
    loud(Op::GetMeta, "get_meta", Access::one(Privilege::Read)),
    quiet(Op::GetqMeta, "getq_meta", Op::GetMeta, Access::one(Privilege::Read)),
    loud(Op::SetWithMeta, "set_with_meta", Access::one(Privilege::MetaWrite)),
    quiet(Op::SetqWithMeta, "setq_with_meta", Op::SetWithMeta, Access::one(Privilege::MetaWrite)),
    loud(Op::AddWithMeta, "add_with_meta", Access::one(Privilege::MetaWrite)),
    quiet(Op::AddqWithMeta, "addq_with_meta", Op::AddWithMeta, Access::one(Privilege::MetaWrite)),
    loud(Op::DelWithMeta, "del_with_meta", Access::one(Privilege::MetaWrite)),
    quiet(Op::DelqWithMeta, "delq_with_meta", Op::DelWithMeta, Access::one(Privilege::MetaWrite)),
    loud(Op::CreateCheckpoint, "create_checkpoint", Access::one(Privilege::Administrator)),
    loud(Op::EnableTraffic, "enable_traffic", Access::one(Privilege::NodeSupervisor)),
    loud(Op::DisableTraffic, "disable_traffic", Access::one(Privilege::NodeSupervisor)),
    loud(Op::CheckpointPersistence, "checkpoint_persistence",
         Access::one(Privilege::Administrator)),
    loud(Op::ReturnMeta, "return_meta", Access::one(Privilege::MetaWrite)),
    loud(Op::CompactDb, "compact_db", Access::one(Privilege::NodeSupervisor)),
    loud(Op::SetClusterConfig, "set_cluster_config", Access::one(Privilege::NodeSupervisor)),
    loud(Op::GetClusterConfig, "get_cluster_config", Access::authenticated()),
    loud(Op::GetRandomKey, "get_random_key", Access::one(Privilege::Read)),
    loud(Op::SeqnoPersistence, "seqno_persistence", Access::one(Privilege::NodeSupervisor)),
    loud(Op::GetKeys, "get_keys", Access::one(Privilege::Read)),
    loud(Op::CollectionsSetManifest, "collections_set_manifest",
         Access::one(Privilege::NodeSupervisor)),
    loud(Op::CollectionsGetManifest, "collections_get_manifest", Access::authenticated()),
    loud(Op::CollectionsGetId, "collections_get_id", Access::authenticated()),
    loud(Op::CollectionsGetScopeId, "collections_get_scope_id", Access::authenticated()),
    loud(Op::SubdocGet, "subdoc_get", Access::one(Privilege::Read)),
    loud(Op::SubdocExists, "subdoc_exists", Access::one(Privilege::Read)),
    loud(Op::SubdocDictAdd, "subdoc_dict_add", Access::one(Privilege::Upsert)),
    loud(Op::SubdocDictUpsert, "subdoc_dict_upsert", Access::one(Privilege::Upsert)),
    loud(Op::SubdocDelete, "subdoc_delete", Access::one(Privilege::Upsert)),
    loud(Op::SubdocReplace, "subdoc_replace", Access::one(Privilege::Upsert)),
    loud(Op::SubdocArrayPushLast, "subdoc_array_push_last", Access::one(Privilege::Upsert)),
    loud(Op::SubdocArrayPushFirst, "subdoc_array_push_first", Access::one(Privilege::Upsert)),
    loud(Op::SubdocArrayInsert, "subdoc_array_insert", Access::one(Privilege::Upsert)),
    loud(Op::SubdocArrayAddUnique, "subdoc_array_add_unique", Access::one(Privilege::Upsert)),
    loud(Op::SubdocCounter, "subdoc_counter", Access::one(Privilege::Upsert)),
    loud(Op::SubdocMultiLookup, "subdoc_multi_lookup", Access::one(Privilege::Read)),
    loud(Op::SubdocMultiMutation, "subdoc_multi_mutation", Access::one(Privilege::Upsert)),
    loud(Op::SubdocGetCount, "subdoc_get_count", Access::one(Privilege::Read)),
    loud(Op::IsaslRefresh, "isasl_refresh", Access::one(Privilege::NodeSupervisor)),
    loud(Op::SslCertsRefresh, "ssl_certs_refresh", Access::one(Privilege::NodeSupervisor)),
    loud(Op::GetCmdTimer, "get_cmd_timer", Access::authenticated()),
    loud(Op::RbacRefresh, "rbac_refresh", Access::one(Privilege::NodeSupervisor)),
    loud(Op::EwouldblockCtl, "ewouldblock_ctl", Access::one(Privilege::Administrator)),
    loud(Op::GetErrorMap, "get_error_map", Access::anyone()),
};

constexpr bool tableIsConsistent() {
    for (size_t i = 0; i < kClientOpcodes.size(); ++i) {
        const OpcodeInfo& row = kClientOpcodes[i];
        if (i > 0 && kClientOpcodes[i - 1].opcode >= row.opcode) {
            return false;
        }
        // A loud row is its own twin; a quiet row names a different, loud opcode.
        if (row.quiet == (row.loud == row.opcode)) {
            return false;
        }
        // A quiet variant requires exactly what its loud twin does.
        if (row.quiet) {
            for (const OpcodeInfo& twin : kClientOpcodes) {
                if (twin.opcode == row.loud &&
                    (twin.access.kind != row.access.kind || twin.access.first != row.access.first ||
                     twin.access.second != row.access.second)) {
                    return false;
                }
            }
        }
    }
    return true;
}
static_assert(tableIsConsistent(), "kClientOpcodes must be sorted with consistent quiet twins");

// Byte → row index + 1 (0 = no row), built at compile time so every lookup is one load.
constexpr std::array<uint8_t, 256> kIndexByByte = [] {
    std::array<uint8_t, 256> index{};
    for (size_t i = 0; i < kClientOpcodes.size(); ++i) {
        index[static_cast<uint8_t>(kClientOpcodes[i].opcode)] = static_cast<uint8_t>(i + 1);
    }
    return index;
}();
static_assert(kClientOpcodes.size() < 256);

const OpcodeInfo* find(uint8_t opcode) {
    const uint8_t slot = kIndexByByte[opcode];
    return slot == 0 ? nullptr : &kClientOpcodes[slot - 1];
}

}  // namespace

std::span<const OpcodeInfo> clientOpcodes() {
    return kClientOpcodes;
}

std::optional<std::string_view> opcodeName(uint8_t opcode) {
    if (const OpcodeInfo* row = find(opcode)) {
        return row->name;
    }
    return std::nullopt;
}

bool isKnownOpcode(uint8_t opcode) {
    return find(opcode) != nullptr;
}

bool isQuiet(ClientOpcode opcode) {
    const OpcodeInfo* row = find(static_cast<uint8_t>(opcode));
    return row != nullptr && row->quiet;
}

Access requiredAccess(uint8_t opcode) {
    const OpcodeInfo* row = find(opcode);
    return row == nullptr ? Access::authenticated() : row->access;
}

ClientOpcode loudVariant(ClientOpcode opcode) {
    const OpcodeInfo* row = find(static_cast<uint8_t>(opcode));
    return row == nullptr ? opcode : row->loud;
}

}  // namespace eddy::mcbp
