// DCP producer connections over a socket, against a persistent and an ephemeral bucket: flow
// control stops the producer at its window and its unacked_bytes always equals what the consumer
// received (noops excepted) minus what it acknowledged; noops come after the interval once a
// stream exists, and a consumer that does not answer them is disconnected after the idle
// timeout; closing a stream, a vbucket leaving the active state and a second connection with the
// same name end streams and connections as specified; one connection carries many streams;
// memory recovery may drop a slow stream's cursor, after which the stream backfills what it
// missed (nothing lost) or, if its consumer did not allow that, ends with Slow; and many
// producers disconnecting in the middle of their streams while writes go on leave a server that
// still serves and exits cleanly.

#include "dcp_harness.h"

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr uint8_t kReplica = 2;
constexpr uint8_t kDead = 4;

/// Every message of `collected` for `vbucket` appended to `into`.
void append(std::vector<DcpMessage>& into, const Collected& collected, uint16_t vbucket) {
    if (const auto it = collected.streams.find(vbucket); it != collected.streams.end()) {
        into.insert(into.end(), it->second.begin(), it->second.end());
    }
}

class DcpConnectionTest : public DcpServerTest {
protected:
    /// True while STAT dcp lists any eq_dcpq:<name>: key.
    bool listed(const std::string& name) {
        const std::string prefix = "eq_dcpq:" + name + ":";
        const auto all = stats("dcp");
        const auto it = all.lower_bound(prefix);
        return it != all.end() && it->first.starts_with(prefix);
    }

    /// Polls STAT dcp until the connection `name` is gone from it.
    bool waitUntilUnlisted(const std::string& name, std::chrono::milliseconds timeout = 10s) {
        const auto deadline = Clock::now() + timeout;
        while (listed(name)) {
            if (Clock::now() > deadline) {
                return false;
            }
            std::this_thread::sleep_for(20ms);
        }
        return true;
    }
};

TEST_P(DcpConnectionTest, FlowControlStopsAtTheWindowAndResumesOnAck) {
    start();
    writeKeys(0, 0, 100);
    constexpr uint32_t kWindow = 1024;
    auto consumer = openProducer("flow");
    ASSERT_EQ(ResponseStatus::Success, consumer->enableFlowControl(kWindow, /*ack=*/false));
    EXPECT_EQ(std::to_string(kWindow), dcpStat("flow", "max_buffer_bytes").value_or("absent"));
    const auto stream = consumer->streamRequest({.vbucket = 0, .end = 100});
    ASSERT_EQ(ResponseStatus::Success, stream.status);

    // The producer sends until the window is full...
    ASSERT_TRUE(
        waitForStat("dcp", "eq_dcpq:flow:unacked_bytes", [](uint64_t n) { return n >= kWindow; }));
    const uint64_t reported = statNumber("dcp", "eq_dcpq:flow:unacked_bytes").value_or(0);
    std::vector<DcpMessage> messages;
    const auto deadline = Clock::now() + 10s;
    while (consumer->ackableBytes() < reported && Clock::now() < deadline) {
        if (auto message = consumer->next(100ms)) {
            messages.push_back(*message);
        }
    }
    EXPECT_EQ(reported, consumer->ackableBytes()) << "the producer counts what it sent";
    // ...and then stops until something is acknowledged.
    while (auto message = consumer->next(300ms)) {
        ADD_FAILURE() << "sent past a full window: " << message->describe();
        messages.push_back(*message);
    }
    EXPECT_EQ(consumer->ackableBytes(),
              statNumber("dcp", "eq_dcpq:flow:unacked_bytes").value_or(0));
    // It may overshoot by the one message that started inside the window.
    EXPECT_LT(consumer->ackableBytes(), kWindow + 200u);
    EXPECT_LT(changeSeqnos(messages).size(), 100u);

    // Acknowledging reopens the window; acknowledging as it goes, the stream completes.
    consumer->autoAck(kWindow);
    consumer->ackAll();
    const auto got = consumer->collectUntilStreamEnd({0});
    ASSERT_TRUE(got.complete) << "the stream did not resume after the acknowledgement";
    append(messages, got, 0);
    expectConsistent(messages);
    EXPECT_EQ(seqnoRange(1, 100), changeSeqnos(messages));
    EXPECT_EQ(dcp::StreamEndReason::Ok, messages.back().end_reason);

    // The producer's books match the consumer's once it has read the last acknowledgement.
    const uint64_t unacked = consumer->unackedBytes();
    EXPECT_TRUE(waitForStat("dcp", "eq_dcpq:flow:unacked_bytes",
                            [unacked](uint64_t n) { return n == unacked; }));
    EXPECT_EQ(consumer->ackedBytes(),
              statNumber("dcp", "eq_dcpq:flow:total_acked_bytes").value_or(0));
}

