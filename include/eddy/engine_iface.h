// eddy — the boundary between the front end and a bucket's engine.
//
// Owns: EngineIface (what the daemon may ask of a bucket), ServerApi (what an engine may ask of
// the daemon) and the request/result structs they exchange.
//
// The would_block contract (ARCHITECTURE.md §1). Any EngineIface call may return
// Status::WouldBlock. The engine has then scheduled work elsewhere and promises to call
// ServerApi::notifyIoComplete(cookie, status) exactly once, from any thread. The front end keeps
// the cookie (and its request) alive and runs nothing else on that connection until then. On
// notification, Success means "make the same call again" (the engine finds the state it parked
// in the cookie's EngineStorage and finishes); any other status is the command's result and the
// engine is not called again for that command.
//
// Thread contract: every EngineIface method is called on the front-end thread that owns the
// cookie and must not block it. An engine is shared by all front-end threads, so its methods are
// thread-safe. ServerApi::notifyIoComplete and scheduleDcpStep are callable from any thread;
// neither touches the cookie.
#pragma once

#include "eddy/cookie_iface.h"
#include "eddy/dcp_iface.h"
#include "eddy/item.h"
#include "eddy/stat_groups.h"
#include "eddy/status.h"
#include "eddy/types.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy {

enum class StoreSemantics : uint8_t {
    Set,      ///< create or replace
    Add,      ///< create only; KeyExists if present
    Replace,  ///< replace only; KeyNotFound if absent
    Append,   ///< add bytes after the value; NotStored if absent
    Prepend,  ///< add bytes before the value; NotStored if absent
};

struct StoreRequest {
    DocKey key;
    Vbid vbucket;
    std::string_view value;
    uint32_t flags = 0;
    /// Expiry as the protocol sends it: 0 never, ≤ 30 days relative seconds, else Unix time.
    uint32_t exptime = 0;
    uint8_t datatype = datatype::kRaw;
    /// 0 = unconditional; otherwise the stored CAS must match (KeyExists if not).
    Cas cas = 0;
    StoreSemantics semantics = StoreSemantics::Set;
    /// A value without the XATTR datatype bit keeps the xattrs the document has (a client's
    /// full-document write, as kv_engine does); false when `value` is the whole new document,
    /// xattrs included (sub-document mutations).
    bool preserve_xattrs = true;
    /// Keep the document's current expiry instead of `exptime` (the PreserveTtl frame info);
    /// a document that does not exist yet gets `exptime`.
    bool preserve_ttl = false;
};

struct ArithmeticRequest {
    DocKey key;
    Vbid vbucket;
    uint64_t delta = 0;
    uint64_t initial = 0;
    /// Protocol expiry for a created item; 0xffffffff means "do not create" (KeyNotFound).
    uint32_t exptime = 0;
    bool increment = true;
};

/// What a successful mutation reports back.
struct MutationResult {
    Cas cas = 0;
    /// The mutation's by-seqno and the vbucket's branch uuid (0 from engines without seqnos);
    /// sent as extras when the client negotiated MutationSeqno.
    uint64_t seqno = 0;
    uint64_t vbucket_uuid = 0;
};

/// One (vbucket, high seqno) pair of GET_ALL_VB_SEQNOS.
struct VBucketSeqno {
    Vbid vbucket;
    uint64_t high_seqno = 0;
};

/// OBSERVE_SEQNO's answer for one vbucket.
struct ObserveSeqnoResult {
    /// The vbucket's current branch.
    uint64_t vbucket_uuid = 0;
    uint64_t last_persisted_seqno = 0;
    uint64_t current_seqno = 0;
    /// Set when the uuid asked about is an older branch (a failover happened since): that
    /// branch's uuid and the last seqno it reached.
    bool failed_over = false;
    uint64_t old_vbucket_uuid = 0;
    uint64_t old_branch_last_seqno = 0;
};

/// COMPACT_DB's parameters.
struct CompactRequest {
    Vbid vbucket;
    /// Tombstones deleted before this Unix time may be purged (0 = the bucket's own
    /// persistent_metadata_purge_age rule).
    uint64_t purge_before_ts = 0;
    /// Only tombstones at or below this seqno (0 = any).
    uint64_t purge_before_seq = 0;
    /// Purge every tombstone regardless of age.
    bool drop_deletes = false;
};

/// GET_META's answer: a document's metadata, live or deleted.
struct ItemMeta {
    bool deleted = false;
    uint32_t flags = 0;
    /// A live document's expiry (0 = never); a deleted one's deletion time.
    uint32_t expiry = 0;
    Cas cas = 0;
    /// The revision: how many times the key has been written.
    uint64_t rev_seqno = 0;
    uint8_t datatype = 0;
};

/// Writes one STAT key/value pair. Only callable on the front-end thread of the STAT command's
/// connection: it appends to that connection's output.
using AddStatFn = std::function<void(std::string_view key, std::string_view value)>;

