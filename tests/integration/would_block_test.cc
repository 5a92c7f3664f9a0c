// The would-block pipeline end to end, driven by the fault-injecting engine through
// EWOULDBLOCK_CTL (0xfd). Where a test claims that something waits for a notification, it parks
// the command in the engine (a notification far in the future), sees through the control's
// reply that the engine holds it, checks that nothing happened meanwhile, and only then lets
// the notification go (Release) or lets its time come.

#include "eddy/status.h"
#include "server_fixture.h"
#include "test_engines/fault_injecting_engine.h"

#include <chrono>
#include <thread>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;
using test_engines::FaultMode;

Request faultControl(FaultMode mode, uint32_t value, Status status = Status::Success) {
    std::string extras;
    mcbp::appendUint32(extras, static_cast<uint32_t>(mode));
    mcbp::appendUint32(extras, value);
    mcbp::appendUint32(extras, static_cast<uint32_t>(status));
    return {.opcode = ClientOpcode::EwouldblockCtl, .extras = extras};
}

/// EWOULDBLOCK_CTL on `client`; the notifications the engine owed when it took effect.
uint32_t control(McbpClient& client, FaultMode mode, uint32_t value) {
    const auto response = client.execute(faultControl(mode, value));
    EXPECT_EQ(ResponseStatus::Success, response.status());
    if (response.value.size() != 4) {
        ADD_FAILURE() << "EWOULDBLOCK_CTL reply of " << response.value.size() << " bytes";
        return 0;
    }
    return mcbp::readUint32(response.value, 0);
}

/// Sets `mode`/`value` again and again until the engine owes `count` notifications (that many
/// commands are parked in it). False after 30 s.
bool waitUntilParked(McbpClient& client, uint32_t count, FaultMode mode, uint32_t value) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        if (control(client, mode, value) == count) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
}

/// The rest of a STAT reply already asked for: its pairs, up to the empty terminator.
std::map<std::string, std::string> readStatReply(McbpClient& client) {
    std::map<std::string, std::string> all;
    while (auto response = client.receive()) {
        EXPECT_EQ(ResponseStatus::Success, response->status());
        if (response->key.empty()) {
            return all;
        }
        all[response->key] = response->value;
    }
    ADD_FAILURE() << "the STAT reply did not complete";
    return all;
}

std::map<std::string, std::string> stats(McbpClient& client) {
    client.send({.opcode = ClientOpcode::Stat});
    return readStatReply(client);
}

class WouldBlockTest : public ::testing::Test {
protected:
    void SetUp() override {
        server_ = std::make_unique<EddydProcess>(EddydProcess::Options{
            .config_json = R"({"fault_injection": {"mode": "off", "value": 0}})"});
        client_ = std::make_unique<McbpClient>(server_->port());
    }

    void TearDown() override {
        client_.reset();
        EXPECT_EQ(0, server_->stop()) << server_->log();
    }

    std::unique_ptr<EddydProcess> server_;
    std::unique_ptr<McbpClient> client_;
};

TEST_F(WouldBlockTest, ControlOpcodeIsNotSupportedWithoutTheFaultEngine) {
    EddydProcess plain;
    McbpClient client(plain.port());
    EXPECT_EQ(ResponseStatus::NotSupported,
              client.execute(faultControl(FaultMode::AlwaysAsync, 0)).status());
}

TEST_F(WouldBlockTest, NotifiedErrorBecomesTheResponse) {
    ASSERT_EQ(ResponseStatus::Success, client_->set("k", "v").status());
    ASSERT_EQ(
        ResponseStatus::Success,
        client_->execute(faultControl(FaultMode::NextN, 2, Status::TemporaryFailure)).status());
    EXPECT_EQ(ResponseStatus::Etmpfail, client_->get("k").status());
    EXPECT_EQ(ResponseStatus::Etmpfail, client_->set("k", "w").status());
    // The injected failures are used up: the next calls reach the bucket, which kept "v".
    const auto after = client_->get("k");
    EXPECT_EQ(ResponseStatus::Success, after.status());
    EXPECT_EQ("v", after.value);
}

TEST_F(WouldBlockTest, BlockedCommandHoldsBackTheCommandsBehindIt) {
    ASSERT_EQ(ResponseStatus::Success,
              client_->execute(faultControl(FaultMode::AlwaysAsync, 200)).status());
    std::string batch;
    batch += client::encode({.opcode = ClientOpcode::Set,
                             .key = "order",
                             .value = "first",
                             .extras = storeExtras(0, 0),
                             .opaque = 1});
    batch += client::encode({.opcode = ClientOpcode::Get, .key = "order", .opaque = 2});
    batch += client::encode({.opcode = ClientOpcode::Noop, .opaque = 3});
    const auto start = std::chrono::steady_clock::now();
    client_->sendRaw(batch);
    for (uint32_t opaque = 1; opaque <= 3; ++opaque) {
        auto response = client_->receive();
        ASSERT_TRUE(response);
        EXPECT_EQ(opaque, response->header.opaque);
        EXPECT_EQ(ResponseStatus::Success, response->status());
        if (opaque == 2) {
            EXPECT_EQ("first", response->value);
        }
    }
    // SET and GET each waited for their 200 ms notification, one after the other.
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(400));
}