TEST_P(DcpConnectionTest, NoopComesAfterTheIntervalOnceAStreamExistsAndIsNotCharged) {
    start();
    auto consumer = openProducer("noop");
    ASSERT_EQ(ResponseStatus::Success, consumer->enableFlowControl(1 << 20, /*ack=*/false));
    ASSERT_EQ(ResponseStatus::Success, consumer->enableNoop(1));
    // No stream, no noop.
    EXPECT_FALSE(consumer->waitForNoops(1, 1200ms));

    ASSERT_EQ(ResponseStatus::Success, consumer->streamRequest({.vbucket = 0}).status);
    ASSERT_TRUE(consumer->waitForNoops(1, 5s)) << "no DCP_NOOP once a stream exists";
    // After a noop the connection is silent: the next one comes one interval later.
    ASSERT_TRUE(consumer->waitForNoops(2, 5s));
    const auto gap = consumer->noopTimes()[1] - consumer->noopTimes()[0];
    EXPECT_GE(gap, 900ms) << "noops closer than the interval";
    EXPECT_LE(gap, 3s) << "noops much further apart than the interval";
    // The second noop shows the first was answered and the connection lives on.
    EXPECT_EQ(ResponseStatus::Success, consumer->getFailoverLog(0).status);
    // The buffer log never counts noops: nothing else was sent.
    EXPECT_EQ(0u, consumer->ackableBytes());
    EXPECT_EQ(0u, statNumber("dcp", "eq_dcpq:noop:unacked_bytes").value_or(1));
}

TEST_P(DcpConnectionTest, UnansweredNoopsDisconnectAfterTheIdleTimeout) {
    start("dcp_idle_timeout=2");
    auto answering = openProducer("answering");
    ASSERT_EQ(ResponseStatus::Success, answering->enableNoop(1));
    ASSERT_EQ(ResponseStatus::Success, answering->streamRequest({.vbucket = 0}).status);
    auto silent = openProducer("silent");
    ASSERT_EQ(ResponseStatus::Success, silent->enableNoop(1));
    silent->answerNoops(false);
    ASSERT_EQ(ResponseStatus::Success, silent->streamRequest({.vbucket = 1}).status);
    const auto opened = Clock::now();

    const auto deadline = opened + 15s;
    bool closed = false;
    while (!closed && Clock::now() < deadline) {
        answering->next(50ms);
        closed = silent->waitForClose(50ms);
    }
    ASSERT_TRUE(closed) << "a consumer that answered no noop was not disconnected";
    EXPECT_GE(Clock::now() - opened, 1900ms) << "disconnected before the idle timeout";
    EXPECT_GE(silent->noopsReceived(), 1u);
    // The consumer that answers outlives the idle timeout: its replies are what it sent since
    // its stream request.
    while (Clock::now() - opened < 3s) {
        answering->next(50ms);
    }
    EXPECT_GE(answering->noopsReceived(), 1u);
    EXPECT_TRUE(answering->connected());
    EXPECT_EQ(ResponseStatus::Success, answering->getFailoverLog(0).status);
    EXPECT_TRUE(waitUntilUnlisted("silent"));
    EXPECT_TRUE(listed("answering"));
}

