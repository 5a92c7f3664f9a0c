// EpBucket: construction, key operations, vbucket commands, SET_PARAM and commands parked on
// pending vbuckets. Memory management is in ep_bucket_memory.cc, DCP in ep_bucket_dcp.cc, STAT
// in ep_bucket_stats.cc and ep_bucket_stat_groups.cc.
#include "engine/bucket_tasks.h"
#include "engine/dcp/dcp_producer.h"
#include "engine/ep_bucket_engine.h"
#include "protocol/opcode.h"

#include <stdexcept>
#include <string>

namespace eddy::engine {

namespace {

/// How often commands parked on pending vbuckets are checked for their time-out.
constexpr std::chrono::milliseconds kPendingCheckInterval{250};

ItemPtr toItem(const Document& document) {
    return std::make_shared<const Item>(document.key, document.value ? document.value->view() : "",
                                        document.flags, document.expiry, document.cas,
                                        document.datatype);
}

void fill(MutationResult& result, const MutationInfo& info) {
    result.cas = info.cas;
    result.seqno = info.seqno;
    result.vbucket_uuid = info.vbucket_uuid;
}

std::optional<config::Category> categoryFromWire(uint32_t wire) {
    switch (wire) {
    case 1: return config::Category::Flush;
    case 3: return config::Category::Checkpoint;
    case 4: return config::Category::Dcp;
    case 5: return config::Category::Vbucket;
    default: return std::nullopt;
    }
}

}  // namespace

EpBucket::EpBucket(ServerApi& server, EpBucketConfig config)
    : server_(server),
      config_(std::move(config)),
      configuration_(config_.parameters),
      vbucket_config_([this] {
          VBucketConfig vbucket;
          vbucket.hash_table.initial_size = configuration_.getHtSize();
          vbucket.hash_table.num_locks = configuration_.getHtLocks();
          vbucket.max_failover_entries = configuration_.getMaxFailoverEntries();
          vbucket.parameters = &configuration_;
          vbucket.checkpoint = checkpointConfig();
          vbucket.persistence_cursor = !isEphemeral();
          // Full eviction needs a store to evict to.
          vbucket.full_eviction =
              !isEphemeral() &&
              configuration_.getItemEvictionPolicy() == config::EvictionPolicy::FullEviction &&
              (!config_.data_dir.empty() || !configuration_.getDbname().empty());
          return vbucket;
      }()),
      dcp_conns_(configuration_.getMaxVbuckets()),
      vbuckets_(configuration_.getMaxVbuckets()) {
    refreshLimits();
    openStore();
    size_t restored = 0;
    vbuckets_.forEach([&restored](VBucket&) { ++restored; });
    if (config_.activate_all && restored == 0) {
        for (size_t id = 0; id < vbuckets_.capacity(); ++id) {
            vbuckets_.set(makeVBucket(Vbid(static_cast<uint16_t>(id)), VBucketState::Active));
        }
    }
    listenToConfiguration();
    if (config_.executor != nullptr) {
        startTasks(*config_.executor);
    } else if (persistent()) {
        for (size_t shard = 0; shard < shards_.size(); ++shard) {
            warmupShard(shard);
        }
    }
}

EpBucket::~EpBucket() {
    for (const auto id : listeners_) {
        configuration_.removeListener(id);
    }
    // Waits for a running task; afterwards no task of this bucket touches vbuckets_.
    if (config_.executor != nullptr) {
        config_.executor->unregisterTaskable(*this);
    }
    flushAndClose();
}

void EpBucket::startTasks(executor::ExecutorPoolIface& executor) {
    using std::chrono::milliseconds;
    using std::chrono::seconds;
    executor.registerTaskable(*this);
    executor.schedule(std::make_shared<PeriodicTask>(
        *this, executor::TaskId::HashtableResizerTask, "Adjusting hash table sizes",
        [this] { return config_.resizer_interval; },
        [this] { vbuckets_.forEach([](VBucket& vbucket) { vbucket.hashTable().resize(); }); }));
    executor.schedule(std::make_shared<PeriodicTask>(
        *this, executor::TaskId::PendingOpsTimeoutTask,
        "Timing out commands waiting for pending vbuckets", [] { return kPendingCheckInterval; },
        [this] { timeOutPendingOps(); }));
    executor.schedule(std::make_shared<PeriodicTask>(
        *this, executor::TaskId::ExpiredItemPager, "Paging expired items",
        [this] { return seconds(configuration_.getExpPagerStime()); }, [this] { expireItems(); }));
    item_pager_ = std::make_shared<PeriodicTask>(
        *this, executor::TaskId::ItemPager, "Paging out items",
        [this] { return milliseconds(configuration_.getPagerSleepTimeMs()); },
        [this] { runItemPager(); });
    executor.schedule(item_pager_);
    checkpoint_remover_ = std::make_shared<PeriodicTask>(
        *this, executor::TaskId::CheckpointRemoverTask, "Removing closed unreferenced checkpoints",
        [this] { return seconds(configuration_.getChkRemoverStime()); },
        [this] { runCheckpointRemover(); });
    executor.schedule(checkpoint_remover_);
    if (persistent()) {
        startPersistenceTasks(executor);
    }
    startDcpTasks(executor);
    if (isEphemeral()) {
        executor.schedule(std::make_shared<PeriodicTask>(
            *this, executor::TaskId::EphTombstoneHTCleaner, "Purging deleted items",
            [this] {
                // 0 disables the purger (purgeTombstones() does nothing); look again in a minute.
                const uint64_t interval = configuration_.getEphemeralMetadataPurgeInterval();
                return seconds(interval == 0 ? 60 : interval);
            },
            [this] { purgeTombstones(); }));
    }
}

std::shared_ptr<VBucket> EpBucket::makeVBucket(Vbid id, VBucketState state,
                                               const RestoredVBucket* restored) {
    auto vbucket = std::make_shared<VBucket>(id, state, vbucket_config_, clock_, config_.now,
                                             &memory_, restored);
    // The limits may have changed since vbucket_config_ was made.
    vbucket->checkpointManager().setConfig(checkpointConfig());
    // Every change (writes, deletions, expiries, pager deletions) wakes the flusher and the
    // DCP streams following the vbucket.
    if (persistent()) {
        vbucket->setChangeListener([this, id] {
            notifyFlusher(id);
            dcp_conns_.notifyVBucket(id);
        });
    } else {
        vbucket->setChangeListener([this, id] { dcp_conns_.notifyVBucket(id); });
    }
    if (restored == nullptr && persistent()) {
        // A new vbucket: its state goes to disk with the next flush.
        vbucket->checkpointManager().queueSetVbucketState();
    }
    return vbucket;
}

Status EpBucket::get(CookieIface& cookie, DocKey key, Vbid id, ItemPtr& out) {
    OpCounters& counters = countersFor(id);
    bump(counters.cmd_get);
    Status refusal = Status::Success;
    auto vbucket = active(cookie, id, refusal);
    if (!vbucket) {
        return refusal;
    }
    Document document;
    const Status status = vbucket->get(key.bytes(), document);
    if (status == Status::Success) {
        bump(counters.get_hits);
        out = toItem(document);
    } else if (status == Status::KeyNotFound) {
        bump(counters.get_misses);
    } else if (status == kNeedsBgFetch) {
        return fetchFromDisk(cookie, id, key.bytes());
    }
    return status;
}

Status EpBucket::getReplica(CookieIface& cookie, DocKey key, Vbid id, ItemPtr& out) {
    if (!warmed_up_.load(std::memory_order_acquire)) {
        return Status::TemporaryFailure;
    }
    auto vbucket = vbuckets_.get(id);
    if (!vbucket || vbucket->state() != VBucketState::Replica) {
        bump(countersFor(id).not_my_vbucket);
        return Status::NotMyVbucket;
    }
    Document document;
    const Status status = vbucket->get(key.bytes(), document, /*expire=*/false);
    if (status == Status::Success) {
        out = toItem(document);
    } else if (status == kNeedsBgFetch) {
        return fetchFromDisk(cookie, id, key.bytes());
    }
    return status;
}

Status EpBucket::getAndTouch(CookieIface& cookie, DocKey key, Vbid id, uint32_t exptime,
                             ItemPtr& out) {
    OpCounters& counters = countersFor(id);
    bump(counters.cmd_touch);
    Status refusal = Status::Success;
    auto vbucket = active(cookie, id, refusal);
    if (!vbucket) {
        return refusal;
    }
    if (const Status admitted = admitWrite(counters); admitted != Status::Success) {
        return admitted;
    }
    Document document;
    MutationInfo info;
    const Status status = vbucket->getAndTouch(key.bytes(), exptime, document, info);
    if (status == Status::Success) {
        bump(counters.touch_hits);
        out = toItem(document);
    } else if (status == Status::KeyNotFound) {
        bump(counters.touch_misses);
    } else if (status == kNeedsBgFetch) {
        return fetchFromDisk(cookie, id, key.bytes());
    }
    return status;
}

Status EpBucket::store(CookieIface& cookie, const StoreRequest& request, MutationResult& result) {
    OpCounters& counters = countersFor(request.vbucket);
    bump(counters.cmd_set);
    Status refusal = Status::Success;
    auto vbucket = active(cookie, request.vbucket, refusal);
    if (!vbucket) {
        return refusal;
    }
    if (const Status admitted = admitWrite(counters); admitted != Status::Success) {
        return admitted;
    }
    MutationInfo info;
    const Status status = vbucket->store(request, info);
    if (request.cas != 0) {
        if (status == Status::Success) {
            bump(counters.cas_hits);
        } else if (status == Status::KeyExists) {
            bump(counters.cas_badval);
        } else if (status == Status::KeyNotFound) {
            bump(counters.cas_misses);
        }
    }
    if (status == Status::Success) {
        bump(counters.total_items);
        fill(result, info);
    } else if (status == kNeedsBgFetch) {
        return fetchFromDisk(cookie, request.vbucket, request.key.bytes());
    }
    return status;
}

Status EpBucket::remove(CookieIface& cookie, DocKey key, Vbid id, Cas cas, MutationResult& result) {
    OpCounters& counters = countersFor(id);
    Status refusal = Status::Success;
    auto vbucket = active(cookie, id, refusal);
    if (!vbucket) {
        return refusal;
    }
    if (const Status admitted = admitDelete(counters); admitted != Status::Success) {
        return admitted;
    }
    MutationInfo info;
    const Status status = vbucket->remove(key.bytes(), cas, info);
    if (status == Status::Success) {
        bump(counters.delete_hits);
        fill(result, info);
    } else if (status == Status::KeyNotFound) {
        bump(counters.delete_misses);
    } else if (status == kNeedsBgFetch) {
        return fetchFromDisk(cookie, id, key.bytes());
    }
    return status;
}

Status EpBucket::arithmetic(CookieIface& cookie, const ArithmeticRequest& request, uint64_t& value,
                            MutationResult& result) {
    OpCounters& counters = countersFor(request.vbucket);
    Status refusal = Status::Success;
    auto vbucket = active(cookie, request.vbucket, refusal);
    if (!vbucket) {
        return refusal;
    }
    if (const Status admitted = admitWrite(counters); admitted != Status::Success) {
        return admitted;
    }
    MutationInfo info;
    bool created = false;
    const Status status = vbucket->arithmetic(request, value, info, created);
    auto& hits = request.increment ? counters.incr_hits : counters.decr_hits;
    auto& misses = request.increment ? counters.incr_misses : counters.decr_misses;
    if (status == Status::KeyNotFound || (status == Status::Success && created)) {
        bump(misses);
    } else if (status == Status::Success) {
        bump(hits);
    }
    if (status == Status::Success) {
        bump(counters.total_items);
        fill(result, info);
    } else if (status == kNeedsBgFetch) {
        return fetchFromDisk(cookie, request.vbucket, request.key.bytes());
    }
    return status;
}

Status EpBucket::flush(CookieIface&) {
    if (!warmed_up_.load(std::memory_order_acquire)) {
        return Status::TemporaryFailure;
    }
    bump(counters_[0].cmd_flush);
    vbuckets_.forEach([this](VBucket& vbucket) {
        // The flusher's next read of the vbucket reports the reset: its next batch deletes
        // what the store holds, in the same atomic write as the changes made after this.
        vbucket.reset();
        notifyFlusher(vbucket.id());
        // Streams of the vbucket find the reset on their next read and end.
        dcp_conns_.notifyVBucket(vbucket.id());
    });
    return Status::Success;
}

Status EpBucket::getLocked(CookieIface& cookie, DocKey key, Vbid id, uint32_t lock_seconds,
                           ItemPtr& out) {
    bump(countersFor(id).cmd_lock);
    Status refusal = Status::Success;
    auto vbucket = active(cookie, id, refusal);
    if (!vbucket) {
        return refusal;
    }
    Document document;
    const Status status = vbucket->getLocked(key.bytes(), lock_seconds, document);
    if (status == Status::Success) {
        out = toItem(document);
    } else if (status == kNeedsBgFetch) {
        return fetchFromDisk(cookie, id, key.bytes());
    }
    return status;
}

Status EpBucket::unlock(CookieIface& cookie, DocKey key, Vbid id, Cas cas) {
    Status refusal = Status::Success;
    auto vbucket = active(cookie, id, refusal);
    if (!vbucket) {
        return refusal;
    }
    const Status status = vbucket->unlock(key.bytes(), cas);
    return status == kNeedsBgFetch ? fetchFromDisk(cookie, id, key.bytes()) : status;
}

Status EpBucket::setVBucketState(CookieIface&, Vbid id, uint32_t wire_state) {
    if (!warmed_up_.load(std::memory_order_acquire)) {
        return Status::TemporaryFailure;
    }
    const auto state = vbucketStateFromWire(wire_state);
    if (!state) {
        return Status::InvalidArguments;
    }
    if (id.get() >= vbuckets_.capacity()) {
        return Status::NotMyVbucket;
    }
    if (auto existing = vbuckets_.get(id)) {
        const bool changed = existing->state() != *state;
        existing->setState(*state);
        if (persistent()) {
            existing->checkpointManager().queueSetVbucketState();
        }
        if (changed) {
            dcp_conns_.vbucketStateChanged(id);
        }
    } else {
        vbuckets_.set(makeVBucket(id, *state));
    }
    notifyFlusher(id);
    releaseVBucket(id);
    return Status::Success;
}

Status EpBucket::getVBucketState(CookieIface&, Vbid id, uint32_t& state) {
    auto vbucket = vbuckets_.get(id);
    if (!vbucket) {
        return Status::NotMyVbucket;
    }
    state = static_cast<uint32_t>(vbucket->state());
    return Status::Success;
}

Status EpBucket::deleteVBucket(CookieIface&, Vbid id) {
    if (!warmed_up_.load(std::memory_order_acquire)) {
        return Status::TemporaryFailure;
    }
    if (!vbuckets_.remove(id)) {
        return Status::NotMyVbucket;
    }
    dcp_conns_.vbucketStateChanged(id);
    if (persistent()) {
        // The shard's flusher deletes it from disk (unless a vbucket of that id exists again by
        // then: its first batch wipes the old data itself).
        Shard& shard = shardOf(id);
        {
            MutexLock lock(shard.deletions_mutex);
            shard.deletions.push_back(id);
        }
        notifyFlusher(id);
    }
    releaseVBucket(id);
    return Status::Success;
}

Status EpBucket::getAllVbSeqnos(CookieIface&, uint32_t state, std::vector<VBucketSeqno>& out) {
    if (state != 0 && !vbucketStateFromWire(state)) {
        return Status::InvalidArguments;
    }
    vbuckets_.forEach([&](VBucket& vbucket) {
        if (state == 0 || static_cast<uint32_t>(vbucket.state()) == state) {
            out.push_back({vbucket.id(), vbucket.highSeqno()});
        }
    });
    return Status::Success;
}

Status EpBucket::setParameter(CookieIface&, uint32_t category, std::string_view key,
                              std::string_view value, std::string& message) {
    const auto expected = categoryFromWire(category);
    if (!expected) {
        message =
            "SET_PARAM type must be 1 (flush_param), 3 (checkpoint_param), "
            "4 (dcp_param) or 5 (vbucket_param)";
        return Status::InvalidArguments;
    }
    auto result = configuration_.setParam(key, value, *expected);
    if (!result.ok()) {
        message = result.error().message;
        return Status::InvalidArguments;
    }
    return Status::Success;
}

Status EpBucket::unknownCommand(CookieIface&, const EngineCommand& command,
                                const EngineResponseFn& respond) {
    using mcbp::ClientOpcode;
    const auto opcode = static_cast<ClientOpcode>(command.opcode);
    if (opcode == ClientOpcode::StopPersistence || opcode == ClientOpcode::StartPersistence) {
        const Status status = setPersistence(opcode == ClientOpcode::StartPersistence);
        if (status == Status::Success) {
            respond(Status::Success, {});
        }
        return status;
    }
    return Status::NotSupported;
}

/// A parked command of a closing connection is completed now: the front end frees the
/// cookie once its notification arrives.
void EpBucket::disconnect(CookieIface& cookie) {
    if (dcp::DcpProducer* producer = producerOf(cookie)) {
        producer->disconnect();
    }
    release([&cookie](const CookieIface& parked, const PendingOp&) { return &parked == &cookie; },
            Status::Disconnect);
    for (const auto& shard : shards_) {
        if (shard->fetcher->cancel(cookie)) {
            server_.notifyIoComplete(cookie, Status::Disconnect);
        }
    }
}

/// Time as the executor sees it (a FakeExecutor's clock in tests); deadlines of parked
/// commands are measured on it, since the executor's task checks them.
executor::TimePoint EpBucket::executorNow() const {
    return config_.executor != nullptr ? config_.executor->now() : executor::Clock::now();
}

/// The vbucket if it exists and is active. Otherwise nullptr with `refusal` set: WouldBlock
/// when the vbucket is pending (the cookie is parked until the state changes or its time
/// runs out), NotMyVbucket when it is missing or in another state.
std::shared_ptr<VBucket> EpBucket::active(CookieIface& cookie, Vbid id, Status& refusal) {
    if (!warmed_up_.load(std::memory_order_acquire)) {
        refusal = Status::TemporaryFailure;  // the documents are still being loaded
        return nullptr;
    }
    auto vbucket = vbuckets_.get(id);
    if (vbucket && vbucket->state() == VBucketState::Pending && park(cookie, *vbucket)) {
        refusal = Status::WouldBlock;
        return nullptr;
    }
    if (!vbucket || vbucket->state() != VBucketState::Active) {
        bump(countersFor(id).not_my_vbucket);
        refusal = Status::NotMyVbucket;
        return nullptr;
    }
    return vbucket;
}

/// Parks `cookie` on the pending `vbucket`; false if the vbucket stopped being pending
/// meanwhile (the state is re-checked under pending_mutex_, which a state change takes
/// after storing the new state, so no parked cookie is missed).
bool EpBucket::park(CookieIface& cookie, const VBucket& vbucket) {
    MutexLock lock(pending_mutex_);
    if (vbucket.state() != VBucketState::Pending) {
        return false;
    }
    pending_[&cookie] = {vbucket.id(), executorNow() + config_.pending_op_timeout,
                         PendingOp::Kind::VBucketState};
    return true;
}

/// Completes the parked cookies that `select` picks, with `status`.
void EpBucket::release(const PendingSelector& select, Status status) {
    std::vector<CookieIface*> released;
    {
        MutexLock lock(pending_mutex_);
        for (auto it = pending_.begin(); it != pending_.end();) {
            if (select(*it->first, it->second)) {
                released.push_back(it->first);
                it = pending_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (CookieIface* cookie : released) {
        server_.notifyIoComplete(*cookie, status);
    }
}

/// Wakes the commands parked on `id`: they run again and see its new state.
void EpBucket::releaseVBucket(Vbid id) {
    release(
        [id](const CookieIface&, const PendingOp& op) {
            return op.vbucket == id && op.kind != PendingOp::Kind::Compaction &&
                   op.kind != PendingOp::Kind::StatTask;
        },
        Status::Success);
}

void EpBucket::timeOutPendingOps() {
    const auto now = executorNow();
    release([now](const CookieIface&, const PendingOp& op) { return op.deadline <= now; },
            Status::TemporaryFailure);
}

config::Values EpBucketConfig::parse(std::string_view text) {
    auto parsed = config::parseConfigString(text);
    if (!parsed.ok()) {
        throw std::invalid_argument(parsed.error().message);
    }
    return parsed.value();
}

std::unique_ptr<EngineIface> createEpBucket(ServerApi& server, EpBucketConfig config) {
    return std::make_unique<EpBucket>(server, std::move(config));
}

}  // namespace eddy::engine
