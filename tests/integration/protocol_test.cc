// Protocol-level behaviour over a socket: validation, framing errors, HELLO, error map.

#include "server_fixture.h"

#include <nlohmann/json.hpp>

#include <random>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::Feature;
using mcbp::ResponseStatus;

class ProtocolTest : public ServerTest {
protected:
    std::string extraConfig() const override {
        return R"("max_packet_size": 2097152, "item_size_max": 1048576)";
    }
};

TEST_P(ProtocolTest, UnknownOpcodeKeepsTheConnection) {
    std::string raw;
    mcbp::appendRequest(raw, {.opcode = 0xe9, .opaque = 77}, {}, {}, {});
    client_->sendRaw(raw);
    auto response = client_->receive();
    ASSERT_TRUE(response);
    EXPECT_EQ(ResponseStatus::UnknownCommand, response->status());
    EXPECT_EQ(77u, response->header.opaque);
    EXPECT_EQ(ResponseStatus::Success, client_->execute({.opcode = ClientOpcode::Noop}).status());
}

TEST_P(ProtocolTest, InvalidRequestShapeIsEinvalAndKeepsTheConnection) {
    // GET without a key.
    EXPECT_EQ(ResponseStatus::Einval, client_->execute({.opcode = ClientOpcode::Get}).status());
    // NOOP with a key.
    EXPECT_EQ(ResponseStatus::Einval,
              client_->execute({.opcode = ClientOpcode::Noop, .key = "k"}).status());
    // Key longer than 250 bytes.
    EXPECT_EQ(ResponseStatus::Einval, client_->get(std::string(251, 'k')).status());
    EXPECT_EQ(ResponseStatus::KeyEnoent, client_->get(std::string(250, 'k')).status());
    // SET with the wrong extras.
    EXPECT_EQ(
        ResponseStatus::Einval,
        client_->execute({.opcode = ClientOpcode::Set, .key = "k", .extras = "abc"}).status());
    EXPECT_EQ(ResponseStatus::Success, client_->execute({.opcode = ClientOpcode::Noop}).status());
}

TEST_P(ProtocolTest, ValueOverItemSizeIsE2big) {
    EXPECT_EQ(ResponseStatus::E2big, client_->set("big", std::string(1048577, 'v')).status());
    EXPECT_EQ(ResponseStatus::Success, client_->set("big", std::string(1048576, 'v')).status());
    // Growing past the limit through APPEND is refused too.
    EXPECT_EQ(
        ResponseStatus::E2big,
        client_->execute({.opcode = ClientOpcode::Append, .key = "big", .value = "x"}).status());
}

TEST_P(ProtocolTest, BadMagicIsEinvalAndClose) {
    std::string raw(24, '\0');
    raw[0] = 0x42;
    client_->sendRaw(raw);
    auto response = client_->receive();
    ASSERT_TRUE(response);
    EXPECT_EQ(ResponseStatus::Einval, response->status());
    EXPECT_TRUE(client_->closedByServer());
    // The server is still there for others.
    McbpClient fresh(server_->port());
    EXPECT_EQ(ResponseStatus::Success, fresh.execute({.opcode = ClientOpcode::Noop}).status());
}

TEST_P(ProtocolTest, BodyShorterThanItsPartsIsEinvalAndClose) {
    std::string raw;
    mcbp::appendRequest(raw, {.opcode = 0x00, .opaque = 9}, {}, "key", {});
    raw[11] = 1;  // body length 1 < key length 3
    client_->sendRaw(raw);
    auto response = client_->receive();
    ASSERT_TRUE(response);
    EXPECT_EQ(ResponseStatus::Einval, response->status());
    EXPECT_EQ(9u, response->header.opaque);
    EXPECT_TRUE(client_->closedByServer());
}

TEST_P(ProtocolTest, BodyOverMaxPacketSizeIsEinvalAndClose) {
    std::string raw;
    mcbp::appendRequest(raw, {.opcode = 0x01, .opaque = 5}, storeExtras(0, 0), "k", {});
    // Claim a 3 MiB body without sending it: the header alone is enough to refuse it.
    const uint32_t body = 3 * 1024 * 1024;
    raw[8] = static_cast<char>(body >> 24);
    raw[9] = static_cast<char>(body >> 16);
    raw[10] = static_cast<char>(body >> 8);
    raw[11] = static_cast<char>(body);
    client_->sendRaw(raw);
    auto response = client_->receive();
    ASSERT_TRUE(response);
    EXPECT_EQ(ResponseStatus::Einval, response->status());
    EXPECT_EQ(5u, response->header.opaque);
    EXPECT_TRUE(client_->closedByServer());
}

TEST_P(ProtocolTest, HelloGrantsOnlyImplementedFeatures) {
    const auto granted = client_->hello(
        {Feature::TcpNoDelay, Feature::Xerror, Feature::Json, Feature::AltRequestSupport,
         Feature::Snappy, Feature::Duplex, Feature::UnorderedExecution, Feature::Collections,
         Feature::MutationSeqno, Feature::ClustermapChangeNotification,
         Feature::DedupeNotMyVbucketClustermap, Feature::Xattr, Feature::PreserveTtl,
         Feature::SelectBucket});
    const std::vector<uint16_t> expected = {
        static_cast<uint16_t>(Feature::TcpNoDelay),
        static_cast<uint16_t>(Feature::Xerror),
        static_cast<uint16_t>(Feature::Json),
        static_cast<uint16_t>(Feature::AltRequestSupport),
        static_cast<uint16_t>(Feature::Snappy),
        static_cast<uint16_t>(Feature::Duplex),
        static_cast<uint16_t>(Feature::Collections),
        static_cast<uint16_t>(Feature::MutationSeqno),
        static_cast<uint16_t>(Feature::ClustermapChangeNotification),
        static_cast<uint16_t>(Feature::DedupeNotMyVbucketClustermap),
        static_cast<uint16_t>(Feature::Xattr),
        static_cast<uint16_t>(Feature::PreserveTtl),
        static_cast<uint16_t>(Feature::SelectBucket)};
    EXPECT_EQ(expected, granted);
}

