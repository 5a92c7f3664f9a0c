#include "common/clock.h"

#include <gtest/gtest.h>

using namespace eddy::clock;

TEST(ClockTest, ZeroNeverExpires) {
    EXPECT_EQ(0u, expiryFromProtocol(0, 1'000'000'000));
    EXPECT_FALSE(isExpired(0, 4'000'000'000u));
}

TEST(ClockTest, UpToThirtyDaysIsRelative) {
    EXPECT_EQ(1'000'000'010u, expiryFromProtocol(10, 1'000'000'000));
    EXPECT_EQ(1'000'000'000u + kMaxRelativeExptime,
              expiryFromProtocol(kMaxRelativeExptime, 1'000'000'000));
}

TEST(ClockTest, LargerIsAbsolute) {
    EXPECT_EQ(1'700'000'000u, expiryFromProtocol(1'700'000'000, 1'600'000'000));
}

TEST(ClockTest, AbsoluteInThePastExpiresAtOnce) {
    const uint32_t now = 1'700'000'000;
    const uint32_t expiry = expiryFromProtocol(kMaxRelativeExptime + 1, now);
    EXPECT_TRUE(isExpired(expiry, now));
}

TEST(ClockTest, UnixNowIsPlausible) {
    EXPECT_GT(unixNow(), 1'600'000'000u);
}