TEST_P(DcpConnectionTest, FlowControlBooksLeaveNoopsOut) {
    start();
    auto consumer = openProducer("books");
    ASSERT_EQ(ResponseStatus::Success, consumer->enableFlowControl(2048, /*ack=*/true));
    ASSERT_EQ(ResponseStatus::Success, consumer->enableNoop(1));
    ASSERT_EQ(ResponseStatus::Success, consumer->streamRequest({.vbucket = 0}).status);
    std::vector<DcpMessage> messages;
    writeKeys(0, 0, 50);
    auto got = consumer->collectChanges(50);
    ASSERT_TRUE(got.complete);
    append(messages, got, 0);
    // Noops between the data...
    ASSERT_TRUE(consumer->waitForNoops(1, 5s, &messages));
    writeKeys(0, 50, 50);
    got = consumer->collectChanges(50);
    ASSERT_TRUE(got.complete);
    append(messages, got, 0);
    expectConsistent(messages);
    EXPECT_EQ(seqnoRange(1, 100), changeSeqnos(messages));
    EXPECT_EQ(consumer->ackableBytes() + 24 * consumer->noopsReceived(), consumer->allBytes());
    // ...are not in the producer's books: unacked bytes are the other messages' less the acks.
    const uint64_t unacked = consumer->unackedBytes();
    EXPECT_TRUE(waitForStat("dcp", "eq_dcpq:books:unacked_bytes",
                            [unacked](uint64_t n) { return n == unacked; }));
    EXPECT_EQ(consumer->ackedBytes(),
              statNumber("dcp", "eq_dcpq:books:total_acked_bytes").value_or(0));
}

TEST_P(DcpConnectionTest, CloseStreamWithoutStreamEnd) {
    start();
    set(0, keyOf(0), valueOf(0));
    auto consumer = openProducer("close-quiet");
    ASSERT_EQ(ResponseStatus::Success, consumer->streamRequest({.vbucket = 0}).status);
    ASSERT_TRUE(consumer->collectChanges(1).complete);
    ASSERT_EQ(ResponseStatus::Success, consumer->closeStream(0));
    // Nothing more for the closed stream: no STREAM_END, no later write.
    const Position later = set(0, "after-close", "v");
    if (auto message = consumer->next(500ms)) {
        ADD_FAILURE() << "closed stream sent " << message->describe();
    }
    EXPECT_EQ(ResponseStatus::KeyEnoent, consumer->closeStream(0));
    // The vbucket may be streamed again.
    ASSERT_EQ(ResponseStatus::Success,
              consumer->streamRequest({.vbucket = 0, .end = later.seqno}).status);
    const auto got = consumer->collectUntilStreamEnd({0});
    ASSERT_TRUE(got.complete);
    EXPECT_EQ(seqnoRange(1, 2), changeSeqnos(got.streams.at(0)));
}

TEST_P(DcpConnectionTest, CloseStreamWithStreamEnd) {
    start();
    set(0, keyOf(0), valueOf(0));
    auto consumer = openProducer("close-loud");
    ASSERT_EQ(ResponseStatus::Success,
              consumer->control("send_stream_end_on_client_close_stream", "true"));
    const auto stream = consumer->streamRequest({.vbucket = 0});
    ASSERT_EQ(ResponseStatus::Success, stream.status);
    ASSERT_TRUE(consumer->collectChanges(1).complete);
    ASSERT_EQ(ResponseStatus::Success, consumer->closeStream(0));
    const auto end = consumer->next(5s);
    ASSERT_TRUE(end) << "no STREAM_END after the close";
    ASSERT_TRUE(end->isStreamEnd()) << end->describe();
    EXPECT_EQ(dcp::StreamEndReason::Closed, end->end_reason);
    EXPECT_EQ(stream.opaque, end->opaque);
    EXPECT_EQ(0u, end->vbucket);
    set(0, "after-close", "v");
    if (auto message = consumer->next(300ms)) {
        ADD_FAILURE() << "closed stream sent " << message->describe();
    }
    EXPECT_EQ(ResponseStatus::Success, consumer->streamRequest({.vbucket = 0}).status);
}

