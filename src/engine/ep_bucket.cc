#include "engine/ep_bucket.h"

#include "engine/vbucket/vbucket_map.h"
#include "executor/task.h"
#include "executor/taskable.h"

#include <array>
#include <atomic>
#include <charconv>
#include <string>

namespace eddy::engine {

namespace {

/// Operation counters for STAT, spread over shards (by vbucket) so that threads working on
/// different vbuckets do not share a cache line. Relaxed: only read for STAT.
struct alignas(64) OpCounters {
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
    std::atomic<uint64_t> cmd_lock{0};
    std::atomic<uint64_t> not_my_vbucket{0};
};

constexpr size_t kCounterShards = 16;

void bump(std::atomic<uint64_t>& counter) {
    counter.fetch_add(1, std::memory_order_relaxed);
}

ItemPtr toItem(const Document& document) {
    return std::make_shared<const Item>(document.key, document.value ? document.value->view() : "",
                                        document.flags, document.expiry, document.cas,
                                        document.datatype);
}

void fill(MutationResult& result, const MutationInfo& info) {
    result.cas = info.cas;
    result.seqno = info.seqno;
    result.vbucket_uuid = info.vbucket_uuid;
}

/// Runs `work` over every vbucket, then sleeps for `interval` (a NONIO task of the bucket).
class VBucketSweepTask final : public executor::Task {
public:
    VBucketSweepTask(executor::Taskable& owner, executor::TaskId id, std::string description,
                     std::chrono::seconds interval, const VBucketMap& vbuckets,
                     std::function<void(VBucket&)> work)
        : Task(owner, id, interval),
          description_(std::move(description)),
          interval_(interval),
          vbuckets_(vbuckets),
          work_(std::move(work)) {}

    bool run() override {
        vbuckets_.forEach(work_);
        snooze(interval_);
        return true;
    }

    [[nodiscard]] std::string description() const override { return description_; }

private:
    const std::string description_;
    const std::chrono::seconds interval_;
    const VBucketMap& vbuckets_;
    const std::function<void(VBucket&)> work_;
};

class EpBucket final : public EngineIface, public executor::Taskable {
public:
    explicit EpBucket(EpBucketConfig config)
        : config_(std::move(config)), vbuckets_(config_.max_vbuckets) {
        if (config_.activate_all) {
            for (size_t id = 0; id < config_.max_vbuckets; ++id) {
                vbuckets_.set(makeVBucket(Vbid(static_cast<uint16_t>(id)), VBucketState::Active));
            }
        }
        if (config_.executor != nullptr) {
            startTasks(*config_.executor);
        }
    }

    ~EpBucket() override {
        // Waits for a running sweep; afterwards no task of this bucket touches vbuckets_.
        if (config_.executor != nullptr) {
            config_.executor->unregisterTaskable(*this);
        }
    }

    [[nodiscard]] std::string name() const override { return "bucket default"; }

    Status get(CookieIface&, DocKey key, Vbid id, ItemPtr& out) override {
        OpCounters& counters = countersFor(id);
        bump(counters.cmd_get);
        auto vbucket = active(id);
        if (!vbucket) {
            return Status::NotMyVbucket;
        }
        Document document;
        const Status status = vbucket->get(key.bytes(), document);
        if (status == Status::Success) {
            bump(counters.get_hits);
            out = toItem(document);
        } else if (status == Status::KeyNotFound) {
            bump(counters.get_misses);
        }
        return status;
    }

    Status getReplica(CookieIface&, DocKey key, Vbid id, ItemPtr& out) override {
        auto vbucket = vbuckets_.get(id);
        if (!vbucket || vbucket->state() != VBucketState::Replica) {
            bump(countersFor(id).not_my_vbucket);
            return Status::NotMyVbucket;
        }
        Document document;
        const Status status = vbucket->get(key.bytes(), document);
        if (status == Status::Success) {
            out = toItem(document);
        }
        return status;
    }

    Status getAndTouch(CookieIface&, DocKey key, Vbid id, uint32_t exptime, ItemPtr& out) override {
        OpCounters& counters = countersFor(id);
        bump(counters.cmd_touch);
        auto vbucket = active(id);
        if (!vbucket) {
            return Status::NotMyVbucket;
        }
        Document document;
        MutationInfo info;
        const Status status = vbucket->getAndTouch(key.bytes(), exptime, document, info);
        if (status == Status::Success) {
            bump(counters.touch_hits);
            out = toItem(document);
        } else if (status == Status::KeyNotFound) {
            bump(counters.touch_misses);
        }
        return status;
    }

