#include "test_engines/fault_injecting_engine.h"

#include "engine/ep_bucket.h"
#include "support/engine_driver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace eddy::test_engines {
namespace {

using namespace std::chrono_literals;
using test::EngineDriver;
using test::EngineResponse;
using test::MockCookie;
using test::MockServerApi;
using test::StatMap;

constexpr uint8_t kControlOpcode = 0xfd;

/// Forwards to a bucket and counts what reaches it.
class CountingEngine final : public EngineIface {
public:
    explicit CountingEngine(std::unique_ptr<EngineIface> inner) : inner_(std::move(inner)) {}

    Status get(CookieIface& cookie, DocKey key, Vbid vbucket, ItemPtr& out) override {
        ++calls;
        return inner_->get(cookie, key, vbucket, out);
    }
    Status getAndTouch(CookieIface& cookie, DocKey key, Vbid vbucket, uint32_t exptime,
                       ItemPtr& out) override {
        ++calls;
        return inner_->getAndTouch(cookie, key, vbucket, exptime, out);
    }
    Status store(CookieIface& cookie, const StoreRequest& request,
                 MutationResult& result) override {
        ++calls;
        return inner_->store(cookie, request, result);
    }
    Status remove(CookieIface& cookie, DocKey key, Vbid vbucket, Cas cas,
                  MutationResult& result) override {
        ++calls;
        return inner_->remove(cookie, key, vbucket, cas, result);
    }
    Status arithmetic(CookieIface& cookie, const ArithmeticRequest& request, uint64_t& value,
                      MutationResult& result) override {
        ++calls;
        return inner_->arithmetic(cookie, request, value, result);
    }
    Status flush(CookieIface& cookie) override {
        ++calls;
        return inner_->flush(cookie);
    }
    Status getLocked(CookieIface& cookie, DocKey key, Vbid vbucket, uint32_t lock_seconds,
                     ItemPtr& out) override {
        ++calls;
        return inner_->getLocked(cookie, key, vbucket, lock_seconds, out);
    }
    Status unlock(CookieIface& cookie, DocKey key, Vbid vbucket, Cas cas) override {
        ++calls;
        return inner_->unlock(cookie, key, vbucket, cas);
    }
    Status getMeta(CookieIface& cookie, DocKey key, Vbid vbucket, ItemMeta& out) override {
        ++calls;
        return inner_->getMeta(cookie, key, vbucket, out);
    }
    Status getReplica(CookieIface& cookie, DocKey key, Vbid vbucket, ItemPtr& out) override {
        ++calls;
        return inner_->getReplica(cookie, key, vbucket, out);
    }
    Status setVBucketState(CookieIface& cookie, Vbid vbucket, uint32_t state) override {
        ++calls;
        return inner_->setVBucketState(cookie, vbucket, state);
    }
    Status getVBucketState(CookieIface& cookie, Vbid vbucket, uint32_t& state) override {
        ++calls;
        return inner_->getVBucketState(cookie, vbucket, state);
    }
    Status deleteVBucket(CookieIface& cookie, Vbid vbucket) override {
        ++calls;
        return inner_->deleteVBucket(cookie, vbucket);
    }
    Status getAllVbSeqnos(CookieIface& cookie, uint32_t state,
                          std::vector<VBucketSeqno>& out) override {
        ++calls;
        return inner_->getAllVbSeqnos(cookie, state, out);
    }
    using EngineIface::getStats;
    Status getStats(CookieIface& cookie, const StatGroupInfo& group, const StatArgs& args,
                    const AddStatFn& add_stat) override {
        ++calls;
        return inner_->getStats(cookie, group, args, add_stat);
    }
    Status setParameter(CookieIface& cookie, uint32_t category, std::string_view key,
                        std::string_view value, std::string& message) override {
        ++calls;
        return inner_->setParameter(cookie, category, key, value, message);
    }
    [[nodiscard]] bool isReady() const override { return inner_->isReady(); }
    Status seqnoPersistence(CookieIface& cookie, Vbid vbucket, uint64_t seqno) override {
        ++calls;
        return inner_->seqnoPersistence(cookie, vbucket, seqno);
    }
    Status observeSeqno(CookieIface& cookie, Vbid vbucket, uint64_t uuid,
                        ObserveSeqnoResult& out) override {
        ++calls;
        return inner_->observeSeqno(cookie, vbucket, uuid, out);
    }
    Status compactDatabase(CookieIface& cookie, const CompactRequest& request) override {
        ++calls;
        return inner_->compactDatabase(cookie, request);
    }
    Status unknownCommand(CookieIface& cookie, const EngineCommand& command,
                          const EngineResponseFn& respond) override {
        ++calls;
        return inner_->unknownCommand(cookie, command, respond);
    }
    void disconnect(CookieIface& cookie) override {
        ++disconnects;
        inner_->disconnect(cookie);
    }
    std::string describeWait(const CookieIface& cookie) override {
        return "the wrapped engine's wait" + inner_->describeWait(cookie);
    }

