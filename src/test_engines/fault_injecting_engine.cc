// eddy — FaultInjectingEngine, the decorator behind createFaultInjectingEngine().
//
// Life of a blocked call. The decorator decides, under mutex_, whether the call blocks (mode and
// remaining count / PRNG draw). If it does, it records the cookie as Injected in pending_,
// schedules a job on the DelayedNotifier and returns WouldBlock without touching the wrapped
// engine. When the job fires it settles the entry under mutex_ (Success: Injected → RetryPasses;
// an error: the entry is erased, since no retry will come) and then, with no lock held, calls
// ServerApi::notifyIoComplete. The retry finds RetryPasses, erases it and goes to the wrapped
// engine, so AlwaysAsync and Random block each command once and NextN counts commands, not
// attempts. disconnect() erases the entry but never cancels the job: the front end frees a
// closed connection's cookie only after its last notification, so it must arrive exactly once.
//
// describeWait() answers for a cookie it blocked itself (which fault, what the notification will
// carry and when it is due) and asks the wrapped engine about any other.
//
// State lives in the decorator, keyed by cookie address; the cookie's EngineStorage slot belongs
// to the wrapped engine and is never used here. A cookie address cannot be reused while a
// notification for it is queued (the front end keeps the cookie alive until then), so the key
// is unambiguous.
//
// owed_ counts the scheduled jobs that have not made their notifyIoComplete yet; the control
// reply reports it, so a test can see that a command is parked before it releases it.
//
// Locking: mutex_ guards the fault configuration, the PRNG, pending_ and owed_. The notifier has
// its own mutex; neither is held while the other is taken, and no lock is held while calling the
// wrapped engine or the ServerApi.

#include "test_engines/fault_injecting_engine.h"

#include "common/mutex.h"
#include "test_engines/delayed_notifier.h"

#include <fmt/format.h>

#include <chrono>
#include <cstddef>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>

namespace eddy::test_engines {
namespace {

/// MCBP EWOULDBLOCK_CTL.
constexpr uint8_t kEwouldblockCtlOpcode = 0xfd;
constexpr size_t kControlExtrasSize = 12;
/// Fixed so that a failing Random run can be replayed.
constexpr uint32_t kRandomSeed = 0x6564'6479;

uint32_t readBigEndian32(std::string_view bytes, size_t offset) {
    uint32_t value = 0;
    for (size_t i = 0; i < 4; ++i) {
        value = (value << 8) | static_cast<uint8_t>(bytes[offset + i]);
    }
    return value;
}

/// True if `raw` names a Status a blocked call may complete with.
bool isCompletionStatus(uint32_t raw) {
    if (raw > 0xff) {
        return false;
    }
    const auto status = static_cast<Status>(raw);
    return status != Status::WouldBlock && toString(status) != "unknown";
}

class FaultInjectingEngine final : public EngineIface {
public:
    FaultInjectingEngine(std::unique_ptr<EngineIface> inner, ServerApi& server, FaultConfig initial)
        : inner_(std::move(inner)), server_(server), config_(initial), rng_(kRandomSeed) {}

    ~FaultInjectingEngine() override {
        // Deliver every queued notification while this object (mutex_, pending_) is intact.
        notifier_.shutdown();
    }

    Status get(CookieIface& cookie, DocKey key, Vbid vbucket, ItemPtr& out) override {
        return forward(cookie, [&] { return inner_->get(cookie, key, vbucket, out); });
    }

    Status getAndTouch(CookieIface& cookie, DocKey key, Vbid vbucket, uint32_t exptime,
                       ItemPtr& out) override {
        return forward(cookie,
                       [&] { return inner_->getAndTouch(cookie, key, vbucket, exptime, out); });
    }

    Status store(CookieIface& cookie, const StoreRequest& request,
                 MutationResult& result) override {
        return forward(cookie, [&] { return inner_->store(cookie, request, result); });
    }

    Status remove(CookieIface& cookie, DocKey key, Vbid vbucket, Cas cas,
                  MutationResult& result) override {
        return forward(cookie, [&] { return inner_->remove(cookie, key, vbucket, cas, result); });
    }

    Status arithmetic(CookieIface& cookie, const ArithmeticRequest& request, uint64_t& value,
                      MutationResult& result) override {
        return forward(cookie, [&] { return inner_->arithmetic(cookie, request, value, result); });
    }

    Status flush(CookieIface& cookie) override {
        return forward(cookie, [&] { return inner_->flush(cookie); });
    }

    Status getLocked(CookieIface& cookie, DocKey key, Vbid vbucket, uint32_t lock_seconds,
                     ItemPtr& out) override {
        return forward(cookie,
                       [&] { return inner_->getLocked(cookie, key, vbucket, lock_seconds, out); });
    }

    Status unlock(CookieIface& cookie, DocKey key, Vbid vbucket, Cas cas) override {
        return forward(cookie, [&] { return inner_->unlock(cookie, key, vbucket, cas); });
    }

    Status getMeta(CookieIface& cookie, DocKey key, Vbid vbucket, ItemMeta& out) override {
        return forward(cookie, [&] { return inner_->getMeta(cookie, key, vbucket, out); });
    }

