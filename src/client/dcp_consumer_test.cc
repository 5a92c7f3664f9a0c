// eddy — tests of the DCP consumer: decoding from hand-built bytes, request encodings, noop
// answers and the flow-control rule, over a socketpair (no server needed).
#include "client/dcp_consumer.h"

#include "protocol/encode.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include <sys/socket.h>

namespace eddy::client {
namespace {

using namespace std::chrono_literals;

std::string u16(uint16_t value) {
    std::string out;
    mcbp::appendUint16(out, value);
    return out;
}
std::string u32(uint32_t value) {
    std::string out;
    mcbp::appendUint32(out, value);
    return out;
}
std::string u64(uint64_t value) {
    std::string out;
    mcbp::appendUint64(out, value);
    return out;
}

/// A producer message written byte by byte (magic 0x80), independent of the encoders.
std::string producerFrame(uint8_t opcode, uint16_t vbucket, uint32_t opaque,
                          std::string_view extras, std::string_view key = {},
                          std::string_view value = {}, uint8_t datatype = 0, uint64_t cas = 0) {
    std::string out;
    out += '\x80';
    out += static_cast<char>(opcode);
    out += u16(static_cast<uint16_t>(key.size()));
    out += static_cast<char>(extras.size());
    out += static_cast<char>(datatype);
    out += u16(vbucket);
    out += u32(static_cast<uint32_t>(extras.size() + key.size() + value.size()));
    out += u32(opaque);
    out += u64(cas);
    out.append(extras).append(key).append(value);
    return out;
}

std::string responseFrame(uint8_t opcode, uint32_t opaque, mcbp::ResponseStatus status,
                          std::string_view value = {}) {
    std::string out;
    mcbp::ResponseHeaderFields fields;
    fields.opcode = opcode;
    fields.opaque = opaque;
    fields.status = status;
    mcbp::appendResponse(out, fields, {}, {}, value);
    return out;
}

struct Pair {
    Pair() {
        int fds[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
            throw std::runtime_error("socketpair failed");
        }
        client.emplace(Connection::adopt(fds[0], "consumer-end"));
        peer.emplace(Connection::adopt(fds[1], "producer-end"));
    }
    std::optional<Connection> client;
    std::optional<Connection> peer;
};

/// Decodes the bytes as they arrive through a real connection.
DcpMessage decodeBytes(const std::string& bytes) {
    Pair pair;
    pair.peer->sendRaw(bytes);
    auto packet = pair.client->receive(1s);
    if (!packet) {
        throw std::runtime_error("nothing received");
    }
    return decodeDcpMessage(*packet);
}

TEST(DcpDecodeTest, SnapshotMarker) {
    const std::string bytes =
        producerFrame(0x56, 5, 77, u64(10) + u64(20) + u32(dcp::kMarkerDisk | dcp::kMarkerAck));
    const auto message = decodeBytes(bytes);
    EXPECT_EQ(message.kind, DcpMessageKind::SnapshotMarker);
    EXPECT_EQ(message.vbucket, 5);
    EXPECT_EQ(message.opaque, 77u);
    EXPECT_EQ(message.snap_start, 10u);
    EXPECT_EQ(message.snap_end, 20u);
    EXPECT_EQ(message.marker_flags, dcp::kMarkerDisk | dcp::kMarkerAck);
    EXPECT_EQ(message.wire_size, 44u);
}

TEST(DcpDecodeTest, SnapshotMarkerV2) {
    const std::string bytes = producerFrame(0x56, 1, 2, std::string(1, '\0'), {},
                                            u64(3) + u64(9) + u32(1) + u64(9) + u64(0));
    const auto message = decodeBytes(bytes);
    EXPECT_EQ(message.kind, DcpMessageKind::SnapshotMarker);
    EXPECT_EQ(message.snap_start, 3u);
    EXPECT_EQ(message.snap_end, 9u);
    EXPECT_EQ(message.marker_flags, 1u);
}

TEST(DcpDecodeTest, Mutation) {
    const std::string extras =
        u64(42) + u64(3) + u32(0xdeadbeef) + u32(1000) + u32(7) + u16(0) + std::string(1, '\x02');
    ASSERT_EQ(extras.size(), 31u);
    const std::string bytes =
        producerFrame(0x57, 1023, 0x01020304, extras, "key", "{\"a\":1}", 0x01, 0xcafe);
    const auto message = decodeBytes(bytes);
    EXPECT_EQ(message.kind, DcpMessageKind::Mutation);
    EXPECT_EQ(message.vbucket, 1023);
    EXPECT_EQ(message.opaque, 0x01020304u);
    EXPECT_EQ(message.by_seqno, 42u);
    EXPECT_EQ(message.rev_seqno, 3u);
    EXPECT_EQ(message.flags, 0xdeadbeefu);
    EXPECT_EQ(message.expiration, 1000u);
    EXPECT_EQ(message.lock_time, 7u);
    EXPECT_EQ(message.nmeta, 0);
    EXPECT_EQ(message.nru, 2);
    EXPECT_EQ(message.key, "key");
    EXPECT_EQ(message.value, "{\"a\":1}");
    EXPECT_EQ(message.datatype, 0x01);
    EXPECT_EQ(message.cas, 0xcafeu);
    EXPECT_EQ(message.wire_size, bytes.size());
}

TEST(DcpDecodeTest, DeletionV1) {
    const std::string bytes =
        producerFrame(0x58, 2, 1, u64(50) + u64(4) + u16(0), "gone", {}, 0, 9);
    const auto message = decodeBytes(bytes);
    EXPECT_EQ(message.kind, DcpMessageKind::Deletion);
    EXPECT_EQ(message.by_seqno, 50u);
    EXPECT_EQ(message.rev_seqno, 4u);
    EXPECT_EQ(message.delete_time, 0u);
    EXPECT_EQ(message.key, "gone");
    EXPECT_EQ(message.cas, 9u);
    EXPECT_EQ(message.wire_size, 24u + 18 + 4);
}

TEST(DcpDecodeTest, DeletionWithDeleteTime) {
    const std::string bytes =
        producerFrame(0x58, 2, 1, u64(51) + u64(5) + u32(1700000000) + std::string(1, '\0'), "k");
    const auto message = decodeBytes(bytes);
    EXPECT_EQ(message.kind, DcpMessageKind::Deletion);
    EXPECT_EQ(message.by_seqno, 51u);
    EXPECT_EQ(message.rev_seqno, 5u);
    EXPECT_EQ(message.delete_time, 1700000000u);
}

TEST(DcpDecodeTest, Expiration) {
    const std::string bytes = producerFrame(0x59, 3, 1, u64(60) + u64(6) + u32(123), "old");
    const auto message = decodeBytes(bytes);
    EXPECT_EQ(message.kind, DcpMessageKind::Expiration);
    EXPECT_EQ(message.by_seqno, 60u);
    EXPECT_EQ(message.rev_seqno, 6u);
    EXPECT_EQ(message.delete_time, 123u);
    EXPECT_EQ(message.key, "old");
}

TEST(DcpDecodeTest, StreamEndNoopSeqnoAdvancedOtherResponse) {
    auto message = decodeBytes(producerFrame(0x55, 4, 8, u32(6)));
    EXPECT_EQ(message.kind, DcpMessageKind::StreamEnd);
    EXPECT_EQ(message.end_reason, dcp::StreamEndReason::Rollback);
    EXPECT_EQ(message.vbucket, 4);

    message = decodeBytes(producerFrame(0x5c, 0, 11, {}));
    EXPECT_EQ(message.kind, DcpMessageKind::Noop);
    EXPECT_EQ(message.opaque, 11u);
    EXPECT_EQ(message.wire_size, 24u);

    message = decodeBytes(producerFrame(0x64, 1, 1, u64(99)));
    EXPECT_EQ(message.kind, DcpMessageKind::SeqnoAdvanced);
    EXPECT_EQ(message.by_seqno, 99u);

    message = decodeBytes(producerFrame(0x5b, 1, 1, std::string(1, '\x02')));
    EXPECT_EQ(message.kind, DcpMessageKind::Other);
    EXPECT_EQ(message.opcode, 0x5b);
    EXPECT_EQ(message.extras, std::string(1, '\x02'));

    message = decodeBytes(responseFrame(0x52, 3, mcbp::ResponseStatus::KeyEnoent));
    EXPECT_EQ(message.kind, DcpMessageKind::Response);
    EXPECT_EQ(message.status, 0x01);
    EXPECT_EQ(message.vbucket, 0);
}

TEST(DcpDecodeTest, WrongExtrasThrow) {
    EXPECT_THROW((void)decodeBytes(producerFrame(0x57, 0, 0, u64(1))), Error);
    EXPECT_THROW((void)decodeBytes(producerFrame(0x58, 0, 0, u64(1))), Error);
    EXPECT_THROW((void)decodeBytes(producerFrame(0x59, 0, 0, u64(1))), Error);
    EXPECT_THROW((void)decodeBytes(producerFrame(0x56, 0, 0, u64(1))), Error);
    EXPECT_THROW((void)decodeBytes(producerFrame(0x55, 0, 0, {})), Error);
}

TEST(DcpDecodeTest, FailoverLog) {
    const auto log = decodeFailoverLog(u64(0xaaaa) + u64(100) + u64(0xbbbb) + u64(0));
    ASSERT_EQ(log.size(), 2u);
    EXPECT_EQ(log[0], (FailoverEntry{0xaaaa, 100}));
    EXPECT_EQ(log[1], (FailoverEntry{0xbbbb, 0}));
    EXPECT_THROW((void)decodeFailoverLog(std::string(17, '\0')), Error);
}

TEST(DcpEncodeTest, Open) {
    auto request = makeOpenRequest("drain", dcp::kOpenProducer | dcp::kOpenNoValue);
    request.opaque = 0x11223344;
    const std::string bytes = encode(request);
    EXPECT_EQ(bytes, producerFrame(0x50, 0, 0x11223344, u32(0) + u32(0x09), "drain"));
}

TEST(DcpEncodeTest, Control) {
    auto request = makeControlRequest("enable_noop", "true");
    request.opaque = 2;
    EXPECT_EQ(encode(request), producerFrame(0x5e, 0, 2, {}, "enable_noop", "true"));
}

TEST(DcpEncodeTest, StreamRequest) {
    const auto request = makeStreamRequest({.vbucket = 7,
                                            .flags = dcp::kStreamActiveVbOnly,
                                            .start_seqno = 5,
                                            .end_seqno = ~uint64_t{0},
                                            .vbucket_uuid = 0x0102030405060708ULL,
                                            .snap_start_seqno = 4,
                                            .snap_end_seqno = 6,
                                            .opaque = 8});
    const std::string extras = u32(0x10) + u32(0) + u64(5) + u64(~uint64_t{0}) +
                               u64(0x0102030405060708ULL) + u64(4) + u64(6);
    ASSERT_EQ(extras.size(), 48u);
    EXPECT_EQ(encode(request), producerFrame(0x53, 7, 8, extras));
}

TEST(DcpEncodeTest, SmallRequests) {
    auto request = makeCloseStreamRequest(9);
    request.opaque = 1;
    EXPECT_EQ(encode(request), producerFrame(0x52, 9, 1, {}));
    request = makeGetFailoverLogRequest(10);
    request.opaque = 1;
    EXPECT_EQ(encode(request), producerFrame(0x54, 10, 1, {}));
    request = makeBufferAckRequest(4096);
    EXPECT_EQ(encode(request), producerFrame(0x5d, 0, 0, u32(4096)));
    request = makeGetAllVbSeqnosRequest(1);
    EXPECT_EQ(encode(request), producerFrame(0x48, 0, 0, u32(1)));
    request = makeGetAllVbSeqnosRequest(0);
    EXPECT_EQ(encode(request), producerFrame(0x48, 0, 0, {}));
}

TEST(DcpEncodeTest, NoopResponse) {
    const std::string bytes = encodeNoopResponse(0x0a0b0c0d);
    const std::string expected(
        "\x81\x5c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0a\x0b\x0c\x0d"
        "\x00\x00\x00\x00\x00\x00\x00\x00",
        24);
    EXPECT_EQ(bytes, expected);
}

/// Runs `script` as the producer on another thread while the test drives the consumer.
class DcpConsumerTest : public ::testing::Test {
protected:
    void runProducer(std::function<void(Connection&)> script) {
        producer_ = std::thread([this, script = std::move(script)] { script(*pair_.peer); });
    }
    void TearDown() override {
        if (producer_.joinable()) {
            producer_.join();
        }
    }
    void joinProducer() { producer_.join(); }

