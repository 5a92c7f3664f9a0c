// eddy — TLS: a self-signed certificate, the server context and its reload, non-blocking
// sessions over a socketpair, and every way a handshake must fail.
#include "security/tls.h"

#include "security/self_signed_certificate.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace eddy::security {
namespace {

namespace fs = std::filesystem;
using Io = TlsSession::Io;

class TlsTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("eddy-tls-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        writeSelfSignedCertificate(makeSelfSignedCertificate({}, std::chrono::hours(24)),
                                   path("cert.pem"), path("key.pem"));
        int fds[2];
        ASSERT_EQ(0, ::socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
        for (const int fd : fds) {
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        }
        server_fd_ = fds[0];
        client_fd_ = fds[1];
    }
    void TearDown() override {
        ::close(server_fd_);
        ::close(client_fd_);
        fs::remove_all(dir_);
    }
    [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }

    /// Drives the client's handshake and the server's first read until both are done or one
    /// fails; bounded by a count of rounds.
    static std::pair<TlsSession::Result, TlsSession::Result> pump(TlsSession& server,
                                                                  TlsSession& client) {
        TlsSession::Result client_result{Io::WantRead, 0};
        TlsSession::Result server_result{Io::WantRead, 0};
        char byte = 0;
        for (int round = 0; round < 100; ++round) {
            if (client_result.io == Io::WantRead || client_result.io == Io::WantWrite) {
                client_result = client.handshake();
            }
            if (server_result.io == Io::WantRead || server_result.io == Io::WantWrite) {
                server_result = server.read(&byte, 0);
                if (server_result.io == Io::WantRead && server.handshakeDone()) {
                    server_result = {Io::Done, 0};
                }
            }
            const bool client_settled =
                client_result.io != Io::WantRead && client_result.io != Io::WantWrite;
            const bool server_settled =
                server_result.io != Io::WantRead && server_result.io != Io::WantWrite;
            if (client_settled && (server_settled || client_result.io == Io::Failed)) {
                break;
            }
        }
        return {server_result, client_result};
    }

    fs::path dir_;
    int server_fd_ = -1;
    int client_fd_ = -1;
};

TEST_F(TlsTest, HandshakeThenDataBothWays) {
    TlsServerContext server_context({path("cert.pem"), path("key.pem")});
    const TlsClientContext client_context(path("cert.pem"));
    auto server = TlsSession::accept(server_context.current(), server_fd_);
    auto client = TlsSession::connect(client_context, client_fd_, "localhost");
    const auto [server_result, client_result] = pump(*server, *client);
    ASSERT_EQ(Io::Done, client_result.io) << client->error();
    ASSERT_TRUE(server->handshakeDone()) << server->error();
    EXPECT_EQ("TLSv1.3", server->version());
    EXPECT_FALSE(server->cipher().empty());

    const std::string hello = "hello over TLS";
    ASSERT_EQ(Io::Done, client->write(hello.data(), hello.size()).io);
    std::string got(64, '\0');
    const auto read = server->read(got.data(), got.size());
    ASSERT_EQ(Io::Done, read.io) << server->error();
    EXPECT_EQ(hello, got.substr(0, read.bytes));
    EXPECT_FALSE(server->hasBufferedInput());
    // Nothing more has been sent: the next read waits for the socket.
    EXPECT_EQ(Io::WantRead, server->read(got.data(), got.size()).io);

    ASSERT_EQ(Io::Done, server->write("pong", 4).io);
    const auto answer = client->read(got.data(), got.size());
    ASSERT_EQ(Io::Done, answer.io);
    EXPECT_EQ("pong", got.substr(0, answer.bytes));

    client->shutdown();
    EXPECT_EQ(Io::Closed, server->read(got.data(), got.size()).io);
}

TEST_F(TlsTest, ReadReturnsBufferedRecordsPieceByPiece) {
    TlsServerContext server_context({path("cert.pem"), path("key.pem")});
    const TlsClientContext client_context(path("cert.pem"));
    auto server = TlsSession::accept(server_context.current(), server_fd_);
    auto client = TlsSession::connect(client_context, client_fd_, "127.0.0.1");
    ASSERT_EQ(Io::Done, pump(*server, *client).second.io) << client->error();
    const std::string record(1000, 'x');
    ASSERT_EQ(Io::Done, client->write(record.data(), record.size()).io);
    char small[100];
    ASSERT_EQ(Io::Done, server->read(small, sizeof(small)).io);
    // The rest of the record is decrypted and waiting, though the socket is empty: a caller
    // that only waits for readability would hang.
    EXPECT_TRUE(server->hasBufferedInput());
}

TEST_F(TlsTest, WrongHostNameIsRefusedByTheClient) {
    TlsServerContext server_context({path("cert.pem"), path("key.pem")});
    const TlsClientContext client_context(path("cert.pem"));
    auto server = TlsSession::accept(server_context.current(), server_fd_);
    auto client = TlsSession::connect(client_context, client_fd_, "db.example.com");
    const auto [server_result, client_result] = pump(*server, *client);
    ASSERT_EQ(Io::Failed, client_result.io);
    EXPECT_NE(std::string::npos, client->error().find("hostname mismatch")) << client->error();
}

