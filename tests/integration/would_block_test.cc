// The would-block pipeline end to end, driven by the fault-injecting engine through
// EWOULDBLOCK_CTL (0xfd).

#include "eddy/status.h"
#include "server_fixture.h"
#include "test_engines/fault_injecting_engine.h"

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

std::map<std::string, std::string> stats(McbpClient& client) {
    client.send({.opcode = ClientOpcode::Stat});
    std::map<std::string, std::string> all;
    while (auto response = client.receive()) {
        if (response->key.empty()) {
            break;
        }
        all[response->key] = response->value;
    }
    return all;
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
    ASSERT_EQ(ResponseStatus::Success,
              client_->execute(faultControl(FaultMode::AlwaysAsync, 500)).status());
    McbpClient blocked(server_->port());
    blocked.send({.opcode = ClientOpcode::Get, .key = "k"});
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(0, server_->stop()) << server_->log();
}

TEST_F(WouldBlockTest, RandomBlockingUnderConcurrentLoad) {
    ASSERT_EQ(ResponseStatus::Success,
              client_->execute(faultControl(FaultMode::Random, 50)).status());
    std::vector<std::thread> threads;
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
    ASSERT_EQ(ResponseStatus::Success,
              client_->execute(faultControl(FaultMode::AlwaysAsync, 100)).status());
    const auto all = stats(*client_);
    EXPECT_EQ("1", all.at("curr_items"));
    EXPECT_TRUE(all.count("pid"));
}

}  // namespace
}  // namespace eddy::test
