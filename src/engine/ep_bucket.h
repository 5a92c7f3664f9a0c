// eddy — the vbucket-aware bucket.
//
// Owns: createEpBucket(), the EngineIface that routes every key operation to the vbucket named
// in the request: missing or not active → NotMyVbucket (GET_REPLICA reads replicas), otherwise
// the VBucket does the work on its hash table. It carries seqnos (MutationSeqno extras), serves
// the vbucket commands (SET/GET/DEL_VBUCKET, GET_ALL_VB_SEQNOS), GET_LOCKED / UNLOCK, and the
// default STAT group. Checkpoints, persistence, the memory quota and the pagers join it next.
// Thread contract: thread-safe (see VBucket and VBucketMap).
#pragma once

#include "eddy/engine_iface.h"
#include "engine/vbucket/vbucket.h"

#include <cstddef>
#include <functional>
#include <memory>

namespace eddy::engine {

struct EpBucketConfig {
    size_t max_vbuckets = 1024;
    /// Create every vbucket active at start (so clients without a cluster map work).
    bool activate_all = true;
    VBucketConfig vbucket;
    /// Clock in Unix seconds; tests substitute their own.
    std::function<uint32_t()> now;
};

[[nodiscard]] std::unique_ptr<EngineIface> createEpBucket(ServerApi& server, EpBucketConfig config);

}  // namespace eddy::engine
