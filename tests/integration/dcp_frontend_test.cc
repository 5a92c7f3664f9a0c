// eddy — the front end's side of DCP and of Snappy over a socket.
//
// What these tests assert holds whether or not the bucket implements DCP: DCP commands are
// validated, refused cleanly on the wrong connection (or NotSupported by a bucket without DCP),
// a stray response frame is answered EINVAL on an ordinary connection, and a producer
// connection is set up and torn down without harm. Where the bucket has DCP, a stream request
// over a few documents checks that the connection steps the producer and writes its messages.
// Snappy: a value sent compressed is stored (and read back) inflated; invalid Snappy data and
// Snappy without HELLO are EINVAL.

#include "server_fixture.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::Feature;
using mcbp::ResponseStatus;

constexpr uint32_t kProducer = 0x01;

std::string dcpOpenExtras(uint32_t flags) {
    std::string extras;
    mcbp::appendUint32(extras, 0);
    mcbp::appendUint32(extras, flags);
    return extras;
}

std::string streamRequestExtras(uint64_t start, uint64_t end) {
    std::string extras;
    mcbp::appendUint32(extras, 0);  // flags
    mcbp::appendUint32(extras, 0);  // reserved
    mcbp::appendUint64(extras, start);
    mcbp::appendUint64(extras, end);
    mcbp::appendUint64(extras, 0);  // vbucket uuid
    mcbp::appendUint64(extras, start);
    mcbp::appendUint64(extras, start);
    return extras;
}

/// A response frame as a DCP client sends one (to the producer's DCP_NOOP).
std::string responseFrame(ClientOpcode opcode, uint32_t opaque) {
    std::string out;
    mcbp::ResponseHeaderFields fields;
    fields.opcode = static_cast<uint8_t>(opcode);
    fields.opaque = opaque;
    mcbp::appendResponse(out, fields, {}, {}, {});
    return out;
}

// ---- Snappy, written by hand (the format is small): a varint length, then elements ----

