// eddy — AuditLog: one JSON object per line, with the fields every event has.
#include "security/audit_log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

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
