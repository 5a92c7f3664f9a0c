// eddy — MemoryBucket, the in-memory EngineIface behind createMemoryBucket().
//
// Semantics. One key space per bucket (the vbucket argument is accepted and ignored). A document
// is an immutable eddy::Item; every mutation (store, arithmetic, touch) builds a new Item with a
// fresh CAS and swaps the ItemPtr in the table, so an ItemPtr handed to the front end never
// changes under it. CAS values come from one bucket-wide atomic counter: strictly increasing,
// never 0. Expiry is absolute Unix seconds (clock::expiryFromProtocol); an expired document is
// indistinguishable from an absent one and is erased by whichever call finds it first
// (counted in `expired_items`). Nothing here blocks and nothing returns WouldBlock.
//
// Locking. The table is split into kShardCount shards selected by the key's hash. Each Shard owns
// one Mutex guarding that shard's map and its byte total; every read-modify-write of a key
// (CAS check, add/replace existence test, append, arithmetic, touch, lazy expiry) happens under
// that single shard lock, which makes each command atomic per key. No call holds two shard
// locks at once (flush and the stats walk take them one after the other), so there is no lock
// order to respect. The CAS counter is one lock-free atomic; the operation counters are relaxed
// atomics kept per shard (so two threads on different keys do not share a counter cache line)
// and summed when STAT reads them. `bytes` and `curr_items` are
// computed by summing the shards under their locks, so they are exact for each shard even under
// concurrent writes.
// Thread contract: every EngineIface method may be called concurrently from any thread.

#include "engine/memory_bucket.h"

#include "common/clock.h"
#include "common/mutex.h"

#include <array>
#include <atomic>
#include <charconv>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace eddy::engine {
namespace {

constexpr size_t kShardCount = 64;
static_assert((kShardCount & (kShardCount - 1)) == 0, "shard count must be a power of two");

/// Largest uint64 in decimal has 20 digits.
constexpr size_t kMaxCounterDigits = 20;
/// ArithmeticRequest::exptime meaning "fail with KeyNotFound instead of creating".
constexpr uint32_t kNoCreateExptime = 0xffffffff;

/// Operation counters reported by STAT (group ""). Relaxed: nothing is ordered by them.
///   total_items    documents written by a successful store or arithmetic (replacements too)
///   cmd_get        get calls; get_hits / get_misses split them by outcome
///   cmd_set        store calls of every semantics, whatever the outcome
///   delete_*       remove: hit = deleted, miss = absent (a CAS mismatch is neither)
///   incr_* decr_*  arithmetic: hit = existing counter updated, miss = key absent (created or
///                  not); a non-numeric value counts as neither
///   cas_*          stores with a CAS: hit = stored, miss = key absent, badval = CAS mismatch
///   touch_*        getAndTouch: cmd_touch per call, hit / miss by outcome
///   cmd_flush      flush calls
///   expired_items  expired documents found and erased by any call
/// curr_items and bytes (sum of Item::footprint) are not counters: they are summed from the
/// shards when the stats are read and include expired documents nobody has touched yet.
struct Counters {
    std::atomic<uint64_t> total_items{0};
    std::atomic<uint64_t> cmd_get{0};
    std::atomic<uint64_t> get_hits{0};
    std::atomic<uint64_t> get_misses{0};
    std::atomic<uint64_t> cmd_set{0};
    std::atomic<uint64_t> delete_hits{0};
    std::atomic<uint64_t> delete_misses{0};
    std::atomic<uint64_t> incr_hits{0};
    std::atomic<uint64_t> incr_misses{0};
    std::atomic<uint64_t> decr_hits{0};
    std::atomic<uint64_t> decr_misses{0};
    std::atomic<uint64_t> cas_hits{0};
    std::atomic<uint64_t> cas_misses{0};
    std::atomic<uint64_t> cas_badval{0};
    std::atomic<uint64_t> touch_hits{0};
    std::atomic<uint64_t> touch_misses{0};
    std::atomic<uint64_t> cmd_touch{0};
    std::atomic<uint64_t> cmd_flush{0};
    std::atomic<uint64_t> expired_items{0};
};

void bump(std::atomic<uint64_t>& counter) {
    counter.fetch_add(1, std::memory_order_relaxed);
}

uint64_t read(const std::atomic<uint64_t>& counter) {
    return counter.load(std::memory_order_relaxed);
}

/// std::hash over the key bytes.
struct KeyHash {
    size_t operator()(std::string_view key) const noexcept {
        return std::hash<std::string_view>{}(key);
    }
};

/// One document in a shard's set. The set is keyed by the item's own key bytes, so a document
/// costs one allocation (the item) and a lookup touches no separate key string. `item` is
/// mutable because replacing it with a newer version of the same key keeps the hash unchanged.
struct Entry {
    mutable ItemPtr item;
};

struct EntryHash {
    using is_transparent = void;  // NOLINT(readability-identifier-naming): std spelling
    size_t operator()(std::string_view key) const noexcept { return KeyHash{}(key); }
    size_t operator()(const Entry& entry) const noexcept { return KeyHash{}(entry.item->key()); }
};

struct EntryEqual {
    using is_transparent = void;  // NOLINT(readability-identifier-naming): std spelling
    bool operator()(const Entry& a, const Entry& b) const { return a.item->key() == b.item->key(); }
    bool operator()(std::string_view key, const Entry& entry) const {
        return key == entry.item->key();
    }
    bool operator()(const Entry& entry, std::string_view key) const {
        return entry.item->key() == key;
    }
};

using ItemSet = std::unordered_set<Entry, EntryHash, EntryEqual>;

/// One stripe of the table: a map and the bytes its items occupy, both under mutex_.
/// alignas keeps two shards' mutexes off the same cache line.
class alignas(64) Shard {
public:
    using Iterator = ItemSet::iterator;

