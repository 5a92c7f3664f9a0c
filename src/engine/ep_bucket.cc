#include "engine/ep_bucket.h"

#include "common/mutex.h"
#include "engine/config/configuration.h"
#include "engine/vbucket/vbucket_map.h"
#include "executor/task.h"
#include "executor/taskable.h"

#include <array>
#include <atomic>
#include <charconv>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace eddy::engine {

namespace {

/// Operation counters for STAT, spread over shards (by vbucket) so that threads working on
/// different vbuckets do not share a cache line. Relaxed: only read for STAT.
struct alignas(64) OpCounters {
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
    std::atomic<uint64_t> cmd_lock{0};
    std::atomic<uint64_t> not_my_vbucket{0};
};

constexpr size_t kCounterShards = 16;
/// How often commands parked on pending vbuckets are checked for their time-out.
constexpr std::chrono::milliseconds kPendingCheckInterval{250};

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
    EpBucket(ServerApi& server, EpBucketConfig config)
        : server_(server),
          config_(std::move(config)),
          configuration_(config_.parameters),
          vbucket_config_(vbucketConfigFrom(configuration_)),
          vbuckets_(configuration_.getMaxVbuckets()) {
        if (config_.activate_all) {
            for (size_t id = 0; id < vbuckets_.capacity(); ++id) {
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

    Status get(CookieIface& cookie, DocKey key, Vbid id, ItemPtr& out) override {
        OpCounters& counters = countersFor(id);
        bump(counters.cmd_get);
        Status refusal = Status::Success;
        auto vbucket = active(cookie, id, refusal);
        if (!vbucket) {
            return refusal;
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

    Status getAndTouch(CookieIface& cookie, DocKey key, Vbid id, uint32_t exptime,
                       ItemPtr& out) override {
        OpCounters& counters = countersFor(id);
        bump(counters.cmd_touch);
        Status refusal = Status::Success;
        auto vbucket = active(cookie, id, refusal);
        if (!vbucket) {
            return refusal;
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

    Status store(CookieIface& cookie, const StoreRequest& request,
                 MutationResult& result) override {
        OpCounters& counters = countersFor(request.vbucket);
        bump(counters.cmd_set);
        Status refusal = Status::Success;
        auto vbucket = active(cookie, request.vbucket, refusal);
        if (!vbucket) {
            return refusal;
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
            bump(counters.total_items);
            fill(result, info);
        }
        return status;
    }

    Status remove(CookieIface& cookie, DocKey key, Vbid id, Cas cas,
                  MutationResult& result) override {
        OpCounters& counters = countersFor(id);
        Status refusal = Status::Success;
        auto vbucket = active(cookie, id, refusal);
        if (!vbucket) {
            return refusal;
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

    Status arithmetic(CookieIface& cookie, const ArithmeticRequest& request, uint64_t& value,
                      MutationResult& result) override {
        OpCounters& counters = countersFor(request.vbucket);
        Status refusal = Status::Success;
        auto vbucket = active(cookie, request.vbucket, refusal);
        if (!vbucket) {
            return refusal;
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
            bump(counters.total_items);
            fill(result, info);
        }
        return status;
    }

    Status flush(CookieIface&) override {
        bump(counters_[0].cmd_flush);
        vbuckets_.forEach([](VBucket& vbucket) { vbucket.hashTable().clear(); });
        return Status::Success;
    }

    Status getLocked(CookieIface& cookie, DocKey key, Vbid id, uint32_t lock_seconds,
                     ItemPtr& out) override {
        bump(countersFor(id).cmd_lock);
        Status refusal = Status::Success;
        auto vbucket = active(cookie, id, refusal);
        if (!vbucket) {
            return refusal;
        }
        Document document;
        const Status status = vbucket->getLocked(key.bytes(), lock_seconds, document);
        if (status == Status::Success) {
            out = toItem(document);
        }
        return status;
    }

    Status unlock(CookieIface& cookie, DocKey key, Vbid id, Cas cas) override {
        Status refusal = Status::Success;
        auto vbucket = active(cookie, id, refusal);
        if (!vbucket) {
            return refusal;
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
        releaseVBucket(id);
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
        if (!vbuckets_.remove(id)) {
            return Status::NotMyVbucket;
        }
        releaseVBucket(id);
        return Status::Success;
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

    Status setParameter(CookieIface&, uint32_t category, std::string_view key,
                        std::string_view value, std::string& message) override {
        const auto expected = categoryFromWire(category);
        if (!expected) {
            message =
                "SET_PARAM type must be 1 (flush_param), 3 (checkpoint_param), "
                "4 (dcp_param) or 5 (vbucket_param)";
            return Status::InvalidArguments;
        }
        auto result = configuration_.setParam(key, value, *expected);
        if (!result.ok()) {
            message = result.error().message;
            return Status::InvalidArguments;
        }
        return Status::Success;
    }

    Status unknownCommand(CookieIface&, const EngineCommand&, const EngineResponseFn&) override {
        return Status::NotSupported;
    }

    /// A parked command of a closing connection is completed now: the front end frees the
    /// cookie once its notification arrives.
    void disconnect(CookieIface& cookie) override {
        release(
            [&cookie](const CookieIface& parked, const PendingOp&) { return &parked == &cookie; },
            Status::Disconnect);
    }

private:
    static std::optional<config::Category> categoryFromWire(uint32_t wire) {
        switch (wire) {
        case 1: return config::Category::Flush;
        case 3: return config::Category::Checkpoint;
        case 4: return config::Category::Dcp;
        case 5: return config::Category::Vbucket;
        default: return std::nullopt;
        }
    }

    static VBucketConfig vbucketConfigFrom(const config::Configuration& parameters) {
        VBucketConfig vbucket;
        vbucket.hash_table.initial_size = parameters.getHtSize();
        vbucket.hash_table.num_locks = parameters.getHtLocks();
        vbucket.max_failover_entries = parameters.getMaxFailoverEntries();
        vbucket.max_value_size = parameters.getMaxItemSize();
        return vbucket;
    }

    void startTasks(executor::ExecutorPoolIface& executor) {
        executor.registerTaskable(*this);
        executor.schedule(std::make_shared<VBucketSweepTask>(
            *this, executor::TaskId::HashtableResizerTask, "Adjusting hash table sizes",
            config_.resizer_interval, vbuckets_,
            [](VBucket& vbucket) { vbucket.hashTable().resize(); }));
        executor.schedule(std::make_shared<PendingOpsTimeoutTask>(*this));
        executor.schedule(std::make_shared<VBucketSweepTask>(
            *this, executor::TaskId::ExpiredItemPager, "Paging expired items",
            std::chrono::seconds(configuration_.getExpPagerStime()), vbuckets_,
            [](VBucket& vbucket) {
                if (vbucket.state() == VBucketState::Active) {
                    vbucket.expireDueItems();
                }
            }));
    }

    /// Gives ETMPFAIL to commands that waited for a pending vbucket longer than allowed.
    class PendingOpsTimeoutTask final : public executor::Task {
    public:
        explicit PendingOpsTimeoutTask(EpBucket& bucket)
            : Task(bucket, executor::TaskId::PendingOpsTimeoutTask, kPendingCheckInterval),
              bucket_(bucket) {}
        bool run() override {
            const auto now = bucket_.executorNow();
            bucket_.release(
                [now](const CookieIface&, const PendingOp& op) { return op.deadline <= now; },
                Status::TemporaryFailure);
            snooze(kPendingCheckInterval);
            return true;
        }
        [[nodiscard]] std::string description() const override {
            return "Timing out commands waiting for pending vbuckets";
        }

    private:
        EpBucket& bucket_;
    };

    /// Time as the executor sees it (a FakeExecutor's clock in tests); deadlines of parked
    /// commands are measured on it, since the executor's task checks them.
    executor::TimePoint executorNow() const {
        return config_.executor != nullptr ? config_.executor->now() : executor::Clock::now();
    }

    std::shared_ptr<VBucket> makeVBucket(Vbid id, VBucketState state) {
        return std::make_shared<VBucket>(id, state, vbucket_config_, clock_, config_.now);
    }

    /// The vbucket if it exists and is active. Otherwise nullptr with `refusal` set: WouldBlock
    /// when the vbucket is pending (the cookie is parked until the state changes or its time
    /// runs out), NotMyVbucket when it is missing or in another state.
    std::shared_ptr<VBucket> active(CookieIface& cookie, Vbid id, Status& refusal) {
        auto vbucket = vbuckets_.get(id);
        if (vbucket && vbucket->state() == VBucketState::Pending && park(cookie, *vbucket)) {
            refusal = Status::WouldBlock;
            return nullptr;
        }
        if (!vbucket || vbucket->state() != VBucketState::Active) {
            bump(countersFor(id).not_my_vbucket);
            refusal = Status::NotMyVbucket;
            return nullptr;
        }
        return vbucket;
    }

    /// Parks `cookie` on the pending `vbucket`; false if the vbucket stopped being pending
    /// meanwhile (the state is re-checked under pending_mutex_, which a state change takes
    /// after storing the new state, so no parked cookie is missed).
    bool park(CookieIface& cookie, const VBucket& vbucket) EXCLUDES(pending_mutex_) {
        MutexLock lock(pending_mutex_);
        if (vbucket.state() != VBucketState::Pending) {
            return false;
        }
        pending_[&cookie] = {vbucket.id(), executorNow() + config_.pending_op_timeout};
        return true;
    }

    /// Completes the parked cookies that `select` picks, with `status`.
    template <class Select>
    void release(Select select, Status status) EXCLUDES(pending_mutex_) {
        std::vector<CookieIface*> released;
        {
            MutexLock lock(pending_mutex_);
            for (auto it = pending_.begin(); it != pending_.end();) {
                if (select(*it->first, it->second)) {
                    released.push_back(it->first);
                    it = pending_.erase(it);
                } else {
                    ++it;
                }
            }
        }
        for (CookieIface* cookie : released) {
            server_.notifyIoComplete(*cookie, status);
        }
    }

    /// Wakes the commands parked on `id`: they run again and see its new state.
    void releaseVBucket(Vbid id) {
        release([id](const CookieIface&, const PendingOp& op) { return op.vbucket == id; },
                Status::Success);
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
        emit("total_items", total(&OpCounters::total_items));
        emit("bytes", memory);
        emit("mem_used", memory);
        emit("expired_items", expired);
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

    /// A command waiting for a pending vbucket.
    struct PendingOp {
        Vbid vbucket;
        executor::TimePoint deadline;
    };

    ServerApi& server_;
    const EpBucketConfig config_;
    config::Configuration configuration_;
    const VBucketConfig vbucket_config_;
    HybridLogicalClock clock_;
    Mutex pending_mutex_;
    std::unordered_map<CookieIface*, PendingOp> pending_ GUARDED_BY(pending_mutex_);
    VBucketMap vbuckets_;
    std::array<OpCounters, kCounterShards> counters_;
};

}  // namespace

config::Values EpBucketConfig::parse(std::string_view text) {
    auto parsed = config::parseConfigString(text);
    if (!parsed.ok()) {
        throw std::invalid_argument(parsed.error().message);
    }
    return parsed.value();
}

std::unique_ptr<EngineIface> createEpBucket(ServerApi& server, EpBucketConfig config) {
    return std::make_unique<EpBucket>(server, std::move(config));
}

}  // namespace eddy::engine
