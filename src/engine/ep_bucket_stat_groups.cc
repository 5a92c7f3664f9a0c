// eddy — EpBucket's STAT dispatch: every engine group of the stat-group table
// (eddy/stat_groups.def.h), the front-end ones answered inline and the slow ones collected on
// background stat tasks (engine/stats/background_stat_task.h), plus the bucket uuid.
//
// Owns: EpBucket::getStats and the groups other than the default and warmup ones
// (ep_bucket_stats.cc). Thread contract: as EpBucket; getStats runs on the STAT command's
// front-end thread, the collectors given to backgroundStats() on an executor thread, where they
// read only thread-safe parts of the bucket and the arguments they captured by value.
#include "common/clock.h"
#include "engine/ep_bucket_engine.h"
#include "engine/stats/executor_stats.h"
#include "engine/stats/vbucket_stats.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

namespace eddy::engine {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kUuidFile = "bucket_uuid";
/// A collection over every vbucket asks whether its command still waits this often.
constexpr size_t kAbandonCheckEvery = 16;
constexpr size_t kUuidDigits = 32;

bool isUuid(std::string_view text) {
    return text.size() == kUuidDigits &&
           text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string randomUuid() {
    std::random_device random;
    std::string out;
    while (out.size() < kUuidDigits) {
        out += fmt::format("{:08x}", random());
    }
    out.resize(kUuidDigits);
    return out;
}

void resetCounters(std::initializer_list<std::atomic<uint64_t>*> counters) {
    for (auto* counter : counters) {
        counter->store(0, std::memory_order_relaxed);
    }
}

}  // namespace

Status EpBucket::getStats(CookieIface& cookie, std::string_view group_name, std::string_view args,
                          const AddStatFn& add_stat) {
    if (args.empty() && group_name.find(' ') != std::string_view::npos) {
        // A caller that passed the whole STAT key ("dcpagg :").
        const StatKey key = splitStatKey(group_name);
        group_name = key.group;
        args = key.args;
    }
    const StatGroupInfo* group = findStatGroup(group_name);
    if (group == nullptr ||
        (group->owner == StatOwner::Daemon && group->id != StatGroupId::Default &&
         group->id != StatGroupId::Reset)) {
        return Status::KeyNotFound;
    }
    const StatArgs parsed = parseStatArgs(*group, args);
    if (!parsed.ok()) {
        return Status::InvalidArguments;
    }
    using executor::TaskId;
    switch (group->id) {
    case StatGroupId::Default: addDefaultStats(add_stat); return Status::Success;
    case StatGroupId::Reset: resetStats(); return Status::Success;
    case StatGroupId::Memory: addMemoryStats(add_stat); return Status::Success;
    case StatGroupId::Vbucket:
        vbuckets_.forEach([&](VBucket& vbucket) { stats::addVBucketState(vbucket, add_stat); });
        return Status::Success;
    case StatGroupId::PrevVbucket:
        return backgroundStats(
            cookie, *group, args, TaskId::StatPrevVBucketTask,
            [this](const stats::StatSink& sink) { return addPrevVBucketStates(sink.add()); },
            add_stat);
    case StatGroupId::VbucketDetails:
        return perVBucketStats(cookie, *group, args, parsed.vbucket, TaskId::StatVBucketDetailsTask,
                               &stats::addVBucketDetails, add_stat);
    case StatGroupId::VbucketSeqno:
        return perVBucketStats(cookie, *group, args, parsed.vbucket, TaskId::StatVBucketDetailsTask,
                               &stats::addVBucketSeqnos, add_stat);
    case StatGroupId::Hash:
        return perVBucketStats(cookie, *group, args, std::nullopt, TaskId::StatHashTask,
                               &stats::addHashStats, add_stat);
    case StatGroupId::Checkpoint:
        return perVBucketStats(cookie, *group, args, parsed.vbucket, TaskId::StatCheckpointTask,
                               &stats::addCheckpointStats, add_stat);
    case StatGroupId::Failovers:
        return perVBucketStats(cookie, *group, args, parsed.vbucket, TaskId::StatVBucketDetailsTask,
                               &stats::addFailoverStats, add_stat);
    case StatGroupId::Dcp:
        return backgroundStats(
            cookie, *group, args, TaskId::StatDCPTask,
            [this](const stats::StatSink& sink) {
                dcp_conns_.addStats(sink.add());
                return Status::Success;
            },
            add_stat);
    case StatGroupId::DcpAgg:
        return backgroundStats(
            cookie, *group, args, TaskId::StatDCPTask,
            [this, separator = std::string(parsed.text)](const stats::StatSink& sink) {
                dcp_conns_.addAggregatedStats(separator, sink.add());
                return Status::Success;
            },
            add_stat);
    case StatGroupId::Config:
        // Every parameter's current value (cheap: one atomic load each).
        configuration_.addStats(add_stat);
        return Status::Success;
    case StatGroupId::Tasks:
        if (config_.executor != nullptr) {
            stats::addTaskStats(*config_.executor, add_stat);
        } else {
            stats::addNumber(add_stat, "ep_tasks:num_tasks", 0);
        }
        return Status::Success;
    case StatGroupId::Runtimes:
    case StatGroupId::Scheduler:
        if (config_.executor != nullptr) {
            stats::addTaskHistograms(*config_.executor,
                                     group->id == StatGroupId::Runtimes
                                         ? stats::HistogramKind::Runtime
                                         : stats::HistogramKind::SchedulingDelay,
                                     add_stat);
        }
        return Status::Success;
    case StatGroupId::KVStore:
        if (!persistent()) {
            return Status::NotSupported;
        }
        return backgroundStats(
            cookie, *group, args, TaskId::StatKVStoreTask,
            [this](const stats::StatSink& sink) { return addKVStoreStats(sink.add()); }, add_stat);
    case StatGroupId::Warmup: addWarmupStats(add_stat); return Status::Success;
    case StatGroupId::Uuid: add_stat("uuid", uuid_); return Status::Success;
    case StatGroupId::Key: return keyStats(*parsed.vbucket, parsed.key, add_stat);
    case StatGroupId::VKey:
        return vkeyStats(cookie, *group, args, *parsed.vbucket, parsed.key, add_stat);
    case StatGroupId::Workload:
        stats::addWorkloadStats(config_.executor, shards_.size(), add_stat);
        return Status::Success;
    case StatGroupId::Timings:
    case StatGroupId::Connections: break;  // the daemon's
    }
    return Status::KeyNotFound;
}

std::optional<Status> EpBucket::resumeStats(CookieIface& cookie, const StatGroupInfo& group,
                                            std::string_view args, const AddStatFn& add_stat) {
    if (dynamic_cast<stats::StatTaskHolder*>(cookie.engineStorage()) == nullptr) {
        return std::nullopt;
    }
    // The re-drive after the task's notification: take the holder back (exactly once: the slot
    // is empty afterwards) and write what the task gathered, here on the front end.
    std::unique_ptr<EngineStorage> storage = cookie.takeEngineStorage();
    const auto& holder = static_cast<const stats::StatTaskHolder&>(*storage);
    if (!holder.matches(group.id, args)) {
        return std::nullopt;  // left over from another request: dropped; this one starts afresh
    }
    if (!holder.task().done()) {
        // Re-driven before the notification: keep waiting for it.
        cookie.setEngineStorage(std::move(storage));
        return Status::WouldBlock;
    }
    return holder.task().writeResponse(add_stat);
}

Status EpBucket::backgroundStats(CookieIface& cookie, const StatGroupInfo& group,
                                 std::string_view args, executor::TaskId id,
                                 stats::StatCollector collector, const AddStatFn& add_stat) {
    if (const auto resumed = resumeStats(cookie, group, args, add_stat)) {
        return *resumed;
    }
    if (config_.executor == nullptr) {
        return stats::collectAndWrite(collector, add_stat);
    }
    // The hooks hold the cookie's address only as the key of pending_, and notify the cookie
    // only after taking it out of pending_ (it is alive while parked there).
    stats::StatTaskHooks hooks{
        .wanted = [this,
                   waiting = &cookie](const void* token) { return waitsForStats(waiting, token); },
        .done =
            [this, waiting = &cookie](const void* token) {
                stat_tasks_.remove(token);
                if (unparkStats(waiting, token)) {
                    server_.notifyIoComplete(*waiting, Status::Success);
                }
            },
    };
    auto task = std::make_shared<stats::BackgroundStatTask>(
        *this, id, fmt::format("Collecting STAT {}", group.name), std::move(collector),
        std::move(hooks));
    cookie.setEngineStorage(
        std::make_unique<stats::StatTaskHolder>(task, group.id, std::string(args)));
    parkForStats(&cookie, task->token());
    stat_tasks_.add(task->token());
    config_.executor->schedule(task);
    if (task->isDead() && !task->done() && unparkStats(&cookie, task->token())) {
        // Refused (the executor is shutting down): it will never run, so collect here.
        stat_tasks_.remove(task->token());
        (void)cookie.takeEngineStorage();
        task->collectHere();
        return task->writeResponse(add_stat);
    }
    return Status::WouldBlock;
}

void EpBucket::parkForStats(CookieIface* cookie, const void* token) {
    PendingOp op;
    op.deadline = executor::TimePoint::max();
    op.kind = PendingOp::Kind::StatTask;
    op.token = token;
    MutexLock lock(pending_mutex_);
    pending_[cookie] = op;
}

bool EpBucket::waitsForStats(CookieIface* cookie, const void* token) {
    MutexLock lock(pending_mutex_);
    const auto found = pending_.find(cookie);
    return found != pending_.end() && found->second.kind == PendingOp::Kind::StatTask &&
           found->second.token == token;
}

bool EpBucket::unparkStats(CookieIface* cookie, const void* token) {
    MutexLock lock(pending_mutex_);
    const auto found = pending_.find(cookie);
    if (found == pending_.end() || found->second.kind != PendingOp::Kind::StatTask ||
        found->second.token != token) {
        return false;
    }
    pending_.erase(found);
    return true;
}

void EpBucket::abandonStats(const stats::StatTaskRegistry::Tokens& tokens) {
    size_t abandoned = 0;
    release(
        [&](const CookieIface&, const PendingOp& op) {
            const bool mine = op.kind == PendingOp::Kind::StatTask && tokens.contains(op.token);
            abandoned += mine ? 1 : 0;
            return mine;
        },
        Status::TemporaryFailure);
    if (abandoned > 0) {
        spdlog::info(
            "{}: {} STAT command(s) end with a temporary failure: the bucket is going away", name(),
            abandoned);
    }
}

Status EpBucket::perVBucketStats(CookieIface& cookie, const StatGroupInfo& group,
                                 std::string_view args, std::optional<Vbid> vbucket,
                                 executor::TaskId id, void (*add)(const VBucket&, const AddStatFn&),
                                 const AddStatFn& add_stat) {
    if (vbucket) {
        const auto found = vbuckets_.get(*vbucket);
        if (!found) {
            return Status::NotMyVbucket;
        }
        add(*found, add_stat);
        return Status::Success;
    }
    if (group.runs_on == StatRunsOn::FrontEnd) {
        vbuckets_.forEach([&](VBucket& each) { add(each, add_stat); });
        return Status::Success;
    }
    return backgroundStats(
        cookie, group, args, id,
        [this, add](const stats::StatSink& sink) {
            size_t visited = 0;
            bool abandoned = false;
            vbuckets_.forEach([&](VBucket& each) {
                // Nobody waits any more: skip the rest (checked every few vbuckets).
                if (abandoned || (++visited % kAbandonCheckEvery == 0 && sink.abandoned())) {
                    abandoned = true;
                    return;
                }
                add(each, sink.add());
            });
            return Status::Success;
        },
        add_stat);
}

void EpBucket::addMemoryStats(const AddStatFn& add_stat) const {
    const auto emit = [&add_stat](std::string_view name, uint64_t value) {
        stats::addNumber(add_stat, name, value);
    };
    const auto clamped = [](int64_t value) {
        return static_cast<uint64_t>(std::max<int64_t>(value, 0));
    };
    const auto load = [](const std::atomic<uint64_t>& value) {
        return value.load(std::memory_order_relaxed);
    };
    uint64_t oom = 0;
    uint64_t tmp_oom = 0;
    for (const auto& shard : counters_) {
        oom += load(shard.oom_errors);
        tmp_oom += load(shard.tmp_oom_errors);
    }
    const uint64_t mem_used = memory_.memUsed();
    const uint64_t quota = load(limits_.quota);
    emit("mem_used", mem_used);
    emit("bytes", mem_used);
    emit("ep_max_size", quota);
    emit("ep_mem_headroom", quota > mem_used ? quota - mem_used : 0);
    emit("ep_mem_low_wat", configuration_.memLowWatBytes());
    emit("ep_mem_high_wat", configuration_.memHighWatBytes());
    add_stat("ep_mem_low_wat_percent", fmt::format("{}", configuration_.getMemLowWat()));
    add_stat("ep_mem_high_wat_percent", fmt::format("{}", configuration_.getMemHighWat()));
    emit("ep_mutation_mem_threshold", configuration_.getMutationMemThreshold());
    emit("ep_mem_write_limit", load(limits_.write_limit));
    emit("ep_value_size", clamped(memory_.values.total()));
    emit("ep_meta_data_memory", clamped(memory_.hash_tables.total()));
    emit("ep_checkpoint_memory", memory_.checkpointMemory());
    emit("ep_checkpoint_memory_overhead", clamped(memory_.checkpoint_overhead.total()));
    emit("ep_checkpoint_memory_quota", load(limits_.checkpoint_budget));
    emit("ep_checkpoint_memory_upper_mark", load(limits_.checkpoint_upper_mark));
    emit("ep_oom_errors", oom);
    emit("ep_tmp_oom_errors", tmp_oom);
}

Status EpBucket::addPrevVBucketStates(const AddStatFn& add_stat) const {
    // The persisted state of every vbucket on disk; the current one of a vbucket not
    // persisted yet (or of every vbucket, without a store).
    std::map<uint16_t, VBucketState> states;
    if (store_ != nullptr) {
        for (const Vbid id : store_->listVBuckets()) {
            if (const auto state = store_->getVBucketState(id)) {
                states.emplace(id.get(), state->state);
            }
        }
    }
    vbuckets_.forEach(
        [&states](VBucket& vbucket) { states.emplace(vbucket.id().get(), vbucket.state()); });
    for (const auto& [id, state] : states) {
        add_stat(fmt::format("vb_{}", id), toString(state));
    }
    return Status::Success;
}

Status EpBucket::addKVStoreStats(const AddStatFn& add_stat) const {
    const KVStoreStats store = store_->stats(/*list_files=*/true);  // a NONIO task: may list
    const auto emit = [&add_stat](std::string_view name, uint64_t value) {
        stats::addNumber(add_stat, fmt::format("ep_kvstore:{}", name), value);
    };
    add_stat("ep_kvstore:path", store_->path());
    emit("num_shards", shards_.size());
    emit("num_vbuckets", store_->listVBuckets().size());
    emit("commits", store.commits);
    emit("documents_written", store.documents_written);
    emit("bytes_written", store.bytes_written);
    emit("gets", store.gets);
    emit("scans", store.scans);
    emit("live_data_size", store.live_data_size);
    emit("disk_size", store.disk_size);
    return Status::Success;
}

Status EpBucket::keyStats(Vbid id, std::string_view key, const AddStatFn& add_stat) {
    const auto vbucket = vbuckets_.get(id);
    if (!vbucket) {
        return Status::NotMyVbucket;
    }
    const auto metadata = stats::keyInMemory(*vbucket, key, unixNow());
    if (!metadata) {
        return Status::KeyNotFound;
    }
    stats::addKeyStats(*metadata, vbucket->state(), add_stat);
    return Status::Success;
}

Status EpBucket::vkeyStats(CookieIface& cookie, const StatGroupInfo& group, std::string_view args,
                           Vbid id, std::string_view key, const AddStatFn& add_stat) {
    if (!persistent()) {
        return Status::NotSupported;
    }
    if (const auto resumed = resumeStats(cookie, group, args, add_stat)) {
        return *resumed;  // the task captured its vbucket; it may be gone by now
    }
    auto vbucket = vbuckets_.get(id);
    if (!vbucket) {
        return Status::NotMyVbucket;
    }
    return backgroundStats(
        cookie, group, args, executor::TaskId::VKeyStatBGFetchTask,
        [this, vbucket = std::move(vbucket), key = std::string(key)](const stats::StatSink& sink) {
            const AddStatFn& collect = sink.add();
            const auto memory = stats::keyInMemory(*vbucket, key, unixNow());
            std::optional<DiskDocument> disk = store_->get(vbucket->id(), key);
            if (!memory) {
                // Not in memory: with full eviction the disk may hold the only copy.
                if (!disk || disk->deleted || clock::isExpired(disk->expiry, unixNow())) {
                    return Status::KeyNotFound;
                }
                stats::addKeyStats(stats::keyOnDisk(*disk), vbucket->state(), collect);
                collect("key_valid", "valid");
                return Status::Success;
            }
            stats::addKeyStats(*memory, vbucket->state(), collect);
            collect("key_valid", stats::verifyKey(*memory, disk));
            return Status::Success;
        },
        add_stat);
}

void EpBucket::resetStats() {
    for (auto& shard : counters_) {
        resetCounters(
            {&shard.total_items,    &shard.cmd_get,     &shard.get_hits,      &shard.get_misses,
             &shard.cmd_set,        &shard.delete_hits, &shard.delete_misses, &shard.incr_hits,
             &shard.incr_misses,    &shard.decr_hits,   &shard.decr_misses,   &shard.cas_hits,
             &shard.cas_misses,     &shard.cas_badval,  &shard.touch_hits,    &shard.touch_misses,
             &shard.cmd_touch,      &shard.cmd_flush,   &shard.cmd_lock,      &shard.not_my_vbucket,
             &shard.tmp_oom_errors, &shard.oom_errors});
    }
    PersistenceCounters& persistence = persistence_counters_;
    resetCounters({&persistence.flusher_commits, &persistence.flusher_failed_commits,
                   &persistence.items_persisted, &persistence.bg_fetches, &persistence.bg_fetched,
                   &persistence.value_ejects, &persistence.compactions,
                   &persistence.tombstones_purged_on_disk});
    MemoryTaskCounters& tasks = task_counters_;
    resetCounters({&tasks.pager_runs, &tasks.expiry_pager_runs, &tasks.auto_deletes,
                   &tasks.tombstones_purged, &tasks.items_rm_from_checkpoints,
                   &tasks.items_expelled, &tasks.cursors_dropped, &tasks.checkpoint_remover_runs});
    if (config_.executor != nullptr) {
        config_.executor->resetTaskHistograms();
    }
    spdlog::info("{}: STAT reset", name());
}

uint32_t EpBucket::unixNow() const {
    return config_.now ? config_.now() : clock::unixNow();
}

std::string EpBucket::loadOrMakeUuid(const EpBucketConfig& config,
                                     const config::Configuration& configuration) {
    std::string directory = configuration.getDbname();
    if (directory.empty()) {
        directory = config.data_dir;
    }
    if (directory.empty() || configuration.getBucketType() == config::BucketType::Ephemeral) {
        return randomUuid();
    }
    const fs::path path = fs::path(directory) / kUuidFile;
    {
        std::ifstream file(path);
        std::string text;
        if (file >> text && isUuid(text)) {
            return text;
        }
    }
    std::string uuid = randomUuid();
    std::error_code error;
    fs::create_directories(directory, error);
    std::ofstream file(path, std::ios::trunc);
    file << uuid << '\n';
    file.flush();
    if (!file) {
        // The bucket still works; its uuid just changes at the next start.
        spdlog::warn("{}: cannot write the bucket uuid", path.string());
    }
    return uuid;
}

}  // namespace eddy::engine