TEST_P(DcpConnectionTest, VbucketLeavingActiveEndsItsStreams) {
    start();
    for (uint16_t vbucket : {0, 1, 2}) {
        set(vbucket, "before", "v");
    }
    auto consumer = openProducer("state-change");
    for (uint16_t vbucket : {0, 1, 2}) {
        ASSERT_EQ(ResponseStatus::Success, consumer->streamRequest({.vbucket = vbucket}).status);
    }
    ASSERT_TRUE(consumer->collectChanges(3).complete);

    ASSERT_EQ(ResponseStatus::Success, setVbucketState(0, kReplica));
    ASSERT_EQ(ResponseStatus::Success, setVbucketState(2, kDead));
    const auto got = consumer->collectUntilStreamEnd({0, 2}, 10s);
    ASSERT_TRUE(got.complete) << "a vbucket left the active state and its stream went on";
    EXPECT_EQ(dcp::StreamEndReason::StateChanged, got.streamEnd(0)->end_reason);
    EXPECT_EQ(dcp::StreamEndReason::StateChanged, got.streamEnd(2)->end_reason);
    EXPECT_EQ(0u, got.streams.count(1)) << "the stream of vbucket 1 was disturbed";

    // The other stream goes on.
    const Position after = set(1, "after", "v");
    const auto more = consumer->collectChanges(1);
    ASSERT_TRUE(more.complete);
    ASSERT_EQ(1u, more.changes(1).size());
    EXPECT_EQ(after.seqno, more.changes(1).front().by_seqno);
    EXPECT_EQ("after", more.changes(1).front().key);
}

TEST_P(DcpConnectionTest, DeletingAVbucketEndsItsStreamAndItsHistory) {
    start();
    set(3, "before", "v");
    auto consumer = openProducer("deleted-vbucket");
    ASSERT_EQ(ResponseStatus::Success, consumer->streamRequest({.vbucket = 3}).status);
    ASSERT_TRUE(consumer->collectChanges(1).complete);
    ASSERT_EQ(ResponseStatus::Success,
              client_->execute({.opcode = ClientOpcode::DelVbucket, .vbucket = 3}).status());
    const auto got = consumer->collectUntilStreamEnd({3}, 10s);
    ASSERT_TRUE(got.complete) << "the stream of a deleted vbucket went on";
    EXPECT_EQ(dcp::StreamEndReason::StateChanged, got.streamEnd(3)->end_reason);

    // Created again, the vbucket has a new history: only what was written since streams.
    ASSERT_EQ(ResponseStatus::Success, setVbucketState(3, 1));
    const Position after = set(3, "after", "v");
    auto fresh = openProducer("recreated-vbucket");
    ASSERT_EQ(ResponseStatus::Success,
              fresh->streamRequest({.vbucket = 3, .end = after.seqno}).status);
    const auto again = fresh->collectUntilStreamEnd({3});
    ASSERT_TRUE(again.complete);
    expectConsistent(again.streams.at(3));
    const auto changes = again.changes(3);
    ASSERT_EQ(1u, changes.size());
    EXPECT_EQ("after", changes.front().key);
}

TEST_P(DcpConnectionTest, FlushEndsStreamsAndTheirHistory) {
    start();
    for (uint16_t vbucket : {0, 1}) {
        set(vbucket, "before", "v");
    }
    auto consumer = openProducer("flushed");
    for (uint16_t vbucket : {0, 1}) {
        ASSERT_EQ(ResponseStatus::Success, consumer->streamRequest({.vbucket = vbucket}).status);
    }
    ASSERT_TRUE(consumer->collectChanges(2).complete);
    ASSERT_EQ(ResponseStatus::Success, client_->execute({.opcode = ClientOpcode::Flush}).status());
    const auto got = consumer->collectUntilStreamEnd({0, 1}, 10s);
    ASSERT_TRUE(got.complete) << "streams went on across a FLUSH";
    EXPECT_EQ(dcp::StreamEndReason::StateChanged, got.streamEnd(0)->end_reason);
    EXPECT_EQ(dcp::StreamEndReason::StateChanged, got.streamEnd(1)->end_reason);

    const Position after = set(0, "after", "v");
    auto fresh = openProducer("after-flush");
    ASSERT_EQ(ResponseStatus::Success,
              fresh->streamRequest({.vbucket = 0, .end = after.seqno}).status);
    const auto again = fresh->collectUntilStreamEnd({0});
    ASSERT_TRUE(again.complete);
    expectConsistent(again.streams.at(0));
    const auto changes = again.changes(0);
    ASSERT_EQ(1u, changes.size()) << "flushed documents streamed again";
    EXPECT_EQ("after", changes.front().key);
}