    Mutex& mutex() RETURN_CAPABILITY(mutex_) { return mutex_; }

    /// The live item for `key`, or end(). An expired item is erased on the way (and counted).
    Iterator findLive(std::string_view key, uint32_t now) REQUIRES(mutex_) {
        auto it = items_.find(key);
        if (it == items_.end()) {
            return it;
        }
        if (clock::isExpired(it->item->expiry(), now)) {
            erase(it);
            bump(counters_.expired_items);
            return items_.end();
        }
        return it;
    }

    Iterator end() REQUIRES(mutex_) { return items_.end(); }

    /// Puts `item` in place of the one at `it`.
    void replace(Iterator it, ItemPtr item) REQUIRES(mutex_) {
        bytes_ -= it->item->footprint();
        bytes_ += item->footprint();
        it->item = std::move(item);
    }

    /// Adds `item` under a key known to be absent.
    void insert(ItemPtr item) REQUIRES(mutex_) {
        bytes_ += item->footprint();
        items_.insert(Entry{std::move(item)});
    }

    void erase(Iterator it) REQUIRES(mutex_) {
        bytes_ -= it->item->footprint();
        items_.erase(it);
    }

    void clear() REQUIRES(mutex_) {
        items_.clear();
        bytes_ = 0;
    }

    /// This shard's share of the operation counters (bumped without the lock; relaxed).
    Counters& counters() { return counters_; }
    const Counters& counters() const { return counters_; }

    size_t itemCount() const REQUIRES(mutex_) { return items_.size(); }
    size_t bytes() const REQUIRES(mutex_) { return bytes_; }

private:
    Mutex mutex_;
    // Counters live with the shard, not the bucket, so threads working on different keys do
    // not bounce one cache line between cores on every operation.
    Counters counters_;
    ItemSet items_ GUARDED_BY(mutex_);
    size_t bytes_ GUARDED_BY(mutex_) = 0;
};

/// Parses a whole value as an unsigned decimal counter: digits only, at most 20, no overflow.
std::optional<uint64_t> parseCounter(std::string_view text) {
    if (text.empty() || text.size() > kMaxCounterDigits) {
        return std::nullopt;
    }
    uint64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return value;
}

class MemoryBucket final : public EngineIface {
public:
    explicit MemoryBucket(MemoryBucketConfig config)
        : max_value_size_(config.max_value_size),
          now_(config.now ? std::move(config.now) : std::function<uint32_t()>(clock::unixNow)) {}

