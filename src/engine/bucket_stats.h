// eddy — a bucket's STAT side: the dispatch over the stat-group table, the default group, and the
// groups collected on background tasks.
//
// Concept. getStats() looks the group up in the stat-group table (eddy/stat_groups.def.h) and
// answers it: inline on the front-end thread for the cheap groups, or, for a group whose row says
// it runs on NONIO or READER, on a BackgroundStatTask (engine/stats/background_stat_task.h): the
// first call parks the command (ParkedCommands, Wait::Kind::StatTask) and schedules the task; the
// task collects into its own buffer without touching the cookie and releases the command by its
// token; the re-drive writes what was collected, here on the front end. The default group is
// composed from what each part of the bucket reports about itself (persistence, memory, DCP) and
// the operation counters.
//
// Owns: the registry of stat tasks not yet run (a bucket going away completes their commands
// with TemporaryFailure: abandonUnrun()), and the bucket's uuid.
//
// Thread contract: getStats runs on the STAT command's front-end thread; collectors run on an
// executor thread and read only thread-safe parts of the bucket and what they captured by value.
#pragma once

#include "eddy/engine_iface.h"
#include "eddy/stat_groups.h"
#include "engine/bucket_collections.h"
#include "engine/bucket_dcp.h"
#include "engine/bucket_persistence.h"
#include "engine/config/configuration.h"
#include "engine/memory_manager.h"
#include "engine/op_counters.h"
#include "engine/parked_commands.h"
#include "engine/stats/background_stat_task.h"
#include "engine/vbucket/bucket_memory.h"
#include "engine/vbucket/vbucket_map.h"
#include "executor/executor_pool_iface.h"
#include "executor/taskable.h"

#include <functional>
#include <optional>
#include <string>

namespace eddy::engine {

class BucketStats {
public:
    struct Environment {
        ServerApi& server;
        const config::Configuration& configuration;
        VBucketMap& vbuckets;
        const BucketMemory& memory;
        BucketOpCounters& counters;
        MemoryManager& memory_manager;
        BucketPersistence& persistence;
        BucketDcp& dcp;
        const BucketCollections& collections;
        ParkedCommands& parked;
        executor::Taskable& taskable;
        /// None: background groups are collected inline.
        executor::ExecutorPoolIface* executor = nullptr;
        /// Unix seconds (key expiry in the key groups).
        std::function<uint32_t()> now;
        std::string uuid;
    };

    explicit BucketStats(Environment environment);
    BucketStats(const BucketStats&) = delete;
    BucketStats& operator=(const BucketStats&) = delete;

    /// EngineIface::getStats.
    Status getStats(CookieIface& cookie, const StatGroupInfo& group, const StatArgs& parsed,
                    const AddStatFn& add_stat);

    /// After the executor dropped this bucket's tasks: completes the commands of stat tasks
    /// that never ran with TemporaryFailure.
    void abandonUnrun();

private:
    void addDefaultStats(const AddStatFn& add_stat) const;
    void addMemoryStats(const AddStatFn& add_stat) const;
    /// The re-drive of a background group: the result the task gathered (written through
    /// `add_stat`), WouldBlock if it is not done yet, or nullopt when nothing (or something for
    /// another request, now dropped) was parked.
    std::optional<Status> resumeStats(CookieIface& cookie, const StatGroupInfo& group,
                                      std::string_view args, const AddStatFn& add_stat);
    /// A group collected on its task (the task column of its row): the first call parks the command
    /// and schedules the task (WouldBlock); the call after its notification writes what `collector`
    /// gathered. Without an executor: inline.
    Status backgroundStats(CookieIface& cookie, const StatGroupInfo& group, std::string_view args,
                           stats::StatCollector collector, const AddStatFn& add_stat);
    /// A "[vb]" group: one vbucket inline (NotMyVbucket if it does not exist), or every vbucket,
    /// on the group's task when it runs in the background.
    Status perVBucketStats(CookieIface& cookie, const StatGroupInfo& group, std::string_view args,
                           std::optional<Vbid> vbucket,
                           void (*add)(const VBucket&, const AddStatFn&),
                           const AddStatFn& add_stat);
    Status keyStats(Vbid id, std::string_view key, const AddStatFn& add_stat);
    Status vkeyStats(CookieIface& cookie, const StatGroupInfo& group, std::string_view args,
                     Vbid id, std::string_view key, const AddStatFn& add_stat);
    /// STAT reset: zeroes the operation, persistence and memory-task counters and the
    /// executor's task histograms.
    void resetStats();
    [[nodiscard]] uint32_t unixNow() const;

    const Environment env_;
    stats::StatTaskRegistry stat_tasks_;
};

}  // namespace eddy::engine
