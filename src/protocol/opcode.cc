#include "protocol/opcode.h"

#include <array>

namespace eddy::mcbp {

namespace {

using Op = ClientOpcode;

constexpr OpcodeInfo loud(Op opcode, std::string_view name) {
    return {opcode, name, false, opcode};
}

constexpr OpcodeInfo quiet(Op opcode, std::string_view name, Op twin) {
    return {opcode, name, true, twin};
}

// The one source of truth for client opcodes. Keep it sorted by opcode byte (checked below).
constexpr std::array kClientOpcodes{
    loud(Op::Get, "get"),
    loud(Op::Set, "set"),
    loud(Op::Add, "add"),
    loud(Op::Replace, "replace"),
    loud(Op::Delete, "delete"),
    loud(Op::Increment, "increment"),
    loud(Op::Decrement, "decrement"),
    loud(Op::Quit, "quit"),
    loud(Op::Flush, "flush"),
    quiet(Op::Getq, "getq", Op::Get),
    loud(Op::Noop, "noop"),
    loud(Op::Version, "version"),
    loud(Op::Getk, "getk"),
    quiet(Op::Getkq, "getkq", Op::Getk),
    loud(Op::Append, "append"),
    loud(Op::Prepend, "prepend"),
    loud(Op::Stat, "stat"),
    quiet(Op::Setq, "setq", Op::Set),
    quiet(Op::Addq, "addq", Op::Add),
    quiet(Op::Replaceq, "replaceq", Op::Replace),
    quiet(Op::Deleteq, "deleteq", Op::Delete),
    quiet(Op::Incrementq, "incrementq", Op::Increment),
    quiet(Op::Decrementq, "decrementq", Op::Decrement),
    quiet(Op::Quitq, "quitq", Op::Quit),
    quiet(Op::Flushq, "flushq", Op::Flush),
    quiet(Op::Appendq, "appendq", Op::Append),
    quiet(Op::Prependq, "prependq", Op::Prepend),
    loud(Op::Verbosity, "verbosity"),
    loud(Op::Touch, "touch"),
    loud(Op::Gat, "gat"),
    quiet(Op::Gatq, "gatq", Op::Gat),
    loud(Op::Hello, "hello"),
    loud(Op::SaslListMechs, "sasl_list_mechs"),
    loud(Op::SaslAuth, "sasl_auth"),
    loud(Op::SaslStep, "sasl_step"),
    loud(Op::IoctlGet, "ioctl_get"),
    loud(Op::IoctlSet, "ioctl_set"),
    loud(Op::ConfigValidate, "config_validate"),
    loud(Op::ConfigReload, "config_reload"),
    loud(Op::AuditPut, "audit_put"),
    loud(Op::AuditConfigReload, "audit_config_reload"),
    loud(Op::Shutdown, "shutdown"),
    loud(Op::SetVbucket, "set_vbucket"),
    loud(Op::GetVbucket, "get_vbucket"),
    loud(Op::DelVbucket, "del_vbucket"),
    loud(Op::GetAllVbSeqnos, "get_all_vb_seqnos"),
    loud(Op::DcpOpen, "dcp_open"),
    loud(Op::DcpAddStream, "dcp_add_stream"),
    loud(Op::DcpCloseStream, "dcp_close_stream"),
    loud(Op::DcpStreamReq, "dcp_stream_req"),
    loud(Op::DcpGetFailoverLog, "dcp_get_failover_log"),
    loud(Op::DcpStreamEnd, "dcp_stream_end"),
    loud(Op::DcpSnapshotMarker, "dcp_snapshot_marker"),
    loud(Op::DcpMutation, "dcp_mutation"),
    loud(Op::DcpDeletion, "dcp_deletion"),
    loud(Op::DcpExpiration, "dcp_expiration"),
    loud(Op::DcpSetVbucketState, "dcp_set_vbucket_state"),
    loud(Op::DcpNoop, "dcp_noop"),
    loud(Op::DcpBufferAcknowledgement, "dcp_buffer_acknowledgement"),
    loud(Op::DcpControl, "dcp_control"),
    loud(Op::DcpSystemEvent, "dcp_system_event"),
    loud(Op::DcpPrepare, "dcp_prepare"),
    loud(Op::DcpSeqnoAcknowledged, "dcp_seqno_acknowledged"),
    loud(Op::DcpCommit, "dcp_commit"),
    loud(Op::DcpAbort, "dcp_abort"),
    loud(Op::DcpSeqnoAdvanced, "dcp_seqno_advanced"),
    loud(Op::DcpOsoSnapshot, "dcp_oso_snapshot"),
    loud(Op::StopPersistence, "stop_persistence"),
    loud(Op::StartPersistence, "start_persistence"),
    loud(Op::SetParam, "set_param"),
    loud(Op::GetReplica, "get_replica"),
    loud(Op::CreateBucket, "create_bucket"),
    loud(Op::DeleteBucket, "delete_bucket"),
    loud(Op::ListBuckets, "list_buckets"),
    loud(Op::SelectBucket, "select_bucket"),
    loud(Op::ObserveSeqno, "observe_seqno"),
    loud(Op::Observe, "observe"),
    loud(Op::EvictKey, "evict_key"),
    loud(Op::GetLocked, "get_locked"),
    loud(Op::UnlockKey, "unlock_key"),
    loud(Op::GetFailoverLog, "get_failover_log"),
    loud(Op::LastClosedCheckpoint, "last_closed_checkpoint"),
    loud(Op::GetMeta, "get_meta"),
    quiet(Op::GetqMeta, "getq_meta", Op::GetMeta),
    loud(Op::SetWithMeta, "set_with_meta"),
    quiet(Op::SetqWithMeta, "setq_with_meta", Op::SetWithMeta),
    loud(Op::AddWithMeta, "add_with_meta"),
    quiet(Op::AddqWithMeta, "addq_with_meta", Op::AddWithMeta),
    loud(Op::DelWithMeta, "del_with_meta"),
    quiet(Op::DelqWithMeta, "delq_with_meta", Op::DelWithMeta),
    loud(Op::CreateCheckpoint, "create_checkpoint"),
    loud(Op::EnableTraffic, "enable_traffic"),
    loud(Op::DisableTraffic, "disable_traffic"),
    loud(Op::CheckpointPersistence, "checkpoint_persistence"),
    loud(Op::ReturnMeta, "return_meta"),
    loud(Op::CompactDb, "compact_db"),
    loud(Op::SetClusterConfig, "set_cluster_config"),
    loud(Op::GetClusterConfig, "get_cluster_config"),
    loud(Op::GetRandomKey, "get_random_key"),
    loud(Op::SeqnoPersistence, "seqno_persistence"),
    loud(Op::GetKeys, "get_keys"),
    loud(Op::GetCmdTimer, "get_cmd_timer"),
    loud(Op::EwouldblockCtl, "ewouldblock_ctl"),
    loud(Op::GetErrorMap, "get_error_map"),
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

ClientOpcode loudVariant(ClientOpcode opcode) {
    const OpcodeInfo* row = find(static_cast<uint8_t>(opcode));
    return row == nullptr ? opcode : row->loud;
}

}  // namespace eddy::mcbp
