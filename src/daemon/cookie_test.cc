#include "daemon/cookie.h"

#include "protocol/encode.h"
#include "protocol/frame.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

using eddy::daemon::Cookie;

namespace {

class Parked : public eddy::EngineStorage {
public:
    explicit Parked(int* destroyed) : destroyed_(destroyed) {}
    ~Parked() override { ++*destroyed_; }

private:
    int* destroyed_;
};

eddy::mcbp::Frame parse(const std::string& bytes) {
    auto result = eddy::mcbp::parseFrame(bytes, 1 << 20);
    EXPECT_EQ(eddy::mcbp::ParseStatus::Ok, result.status);
    return result.frame;
}

}  // namespace

TEST(CookieTest, PreserveRequestSurvivesTheInputBuffer) {
    std::string input;
    eddy::mcbp::appendRequest(input, {.opcode = 0x01, .opaque = 0xdeadbeef}, "12345678", "key",
                              "value");
    Cookie cookie(nullptr, 7);
    cookie.initialize(parse(input));
    cookie.preserveRequest();
    input.assign(input.size(), 'x');  // the connection drains and reuses its buffer
    EXPECT_EQ("key", cookie.request().key);
    EXPECT_EQ("value", cookie.request().value);
    EXPECT_EQ("12345678", cookie.request().extras);
    EXPECT_EQ(0xdeadbeefu, cookie.opaque());
    EXPECT_EQ(7u, cookie.connectionId());
}

TEST(CookieTest, ResetFreesEngineStorageAndContext) {
    int destroyed = 0;
    Cookie cookie(nullptr, 1);
    std::string input;
    eddy::mcbp::appendRequest(input, {.opcode = 0x00}, {}, "k", {});
    cookie.initialize(parse(input));
    cookie.setEngineStorage(std::make_unique<Parked>(&destroyed));
    EXPECT_NE(nullptr, cookie.engineStorage());
    cookie.reset();
    EXPECT_EQ(1, destroyed);
    EXPECT_EQ(nullptr, cookie.engineStorage());
    EXPECT_FALSE(cookie.isActive());
}

TEST(CookieTest, TakeEngineStorageEmptiesTheSlot) {
    int destroyed = 0;
    Cookie cookie(nullptr, 1);
    cookie.setEngineStorage(std::make_unique<Parked>(&destroyed));
    auto taken = cookie.takeEngineStorage();
    ASSERT_NE(nullptr, taken);
    EXPECT_EQ(nullptr, cookie.takeEngineStorage());
    taken.reset();
    EXPECT_EQ(1, destroyed);
}

TEST(CookieTest, SwapAiostat) {
    Cookie cookie(nullptr, 1);
    cookie.setAiostat(eddy::Status::TemporaryFailure);
    EXPECT_EQ(eddy::Status::TemporaryFailure, cookie.swapAiostat(eddy::Status::Success));
    EXPECT_EQ(eddy::Status::Success, cookie.swapAiostat(eddy::Status::Success));
}

TEST(CookieTest, ABlockIsTooLongOnceAtTheLimit) {
    using namespace std::chrono_literals;
    const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
    Cookie cookie(nullptr, 1);
    EXPECT_FALSE(cookie.takeBlockedTooLong(t0 + 60s, 30s)) << "not blocked";
    cookie.markBlocked(t0);
    EXPECT_TRUE(cookie.isBlocked());
    EXPECT_EQ(t0, cookie.blockedSince());
    EXPECT_FALSE(cookie.takeBlockedTooLong(t0 + 29s, 30s));
    EXPECT_TRUE(cookie.takeBlockedTooLong(t0 + 30s, 30s));
    EXPECT_FALSE(cookie.takeBlockedTooLong(t0 + 31s, 30s)) << "reported once per block";
    EXPECT_FALSE(cookie.takeBlockedTooLong(t0 + 3600s, 30s));
    cookie.markUnblocked();
    EXPECT_FALSE(cookie.isBlocked());
    EXPECT_FALSE(cookie.takeBlockedTooLong(t0 + 3600s, 30s)) << "not blocked any more";
}

TEST(CookieTest, EveryBlockIsJudgedByItsOwnStart) {
    using namespace std::chrono_literals;
    const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
    Cookie cookie(nullptr, 1);
    cookie.markBlocked(t0);
    EXPECT_TRUE(cookie.takeBlockedTooLong(t0 + 5s, 5s));
    cookie.markUnblocked();
    // The command ran again and blocked again: a new block, reported again once it is long.
    cookie.markBlocked(t0 + 10s);
    EXPECT_FALSE(cookie.takeBlockedTooLong(t0 + 14s, 5s));
    EXPECT_TRUE(cookie.takeBlockedTooLong(t0 + 15s, 5s));
    // reset() ends the command, block included.
    cookie.reset();
    cookie.markBlocked(t0 + 20s);
    EXPECT_TRUE(cookie.takeBlockedTooLong(t0 + 25s, 5s));
}

TEST(CookieTest, AZeroLimitIsNeverReached) {
    using namespace std::chrono_literals;
    const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
    Cookie cookie(nullptr, 1);
    cookie.markBlocked(t0);
    EXPECT_FALSE(cookie.takeBlockedTooLong(t0 + 3600s, 0s));
}

#if defined(EDDY_OWNER_CHECKS)
TEST(CookieDeathTest, MutatorOnAnotherThreadAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    Cookie cookie(nullptr, 1);
    EXPECT_DEATH(std::thread([&] { cookie.markBlocked(std::chrono::steady_clock::now()); }).join(),
                 "owner-thread violation in Cookie::markBlocked");
    EXPECT_DEATH(
        std::thread([&] { cookie.sendResponse(eddy::mcbp::ResponseStatus::Success); }).join(),
        "owner-thread violation in Cookie::sendResponse");
    EXPECT_DEATH(std::thread([&] { cookie.setEngineStorage(nullptr); }).join(),
                 "owner-thread violation in Cookie::setEngineStorage");
}
#endif
