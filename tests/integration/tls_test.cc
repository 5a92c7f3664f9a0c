// eddy tests — the TLS listener over sockets.
//
// Covers: logins and KV over TLS next to plain TCP on one server (large values and long
// pipelines, which exercise partial TLS writes and decrypted input the socket no longer
// announces); PLAIN offered on TLS only; STAT connections naming the TLS version; a plain
// client, garbage and a TLS client of the wrong server on the TLS port (closed, counted, the
// server serving on); SSL_CERTS_REFRESH with good and broken files; the start-up errors of TLS
// settings that do not fit together.
#include "protocol/opcode.h"
#include "security/self_signed_certificate.h"
#include "support/eddyd_process.h"
#include "support/mcbp_client.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace eddy::test {
namespace {

namespace fs = std::filesystem;
using mcbp::ClientOpcode;
using mcbp::ResponseStatus;

/// A certificate for localhost/127.0.0.1 with its key, written to `directory`.
void writeCertificate(const fs::path& directory, const std::string& prefix) {
    security::writeSelfSignedCertificate(
        security::makeSelfSignedCertificate({}, std::chrono::hours(24)),
        (directory / (prefix + "chain.pem")).string(),
        (directory / (prefix + "pkey.pem")).string());
}

class TlsServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        directory_ = fs::temp_directory_path() / ("eddy-tls-it-" + std::to_string(::getpid()) +
                                                  "-" + std::to_string(++instance_count));
        fs::remove_all(directory_);
        fs::create_directories(directory_);
        writeCertificate(directory_, "");
        nlohmann::json config = {
            {"tls_port", 0},
            {"tls_port_file", (directory_ / "tls-port").string()},
            {"tls_certificate_chain", (directory_ / "chain.pem").string()},
            {"tls_private_key", (directory_ / "pkey.pem").string()},
        };
        server_ =
            std::make_unique<EddydProcess>(EddydProcess::Options{.config_json = config.dump()});
        std::ifstream in(directory_ / "tls-port");
        unsigned port = 0;
        ASSERT_TRUE(in >> port) << "no TLS port file; log:\n" << server_->log();
        tls_port_ = static_cast<uint16_t>(port);
        McbpClient admin(server_->port());
        ASSERT_TRUE(waitForWarmup(admin));
    }
    void TearDown() override {
        if (server_) {
            EXPECT_EQ(0, server_->stop()) << server_->log();
        }
        fs::remove_all(directory_);
    }

    [[nodiscard]] client::TlsOptions trust(const std::string& prefix = "") const {
        return client::TlsOptions{.ca_file = (directory_ / (prefix + "chain.pem")).string()};
    }
    [[nodiscard]] std::unique_ptr<McbpClient> tlsClient(bool login = true) const {
        return std::make_unique<McbpClient>(tls_port_, trust(), login);
    }
    [[nodiscard]] uint64_t handshakeFailures() const {
        McbpClient admin(server_->port());
        return std::stoull(admin.stats()["tls_handshake_failures"]);
    }

    static inline int instance_count = 0;
    fs::path directory_;
    std::unique_ptr<EddydProcess> server_;
    uint16_t tls_port_ = 0;
};

TEST_F(TlsServerTest, KvOverTlsNextToPlainTcp) {
    auto secure = tlsClient();
    McbpClient plain(server_->port());
    const std::string large(3 * 1024 * 1024 + 17, 'v');  // many TLS records each way
    ASSERT_EQ(ResponseStatus::Success, secure->set("large", large).status());
    EXPECT_EQ(large, plain.get("large").value);
    ASSERT_EQ(ResponseStatus::Success, plain.set("small", "from plain").status());
    EXPECT_EQ("from plain", secure->get("small").value);
    const auto fetched = secure->get("large");
    EXPECT_EQ(large.size(), fetched.value.size());
    EXPECT_EQ(large, fetched.value);
}