    Status get(CookieIface& cookie, DocKey key, Vbid vbucket, ItemPtr& out) override;
    Status getAndTouch(CookieIface& cookie, DocKey key, Vbid vbucket, uint32_t exptime,
                       ItemPtr& out) override;
    Status store(CookieIface& cookie, const StoreRequest& request, MutationResult& result) override;
    Status remove(CookieIface& cookie, DocKey key, Vbid vbucket, Cas cas,
                  MutationResult& result) override;
    Status arithmetic(CookieIface& cookie, const ArithmeticRequest& request, uint64_t& value,
                      MutationResult& result) override;
    Status flush(CookieIface& cookie) override;

    // This bucket has no vbuckets (one key space): the vbucket commands are not supported.
    Status getLocked(CookieIface&, DocKey, Vbid, uint32_t, ItemPtr&) override {
        return Status::NotSupported;
    }
    Status unlock(CookieIface&, DocKey, Vbid, Cas) override { return Status::NotSupported; }
    Status getReplica(CookieIface&, DocKey, Vbid, ItemPtr&) override {
        return Status::NotSupported;
    }
    Status setVBucketState(CookieIface&, Vbid, uint32_t) override { return Status::NotSupported; }
    Status getVBucketState(CookieIface&, Vbid, uint32_t&) override { return Status::NotSupported; }
    Status deleteVBucket(CookieIface&, Vbid) override { return Status::NotSupported; }
    Status getAllVbSeqnos(CookieIface&, uint32_t, std::vector<VBucketSeqno>&) override {
        return Status::NotSupported;
    }
    Status getStats(CookieIface& cookie, std::string_view group, std::string_view value,
                    const AddStatFn& add_stat) override;
    Status unknownCommand(CookieIface& cookie, const EngineCommand& command,
                          const EngineResponseFn& respond) override;
    void disconnect(CookieIface& cookie) override;

private:
    Shard& shardFor(std::string_view key) { return shards_[KeyHash{}(key) & (kShardCount - 1)]; }

    /// Next CAS: unique, strictly increasing, never 0.
    Cas nextCas() { return last_cas_.fetch_add(1, std::memory_order_relaxed) + 1; }

    /// The value a store request leaves behind, or the status that refuses it. `existing` is
    /// the live item (or nullptr); called with its shard locked.
    Status checkStore(const StoreRequest& request, const Item* existing) const;

