// eddy — AuditLog: one JSON object per line, with the fields every event has.
#include "security/audit_log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace eddy::security {
namespace {

TEST(AuditLogTest, WritesOneJsonObjectPerLine) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("eddy-audit-" + std::to_string(::getpid()) + ".log");
    std::filesystem::remove(path);
    {
        AuditLog log(path.string());
        std::vector<std::thread> threads;
        threads.reserve(4);
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&log, t] {
                for (int i = 0; i < 50; ++i) {
                    log.record("authentication_failed", "user" + std::to_string(t), "127.0.0.1:1",
                               {{"mechanism", "PLAIN"}, {"reason", "wrong password"}});
                }
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
        EXPECT_EQ(200U, log.recorded());
        EXPECT_EQ(0U, log.writeFailures());
    }
    std::ifstream in(path);
    std::string line;
    size_t lines = 0;
    while (std::getline(in, line)) {
        const auto event = nlohmann::json::parse(line);
        EXPECT_EQ("authentication_failed", event["event"]);
        EXPECT_EQ("PLAIN", event["mechanism"]);
        EXPECT_TRUE(event["timestamp"].is_string());
        EXPECT_EQ("127.0.0.1:1", event["remote"]);
        ++lines;
    }
    EXPECT_EQ(200U, lines);
    EXPECT_EQ(std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
              std::filesystem::status(path).permissions());
    std::filesystem::remove(path);
}

TEST(AuditLogTest, FlushMakesEveryRecordedEventVisible) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("eddy-audit-flush-" + std::to_string(::getpid()) + ".log");
    std::filesystem::remove(path);
    AuditLog log(path.string());
    for (int i = 0; i < 10; ++i) {
        log.record("privilege_denied", "bob", "127.0.0.1:2", {{"n", i}});
        log.flush();
        std::ifstream in(path);
        std::string line;
        int lines = 0;
        while (std::getline(in, line)) {
            ++lines;
        }
        EXPECT_EQ(i + 1, lines);
    }
    std::filesystem::remove(path);
}

/// A disk that cannot keep up (a pipe nobody reads) fills the queue: later events are dropped
/// and counted, the caller never waits, and what was queued is written once the disk moves.
TEST(AuditLogTest, SlowDiskDropsInsteadOfBlockingOrGrowing) {
    int ends[2];
    ASSERT_EQ(0, ::pipe(ends));
    auto log = std::make_unique<AuditLog>("/proc/self/fd/" + std::to_string(ends[1]));
    const std::string padding(200, 'p');
    uint64_t sent = 0;
    const auto started = std::chrono::steady_clock::now();
    while (log->dropped() == 0 && sent < 100000) {
        log->record("privilege_denied", "bob", "127.0.0.1:3", {{"padding", padding}});
        ++sent;
    }
    EXPECT_GT(log->dropped(), 0U);
    // Recording never waited for the stuck writer (generous bound against a loaded machine).
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));

    size_t newlines = 0;
    std::thread reader([&] {
        char buffer[65536];
        ssize_t got = 0;
        while ((got = ::read(ends[0], buffer, sizeof(buffer))) > 0) {
            newlines += static_cast<size_t>(std::count(buffer, buffer + got, '\n'));
        }
    });
    log->flush();
    ::close(ends[1]);
    const uint64_t dropped = log->dropped();
    const uint64_t recorded = log->recorded();
    log.reset();  // its own descriptor of the pipe closes with it: the reader sees the end
    reader.join();
    ::close(ends[0]);
    EXPECT_EQ(sent, recorded);
    EXPECT_EQ(recorded - dropped, newlines);
}

TEST(AuditLogTest, EmptyPathOnlyCounts) {
    AuditLog log("");
    log.record("bucket_created", "admin", "", {});
    EXPECT_EQ(1U, log.recorded());
}

TEST(AuditLogTest, UnopenableFileIsAnError) {
    EXPECT_THROW(AuditLog log("/nonexistent-dir/audit.log"), std::runtime_error);
}

}  // namespace
}  // namespace eddy::security
