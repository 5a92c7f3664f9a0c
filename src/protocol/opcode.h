// eddy — MCBP client opcodes (magic 0x80/0x08) and server-request opcodes (magic 0x82).
//
// One table, kClientOpcodes in opcode.cc, gives every opcode its name, whether it is a "quiet"
// variant, its loud twin and the privilege it requires; opcodeName(), isKnownOpcode(), isQuiet(),
// loudVariant() and requiredAccess() are derived from it.
// Thread contract: immutable values and tables.
#pragma once

#include "eddy/privilege.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace eddy::mcbp {

enum class ClientOpcode : uint8_t {
    Get = 0x00,
    Set = 0x01,
    Add = 0x02,
    Replace = 0x03,
    Delete = 0x04,
    Increment = 0x05,
    Decrement = 0x06,
    Quit = 0x07,
    Flush = 0x08,
    Getq = 0x09,
    Noop = 0x0a,
    Version = 0x0b,
    Getk = 0x0c,
    Getkq = 0x0d,
    Append = 0x0e,
    Prepend = 0x0f,
    Stat = 0x10,
    Setq = 0x11,
    Addq = 0x12,
    Replaceq = 0x13,
    Deleteq = 0x14,
    Incrementq = 0x15,
    Decrementq = 0x16,
    Quitq = 0x17,
    Flushq = 0x18,
    Appendq = 0x19,
    Prependq = 0x1a,
    Verbosity = 0x1b,
    Touch = 0x1c,
    Gat = 0x1d,
    Gatq = 0x1e,
    Hello = 0x1f,
    SaslListMechs = 0x20,
    SaslAuth = 0x21,
    SaslStep = 0x22,
    IoctlGet = 0x23,
    IoctlSet = 0x24,
    ConfigValidate = 0x25,
    ConfigReload = 0x26,
    AuditPut = 0x27,
    AuditConfigReload = 0x28,
    Shutdown = 0x29,
    SetVbucket = 0x3d,
    GetVbucket = 0x3e,
    DelVbucket = 0x3f,
    GetAllVbSeqnos = 0x48,
    DcpOpen = 0x50,
    DcpAddStream = 0x51,
    DcpCloseStream = 0x52,
    DcpStreamReq = 0x53,
    DcpGetFailoverLog = 0x54,
    DcpStreamEnd = 0x55,
    DcpSnapshotMarker = 0x56,
    DcpMutation = 0x57,
    DcpDeletion = 0x58,
    DcpExpiration = 0x59,
    DcpSetVbucketState = 0x5b,
    DcpNoop = 0x5c,
    DcpBufferAcknowledgement = 0x5d,
    DcpControl = 0x5e,
    DcpSystemEvent = 0x5f,
    DcpPrepare = 0x60,
    DcpSeqnoAcknowledged = 0x61,
    DcpCommit = 0x62,
    DcpAbort = 0x63,
    DcpSeqnoAdvanced = 0x64,
    DcpOsoSnapshot = 0x65,
    StopPersistence = 0x80,
    StartPersistence = 0x81,
    SetParam = 0x82,
    GetReplica = 0x83,
    CreateBucket = 0x85,
    DeleteBucket = 0x86,
    ListBuckets = 0x87,
    SelectBucket = 0x89,
    ObserveSeqno = 0x91,
    Observe = 0x92,
    EvictKey = 0x93,
    GetLocked = 0x94,
    UnlockKey = 0x95,
    GetFailoverLog = 0x96,
    LastClosedCheckpoint = 0x97,
    GetMeta = 0xa0,
    GetqMeta = 0xa1,
    SetWithMeta = 0xa2,
    SetqWithMeta = 0xa3,
    AddWithMeta = 0xa4,
    AddqWithMeta = 0xa5,
    DelWithMeta = 0xa8,
    DelqWithMeta = 0xa9,
    CreateCheckpoint = 0xaa,
    EnableTraffic = 0xad,
    DisableTraffic = 0xae,
    CheckpointPersistence = 0xb1,
    ReturnMeta = 0xb2,
    CompactDb = 0xb3,
    SetClusterConfig = 0xb4,
    GetClusterConfig = 0xb5,
    GetRandomKey = 0xb6,
    SeqnoPersistence = 0xb7,
    GetKeys = 0xb8,
    CollectionsSetManifest = 0xb9,
    CollectionsGetManifest = 0xba,
    CollectionsGetId = 0xbb,
    CollectionsGetScopeId = 0xbc,
    SubdocGet = 0xc5,
    SubdocExists = 0xc6,
    SubdocDictAdd = 0xc7,
    SubdocDictUpsert = 0xc8,
    SubdocDelete = 0xc9,
    SubdocReplace = 0xca,
    SubdocArrayPushLast = 0xcb,
    SubdocArrayPushFirst = 0xcc,
    SubdocArrayInsert = 0xcd,
    SubdocArrayAddUnique = 0xce,
    SubdocCounter = 0xcf,
    SubdocMultiLookup = 0xd0,
    SubdocMultiMutation = 0xd1,
    SubdocGetCount = 0xd2,
    IsaslRefresh = 0xf1,
    SslCertsRefresh = 0xf2,
    GetCmdTimer = 0xf3,
    RbacRefresh = 0xf7,
    EwouldblockCtl = 0xfd,
    GetErrorMap = 0xfe,
};

/// Server-initiated requests (magic 0x82).
enum class ServerOpcode : uint8_t {
    ClustermapChangeNotification = 0x01,
    Authenticate = 0x02,
    ActiveExternalUsers = 0x03,
};

/// One row of the opcode table: the wire byte, its lower-case name, for a quiet variant the
/// loud opcode whose behaviour it shares (a loud opcode is its own twin), and what the
/// connection must hold to run it (the RBAC column; the front end checks it before dispatch).
struct OpcodeInfo {
    ClientOpcode opcode;
    std::string_view name;
    bool quiet;
    ClientOpcode loud;
    Access access;
};

/// Every row of the opcode table, in opcode order.
[[nodiscard]] std::span<const OpcodeInfo> clientOpcodes();

/// "get", "setq", ... for a known opcode; nullopt for a byte no table entry names.
[[nodiscard]] std::optional<std::string_view> opcodeName(uint8_t opcode);

/// True for an opcode byte that has an entry in the opcode table.
[[nodiscard]] bool isKnownOpcode(uint8_t opcode);

/// True for the quiet variants (GETQ, SETQ, ...), whose uninteresting responses are suppressed.
[[nodiscard]] bool isQuiet(ClientOpcode opcode);

/// What running `opcode` requires (Authenticated for a byte with no row: it is refused as
/// unknown anyway).
[[nodiscard]] Access requiredAccess(uint8_t opcode);

/// The loud twin of a quiet opcode (Getq → Get); any other opcode maps to itself.
[[nodiscard]] ClientOpcode loudVariant(ClientOpcode opcode);

}  // namespace eddy::mcbp
