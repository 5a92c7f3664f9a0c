// MemoryManager: write admission, the item pager, checkpoint memory recovery, the expiry pager,
// the ephemeral tombstone purger, the hash-table resizer, and the configuration listeners that
// keep the limits and the vbuckets' checkpoint limits current (memory_manager.h).
#include "engine/memory_manager.h"

#include "common/clock.h"
#include "engine/bucket_tasks.h"
#include "engine/expiry_pager_schedule.h"

#include <algorithm>

namespace eddy::engine {

namespace {

/// Item-pager passes per run: each pass lowers every survivor's access frequency by one, so a
/// never-read document is deleted by the third pass, a read one a pass later per read.
constexpr int kMaxPagerPasses = 4;

uint64_t fractionOf(uint64_t quota, double fraction) {
    return static_cast<uint64_t>(static_cast<double>(quota) * fraction);
}

}  // namespace

void MemoryTaskCounters::reset() {
    for (std::atomic<uint64_t>* counter :
         {&pager_runs, &expiry_pager_runs, &auto_deletes, &value_ejects, &tombstones_purged,
          &items_rm_from_checkpoints, &items_expelled, &cursors_dropped,
          &checkpoint_remover_runs}) {
        counter->store(0, std::memory_order_relaxed);
    }
}

MemoryManager::MemoryManager(Environment environment) : env_(std::move(environment)) {
    refreshLimits();
    listenToConfiguration();
}

void MemoryManager::stop() {
    for (const auto id : listeners_) {
        env_.configuration.removeListener(id);
    }
    listeners_.clear();
}

void MemoryManager::startTasks(executor::ExecutorPoolIface& executor, executor::Taskable& owner) {
    using std::chrono::milliseconds;
    using std::chrono::seconds;
    executor.schedule(std::make_shared<PeriodicTask>(
        owner, executor::TaskId::HashtableResizerTask, "Adjusting hash table sizes",
        [this] { return env_.resizer_interval; },
        [this] { env_.vbuckets.forEach([](VBucket& vbucket) { vbucket.hashTable().resize(); }); }));
    expiry_pager_ = std::make_shared<PeriodicTask>(
        owner, executor::TaskId::ExpiredItemPager, "Paging expired items",
        [this] { return seconds(env_.configuration.getExpPagerStime()); },
        [this] { expireItems(); });
    rescheduleExpiryPager();  // the first run: exp_pager_initial_run_time
    executor.schedule(expiry_pager_);
    item_pager_ = std::make_shared<PeriodicTask>(
        owner, executor::TaskId::ItemPager, "Paging out items",
        [this] { return milliseconds(env_.configuration.getPagerSleepTimeMs()); },
        [this] { runItemPager(); });
    executor.schedule(item_pager_);
    checkpoint_remover_ = std::make_shared<PeriodicTask>(
        owner, executor::TaskId::CheckpointRemoverTask, "Removing closed unreferenced checkpoints",
        [this] { return seconds(env_.configuration.getChkRemoverStime()); },
        [this] { runCheckpointRemover(); });
    executor.schedule(checkpoint_remover_);
    if (isEphemeral()) {
        executor.schedule(std::make_shared<PeriodicTask>(
            owner, executor::TaskId::EphTombstoneHTCleaner, "Purging deleted items",
            [this] {
                // 0 disables the purger (purgeTombstones() does nothing); look again in a minute.
                const uint64_t interval = env_.configuration.getEphemeralMetadataPurgeInterval();
                return seconds(interval == 0 ? 60 : interval);
            },
            [this] { purgeTombstones(); }));
    }
}

void MemoryManager::valuesRestored() {
    // Restored values count against the quota like any write: past the high watermark the
    // pager makes room again now rather than at its next period.
    if (env_.memory.memUsed() > limits_.high_watermark.load(std::memory_order_relaxed)) {
        wake(item_pager_, pager_wake_requested_);
    }
}

bool MemoryManager::isEphemeral() const {
    return env_.configuration.getBucketType() == config::BucketType::Ephemeral;
}

void MemoryManager::refreshLimits() {
    const uint64_t quota = env_.configuration.getMaxSize();
    const uint64_t budget = fractionOf(quota, env_.configuration.getCheckpointMemoryRatio());
    limits_.quota.store(quota, std::memory_order_relaxed);
    limits_.write_limit.store(quota / 100 * env_.configuration.getMutationMemThreshold(),
                              std::memory_order_relaxed);
    limits_.high_watermark.store(env_.configuration.memHighWatBytes(), std::memory_order_relaxed);
    limits_.checkpoint_budget.store(budget, std::memory_order_relaxed);
    limits_.checkpoint_upper_mark.store(
        fractionOf(budget, env_.configuration.getCheckpointMemoryRecoveryUpperMark()),
        std::memory_order_relaxed);
}

Status MemoryManager::admitWrite(OpCounters& counters) {
    const uint64_t used = env_.memory.memUsed();
    if (used > limits_.write_limit.load(std::memory_order_relaxed)) {
        if (isEphemeral() && env_.configuration.getEphemeralFullPolicy() ==
                                 config::EphemeralFullPolicy::FailNewData) {
            bump(counters.oom_errors);
            return Status::NoMemory;
        }
        bump(counters.tmp_oom_errors);
        wake(item_pager_, pager_wake_requested_);
        return Status::TemporaryFailure;
    }
    const uint64_t checkpoints = env_.memory.checkpointMemory();
    if (checkpoints > limits_.checkpoint_budget.load(std::memory_order_relaxed)) {
        bump(counters.tmp_oom_errors);
        wake(checkpoint_remover_, remover_wake_requested_);
        return Status::TemporaryFailure;
    }
    if (checkpoints > limits_.checkpoint_upper_mark.load(std::memory_order_relaxed)) {
        wake(checkpoint_remover_, remover_wake_requested_);
    }
    if (used > limits_.high_watermark.load(std::memory_order_relaxed)) {
        wake(item_pager_, pager_wake_requested_);
    }
    return Status::Success;
}

Status MemoryManager::admitDelete(OpCounters& counters) {
    // A deletion usually frees memory, but until the flusher persists it (or the purger and the
    // remover run) its tombstone and queued item cost some: it is admitted up to the quota.
    if (env_.memory.memUsed() > limits_.quota.load(std::memory_order_relaxed) ||
        env_.memory.checkpointMemory() >
            limits_.checkpoint_budget.load(std::memory_order_relaxed)) {
        bump(counters.tmp_oom_errors);
        wake(item_pager_, pager_wake_requested_);
        wake(checkpoint_remover_, remover_wake_requested_);
        return Status::TemporaryFailure;
    }
    return Status::Success;
}

void MemoryManager::wake(const std::shared_ptr<executor::Task>& task,
                         std::atomic<bool>& requested) {
    if (task && !requested.exchange(true, std::memory_order_acq_rel)) {
        task->wakeUp();
    }
}

void MemoryManager::runItemPager() {
    pager_wake_requested_.store(false, std::memory_order_release);
    bump(counters_.pager_runs);
    if (env_.memory.memUsed() <= env_.configuration.memHighWatBytes()) {
        return;
    }
    // A persistent bucket ejects the values of clean documents (they are on disk; a read
    // fetches them back); an ephemeral auto_delete bucket deletes documents; fail_new_data and
    // a persistent bucket without a store (nothing is ever clean) evict nothing.
    const bool eject = env_.ejects_to_disk;
    if (!eject && (!isEphemeral() || env_.configuration.getEphemeralFullPolicy() !=
                                         config::EphemeralFullPolicy::AutoDelete)) {
        return;
    }
    const uint64_t low = env_.configuration.memLowWatBytes();
    // Deleting a document frees its value only once no checkpoint holds it, so the pass is
    // bounded by the value bytes it released as well as by mem_used; each vbucket's closed
    // checkpoints that no cursor needs are removed right after its pass.
    const uint64_t used = env_.memory.memUsed();
    const uint64_t target = used > low ? used - low : 0;
    uint64_t released = 0;
    const auto done = [&] { return released >= target || env_.memory.memUsed() <= low; };
    for (int pass = 0; pass < kMaxPagerPasses && !done(); ++pass) {
        env_.vbuckets.forEach([&](VBucket& vbucket) {
            // Ejected values come back from disk, so a persistent bucket evicts from every
            // vbucket; deletion only ever takes documents of active ones.
            if ((!eject && vbucket.state() != VBucketState::Active) || done()) {
                return;
            }
            const auto stop = [&](size_t value_bytes) {
                return released + value_bytes >= target || done();
            };
            const PageOutResult result =
                eject ? vbucket.ejectColdValues(stop) : vbucket.deleteColdItems(stop);
            released += result.value_bytes;
            bump(eject ? counters_.value_ejects : counters_.auto_deletes, result.evicted);
            // Release the checkpoints' hold on what was evicted: closed checkpoints no cursor
            // needs, and the items every cursor has read.
            CheckpointManager& checkpoints = vbucket.checkpointManager();
            const RemovedCheckpoints removed = checkpoints.removeClosedUnrefCheckpoints();
            const ExpelledItems expelled = checkpoints.expelUnreferencedItems();
            bump(counters_.items_rm_from_checkpoints, removed.num_items + expelled.num_items);
            bump(counters_.items_expelled, expelled.num_items);
        });
    }
}

void MemoryManager::runCheckpointRemover() {
    remover_wake_requested_.store(false, std::memory_order_release);
    bump(counters_.checkpoint_remover_runs);
    const auto remove_unreferenced = [this] {
        env_.vbuckets.forEach([this](VBucket& vbucket) {
            // The detached checkpoints are destroyed here, on this NONIO thread.
            const RemovedCheckpoints removed =
                vbucket.checkpointManager().removeClosedUnrefCheckpoints();
            bump(counters_.items_rm_from_checkpoints, removed.num_items);
        });
    };
    remove_unreferenced();

    const uint64_t budget =
        fractionOf(env_.configuration.getMaxSize(), env_.configuration.getCheckpointMemoryRatio());
    const uint64_t upper =
        fractionOf(budget, env_.configuration.getCheckpointMemoryRecoveryUpperMark());
    const uint64_t lower =
        fractionOf(budget, env_.configuration.getCheckpointMemoryRecoveryLowerMark());
    if (env_.memory.checkpointMemory() <= upper) {
        return;
    }
    const auto recovered = [this, lower] { return env_.memory.checkpointMemory() <= lower; };
    // First what every cursor has read...
    env_.vbuckets.forEach([&](VBucket& vbucket) {
        if (!recovered()) {
            const ExpelledItems expelled = vbucket.checkpointManager().expelUnreferencedItems();
            bump(counters_.items_expelled, expelled.num_items);
            bump(counters_.items_rm_from_checkpoints, expelled.num_items);
        }
    });
    // ...then the cursors of streams that can backfill what they miss from disk.
    env_.vbuckets.forEach([&](VBucket& vbucket) {
        if (recovered()) {
            return;
        }
        CheckpointManager& manager = vbucket.checkpointManager();
        for (const std::string& name : manager.droppableCursorsInOldestCheckpoint()) {
            if (manager.dropCursor(name)) {
                bump(counters_.cursors_dropped);
            }
        }
    });
    remove_unreferenced();
}

void MemoryManager::purgeTombstones() {
    const uint64_t age = env_.configuration.getEphemeralMetadataPurgeAge();
    if (env_.configuration.getEphemeralMetadataPurgeInterval() == 0) {
        return;
    }
    const uint32_t now = env_.now ? env_.now() : clock::unixNow();
    const uint32_t deleted_before = now > age ? static_cast<uint32_t>(now - age) : 0;
    env_.vbuckets.forEach([&](VBucket& vbucket) {
        bump(counters_.tombstones_purged, vbucket.purgeTombstones(deleted_before));
    });
}

void MemoryManager::expireItems() {
    if (!env_.configuration.getExpPagerEnabled()) {
        return;
    }
    bump(counters_.expiry_pager_runs);
    env_.vbuckets.forEach([](VBucket& vbucket) {
        if (vbucket.state() == VBucketState::Active) {
            vbucket.expireDueItems();
        }
    });
}

void MemoryManager::rescheduleExpiryPager() {
    if (!expiry_pager_) {
        return;
    }
    const uint32_t now = env_.now ? env_.now() : clock::unixNow();
    expiry_pager_->snooze(
        expiryPagerDelay(env_.configuration.getExpPagerInitialRunTime(),
                         std::chrono::seconds(env_.configuration.getExpPagerStime()), now));
}

CheckpointConfig MemoryManager::checkpointConfig() const {
    CheckpointConfig checkpoint;
    checkpoint.max_items = env_.configuration.getChkMaxItems();
    checkpoint.max_checkpoints = env_.configuration.getMaxCheckpoints();
    checkpoint.expel_enabled = env_.configuration.getChkExpelEnabled();
    if (const uint64_t fixed = env_.configuration.getCheckpointMaxSize(); fixed != 0) {
        checkpoint.max_size_bytes = fixed;
    } else {
        // The budget shared by every vbucket's checkpoints, with a floor so that tiny quotas
        // still batch a useful number of items per checkpoint.
        constexpr uint64_t kMinDerivedSize = 64 * 1024;
        const uint64_t budget = fractionOf(env_.configuration.getMaxSize(),
                                           env_.configuration.getCheckpointMemoryRatio());
        const uint64_t share =
            budget / std::max<uint64_t>(1, env_.configuration.getMaxVbuckets() *
                                               env_.configuration.getMaxCheckpoints());
        checkpoint.max_size_bytes = std::max(share, kMinDerivedSize);
    }
    return checkpoint;
}

void MemoryManager::listenToConfiguration() {
    const auto refresh_checkpoints = [this](const config::Value&) {
        const CheckpointConfig checkpoint = checkpointConfig();
        env_.vbuckets.forEach(
            [&checkpoint](VBucket& vbucket) { vbucket.checkpointManager().setConfig(checkpoint); });
    };
    for (const config::Param param :
         {config::Param::MaxSize, config::Param::CheckpointMemoryRatio,
          config::Param::CheckpointMaxSize, config::Param::MaxCheckpoints,
          config::Param::ChkMaxItems, config::Param::ChkExpelEnabled}) {
        listeners_.push_back(env_.configuration.addListener(param, refresh_checkpoints));
    }
    // A new quota or watermark may also put memory above the high watermark at once.
    const auto new_limits = [this](const config::Value&) {
        refreshLimits();
        if (env_.memory.memUsed() > limits_.high_watermark.load(std::memory_order_relaxed)) {
            wake(item_pager_, pager_wake_requested_);
        }
    };
    for (const config::Param param :
         {config::Param::MaxSize, config::Param::MemHighWat, config::Param::MemLowWat,
          config::Param::MutationMemThreshold, config::Param::CheckpointMemoryRatio,
          config::Param::CheckpointMemoryRecoveryUpperMark}) {
        listeners_.push_back(env_.configuration.addListener(param, new_limits));
    }
    // Like kv_engine, a change of the expiry pager's settings reschedules it at once.
    for (const config::Param param :
         {config::Param::ExpPagerStime, config::Param::ExpPagerInitialRunTime,
          config::Param::ExpPagerEnabled}) {
        listeners_.push_back(env_.configuration.addListener(
            param, [this](const config::Value&) { rescheduleExpiryPager(); }));
    }
}

}  // namespace eddy::engine