    std::atomic<int> calls{0};
    std::atomic<int> disconnects{0};

private:
    std::unique_ptr<EngineIface> inner_;
};

std::string controlExtras(uint32_t mode, uint32_t value, uint32_t status) {
    std::string extras;
    for (uint32_t word : {mode, value, status}) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            extras.push_back(static_cast<char>((word >> shift) & 0xff));
        }
    }
    return extras;
}

StoreRequest makeStore(std::string_view key, std::string_view value) {
    StoreRequest request;
    request.key = DocKey(key);
    request.value = value;
    return request;
}

class FaultInjectingEngineTest : public ::testing::Test {
protected:
    void build(FaultConfig config) {
        auto counting = std::make_unique<CountingEngine>(engine::createEpBucket(
            server_,
            engine::EpBucketConfig{.parameters = engine::EpBucketConfig::parse("max_vbuckets=4")}));
        inner_ = counting.get();
        engine_ = createFaultInjectingEngine(std::move(counting), server_, config);
        driver_ = std::make_unique<EngineDriver>(*engine_);
    }

    /// Reads `key` from the wrapped engine directly, bypassing injection.
    std::string innerValue(std::string_view key) {
        MockCookie cookie;
        ItemPtr item;
        const int before = inner_->calls.load();
        const Status status = inner_->get(cookie, DocKey(key), Vbid(0), item);
        inner_->calls = before;  // not a call through the decorator
        return status == Status::Success ? std::string(item->value()) : "<absent>";
    }

    Status control(MockCookie& cookie, const std::string& extras,
                   std::optional<EngineResponse>& response) {
        EngineCommand command;
        command.opcode = kControlOpcode;
        command.extras = extras;
        return driver_->unknownCommand(cookie, command, response);
    }

    Status configure(FaultMode mode, uint32_t value, Status status = Status::Success) {
        MockCookie cookie;
        std::optional<EngineResponse> response;
        return control(
            cookie,
            controlExtras(static_cast<uint32_t>(mode), value, static_cast<uint32_t>(status)),
            response);
    }

    MockServerApi server_;
    MockCookie cookie_;  // declared before engine_: outlives its notifications
    CountingEngine* inner_ = nullptr;
    std::unique_ptr<EngineIface> engine_;
    std::unique_ptr<EngineDriver> driver_;
};

// ---- Off ---------------------------------------------------------------------------------------

TEST_F(FaultInjectingEngineTest, OffPassesEveryCallThrough) {
    build({FaultMode::Off, 0, Status::Success});
    ItemPtr item;
    EXPECT_EQ(Status::KeyNotFound, driver_->get(cookie_, "k", item));
    MutationResult result;
    EXPECT_EQ(Status::Success, driver_->store(cookie_, makeStore("k", "v"), result));
    ASSERT_EQ(Status::Success, driver_->get(cookie_, "k", item));
    EXPECT_EQ("v", item->value());
    EXPECT_EQ(0u, driver_->wouldBlocks());
    EXPECT_EQ(3, inner_->calls.load());
    EXPECT_EQ(0u, server_.notificationCount());
}

// ---- NextN -------------------------------------------------------------------------------------

