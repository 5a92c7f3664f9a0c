// eddy — tests of the blocking client connection, over a socketpair (no server needed), and
// over TLS to a loopback listener served by a thread.
#include "client/connection.h"

#include "protocol/encode.h"
#include "protocol/frame.h"
#include "security/self_signed_certificate.h"
#include "security/tls.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace eddy::client {
namespace {

using namespace std::chrono_literals;

/// Two connected Connections: `client` under test and `peer` playing the server.
struct Pair {
    Pair() {
        int fds[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
            throw std::runtime_error("socketpair failed");
        }
        client.emplace(Connection::adopt(fds[0], "client-end"));
        peer.emplace(Connection::adopt(fds[1], "peer-end"));
    }
    std::optional<Connection> client;
    std::optional<Connection> peer;
};

std::string response(uint8_t opcode, uint32_t opaque, mcbp::ResponseStatus status,
                     std::string_view key = {}, std::string_view value = {}) {
    std::string out;
    mcbp::ResponseHeaderFields fields;
    fields.opcode = opcode;
    fields.opaque = opaque;
    fields.status = status;
    mcbp::appendResponse(out, fields, {}, key, value);
    return out;
}

TEST(ParseEndpointTest, Forms) {
    auto endpoint = parseEndpoint("localhost:11211");
    EXPECT_EQ(endpoint.host, "localhost");
    EXPECT_EQ(endpoint.port, 11211);
    endpoint = parseEndpoint("10.0.0.1");
    EXPECT_EQ(endpoint.host, "10.0.0.1");
    EXPECT_EQ(endpoint.port, 11210);
    endpoint = parseEndpoint("[::1]:12000");
    EXPECT_EQ(endpoint.host, "::1");
    EXPECT_EQ(endpoint.port, 12000);
    endpoint = parseEndpoint("[::1]", 5);
    EXPECT_EQ(endpoint.host, "::1");
    EXPECT_EQ(endpoint.port, 5);
    endpoint = parseEndpoint("fe80::1");
    EXPECT_EQ(endpoint.host, "fe80::1");
    EXPECT_EQ(endpoint.port, 11210);
}

TEST(ParseEndpointTest, Rejects) {
    EXPECT_THROW((void)parseEndpoint(""), std::invalid_argument);
    EXPECT_THROW((void)parseEndpoint(":11210"), std::invalid_argument);
    EXPECT_THROW((void)parseEndpoint("host:"), std::invalid_argument);
    EXPECT_THROW((void)parseEndpoint("host:0"), std::invalid_argument);
    EXPECT_THROW((void)parseEndpoint("host:65536"), std::invalid_argument);
    EXPECT_THROW((void)parseEndpoint("host:12x"), std::invalid_argument);
    EXPECT_THROW((void)parseEndpoint("[::1"), std::invalid_argument);
    EXPECT_THROW((void)parseEndpoint("[::1]x"), std::invalid_argument);
}

TEST(ClientConnectionTest, EncodeRequestBytes) {
    Request request{.opcode = mcbp::ClientOpcode::Set,
                    .key = "k",
                    .value = "vv",
                    .extras = std::string("\x00\x00\x00\x01\x00\x00\x00\x02", 8),
                    .cas = 0x0102030405060708ULL,
                    .opaque = 0xa1b2c3d4,
                    .datatype = 1,
                    .vbucket = 0x0203};
    const std::string bytes = encode(request);
    const std::string expected_header(
        "\x80\x01\x00\x01\x08\x01\x02\x03\x00\x00\x00\x0b\xa1\xb2\xc3\xd4"
        "\x01\x02\x03\x04\x05\x06\x07\x08",
        24);
    ASSERT_EQ(bytes.size(), 24u + 8 + 1 + 2);
    EXPECT_EQ(bytes.substr(0, 24), expected_header);
    EXPECT_EQ(bytes.substr(24), request.extras + "k" + "vv");
}

TEST(ClientConnectionTest, ReceiveWholeFramesInOrderAcrossPartialWrites) {
    Pair pair;
    const std::string first = response(0x00, 7, mcbp::ResponseStatus::KeyEnoent, {}, "nope");
    const std::string second = encode({.opcode = mcbp::ClientOpcode::DcpNoop, .opaque = 9});
    const std::string both = first + second;
    // Split inside the first header and inside the second body boundary.
    pair.peer->sendRaw(both.substr(0, 10));
    EXPECT_FALSE(pair.client->receive(20ms).has_value());
    pair.peer->sendRaw(both.substr(10));
    auto packet = pair.client->receive(1s);
    ASSERT_TRUE(packet);
    EXPECT_TRUE(packet->isResponse());
    EXPECT_EQ(packet->status(), mcbp::ResponseStatus::KeyEnoent);
    EXPECT_EQ(packet->header.opaque, 7u);
    EXPECT_EQ(packet->value, "nope");
    EXPECT_EQ(packet->size(), first.size());
    packet = pair.client->receive(1s);
    ASSERT_TRUE(packet);
    EXPECT_FALSE(packet->isResponse());
    EXPECT_EQ(packet->header.opcode, 0x5c);
    EXPECT_EQ(packet->header.opaque, 9u);
}

TEST(ClientConnectionTest, ExecuteKeepsOtherFramesForReceive) {
    Pair pair;
    std::thread server([&] {
        auto request = pair.peer->receive(5s);
        ASSERT_TRUE(request);
        EXPECT_EQ(request->header.opcode, static_cast<uint8_t>(mcbp::ClientOpcode::Version));
        // Unrelated traffic first: a server request, a response with another opaque, and one
        // with the right opaque but another opcode.
        pair.peer->sendRaw(encode({.opcode = mcbp::ClientOpcode::DcpNoop, .opaque = 1}));
        pair.peer->sendRaw(
            response(0x0b, request->header.opaque + 1, mcbp::ResponseStatus::Success, {}, "other"));
        pair.peer->sendRaw(
            response(0x00, request->header.opaque, mcbp::ResponseStatus::Success, {}, "get"));
        pair.peer->sendRaw(
            response(0x0b, request->header.opaque, mcbp::ResponseStatus::Success, {}, "1.0.0"));
    });
    const Packet answer = pair.client->execute({.opcode = mcbp::ClientOpcode::Version}, 5s);
    server.join();
    EXPECT_NE(answer.header.opaque, 0u);
    EXPECT_EQ(answer.value, "1.0.0");
    auto kept = pair.client->receive(0ms);
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->header.opcode, 0x5c);
    kept = pair.client->receive(0ms);
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->value, "other");
    kept = pair.client->receive(0ms);
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->value, "get");
    EXPECT_FALSE(pair.client->receive(0ms));
}