TEST_F(WouldBlockTest, ClosingWhileBlockedDefersDestruction) {
    ASSERT_EQ(ResponseStatus::Success,
              client_->execute(faultControl(FaultMode::AlwaysAsync, 300)).status());
    for (int i = 0; i < 8; ++i) {
        McbpClient doomed(server_->port());
        doomed.send({.opcode = ClientOpcode::Get, .key = "k"});
        doomed.close();  // gone while its GET waits for the notification
    }
    // Let every notification arrive at a connection that is already closed.
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    ASSERT_EQ(ResponseStatus::Success, client_->execute(faultControl(FaultMode::Off, 0)).status());
    const auto after = stats(*client_);
    EXPECT_EQ("1", after.at("curr_connections"));
    EXPECT_EQ(ResponseStatus::Success, client_->set("still", "serving").status());
}

TEST_F(WouldBlockTest, ShutdownWhileBlockedWaitsForTheNotification) {
    // The GET's notification is due `kDelay` after eddyd parks it; shutdown starts well before.
    constexpr uint32_t kDelayMs = 3000;
    constexpr auto kDelay = std::chrono::milliseconds(kDelayMs);
    ASSERT_EQ(0u, control(*client_, FaultMode::AlwaysAsync, kDelayMs));
    McbpClient blocked(server_->port());
    const auto sent = std::chrono::steady_clock::now();
    blocked.send({.opcode = ClientOpcode::Get, .key = "k"});
    ASSERT_TRUE(waitUntilParked(*client_, 1, FaultMode::AlwaysAsync, kDelayMs));

    server_->requestStop();
    // Shutdown has begun: eddyd closes every connection, the blocked one included...
    ASSERT_TRUE(blocked.closedByServer(std::chrono::seconds(30)));
    if (std::chrono::steady_clock::now() < sent + kDelay) {
        // ...and, its notification not being due yet, eddyd is still there, waiting for it.
        EXPECT_TRUE(server_->running()) << "eddyd exited while a command waited in the engine";
    }
    EXPECT_EQ(0, server_->stop()) << server_->log();
    // It could not have exited before the notification came.
    EXPECT_GE(std::chrono::steady_clock::now() - sent, kDelay)
        << "eddyd exited before the blocked GET's notification was due";
}

TEST_F(WouldBlockTest, RandomBlockingUnderConcurrentLoad) {
    ASSERT_EQ(ResponseStatus::Success,
              client_->execute(faultControl(FaultMode::Random, 50)).status());
    std::vector<std::thread> threads;
    threads.reserve(6);
    std::atomic<int> failures{0};
    for (int c = 0; c < 6; ++c) {
        threads.emplace_back([&, c] {
            McbpClient client(server_->port());
            for (int i = 0; i < 100; ++i) {
                const std::string key = "r" + std::to_string(c) + "-" + std::to_string(i);
                if (client.set(key, key).status() != ResponseStatus::Success ||
                    client.get(key).value != key) {
                    failures.fetch_add(1);
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(0, failures.load());
    EXPECT_NE("0", stats(*client_).at("cmd_would_block"));
}

TEST_F(WouldBlockTest, StatGroupWaitsForItsNotification) {
    ASSERT_EQ(ResponseStatus::Success, client_->set("s", "v").status());
    McbpClient controller(server_->port());
    // A notification that would come in ten minutes: only Release lets the STAT go on.
    constexpr uint32_t kNever = 600'000;
    ASSERT_EQ(0u, control(controller, FaultMode::AlwaysAsync, kNever));
    client_->send({.opcode = ClientOpcode::Stat});
    ASSERT_TRUE(waitUntilParked(controller, 1, FaultMode::AlwaysAsync, kNever));
    // Parked in the engine: not a frame of the reply (not even the daemon's own counters, which
    // follow the engine's part) may come before the notification.
    const auto early = client_->receive(std::chrono::milliseconds(300));
    EXPECT_FALSE(early) << "STAT answered before its notification: key '" << early->key << "'";

    EXPECT_EQ(1u, control(controller, FaultMode::Release, 0));
    const auto all = readStatReply(*client_);
    EXPECT_EQ("1", all.count("curr_items") ? all.at("curr_items") : "<absent>");
    EXPECT_TRUE(all.count("pid"));
    EXPECT_EQ(0u, control(controller, FaultMode::Off, 0));
}

}  // namespace
}  // namespace eddy::test
