// EpBucket: the memory quota. Write admission, the item pager, checkpoint memory recovery, the
// ephemeral tombstone purger, the expiry pager, and the configuration listeners that keep the
// vbuckets' limits current.
#include "common/clock.h"
#include "engine/ep_bucket_engine.h"

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

bool EpBucket::isEphemeral() const {
    return configuration_.getBucketType() == config::BucketType::Ephemeral;
}

void EpBucket::refreshLimits() {
    const uint64_t quota = configuration_.getMaxSize();
    const uint64_t budget = fractionOf(quota, configuration_.getCheckpointMemoryRatio());
    limits_.quota.store(quota, std::memory_order_relaxed);
    limits_.write_limit.store(quota / 100 * configuration_.getMutationMemThreshold(),
                              std::memory_order_relaxed);
    limits_.high_watermark.store(configuration_.memHighWatBytes(), std::memory_order_relaxed);
    limits_.checkpoint_budget.store(budget, std::memory_order_relaxed);
    limits_.checkpoint_upper_mark.store(
        fractionOf(budget, configuration_.getCheckpointMemoryRecoveryUpperMark()),
        std::memory_order_relaxed);
}

Status EpBucket::admitWrite(OpCounters& counters) {
    const uint64_t used = memory_.memUsed();
    if (used > limits_.write_limit.load(std::memory_order_relaxed)) {
        if (isEphemeral() &&
            configuration_.getEphemeralFullPolicy() == config::EphemeralFullPolicy::FailNewData) {
            bump(counters.oom_errors);
            return Status::NoMemory;
        }
        bump(counters.tmp_oom_errors);
        wake(item_pager_, pager_wake_requested_);
        return Status::TemporaryFailure;
    }
    const uint64_t checkpoints = memory_.checkpointMemory();
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

Status EpBucket::admitDelete(OpCounters& counters) {
    // A deletion usually frees memory, but until the flusher persists it (or the purger and the
    // remover run) its tombstone and queued item cost some: it is admitted up to the quota.
    if (memory_.memUsed() > limits_.quota.load(std::memory_order_relaxed) ||
        memory_.checkpointMemory() > limits_.checkpoint_budget.load(std::memory_order_relaxed)) {
        bump(counters.tmp_oom_errors);
        wake(item_pager_, pager_wake_requested_);
        wake(checkpoint_remover_, remover_wake_requested_);
        return Status::TemporaryFailure;
    }
    return Status::Success;
}

void EpBucket::wake(const std::shared_ptr<executor::Task>& task, std::atomic<bool>& requested) {
    if (task && !requested.exchange(true, std::memory_order_acq_rel)) {
        task->wakeUp();
    }
}

void EpBucket::runItemPager() {
    pager_wake_requested_.store(false, std::memory_order_release);
    bump(task_counters_.pager_runs);
    if (memory_.memUsed() <= configuration_.memHighWatBytes()) {
        return;
    }
    // A persistent bucket ejects the values of clean documents (they are on disk; a read
    // fetches them back); an ephemeral auto_delete bucket deletes documents; fail_new_data and
    // a persistent bucket without a store (nothing is ever clean) evict nothing.
    const bool eject = persistent();
    if (!eject && (!isEphemeral() || configuration_.getEphemeralFullPolicy() !=
                                         config::EphemeralFullPolicy::AutoDelete)) {
        return;
    }
    const uint64_t low = configuration_.memLowWatBytes();
    // Deleting a document frees its value only once no checkpoint holds it, so the pass is
    // bounded by the value bytes it released as well as by mem_used; each vbucket's closed
    // checkpoints that no cursor needs are removed right after its pass.
    const uint64_t used = memory_.memUsed();
    const uint64_t target = used > low ? used - low : 0;
    uint64_t released = 0;
    const auto done = [&] { return released >= target || memory_.memUsed() <= low; };
    for (int pass = 0; pass < kMaxPagerPasses && !done(); ++pass) {
        vbuckets_.forEach([&](VBucket& vbucket) {
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
            bump(eject ? persistence_counters_.value_ejects : task_counters_.auto_deletes,
                 result.evicted);
            // Release the checkpoints' hold on what was evicted: closed checkpoints no cursor
            // needs, and the items every cursor has read.
            CheckpointManager& checkpoints = vbucket.checkpointManager();
            const RemovedCheckpoints removed = checkpoints.removeClosedUnrefCheckpoints();
            const ExpelledItems expelled = checkpoints.expelUnreferencedItems();
            bump(task_counters_.items_rm_from_checkpoints, removed.num_items + expelled.num_items);
            bump(task_counters_.items_expelled, expelled.num_items);
        });
    }
}

void EpBucket::runCheckpointRemover() {
    remover_wake_requested_.store(false, std::memory_order_release);
    bump(task_counters_.checkpoint_remover_runs);
    const auto remove_unreferenced = [this] {
        vbuckets_.forEach([this](VBucket& vbucket) {
            // The detached checkpoints are destroyed here, on this NONIO thread.
            const RemovedCheckpoints removed =
                vbucket.checkpointManager().removeClosedUnrefCheckpoints();
            bump(task_counters_.items_rm_from_checkpoints, removed.num_items);
        });
    };
    remove_unreferenced();

    const uint64_t budget =
        fractionOf(configuration_.getMaxSize(), configuration_.getCheckpointMemoryRatio());
    const uint64_t upper =
        fractionOf(budget, configuration_.getCheckpointMemoryRecoveryUpperMark());
    const uint64_t lower =
        fractionOf(budget, configuration_.getCheckpointMemoryRecoveryLowerMark());
    if (memory_.checkpointMemory() <= upper) {
        return;
    }
    const auto recovered = [this, lower] { return memory_.checkpointMemory() <= lower; };
    // First what every cursor has read...
    vbuckets_.forEach([&](VBucket& vbucket) {
        if (!recovered()) {
            const ExpelledItems expelled = vbucket.checkpointManager().expelUnreferencedItems();
            bump(task_counters_.items_expelled, expelled.num_items);
            bump(task_counters_.items_rm_from_checkpoints, expelled.num_items);
        }
    });
    // ...then the cursors of streams that can backfill what they miss from disk.
    vbuckets_.forEach([&](VBucket& vbucket) {
        if (recovered()) {
            return;
        }
        CheckpointManager& manager = vbucket.checkpointManager();
        for (const std::string& name : manager.droppableCursorsInOldestCheckpoint()) {
            if (manager.dropCursor(name)) {
                bump(task_counters_.cursors_dropped);
            }
        }
    });
    remove_unreferenced();
}

void EpBucket::purgeTombstones() {
    const uint64_t age = configuration_.getEphemeralMetadataPurgeAge();
    if (configuration_.getEphemeralMetadataPurgeInterval() == 0) {
        return;
    }
    const uint32_t now = config_.now ? config_.now() : clock::unixNow();
    const uint32_t deleted_before = now > age ? static_cast<uint32_t>(now - age) : 0;
    vbuckets_.forEach([&](VBucket& vbucket) {
        bump(task_counters_.tombstones_purged, vbucket.purgeTombstones(deleted_before));
    });
}

void EpBucket::expireItems() {
    if (!configuration_.getExpPagerEnabled()) {
        return;
    }
    bump(task_counters_.expiry_pager_runs);
    vbuckets_.forEach([](VBucket& vbucket) {
        if (vbucket.state() == VBucketState::Active) {
            vbucket.expireDueItems();
        }
    });
}

CheckpointConfig EpBucket::checkpointConfig() const {
    CheckpointConfig checkpoint;
    checkpoint.max_items = configuration_.getChkMaxItems();
    checkpoint.max_checkpoints = configuration_.getMaxCheckpoints();
    checkpoint.expel_enabled = configuration_.getChkExpelEnabled();
    if (const uint64_t fixed = configuration_.getCheckpointMaxSize(); fixed != 0) {
        checkpoint.max_size_bytes = fixed;
    } else {
        // The budget shared by every vbucket's checkpoints, with a floor so that tiny quotas
        // still batch a useful number of items per checkpoint.
        constexpr uint64_t kMinDerivedSize = 64 * 1024;
        const uint64_t budget =
            fractionOf(configuration_.getMaxSize(), configuration_.getCheckpointMemoryRatio());
        const uint64_t share =
            budget / std::max<uint64_t>(
                         1, configuration_.getMaxVbuckets() * configuration_.getMaxCheckpoints());
        checkpoint.max_size_bytes = std::max(share, kMinDerivedSize);
    }
    return checkpoint;
}

void EpBucket::listenToConfiguration() {
    const auto refresh_checkpoints = [this](const config::Value&) {
        const CheckpointConfig checkpoint = checkpointConfig();
        vbuckets_.forEach(
            [&checkpoint](VBucket& vbucket) { vbucket.checkpointManager().setConfig(checkpoint); });
    };
    for (const config::Param param :
         {config::Param::MaxSize, config::Param::CheckpointMemoryRatio,
          config::Param::CheckpointMaxSize, config::Param::MaxCheckpoints,
          config::Param::ChkMaxItems, config::Param::ChkExpelEnabled}) {
        listeners_.push_back(configuration_.addListener(param, refresh_checkpoints));
    }
    // A new quota or watermark may also put memory above the high watermark at once.
    const auto new_limits = [this](const config::Value&) {
        refreshLimits();
        if (memory_.memUsed() > limits_.high_watermark.load(std::memory_order_relaxed)) {
            wake(item_pager_, pager_wake_requested_);
        }
    };
    for (const config::Param param :
         {config::Param::MaxSize, config::Param::MemHighWat, config::Param::MemLowWat,
          config::Param::MutationMemThreshold, config::Param::CheckpointMemoryRatio,
          config::Param::CheckpointMemoryRecoveryUpperMark}) {
        listeners_.push_back(configuration_.addListener(param, new_limits));
    }
}

}  // namespace eddy::engine