    Status store(CookieIface&, const StoreRequest& request, MutationResult& result) override {
        OpCounters& counters = countersFor(request.vbucket);
        bump(counters.cmd_set);
        auto vbucket = active(request.vbucket);
        if (!vbucket) {
            return Status::NotMyVbucket;
        }
        MutationInfo info;
        const Status status = vbucket->store(request, info);
        if (request.cas != 0) {
            if (status == Status::Success) {
                bump(counters.cas_hits);
            } else if (status == Status::KeyExists) {
                bump(counters.cas_badval);
            } else if (status == Status::KeyNotFound) {
                bump(counters.cas_misses);
            }
        }
        if (status == Status::Success) {
            fill(result, info);
        }
        return status;
    }

    Status remove(CookieIface&, DocKey key, Vbid id, Cas cas, MutationResult& result) override {
        OpCounters& counters = countersFor(id);
        auto vbucket = active(id);
        if (!vbucket) {
            return Status::NotMyVbucket;
        }
        MutationInfo info;
        const Status status = vbucket->remove(key.bytes(), cas, info);
        if (status == Status::Success) {
            bump(counters.delete_hits);
            fill(result, info);
        } else if (status == Status::KeyNotFound) {
            bump(counters.delete_misses);
        }
        return status;
    }

    Status arithmetic(CookieIface&, const ArithmeticRequest& request, uint64_t& value,
                      MutationResult& result) override {
        OpCounters& counters = countersFor(request.vbucket);
        auto vbucket = active(request.vbucket);
        if (!vbucket) {
            return Status::NotMyVbucket;
        }
        MutationInfo info;
        bool created = false;
        const Status status = vbucket->arithmetic(request, value, info, created);
        auto& hits = request.increment ? counters.incr_hits : counters.decr_hits;
        auto& misses = request.increment ? counters.incr_misses : counters.decr_misses;
        if (status == Status::KeyNotFound || (status == Status::Success && created)) {
            bump(misses);
        } else if (status == Status::Success) {
            bump(hits);
        }
        if (status == Status::Success) {
            fill(result, info);
        }
        return status;
    }

    Status flush(CookieIface&) override {
        bump(counters_[0].cmd_flush);
        vbuckets_.forEach([](VBucket& vbucket) { vbucket.hashTable().clear(); });
        return Status::Success;
    }

    Status getLocked(CookieIface&, DocKey key, Vbid id, uint32_t lock_seconds,
                     ItemPtr& out) override {
        bump(countersFor(id).cmd_lock);
        auto vbucket = active(id);
        if (!vbucket) {
            return Status::NotMyVbucket;
        }
        Document document;
        const Status status = vbucket->getLocked(key.bytes(), lock_seconds, document);
        if (status == Status::Success) {
            out = toItem(document);
        }
        return status;
    }

    Status unlock(CookieIface&, DocKey key, Vbid id, Cas cas) override {
        auto vbucket = active(id);
        if (!vbucket) {
            return Status::NotMyVbucket;
        }
        return vbucket->unlock(key.bytes(), cas);
    }

    Status setVBucketState(CookieIface&, Vbid id, uint32_t wire_state) override {
        const auto state = vbucketStateFromWire(wire_state);
        if (!state) {
            return Status::InvalidArguments;
        }
        if (id.get() >= vbuckets_.capacity()) {
            return Status::NotMyVbucket;
        }
        if (auto existing = vbuckets_.get(id)) {
            existing->setState(*state);
        } else {
            vbuckets_.set(makeVBucket(id, *state));
        }
        return Status::Success;
    }

    Status getVBucketState(CookieIface&, Vbid id, uint32_t& state) override {
        auto vbucket = vbuckets_.get(id);
        if (!vbucket) {
            return Status::NotMyVbucket;
        }
        state = static_cast<uint32_t>(vbucket->state());
        return Status::Success;
    }

    Status deleteVBucket(CookieIface&, Vbid id) override {
        return vbuckets_.remove(id) ? Status::Success : Status::NotMyVbucket;
    }

    Status getAllVbSeqnos(CookieIface&, uint32_t state, std::vector<VBucketSeqno>& out) override {
        if (state != 0 && !vbucketStateFromWire(state)) {
            return Status::InvalidArguments;
        }
        vbuckets_.forEach([&](VBucket& vbucket) {
            if (state == 0 || static_cast<uint32_t>(vbucket.state()) == state) {
                out.push_back({vbucket.id(), vbucket.highSeqno()});
            }
        });
        return Status::Success;
    }

    Status getStats(CookieIface&, std::string_view group, std::string_view,
                    const AddStatFn& add_stat) override {
        if (!group.empty()) {
            return Status::KeyNotFound;
        }
        addDefaultStats(add_stat);
        return Status::Success;
    }

    Status unknownCommand(CookieIface&, const EngineCommand&, const EngineResponseFn&) override {
        return Status::NotSupported;
    }