TEST_P(DcpConnectionTest, ManyVbucketsOnOneConnection) {
    start();
    constexpr uint16_t kVbuckets = 64;
    constexpr size_t kPerVbucket = 5;
    for (uint16_t vbucket = 0; vbucket < kVbuckets; ++vbucket) {
        for (size_t i = 0; i < kPerVbucket; ++i) {
            set(vbucket, "vb" + std::to_string(vbucket) + "-" + std::to_string(i), "v");
        }
    }
    auto consumer = openProducer("many-vbuckets");
    ASSERT_EQ(ResponseStatus::Success, consumer->enableFlowControl(4096, /*ack=*/true));
    std::set<uint16_t> all;
    std::map<uint16_t, uint32_t> opaques;
    for (uint16_t vbucket = 0; vbucket < kVbuckets; ++vbucket) {
        const auto stream = consumer->streamRequest({.vbucket = vbucket, .end = kPerVbucket});
        ASSERT_EQ(ResponseStatus::Success, stream.status) << vbucket;
        opaques[vbucket] = stream.opaque;
        all.insert(vbucket);
    }
    const auto got = consumer->collectUntilStreamEnd(all, 30s);
    ASSERT_TRUE(got.complete) << got.streams.size() << " streams ended";
    for (uint16_t vbucket = 0; vbucket < kVbuckets; ++vbucket) {
        const auto& messages = got.streams.at(vbucket);
        expectConsistent(messages, "vb " + std::to_string(vbucket));
        EXPECT_EQ(seqnoRange(1, kPerVbucket), changeSeqnos(messages)) << vbucket;
        for (const auto& message : messages) {
            EXPECT_EQ(opaques[vbucket], message.opaque) << message.describe();
            if (message.isChange()) {
                EXPECT_TRUE(message.key.starts_with("vb" + std::to_string(vbucket) + "-"))
                    << message.describe();
            }
        }
        EXPECT_EQ(dcp::StreamEndReason::Ok, got.streamEnd(vbucket)->end_reason);
    }
}

TEST_P(DcpConnectionTest, SameNameReplacesTheOlderConnection) {
    start();
    auto first = openProducer("shared-name");
    ASSERT_EQ(ResponseStatus::Success, first->streamRequest({.vbucket = 0}).status);
    auto second = openProducer("shared-name");
    EXPECT_TRUE(first->waitForClose(5s)) << "the older connection was kept";
    EXPECT_EQ(ResponseStatus::Success, second->streamRequest({.vbucket = 0}).status);
    EXPECT_EQ(ResponseStatus::Success, second->getFailoverLog(0).status);
}

TEST_P(DcpConnectionTest, StatsDescribeTheProducerAndItsStreams) {
    start();
    auto consumer = openProducer("stats-conn");
    ASSERT_EQ(ResponseStatus::Success, consumer->enableFlowControl(4096, /*ack=*/true));
    EXPECT_EQ("producer", dcpStat("stats-conn", "type").value_or("absent"));
    EXPECT_EQ("4096", dcpStat("stats-conn", "max_buffer_bytes").value_or("absent"));
    ASSERT_EQ(ResponseStatus::Success, consumer->streamRequest({.vbucket = 7}).status);
    set(7, "k", "v");
    ASSERT_TRUE(consumer->collectChanges(1).complete);
    const auto all = stats("dcp");
    const std::string prefix = "eq_dcpq:stats-conn:stream_7_";
    const auto it = all.lower_bound(prefix);
    EXPECT_TRUE(it != all.end() && it->first.starts_with(prefix)) << "no per-stream stats";
    const uint64_t unacked = consumer->unackedBytes();
    EXPECT_TRUE(waitForStat("dcp", "eq_dcpq:stats-conn:unacked_bytes",
                            [unacked](uint64_t n) { return n == unacked; }));

    consumer->disconnect();
    EXPECT_TRUE(waitUntilUnlisted("stats-conn")) << "a closed connection stays in STAT dcp";
}

// ---- cursor dropping ----

