// BucketStats: the dispatch of the engine's STAT groups over the stat-group table, and the
// groups collected on background tasks (bucket_stats.h). The default and memory groups are in
// bucket_stats_default.cc.
#include "engine/bucket_stats.h"

#include "common/clock.h"
#include "engine/stats/executor_stats.h"
#include "engine/stats/vbucket_stats.h"
#include "executor/task_id.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace eddy::engine {

namespace {

/// STAT key / vkey name a document of the default collection: its engine key is the collection
/// id 0 (one byte, 0x00) and then the name.
std::string defaultCollectionKey(std::string_view name) {
    std::string key(1, '\0');
    key.append(name);
    return key;
}

/// A collection over every vbucket asks whether its command still waits this often.
constexpr size_t kAbandonCheckEvery = 16;

/// The task id that collects `group` in the background: its row's task column
/// (stat_groups_test.cc checks that every background row names an existing task id of the
/// right thread group).
executor::TaskId collectorTask(const StatGroupInfo& group) {
    const std::optional<executor::TaskId> id = executor::taskIdFromName(group.task);
    if (!id) {
        throw std::logic_error(fmt::format("STAT {} names no collecting task", group.name));
    }
    return *id;
}

}  // namespace

BucketStats::BucketStats(Environment environment) : env_(std::move(environment)) {}

void BucketStats::abandonUnrun() {
    const stats::StatTaskRegistry::Tokens tokens = stat_tasks_.takeAll();
    if (tokens.empty()) {
        return;
    }
    const size_t abandoned = env_.parked.releaseIf(
        [&tokens](const Wait& wait) {
            return wait.kind == Wait::Kind::StatTask && tokens.contains(wait.token);
        },
        Status::TemporaryFailure);
    if (abandoned > 0) {
        spdlog::info("{} STAT command(s) end with a temporary failure: the bucket is going away",
                     abandoned);
    }
}

Status BucketStats::getStats(CookieIface& cookie, const StatGroupInfo& group_info,
                             const StatArgs& parsed, const AddStatFn& add_stat) {
    const StatGroupInfo* group = &group_info;
    if (group->owner == StatOwner::Daemon && group->id != StatGroupId::Default &&
        group->id != StatGroupId::Reset) {
        return Status::KeyNotFound;
    }
    const std::string_view args = parsed.raw;
    switch (group->id) {
    case StatGroupId::Default: addDefaultStats(add_stat); return Status::Success;
    case StatGroupId::Reset: resetStats(); return Status::Success;
    case StatGroupId::Memory: addMemoryStats(add_stat); return Status::Success;
    case StatGroupId::Vbucket:
        env_.vbuckets.forEach([&](VBucket& vbucket) { stats::addVBucketState(vbucket, add_stat); });
        return Status::Success;
    case StatGroupId::PrevVbucket:
        return backgroundStats(
            cookie, *group, args,
            [this](const stats::StatSink& sink) {
                return env_.persistence.addPersistedStates(sink.add());
            },
            add_stat);
    case StatGroupId::VbucketDetails:
        return perVBucketStats(cookie, *group, args, parsed.vbucket, &stats::addVBucketDetails,
                               add_stat);
    case StatGroupId::VbucketSeqno:
        return perVBucketStats(cookie, *group, args, parsed.vbucket, &stats::addVBucketSeqnos,
                               add_stat);
    case StatGroupId::Hash:
        return perVBucketStats(cookie, *group, args, std::nullopt, &stats::addHashStats, add_stat);
    case StatGroupId::Checkpoint:
        return perVBucketStats(cookie, *group, args, parsed.vbucket, &stats::addCheckpointStats,
                               add_stat);
    case StatGroupId::Failovers:
        return perVBucketStats(cookie, *group, args, parsed.vbucket, &stats::addFailoverStats,
                               add_stat);
    case StatGroupId::Dcp:
        return backgroundStats(
            cookie, *group, args,
            [this](const stats::StatSink& sink) {
                env_.dcp.conns().addStats(sink.add());
                return Status::Success;
            },
            add_stat);
    case StatGroupId::DcpAgg:
        return backgroundStats(
            cookie, *group, args,
            [this, separator = std::string(parsed.text)](const stats::StatSink& sink) {
                env_.dcp.conns().addAggregatedStats(separator, sink.add());
                return Status::Success;
            },
            add_stat);
    case StatGroupId::Config:
        // Every parameter's current value (cheap: one atomic load each).
        env_.configuration.addStats(add_stat);
        return Status::Success;
    case StatGroupId::Tasks:
        if (env_.executor != nullptr) {
            stats::addTaskStats(*env_.executor, add_stat);
        } else {
            stats::addNumber(add_stat, "ep_tasks:num_tasks", 0);
        }
        return Status::Success;
    case StatGroupId::Runtimes:
    case StatGroupId::Scheduler:
        if (env_.executor != nullptr) {
            stats::addTaskHistograms(*env_.executor,
                                     group->id == StatGroupId::Runtimes
                                         ? stats::HistogramKind::Runtime
                                         : stats::HistogramKind::SchedulingDelay,
                                     add_stat);
        }
        return Status::Success;
    case StatGroupId::KVStore:
        if (!env_.persistence.enabled()) {
            return Status::NotSupported;
        }
        return backgroundStats(
            cookie, *group, args,
            [this](const stats::StatSink& sink) {
                return env_.persistence.addKVStoreStats(sink.add());
            },
            add_stat);
    case StatGroupId::Warmup: env_.persistence.addWarmupStats(add_stat); return Status::Success;
    case StatGroupId::Uuid: add_stat("uuid", env_.uuid); return Status::Success;
    case StatGroupId::Key:
        return keyStats(*parsed.vbucket, defaultCollectionKey(parsed.key), add_stat);
    case StatGroupId::VKey:
        return vkeyStats(cookie, *group, args, *parsed.vbucket, defaultCollectionKey(parsed.key),
                         add_stat);
    case StatGroupId::Workload:
        stats::addWorkloadStats(env_.executor, env_.persistence.numShards(), add_stat);
        return Status::Success;
    case StatGroupId::Timings:
    case StatGroupId::Connections: break;  // the daemon's
    case StatGroupId::Collections:
    case StatGroupId::Scopes:
        return backgroundStats(
            cookie, *group, args,
            [this, scopes = group->id == StatGroupId::Scopes,
             name = std::string(parsed.text)](const stats::StatSink& sink) {
                return scopes ? env_.collections.addScopeStats(name, sink.add())
                              : env_.collections.addCollectionStats(name, sink.add());
            },
            add_stat);
    }
    return Status::KeyNotFound;
}

