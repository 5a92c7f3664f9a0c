#include "common/owner_thread.h"

#include <gtest/gtest.h>

#include <thread>

using eddy::OwnerThread;

TEST(OwnerThreadTest, OwnerPasses) {
    OwnerThread owner;
    EXPECT_TRUE(owner.isOwner());
    owner.check("OwnerThreadTest");
}

TEST(OwnerThreadTest, OtherThreadIsNotOwner) {
    OwnerThread owner;
    bool other = true;
    std::thread([&] { other = owner.isOwner(); }).join();
    EXPECT_FALSE(other);
}

TEST(OwnerThreadDeathTest, OtherThreadAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    OwnerThread owner;
    EXPECT_DEATH(std::thread([&] { owner.check("Widget::mutate"); }).join(),
                 "owner-thread violation in Widget::mutate");
}
