// eddy — what one bucket's data occupies in memory.
//
// Owns: BucketMemory, the bucket-wide tallies every vbucket charges: value blobs (charged when a
// Blob is allocated, released when its last holder lets go, wherever that is), hash-table
// records and bucket arrays, and checkpoints (whole, for the checkpoint budget, and without the
// value bytes they share with the hash table, for mem_used).
//
// Semantics: memUsed() = values + hash-table metadata + checkpoint overhead, so a value held by
// both the hash table and a checkpoint (or only by a checkpoint, after it was overwritten) is
// counted once, as the bytes the allocator gave it. The estimate leaves out allocator slack and
// fixed per-bucket structures; docs/memory.md gives the margin measured against the process
// RSS.
//
// Thread contract: thread-safe (ShardedCounter); members are charged from any thread.
#pragma once

#include "common/sharded_counter.h"

#include <algorithm>
#include <cstdint>

namespace eddy::engine {

struct BucketMemory {
    /// Bytes of every live value Blob of the bucket.
    ShardedCounter values;
    /// Bytes of hash-table records (without values) and bucket arrays.
    ShardedCounter hash_tables;
    /// Checkpoint accounting, values included (compared with the checkpoint budget).
    ShardedCounter checkpoints;
    /// Checkpoint accounting without the value bytes.
    ShardedCounter checkpoint_overhead;

    [[nodiscard]] uint64_t memUsed() const {
        return clamp(values.total() + hash_tables.total() + checkpoint_overhead.total());
    }
    [[nodiscard]] uint64_t checkpointMemory() const { return clamp(checkpoints.total()); }

private:
    /// A sum read mid-update may dip below zero for an instant; report 0 then.
    static uint64_t clamp(int64_t value) {
        return static_cast<uint64_t>(std::max<int64_t>(value, 0));
    }
};

}  // namespace eddy::engine