TEST(ClientConnectionTest, ExecuteTimesOut) {
    Pair pair;
    EXPECT_THROW((void)pair.client->execute({.opcode = mcbp::ClientOpcode::Noop}, 20ms), Error);
}

TEST(ClientConnectionTest, WaitForCloseKeepsTheFramesBeforeTheClose) {
    Pair pair;
    EXPECT_FALSE(pair.client->waitForClose(20ms));  // still open
    pair.peer->sendRaw(response(0x01, 7, mcbp::ResponseStatus::Success, {}, "last"));
    pair.peer->close();
    EXPECT_TRUE(pair.client->waitForClose(5s));
    const auto kept = pair.client->receive(0ms);
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->value, "last");
    EXPECT_THROW((void)pair.client->receive(0ms), Error);  // closed now
}

TEST(ClientConnectionTest, StatsInOrder) {
    Pair pair;
    std::thread server([&] {
        auto request = pair.peer->receive(5s);
        ASSERT_TRUE(request);
        EXPECT_EQ(request->key, "dcp");
        const uint32_t opaque = request->header.opaque;
        std::string out;
        out += response(0x10, opaque, mcbp::ResponseStatus::Success, "zeta", "1");
        out += encode({.opcode = mcbp::ClientOpcode::DcpNoop, .opaque = 3});
        out += response(0x10, opaque, mcbp::ResponseStatus::Success, "alpha", "2");
        out += response(0x10, opaque, mcbp::ResponseStatus::Success);
        pair.peer->sendRaw(out);
    });
    const auto all = pair.client->stats("dcp", 5s);
    server.join();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0], (std::pair<std::string, std::string>("zeta", "1")));
    EXPECT_EQ(all[1], (std::pair<std::string, std::string>("alpha", "2")));
    auto kept = pair.client->receive(0ms);
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->header.opcode, 0x5c);
}