    Pair pair_;
    std::thread producer_;
};

/// Reads the next request and answers it with `status` and `value`.
Packet answer(Connection& peer, mcbp::ResponseStatus status, std::string_view value = {}) {
    auto request = peer.receive(5s);
    if (!request) {
        throw std::runtime_error("no request");
    }
    peer.sendRaw(responseFrame(request->header.opcode, request->header.opaque, status, value));
    return *request;
}

TEST_F(DcpConsumerTest, OpenAndControlSendTheirRequests) {
    Packet open_request;
    Packet control_request;
    runProducer([&](Connection& peer) {
        open_request = answer(peer, mcbp::ResponseStatus::Success);
        control_request = answer(peer, mcbp::ResponseStatus::Success);
        (void)answer(peer, mcbp::ResponseStatus::Einval, "bad key");
    });
    DcpConsumer consumer(*pair_.client);
    consumer.open("name", dcp::kOpenProducer);
    consumer.control("connection_buffer_size", "1000");
    try {
        consumer.control("nonsense", "1");
        ADD_FAILURE() << "no exception";
    } catch (const StatusError& error) {
        EXPECT_EQ(error.status(), mcbp::ResponseStatus::Einval);
        EXPECT_NE(std::string(error.what()).find("bad key"), std::string::npos);
    }
    joinProducer();
    EXPECT_EQ(open_request.header.opcode, 0x50);
    EXPECT_EQ(open_request.key, "name");
    EXPECT_EQ(open_request.extras, u32(0) + u32(1));
    EXPECT_EQ(control_request.key, "connection_buffer_size");
    EXPECT_EQ(control_request.value, "1000");
    EXPECT_EQ(consumer.bufferSize(), 1000u);
}

TEST_F(DcpConsumerTest, StreamRequestSuccessRollbackAndError) {
    runProducer([&](Connection& peer) {
        auto request = answer(peer, mcbp::ResponseStatus::Success,
                              u64(0xbeef) + u64(10) + u64(0xfeed) + u64(0));
        EXPECT_EQ(request.header.opcode, 0x53);
        EXPECT_EQ(request.header.vbucket_or_status, 3);
        EXPECT_EQ(request.header.opaque, 33u);
        EXPECT_EQ(request.extras.size(), 48u);
        (void)answer(peer, mcbp::ResponseStatus::Rollback, u64(7));
        (void)answer(peer, mcbp::ResponseStatus::NotMyVbucket);
    });
    DcpConsumer consumer(*pair_.client);
    auto result = consumer.streamRequest(3, 0, 0, 100, 0, 0, 0, 33);
    EXPECT_EQ(result.status, mcbp::ResponseStatus::Success);
    EXPECT_EQ(result.failover_log, (std::vector<FailoverEntry>{{0xbeef, 10}, {0xfeed, 0}}));
    result = consumer.streamRequest({.vbucket = 3, .start_seqno = 20, .opaque = 34});
    EXPECT_EQ(result.status, mcbp::ResponseStatus::Rollback);
    EXPECT_EQ(result.rollback_seqno, 7u);
    result = consumer.streamRequest({.vbucket = 4, .opaque = 35});
    EXPECT_EQ(result.status, mcbp::ResponseStatus::NotMyVbucket);
    EXPECT_NE(result.message.find("NOT_MY_VBUCKET"), std::string::npos);
}

TEST_F(DcpConsumerTest, FailoverLogAllVbSeqnosAndCloseStream) {
    runProducer([&](Connection& peer) {
        (void)answer(peer, mcbp::ResponseStatus::Success, u64(1) + u64(0));
        (void)answer(peer, mcbp::ResponseStatus::Success, u16(0) + u64(5) + u16(1) + u64(0));
        (void)answer(peer, mcbp::ResponseStatus::KeyEnoent);
    });
    DcpConsumer consumer(*pair_.client);
    EXPECT_EQ(consumer.getFailoverLog(0), (std::vector<FailoverEntry>{{1, 0}}));
    const auto seqnos = consumer.getAllVbSeqnos();
    ASSERT_EQ(seqnos.size(), 2u);
    EXPECT_EQ(seqnos[0], (std::pair<uint16_t, uint64_t>(0, 5)));
    EXPECT_EQ(seqnos[1], (std::pair<uint16_t, uint64_t>(1, 0)));
    EXPECT_EQ(consumer.closeStream(9), mcbp::ResponseStatus::KeyEnoent);
}

TEST_F(DcpConsumerTest, MessagesBeforeTheStreamResponseAreKept) {
    const std::string marker = producerFrame(0x56, 0, 1, u64(0) + u64(1) + u32(1));
    runProducer([&](Connection& peer) {
        auto request = peer.receive(5s);
        ASSERT_TRUE(request);
        peer.sendRaw(marker);
        peer.sendRaw(responseFrame(0x53, request->header.opaque, mcbp::ResponseStatus::Success,
                                   u64(1) + u64(0)));
    });
    DcpConsumer consumer(*pair_.client);
    EXPECT_EQ(consumer.streamRequest({.vbucket = 1, .opaque = 2}).status,
              mcbp::ResponseStatus::Success);
    const auto message = consumer.next(1s);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->kind, DcpMessageKind::SnapshotMarker);
    EXPECT_EQ(message->opaque, 1u);
}

TEST_F(DcpConsumerTest, NoopIsAnsweredAndReported) {
    Pair& pair = pair_;
    pair.peer->sendRaw(producerFrame(0x5c, 0, 0x55, {}));
    DcpConsumer consumer(*pair.client);
    const auto message = consumer.next(1s);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->kind, DcpMessageKind::Noop);
    const auto reply = pair.peer->receive(1s);
    ASSERT_TRUE(reply);
    EXPECT_TRUE(reply->isResponse());
    EXPECT_EQ(reply->header.magic, mcbp::Magic::ClientResponse);
    EXPECT_EQ(reply->header.opcode, 0x5c);
    EXPECT_EQ(reply->header.opaque, 0x55u);
    EXPECT_EQ(reply->status(), mcbp::ResponseStatus::Success);
    EXPECT_EQ(reply->size(), 24u);
}

