// eddy — the vbucket-aware bucket.
//
// Owns: createEpBucket(), the EngineIface that routes every key operation to the vbucket named
// in the request: missing or not active → NotMyVbucket (GET_REPLICA reads replicas); pending →
// WouldBlock, and the command is notified (ServerApi) when the vbucket's state changes (it then
// runs again), or with TemporaryFailure when pending_op_timeout passes, or at once when its
// connection goes; active → the VBucket does the work on its hash table. It carries seqnos
// (MutationSeqno extras), serves the vbucket commands (SET/GET/DEL_VBUCKET, GET_ALL_VB_SEQNOS),
// GET_LOCKED / UNLOCK, SET_PARAM, SEQNO_PERSISTENCE, OBSERVE_SEQNO, COMPACT_DB,
// STOP/START_PERSISTENCE, the engine's STAT groups (docs/stats.md) and DCP producers
// (docs/dcp.md). It queues every change into checkpoints, keeps memory within
// its quota (ep_bucket_engine.h), and a persistent bucket with a data directory writes to and
// warms up from a KVStore there. With an executor it runs its background tasks there.
//
// Thread contract: thread-safe (see VBucket and VBucketMap). createEpBucket throws KVStoreError
// when the store cannot be opened and std::invalid_argument for an unsupported configuration.
// Destroying the bucket unregisters it from the executor, which waits for its running tasks,
// then flushes what is left to disk.
#pragma once

#include "collections/manager.h"
#include "eddy/engine_iface.h"
#include "engine/config/values.h"
#include "engine/vbucket/vbucket.h"
#include "executor/executor_pool_iface.h"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace eddy::engine {

struct EpBucketConfig {
    /// The bucket's parameters (parameters.def.h): quota, bucket type, vbucket count, pager
    /// periods, checkpoint limits... Dynamic ones change later through SET_PARAM.
    config::Values parameters;
    /// Create every vbucket active at start (so clients without a cluster map work), unless
    /// the store already holds vbuckets (they are restored as they were).
    bool activate_all = true;
    /// Where a persistent bucket keeps its store (`dbname` overrides it). Empty: nothing is
    /// written to disk, which only unit tests want.
    std::string data_dir;
    /// Clock in Unix seconds; tests substitute their own.
    std::function<uint32_t()> now;
    /// Where background tasks run; none = no background tasks (hash tables keep their initial
    /// size, expired documents go only when read, nothing is evicted, closed checkpoints stay).
    executor::ExecutorPoolIface* executor = nullptr;
    /// How often the resizer fits every hash table to its item count.
    std::chrono::seconds resizer_interval{5};
    /// How long a key operation waits for a pending vbucket before ETMPFAIL (needs an executor).
    std::chrono::milliseconds pending_op_timeout{5000};
    /// The bucket's collections manifest, shared with the front end; null: the bucket makes a
    /// memory-only one (unit tests).
    std::shared_ptr<collections::Manager> collections;

    /// Parameters from a `key=value;...` string (tests and tools); throws std::invalid_argument
    /// with the parser's message.
    static config::Values parse(std::string_view text);
};

[[nodiscard]] std::unique_ptr<EngineIface> createEpBucket(ServerApi& server, EpBucketConfig config);

}  // namespace eddy::engine
