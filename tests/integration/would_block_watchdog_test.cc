// The blocked-command watchdog end to end: the fault-injecting engine holds a command's
// notification back (EWOULDBLOCK_CTL, always_async with a delay) past a 1 s
// blocked_command_log_threshold, and eddyd logs the command once, naming what it waits for, and
// counts it in the default STAT group's cookies_blocked_too_long.

#include "client/connection.h"
#include "eddy/status.h"
#include "protocol/encode.h"
#include "protocol/opcode.h"
#include "protocol/status.h"
#include "support/eddyd_process.h"
#include "support/mcbp_client.h"
#include "test_engines/fault_injecting_engine.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

namespace eddy::test {
namespace {

using namespace std::chrono_literals;
using client::Connection;
using client::Request;
using mcbp::ClientOpcode;
using mcbp::ResponseStatus;
using test_engines::FaultMode;

/// Every client call waits at most this long.
constexpr auto kTimeout = 15s;
/// The log line of a reported command contains this.
constexpr std::string_view kReported = "blocked for";

Request faultControl(FaultMode mode, uint32_t value) {
    std::string extras;
    mcbp::appendUint32(extras, static_cast<uint32_t>(mode));
    mcbp::appendUint32(extras, value);
    mcbp::appendUint32(extras, static_cast<uint32_t>(Status::Success));
    return {.opcode = ClientOpcode::EwouldblockCtl, .extras = extras};
}

size_t occurrences(std::string_view text, std::string_view what) {
    size_t count = 0;
    for (size_t at = text.find(what); at != std::string_view::npos;
         at = text.find(what, at + what.size())) {
        ++count;
    }
    return count;
}

class WouldBlockWatchdogTest : public ::testing::Test {
protected:
    /// Starts eddyd with the fault engine off and the watchdog's limit at `threshold` seconds.
    void start(int threshold) {
        const std::string config =
            R"({"fault_injection": {"mode": "off", "value": 0}, "blocked_command_log_threshold": )" +
            std::to_string(threshold) + "}";
        server_ = std::make_unique<EddydProcess>(EddydProcess::Options{.config_json = config});
        client_ = std::make_unique<Connection>("127.0.0.1", server_->port(), kTimeout);
        client_->authenticate(std::string(McbpClient::kUser), std::string(McbpClient::kPassword));
        client_->selectBucket("default");
    }

    void TearDown() override {
        client_.reset();
        if (server_) {
            EXPECT_EQ(0, server_->stop()) << server_->log();
        }
    }

    void setFault(FaultMode mode, uint32_t value) {
        ASSERT_EQ(ResponseStatus::Success,
                  client_->execute(faultControl(mode, value), kTimeout).status());
    }

    /// The default group's cookies_blocked_too_long (the fault engine must be off: STAT goes
    /// through the engine too).
    std::string blockedTooLong() {
        for (const auto& [key, value] : client_->stats({}, kTimeout)) {
            if (key == "cookies_blocked_too_long") {
                return value;
            }
        }
        return "<absent>";
    }

    /// Waits (bounded) until the server's log has `count` reports; returns the log.
    std::string waitForReports(size_t count) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        std::string log = server_->log();
        while (occurrences(log, kReported) < count && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(50ms);
            log = server_->log();
        }
        return log;
    }

    std::unique_ptr<EddydProcess> server_;
    std::unique_ptr<Connection> client_;
};

TEST_F(WouldBlockWatchdogTest, ACommandBlockedPastTheLimitIsLoggedAndCountedOnce) {
    start(1);
    EXPECT_EQ("0", blockedTooLong());
    // Blocked for 3 s: at least two of the front end's once-a-second checks see it past 1 s,
    // and it must still be reported once.
    setFault(FaultMode::AlwaysAsync, 3000);
    const auto response = client_->execute(
        {.opcode = ClientOpcode::Get, .key = "absent", .opaque = 0x5eed}, kTimeout);
    EXPECT_EQ(ResponseStatus::KeyEnoent, response.status()) << "the command itself completes";
    setFault(FaultMode::Off, 0);
    EXPECT_EQ("1", blockedTooLong());

    const std::string log = waitForReports(1);
    ASSERT_EQ(1u, occurrences(log, kReported)) << log;
    const std::string line = log.substr(log.rfind('\n', log.find(kReported)) + 1);
    EXPECT_NE(std::string::npos, line.find(" warning [")) << line;
    EXPECT_NE(std::string::npos, line.find("get (opcode 0x00, opaque 0x5eed)")) << line;
    EXPECT_NE(std::string::npos, line.find("connection ")) << line;
    EXPECT_NE(std::string::npos, line.find("127.0.0.1:")) << line << " (the peer)";
    EXPECT_NE(std::string::npos, line.find("(limit 1 s)")) << line;
    EXPECT_NE(std::string::npos,
              line.find("waiting for: an injected would_block (fault injection, always_async)"))
        << line;
}

TEST_F(WouldBlockWatchdogTest, EveryLongBlockIsCountedAndShortOnesAreNot) {
    start(1);
    setFault(FaultMode::AlwaysAsync, 100);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(
            ResponseStatus::KeyEnoent,
            client_->execute({.opcode = ClientOpcode::Get, .key = "short"}, kTimeout).status());
    }
    setFault(FaultMode::AlwaysAsync, 2500);
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(
            ResponseStatus::KeyEnoent,
            client_->execute({.opcode = ClientOpcode::Get, .key = "long"}, kTimeout).status());
    }
    setFault(FaultMode::Off, 0);
    EXPECT_EQ("2", blockedTooLong());
    const std::string log = waitForReports(2);
    EXPECT_EQ(2u, occurrences(log, kReported)) << log;
}

TEST_F(WouldBlockWatchdogTest, ACommandWhoseClientLeftIsStillReported) {
    start(1);
    setFault(FaultMode::AlwaysAsync, 2500);
    {
        Connection leaving("127.0.0.1", server_->port(), kTimeout);
        leaving.authenticate(std::string(McbpClient::kUser), std::string(McbpClient::kPassword));
        leaving.selectBucket("default");
        leaving.send({.opcode = ClientOpcode::Get, .key = "k"});
        std::this_thread::sleep_for(200ms);  // let the GET reach the engine and block
    }
    const std::string log = waitForReports(1);
    ASSERT_EQ(1u, occurrences(log, kReported)) << log;
    EXPECT_NE(std::string::npos, log.find("closed by the client")) << log;
    setFault(FaultMode::Off, 0);
    EXPECT_EQ("1", blockedTooLong());
}

TEST_F(WouldBlockWatchdogTest, ZeroTurnsTheWatchdogOff) {
    start(0);
    setFault(FaultMode::AlwaysAsync, 2500);
    EXPECT_EQ(ResponseStatus::KeyEnoent,
              client_->execute({.opcode = ClientOpcode::Get, .key = "k"}, kTimeout).status());
    setFault(FaultMode::Off, 0);
    EXPECT_EQ("0", blockedTooLong());
    EXPECT_EQ(0u, occurrences(server_->log(), kReported)) << server_->log();
}

}  // namespace
}  // namespace eddy::test