TEST(ClientConnectionTest, StatsFailureThrowsStatusError) {
    Pair pair;
    std::thread server([&] {
        auto request = pair.peer->receive(5s);
        ASSERT_TRUE(request);
        pair.peer->sendRaw(response(0x10, request->header.opaque, mcbp::ResponseStatus::KeyEnoent));
    });
    try {
        (void)pair.client->stats("nosuchgroup", 5s);
        ADD_FAILURE() << "no exception";
    } catch (const StatusError& error) {
        EXPECT_EQ(error.status(), mcbp::ResponseStatus::KeyEnoent);
        EXPECT_NE(std::string(error.what()).find("KEY_ENOENT"), std::string::npos);
    }
    server.join();
}

TEST(ClientConnectionTest, HelloReturnsGrantedFeatures) {
    Pair pair;
    std::thread server([&] {
        auto request = pair.peer->receive(5s);
        ASSERT_TRUE(request);
        EXPECT_EQ(request->key, "agent");
        EXPECT_EQ(request->value, std::string("\x00\x03\x00\x07", 4));
        pair.peer->sendRaw(response(0x1f, request->header.opaque, mcbp::ResponseStatus::Success, {},
                                    std::string("\x00\x07", 2)));
    });
    const auto granted =
        pair.client->hello({mcbp::Feature::TcpNoDelay, mcbp::Feature::Xerror}, "agent", 5s);
    server.join();
    EXPECT_EQ(granted, std::vector<uint16_t>{0x07});
}

TEST(ClientConnectionTest, PeerCloseThrows) {
    Pair pair;
    pair.peer->sendRaw(encode({.opcode = mcbp::ClientOpcode::DcpNoop}).substr(0, 5));
    pair.peer->close();
    try {
        (void)pair.client->receive(1s);
        ADD_FAILURE() << "no exception";
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("client-end"), std::string::npos);
        EXPECT_NE(std::string(error.what()).find("closed"), std::string::npos);
    }
}

TEST(ClientConnectionTest, BadMagicThrows) {
    Pair pair;
    pair.peer->sendRaw(std::string(24, '\x42'));
    EXPECT_THROW((void)pair.client->receive(1s), Error);
}

TEST(ClientConnectionTest, ConnectRefusedNamesThePeer) {
    // A bound socket that does not listen: its port refuses connections.
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    socklen_t length = sizeof(address);
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    const uint16_t port = ntohs(address.sin_port);
    try {
        Connection connection("127.0.0.1", port, 2s);
        ADD_FAILURE() << "connected";
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("127.0.0.1:" + std::to_string(port)),
                  std::string::npos)
            << error.what();
    }
    ::close(fd);
}

TEST(ClientConnectionTest, UnresolvableHostThrows) {
    EXPECT_THROW(Connection("no-such-host.invalid", 11210, 2s), Error);
}

TEST(ClientConnectionTest, ConnectsToListeningSocket) {
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    ASSERT_EQ(listen(listener, 1), 0);
    socklen_t length = sizeof(address);
    ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
    Connection connection("localhost", ntohs(address.sin_port), 2s);
    const int accepted = accept(listener, nullptr, nullptr);
    ASSERT_GE(accepted, 0);
    connection.send({.opcode = mcbp::ClientOpcode::Noop, .opaque = 5});
    char bytes[24];
    ASSERT_EQ(recv(accepted, bytes, sizeof(bytes), MSG_WAITALL), 24);
    EXPECT_EQ(static_cast<uint8_t>(bytes[0]), 0x80);
    EXPECT_EQ(static_cast<uint8_t>(bytes[1]), 0x0a);
    ::close(accepted);
    ::close(listener);
}

// --- TLS ------------------------------------------------------------------------------------

namespace fs = std::filesystem;
using Io = security::TlsSession::Io;