TEST_F(TlsServerTest, TheClusterMapNamesBothDataPorts) {
    auto secure = tlsClient();
    const auto response = secure->execute({.opcode = ClientOpcode::GetClusterConfig});
    ASSERT_EQ(ResponseStatus::Success, response.status());
    const auto config = nlohmann::json::parse(response.value);
    const auto& services = config["nodesExt"][0]["services"];
    EXPECT_EQ(server_->port(), services["kv"]);
    EXPECT_EQ(tls_port_, services["kvSSL"]);
}

TEST_F(TlsServerTest, LongPipelineInOneWrite) {
    auto secure = tlsClient();
    ASSERT_EQ(ResponseStatus::Success, secure->set("key", std::string(100, 'x')).status());
    // 2000 GETs in one write: far more than one read's worth, so the server stops reading with
    // decrypted requests still inside TLS and must come back for them by itself.
    constexpr int kRequests = 2000;
    std::string batch;
    for (int i = 0; i < kRequests; ++i) {
        batch += client::encode(
            {.opcode = ClientOpcode::Get, .key = "key", .opaque = static_cast<uint32_t>(i + 1)});
    }
    secure->sendRaw(batch);
    for (int i = 0; i < kRequests; ++i) {
        const auto response = secure->receive();
        ASSERT_TRUE(response.has_value()) << "response " << i << " missing";
        ASSERT_EQ(static_cast<uint32_t>(i + 1), response->header.opaque);
        ASSERT_EQ(ResponseStatus::Success, response->status());
    }
}

TEST_F(TlsServerTest, PlainIsOfferedOverTlsOnly) {
    McbpClient plain(server_->port(), McbpClient::NoLogin{});
    const auto offered = plain.execute({.opcode = ClientOpcode::SaslListMechs}).value;
    EXPECT_EQ(std::string::npos, offered.find("PLAIN")) << offered;
    EXPECT_THROW(plain.authenticate(std::string(McbpClient::kUser),
                                    std::string(McbpClient::kPassword), "PLAIN"),
                 client::StatusError);

    auto secure = tlsClient(false);
    const auto over_tls = secure->execute({.opcode = ClientOpcode::SaslListMechs}).value;
    EXPECT_NE(std::string::npos, over_tls.find("PLAIN")) << over_tls;
    EXPECT_NO_THROW(secure->authenticate(std::string(McbpClient::kUser),
                                         std::string(McbpClient::kPassword), "PLAIN"));
    secure->selectBucket("default");
    EXPECT_EQ(ResponseStatus::Success, secure->set("k", "v").status());
}

TEST_F(TlsServerTest, StatConnectionsNamesTheTlsVersion) {
    auto secure = tlsClient();
    const auto stats = secure->stats("connections");
    size_t tls_connections = 0;
    for (const auto& [key, value] : stats) {
        if (key.size() > 4 && key.ends_with(":tls")) {
            ++tls_connections;
            EXPECT_EQ(0U, value.rfind("TLSv1.3 ", 0)) << value;
        }
    }
    EXPECT_EQ(1U, tls_connections);  // only this one; the admin connections are plain
}