TEST_F(FaultInjectingEngineTest, NextNBlocksExactlyNCallsAndCompletesWithTheStatus) {
    build({FaultMode::NextN, 3, Status::TemporaryFailure});
    MutationResult result;
    EXPECT_EQ(Status::TemporaryFailure, driver_->store(cookie_, makeStore("k", "v"), result));
    ItemPtr item;
    EXPECT_EQ(Status::TemporaryFailure, driver_->get(cookie_, "k", item));
    EXPECT_EQ(Status::TemporaryFailure, driver_->flush(cookie_));
    EXPECT_EQ(3u, driver_->wouldBlocks());
    EXPECT_EQ(0, inner_->calls.load()) << "a blocked call must not reach the wrapped engine";
    EXPECT_EQ("<absent>", innerValue("k"));

    // The fourth call passes.
    EXPECT_EQ(Status::Success, driver_->store(cookie_, makeStore("k", "v"), result));
    EXPECT_EQ(3u, driver_->wouldBlocks());
    EXPECT_EQ(1, inner_->calls.load());
    EXPECT_EQ("v", innerValue("k"));
    EXPECT_EQ(3u, cookie_.notificationCount());
}

TEST_F(FaultInjectingEngineTest, NextNWithSuccessRetriesIntoTheWrappedEngine) {
    build({FaultMode::NextN, 2, Status::Success});
    MutationResult result;
    EXPECT_EQ(Status::Success, driver_->store(cookie_, makeStore("k", "v"), result));
    EXPECT_EQ(1u, driver_->wouldBlocks());
    EXPECT_EQ(1, inner_->calls.load());
    EXPECT_EQ("v", innerValue("k"));

    ItemPtr item;
    ASSERT_EQ(Status::Success, driver_->get(cookie_, "k", item));
    EXPECT_EQ("v", item->value());
    EXPECT_EQ(2u, driver_->wouldBlocks());

    // Budget spent: no more blocking.
    ASSERT_EQ(Status::Success, driver_->get(cookie_, "k", item));
    EXPECT_EQ(2u, driver_->wouldBlocks());
    EXPECT_EQ(3, inner_->calls.load());
}

TEST_F(FaultInjectingEngineTest, NextNErrorForgetsTheCookie) {
    build({FaultMode::NextN, 1, Status::KeyExists});
    ItemPtr item;
    ASSERT_EQ(Status::WouldBlock, engine_->get(cookie_, DocKey("k"), Vbid(0), item));
    EXPECT_EQ(Status::KeyExists, cookie_.waitForNotification(5s));

    // Had the entry survived as "retry passes", this call would skip injection.
    ASSERT_EQ(Status::Success, configure(FaultMode::AlwaysAsync, 0));
    EXPECT_EQ(Status::WouldBlock, engine_->get(cookie_, DocKey("k"), Vbid(0), item));
    EXPECT_EQ(Status::Success, cookie_.waitForNotification(5s));
    EXPECT_EQ(Status::KeyNotFound, engine_->get(cookie_, DocKey("k"), Vbid(0), item));
    EXPECT_EQ(1, inner_->calls.load());
}

// ---- AlwaysAsync -------------------------------------------------------------------------------

TEST_F(FaultInjectingEngineTest, AlwaysAsyncBlocksEveryCommandOnce) {
    build({FaultMode::AlwaysAsync, 0, Status::Success});
    MutationResult result;
    ASSERT_EQ(Status::Success, driver_->store(cookie_, makeStore("n", "41"), result));
    EXPECT_EQ("41", innerValue("n"));

    ItemPtr item;
    ASSERT_EQ(Status::Success, driver_->get(cookie_, "n", item));
    EXPECT_EQ("41", item->value());

    ArithmeticRequest incr;
    incr.key = DocKey("n");
    incr.delta = 1;
    uint64_t value = 0;
    ASSERT_EQ(Status::Success, driver_->arithmetic(cookie_, incr, value, result));
    EXPECT_EQ(42u, value);
    EXPECT_EQ("42", innerValue("n"));

    ASSERT_EQ(Status::Success, driver_->getAndTouch(cookie_, "n", 100, item));
    StatMap stats;
    ASSERT_EQ(Status::Success, driver_->getStats(cookie_, "", stats));
    EXPECT_EQ("1", stats["curr_items"]);
    ASSERT_EQ(Status::Success, driver_->remove(cookie_, "n", 0, result));
    EXPECT_EQ("<absent>", innerValue("n"));
    ASSERT_EQ(Status::Success, driver_->store(cookie_, makeStore("m", "x"), result));
    ASSERT_EQ(Status::Success, driver_->flush(cookie_));
    EXPECT_EQ("<absent>", innerValue("m"));

    constexpr int kCommands = 8;  // store get incr gat stats remove store flush
    EXPECT_EQ(static_cast<uint64_t>(kCommands), driver_->wouldBlocks());
    EXPECT_EQ(static_cast<uint64_t>(2 * kCommands), driver_->engineCalls());
    EXPECT_EQ(kCommands, inner_->calls.load());
    EXPECT_EQ(static_cast<uint64_t>(kCommands), cookie_.notificationCount());
}