TEST_F(DcpConsumerTest, NoopNotAnsweredWhenTurnedOff) {
    pair_.peer->sendRaw(producerFrame(0x5c, 0, 1, {}));
    DcpConsumer consumer(*pair_.client, {.answer_noops = false});
    const auto message = consumer.next(1s);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->kind, DcpMessageKind::Noop);
    EXPECT_FALSE(pair_.peer->receive(20ms));
}

TEST_F(DcpConsumerTest, NextTimesOut) {
    DcpConsumer consumer(*pair_.client);
    EXPECT_FALSE(consumer.next(10ms));
}

TEST_F(DcpConsumerTest, FlowControlAcksPastHalfTheWindowNotCountingNoops) {
    runProducer([&](Connection& peer) { (void)answer(peer, mcbp::ResponseStatus::Success); });
    DcpConsumer consumer(*pair_.client);
    consumer.control("connection_buffer_size", "200");
    joinProducer();

    // 44-byte markers: 44, 88 stay under 100; noops add nothing; 132 > 100 triggers an ack.
    const std::string marker = producerFrame(0x56, 0, 1, u64(1) + u64(2) + u32(1));
    const std::string noop = producerFrame(0x5c, 0, 2, {});
    ASSERT_EQ(marker.size(), 44u);
    pair_.peer->sendRaw(marker + noop + marker + noop + noop + marker);

    ASSERT_TRUE(consumer.next(1s));
    EXPECT_EQ(consumer.unackedBytes(), 44u);
    ASSERT_TRUE(consumer.next(1s));  // noop
    EXPECT_EQ(consumer.unackedBytes(), 44u);
    ASSERT_TRUE(consumer.next(1s));
    EXPECT_EQ(consumer.unackedBytes(), 88u);
    ASSERT_TRUE(consumer.next(1s));
    ASSERT_TRUE(consumer.next(1s));
    EXPECT_EQ(consumer.unackedBytes(), 88u);
    ASSERT_TRUE(consumer.next(1s));
    EXPECT_EQ(consumer.unackedBytes(), 0u);
    EXPECT_EQ(consumer.ackedBytes(), 132u);

    // The peer sees three noop responses and then exactly one buffer ack of 132 bytes.
    for (int i = 0; i < 3; ++i) {
        const auto reply = pair_.peer->receive(1s);
        ASSERT_TRUE(reply);
        EXPECT_EQ(reply->header.opcode, 0x5c);
    }
    const auto ack = pair_.peer->receive(1s);
    ASSERT_TRUE(ack);
    EXPECT_FALSE(ack->isResponse());
    EXPECT_EQ(ack->header.opcode, 0x5d);
    EXPECT_EQ(ack->extras, u32(132));
    EXPECT_FALSE(pair_.peer->receive(20ms));
}

TEST_F(DcpConsumerTest, NoAcksWithoutAWindowOrWithAutoAckOff) {
    const std::string mutation =
        producerFrame(0x57, 0, 1, std::string(31, '\0'), "k", std::string(500, 'v'));
    pair_.peer->sendRaw(mutation);
    DcpConsumer consumer(*pair_.client);
    ASSERT_TRUE(consumer.next(1s));
    EXPECT_EQ(consumer.unackedBytes(), 0u);
    EXPECT_FALSE(pair_.peer->receive(20ms));

    runProducer([&](Connection& peer) { (void)answer(peer, mcbp::ResponseStatus::Success); });
    DcpConsumer manual(*pair_.client, {.auto_buffer_ack = false});
    manual.control("connection_buffer_size", "100");
    joinProducer();
    pair_.peer->sendRaw(mutation);
    ASSERT_TRUE(manual.next(1s));
    EXPECT_EQ(manual.unackedBytes(), mutation.size());
    EXPECT_FALSE(pair_.peer->receive(20ms));
    manual.bufferAck(100);
    EXPECT_EQ(manual.unackedBytes(), mutation.size() - 100);
    const auto ack = pair_.peer->receive(1s);
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->extras, u32(100));
}

}  // namespace
}  // namespace eddy::client
