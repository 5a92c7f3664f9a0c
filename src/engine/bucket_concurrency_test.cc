// The bucket under concurrent use: front-end threads writing, reading and deleting while the
// real ExecutorPool runs the item pager, the checkpoint remover, the expiry pager, the
// tombstone purger and the resizer. Run under TSan in CI; the assertions check the memory
// accounting stays consistent and bounded.
#include "engine/ep_bucket.h"
#include "executor/executor_pool.h"
#include "support/engine_driver.h"
#include "support/mock_cookie.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace eddy::engine {
namespace {

constexpr uint64_t kQuota = 4 << 20;

uint64_t statOf(EngineIface& bucket, test::MockCookie& cookie, const std::string& name) {
    uint64_t value = 0;
    EXPECT_EQ(Status::Success,
              bucket.getStats(cookie, "", "", [&](std::string_view key, std::string_view v) {
                  if (key == name) {
                      value = std::stoull(std::string(v));
                  }
              }));
    return value;
}

class BucketConcurrencyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BucketConcurrencyTest, WritersAndBackgroundTasksKeepTheAccountingConsistent) {
    executor::ExecutorPool pool;
    test::MockServerApi server;
    EpBucketConfig config;
    config.parameters = EpBucketConfig::parse(
        GetParam() + ";max_vbuckets=16;max_size=" + std::to_string(kQuota) +
        ";pager_sleep_time_ms=10;chk_remover_stime=1;chk_max_items=50;exp_pager_stime=1;"
        "ephemeral_metadata_purge_age=0;ephemeral_metadata_purge_interval=1");
    config.executor = &pool;
    config.resizer_interval = std::chrono::seconds(1);
    auto bucket = createEpBucket(server, config);

    constexpr int kThreads = 2;
    constexpr int kOpsPerThread = 20'000;
    std::atomic<uint64_t> refused{0};
    std::atomic<uint64_t> peak{0};
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            test::MockCookie cookie;
            const std::string value(500, static_cast<char>('a' + t));
            for (int i = 0; i < kOpsPerThread; ++i) {
                const std::string key = "t" + std::to_string(t) + "-" + std::to_string(i % 5000);
                const Vbid vbucket(static_cast<uint16_t>(i % 16));
                MutationResult result;
                if (i % 7 == 3) {
                    const Status removed = bucket->remove(cookie, DocKey(key), vbucket, 0, result);
                    ASSERT_TRUE(removed == Status::Success || removed == Status::KeyNotFound ||
                                removed == Status::TemporaryFailure);
                    continue;
                }
                StoreRequest request;
                request.key = DocKey(key);
                request.vbucket = vbucket;
                request.value = value;
                request.exptime = i % 11 == 0 ? 1 : 0;
                const Status status = bucket->store(cookie, request, result);
                if (status == Status::TemporaryFailure || status == Status::NoMemory) {
                    refused.fetch_add(1, std::memory_order_relaxed);
                } else {
                    ASSERT_EQ(Status::Success, status);
                }
                ItemPtr item;
                const Status read = bucket->get(cookie, DocKey(key), vbucket, item);
                ASSERT_TRUE(read == Status::Success || read == Status::KeyNotFound);
                if (read == Status::Success) {
                    ASSERT_EQ(value, item->value());
                }
                if (i % 1000 == 0) {
                    const uint64_t used = statOf(*bucket, cookie, "mem_used");
                    uint64_t seen = peak.load();
                    while (used > seen && !peak.compare_exchange_weak(seen, used)) {
                    }
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    test::MockCookie cookie;
    // Writes are admitted below the threshold and deletions below the quota, so memory
    // overshoots the quota by at most one operation per thread.
    EXPECT_LE(peak.load(), kQuota + kThreads * 4096);
    if (GetParam() == "bucket_type=ephemeral") {
        // Left alone, the pager brings an auto_delete bucket below the high watermark.
        const uint64_t high = statOf(*bucket, cookie, "ep_mem_high_wat");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (statOf(*bucket, cookie, "mem_used") > high &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        EXPECT_LE(statOf(*bucket, cookie, "mem_used"), high);
    }
    // Every item counted is reachable by one key: counts never go negative or drift.
    EXPECT_LE(statOf(*bucket, cookie, "curr_items"), uint64_t{kThreads} * 5000);
    bucket.reset();
    pool.shutdown();
}

INSTANTIATE_TEST_SUITE_P(BucketTypes, BucketConcurrencyTest,
                         ::testing::Values("bucket_type=persistent;checkpoint_memory_ratio=1.0",
                                           "bucket_type=ephemeral",
                                           "bucket_type=ephemeral;ephemeral_full_policy="
                                           "fail_new_data"),
                         [](const auto& test) {
                             const std::string& text = test.param;
                             return text.find("fail_new_data") != std::string::npos ? "FailNewData"
                                    : text.find("ephemeral") != std::string::npos   ? "AutoDelete"
                                                                                    : "Persistent";
                         });

}  // namespace
}  // namespace eddy::engine