    const size_t max_value_size_;
    const std::function<uint32_t()> now_;
    std::atomic<uint64_t> last_cas_{0};
    std::array<Shard, kShardCount> shards_;
};

Status MemoryBucket::get(CookieIface&, DocKey key, Vbid, ItemPtr& out) {
    Shard& shard = shardFor(key.bytes());
    bump(shard.counters().cmd_get);
    const uint32_t now = now_();
    {
        MutexLock lock(shard.mutex());
        auto it = shard.findLive(key.bytes(), now);
        if (it != shard.end()) {
            out = it->item;
            bump(shard.counters().get_hits);
            return Status::Success;
        }
    }
    bump(shard.counters().get_misses);
    return Status::KeyNotFound;
}

Status MemoryBucket::getAndTouch(CookieIface&, DocKey key, Vbid, uint32_t exptime, ItemPtr& out) {
    Shard& shard = shardFor(key.bytes());
    bump(shard.counters().cmd_touch);
    const uint32_t now = now_();
    const uint32_t expiry = clock::expiryFromProtocol(exptime, now);
    {
        MutexLock lock(shard.mutex());
        auto it = shard.findLive(key.bytes(), now);
        if (it != shard.end()) {
            const Item& old = *it->item;
            auto touched = std::make_shared<const Item>(old.key(), old.value(), old.flags(), expiry,
                                                        nextCas(), old.datatype());
            out = touched;
            shard.replace(it, std::move(touched));
            bump(shard.counters().touch_hits);
            return Status::Success;
        }
    }
    bump(shard.counters().touch_misses);
    return Status::KeyNotFound;
}

Status MemoryBucket::checkStore(const StoreRequest& request, const Item* existing) const {
    if (request.cas != 0) {
        if (existing == nullptr) {
            const bool append = request.semantics == StoreSemantics::Append ||
                                request.semantics == StoreSemantics::Prepend;
            return append ? Status::NotStored : Status::KeyNotFound;
        }
        if (existing->cas() != request.cas) {
            return Status::KeyExists;
        }
    }
    switch (request.semantics) {
    case StoreSemantics::Set: return Status::Success;
    case StoreSemantics::Add: return existing != nullptr ? Status::KeyExists : Status::Success;
    case StoreSemantics::Replace:
        return existing != nullptr ? Status::Success : Status::KeyNotFound;
    case StoreSemantics::Append:
    case StoreSemantics::Prepend:
        if (existing == nullptr) {
            return Status::NotStored;
        }
        if (existing->value().size() + request.value.size() > max_value_size_) {
            return Status::TooBig;
        }
        return Status::Success;
    }
    return Status::InvalidArguments;
}

Status MemoryBucket::store(CookieIface&, const StoreRequest& request, MutationResult& result) {
    const std::string_view key = request.key.bytes();
    Shard& shard = shardFor(key);
    bump(shard.counters().cmd_set);
    if (request.value.size() > max_value_size_) {
        return Status::TooBig;
    }
    if (request.semantics == StoreSemantics::Add && request.cas != 0) {
        return Status::InvalidArguments;
    }
    const uint32_t now = now_();
    MutexLock lock(shard.mutex());
    auto it = shard.findLive(key, now);
    const Item* existing = it != shard.end() ? it->item.get() : nullptr;

    const Status status = checkStore(request, existing);
    if (request.cas != 0) {
        if (existing == nullptr) {
            bump(shard.counters().cas_misses);
        } else if (status == Status::KeyExists) {
            bump(shard.counters().cas_badval);
        }
    }
    if (status != Status::Success) {
        return status;
    }

    const Cas cas = nextCas();
    ItemPtr item;
    if (request.semantics == StoreSemantics::Append ||
        request.semantics == StoreSemantics::Prepend) {
        const std::string_view front =
            request.semantics == StoreSemantics::Append ? existing->value() : request.value;
        const std::string_view back =
            request.semantics == StoreSemantics::Append ? request.value : existing->value();
        std::string combined;
        combined.reserve(front.size() + back.size());
        combined.append(front).append(back);
        item = std::make_shared<const Item>(key, combined, existing->flags(), existing->expiry(),
                                            cas, existing->datatype());
    } else {
        item = std::make_shared<const Item>(key, request.value, request.flags,
                                            clock::expiryFromProtocol(request.exptime, now), cas,
                                            request.datatype);
    }
    if (existing != nullptr) {
        shard.replace(it, std::move(item));
    } else {
        shard.insert(std::move(item));
    }
    bump(shard.counters().total_items);
    if (request.cas != 0) {
        bump(shard.counters().cas_hits);
    }
    result.cas = cas;
    return Status::Success;
}

Status MemoryBucket::remove(CookieIface&, DocKey key, Vbid, Cas cas, MutationResult& result) {
    const uint32_t now = now_();
    Shard& shard = shardFor(key.bytes());
    {
        MutexLock lock(shard.mutex());
        auto it = shard.findLive(key.bytes(), now);
        if (it != shard.end()) {
            if (cas != 0 && it->item->cas() != cas) {
                return Status::KeyExists;
            }
            shard.erase(it);
            result.cas = nextCas();
            bump(shard.counters().delete_hits);
            return Status::Success;
        }
    }
    bump(shard.counters().delete_misses);
    return Status::KeyNotFound;
}

Status MemoryBucket::arithmetic(CookieIface&, const ArithmeticRequest& request, uint64_t& value,
                                MutationResult& result) {
    const std::string_view key = request.key.bytes();
    Shard& shard = shardFor(key);
    auto& hits = request.increment ? shard.counters().incr_hits : shard.counters().decr_hits;
    auto& misses = request.increment ? shard.counters().incr_misses : shard.counters().decr_misses;
    const uint32_t now = now_();
    MutexLock lock(shard.mutex());
    auto it = shard.findLive(key, now);

    uint64_t counter = 0;
    uint32_t flags = 0;
    uint32_t expiry = 0;
    uint8_t datatype = datatype::kRaw;
    if (it == shard.end()) {
        bump(misses);
        if (request.exptime == kNoCreateExptime) {
            return Status::KeyNotFound;
        }
        counter = request.initial;
        expiry = clock::expiryFromProtocol(request.exptime, now);
    } else {
        const Item& old = *it->item;
        const auto parsed = parseCounter(old.value());
        if (!parsed) {
            return Status::DeltaBadValue;
        }
        if (request.increment) {
            counter = *parsed + request.delta;  // unsigned: wraps modulo 2^64
        } else {
            counter = *parsed > request.delta ? *parsed - request.delta : 0;
        }
        flags = old.flags();
        expiry = old.expiry();
        datatype = old.datatype();
        bump(hits);
    }

    std::array<char, kMaxCounterDigits> digits{};
    const auto printed = std::to_chars(digits.data(), digits.data() + digits.size(), counter);
    const std::string_view text(digits.data(), static_cast<size_t>(printed.ptr - digits.data()));
    const Cas cas = nextCas();
    auto item = std::make_shared<const Item>(key, text, flags, expiry, cas, datatype);
    if (it == shard.end()) {
        shard.insert(std::move(item));
    } else {
        shard.replace(it, std::move(item));
    }
    bump(shard.counters().total_items);
    value = counter;
    result.cas = cas;
    return Status::Success;
}

Status MemoryBucket::flush(CookieIface&) {
    bump(shards_.front().counters().cmd_flush);
    for (Shard& shard : shards_) {
        MutexLock lock(shard.mutex());
        shard.clear();
    }
    return Status::Success;
}

Status MemoryBucket::getStats(CookieIface&, std::string_view group, std::string_view,
                              const AddStatFn& add_stat) {
    if (!group.empty()) {
        return Status::KeyNotFound;
    }
    uint64_t items = 0;
    uint64_t bytes = 0;
    for (Shard& shard : shards_) {
        MutexLock lock(shard.mutex());
        items += shard.itemCount();
        bytes += shard.bytes();
    }
    auto total = [this](std::atomic<uint64_t> Counters::*counter) {
        uint64_t sum = 0;
        for (const Shard& shard : shards_) {
            sum += read(shard.counters().*counter);
        }
        return sum;
    };
    auto emit = [&add_stat](std::string_view name, uint64_t number) {
        std::array<char, kMaxCounterDigits> digits{};
        const auto printed = std::to_chars(digits.data(), digits.data() + digits.size(), number);
        add_stat(name,
                 std::string_view(digits.data(), static_cast<size_t>(printed.ptr - digits.data())));
    };
    emit("curr_items", items);
    emit("total_items", total(&Counters::total_items));
    emit("bytes", bytes);
    emit("cmd_get", total(&Counters::cmd_get));
    emit("get_hits", total(&Counters::get_hits));
    emit("get_misses", total(&Counters::get_misses));
    emit("cmd_set", total(&Counters::cmd_set));
    emit("delete_hits", total(&Counters::delete_hits));
    emit("delete_misses", total(&Counters::delete_misses));
    emit("incr_hits", total(&Counters::incr_hits));
    emit("incr_misses", total(&Counters::incr_misses));
    emit("decr_hits", total(&Counters::decr_hits));
    emit("decr_misses", total(&Counters::decr_misses));
    emit("cas_hits", total(&Counters::cas_hits));
    emit("cas_misses", total(&Counters::cas_misses));
    emit("cas_badval", total(&Counters::cas_badval));
    emit("touch_hits", total(&Counters::touch_hits));
    emit("touch_misses", total(&Counters::touch_misses));
    emit("cmd_touch", total(&Counters::cmd_touch));
    emit("cmd_flush", total(&Counters::cmd_flush));
    emit("expired_items", total(&Counters::expired_items));
    return Status::Success;
}

Status MemoryBucket::unknownCommand(CookieIface&, const EngineCommand&, const EngineResponseFn&) {
    return Status::NotSupported;
}

void MemoryBucket::disconnect(CookieIface&) {}

}  // namespace

std::unique_ptr<EngineIface> createMemoryBucket(ServerApi& /*server*/, MemoryBucketConfig config) {
    return std::make_unique<MemoryBucket>(std::move(config));
}

}  // namespace eddy::engine