    Status getReplica(CookieIface& cookie, DocKey key, Vbid vbucket, ItemPtr& out) override {
        return forward(cookie, [&] { return inner_->getReplica(cookie, key, vbucket, out); });
    }

    Status setVBucketState(CookieIface& cookie, Vbid vbucket, uint32_t state) override {
        return forward(cookie, [&] { return inner_->setVBucketState(cookie, vbucket, state); });
    }

    Status getVBucketState(CookieIface& cookie, Vbid vbucket, uint32_t& state) override {
        return forward(cookie, [&] { return inner_->getVBucketState(cookie, vbucket, state); });
    }

    Status deleteVBucket(CookieIface& cookie, Vbid vbucket) override {
        return forward(cookie, [&] { return inner_->deleteVBucket(cookie, vbucket); });
    }

    Status getAllVbSeqnos(CookieIface& cookie, uint32_t state,
                          std::vector<VBucketSeqno>& out) override {
        return forward(cookie, [&] { return inner_->getAllVbSeqnos(cookie, state, out); });
    }

    [[nodiscard]] std::vector<uint8_t> vbucketStates() const override {
        return inner_->vbucketStates();
    }

    using EngineIface::getStats;
    Status getStats(CookieIface& cookie, const StatGroupInfo& group, const StatArgs& value,
                    const AddStatFn& add_stat) override {
        return forward(cookie, [&] { return inner_->getStats(cookie, group, value, add_stat); });
    }

    Status setParameter(CookieIface& cookie, uint32_t category, std::string_view key,
                        std::string_view value, std::string& message) override {
        return forward(cookie,
                       [&] { return inner_->setParameter(cookie, category, key, value, message); });
    }

    [[nodiscard]] bool isReady() const override { return inner_->isReady(); }

    Status seqnoPersistence(CookieIface& cookie, Vbid vbucket, uint64_t seqno) override {
        return forward(cookie, [&] { return inner_->seqnoPersistence(cookie, vbucket, seqno); });
    }

    Status observeSeqno(CookieIface& cookie, Vbid vbucket, uint64_t vbucket_uuid,
                        ObserveSeqnoResult& out) override {
        return forward(cookie,
                       [&] { return inner_->observeSeqno(cookie, vbucket, vbucket_uuid, out); });
    }

    Status compactDatabase(CookieIface& cookie, const CompactRequest& request) override {
        return forward(cookie, [&] { return inner_->compactDatabase(cookie, request); });
    }

    Status unknownCommand(CookieIface& cookie, const EngineCommand& command,
                          const EngineResponseFn& respond) override {
        if (command.opcode == kEwouldblockCtlOpcode) {
            return control(command, respond);
        }
        return forward(cookie, [&] { return inner_->unknownCommand(cookie, command, respond); });
    }

    std::string describeWait(const CookieIface& cookie) override EXCLUDES(mutex_);

    /// DCP goes to the wrapped engine untouched: its streams are driven by step(), which the
    /// would_block contract does not cover.
    [[nodiscard]] DcpIface* dcp() override { return inner_->dcp(); }

    void abandonUnpersisted() override { inner_->abandonUnpersisted(); }

    void disconnect(CookieIface& cookie) override {
        {
            MutexLock lock(mutex_);
            pending_.erase(&cookie);
        }
        inner_->disconnect(cookie);
    }

private:
    enum class Pending : uint8_t {
        Injected,     ///< WouldBlock returned; notification not delivered yet
        RetryPasses,  ///< notified Success; the next call goes to the wrapped engine
    };

    /// One cookie's injected block (for describeWait).
    struct PendingEntry {
        Pending state = Pending::Injected;
        FaultMode mode = FaultMode::Off;
        /// What the notification carries.
        Status completion = Status::Success;
        /// When the notifier delivers it.
        std::chrono::steady_clock::time_point due;
    };

    /// Blocks the call if the fault mode says so, else makes it on the wrapped engine.
    template <class Call>
    Status forward(CookieIface& cookie, Call&& call) {
        if (const auto blocked = maybeBlock(cookie)) {
            return *blocked;
        }
        return call();
    }

    /// nullopt: let the call through to the wrapped engine. Otherwise the status to return.
    std::optional<Status> maybeBlock(CookieIface& cookie) EXCLUDES(mutex_);
    /// Runs on the notifier thread when a blocked call's notification is due.
    void complete(CookieIface& cookie, Status status) EXCLUDES(mutex_);
    Status control(const EngineCommand& command, const EngineResponseFn& respond) EXCLUDES(mutex_);

    const std::unique_ptr<EngineIface> inner_;
    ServerApi& server_;

    Mutex mutex_;
    FaultConfig config_ GUARDED_BY(mutex_);
    std::mt19937 rng_ GUARDED_BY(mutex_);
    std::unordered_map<const CookieIface*, PendingEntry> pending_ GUARDED_BY(mutex_);
    /// Notifications scheduled and not made yet.
    uint32_t owed_ GUARDED_BY(mutex_) = 0;

