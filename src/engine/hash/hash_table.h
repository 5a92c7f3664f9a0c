// eddy — a vbucket's hash table of StoredValues.
//
// Semantics. Maps a key to at most one StoredValue (live or a tombstone). Every read or write of
// a record happens while holding the lock stripe of its key, proven by a HashBucketLock passed
// to the *Locked methods (a lock witness: the compiler cannot track a lock picked from an array
// by index, so the witness carries the proof instead). Counters (items, tombstones,
// non-resident values, memory) are exact whenever no writer is between its change and its
// accounting call, and are readable from any thread; they are kept per stripe and summed.
//
// Implementation. Buckets are singly-linked chains in a power-of-two array; a key's bucket is
// hash & (size - 1) and its stripe is bucket % num_locks, so every record of a bucket shares a
// stripe and a visitor walks the table in one pass, stripe by stripe. lockBucket() reads the
// size, locks the stripe it implies, and retries if a resize changed the size meanwhile.
// resize() takes every stripe (in index order; clear() does the same, and nothing else holds
// two) and rehashes into a new array: online, since readers only ever wait for one stripe. The
// bucket array is read under any one stripe and replaced only with all of them held.
//
// Thread contract: thread-safe. StoredValue pointers are valid only while their stripe is held.
#pragma once

#include "common/mutex.h"
#include "common/sharded_counter.h"
#include "engine/hash/stored_value.h"

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace eddy::engine {

class HashTable;

/// Proof that the holder has locked the stripe of one key, and which bucket that key is in.
/// Move-only; releases the stripe when destroyed.
class HashBucketLock {
public:
    HashBucketLock(HashBucketLock&& other) noexcept;
    HashBucketLock& operator=(HashBucketLock&&) = delete;
    HashBucketLock(const HashBucketLock&) = delete;
    HashBucketLock& operator=(const HashBucketLock&) = delete;
    ~HashBucketLock();

    [[nodiscard]] size_t bucket() const { return bucket_; }
    [[nodiscard]] size_t stripe() const { return stripe_; }

private:
    friend class HashTable;
    /// @param owns whether this witness unlocks the stripe (false: it borrows a stripe its
    ///             creator holds, as visit() does)
    HashBucketLock(Mutex& mutex, size_t stripe, size_t bucket, bool owns);

    Mutex* mutex_;
    size_t stripe_;
    size_t bucket_;
    bool owns_;
};

class HashTable {
public:
    struct Config {
        /// Initial number of buckets (rounded up to a power of two); resize() never goes below.
        size_t initial_size = 64;
        /// Number of lock stripes.
        size_t num_locks = 47;
        /// When given, the bytes of every record without its value (metadata and key) and of
        /// the bucket array are added to it, and subtracted as they go (the bucket's memory
        /// accounting; values are charged where they are allocated). Must outlive the table.
        ShardedCounter* memory = nullptr;
    };

    explicit HashTable(Config config);
    HashTable() : HashTable(Config{}) {}
    ~HashTable();
    HashTable(const HashTable&) = delete;
    HashTable& operator=(const HashTable&) = delete;

    /// Locks the stripe of `key`.
    [[nodiscard]] HashBucketLock lockBucket(std::string_view key);

    /// The record of `key` (live or deleted), or nullptr.
    [[nodiscard]] StoredValue* findLocked(const HashBucketLock& lock, std::string_view key);

    /// Adds a record whose key is absent. Returns it.
    StoredValue& insertLocked(const HashBucketLock& lock, std::unique_ptr<StoredValue> record);

    /// Removes `record` from the table and hands it back (the caller decides where it dies).
    std::unique_ptr<StoredValue> unlinkLocked(const HashBucketLock& lock, StoredValue& record);

    /// Replaces the value (and with it the resident state) of `record`, keeping counts exact.
    void setValueLocked(const HashBucketLock& lock, StoredValue& record, BlobPtr value);

    /// Turns `record` into a tombstone, keeping counts exact.
    void markDeletedLocked(const HashBucketLock& lock, StoredValue& record);

    /// Makes a tombstone live again with `value`, keeping counts exact.
    void reviveLocked(const HashBucketLock& lock, StoredValue& record, BlobPtr value);

    /// Value eviction: drops a clean, live record's value. False if it could not (dirty,
    /// deleted or already non-resident).
    bool ejectValueLocked(const HashBucketLock& lock, StoredValue& record);

    /// Calls `visitor` for every record, one stripe at a time (the stripe is held during the
    /// calls). The visitor must not insert or unlink.
    void visit(const std::function<void(const HashBucketLock&, StoredValue&)>& visitor);

    /// Unlinks and destroys every record for which `doomed` returns true, one stripe at a time
    /// (the stripe is held during the calls). Returns how many.
    size_t eraseIf(const std::function<bool(StoredValue&)>& doomed);

    /// Resizes to fit the current number of records (power of two, load factor ≤ 1, never
    /// below the initial size). Returns true if the bucket count changed. Any thread; a NONIO
    /// resizer task calls it.
    bool resize();
    /// Resizes to `buckets` (rounded up to a power of two).
    void resize(size_t buckets);

    /// Removes every record; `while_locked` (if any) runs after, with every stripe still held
    /// (so no writer sees the table between the two).
    void clear(const std::function<void()>& while_locked = {});

    [[nodiscard]] size_t numItems() const { return sum(&Counts::items); }
    [[nodiscard]] size_t numDeleted() const { return sum(&Counts::deleted); }
    [[nodiscard]] size_t numNonResident() const { return sum(&Counts::non_resident); }
    /// Bytes of every record (metadata, keys, resident values).
    [[nodiscard]] size_t memoryUsed() const { return sum(&Counts::memory); }
    /// Bytes of every record's metadata and key.
    [[nodiscard]] size_t metadataMemory() const { return sum(&Counts::metadata); }
    /// Current number of buckets.
    [[nodiscard]] size_t size() const { return size_.load(std::memory_order_relaxed); }
    [[nodiscard]] size_t numLocks() const { return num_locks_; }
    /// Times resize() changed the bucket count.
    [[nodiscard]] size_t numResizes() const { return resizes_.load(std::memory_order_relaxed); }

private:
    /// The counters of one stripe: written only by the holder of the stripe (a load and a
    /// store, no read-modify-write, so writers on different stripes share no cache line),
    /// read by anyone and summed.
    struct Counts {
        std::atomic<size_t> items{0};
        std::atomic<size_t> deleted{0};
        std::atomic<size_t> non_resident{0};
        std::atomic<size_t> memory{0};
        std::atomic<size_t> metadata{0};
    };
    /// Lock order (clang cannot name an element of an array, so it is written here): two or more
    /// stripes are held only by resize() and clear(), which take all of them in index order.
    /// Under one stripe a change is queued into the vbucket's CheckpointManager (its mutex), and
    /// the vbucket's change listener runs: it wakes the flusher (the executor's mutex_) and
    /// tells the DcpConnMap (its per-vbucket stream-list mutex, then a producer's
    /// processor_mutex_, then the executor's mutex_). Nothing under a stripe takes a VBucketMap
    /// slot, a vbucket's state_mutex_, or a stream's or producer's mutex_.
    struct alignas(64) Stripe {
        Mutex mutex;
        Counts counts;
    };

    /// What one record contributes to its stripe's counters.
    struct Share {
        size_t items = 0;
        size_t deleted = 0;
        size_t non_resident = 0;
        size_t memory = 0;
        size_t metadata = 0;
    };

    static size_t hashOf(std::string_view key);
    static Share shareOf(const StoredValue& record);
    /// Moves a record's share of its stripe's counters from `before` to `after`, touching only
    /// the counters that change. A change to a record is accounted as: take its share, change
    /// it, apply the difference.
    void applyDelta(size_t stripe, const Share& before, const Share& after);
    /// Adds (sign +1) or removes (sign -1) `record`'s whole share.
    void addCounts(size_t stripe, const StoredValue& record, int sign);
    [[nodiscard]] size_t sum(std::atomic<size_t> Counts::*counter) const;
    void resizeAllLocked(size_t buckets);
    /// Charges (sign +1) or releases (sign -1) the bucket array of `buckets` slots.
    void chargeBuckets(size_t buckets, int sign);

    ShardedCounter* const memory_;
    const size_t initial_size_;
    const size_t num_locks_;
    std::unique_ptr<Stripe[]> stripes_;
    /// Read under any one stripe; replaced only with every stripe held.
    std::vector<std::unique_ptr<StoredValue>> buckets_;
    std::atomic<size_t> size_{0};
    std::atomic<size_t> resizes_{0};
};

}  // namespace eddy::engine