TEST_F(TlsTest, UntrustedCertificateIsRefusedByTheClient) {
    TlsServerContext server_context({path("cert.pem"), path("key.pem")});
    // Another self-signed certificate as the only trust anchor.
    writeSelfSignedCertificate(makeSelfSignedCertificate({}, std::chrono::hours(24)),
                               path("other.pem"), path("other-key.pem"));
    const TlsClientContext client_context(path("other.pem"));
    auto server = TlsSession::accept(server_context.current(), server_fd_);
    auto client = TlsSession::connect(client_context, client_fd_, "localhost");
    const auto [server_result, client_result] = pump(*server, *client);
    ASSERT_EQ(Io::Failed, client_result.io);
    EXPECT_NE(std::string::npos, client->error().find("certificate")) << client->error();
}

TEST_F(TlsTest, MinimumVersionRefusesOlderClients) {
    TlsServerContext server_context({path("cert.pem"), path("key.pem"), TlsVersion::Tls13});
    const TlsClientContext client_context(path("cert.pem"));
    SSL_CTX_set_max_proto_version(client_context.get(), TLS1_2_VERSION);
    auto server = TlsSession::accept(server_context.current(), server_fd_);
    auto client = TlsSession::connect(client_context, client_fd_, "localhost");
    const auto [server_result, client_result] = pump(*server, *client);
    EXPECT_EQ(Io::Failed, server_result.io);
    EXPECT_NE(std::string::npos, server->error().find("unsupported protocol")) << server->error();
    EXPECT_EQ(Io::Failed, client_result.io);
}

TEST_F(TlsTest, GarbageInsteadOfAHandshakeFails) {
    TlsServerContext server_context({path("cert.pem"), path("key.pem")});
    auto server = TlsSession::accept(server_context.current(), server_fd_);
    // A plain MCBP request where a ClientHello belongs.
    const std::string noop(
        "\x80\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
        "\x00\x00\x00\x00\x00\x00\x00\x00",
        24);
    ASSERT_EQ(static_cast<ssize_t>(noop.size()), ::write(client_fd_, noop.data(), noop.size()));
    char byte = 0;
    const auto result = server->read(&byte, 1);
    EXPECT_EQ(Io::Failed, result.io);
    EXPECT_FALSE(server->error().empty());
}

TEST_F(TlsTest, APeerThatHangsUpDuringTheHandshakeHasClosedNotFailed) {
    TlsServerContext server_context({path("cert.pem"), path("key.pem")});
    auto server = TlsSession::accept(server_context.current(), server_fd_);
    // The start of a handshake record announcing 80 bytes, then the end of the stream.
    const std::string partial("\x16\x03\x01\x00\x50", 5);
    ASSERT_EQ(static_cast<ssize_t>(partial.size()),
              ::write(client_fd_, partial.data(), partial.size()));
    ASSERT_EQ(0, ::shutdown(client_fd_, SHUT_WR));
    char byte = 0;
    EXPECT_EQ(Io::Closed, server->read(&byte, 1).io) << server->error();
}

TEST_F(TlsTest, BadFilesNameTheFileAndReloadKeepsTheOldContext) {
    EXPECT_THROW(
        {
            try {
                TlsServerContext({path("missing.pem"), path("key.pem")});
            } catch (const std::runtime_error& error) {
                EXPECT_NE(std::string::npos, std::string(error.what()).find("missing.pem"));
                throw;
            }
        },
        std::runtime_error);
    writeSelfSignedCertificate(makeSelfSignedCertificate({}, std::chrono::hours(24)),
                               path("other.pem"), path("other-key.pem"));
    EXPECT_THROW(
        {
            try {
                TlsServerContext({path("cert.pem"), path("other-key.pem")});
            } catch (const std::runtime_error& error) {
                EXPECT_NE(std::string::npos, std::string(error.what()).find("other-key.pem"))
                    << error.what();
                throw;
            }
        },
        std::runtime_error);

    TlsServerContext context({path("cert.pem"), path("key.pem")});
    const auto before = context.current();
    EXPECT_NE(std::string::npos, context.describe().find("CN=localhost")) << context.describe();
    std::ofstream(path("cert.pem")) << "not a certificate\n";
    const auto failed = context.reload();
    ASSERT_TRUE(failed.has_value());
    EXPECT_NE(std::string::npos, failed->find("cert.pem")) << *failed;
    EXPECT_EQ(before, context.current());

    // A new pair in place: the reload succeeds and new sessions get a new context.
    writeSelfSignedCertificate(makeSelfSignedCertificate({}, std::chrono::hours(48)),
                               path("cert.pem"), path("key.pem"));
    EXPECT_FALSE(context.reload().has_value());
    EXPECT_NE(before, context.current());
}

TEST(TlsVersionTest, ParsesTheTwoNames) {
    EXPECT_EQ(TlsVersion::Tls12, parseTlsVersion("TLSv1.2"));
    EXPECT_EQ(TlsVersion::Tls13, parseTlsVersion("TLSv1.3"));
    EXPECT_FALSE(parseTlsVersion("TLSv1.1").has_value());
    EXPECT_FALSE(parseTlsVersion("tls1.3").has_value());
    EXPECT_EQ("TLSv1.3", tlsVersionName(TlsVersion::Tls13));
}

}  // namespace
}  // namespace eddy::security