TEST_F(FaultInjectingEngineTest, AlwaysAsyncRetryReachesTheWrappedEngine) {
    build({FaultMode::AlwaysAsync, 0, Status::Success});
    MutationResult result;
    const StoreRequest request = makeStore("k", "v");
    ASSERT_EQ(Status::WouldBlock, engine_->store(cookie_, request, result));
    EXPECT_EQ(0, inner_->calls.load());
    EXPECT_EQ(Status::Success, cookie_.waitForNotification(5s));
    EXPECT_EQ("<absent>", innerValue("k")) << "nothing happens until the retry";
    ASSERT_EQ(Status::Success, engine_->store(cookie_, request, result));
    EXPECT_NE(0u, result.cas);
    EXPECT_EQ(1, inner_->calls.load());
    EXPECT_EQ("v", innerValue("k"));
}

TEST_F(FaultInjectingEngineTest, AlwaysAsyncWaitsForTheDelay) {
    build({FaultMode::AlwaysAsync, 80, Status::Success});
    ItemPtr item;
    const auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(Status::WouldBlock, engine_->get(cookie_, DocKey("k"), Vbid(0), item));
    EXPECT_FALSE(cookie_.waitForNotification(20ms).has_value());
    EXPECT_EQ(Status::Success, cookie_.waitForNotification(5s));
    EXPECT_GE(std::chrono::steady_clock::now() - start, 80ms);
}