    void disconnect(CookieIface&) override {}

private:
    void startTasks(executor::ExecutorPoolIface& executor) {
        executor.registerTaskable(*this);
        executor.schedule(std::make_shared<VBucketSweepTask>(
            *this, executor::TaskId::HashtableResizerTask, "Adjusting hash table sizes",
            config_.resizer_interval, vbuckets_,
            [](VBucket& vbucket) { vbucket.hashTable().resize(); }));
        executor.schedule(std::make_shared<VBucketSweepTask>(
            *this, executor::TaskId::ExpiredItemPager, "Paging expired items",
            config_.expiry_pager_interval, vbuckets_, [](VBucket& vbucket) {
                if (vbucket.state() == VBucketState::Active) {
                    vbucket.expireDueItems();
                }
            }));
    }

    std::shared_ptr<VBucket> makeVBucket(Vbid id, VBucketState state) {
        return std::make_shared<VBucket>(id, state, config_.vbucket, clock_, config_.now);
    }

    /// The vbucket if it exists and is active; counts a NotMyVbucket otherwise.
    std::shared_ptr<VBucket> active(Vbid id) {
        auto vbucket = vbuckets_.get(id);
        if (!vbucket || vbucket->state() != VBucketState::Active) {
            bump(countersFor(id).not_my_vbucket);
            return nullptr;
        }
        return vbucket;
    }

    OpCounters& countersFor(Vbid id) { return counters_[id.get() % kCounterShards]; }

    void addDefaultStats(const AddStatFn& add_stat) const {
        auto emit = [&add_stat](std::string_view name, uint64_t number) {
            std::array<char, 24> digits{};
            const auto printed =
                std::to_chars(digits.data(), digits.data() + digits.size(), number);
            add_stat(name, std::string_view(digits.data(),
                                            static_cast<size_t>(printed.ptr - digits.data())));
        };
        uint64_t active_items = 0;
        uint64_t all_items = 0;
        uint64_t memory = 0;
        uint64_t expired = 0;
        std::array<uint64_t, 5> by_state{};
        vbuckets_.forEach([&](VBucket& vbucket) {
            const HashTable& table = vbucket.hashTable();
            const uint64_t live = table.numItems() - table.numDeleted();
            all_items += live;
            if (vbucket.state() == VBucketState::Active) {
                active_items += live;
            }
            memory += table.memoryUsed();
            expired += vbucket.numExpired();
            ++by_state[static_cast<size_t>(vbucket.state())];
        });
        auto total = [this](std::atomic<uint64_t> OpCounters::*counter) {
            uint64_t sum = 0;
            for (const auto& shard : counters_) {
                sum += (shard.*counter).load(std::memory_order_relaxed);
            }
            return sum;
        };
        emit("curr_items", active_items);
        emit("curr_items_tot", all_items);
        emit("mem_used", memory);
        emit("ep_max_vbuckets", vbuckets_.capacity());
        emit("vb_active_num", by_state[static_cast<size_t>(VBucketState::Active)]);
        emit("vb_replica_num", by_state[static_cast<size_t>(VBucketState::Replica)]);
        emit("vb_pending_num", by_state[static_cast<size_t>(VBucketState::Pending)]);
        emit("vb_dead_num", by_state[static_cast<size_t>(VBucketState::Dead)]);
        emit("ep_expired_access", expired);
        emit("cmd_get", total(&OpCounters::cmd_get));
        emit("get_hits", total(&OpCounters::get_hits));
        emit("get_misses", total(&OpCounters::get_misses));
        emit("cmd_set", total(&OpCounters::cmd_set));
        emit("delete_hits", total(&OpCounters::delete_hits));
        emit("delete_misses", total(&OpCounters::delete_misses));
        emit("incr_hits", total(&OpCounters::incr_hits));
        emit("incr_misses", total(&OpCounters::incr_misses));
        emit("decr_hits", total(&OpCounters::decr_hits));
        emit("decr_misses", total(&OpCounters::decr_misses));
        emit("cas_hits", total(&OpCounters::cas_hits));
        emit("cas_misses", total(&OpCounters::cas_misses));
        emit("cas_badval", total(&OpCounters::cas_badval));
        emit("touch_hits", total(&OpCounters::touch_hits));
        emit("touch_misses", total(&OpCounters::touch_misses));
        emit("cmd_touch", total(&OpCounters::cmd_touch));
        emit("cmd_flush", total(&OpCounters::cmd_flush));
        emit("cmd_lock", total(&OpCounters::cmd_lock));
        emit("ep_num_not_my_vbuckets", total(&OpCounters::not_my_vbucket));
    }

    const EpBucketConfig config_;
    HybridLogicalClock clock_;
    VBucketMap vbuckets_;
    std::array<OpCounters, kCounterShards> counters_;
};

}  // namespace

std::unique_ptr<EngineIface> createEpBucket(ServerApi&, EpBucketConfig config) {
    return std::make_unique<EpBucket>(std::move(config));
}

}  // namespace eddy::engine