/// Memory recovery runs whenever checkpoints hold more than a sliver of the budget and then
/// drops every droppable cursor in a vbucket's oldest checkpoint; checkpoints are small.
constexpr const char* kCursorDropConfig =
    "max_vbuckets=16;chk_max_items=20;chk_remover_stime=1;"
    "checkpoint_memory_recovery_upper_mark=0.001;checkpoint_memory_recovery_lower_mark=0";
constexpr size_t kBigValue = 8 * 1024;
/// Keys written before the stream starts, and in all: 6 MiB of values, more than a stream
/// buffers ahead of its consumer, so a stalled stream's cursor must stop and pin checkpoints.
constexpr size_t kKeysBeforeStream = 100;
constexpr size_t kKeysInAll = 800;

std::string bigValueOf(size_t i) {
    std::string value = valueOf(i);
    value.resize(kBigValue, static_cast<char>('A' + i % 26));
    return value;
}

class DcpCursorDropTest : public DcpConnectionTest {
protected:
    /// Writes kKeysBeforeStream keys, starts a stream 0..kKeysInAll that stalls on a 2 KiB
    /// window, writes the other keys and waits until memory recovery has dropped a cursor; then
    /// widens the window and acknowledges as it goes. Returns the stream's messages so far.
    std::vector<DcpMessage> stallUntilCursorDropped(DcpConsumer& consumer) {
        for (size_t i = 0; i < kKeysBeforeStream; ++i) {
            set(0, keyOf(i), bigValueOf(i));
        }
        EXPECT_EQ(ResponseStatus::Success, consumer.enableFlowControl(2048, /*ack=*/false));
        EXPECT_EQ(ResponseStatus::Success,
                  consumer.streamRequest({.vbucket = 0, .end = kKeysInAll}).status);
        std::vector<DcpMessage> messages;
        append(messages, consumer.collectChanges(1, 5s), 0);
        for (size_t i = kKeysBeforeStream; i < kKeysInAll; ++i) {
            set(0, keyOf(i), bigValueOf(i));
        }
        EXPECT_TRUE(waitForStat("", "ep_cursors_dropped", [](uint64_t n) { return n >= 1; }))
            << "memory recovery dropped no cursor";
        EXPECT_EQ(ResponseStatus::Success, consumer.enableFlowControl(1 << 20, /*ack=*/true));
        consumer.ackAll();
        return messages;
    }
};

TEST_P(DcpCursorDropTest, DroppedCursorIsBackfilledWithNothingLost) {
    start(kCursorDropConfig);
    auto consumer = openProducer("dropped");
    ASSERT_EQ(ResponseStatus::Success, consumer->control("supports_cursor_dropping", "true"));
    auto messages = stallUntilCursorDropped(*consumer);
    const auto got = consumer->collectUntilStreamEnd({0}, 20s);
    ASSERT_TRUE(got.complete);
    append(messages, got, 0);
    expectConsistent(messages);
    EXPECT_EQ(dcp::StreamEndReason::Ok, messages.back().end_reason);
    EXPECT_EQ(seqnoRange(1, kKeysInAll), changeSeqnos(messages))
        << "changes missing or repeated after the drop";
    for (const auto& message : messages) {
        if (message.isChange()) {
            EXPECT_EQ(bigValueOf(message.by_seqno - 1), message.value) << message.describe();
        }
    }
    // The stream itself lost its cursor (and re-registered, backfilling what memory no longer
    // held).
    EXPECT_NE("0", dcpStat("dropped", "stream_0_cursor_drops").value_or("absent"));
}

TEST_P(DcpCursorDropTest, DroppedCursorWithoutSupportEndsTheStreamSlow) {
    start(kCursorDropConfig);
    auto consumer = openProducer("too-slow");
    auto messages = stallUntilCursorDropped(*consumer);
    const auto got = consumer->collectUntilStreamEnd({0}, 30s);
    ASSERT_TRUE(got.complete);
    append(messages, got, 0);
    expectConsistent(messages);
    EXPECT_EQ(dcp::StreamEndReason::Slow, messages.back().end_reason);
    // What did arrive is the beginning of the vbucket's history, without a gap.
    const auto seqnos = changeSeqnos(messages);
    ASSERT_FALSE(seqnos.empty());
    EXPECT_EQ(seqnoRange(1, seqnos.back()), seqnos);
    EXPECT_LT(seqnos.back(), kKeysInAll);
}