/// A loopback listener (127.0.0.1, port 0) whose thread accepts one connection, runs the server
/// side of TLS over it and answers every request with a Success response echoing its key and
/// value. With close_after_first the thread closes the socket (without close_notify) right after
/// the first response. Thread contract: the constructor, port() and join() belong to the test's
/// thread; handshakeError() and requests() only after join().
class TlsEchoServer {
public:
    TlsEchoServer(const std::string& certificate, const std::string& key,
                  bool close_after_first = false)
        : context_(security::TlsServerConfig{certificate, key}),
          close_after_first_(close_after_first) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (listener_ < 0 ||
            ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
            ::listen(listener_, 1) != 0) {
            throw std::runtime_error("cannot listen on 127.0.0.1");
        }
        socklen_t length = sizeof(address);
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~TlsEchoServer() {
        join();
        ::close(listener_);
    }
    TlsEchoServer(const TlsEchoServer&) = delete;
    TlsEchoServer& operator=(const TlsEchoServer&) = delete;

    [[nodiscard]] uint16_t port() const { return port_; }
    void join() {
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    /// Why the server's side of the handshake or a later read failed ("" if nothing did).
    [[nodiscard]] const std::string& failure() const { return failure_; }
    [[nodiscard]] size_t requests() const { return requests_; }

private:
    static constexpr int kPollMs = 10000;

    /// Waits for the socket in the direction `io` asks; false on timeout.
    static bool await(int fd, Io io) {
        pollfd waiter{fd, static_cast<short>(io == Io::WantWrite ? POLLOUT : POLLIN), 0};
        return ::poll(&waiter, 1, kPollMs) > 0;
    }

    bool writeAll(security::TlsSession& session, int fd, std::string_view bytes) {
        while (!bytes.empty()) {
            const auto result = session.write(bytes.data(), bytes.size());
            if (result.io == Io::Done) {
                bytes.remove_prefix(result.bytes);
            } else if (result.io == Io::WantRead || result.io == Io::WantWrite) {
                if (!await(fd, result.io)) {
                    return false;
                }
            } else {
                failure_ = session.error();
                return false;
            }
        }
        return true;
    }

    void serve() {
        pollfd waiter{listener_, POLLIN, 0};
        if (::poll(&waiter, 1, kPollMs) <= 0) {
            failure_ = "nobody connected";
            return;
        }
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            failure_ = "accept failed";
            return;
        }
        auto session = security::TlsSession::accept(context_.current(), fd);
        std::string buffer;
        std::vector<char> chunk(65536);
        bool open = true;
        while (open) {
            const auto result = session->read(chunk.data(), chunk.size());
            if (result.io == Io::WantRead || result.io == Io::WantWrite) {
                open = await(fd, result.io);
                continue;
            }
            if (result.io == Io::Closed) {
                break;
            }
            if (result.io == Io::Failed) {
                failure_ = session->error();
                break;
            }
            buffer.append(chunk.data(), result.bytes);
            while (open) {
                const auto parsed = mcbp::parseFrame(buffer, Connection::kMaxBodyLength);
                if (parsed.status != mcbp::ParseStatus::Ok) {
                    break;
                }
                ++requests_;
                std::string answer;
                mcbp::ResponseHeaderFields fields;
                fields.opcode = parsed.frame.header.opcode;
                fields.opaque = parsed.frame.header.opaque;
                fields.status = mcbp::ResponseStatus::Success;
                mcbp::appendResponse(answer, fields, {}, parsed.frame.key, parsed.frame.value);
                buffer.erase(0, parsed.frame.bytes.size());
                open = writeAll(*session, fd, answer) && !close_after_first_;
            }
        }
        if (!close_after_first_ && failure_.empty()) {
            session->shutdown();
        }
        session.reset();
        ::close(fd);
    }

    security::TlsServerContext context_;
    const bool close_after_first_;
    int listener_ = -1;
    uint16_t port_ = 0;
    std::string failure_;
    size_t requests_ = 0;
    std::thread thread_;
};

class ClientTlsTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("eddy-client-tls-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        security::writeSelfSignedCertificate(
            security::makeSelfSignedCertificate({}, std::chrono::hours(24)), path("chain.pem"),
            path("pkey.pem"));
    }
    void TearDown() override { fs::remove_all(dir_); }

    [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }
    [[nodiscard]] TlsOptions trusting() const { return TlsOptions{.ca_file = path("chain.pem")}; }

    fs::path dir_;
};