TEST_P(ProtocolTest, XerrorAddsErrorContext) {
    client_->hello({Feature::Xerror, Feature::Json});
    const auto response = client_->execute({.opcode = ClientOpcode::Get});
    ASSERT_EQ(ResponseStatus::Einval, response.status());
    const auto body = nlohmann::json::parse(response.value);
    EXPECT_TRUE(body["error"]["context"].is_string());
    // Without XERROR the body is the memcached protocol's short message.
    McbpClient plain(server_->port());
    EXPECT_EQ("Invalid arguments", plain.execute({.opcode = ClientOpcode::Get}).value);
}

TEST_P(ProtocolTest, JsonDatatypeNeedsHello) {
    const Request json_set{.opcode = ClientOpcode::Set,
                           .key = "doc",
                           .value = R"({"a":1})",
                           .extras = storeExtras(0, 0),
                           .datatype = 0x01};
    EXPECT_EQ(ResponseStatus::Einval, client_->execute(json_set).status());
    client_->hello({Feature::Json});
    EXPECT_EQ(ResponseStatus::Success, client_->execute(json_set).status());
    EXPECT_EQ(0x01, client_->get("doc").header.datatype);
    // A client without JSON sees the document as raw bytes.
    McbpClient plain(server_->port());
    EXPECT_EQ(0x00, plain.get("doc").header.datatype);
}

TEST_P(ProtocolTest, AltRequestNeedsHello) {
    std::string raw;
    mcbp::appendRequest(raw, {.magic = mcbp::Magic::AltClientRequest, .opcode = 0x0a}, {}, {}, {},
                        std::string(1, '\0'));  // one Barrier frame info
    client_->sendRaw(raw);
    auto refused = client_->receive();
    ASSERT_TRUE(refused);
    EXPECT_EQ(ResponseStatus::Einval, refused->status());
    client_->hello({Feature::AltRequestSupport});
    client_->sendRaw(raw);
    auto accepted = client_->receive();
    ASSERT_TRUE(accepted);
    EXPECT_EQ(ResponseStatus::Success, accepted->status());
}

TEST_P(ProtocolTest, ErrorMapVersionSaslAndVersion) {
    std::string version_two;
    mcbp::appendUint16(version_two, 2);
    const auto map = client_->execute({.opcode = ClientOpcode::GetErrorMap, .value = version_two});
    ASSERT_EQ(ResponseStatus::Success, map.status());
    const auto json = nlohmann::json::parse(map.value);
    EXPECT_EQ(2, json["version"]);
    EXPECT_TRUE(json["errors"].contains("81"));
    std::string version_zero;
    mcbp::appendUint16(version_zero, 0);
    EXPECT_EQ(
        ResponseStatus::Einval,
        client_->execute({.opcode = ClientOpcode::GetErrorMap, .value = version_zero}).status());
    EXPECT_EQ(ResponseStatus::Success,
              client_->execute({.opcode = ClientOpcode::SaslListMechs}).status());
    const auto version = client_->execute({.opcode = ClientOpcode::Version});
    EXPECT_EQ(ResponseStatus::Success, version.status());
    EXPECT_FALSE(version.value.empty());
    EXPECT_EQ(
        ResponseStatus::Success,
        client_->execute({.opcode = ClientOpcode::Verbosity, .extras = uint32Extras(0)}).status());
}

TEST_P(ProtocolTest, QuitAnswersThenCloses) {
    EXPECT_EQ(ResponseStatus::Success, client_->execute({.opcode = ClientOpcode::Quit}).status());
    EXPECT_TRUE(client_->closedByServer());
    McbpClient quiet(server_->port());
    quiet.send({.opcode = ClientOpcode::Quitq});
    EXPECT_TRUE(quiet.closedByServer());
}

TEST_P(ProtocolTest, MalformedPacketStormLeavesTheServerServing) {
    std::mt19937 random(20261126);
    for (int round = 0; round < 40; ++round) {
        McbpClient attacker(server_->port());
        std::string garbage;
        const int kind = round % 4;
        if (kind == 0) {
            garbage.resize(1 + random() % 512);
            for (auto& byte : garbage) {
                byte = static_cast<char>(random());
            }
        } else {
            // A valid magic with random lengths and opcodes.
            mcbp::appendRequest(garbage, {.opcode = static_cast<uint8_t>(random())},
                                std::string(random() % 30, 'e'), std::string(random() % 300, 'k'),
                                std::string(random() % 100, 'v'));
            for (int flips = 0; flips < 3; ++flips) {
                garbage[2 + random() % 22] = static_cast<char>(random());
            }
        }
        attacker.sendRaw(garbage);
        // Read whatever comes back until the server answers, closes, or goes quiet.
        while (attacker.receive(std::chrono::milliseconds(50))) {
        }
    }
    McbpClient fresh(server_->port());
    EXPECT_EQ(ResponseStatus::Success, fresh.set("after", "storm").status());
    EXPECT_EQ("storm", fresh.get("after").value);
}

INSTANTIATE_TEST_SUITE_P(Engines, ProtocolTest,
                         ::testing::Values(EngineMode::Plain, EngineMode::AlwaysAsync),
                         engineModeName);

}  // namespace
}  // namespace eddy::test
