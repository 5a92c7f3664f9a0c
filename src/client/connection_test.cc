// eddy — tests of the blocking client connection, over a socketpair (no server needed).
#include "client/connection.h"

#include "protocol/encode.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include <netinet/in.h>
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

}  // namespace
}  // namespace eddy::client