/// A request the front end does not know, handed to the engine whole (extension opcodes).
struct EngineCommand {
    uint8_t opcode = 0;
    Vbid vbucket;
    Cas cas = 0;
    std::string_view extras;
    std::string_view key;
    std::string_view value;
};

/// The engine's answer to an EngineCommand (front-end thread only, like AddStatFn).
using EngineResponseFn = std::function<void(Status status, std::string_view value)>;

class ServerApi {
public:
    /// Completes a command that got WouldBlock. Any thread; exactly once per WouldBlock.
    virtual void notifyIoComplete(CookieIface& cookie, Status status) = 0;

    /// Asks the front end to call DcpIface::step() for the DCP connection of `cookie` soon.
    /// Any thread, any number of times, but only until EngineIface::disconnect(cookie) has
    /// returned: the engine serialises the two (ARCHITECTURE.md §1: the cookie itself is not
    /// touched; the front end finds the connection by its id on its own thread).
    virtual void scheduleDcpStep(CookieIface& cookie) = 0;

protected:
    ~ServerApi() = default;
};

class EngineIface {
public:
    virtual ~EngineIface() = default;

    /// KeyNotFound if absent or expired.
    virtual Status get(CookieIface& cookie, DocKey key, Vbid vbucket, ItemPtr& out) = 0;

    /// Get and set a new expiry (GAT, TOUCH).
    virtual Status getAndTouch(CookieIface& cookie, DocKey key, Vbid vbucket, uint32_t exptime,
                               ItemPtr& out) = 0;

    virtual Status store(CookieIface& cookie, const StoreRequest& request,
                         MutationResult& result) = 0;

    /// Deletes `key`; a non-zero `cas` must match.
    virtual Status remove(CookieIface& cookie, DocKey key, Vbid vbucket, Cas cas,
                          MutationResult& result) = 0;

    /// INCREMENT / DECREMENT: the value must be an ASCII decimal uint64 (DeltaBadValue if not).
    /// Increment wraps at 2^64; decrement stops at 0. `value` receives the new counter.
    virtual Status arithmetic(CookieIface& cookie, const ArithmeticRequest& request,
                              uint64_t& value, MutationResult& result) = 0;

    /// Removes every document of the bucket.
    virtual Status flush(CookieIface& cookie) = 0;

    /// GET_LOCKED: locks the document for `lock_seconds` (0 = the bucket's default); the
    /// returned item's CAS is the key that unlocks it. Locked if it already is.
    virtual Status getLocked(CookieIface& cookie, DocKey key, Vbid vbucket, uint32_t lock_seconds,
                             ItemPtr& out) = 0;

    /// UNLOCK_KEY: Locked if `cas` is not the lock's, LockedTmpfail if not locked.
    virtual Status unlock(CookieIface& cookie, DocKey key, Vbid vbucket, Cas cas) = 0;

    /// GET_META: the metadata of the document or of its tombstone (`deleted`); KeyNotFound if
    /// the key has neither. A locked document shows the locked CAS (all bits set).
    virtual Status getMeta(CookieIface& cookie, DocKey key, Vbid vbucket, ItemMeta& out) = 0;

    /// GET_REPLICA: reads from a replica vbucket (NotMyVbucket unless it is one).
    virtual Status getReplica(CookieIface& cookie, DocKey key, Vbid vbucket, ItemPtr& out) = 0;

    /// SET_VBUCKET: creates the vbucket if needed and sets its state (wire value 1..4:
    /// active, replica, pending, dead).
    virtual Status setVBucketState(CookieIface& cookie, Vbid vbucket, uint32_t state) = 0;

    /// GET_VBUCKET: the state's wire value; NotMyVbucket if the vbucket does not exist.
    virtual Status getVBucketState(CookieIface& cookie, Vbid vbucket, uint32_t& state) = 0;

    /// DEL_VBUCKET: removes the vbucket and its documents.
    virtual Status deleteVBucket(CookieIface& cookie, Vbid vbucket) = 0;

    /// GET_ALL_VB_SEQNOS: every vbucket's high seqno, only those in `state` (wire value) when
    /// it is non-zero, in vbucket order.
    virtual Status getAllVbSeqnos(CookieIface& cookie, uint32_t state,
                                  std::vector<VBucketSeqno>& out) = 0;

    /// The state (wire value 1..4; 0 = no vbucket) of every vbucket id of the bucket, for the
    /// cluster map; empty for an engine without vbuckets. Any thread; a snapshot.
    [[nodiscard]] virtual std::vector<uint8_t> vbucketStates() const { return {}; }

