// EpBucket: the bucket's life (construction, tasks, destruction), the vbucket commands,
// SET_PARAM, the commands that one part answers, and disconnect. Key operations are in
// ep_bucket_kv.cc; which part owns what is in ep_bucket_engine.h.
#include "engine/bucket_tasks.h"
#include "engine/dcp/dcp_producer.h"
#include "engine/ep_bucket_engine.h"
#include "engine/store_directory.h"
#include "protocol/opcode.h"

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace eddy::engine {

namespace {

/// How often commands parked on pending vbuckets are checked for their time-out.
constexpr std::chrono::milliseconds kPendingCheckInterval{250};

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
      parked_(server_),
      collections_({.manager = config_.collections,
                    .vbuckets = vbuckets_,
                    .taskable = *this,
                    .executor = config_.executor,
                    .purge_store = [this] { persistence_.collectionsDropped(); }}),
      persistence_({.server = server_,
                    .configuration = configuration_,
                    .memory = memory_,
                    .vbuckets = vbuckets_,
                    .parked = parked_,
                    .taskable = *this,
                    .executor = config_.executor,
                    .directory = directory(),
                    .now = config_.now,
                    .values_restored = [this] { memory_manager_.valuesRestored(); },
                    .dropped = &collections_.dropped()}),
      dcp_(configuration_.getMaxVbuckets(), {.server = server_,
                                             .configuration = configuration_,
                                             .vbuckets = vbuckets_,
                                             .taskable = *this,
                                             .executor = config_.executor,
                                             .store = persistence_.store(),
                                             .ready = [this] { return persistence_.ready(); },
                                             .memory = &memory_,
                                             .dropped = &collections_.dropped()}),
      vbuckets_(configuration_.getMaxVbuckets()),
      memory_manager_({.configuration = configuration_,
                       .memory = memory_,
                       .vbuckets = vbuckets_,
                       .ejects_to_disk = persistence_.enabled(),
                       .now = config_.now,
                       .resizer_interval = config_.resizer_interval}),
      vbucket_config_([this] {
          VBucketConfig vbucket;
          vbucket.hash_table.initial_size = configuration_.getHtSize();
          vbucket.hash_table.num_locks = configuration_.getHtLocks();
          vbucket.max_failover_entries = configuration_.getMaxFailoverEntries();
          vbucket.parameters = &configuration_;
          vbucket.checkpoint = memory_manager_.checkpointConfig();
          vbucket.persistence_cursor = !isEphemeral();
          vbucket.dropped = &collections_.dropped();
          // Full eviction needs a store to evict to.
          vbucket.full_eviction =
              persistence_.enabled() &&
              configuration_.getItemEvictionPolicy() == config::EvictionPolicy::FullEviction;
          return vbucket;
      }()),
      stats_({.server = server_,
              .configuration = configuration_,
              .vbuckets = vbuckets_,
              .memory = memory_,
              .counters = counters_,
              .memory_manager = memory_manager_,
              .persistence = persistence_,
              .dcp = dcp_,
              .collections = collections_,
              .parked = parked_,
              .taskable = *this,
              .executor = config_.executor,
              .now = config_.now,
              .uuid = loadOrMakeBucketUuid(directory())}) {
    for (StoredVBucket& stored : persistence_.restoredVBuckets(clock_)) {
        auto vbucket = makeVBucket(stored.id, stored.state, &stored.restored);
        if (!persistence_.cleanStart()) {
            vbucket->checkpointManager().queueSetVbucketState();  // persist the new branch
        }
        vbuckets_.set(std::move(vbucket));
    }
    size_t restored = 0;
    vbuckets_.forEach([&restored](VBucket&) { ++restored; });
    if (config_.activate_all && restored == 0) {
        for (size_t id = 0; id < vbuckets_.capacity(); ++id) {
            vbuckets_.set(makeVBucket(Vbid(static_cast<uint16_t>(id)), VBucketState::Active));
        }
    }
    collections_.start();
    if (config_.executor != nullptr) {
        startTasks(*config_.executor);
    } else {
        persistence_.warmupInline();
    }
}

EpBucket::~EpBucket() {
    collections_.stop();
    memory_manager_.stop();
    // Waits for a running task of this bucket and drops the others; afterwards no task of this
    // bucket runs, so nothing but this thread touches the parts.
    if (config_.executor != nullptr) {
        config_.executor->unregisterTaskable(*this);
    }
    stats_.abandonUnrun();
    if (abandon_unpersisted_) {
        persistence_.closeWithoutFlush();
    } else {
        persistence_.flushAndClose();
    }
}

void EpBucket::startTasks(executor::ExecutorPoolIface& executor) {
    executor.registerTaskable(*this);
    executor.schedule(std::make_shared<PeriodicTask>(
        *this, executor::TaskId::PendingOpsTimeoutTask,
        "Timing out commands waiting for pending vbuckets", [] { return kPendingCheckInterval; },
        [this] { parked_.timeOut(executorNow()); }));
    memory_manager_.startTasks(executor, *this);
    persistence_.startTasks(executor);
    dcp_.startTasks();
}

std::string EpBucket::directory() const {
    if (isEphemeral()) {
        return {};
    }
    const std::string& dbname = configuration_.getDbname();
    return dbname.empty() ? config_.data_dir : dbname;
}

bool EpBucket::isEphemeral() const {
    return configuration_.getBucketType() == config::BucketType::Ephemeral;
}

std::shared_ptr<VBucket> EpBucket::makeVBucket(Vbid id, VBucketState state,
                                               const RestoredVBucket* restored) {
    auto vbucket = std::make_shared<VBucket>(id, state, vbucket_config_, clock_, config_.now,
                                             &memory_, restored);
    // The limits may have changed since vbucket_config_ was made.
    vbucket->checkpointManager().setConfig(memory_manager_.checkpointConfig());
    // Every change (writes, deletions, expiries, pager deletions) wakes the flusher and the
    // DCP streams following the vbucket.
    if (persistence_.enabled()) {
        vbucket->setChangeListener([this, id] {
            persistence_.vbucketChanged(id);
            dcp_.conns().notifyVBucket(id);
        });
        if (restored == nullptr) {
            // A new vbucket: its state goes to disk with the next flush.
            vbucket->checkpointManager().queueSetVbucketState();
        }
    } else {
        vbucket->setChangeListener([this, id] { dcp_.conns().notifyVBucket(id); });
    }
    return vbucket;
}

Status EpBucket::flush(CookieIface&) {
    if (!persistence_.ready()) {
        return Status::TemporaryFailure;
    }
    bump(counters_.forVBucket(Vbid(0)).cmd_flush);
    vbuckets_.forEach([this](VBucket& vbucket) {
        // The flusher's next read of the vbucket reports the reset: its next batch deletes
        // what the store holds, in the same atomic write as the changes made after this.
        vbucket.reset();
        persistence_.vbucketChanged(vbucket.id());
        // Streams of the vbucket find the reset on their next read and end.
        dcp_.conns().notifyVBucket(vbucket.id());
    });
    return Status::Success;
}

Status EpBucket::setVBucketState(CookieIface&, Vbid id, uint32_t wire_state) {
    if (!persistence_.ready()) {
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
        if (persistence_.enabled()) {
            existing->checkpointManager().queueSetVbucketState();
        }
        if (changed) {
            dcp_.conns().vbucketStateChanged(id);
        }
    } else {
        vbuckets_.set(makeVBucket(id, *state));
    }
    persistence_.vbucketChanged(id);
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
    if (!persistence_.ready()) {
        return Status::TemporaryFailure;
    }
    std::shared_ptr<VBucket> removed = vbuckets_.remove(id);
    if (!removed) {
        return Status::NotMyVbucket;
    }
    dcp_.conns().vbucketStateChanged(id);
    persistence_.vbucketDeleted(id);
    releaseVBucket(id);
    freeLater(std::move(removed));
    return Status::Success;
}

void EpBucket::freeLater(std::shared_ptr<VBucket> vbucket) {
    if (config_.executor == nullptr) {
        return;  // unit tests: freed here, when the last reference goes
    }
    const Vbid id = vbucket->id();
    // Its hash table and checkpoints may be large: they are freed on a NONIO thread, not on the
    // front end. A DCP stream still holding the vbucket frees it when it lets go instead.
    config_.executor->schedule(std::make_shared<OneShotTask>(
        *this, executor::TaskId::VBucketMemoryDeletionTask,
        fmt::format("Removing (dead) vb:{} from memory", id.get()),
        [held = std::make_shared<std::shared_ptr<VBucket>>(std::move(vbucket))] {
            held->reset();
        }));
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

std::vector<uint8_t> EpBucket::vbucketStates() const {
    std::vector<uint8_t> states(vbuckets_.capacity(), 0);
    vbuckets_.forEach([&states](VBucket& vbucket) {
        states[vbucket.id().get()] = static_cast<uint8_t>(vbucket.state());
    });
    return states;
}

Status EpBucket::getStats(CookieIface& cookie, const StatGroupInfo& group, const StatArgs& args,
                          const AddStatFn& add_stat) {
    return stats_.getStats(cookie, group, args, add_stat);
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

Status EpBucket::seqnoPersistence(CookieIface& cookie, Vbid id, uint64_t seqno) {
    if (!persistence_.enabled()) {
        return Status::NotSupported;
    }
    Status refusal = Status::Success;
    auto vbucket = active(cookie, id, refusal);
    if (!vbucket) {
        return refusal;
    }
    return persistence_.seqnoPersistence(cookie, *vbucket, seqno);
}

Status EpBucket::observeSeqno(CookieIface&, Vbid id, uint64_t vbucket_uuid,
                              ObserveSeqnoResult& out) {
    if (!persistence_.ready()) {
        return Status::TemporaryFailure;
    }
    auto vbucket = vbuckets_.get(id);
    if (!vbucket) {
        return Status::NotMyVbucket;
    }
    const std::vector<FailoverEntry> entries = vbucket->failoverEntries();
    out.vbucket_uuid = entries.front().vb_uuid;
    out.last_persisted_seqno = persistence_.enabled() ? vbucket->persistedSeqno() : 0;
    out.current_seqno = vbucket->highSeqno();
    if (vbucket_uuid == out.vbucket_uuid) {
        return Status::Success;
    }
    // An older branch: it ended where the next newer one began.
    for (size_t i = 1; i < entries.size(); ++i) {
        if (entries[i].vb_uuid == vbucket_uuid) {
            out.failed_over = true;
            out.old_vbucket_uuid = vbucket_uuid;
            out.old_branch_last_seqno = entries[i - 1].by_seqno;
            return Status::Success;
        }
    }
    return Status::KeyNotFound;
}

Status EpBucket::compactDatabase(CookieIface& cookie, const CompactRequest& request) {
    return persistence_.compact(cookie, request);
}

Status EpBucket::unknownCommand(CookieIface&, const EngineCommand& command,
                                const EngineResponseFn& respond) {
    using mcbp::ClientOpcode;
    const auto opcode = static_cast<ClientOpcode>(command.opcode);
    if (opcode == ClientOpcode::StopPersistence || opcode == ClientOpcode::StartPersistence) {
        const Status status = persistence_.setPersistence(opcode == ClientOpcode::StartPersistence);
        if (status == Status::Success) {
            respond(Status::Success, {});
        }
        return status;
    }
    return Status::NotSupported;
}

DcpIface* EpBucket::dcp() {
    // Producers need the executor for their backfill and checkpoint tasks.
    return config_.executor != nullptr ? &dcp_ : nullptr;
}

/// A parked command of a closing connection is completed now: the front end frees the
/// cookie once its notification arrives.
void EpBucket::disconnect(CookieIface& cookie) {
    if (dcp::DcpProducer* producer = BucketDcp::producerOf(cookie)) {
        producer->disconnect();
    }
    parked_.disconnect(cookie);
    persistence_.disconnect(cookie);
}

std::string EpBucket::describeWait(const CookieIface& cookie) {
    std::string parked = parked_.describe(cookie);
    if (parked.empty() && persistence_.fetching(cookie)) {
        parked = "a document to be read back from disk (background fetch)";
    }
    return parked;
}

executor::TimePoint EpBucket::executorNow() const {
    return config_.executor != nullptr ? config_.executor->now() : executor::Clock::now();
}

void EpBucket::releaseVBucket(Vbid id) {
    // A SEQNO_PERSISTENCE wait runs again too: its vbucket may no longer be active (or exist).
    parked_.releaseIf(
        [id](const Wait& wait) {
            return wait.vbucket == id && (wait.kind == Wait::Kind::VBucketState ||
                                          wait.kind == Wait::Kind::SeqnoPersistence);
        },
        Status::Success);
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