std::optional<Status> BucketStats::resumeStats(CookieIface& cookie, const StatGroupInfo& group,
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

Status BucketStats::backgroundStats(CookieIface& cookie, const StatGroupInfo& group,
                                    std::string_view args, stats::StatCollector collector,
                                    const AddStatFn& add_stat) {
    if (const auto resumed = resumeStats(cookie, group, args, add_stat)) {
        return *resumed;
    }
    if (env_.executor == nullptr) {
        return stats::collectAndWrite(collector, add_stat);
    }
    // The hooks hold the cookie's address only as the key of pending_, and notify the cookie
    // only after taking it out of pending_ (it is alive while parked there).
    stats::StatTaskHooks hooks{
        .wanted = [this, waiting = &cookie](
                      const void* token) { return env_.parked.isParked(waiting, token); },
        .done =
            [this, waiting = &cookie](const void* token) {
                stat_tasks_.remove(token);
                if (env_.parked.take(waiting, token)) {
                    env_.server.notifyIoComplete(*waiting, Status::Success);
                }
            },
    };
    auto task = std::make_shared<stats::BackgroundStatTask>(
        env_.taskable, collectorTask(group), fmt::format("Collecting STAT {}", group.name),
        std::move(collector), std::move(hooks));
    cookie.setEngineStorage(
        std::make_unique<stats::StatTaskHolder>(task, group.id, std::string(args)));
    Wait wait;
    wait.kind = Wait::Kind::StatTask;
    wait.token = task->token();
    env_.parked.park(cookie, wait);
    stat_tasks_.add(task->token());
    env_.executor->schedule(task);
    if (task->isDead() && !task->done() && env_.parked.take(&cookie, task->token())) {
        // Refused (the executor is shutting down): it will never run, so collect here.
        stat_tasks_.remove(task->token());
        (void)cookie.takeEngineStorage();
        task->collectHere();
        return task->writeResponse(add_stat);
    }
    return Status::WouldBlock;
}

Status BucketStats::perVBucketStats(CookieIface& cookie, const StatGroupInfo& group,
                                    std::string_view args, std::optional<Vbid> vbucket,
                                    void (*add)(const VBucket&, const AddStatFn&),
                                    const AddStatFn& add_stat) {
    if (vbucket) {
        const auto found = env_.vbuckets.get(*vbucket);
        if (!found) {
            return Status::NotMyVbucket;
        }
        add(*found, add_stat);
        return Status::Success;
    }
    if (group.runs_on == StatRunsOn::FrontEnd) {
        env_.vbuckets.forEach([&](VBucket& each) { add(each, add_stat); });
        return Status::Success;
    }
    return backgroundStats(
        cookie, group, args,
        [this, add](const stats::StatSink& sink) {
            size_t visited = 0;
            bool abandoned = false;
            env_.vbuckets.forEach([&](VBucket& each) {
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

Status BucketStats::keyStats(Vbid id, std::string_view key, const AddStatFn& add_stat) {
    const auto vbucket = env_.vbuckets.get(id);
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

Status BucketStats::vkeyStats(CookieIface& cookie, const StatGroupInfo& group,
                              std::string_view args, Vbid id, std::string_view key,
                              const AddStatFn& add_stat) {
    if (!env_.persistence.enabled()) {
        return Status::NotSupported;
    }
    if (const auto resumed = resumeStats(cookie, group, args, add_stat)) {
        return *resumed;  // the task captured its vbucket; it may be gone by now
    }
    auto vbucket = env_.vbuckets.get(id);
    if (!vbucket) {
        return Status::NotMyVbucket;
    }
    return backgroundStats(
        cookie, group, args,
        [this, vbucket = std::move(vbucket), key = std::string(key)](const stats::StatSink& sink) {
            const AddStatFn& collect = sink.add();
            const auto memory = stats::keyInMemory(*vbucket, key, unixNow());
            std::optional<DiskDocument> disk = env_.persistence.store()->get(vbucket->id(), key);
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

void BucketStats::resetStats() {
    env_.counters.reset();
    env_.persistence.resetCounters();
    env_.memory_manager.counters().reset();
    if (env_.executor != nullptr) {
        env_.executor->resetTaskHistograms();
    }
    spdlog::info("STAT reset");
}

uint32_t BucketStats::unixNow() const {
    return env_.now ? env_.now() : clock::unixNow();
}

}  // namespace eddy::engine