    /// One STAT group of the stat-group table (eddy/stat_groups.def.h), parsed once by the
    /// caller: `group` is its row (the default group, whose bucket part this is; "reset" resets
    /// the bucket's counters), `args` its arguments as parseStatArgs read them (already checked
    /// against the group's syntax). Writes every pair through `add_stat` and returns Success;
    /// or writes none and returns WouldBlock (a slow group collected on a background task,
    /// which notifies Success once; the call made again then writes the pairs and returns the
    /// group's status). KeyNotFound for a group the engine does not answer (or a `key` that
    /// does not exist), NotMyVbucket for a vbucket that does not exist, NotSupported for a
    /// group this bucket cannot answer.
    virtual Status getStats(CookieIface& cookie, const StatGroupInfo& group, const StatArgs& args,
                            const AddStatFn& add_stat) = 0;

    /// The same from a STAT key's text (tools and tests): `group` is the group's name, or the
    /// whole key when `args` is empty ("dcpagg :"). KeyNotFound for an unknown group,
    /// InvalidArguments for arguments that do not fit it.
    Status getStats(CookieIface& cookie, std::string_view group, std::string_view args,
                    const AddStatFn& add_stat) {
        if (args.empty() && group.find(' ') != std::string_view::npos) {
            const StatKey key = splitStatKey(group);
            group = key.group;
            args = key.args;
        }
        const StatGroupInfo* info = findStatGroup(group);
        if (info == nullptr) {
            return Status::KeyNotFound;
        }
        const StatArgs parsed = parseStatArgs(*info, args);
        if (!parsed.ok()) {
            return Status::InvalidArguments;
        }
        return getStats(cookie, *info, parsed, add_stat);
    }

    /// SET_PARAM (0x82): changes the dynamic bucket parameter `key` to `value` (text, as in a
    /// bucket config string). `category` is the request's wire type: 1 flush_param,
    /// 3 checkpoint_param, 4 dcp_param, 5 vbucket_param. A refusal (unknown key, a parameter
    /// fixed at creation, another category, a bad value) is InvalidArguments with `message`
    /// naming the key and what is accepted.
    virtual Status setParameter(CookieIface& cookie, uint32_t category, std::string_view key,
                                std::string_view value, std::string& message) = 0;

    /// Whether key operations are served: false while a persistent bucket warms up (they get
    /// TemporaryFailure meanwhile). Any thread.
    [[nodiscard]] virtual bool isReady() const = 0;

    /// SEQNO_PERSISTENCE (0xb7): Success once the vbucket's changes up to `seqno` are on disk;
    /// WouldBlock until then (the flusher notifies Success, or TemporaryFailure after
    /// seqno_persistence_timeout). NotMyVbucket for a missing or non-active vbucket,
    /// NotSupported for an ephemeral bucket.
    virtual Status seqnoPersistence(CookieIface& cookie, Vbid vbucket, uint64_t seqno) = 0;

    /// OBSERVE_SEQNO (0x91): what is persisted of the vbucket's branch `vbucket_uuid`.
    /// KeyNotFound when the uuid is in no branch of the vbucket's failover log.
    virtual Status observeSeqno(CookieIface& cookie, Vbid vbucket, uint64_t vbucket_uuid,
                                ObserveSeqnoResult& out) = 0;

    /// COMPACT_DB (0xb3): compacts the vbucket's storage (tombstone purge). WouldBlock, then
    /// notified with the outcome once the WRITER task is done. NotSupported for ephemeral.
    virtual Status compactDatabase(CookieIface& cookie, const CompactRequest& request) = 0;

    /// An opcode the front end does not handle itself. NotSupported if unknown to the engine.
    virtual Status unknownCommand(CookieIface& cookie, const EngineCommand& command,
                                  const EngineResponseFn& respond) = 0;

    /// The engine's DCP interface, or nullptr if it has none (DCP opcodes are NotSupported).
    [[nodiscard]] virtual DcpIface* dcp() { return nullptr; }

    /// What the blocked command of `cookie` waits for, in a few words for a log line (for
    /// example "pending vbucket 5" or "persistence of seqno 42 in vbucket 3"); empty if the
    /// engine cannot tell. The front end's blocked-command watchdog asks this about a command
    /// that has been blocked too long: only on the cookie's own front-end thread, only between a
    /// WouldBlock and its notification, possibly after disconnect(cookie). It must not block
    /// (take leaf locks only), change anything, or call anything on the cookie but its const
    /// methods. The default says nothing.
    [[nodiscard]] virtual std::string describeWait(const CookieIface& /*cookie*/) { return {}; }

    /// The connection of `cookie` is going away; release anything held for it. The cookie itself
    /// stays valid until every pending notifyIoComplete for it has arrived.
    virtual void disconnect(CookieIface& cookie) = 0;

    /// The engine is destroyed next, by the calling thread, and what it has not persisted yet may
    /// be dropped instead of written first (DELETE_BUCKET with `force`, or a deletion that removes
    /// the bucket's files anyway). The default does nothing.
    virtual void abandonUnpersisted() {}
};

}  // namespace eddy