TEST_F(ClientTlsTest, ExecuteRoundTrip) {
    TlsEchoServer server(path("chain.pem"), path("pkey.pem"));
    Connection connection("127.0.0.1", server.port(), 5s, trusting());
    EXPECT_TRUE(connection.usesTls());
    EXPECT_TRUE(connection.tlsVersion() == "TLSv1.3" || connection.tlsVersion() == "TLSv1.2")
        << connection.tlsVersion();
    EXPECT_FALSE(connection.tlsCipher().empty());
    for (int round = 0; round < 3; ++round) {
        const Packet answer = connection.execute(
            {.opcode = mcbp::ClientOpcode::Get, .key = "key", .value = "value"}, 5s);
        EXPECT_EQ(answer.status(), mcbp::ResponseStatus::Success);
        EXPECT_EQ(answer.key, "key");
        EXPECT_EQ(answer.value, "value");
    }
    connection.close();
    server.join();
    EXPECT_EQ(server.failure(), "");
    EXPECT_EQ(server.requests(), 3U);
}

TEST_F(ClientTlsTest, ByHostName) {
    TlsEchoServer server(path("chain.pem"), path("pkey.pem"));
    Connection connection(Endpoint{"localhost", server.port()}, 5s, trusting());
    EXPECT_EQ(connection.execute({.opcode = mcbp::ClientOpcode::Noop}, 5s).status(),
              mcbp::ResponseStatus::Success);
}

TEST_F(ClientTlsTest, LargeValuesBothWays) {
    TlsEchoServer server(path("chain.pem"), path("pkey.pem"));
    Connection connection("127.0.0.1", server.port(), 5s, trusting());
    std::string value((size_t{3} << 20) / 2 + 7, '\0');
    std::mt19937 random(42);
    for (char& c : value) {
        c = static_cast<char>(random());
    }
    // Two requests back to back, then the two answers: frames keep their order and bounds.
    connection.send({.opcode = mcbp::ClientOpcode::Set, .key = "a", .value = value, .opaque = 1});
    connection.send({.opcode = mcbp::ClientOpcode::Set, .key = "b", .value = "x", .opaque = 2});
    const auto first = connection.receive(10s);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->header.opaque, 1U);
    EXPECT_EQ(first->value.size(), value.size());
    EXPECT_TRUE(first->value == value);
    const auto second = connection.receive(10s);
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->key, "b");
    const Packet third =
        connection.execute({.opcode = mcbp::ClientOpcode::Set, .key = "c", .value = value}, 10s);
    EXPECT_TRUE(third.value == value);
}

TEST_F(ClientTlsTest, WrongCertificateAuthorityFails) {
    security::writeSelfSignedCertificate(
        security::makeSelfSignedCertificate({}, std::chrono::hours(24)), path("other.pem"),
        path("other-key.pem"));
    TlsEchoServer server(path("chain.pem"), path("pkey.pem"));
    const std::string peer = "127.0.0.1:" + std::to_string(server.port());
    try {
        Connection connection("127.0.0.1", server.port(), 5s,
                              TlsOptions{.ca_file = path("other.pem")});
        ADD_FAILURE() << "connected";
    } catch (const Error& error) {
        const std::string what = error.what();
        EXPECT_NE(what.find("TLS handshake with " + peer + ": "), std::string::npos) << what;
        EXPECT_NE(what.find("certificate verify failed"), std::string::npos) << what;
    }
    server.join();
    EXPECT_NE(server.failure(), "");
    EXPECT_EQ(server.requests(), 0U);
}

TEST_F(ClientTlsTest, HostNotNamedByTheCertificateFails) {
    // The certificate names localhost only, not 127.0.0.1.
    security::CertificateNames names;
    names.ip_addresses.clear();
    security::writeSelfSignedCertificate(
        security::makeSelfSignedCertificate(names, std::chrono::hours(24)), path("named.pem"),
        path("named-key.pem"));
    TlsEchoServer server(path("named.pem"), path("named-key.pem"));
    try {
        Connection connection("127.0.0.1", server.port(), 5s,
                              TlsOptions{.ca_file = path("named.pem")});
        ADD_FAILURE() << "connected";
    } catch (const Error& error) {
        const std::string what = error.what();
        EXPECT_NE(what.find("TLS handshake with 127.0.0.1:"), std::string::npos) << what;
        EXPECT_NE(what.find("IP address mismatch"), std::string::npos) << what;
    }
}