TEST_F(TlsServerTest, GarbageAndPlainClientsOnTheTlsPortAreClosedAndCounted) {
    const uint64_t before = handshakeFailures();
    {
        // A plain MCBP client that dialled the TLS port.
        auto confused = client::Connection("127.0.0.1", tls_port_);
        confused.sendRaw(client::encode({.opcode = ClientOpcode::Noop}));
        EXPECT_TRUE(confused.waitForClose(std::chrono::seconds(10)));
    }
    {
        auto noise = client::Connection("127.0.0.1", tls_port_);
        noise.sendRaw(std::string(4096, '\x16'));
        EXPECT_TRUE(noise.waitForClose(std::chrono::seconds(10)));
    }
    // A TLS client that trusts another certificate gives up itself.
    writeCertificate(directory_, "other-");
    EXPECT_THROW(McbpClient(tls_port_, trust("other-"), false), client::Error);
    // A client that connects and says nothing is not a failure (the idle timer deals with it).
    const int silent = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(tls_port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(0, ::connect(silent, reinterpret_cast<sockaddr*>(&address), sizeof(address)));

    // The failures are counted once their connections are gone; poll a bounded time.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    uint64_t failures = before;
    while (std::chrono::steady_clock::now() < deadline) {
        failures = handshakeFailures();
        if (failures >= before + 3) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(before + 3, failures);
    ::close(silent);
    auto secure = tlsClient();
    EXPECT_EQ(ResponseStatus::Success, secure->set("still", "serving").status());
}

TEST_F(TlsServerTest, CertificateRefresh) {
    auto open = tlsClient();
    McbpClient admin(server_->port());
    admin.hello({mcbp::Feature::Xerror, mcbp::Feature::Json});
    // Broken files: the old certificate stays, the reason comes back.
    std::ofstream(directory_ / "chain.pem") << "not a certificate\n";
    const auto refused = admin.execute({.opcode = ClientOpcode::SslCertsRefresh});
    EXPECT_EQ(ResponseStatus::Einternal, refused.status());
    EXPECT_NE(std::string::npos, refused.value.find("chain.pem")) << refused.value;
    // The old certificate is still what new connections see (the client still trusts a copy).
    writeCertificate(directory_, "next-");
    fs::copy_file(directory_ / "next-chain.pem", directory_ / "chain.pem",
                  fs::copy_options::overwrite_existing);
    fs::copy_file(directory_ / "next-pkey.pem", directory_ / "pkey.pem",
                  fs::copy_options::overwrite_existing);
    EXPECT_THROW(McbpClient(tls_port_, trust("next-"), false), client::Error);

    // A new pair in place and refreshed: new connections get it; the open one goes on.
    ASSERT_EQ(ResponseStatus::Success,
              admin.execute({.opcode = ClientOpcode::SslCertsRefresh}).status());
    McbpClient fresh(tls_port_, trust("next-"));
    EXPECT_EQ(ResponseStatus::Success, fresh.set("after", "refresh").status());
    EXPECT_EQ("refresh", open->get("after").value);

    // Refreshing needs a privilege the bucket users do not have.
    McbpClient anonymous(server_->port(), McbpClient::NoLogin{});
    EXPECT_EQ(ResponseStatus::Eaccess,
              anonymous.execute({.opcode = ClientOpcode::SslCertsRefresh}).status());
}

TEST(TlsStartTest, SettingsThatDoNotFitStopTheStart) {
    const auto directory =
        fs::temp_directory_path() / ("eddy-tls-start-" + std::to_string(::getpid()));
    fs::remove_all(directory);
    fs::create_directories(directory);
    const auto run = [&](const nlohmann::json& config) {
        const auto path = directory / "eddy.json";
        std::ofstream(path) << config.dump();
        return EddydProcess::runToExit(
            {"--port", "0", "--data-dir", (directory / "data").string(), "--config", path.string()},
            std::chrono::seconds(60));
    };
    auto [code, log] = run({{"tls_port", 0}});
    EXPECT_EQ(1, code) << log;
    EXPECT_NE(std::string::npos, log.find("tls_certificate_chain")) << log;

    writeCertificate(directory, "");
    writeCertificate(directory, "other-");
    std::tie(code, log) = run({{"tls_certificate_chain", (directory / "chain.pem").string()}});
    EXPECT_EQ(1, code) << log;
    EXPECT_NE(std::string::npos, log.find("tls_private_key")) << log;

    std::tie(code, log) = run({{"tls_port", 0},
                               {"tls_certificate_chain", (directory / "chain.pem").string()},
                               {"tls_private_key", (directory / "other-pkey.pem").string()}});
    EXPECT_EQ(1, code) << log;
    EXPECT_NE(std::string::npos, log.find("other-pkey.pem")) << log;

    std::tie(code, log) = run({{"tls_minimum_version", "TLSv1.0"}});
    EXPECT_EQ(1, code) << log;
    EXPECT_NE(std::string::npos, log.find("TLSv1.3")) << log;
    fs::remove_all(directory);
}

TEST(TlsStartTest, RefreshWithoutTlsIsNotSupported) {
    EddydProcess server;
    McbpClient admin(server.port());
    EXPECT_EQ(ResponseStatus::NotSupported,
              admin.execute({.opcode = ClientOpcode::SslCertsRefresh}).status());
}

}  // namespace
}  // namespace eddy::test
