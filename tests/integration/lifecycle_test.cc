// Process and connection life cycle: command line, config errors, shutdown, idle time-out,
// output back-pressure.

#include "support/eddyd_process.h"
#include "support/mcbp_client.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;

TEST(LifecycleTest, BadPortIsNamedAndFails) {
    const auto [code, log] = EddydProcess::runToExit({"--port", "70000"}, std::chrono::seconds(30));
    EXPECT_NE(0, code);
    EXPECT_NE(std::string::npos, log.find("--port")) << log;
}

TEST(LifecycleTest, UnknownOptionFails) {
    const auto [code, log] =
        EddydProcess::runToExit({"--colour", "blue"}, std::chrono::seconds(30));
    EXPECT_NE(0, code);
    EXPECT_NE(std::string::npos, log.find("--colour")) << log;
}

TEST(LifecycleTest, BadConfigKeyNamesFileAndKey) {
    const std::string path = ::testing::TempDir() + "eddy-bad-config.json";
    std::ofstream(path) << R"({"threads": 2, "max_conections": 5})";
    const auto [code, log] =
        EddydProcess::runToExit({"--config", path, "--port", "0"}, std::chrono::seconds(30));
    EXPECT_NE(0, code);
    EXPECT_NE(std::string::npos, log.find(path)) << log;
    EXPECT_NE(std::string::npos, log.find("max_conections")) << log;
    std::filesystem::remove(path);
}

TEST(LifecycleTest, DataDirThatIsAFileIsRefused) {
    const std::string path = ::testing::TempDir() + "eddy-not-a-dir";
    std::ofstream(path) << "x";
    const auto [code, log] =
        EddydProcess::runToExit({"--data-dir", path, "--port", "0"}, std::chrono::seconds(30));
    EXPECT_NE(0, code);
    EXPECT_NE(std::string::npos, log.find(path)) << log;
    std::filesystem::remove(path);
}

TEST(LifecycleTest, PortFileNamesTheBoundPortAndDataDirIsCreated) {
    EddydProcess server;
    EXPECT_NE(0, server.port());
    EXPECT_TRUE(std::filesystem::is_directory(server.directory() + "/data"));
    McbpClient client(server.port());
    EXPECT_EQ(ResponseStatus::Success, client.execute({.opcode = ClientOpcode::Noop}).status());
}

TEST(LifecycleTest, SigtermWithClientsConnectedExitsCleanly) {
    EddydProcess server;
    std::vector<std::unique_ptr<McbpClient>> clients;
    for (int i = 0; i < 10; ++i) {
        clients.push_back(std::make_unique<McbpClient>(server.port()));
        ASSERT_EQ(ResponseStatus::Success, clients.back()->set("k", "v").status());
    }
    EXPECT_EQ(0, server.stop()) << server.log();
    for (auto& client : clients) {
        EXPECT_TRUE(client->closedByServer());
    }
}

TEST(LifecycleTest, IdleConnectionsAreClosed) {
    EddydProcess server({.config_json = R"({"connection_idle_time": 1})"});
    McbpClient idle(server.port());
    ASSERT_EQ(ResponseStatus::Success, idle.execute({.opcode = ClientOpcode::Noop}).status());
    EXPECT_TRUE(idle.closedByServer(std::chrono::seconds(5)));
    McbpClient busy(server.port());
    for (int i = 0; i < 6; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        ASSERT_EQ(ResponseStatus::Success, busy.execute({.opcode = ClientOpcode::Noop}).status());
    }
}

TEST(LifecycleTest, OutputBackPressureBoundsServerMemory) {
    // 1 MiB values and a 4 MiB send queue: a client that pipelines 200 GETs (200 MiB of
    // responses) without reading must not make the server buffer them all.
    EddydProcess server({.config_json = R"({"max_send_queue_size": 4194304})"});
    McbpClient client(server.port());
    const std::string value(1024 * 1024, 'v');
    ASSERT_EQ(ResponseStatus::Success, client.set("big", value).status());
    const size_t baseline = server.residentBytes();

    constexpr int kGets = 200;
    std::string batch;
    for (int i = 0; i < kGets; ++i) {
        batch += client::encode(
            {.opcode = ClientOpcode::Get, .key = "big", .opaque = static_cast<uint32_t>(i)});
    }
    client.sendRaw(batch);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const size_t stalled = server.residentBytes();
    EXPECT_LT(stalled, baseline + 64 * 1024 * 1024)
        << "baseline " << baseline << " stalled " << stalled;

    for (int i = 0; i < kGets; ++i) {
        auto response = client.receive(std::chrono::seconds(30));
        ASSERT_TRUE(response) << "response " << i;
        ASSERT_EQ(static_cast<uint32_t>(i), response->header.opaque);
        ASSERT_EQ(value.size(), response->value.size());
    }
}

}  // namespace
}  // namespace eddy::test