std::string varint(uint32_t value) {
    std::string out;
    while (value >= 0x80) {
        out.push_back(static_cast<char>((value & 0x7f) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
    return out;
}

/// `pattern` (at most 60 bytes) as a literal, then 2-byte-offset copies of it up to `total`
/// bytes: a genuinely compressed stream, not just a literal wrapper.
std::string snappyRepeat(std::string_view pattern, size_t total) {
    std::string out = varint(static_cast<uint32_t>(total));
    out.push_back(static_cast<char>((pattern.size() - 1) << 2));  // literal
    out.append(pattern);
    for (size_t done = pattern.size(); done < total;) {
        const size_t length = std::min<size_t>(64, total - done);
        out.push_back(static_cast<char>(0x02 | ((length - 1) << 2)));  // copy, 2-byte offset
        out.push_back(static_cast<char>(pattern.size() & 0xff));
        out.push_back(static_cast<char>(pattern.size() >> 8));
        done += length;
    }
    return out;
}

std::string repeated(std::string_view pattern, size_t total) {
    std::string out;
    while (out.size() < total) {
        out.append(pattern.substr(0, std::min(pattern.size(), total - out.size())));
    }
    return out;
}

/// A literal-only stream of `text` (at most 60 bytes).
std::string snappyLiteral(std::string_view text) {
    std::string out = varint(static_cast<uint32_t>(text.size()));
    out.push_back(static_cast<char>((text.size() - 1) << 2));
    out.append(text);
    return out;
}

class DcpFrontEndTest : public ServerTest {
protected:
    void SetUp() override {
        ServerTest::SetUp();
        ASSERT_TRUE(waitForWarmup(*client_));
    }

    /// The next response frame (magic 0x81), skipping any DCP message the server sends.
    std::optional<Response> nextResponse(McbpClient& client) {
        for (;;) {
            auto frame = client.receive();
            if (!frame || frame->header.magic == mcbp::Magic::ClientResponse) {
                return frame;
            }
        }
    }

    Response dcpOpen(McbpClient& client, std::string name, uint32_t flags = kProducer) {
        return client.execute({.opcode = ClientOpcode::DcpOpen,
                               .key = std::move(name),
                               .extras = dcpOpenExtras(flags),
                               .opaque = 0xd0});
    }

    /// NOOP answers: the connection is alive and in step.
    void expectAlive(McbpClient& client) {
        client.send({.opcode = ClientOpcode::Noop, .opaque = 0x1234});
        const auto noop = nextResponse(client);
        ASSERT_TRUE(noop) << "the connection is gone";
        EXPECT_EQ(static_cast<uint8_t>(ClientOpcode::Noop), noop->header.opcode);
        EXPECT_EQ(0x1234u, noop->header.opaque);
        EXPECT_EQ(ResponseStatus::Success, noop->status());
    }
};

// ---- DCP ----

TEST_P(DcpFrontEndTest, DcpOpenAnswersWithTheRequestsOpaque) {
    const auto opened = dcpOpen(*client_, "eddy-test:open");
    EXPECT_EQ(ResponseStatus::Success, opened.status())
        << mcbp::statusName(opened.status()).value_or("?");
    EXPECT_EQ(0xd0u, opened.header.opaque);
    EXPECT_TRUE(opened.value.empty());
    expectAlive(*client_);
}

TEST_P(DcpFrontEndTest, MalformedDcpRequestsAreEinvalAndKeepTheConnection) {
    std::string ack;
    mcbp::appendUint32(ack, 100);
    const std::vector<Request> malformed = {
        // DCP_OPEN: 4-byte extras, no name, a name over 200 bytes.
        {.opcode = ClientOpcode::DcpOpen, .key = "n", .extras = std::string(4, '\0')},
        {.opcode = ClientOpcode::DcpOpen, .extras = dcpOpenExtras(kProducer)},
        {.opcode = ClientOpcode::DcpOpen,
         .key = std::string(201, 'n'),
         .extras = dcpOpenExtras(kProducer)},
        // DCP_CONTROL: without value, without key, with extras.
        {.opcode = ClientOpcode::DcpControl, .key = "enable_noop"},
        {.opcode = ClientOpcode::DcpControl, .value = "true"},
        {.opcode = ClientOpcode::DcpControl, .key = "enable_noop", .value = "true", .extras = ack},
        // DCP_STREAM_REQ: short extras, a key.
        {.opcode = ClientOpcode::DcpStreamReq, .extras = std::string(40, '\0')},
        {.opcode = ClientOpcode::DcpStreamReq, .key = "k", .extras = streamRequestExtras(0, 1)},
        // DCP_GET_FAILOVER_LOG and DCP_CLOSE_STREAM take nothing.
        {.opcode = ClientOpcode::DcpGetFailoverLog, .value = "v"},
        {.opcode = ClientOpcode::DcpCloseStream, .extras = ack},
        // DCP_BUFFER_ACKNOWLEDGEMENT: 4 bytes of extras and nothing else.
        {.opcode = ClientOpcode::DcpBufferAcknowledgement},
        {.opcode = ClientOpcode::DcpBufferAcknowledgement, .key = "k", .extras = ack},
        // STOP/START_PERSISTENCE take nothing.
        {.opcode = ClientOpcode::StopPersistence, .key = "k"},
        {.opcode = ClientOpcode::StartPersistence, .extras = ack},
        // A CAS on a DCP command.
        {.opcode = ClientOpcode::DcpGetFailoverLog, .cas = 1},
    };
    uint32_t opaque = 100;
    for (Request request : malformed) {
        request.opaque = ++opaque;
        SCOPED_TRACE(opaque);
        const auto response = client_->execute(request);
        EXPECT_EQ(ResponseStatus::Einval, response.status());
        EXPECT_EQ(opaque, response.header.opaque);
    }
    expectAlive(*client_);
}

TEST_P(DcpFrontEndTest, ProducerCommandsOnAPlainConnectionAreRefused) {
    std::string ack;
    mcbp::appendUint32(ack, 4096);
    const std::vector<Request> requests = {
        {.opcode = ClientOpcode::DcpControl, .key = "enable_noop", .value = "true"},
        {.opcode = ClientOpcode::DcpStreamReq, .extras = streamRequestExtras(0, ~0ULL)},
        {.opcode = ClientOpcode::DcpCloseStream},
        {.opcode = ClientOpcode::DcpBufferAcknowledgement, .extras = ack},
    };
    client_->hello({Feature::Xerror, Feature::Json});
    for (const Request& request : requests) {
        SCOPED_TRACE(static_cast<int>(request.opcode));
        const auto response = client_->execute(request);
        EXPECT_TRUE(response.status() == ResponseStatus::Einval ||
                    response.status() == ResponseStatus::NotSupported)
            << mcbp::statusName(response.status()).value_or("?");
        // XERROR says why.
        const auto body = nlohmann::json::parse(response.value, nullptr, false);
        ASSERT_TRUE(body.is_object()) << response.value;
        EXPECT_TRUE(body["error"]["context"].is_string());
    }
    expectAlive(*client_);
}

TEST_P(DcpFrontEndTest, BufferAckOnAPlainConnectionIsAnsweredWithAnError) {
    std::string ack;
    mcbp::appendUint32(ack, 1);
    const auto response = client_->execute(
        {.opcode = ClientOpcode::DcpBufferAcknowledgement, .extras = ack, .opaque = 77});
    EXPECT_NE(ResponseStatus::Success, response.status());
    EXPECT_EQ(77u, response.header.opaque);
    expectAlive(*client_);
}

TEST_P(DcpFrontEndTest, GetFailoverLogAnswers) {
    // On a plain connection the bucket may answer or refuse; it must not go unanswered.
    const auto plain = client_->execute({.opcode = ClientOpcode::DcpGetFailoverLog});
    EXPECT_TRUE(plain.status() == ResponseStatus::Success ||
                plain.status() == ResponseStatus::Einval ||
                plain.status() == ResponseStatus::NotSupported)
        << mcbp::statusName(plain.status()).value_or("?");
    expectAlive(*client_);
    // A producer gets vbucket 0's log: (uuid, seqno) pairs.
    auto producer = connect();
    ASSERT_EQ(ResponseStatus::Success, dcpOpen(*producer, "eddy-test:failover").status());
    const auto log = producer->execute({.opcode = ClientOpcode::DcpGetFailoverLog});
    ASSERT_EQ(ResponseStatus::Success, log.status());
    EXPECT_FALSE(log.value.empty());
    EXPECT_EQ(0u, log.value.size() % 16);
}

TEST_P(DcpFrontEndTest, StrayResponseFrameOnAPlainConnectionIsEinval) {
    client_->sendRaw(responseFrame(ClientOpcode::DcpNoop, 9));
    const auto answer = client_->receive();
    ASSERT_TRUE(answer);
    EXPECT_EQ(ResponseStatus::Einval, answer->status());
    EXPECT_EQ(9u, answer->header.opaque);
    expectAlive(*client_);
}

TEST_P(DcpFrontEndTest, PersistenceControlIsHandedToTheEngine) {
    for (const auto opcode : {ClientOpcode::StopPersistence, ClientOpcode::StartPersistence}) {
        const auto response = client_->execute({.opcode = opcode});
        EXPECT_TRUE(response.status() == ResponseStatus::Success ||
                    response.status() == ResponseStatus::NotSupported)
            << mcbp::statusName(response.status()).value_or("?");
    }
    expectAlive(*client_);
}

TEST_P(DcpFrontEndTest, ProducerConnectionTakesCommandsAndResponsesAndCloses) {
    ASSERT_EQ(ResponseStatus::Success, dcpOpen(*client_, "eddy-test:producer").status());
    // A second DCP_OPEN on the same connection is refused by the engine.
    EXPECT_NE(ResponseStatus::Success, dcpOpen(*client_, "eddy-test:again").status());
    // A response frame is the engine's: no answer comes back for it (the NOOP's is first), or
    // the engine refuses it and the connection closes.
    client_->sendRaw(responseFrame(ClientOpcode::DcpNoop, 0xabcdef));
    client_->send({.opcode = ClientOpcode::Noop, .opaque = 0x4242});
    if (const auto answer = nextResponse(*client_)) {
        EXPECT_EQ(0x4242u, answer->header.opaque);
        EXPECT_EQ(static_cast<uint8_t>(ClientOpcode::Noop), answer->header.opcode);
    }
    client_->close();
    // The server goes on serving.
    auto other = connect();
    expectAlive(*other);
}

TEST_P(DcpFrontEndTest, StreamRequestStreamsTheVbucket) {
    for (const char* key : {"dcp:a", "dcp:b", "dcp:c"}) {
        ASSERT_EQ(ResponseStatus::Success,
                  client_->set(key, std::string("value of ") + key).status());
    }
    auto dcp = connect();
    ASSERT_EQ(ResponseStatus::Success, dcpOpen(*dcp, "eddy-test:stream").status());
    dcp->send({.opcode = ClientOpcode::DcpStreamReq,
               .extras = streamRequestExtras(0, ~0ULL),
               .opaque = 0x5e});
    std::set<std::string> streamed;
    bool accepted = false;
    while (streamed.size() < 3) {
        const auto frame = dcp->receive();
        ASSERT_TRUE(frame) << "streamed " << streamed.size() << " of 3 documents";
        if (frame->header.magic == mcbp::Magic::ClientResponse) {
            ASSERT_EQ(static_cast<uint8_t>(ClientOpcode::DcpStreamReq), frame->header.opcode);
            ASSERT_EQ(ResponseStatus::Success, frame->status());
            EXPECT_EQ(0u, frame->value.size() % 16);
            accepted = true;
            continue;
        }
        EXPECT_TRUE(accepted) << "a DCP message before the stream request's response";
        if (frame->header.opcode == static_cast<uint8_t>(ClientOpcode::DcpMutation)) {
            EXPECT_EQ("value of " + frame->key, frame->value);
            streamed.insert(frame->key);
        }
    }
    EXPECT_EQ((std::set<std::string>{"dcp:a", "dcp:b", "dcp:c"}), streamed);
}

// ---- Snappy ----

TEST_P(DcpFrontEndTest, SnappyValueIsStoredInflated) {
    const auto granted = client_->hello({Feature::Snappy, Feature::Xerror});
    ASSERT_NE(granted.end(),
              std::find(granted.begin(), granted.end(), static_cast<uint16_t>(Feature::Snappy)));
    // Large enough that GET queues it by reference.
    const std::string expected = repeated("snappy-0123456789-", 100000);
    const auto stored = client_->execute({.opcode = ClientOpcode::Set,
                                          .key = "compressed",
                                          .value = snappyRepeat("snappy-0123456789-", 100000),
                                          .extras = storeExtras(7, 0),
                                          .datatype = 0x02});
    ASSERT_EQ(ResponseStatus::Success, stored.status()) << stored.value;
    const auto got = client_->get("compressed");
    ASSERT_EQ(ResponseStatus::Success, got.status());
    EXPECT_EQ(0, got.header.datatype);
    EXPECT_EQ(expected.size(), got.value.size());
    EXPECT_TRUE(got.value == expected);
    // APPEND and PREPEND inflate too.
    EXPECT_EQ(ResponseStatus::Success, client_
                                           ->execute({.opcode = ClientOpcode::Append,
                                                      .key = "compressed",
                                                      .value = snappyLiteral("<tail>"),
                                                      .datatype = 0x02})
                                           .status());
    EXPECT_EQ(ResponseStatus::Success, client_
                                           ->execute({.opcode = ClientOpcode::Prepend,
                                                      .key = "compressed",
                                                      .value = snappyLiteral("<head>"),
                                                      .datatype = 0x02})
                                           .status());
    EXPECT_TRUE(client_->get("compressed").value == "<head>" + expected + "<tail>");
}

TEST_P(DcpFrontEndTest, SnappyJsonKeepsTheJsonBit) {
    client_->hello({Feature::Snappy, Feature::Json});
    const std::string doc = R"({"compressed":true})";
    ASSERT_EQ(ResponseStatus::Success, client_
                                           ->execute({.opcode = ClientOpcode::Set,
                                                      .key = "doc",
                                                      .value = snappyLiteral(doc),
                                                      .extras = storeExtras(0, 0),
                                                      .datatype = 0x03})
                                           .status());
    const auto got = client_->get("doc");
    EXPECT_EQ(doc, got.value);
    EXPECT_EQ(0x01, got.header.datatype);
}

TEST_P(DcpFrontEndTest, InvalidSnappyIsEinval) {
    client_->hello({Feature::Snappy, Feature::Xerror, Feature::Json});
    // Claims 100 bytes, holds 4; and bytes that are no Snappy at all.
    std::string short_stream = varint(100);
    short_stream.push_back(static_cast<char>(3 << 2));
    short_stream += "abcd";
    for (const std::string& value : {short_stream, std::string("\xff\xff\xff\xff\xff\xff", 6)}) {
        const auto response = client_->execute({.opcode = ClientOpcode::Set,
                                                .key = "bad",
                                                .value = value,
                                                .extras = storeExtras(0, 0),
                                                .datatype = 0x02});
        EXPECT_EQ(ResponseStatus::Einval, response.status());
        const auto body = nlohmann::json::parse(response.value, nullptr, false);
        ASSERT_TRUE(body.is_object()) << response.value;
        EXPECT_EQ("Invalid Snappy-compressed value", body["error"]["context"]);
    }
    EXPECT_EQ(ResponseStatus::KeyEnoent, client_->get("bad").status());
}

TEST_P(DcpFrontEndTest, SnappyWithoutHelloIsEinval) {
    const auto response = client_->execute({.opcode = ClientOpcode::Set,
                                            .key = "k",
                                            .value = snappyLiteral("plain"),
                                            .extras = storeExtras(0, 0),
                                            .datatype = 0x02});
    EXPECT_EQ(ResponseStatus::Einval, response.status());
    EXPECT_EQ(ResponseStatus::KeyEnoent, client_->get("k").status());
}

INSTANTIATE_TEST_SUITE_P(Engines, DcpFrontEndTest,
                         ::testing::Values(EngineMode::Plain, EngineMode::AlwaysAsync),
                         engineModeName);

}  // namespace
}  // namespace eddy::test