    // Last member: its worker runs complete(), which uses the members above.
    DelayedNotifier notifier_;
};

std::optional<Status> FaultInjectingEngine::maybeBlock(CookieIface& cookie) {
    Status completion = Status::Success;
    std::chrono::milliseconds delay{0};
    {
        MutexLock lock(mutex_);
        if (auto it = pending_.find(&cookie); it != pending_.end()) {
            if (it->second.state == Pending::RetryPasses) {
                pending_.erase(it);
                return std::nullopt;
            }
            // Called again before the notification: the caller broke the would_block contract.
            return Status::Failed;
        }
        bool block = false;
        switch (config_.mode) {
        case FaultMode::Off:
        case FaultMode::Release: break;  // never stored: control() turns it into Off
        case FaultMode::NextN:
            if (config_.value > 0) {
                --config_.value;
                block = true;
                completion = config_.status;
            }
            break;
        case FaultMode::Random:
            block = std::uniform_int_distribution<uint32_t>(0, 99)(rng_) < config_.value;
            break;
        case FaultMode::AlwaysAsync:
            block = true;
            delay = std::chrono::milliseconds(config_.value);
            break;
        }
        if (!block) {
            return std::nullopt;
        }
        pending_[&cookie] = PendingEntry{.state = Pending::Injected,
                                         .mode = config_.mode,
                                         .completion = completion,
                                         .due = std::chrono::steady_clock::now() + delay};
        ++owed_;
    }
    notifier_.schedule(delay, [this, &cookie, completion] { complete(cookie, completion); });
    return Status::WouldBlock;
}

void FaultInjectingEngine::complete(CookieIface& cookie, Status status) {
    {
        MutexLock lock(mutex_);
        auto it = pending_.find(&cookie);
        if (it != pending_.end()) {
            if (status == Status::Success) {
                it->second.state = Pending::RetryPasses;
            } else {
                pending_.erase(it);
            }
        }
        // No entry: the connection closed meanwhile; the notification is still owed.
        --owed_;
    }
    server_.notifyIoComplete(cookie, status);
}

std::string FaultInjectingEngine::describeWait(const CookieIface& cookie) {
    {
        MutexLock lock(mutex_);
        const auto it = pending_.find(&cookie);
        if (it != pending_.end()) {
            const PendingEntry& entry = it->second;
            if (entry.state == Pending::RetryPasses) {
                return fmt::format(
                    "the front end to run the retry of an injected would_block (fault "
                    "injection, {}), notified {}",
                    faultModeName(entry.mode), toString(entry.completion));
            }
            const auto due = std::chrono::duration_cast<std::chrono::milliseconds>(
                entry.due - std::chrono::steady_clock::now());
            return fmt::format(
                "an injected would_block (fault injection, {}): notifies {} in {} ms",
                faultModeName(entry.mode), toString(entry.completion), due.count());
        }
    }
    return inner_->describeWait(cookie);
}

Status FaultInjectingEngine::control(const EngineCommand& command,
                                     const EngineResponseFn& respond) {
    if (command.extras.size() != kControlExtrasSize) {
        return Status::InvalidArguments;
    }
    const uint32_t mode = readBigEndian32(command.extras, 0);
    const uint32_t value = readBigEndian32(command.extras, 4);
    const uint32_t status = readBigEndian32(command.extras, 8);
    if (mode > static_cast<uint32_t>(FaultMode::Release) || !isCompletionStatus(status)) {
        return Status::InvalidArguments;
    }
    uint32_t owed = 0;
    {
        MutexLock lock(mutex_);
        config_ =
            mode == static_cast<uint32_t>(FaultMode::Release)
                ? FaultConfig{FaultMode::Off, 0, Status::Success}
                : FaultConfig{static_cast<FaultMode>(mode), value, static_cast<Status>(status)};
        owed = owed_;
    }
    if (mode == static_cast<uint32_t>(FaultMode::Release)) {
        notifier_.expedite();
    }
    std::string reply;
    for (int shift = 24; shift >= 0; shift -= 8) {
        reply.push_back(static_cast<char>((owed >> shift) & 0xff));
    }
    respond(Status::Success, reply);
    return Status::Success;
}

}  // namespace

std::unique_ptr<EngineIface> createFaultInjectingEngine(std::unique_ptr<EngineIface> inner,
                                                        ServerApi& server, FaultConfig initial) {
    return std::make_unique<FaultInjectingEngine>(std::move(inner), server, initial);
}

std::string_view faultModeName(FaultMode mode) {
    switch (mode) {
    case FaultMode::Off: return "off";
    case FaultMode::NextN: return "next_n";
    case FaultMode::Random: return "random";
    case FaultMode::AlwaysAsync: return "always_async";
    case FaultMode::Release: return "release";
    }
    return "unknown";
}

std::optional<FaultMode> parseFaultMode(std::string_view name) {
    if (name == "off") {
        return FaultMode::Off;
    }
    if (name == "next_n") {
        return FaultMode::NextN;
    }
    if (name == "random") {
        return FaultMode::Random;
    }
    if (name == "always_async") {
        return FaultMode::AlwaysAsync;
    }
    return std::nullopt;  // "release" is a control action, not a mode to start in
}

}  // namespace eddy::test_engines
