// eddy tests — the in-process engine harness (ARCHITECTURE.md §5, layer 2).
//
// Owns: MockServerApi, the ServerApi an engine under test calls back into, and EngineDriver,
// which makes EngineIface calls the way the front end does. When a call returns WouldBlock the
// driver waits (bounded by a timeout; running out is a test failure) for the engine's
// notifyIoComplete on that cookie; Success means "make the same call again", any other status
// is the command's result. When a command finishes, whatever the engine parked in the cookie is
// destroyed, as the daemon does on command completion.
//
// Invariants checked as the driver runs (each violation is a gtest failure, not a crash):
//   - AddStatFn and EngineResponseFn are only invoked on the thread driving the command (they
//     stand for writes to the connection's output: MB-48816);
//   - a notification arrives at most once per WouldBlock (counted by MockCookie).
//
// Thread contract: MockServerApi::notifyIoComplete may be called from any thread. An
// EngineDriver may be shared by several threads provided each drives its own MockCookie; its
// counters are atomics. A MockCookie is driven by one thread at a time (its owner).
#pragma once

#include "common/mutex.h"
#include "eddy/engine_iface.h"
#include "support/mock_cookie.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::test {

/// Delivers notifyIoComplete to the MockCookie it names and counts deliveries.
class MockServerApi final : public ServerApi {
public:
    MockServerApi() = default;
    MockServerApi(const MockServerApi&) = delete;
    MockServerApi& operator=(const MockServerApi&) = delete;
    ~MockServerApi() = default;

    /// Any thread. The cookie must be a MockCookie (anything else is a test failure).
    void notifyIoComplete(CookieIface& cookie, Status status) override;

    /// Any thread: counts a DCP step request for the cookie's connection.
    void scheduleDcpStep(CookieIface& cookie) override;

    /// DCP step requests made for connection `connection_id` so far.
    [[nodiscard]] uint64_t dcpStepsScheduled(uint64_t connection_id) const EXCLUDES(mutex_);

    /// Notifications delivered through this server, over all cookies.
    [[nodiscard]] uint64_t notificationCount() const {
        return notifications_.load(std::memory_order_acquire);
    }

private:
    std::atomic<uint64_t> notifications_{0};
    mutable Mutex mutex_;
    std::map<uint64_t, uint64_t> dcp_steps_ GUARDED_BY(mutex_);
};

/// What an engine passed to an EngineResponseFn.
struct EngineResponse {
    Status status = Status::Success;
    std::string value;
};

using StatMap = std::map<std::string, std::string, std::less<>>;

class EngineDriver {
public:
    static constexpr std::chrono::milliseconds kDefaultTimeout{10'000};

    /// `engine` must outlive the driver.
    explicit EngineDriver(EngineIface& engine, std::chrono::milliseconds timeout = kDefaultTimeout)
        : engine_(engine), timeout_(timeout) {}

    Status get(MockCookie& cookie, std::string_view key, ItemPtr& out, Vbid vbucket = Vbid(0));
    Status getAndTouch(MockCookie& cookie, std::string_view key, uint32_t exptime, ItemPtr& out,
                       Vbid vbucket = Vbid(0));
    Status store(MockCookie& cookie, const StoreRequest& request, MutationResult& result);
    Status remove(MockCookie& cookie, std::string_view key, Cas cas, MutationResult& result,
                  Vbid vbucket = Vbid(0));
    Status arithmetic(MockCookie& cookie, const ArithmeticRequest& request, uint64_t& value,
                      MutationResult& result);
    Status flush(MockCookie& cookie);
    /// Collects every STAT pair into `out` (a repeated key keeps its last value).
    Status getStats(MockCookie& cookie, std::string_view group, StatMap& out,
                    std::string_view value = {});
    /// `response` receives the engine's EngineResponseFn call, if it made one (the last one).
    Status unknownCommand(MockCookie& cookie, const EngineCommand& command,
                          std::optional<EngineResponse>& response);
    /// The connection of `cookie` closes. Not retried: disconnect cannot block.
    void disconnect(MockCookie& cookie);

    /// Engine calls made so far (first attempts and retries).
    [[nodiscard]] uint64_t engineCalls() const { return calls_.load(std::memory_order_relaxed); }
    /// WouldBlock results seen so far.
    [[nodiscard]] uint64_t wouldBlocks() const {
        return would_blocks_.load(std::memory_order_relaxed);
    }

private:
    /// Calls `call` until it returns something other than WouldBlock or a notification carries
    /// an error; then clears the cookie's engine storage.
    Status drive(MockCookie& cookie, const std::function<Status()>& call);

    EngineIface& engine_;
    const std::chrono::milliseconds timeout_;
    std::atomic<uint64_t> calls_{0};
    std::atomic<uint64_t> would_blocks_{0};
};

}  // namespace eddy::test