TEST_F(FaultInjectingEngineTest, CallAgainBeforeTheNotificationFails) {
    build({FaultMode::AlwaysAsync, 60'000, Status::Success});
    ItemPtr item;
    ASSERT_EQ(Status::WouldBlock, engine_->get(cookie_, DocKey("k"), Vbid(0), item));
    EXPECT_EQ(Status::Failed, engine_->get(cookie_, DocKey("k"), Vbid(0), item));
    EXPECT_EQ(0, inner_->calls.load());
    engine_.reset();
    EXPECT_EQ(1u, cookie_.notificationCount());
}

// ---- describeWait ------------------------------------------------------------------------------

TEST_F(FaultInjectingEngineTest, DescribeWaitNamesTheInjectedBlock) {
    build({FaultMode::AlwaysAsync, 60'000, Status::Success});
    ItemPtr item;
    ASSERT_EQ(Status::WouldBlock, engine_->get(cookie_, DocKey("k"), Vbid(0), item));
    const std::string wait = engine_->describeWait(cookie_);
    EXPECT_NE(std::string::npos, wait.find("injected would_block")) << wait;
    EXPECT_NE(std::string::npos, wait.find("always_async")) << wait;
    EXPECT_NE(std::string::npos, wait.find("notifies success in")) << wait;
    engine_.reset();
    EXPECT_EQ(1u, cookie_.notificationCount());
}

TEST_F(FaultInjectingEngineTest, DescribeWaitNamesTheStatusNextNCompletesWith) {
    build({FaultMode::Off, 0, Status::Success});
    ASSERT_EQ(Status::Success, configure(FaultMode::NextN, 1, Status::TemporaryFailure));
    ItemPtr item;
    ASSERT_EQ(Status::WouldBlock, engine_->get(cookie_, DocKey("k"), Vbid(0), item));
    // Due at once: read before or after the notification, the status is named either way
    // (once notified with an error the cookie is forgotten and the wrapped engine answers).
    const std::string wait = engine_->describeWait(cookie_);
    EXPECT_TRUE(wait.find("next_n") != std::string::npos ||
                wait.find("the wrapped engine's wait") == 0)
        << wait;
    EXPECT_EQ(Status::TemporaryFailure, cookie_.waitForNotification(5s));
    EXPECT_EQ("the wrapped engine's wait", engine_->describeWait(cookie_));
}

TEST_F(FaultInjectingEngineTest, DescribeWaitAfterASuccessNotificationNamesTheRetry) {
    build({FaultMode::AlwaysAsync, 0, Status::Success});
    ItemPtr item;
    ASSERT_EQ(Status::WouldBlock, engine_->get(cookie_, DocKey("k"), Vbid(0), item));
    ASSERT_EQ(Status::Success, cookie_.waitForNotification(5s));
    const std::string wait = engine_->describeWait(cookie_);
    EXPECT_NE(std::string::npos, wait.find("retry")) << wait;
    EXPECT_EQ(Status::KeyNotFound, engine_->get(cookie_, DocKey("k"), Vbid(0), item));
    EXPECT_EQ("the wrapped engine's wait", engine_->describeWait(cookie_));
}

TEST_F(FaultInjectingEngineTest, DescribeWaitAsksTheWrappedEngineAboutOtherCookies) {
    build({FaultMode::Off, 0, Status::Success});
    EXPECT_EQ("the wrapped engine's wait", engine_->describeWait(cookie_));
}

// ---- Random ------------------------------------------------------------------------------------

TEST_F(FaultInjectingEngineTest, RandomHundredPercentBlocksEveryCommand) {
    build({FaultMode::Random, 100, Status::Success});
    ItemPtr item;
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(Status::KeyNotFound, driver_->get(cookie_, "k", item));
    }
    EXPECT_EQ(20u, driver_->wouldBlocks());
    EXPECT_EQ(20, inner_->calls.load());
}

TEST_F(FaultInjectingEngineTest, RandomZeroPercentNeverBlocks) {
    build({FaultMode::Random, 0, Status::Success});
    ItemPtr item;
    for (int i = 0; i < 200; ++i) {
        EXPECT_EQ(Status::KeyNotFound, driver_->get(cookie_, "k", item));
    }
    EXPECT_EQ(0u, driver_->wouldBlocks());
    EXPECT_EQ(200, inner_->calls.load());
}

TEST_F(FaultInjectingEngineTest, RandomHalfBlocksSomeCommands) {
    build({FaultMode::Random, 50, Status::Success});
    ItemPtr item;
    for (int i = 0; i < 400; ++i) {
        EXPECT_EQ(Status::KeyNotFound, driver_->get(cookie_, "k", item));
    }
    EXPECT_GT(driver_->wouldBlocks(), 100u);
    EXPECT_LT(driver_->wouldBlocks(), 300u);
    EXPECT_EQ(400, inner_->calls.load());
}

// ---- the control opcode and other unknown commands --------------------------------------------

TEST_F(FaultInjectingEngineTest, ControlOpcodeReconfigures) {
    build({FaultMode::Off, 0, Status::Success});
    std::optional<EngineResponse> response;
    const std::string extras = controlExtras(1, 2, static_cast<uint32_t>(Status::NotStored));
    ASSERT_EQ(Status::Success, control(cookie_, extras, response));
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(Status::Success, response->status);
    EXPECT_EQ(std::string(4, '\0'), response->value);  // no notification owed
    EXPECT_EQ(0, inner_->calls.load());

    ItemPtr item;
    EXPECT_EQ(Status::NotStored, driver_->get(cookie_, "k", item));
    EXPECT_EQ(Status::NotStored, driver_->get(cookie_, "k", item));
    EXPECT_EQ(Status::KeyNotFound, driver_->get(cookie_, "k", item));
    EXPECT_EQ(2u, driver_->wouldBlocks());

    ASSERT_EQ(Status::Success, configure(FaultMode::AlwaysAsync, 0));
    EXPECT_EQ(Status::KeyNotFound, driver_->get(cookie_, "k", item));
    EXPECT_EQ(3u, driver_->wouldBlocks());

    ASSERT_EQ(Status::Success, configure(FaultMode::Off, 0));
    EXPECT_EQ(Status::KeyNotFound, driver_->get(cookie_, "k", item));
    EXPECT_EQ(3u, driver_->wouldBlocks());
}

TEST_F(FaultInjectingEngineTest, ControlOpcodeIsNeverBlocked) {
    build({FaultMode::AlwaysAsync, 60'000, Status::Success});
    std::optional<EngineResponse> response;
    EXPECT_EQ(Status::Success, control(cookie_, controlExtras(0, 0, 0), response));
    EXPECT_EQ(0u, driver_->wouldBlocks());
    EXPECT_TRUE(response.has_value());
}

TEST_F(FaultInjectingEngineTest, MalformedControlIsInvalidArguments) {
    build({FaultMode::Off, 0, Status::Success});
    const std::vector<std::string> malformed = {
        "",
        controlExtras(1, 1, 0).substr(0, 11),
        controlExtras(1, 1, 0) + "x",
        controlExtras(5, 1, 0),                                          // no such mode
        controlExtras(1, 1, static_cast<uint32_t>(Status::WouldBlock)),  // cannot complete so
        controlExtras(1, 1, 0x09),                                       // not a Status
        controlExtras(1, 1, 0x100),                                      // out of range
    };
    for (const std::string& extras : malformed) {
        std::optional<EngineResponse> response;
        EXPECT_EQ(Status::InvalidArguments, control(cookie_, extras, response))
            << "extras size " << extras.size();
        EXPECT_FALSE(response.has_value());
    }
    // Still Off.
    ItemPtr item;
    EXPECT_EQ(Status::KeyNotFound, driver_->get(cookie_, "k", item));
    EXPECT_EQ(0u, driver_->wouldBlocks());
}

TEST_F(FaultInjectingEngineTest, ControlReportsOwedNotificationsAndReleaseMakesThemNow) {
    build({FaultMode::AlwaysAsync, 600'000, Status::Success});
    std::vector<std::unique_ptr<MockCookie>> cookies;
    for (int i = 0; i < 3; ++i) {
        cookies.push_back(std::make_unique<MockCookie>());
        ItemPtr item;
        ASSERT_EQ(Status::WouldBlock, engine_->get(*cookies.back(), DocKey("k"), Vbid(0), item));
    }
    MockCookie control_cookie;
    std::optional<EngineResponse> response;
    ASSERT_EQ(Status::Success,
              control(control_cookie, controlExtras(3, 600'000, 0), response));  // unchanged
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(std::string("\0\0\0\3", 4), response->value);
    for (const auto& cookie : cookies) {
        EXPECT_EQ(0u, cookie->notificationCount());
    }

    response.reset();
    ASSERT_EQ(Status::Success,
              control(control_cookie,
                      controlExtras(static_cast<uint32_t>(FaultMode::Release), 0, 0), response));
    for (const auto& cookie : cookies) {
        EXPECT_EQ(Status::Success, cookie->waitForNotification(5s));
        EXPECT_EQ(1u, cookie->notificationCount());
    }
    // Released means Off as well: the retries pass, and nothing new blocks.
    for (const auto& cookie : cookies) {
        ItemPtr item;
        EXPECT_EQ(Status::KeyNotFound, engine_->get(*cookie, DocKey("k"), Vbid(0), item));
    }
    response.reset();
    ASSERT_EQ(Status::Success, control(control_cookie, controlExtras(0, 0, 0), response));
    EXPECT_EQ(std::string(4, '\0'), response->value);
}

TEST_F(FaultInjectingEngineTest, OtherUnknownCommandsAreBlockedThenForwarded) {
    build({FaultMode::AlwaysAsync, 0, Status::Success});
    EngineCommand command;
    command.opcode = 0x99;
    std::optional<EngineResponse> response;
    EXPECT_EQ(Status::NotSupported, driver_->unknownCommand(cookie_, command, response));
    EXPECT_EQ(1u, driver_->wouldBlocks());
    EXPECT_EQ(1, inner_->calls.load());
}

// ---- disconnect and destruction ----------------------------------------------------------------

TEST_F(FaultInjectingEngineTest, DisconnectWhilePendingStillNotifiesExactlyOnce) {
    build({FaultMode::AlwaysAsync, 100, Status::Success});
    ItemPtr item;
    ASSERT_EQ(Status::WouldBlock, engine_->get(cookie_, DocKey("k"), Vbid(0), item));
    engine_->disconnect(cookie_);
    EXPECT_EQ(1, inner_->disconnects.load());

    EXPECT_EQ(Status::Success, cookie_.waitForNotification(5s));
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(1u, cookie_.notificationCount());
    EXPECT_EQ(1u, server_.notificationCount());

    // The entry was dropped at disconnect, so the next call is injected afresh instead of
    // passing as a retry.
    EXPECT_EQ(Status::WouldBlock, engine_->get(cookie_, DocKey("k"), Vbid(0), item));
    EXPECT_EQ(Status::Success, cookie_.waitForNotification(5s));
    EXPECT_EQ(0, inner_->calls.load());
}

TEST_F(FaultInjectingEngineTest, DestructorDeliversPendingNotifications) {
    build({FaultMode::AlwaysAsync, 600'000, Status::Success});
    std::vector<std::unique_ptr<MockCookie>> cookies;
    for (int i = 0; i < 4; ++i) {
        cookies.push_back(std::make_unique<MockCookie>());
        ItemPtr item;
        ASSERT_EQ(Status::WouldBlock, engine_->get(*cookies.back(), DocKey("k"), Vbid(0), item));
    }
    std::this_thread::sleep_for(20ms);
    for (const auto& cookie : cookies) {
        EXPECT_EQ(0u, cookie->notificationCount());
    }

    const auto start = std::chrono::steady_clock::now();
    driver_.reset();
    engine_.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    for (const auto& cookie : cookies) {
        EXPECT_EQ(1u, cookie->notificationCount());
        EXPECT_EQ(Status::Success, cookie->waitForNotification(0ms));
    }
    EXPECT_EQ(4u, server_.notificationCount());
}

TEST_F(FaultInjectingEngineTest, ManyThreadsThroughTheAsyncPath) {
    build({FaultMode::AlwaysAsync, 0, Status::Success});
    constexpr int kThreads = 4;
    constexpr int kIterations = 200;
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([this] {
            MockCookie cookie;
            ArithmeticRequest incr;
            incr.key = DocKey("counter");
            incr.delta = 1;
            incr.initial = 1;
            for (int i = 0; i < kIterations; ++i) {
                uint64_t value = 0;
                MutationResult result;
                ASSERT_EQ(Status::Success, driver_->arithmetic(cookie, incr, value, result));
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(std::to_string(kThreads * kIterations), innerValue("counter"));
    EXPECT_EQ(static_cast<uint64_t>(kThreads * kIterations), driver_->wouldBlocks());
    EXPECT_EQ(kThreads * kIterations, inner_->calls.load());
}

TEST(ParseFaultModeTest, KnownNames) {
    EXPECT_EQ(FaultMode::Off, parseFaultMode("off"));
    EXPECT_EQ(FaultMode::NextN, parseFaultMode("next_n"));
    EXPECT_EQ(FaultMode::Random, parseFaultMode("random"));
    EXPECT_EQ(FaultMode::AlwaysAsync, parseFaultMode("always_async"));
}

TEST(ParseFaultModeTest, NamesRoundTrip) {
    for (auto mode :
         {FaultMode::Off, FaultMode::NextN, FaultMode::Random, FaultMode::AlwaysAsync}) {
        EXPECT_EQ(mode, parseFaultMode(faultModeName(mode)));
    }
}

TEST(ParseFaultModeTest, UnknownNames) {
    EXPECT_FALSE(parseFaultMode("").has_value());
    EXPECT_FALSE(parseFaultMode("Off").has_value());
    EXPECT_FALSE(parseFaultMode("always-async").has_value());
    EXPECT_FALSE(parseFaultMode("next_n ").has_value());
}

}  // namespace
}  // namespace eddy::test_engines
