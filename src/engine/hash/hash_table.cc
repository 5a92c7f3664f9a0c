#include "engine/hash/hash_table.h"

#include <bit>
#include <functional>
#include <utility>

namespace eddy::engine {

HashBucketLock::HashBucketLock(Mutex& mutex, size_t stripe, size_t bucket, bool owns)
    : mutex_(&mutex), stripe_(stripe), bucket_(bucket), owns_(owns) {}

HashBucketLock::HashBucketLock(HashBucketLock&& other) noexcept
    : mutex_(std::exchange(other.mutex_, nullptr)),
      stripe_(other.stripe_),
      bucket_(other.bucket_),
      owns_(other.owns_) {}

HashBucketLock::~HashBucketLock() NO_THREAD_SAFETY_ANALYSIS {
    if (mutex_ != nullptr && owns_) {
        mutex_->unlock();
    }
}

HashTable::HashTable(Config config)
    : memory_(config.memory),
      initial_size_(std::bit_ceil(std::max<size_t>(config.initial_size, 1))),
      num_locks_(std::max<size_t>(config.num_locks, 1)),
      stripes_(std::make_unique<Stripe[]>(num_locks_)),
      buckets_(initial_size_) {
    size_.store(initial_size_, std::memory_order_relaxed);
    chargeBuckets(initial_size_, +1);
}

HashTable::~HashTable() {
    clear();
    chargeBuckets(buckets_.size(), -1);
}

void HashTable::chargeBuckets(size_t buckets, int sign) {
    if (memory_ != nullptr) {
        memory_->add(sign * static_cast<int64_t>(buckets * sizeof(std::unique_ptr<StoredValue>)));
    }
}

size_t HashTable::hashOf(std::string_view key) {
    return std::hash<std::string_view>{}(key);
}

HashBucketLock HashTable::lockBucket(std::string_view key) NO_THREAD_SAFETY_ANALYSIS {
    const size_t hash = hashOf(key);
    while (true) {
        // The size read here is a hint; it is confirmed under the stripe, which resize() needs.
        const size_t size = size_.load(std::memory_order_acquire);
        const size_t bucket = hash & (size - 1);
        const size_t stripe = bucket % num_locks_;
        Mutex& mutex = stripes_[stripe].mutex;
        mutex.lock();
        if (buckets_.size() == size) {
            return HashBucketLock(mutex, stripe, bucket, true);
        }
        mutex.unlock();  // resized in between: pick the stripe again
    }
}

StoredValue* HashTable::findLocked(const HashBucketLock& lock, std::string_view key) {
    for (StoredValue* record = buckets_[lock.bucket()].get(); record != nullptr;
         record = record->next_.get()) {
        if (record->key() == key) {
            return record;
        }
    }
    return nullptr;
}

StoredValue& HashTable::insertLocked(const HashBucketLock& lock,
                                     std::unique_ptr<StoredValue> record) {
    addCounts(lock.stripe(), *record, +1);
    auto& head = buckets_[lock.bucket()];
    record->next_ = std::move(head);
    head = std::move(record);
    return *head;
}

std::unique_ptr<StoredValue> HashTable::unlinkLocked(const HashBucketLock& lock,
                                                     StoredValue& record) {
    for (auto* link = &buckets_[lock.bucket()]; *link != nullptr; link = &(*link)->next_) {
        if (link->get() == &record) {
            std::unique_ptr<StoredValue> unlinked = std::move(*link);
            *link = std::move(unlinked->next_);
            addCounts(lock.stripe(), *unlinked, -1);
            return unlinked;
        }
    }
    return nullptr;
}

void HashTable::setValueLocked(const HashBucketLock& lock, StoredValue& record, BlobPtr value) {
    const Share before = shareOf(record);
    record.setValue(std::move(value));
    applyDelta(lock.stripe(), before, shareOf(record));
}

void HashTable::markDeletedLocked(const HashBucketLock& lock, StoredValue& record) {
    const Share before = shareOf(record);
    record.markDeleted();
    applyDelta(lock.stripe(), before, shareOf(record));
}

void HashTable::reviveLocked(const HashBucketLock& lock, StoredValue& record, BlobPtr value) {
    const Share before = shareOf(record);
    record.markLive();
    record.setValue(std::move(value));
    applyDelta(lock.stripe(), before, shareOf(record));
}

bool HashTable::ejectValueLocked(const HashBucketLock& lock, StoredValue& record) {
    if (record.isDirty() || record.isDeleted() || !record.isResident()) {
        return false;
    }
    const Share before = shareOf(record);
    record.ejectValue();
    applyDelta(lock.stripe(), before, shareOf(record));
    return true;
}

HashTable::Share HashTable::shareOf(const StoredValue& record) {
    Share share;
    share.items = 1;
    share.deleted = record.isDeleted() ? 1 : 0;
    share.non_resident = !record.isDeleted() && !record.isResident() ? 1 : 0;
    share.memory = record.footprint();
    share.metadata = record.metadataFootprint();
    return share;
}

void HashTable::applyDelta(size_t stripe, const Share& before, const Share& after) {
    Counts& counts = stripes_[stripe].counts;
    // One store per counter that changes, so a reader never sees a count dip and come back
    // (a value ejection must not make curr_items blink).
    auto apply = [](std::atomic<size_t>& counter, size_t from, size_t to) {
        if (from != to) {
            const size_t current = counter.load(std::memory_order_relaxed);
            counter.store(current - from + to, std::memory_order_relaxed);
        }
    };
    apply(counts.items, before.items, after.items);
    apply(counts.deleted, before.deleted, after.deleted);
    apply(counts.non_resident, before.non_resident, after.non_resident);
    apply(counts.memory, before.memory, after.memory);
    apply(counts.metadata, before.metadata, after.metadata);
    if (memory_ != nullptr && before.metadata != after.metadata) {
        memory_->add(static_cast<int64_t>(after.metadata) - static_cast<int64_t>(before.metadata));
    }
}

void HashTable::addCounts(size_t stripe, const StoredValue& record, int sign) {
    if (sign > 0) {
        applyDelta(stripe, Share{}, shareOf(record));
    } else {
        applyDelta(stripe, shareOf(record), Share{});
    }
}

size_t HashTable::sum(std::atomic<size_t> Counts::*counter) const {
    size_t total = 0;
    for (size_t stripe = 0; stripe < num_locks_; ++stripe) {
        total += (stripes_[stripe].counts.*counter).load(std::memory_order_relaxed);
    }
    return total;
}

void HashTable::visit(const std::function<void(const HashBucketLock&, StoredValue&)>& visitor)
    NO_THREAD_SAFETY_ANALYSIS {
    for (size_t stripe = 0; stripe < num_locks_; ++stripe) {
        stripes_[stripe].mutex.lock();
        // The buckets of this stripe are stripe, stripe + num_locks, ...
        for (size_t bucket = stripe; bucket < buckets_.size(); bucket += num_locks_) {
            const HashBucketLock witness(stripes_[stripe].mutex, stripe, bucket, false);
            for (StoredValue* record = buckets_[bucket].get(); record != nullptr;
                 record = record->next_.get()) {
                visitor(witness, *record);
            }
        }
        stripes_[stripe].mutex.unlock();
    }
}

size_t HashTable::eraseIf(const std::function<bool(StoredValue&)>& doomed)
    NO_THREAD_SAFETY_ANALYSIS {
    size_t erased = 0;
    for (size_t stripe = 0; stripe < num_locks_; ++stripe) {
        std::vector<std::unique_ptr<StoredValue>> unlinked;  // destroyed after the unlock
        stripes_[stripe].mutex.lock();
        for (size_t bucket = stripe; bucket < buckets_.size(); bucket += num_locks_) {
            for (auto* link = &buckets_[bucket]; *link != nullptr;) {
                if (doomed(**link)) {
                    std::unique_ptr<StoredValue> record = std::move(*link);
                    *link = std::move(record->next_);
                    addCounts(stripe, *record, -1);
                    unlinked.push_back(std::move(record));
                } else {
                    link = &(*link)->next_;
                }
            }
        }
        stripes_[stripe].mutex.unlock();
        erased += unlinked.size();
    }
    return erased;
}

bool HashTable::resize() {
    const size_t wanted = std::max(initial_size_, std::bit_ceil(std::max<size_t>(numItems(), 1)));
    const size_t current = size();
    // Hysteresis: grow when over a load factor of 1, shrink only below a quarter.
    if (wanted > current || wanted * 4 <= current) {
        resize(wanted);
        return size() != current;
    }
    return false;
}

void HashTable::resize(size_t buckets) NO_THREAD_SAFETY_ANALYSIS {
    buckets = std::max(initial_size_, std::bit_ceil(std::max<size_t>(buckets, 1)));
    for (size_t stripe = 0; stripe < num_locks_; ++stripe) {
        stripes_[stripe].mutex.lock();
    }
    if (buckets != buckets_.size()) {
        resizeAllLocked(buckets);
    }
    for (size_t stripe = num_locks_; stripe > 0; --stripe) {
        stripes_[stripe - 1].mutex.unlock();
    }
}

void HashTable::resizeAllLocked(size_t buckets) {
    std::vector<std::unique_ptr<StoredValue>> rehashed(buckets);
    for (size_t bucket = 0; bucket < buckets_.size(); ++bucket) {
        auto& head = buckets_[bucket];
        while (head != nullptr) {
            std::unique_ptr<StoredValue> record = std::move(head);
            head = std::move(record->next_);
            const size_t target_bucket = hashOf(record->key()) & (buckets - 1);
            // A record may change stripe with its bucket; its counts move with it.
            if (bucket % num_locks_ != target_bucket % num_locks_) {
                addCounts(bucket % num_locks_, *record, -1);
                addCounts(target_bucket % num_locks_, *record, +1);
            }
            auto& target = rehashed[target_bucket];
            record->next_ = std::move(target);
            target = std::move(record);
        }
    }
    chargeBuckets(buckets, +1);
    chargeBuckets(buckets_.size(), -1);
    buckets_.swap(rehashed);
    size_.store(buckets, std::memory_order_release);
    resizes_.fetch_add(1, std::memory_order_relaxed);
}

void HashTable::clear(const std::function<void()>& while_locked) NO_THREAD_SAFETY_ANALYSIS {
    for (size_t stripe = 0; stripe < num_locks_; ++stripe) {
        stripes_[stripe].mutex.lock();
    }
    for (size_t bucket = 0; bucket < buckets_.size(); ++bucket) {
        auto& head = buckets_[bucket];
        // Unlink iteratively: a long chain destroyed recursively could exhaust the stack.
        while (head != nullptr) {
            std::unique_ptr<StoredValue> record = std::move(head);
            head = std::move(record->next_);
            addCounts(bucket % num_locks_, *record, -1);
        }
    }
    if (while_locked) {
        while_locked();
    }
    for (size_t stripe = num_locks_; stripe > 0; --stripe) {
        stripes_[stripe - 1].mutex.unlock();
    }
}

}  // namespace eddy::engine