TEST_F(ClientTlsTest, MissingCaFileNamesIt) {
    TlsEchoServer server(path("chain.pem"), path("pkey.pem"));
    try {
        Connection connection("127.0.0.1", server.port(), 5s,
                              TlsOptions{.ca_file = path("missing.pem")});
        ADD_FAILURE() << "connected";
    } catch (const Error& error) {
        const std::string what = error.what();
        EXPECT_NE(what.find("TLS with 127.0.0.1:"), std::string::npos) << what;
        EXPECT_NE(what.find("missing.pem"), std::string::npos) << what;
    }
}

TEST_F(ClientTlsTest, PlainServerFailsTheHandshake) {
    // A listener that accepts and closes at once, as a server without TLS on that port would
    // after reading a ClientHello it cannot parse.
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    ASSERT_EQ(::listen(listener, 1), 0);
    socklen_t length = sizeof(address);
    ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
    std::thread closer([listener] {
        const int fd = ::accept(listener, nullptr, nullptr);
        char bytes[512];
        (void)::recv(fd, bytes, sizeof(bytes), 0);
        ::close(fd);
    });
    try {
        Connection connection("127.0.0.1", ntohs(address.sin_port), 5s, trusting());
        ADD_FAILURE() << "connected";
    } catch (const Error& error) {
        const std::string what = error.what();
        const std::string peer = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
        EXPECT_EQ(what, "TLS handshake with " + peer + ": the server closed the connection (is " +
                            peer + " a TLS port?)");
    }
    closer.join();
    ::close(listener);
}

TEST_F(ClientTlsTest, ServerCloseIsSeenAsClose) {
    // The server closes without close_notify after its first answer.
    TlsEchoServer server(path("chain.pem"), path("pkey.pem"), /*close_after_first=*/true);
    Connection connection("127.0.0.1", server.port(), 5s, trusting());
    EXPECT_EQ(connection.execute({.opcode = mcbp::ClientOpcode::Noop}, 5s).status(),
              mcbp::ResponseStatus::Success);
    EXPECT_TRUE(connection.waitForClose(5s));
    try {
        (void)connection.receive(1s);
        ADD_FAILURE() << "no exception";
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("closed"), std::string::npos) << error.what();
    }
}

TEST_F(ClientTlsTest, ReceiveThrowsWhenTheServerCloses) {
    TlsEchoServer server(path("chain.pem"), path("pkey.pem"), /*close_after_first=*/true);
    Connection connection("127.0.0.1", server.port(), 5s, trusting());
    connection.send({.opcode = mcbp::ClientOpcode::Noop, .opaque = 9});
    ASSERT_TRUE(connection.receive(5s).has_value());
    try {
        (void)connection.receive(5s);
        ADD_FAILURE() << "no exception";
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("connection closed by the server"),
                  std::string::npos)
            << error.what();
    }
}

TEST_F(ClientTlsTest, MovedConnectionKeepsItsSession) {
    TlsEchoServer server(path("chain.pem"), path("pkey.pem"));
    Connection first("127.0.0.1", server.port(), 5s, trusting());
    EXPECT_EQ(first.execute({.opcode = mcbp::ClientOpcode::Noop}, 5s).status(),
              mcbp::ResponseStatus::Success);
    Connection second(std::move(first));
    EXPECT_TRUE(second.usesTls());
    EXPECT_FALSE(first.usesTls());  // NOLINT(bugprone-use-after-move): moved-from state
    // Assigned over a plain connection, which is closed.
    Pair pair;
    Connection& assigned = *pair.client;
    assigned = std::move(second);
    EXPECT_TRUE(assigned.usesTls());
    EXPECT_TRUE(pair.peer->waitForClose(5s));
    EXPECT_EQ(assigned.execute({.opcode = mcbp::ClientOpcode::Get, .key = "k"}, 5s).key, "k");
    assigned.close();
    server.join();
    EXPECT_EQ(server.failure(), "");
    EXPECT_EQ(server.requests(), 2U);
}

}  // namespace
}  // namespace eddy::client
