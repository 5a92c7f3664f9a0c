#include "net/event_loop_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

using eddy::net::EventLoopThread;

TEST(EventLoopThreadTest, PostedJobsRunOnTheLoopThreadInOrder) {
    EventLoopThread loop("test-loop");
    loop.start();
    std::vector<int> order;  // only the loop thread writes it
    std::promise<bool> done;
    for (int i = 0; i < 100; ++i) {
        loop.post([&, i] {
            EXPECT_TRUE(loop.isLoopThread());
            order.push_back(i);
            if (i == 99) {
                done.set_value(true);
            }
        });
    }
    ASSERT_TRUE(done.get_future().get());
    loop.stop();
    loop.join();
    ASSERT_EQ(100u, order.size());
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(i, order[static_cast<size_t>(i)]);
    }
}

TEST(EventLoopThreadTest, ManyPostersLoseNothing) {
    EventLoopThread loop("test-loop");
    loop.start();
    std::atomic<int> ran{0};
    std::vector<std::thread> posters;
    for (int t = 0; t < 4; ++t) {
        posters.emplace_back([&] {
            for (int i = 0; i < 5000; ++i) {
                loop.post([&] { ran.fetch_add(1, std::memory_order_relaxed); });
            }
        });
    }
    for (auto& poster : posters) {
        poster.join();
    }
    std::promise<void> flushed;
    loop.post([&] { flushed.set_value(); });
    flushed.get_future().wait();
    EXPECT_EQ(20000, ran.load());
}