INSTANTIATE_TEST_SUITE_P(Buckets, DcpCursorDropTest,
                         ::testing::Values(BucketKind::Persistent, BucketKind::Ephemeral),
                         bucketKindName);

// ---- many producers ----

TEST_P(DcpConnectionTest, ManyProducersDisconnectingMidStreamLeaveAWorkingServer) {
    start();
    constexpr int kProducers = 20;
    constexpr uint16_t kVbuckets = 8;
    std::atomic<bool> stop{false};
    std::atomic<size_t> written{0};
    std::thread writer([&] {
        McbpClient client(port());
        for (size_t i = 0; !stop.load(); ++i) {
            const auto response = client.execute({.opcode = ClientOpcode::Set,
                                                  .key = "w-" + std::to_string(i),
                                                  .value = std::string(200, 'w'),
                                                  .extras = storeExtras(0, 0),
                                                  .vbucket = static_cast<uint16_t>(i % kVbuckets)});
            EXPECT_EQ(ResponseStatus::Success, response.status());
            written.fetch_add(1);
        }
    });
    std::vector<std::thread> producers;
    producers.reserve(kProducers);
    for (int p = 0; p < kProducers; ++p) {
        producers.emplace_back([&, p] {
            DcpConsumer consumer(port());
            ASSERT_EQ(ResponseStatus::Success, consumer.open("many-" + std::to_string(p)));
            switch (p % 3) {
            case 0:  // stalls on a small window
                EXPECT_EQ(ResponseStatus::Success, consumer.enableFlowControl(1024, false));
                break;
            case 1:  // acknowledges, with noops
                EXPECT_EQ(ResponseStatus::Success, consumer.enableFlowControl(4096, true));
                EXPECT_EQ(ResponseStatus::Success, consumer.enableNoop(1));
                break;
            default: break;
            }
            const auto first = static_cast<uint16_t>(p % kVbuckets);
            const auto second = static_cast<uint16_t>((p + 1) % kVbuckets);
            EXPECT_EQ(ResponseStatus::Success, consumer.streamRequest({.vbucket = first}).status);
            EXPECT_EQ(ResponseStatus::Success, consumer.streamRequest({.vbucket = second}).status);
            // A stalled producer sends at least one change before its window is full.
            const auto got = consumer.collectChanges(p % 3 == 0 ? 1 : 50, 10s);
            EXPECT_TRUE(got.complete) << "producer " << p;
            for (const auto& [vbucket, messages] : got.streams) {
                expectConsistent(messages, "producer " + std::to_string(p));
            }
            if (p % 4 == 0) {
                EXPECT_EQ(ResponseStatus::Success, consumer.closeStream(first));
            }
            consumer.disconnect();
        });
    }
    for (auto& producer : producers) {
        producer.join();
    }
    stop.store(true);
    writer.join();
    EXPECT_GT(written.load(), 0u);

    // The server still serves: KV commands and a new producer's full stream.
    EXPECT_NE(0u, set(0, "after", "v").seqno);
    EXPECT_EQ("v", client_->get("after").value);
    auto checker = openProducer("checker");
    ASSERT_EQ(ResponseStatus::Success, checker->enableFlowControl(1 << 16, true));
    ASSERT_EQ(ResponseStatus::Success,
              checker->streamRequest({.vbucket = 0, .flags = dcp::kStreamToLatest}).status);
    const auto got = checker->collectUntilStreamEnd({0}, 30s);
    ASSERT_TRUE(got.complete);
    expectConsistent(got.streams.at(0));
    EXPECT_EQ(dcp::StreamEndReason::Ok, got.streamEnd(0)->end_reason);
    EXPECT_EQ("after", got.changes(0).back().key);
    for (int p = 0; p < kProducers; ++p) {
        EXPECT_TRUE(waitUntilUnlisted("many-" + std::to_string(p))) << p;
    }
}

INSTANTIATE_TEST_SUITE_P(Buckets, DcpConnectionTest,
                         ::testing::Values(BucketKind::Persistent, BucketKind::Ephemeral),
                         bucketKindName);

}  // namespace
}  // namespace eddy::test
