// The DCP producer inside a bucket, driven step by step on a FakeExecutor: stream phases
// (memory, backfill then memory, disk only), markers, end of stream, rollback, flow control,
// waking the front end, closing and disconnecting. Runs against a persistent bucket with a
// store and an ephemeral bucket; the socket-level suite is tests/integration/dcp_test.cc.
#include "eddy/dcp_iface.h"
#include "engine/ep_bucket.h"
#include "executor/fake_executor.h"
#include "protocol/encode.h"
#include "protocol/opcode.h"
#include "support/engine_driver.h"
#include "support/mock_cookie.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

namespace eddy::engine {
namespace {

using executor::TaskGroup;
using mcbp::ClientOpcode;
using test::StatMap;
namespace fs = std::filesystem;

/// One message as the consumer would decode it.
struct Received {
    ClientOpcode opcode = ClientOpcode::Noop;
    uint16_t vbucket = 0;
    uint32_t opaque = 0;
    std::string extras;
    std::string key;
    std::string value;
    size_t size = 0;

    [[nodiscard]] uint64_t seqno() const { return mcbp::readUint64(extras, 0); }
    [[nodiscard]] uint64_t snapEnd() const { return mcbp::readUint64(extras, 8); }
    [[nodiscard]] uint32_t markerFlags() const { return mcbp::readUint32(extras, 16); }
    [[nodiscard]] uint32_t endReason() const { return mcbp::readUint32(extras, 0); }
};

class RecordingSink final : public DcpMessageSink {
public:
    void send(DcpFrame frame) override {
        std::string bytes = frame.head;
        bytes.append(frame.value);
        Received message;
        message.opcode = static_cast<ClientOpcode>(static_cast<uint8_t>(bytes[1]));
        const uint16_t key_length = mcbp::readUint16(bytes, 2);
        const auto extras_length = static_cast<uint8_t>(bytes[4]);
        message.vbucket = mcbp::readUint16(bytes, 6);
        const uint32_t body = mcbp::readUint32(bytes, 8);
        message.opaque = mcbp::readUint32(bytes, 12);
        EXPECT_EQ(24 + body, bytes.size());
        message.extras = bytes.substr(24, extras_length);
        message.key = bytes.substr(24 + extras_length, key_length);
        message.value = bytes.substr(24 + extras_length + key_length);
        message.size = bytes.size();
        received.push_back(std::move(message));
    }
    /// The keys of the mutations received, in order.
    [[nodiscard]] std::vector<std::string> mutationKeys() const {
        std::vector<std::string> keys;
        for (const auto& message : received) {
            if (message.opcode == ClientOpcode::DcpMutation) {
                keys.push_back(message.key);
            }
        }
        return keys;
    }
    std::vector<Received> received;
};

class DcpProducerTest : public ::testing::TestWithParam<std::string> {
protected:
    DcpProducerTest() {
        directory_ =
            fs::temp_directory_path() / ("eddy-dcp-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(reinterpret_cast<uintptr_t>(this)));
        fs::remove_all(directory_);
    }
    ~DcpProducerTest() override {
        bucket_.reset();
        executor_.reset();
        fs::remove_all(directory_);
    }

    bool persistent() const { return GetParam() == "persistent"; }

    void open(const std::string& extra = "") {
        executor_ = std::make_unique<executor::FakeExecutor>();
        EpBucketConfig config;
        config.now = [this] { return now_.load(); };
        config.parameters =
            EpBucketConfig::parse("max_vbuckets=4;bucket_type=" + GetParam() + ";" + extra);
        config.executor = executor_.get();
        if (persistent()) {
            config.data_dir = directory_.string();
        }
        manager_ = std::make_shared<collections::Manager>();
        config.collections = manager_;
        bucket_ = createEpBucket(server_, config);
        drain(TaskGroup::Reader);  // warm-up
        dcp_ = bucket_->dcp();
        ASSERT_NE(nullptr, dcp_);
    }

    void drain(TaskGroup group) {
        for (int i = 0; i < 10000 && executor_->nextTaskName(group); ++i) {
            executor_->runNextTask(group);
        }
    }

    /// Runs the background work a stream waits for: flushers, backfills, the checkpoint
    /// processor.
    void runTasks() {
        for (int round = 0; round < 5; ++round) {
            drain(TaskGroup::Writer);
            drain(TaskGroup::AuxIO);
            drain(TaskGroup::NonIO);
        }
    }

    void set(const std::string& key, const std::string& value, uint16_t vb = 0) {
        StoreRequest request;
        request.key = DocKey(key);
        request.vbucket = Vbid(vb);
        request.value = value;
        MutationResult result;
        ASSERT_EQ(Status::Success, bucket_->store(cookie_, request, result));
    }

    void remove(const std::string& key, uint16_t vb = 0) {
        MutationResult result;
        ASSERT_EQ(Status::Success, bucket_->remove(cookie_, DocKey(key), Vbid(vb), 0, result));
    }

    /// Opens as a client that negotiated collections, so the keys of these tests (engine keys,
    /// whatever their first byte) stream as they are.
    Status openProducer(test::MockCookie& cookie, const std::string& name, uint32_t flags = 0) {
        std::string message;
        return dcp_->open(cookie, name, dcp::kOpenProducer | dcp::kOpenCollections | flags,
                          message);
    }

    Status streamRequest(test::MockCookie& cookie, uint16_t vb, uint64_t start, uint64_t end,
                         uint64_t uuid = 0, uint64_t snap_start = 0, uint64_t snap_end = 0,
                         uint32_t flags = 0, DcpStreamResponse* response = nullptr) {
        DcpStreamRequest request;
        request.opaque = 0x1000 + vb;
        request.vbucket = Vbid(vb);
        request.flags = flags;
        request.start_seqno = start;
        request.end_seqno = end;
        request.vbucket_uuid = uuid;
        request.snap_start_seqno = snap_start == 0 ? start : snap_start;
        request.snap_end_seqno = snap_end == 0 ? start : snap_end;
        DcpStreamResponse out;
        std::string message;
        const Status status = dcp_->streamRequest(cookie, request, out, message);
        if (response != nullptr) {
            *response = out;
        }
        return status;
    }

    /// A stream request of [0, end] carrying only `collections`.
    Status filteredStreamRequest(test::MockCookie& cookie, uint16_t vb, uint64_t end,
                                 std::vector<uint32_t> collections) {
        DcpStreamRequest request;
        request.opaque = 0x1000 + vb;
        request.vbucket = Vbid(vb);
        request.end_seqno = end;
        request.collections = std::move(collections);
        DcpStreamResponse out;
        std::string message;
        return dcp_->streamRequest(cookie, request, out, message);
    }

    /// Every snapshot of `messages` is closed: the highest seqno a change or a SEQNO_ADVANCED
    /// brought before the next marker (or the end) is the marker's end. Returns the markers.
    static size_t expectSnapshotsClosed(const std::vector<Received>& messages) {
        size_t markers = 0;
        std::optional<uint64_t> end;
        uint64_t reached = 0;
        const auto close = [&] {
            if (end) {
                EXPECT_EQ(*end, reached) << "snapshot " << markers << " is left open";
            }
        };
        for (const Received& message : messages) {
            switch (message.opcode) {
            case ClientOpcode::DcpSnapshotMarker:
                close();
                ++markers;
                end = message.snapEnd();
                break;
            case ClientOpcode::DcpMutation:
            case ClientOpcode::DcpDeletion:
            case ClientOpcode::DcpSeqnoAdvanced: reached = message.seqno(); break;
            default: break;
            }
        }
        close();
        return markers;
    }

    /// Steps until the producer has nothing more (WouldBlock) or a limit.
    Status stepAll(test::MockCookie& cookie, RecordingSink& sink, size_t limit = 100000) {
        for (size_t i = 0; i < limit; ++i) {
            const Status status = dcp_->step(cookie, sink);
            if (status != Status::Success) {
                return status;
            }
        }
        return Status::Success;
    }

    /// Steps and runs tasks until the stream of `vb` has ended (or nothing moves any more).
    void drive(test::MockCookie& cookie, RecordingSink& sink) {
        for (int round = 0; round < 50; ++round) {
            runTasks();
            const size_t before = sink.received.size();
            ASSERT_EQ(Status::WouldBlock, stepAll(cookie, sink));
            if (sink.received.size() == before && !executor_->nextTaskName(TaskGroup::AuxIO) &&
                !executor_->nextTaskName(TaskGroup::NonIO) &&
                !executor_->nextTaskName(TaskGroup::Writer)) {
                return;
            }
        }
    }

    /// A stat group as the front end would get it: a group that runs on a background task
    /// answers WouldBlock first; its NONIO task is run and the call made again.
    StatMap statsOf(const std::string& group, const std::string& args = {}) {
        StatMap map;
        test::MockCookie cookie;
        const AddStatFn add = [&map](std::string_view key, std::string_view value) {
            map[std::string(key)] = std::string(value);
        };
        Status status = bucket_->getStats(cookie, group, args, add);
        if (status == Status::WouldBlock) {
            drain(TaskGroup::NonIO);
            EXPECT_EQ(Status::Success, cookie.waitForNotification(std::chrono::seconds(10)));
            status = bucket_->getStats(cookie, group, args, add);
        }
        EXPECT_EQ(Status::Success, status) << "STAT " << group;
        return map;
    }

    static std::vector<uint64_t> seqnosOf(const std::vector<Received>& messages) {
        std::vector<uint64_t> seqnos;
        for (const auto& message : messages) {
            if (message.opcode == ClientOpcode::DcpMutation ||
                message.opcode == ClientOpcode::DcpDeletion ||
                message.opcode == ClientOpcode::DcpExpiration) {
                seqnos.push_back(message.seqno());
            }
        }
        return seqnos;
    }

    static size_t count(const std::vector<Received>& messages, ClientOpcode opcode) {
        return static_cast<size_t>(std::count_if(
            messages.begin(), messages.end(), [&](const auto& m) { return m.opcode == opcode; }));
    }

    std::atomic<uint32_t> now_{1'700'000'000};
    fs::path directory_;
    test::MockServerApi server_;
    test::MockCookie cookie_;
    std::unique_ptr<executor::FakeExecutor> executor_;
    std::shared_ptr<collections::Manager> manager_;
    std::unique_ptr<EngineIface> bucket_;
    DcpIface* dcp_ = nullptr;
};

TEST_P(DcpProducerTest, StreamsEverythingFromZeroAndEnds) {
    open();
    for (int i = 0; i < 10; ++i) {
        set("key" + std::to_string(i), "value" + std::to_string(i));
    }
    test::MockCookie consumer;
    ASSERT_EQ(Status::Success, openProducer(consumer, "test:all"));
    DcpStreamResponse response;
    ASSERT_EQ(Status::Success, streamRequest(consumer, 0, 0, 10, 0, 0, 0, 0, &response));
    EXPECT_EQ(0u, response.failover_log.size() % 16);
    EXPECT_FALSE(response.failover_log.empty());
    RecordingSink sink;
    drive(consumer, sink);
    ASSERT_FALSE(sink.received.empty());
    EXPECT_EQ(ClientOpcode::DcpSnapshotMarker, sink.received.front().opcode);
    EXPECT_EQ((std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), seqnosOf(sink.received));
    EXPECT_EQ(ClientOpcode::DcpStreamEnd, sink.received.back().opcode);
    EXPECT_EQ(0u, sink.received.back().endReason());
    EXPECT_EQ(0x1000u, sink.received.back().opaque);
    EXPECT_EQ("key0", sink.received[1].key);
    EXPECT_EQ("value0", sink.received[1].value);
    bucket_->disconnect(consumer);
}

TEST_P(DcpProducerTest, WithoutCollectionsOnlyTheDefaultCollectionStreamsWithoutItsPrefix) {
    open();
    const std::string in_default("\0a", 2);
    const std::string in_collection_8(
        "\x08"
        "b",
        2);
    set(in_default, "1");
    set(in_collection_8, "2");
    set(std::string("\0c", 2), "3");
    test::MockCookie legacy;
    std::string message;
    ASSERT_EQ(Status::Success, dcp_->open(legacy, "legacy", dcp::kOpenProducer, message));
    ASSERT_EQ(Status::Success, streamRequest(legacy, 0, 0, 3, 0, 0, 0, 0));
    RecordingSink plain;
    drive(legacy, plain);
    EXPECT_EQ((std::vector<std::string>{"a", "c"}), plain.mutationKeys());
    ASSERT_FALSE(plain.received.empty());
    EXPECT_EQ(ClientOpcode::DcpStreamEnd, plain.received.back().opcode);

    test::MockCookie aware;
    ASSERT_EQ(Status::Success, openProducer(aware, "aware"));
    ASSERT_EQ(Status::Success, streamRequest(aware, 0, 0, 3, 0, 0, 0, 0));
    RecordingSink whole;
    drive(aware, whole);
    EXPECT_EQ((std::vector<std::string>{in_default, in_collection_8, std::string("\0c", 2)}),
              whole.mutationKeys());
    bucket_->disconnect(legacy);
    bucket_->disconnect(aware);
}

TEST_P(DcpProducerTest, ADroppedCollectionsChangesAreNotStreamed) {
    open();
    const auto with_8 = manager_->set(collections::Manifest::parse(
        R"({"uid":"1","scopes":[{"name":"_default","uid":"0","collections":[
            {"name":"_default","uid":"0"},{"name":"c","uid":"8"}]}]})"));
    ASSERT_EQ(collections::Manager::Outcome::Applied, with_8.outcome) << with_8.message;
    const std::string in_default("\0a", 2);
    const std::string in_8(
        "\x08"
        "b",
        2);
    set(in_default, "1");
    set(in_8, "2");
    // Dropped before any stream reads the checkpoint that still holds its change.
    const auto without_8 = manager_->set(collections::Manifest::parse(
        R"({"uid":"2","scopes":[{"name":"_default","uid":"0","collections":[
            {"name":"_default","uid":"0"}]}]})"));
    ASSERT_EQ(collections::Manager::Outcome::Applied, without_8.outcome) << without_8.message;
    set(std::string("\0c", 2), "3");

    test::MockCookie aware;
    ASSERT_EQ(Status::Success, openProducer(aware, "aware"));
    ASSERT_EQ(Status::Success, streamRequest(aware, 0, 0, 3, 0, 0, 0, 0));
    RecordingSink sink;
    drive(aware, sink);
    EXPECT_EQ((std::vector<std::string>{in_default, std::string("\0c", 2)}), sink.mutationKeys());
    bucket_->disconnect(aware);
}

TEST_P(DcpProducerTest, AFilteredStreamCarriesItsCollectionsAndAdvancesPastTheOthers) {
    open();
    const std::string in_default("\0a", 2);
    const std::string b(std::string("\x08") + "b");
    const std::string c(std::string("\x09") + "c");
    const std::string d(std::string("\x08") + "d");
    const std::string e(std::string("\x09") + "e");
    for (const std::string* key : {&in_default, &b, &c, &d, &e}) {
        set(*key, "v");
    }

    test::MockCookie only_8;
    ASSERT_EQ(Status::Success, openProducer(only_8, "only-8"));
    ASSERT_EQ(Status::Success, filteredStreamRequest(only_8, 0, 5, {8}));
    RecordingSink sink_8;
    drive(only_8, sink_8);
    EXPECT_EQ((std::vector<std::string>{b, d}), sink_8.mutationKeys());
    // The snapshot ends at 5, a change of collection 9: SEQNO_ADVANCED 5 closes it.
    ASSERT_EQ(1u, count(sink_8.received, ClientOpcode::DcpSeqnoAdvanced));
    ASSERT_GE(sink_8.received.size(), 2u);
    const Received& advanced = sink_8.received[sink_8.received.size() - 2];
    EXPECT_EQ(ClientOpcode::DcpSeqnoAdvanced, advanced.opcode);
    EXPECT_EQ(5u, advanced.seqno());
    EXPECT_EQ(8u, advanced.extras.size());
    EXPECT_EQ(0x1000u, advanced.opaque);
    EXPECT_EQ(ClientOpcode::DcpStreamEnd, sink_8.received.back().opcode);
    EXPECT_EQ(1u, expectSnapshotsClosed(sink_8.received));
    EXPECT_EQ("1", statsOf("dcp")["eq_dcpq:only-8:seqno_advanced_sent"]);

    // Collection 9's last change ends the snapshot: nothing to advance past.
    test::MockCookie only_9;
    ASSERT_EQ(Status::Success, openProducer(only_9, "only-9"));
    ASSERT_EQ(Status::Success, filteredStreamRequest(only_9, 0, 5, {9}));
    RecordingSink sink_9;
    drive(only_9, sink_9);
    EXPECT_EQ((std::vector<std::string>{c, e}), sink_9.mutationKeys());
    EXPECT_EQ(0u, count(sink_9.received, ClientOpcode::DcpSeqnoAdvanced));
    expectSnapshotsClosed(sink_9.received);

    // An open stream shows its filter.
    test::MockCookie open_8;
    ASSERT_EQ(Status::Success, openProducer(open_8, "open-8"));
    ASSERT_EQ(Status::Success, filteredStreamRequest(open_8, 0, ~uint64_t{0}, {8, 0x1f}));
    EXPECT_EQ("0x8,0x1f", statsOf("dcp")["eq_dcpq:open-8:stream_0_filter"]);
    for (test::MockCookie* cookie : {&only_8, &only_9, &open_8}) {
        bucket_->disconnect(*cookie);
    }
}

TEST_P(DcpProducerTest, AFilteredBackfillSkipsTheOtherCollectionsAndClosesItsSnapshots) {
    open("chk_max_items=10;max_checkpoints=100");
    std::vector<std::string> in_8;
    for (int i = 0; i < 30; ++i) {
        const std::string key =
            std::string(1, i % 2 == 0 ? '\x08' : '\x09') + "k" + std::to_string(i);
        set(key, "v");
        if (i % 2 == 0) {
            in_8.push_back(key);
        }
    }
    runTasks();  // persist
    executor_->advanceTime(std::chrono::seconds(10));
    drain(TaskGroup::NonIO);
    test::MockCookie consumer;
    ASSERT_EQ(Status::Success, openProducer(consumer, "test:filtered-backfill"));
    ASSERT_EQ(Status::Success, filteredStreamRequest(consumer, 0, ~uint64_t{0}, {8}));
    RecordingSink sink;
    drive(consumer, sink);
    EXPECT_EQ(in_8, sink.mutationKeys());
    ASSERT_FALSE(sink.received.empty());
    EXPECT_NE(0u, sink.received.front().markerFlags() & dcp::kMarkerDisk)
        << "the first snapshot came from a backfill";
    EXPECT_GE(expectSnapshotsClosed(sink.received), 1u);
    EXPECT_GE(count(sink.received, ClientOpcode::DcpSeqnoAdvanced), 1u) << "30 is in collection 9";
    bucket_->disconnect(consumer);
}

TEST_P(DcpProducerTest, ABackfillWhoseLastSeqnoIsGoneClosesItsSnapshotWithSeqnoAdvanced) {
    open("chk_max_items=10;max_checkpoints=100");
    for (int i = 0; i < 10; ++i) {
        set("k" + std::to_string(i), "v");
    }
    set("k9", "again");  // seqno 11: seqno 10 is no longer k9's
    runTasks();          // persist
    executor_->advanceTime(std::chrono::seconds(10));
    drain(TaskGroup::NonIO);
    test::MockCookie aware;
    ASSERT_EQ(Status::Success, openProducer(aware, "test:gone"));
    ASSERT_EQ(Status::Success, streamRequest(aware, 0, 0, 11));
    RecordingSink sink;
    drive(aware, sink);
    ASSERT_FALSE(sink.received.empty());
    ASSERT_NE(0u, sink.received.front().markerFlags() & dcp::kMarkerDisk)
        << "the first snapshot came from a backfill";
    const uint64_t disk_end = sink.received.front().snapEnd();
    EXPECT_EQ((std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 11}), seqnosOf(sink.received))
        << "k0-k8 from disk, k9 at 11 from memory";
    EXPECT_EQ(2u, expectSnapshotsClosed(sink.received));
    EXPECT_EQ(10u, disk_end);
    EXPECT_EQ(1u, count(sink.received, ClientOpcode::DcpSeqnoAdvanced));

    EXPECT_EQ("1", statsOf("dcp")["eq_dcpq:test:gone:seqno_advanced_sent"]);

    // Ending at the gone seqno: SEQNO_ADVANCED, then the stream's end.
    test::MockCookie ends_there;
    ASSERT_EQ(Status::Success, openProducer(ends_there, "test:ends-there"));
    ASSERT_EQ(Status::Success, streamRequest(ends_there, 0, 0, 10));
    RecordingSink ends_sink;
    drive(ends_there, ends_sink);
    ASSERT_GE(ends_sink.received.size(), 2u);
    EXPECT_EQ(ClientOpcode::DcpSeqnoAdvanced,
              ends_sink.received[ends_sink.received.size() - 2].opcode);
    EXPECT_EQ(ClientOpcode::DcpStreamEnd, ends_sink.received.back().opcode);
    bucket_->disconnect(ends_there);

    // A client without collections is not sent the opcode.
    test::MockCookie legacy;
    std::string message;
    ASSERT_EQ(Status::Success, dcp_->open(legacy, "test:legacy", dcp::kOpenProducer, message));
    ASSERT_EQ(Status::Success, streamRequest(legacy, 0, 0, 11));
    RecordingSink legacy_sink;
    drive(legacy, legacy_sink);
    EXPECT_EQ(0u, count(legacy_sink.received, ClientOpcode::DcpSeqnoAdvanced));
    bucket_->disconnect(aware);
    bucket_->disconnect(legacy);
}

TEST_P(DcpProducerTest, KeepOpenStreamWakesTheFrontEndForNewChanges) {
    open();
    test::MockCookie consumer;
    ASSERT_EQ(Status::Success, openProducer(consumer, "test:open"));
    ASSERT_EQ(Status::Success, streamRequest(consumer, 1, 0, ~uint64_t{0}));
    RecordingSink sink;
    drive(consumer, sink);
    EXPECT_TRUE(sink.received.empty());
    const uint64_t wakes = server_.dcpStepsScheduled(consumer.connectionId());
    set("a", "1", 1);
    set("b", "2", 1);
    runTasks();
    EXPECT_GT(server_.dcpStepsScheduled(consumer.connectionId()), wakes);
    ASSERT_EQ(Status::WouldBlock, stepAll(consumer, sink));
    EXPECT_EQ((std::vector<uint64_t>{1, 2}), seqnosOf(sink.received));
    remove("a", 1);
    drive(consumer, sink);
    EXPECT_EQ((std::vector<uint64_t>{1, 2, 3}), seqnosOf(sink.received));
    EXPECT_EQ(ClientOpcode::DcpDeletion, sink.received.back().opcode);
    EXPECT_EQ(0u, count(sink.received, ClientOpcode::DcpStreamEnd));
    bucket_->disconnect(consumer);
}

TEST_P(DcpProducerTest, BackfillThenMemoryHasNoGapAndNoDuplicate) {
    open("chk_max_items=10;max_checkpoints=100");
    for (int i = 0; i < 35; ++i) {
        set("k" + std::to_string(i), "v");
    }
    runTasks();  // persist
    // Free the closed checkpoints the persistence cursor has passed.
    executor_->advanceTime(std::chrono::seconds(10));
    drain(TaskGroup::NonIO);
    test::MockCookie consumer;
    ASSERT_EQ(Status::Success, openProducer(consumer, "test:backfill"));
    ASSERT_EQ(Status::Success, streamRequest(consumer, 0, 0, ~uint64_t{0}));
    RecordingSink sink;
    drive(consumer, sink);
    for (int i = 35; i < 40; ++i) {
        set("k" + std::to_string(i), "v");
    }
    drive(consumer, sink);
    std::vector<uint64_t> expected;
    for (uint64_t s = 1; s <= 40; ++s) {
        expected.push_back(s);
    }
    EXPECT_EQ(expected, seqnosOf(sink.received));
    ASSERT_FALSE(sink.received.empty());
    EXPECT_EQ(ClientOpcode::DcpSnapshotMarker, sink.received.front().opcode);
    EXPECT_NE(0u, sink.received.front().markerFlags() & dcp::kMarkerDisk)
        << "the first snapshot came from a backfill";
    StatMap stats = statsOf("dcp");
    EXPECT_NE("0", stats["eq_dcpq:test:backfill:stream_0_backfill_disk_items"]);
    bucket_->disconnect(consumer);
}

TEST_P(DcpProducerTest, DiskOnlyStreamEndsAfterThePersistedItems) {
    open();
    for (int i = 0; i < 5; ++i) {
        set("k" + std::to_string(i), "v");
    }
    runTasks();
    test::MockCookie consumer;
    ASSERT_EQ(Status::Success, openProducer(consumer, "test:disk"));
    ASSERT_EQ(Status::Success,
              streamRequest(consumer, 0, 0, ~uint64_t{0}, 0, 0, 0, dcp::kStreamDiskOnly));
    RecordingSink sink;
    drive(consumer, sink);
    EXPECT_EQ((std::vector<uint64_t>{1, 2, 3, 4, 5}), seqnosOf(sink.received));
    ASSERT_FALSE(sink.received.empty());
    EXPECT_EQ(ClientOpcode::DcpStreamEnd, sink.received.back().opcode);
    bucket_->disconnect(consumer);
}

TEST_P(DcpProducerTest, StreamRequestChecksRangesAndRollsBack) {
    open();
    for (int i = 0; i < 5; ++i) {
        set("k" + std::to_string(i), "v");
    }
    test::MockCookie consumer;
    ASSERT_EQ(Status::Success, openProducer(consumer, "test:rules"));
    EXPECT_EQ(Status::OutOfRange, streamRequest(consumer, 0, 5, 3));
    EXPECT_EQ(Status::OutOfRange, streamRequest(consumer, 0, 3, 10, 0, 4, 5));
    DcpStreamResponse response;
    EXPECT_EQ(Status::Rollback, streamRequest(consumer, 0, 3, 10, 0xdeadbeef, 3, 3, 0, &response));
    EXPECT_EQ(0u, response.rollback_seqno);
    EXPECT_EQ(Status::NotMyVbucket, streamRequest(consumer, 9, 0, 10));
    ASSERT_EQ(Status::Success, streamRequest(consumer, 0, 0, ~uint64_t{0}));
    EXPECT_EQ(Status::KeyExists, streamRequest(consumer, 0, 0, ~uint64_t{0}));
    // A partial snapshot on the current branch beyond its end rolls back to the snapshot start.
    const uint64_t uuid = mcbp::readUint64(
        response.failover_log.empty() ? std::string(16, '\0') : response.failover_log, 0);
    std::string log;
    ASSERT_EQ(Status::Success, dcp_->getFailoverLog(consumer, Vbid(1), log));
    const uint64_t uuid1 = mcbp::readUint64(log, 0);
    EXPECT_EQ(Status::Rollback, streamRequest(consumer, 1, 2, 20, uuid1, 1, 8, 0, &response));
    EXPECT_EQ(0u, response.rollback_seqno) << "vbucket 1 has no changes: its branch ends at 0";
    (void)uuid;
    bucket_->disconnect(consumer);
}

TEST_P(DcpProducerTest, FlowControlPausesAtTheWindowAndAcksResume) {
    open();
    for (int i = 0; i < 20; ++i) {
        set("key" + std::to_string(i), std::string(100, 'x'));
    }
    test::MockCookie consumer;
    ASSERT_EQ(Status::Success, openProducer(consumer, "test:flow"));
    std::string message;
    ASSERT_EQ(Status::Success,
              dcp_->control(consumer, "connection_buffer_size", "500", false, message));
    ASSERT_EQ(Status::Success, streamRequest(consumer, 0, 0, 20));
    runTasks();
    RecordingSink sink;
    ASSERT_EQ(Status::WouldBlock, stepAll(consumer, sink));
    size_t sent = 0;
    for (const auto& m : sink.received) {
        sent += m.size;
    }
    EXPECT_GE(sent, 500u);
    EXPECT_LT(sent, 500u + 200u) << "at most one message past the window";
    StatMap stats = statsOf("dcp");
    EXPECT_EQ(std::to_string(sent), stats["eq_dcpq:test:flow:unacked_bytes"]);
    EXPECT_EQ("BufferLogFull", stats["eq_dcpq:test:flow:paused_reason"]);
    size_t acked = 0;
    while (count(sink.received, ClientOpcode::DcpStreamEnd) == 0) {
        ASSERT_EQ(Status::Success, dcp_->bufferAcknowledgement(consumer, 300));
        acked += 300;
        const size_t before = sink.received.size();
        ASSERT_EQ(Status::WouldBlock, stepAll(consumer, sink));
        ASSERT_GT(sink.received.size(), before) << "an ack must let the producer go on";
    }
    sent = 0;
    for (const auto& m : sink.received) {
        sent += m.size;
    }
    stats = statsOf("dcp");
    EXPECT_EQ(std::to_string(sent - std::min(sent, acked)),
              stats["eq_dcpq:test:flow:unacked_bytes"]);
    EXPECT_EQ(20u, seqnosOf(sink.received).size());
    bucket_->disconnect(consumer);
}

TEST_P(DcpProducerTest, NoopAfterTheIntervalAndIdleDisconnect) {
    open("dcp_idle_timeout=5");
    test::MockCookie consumer;
    ASSERT_EQ(Status::Success, openProducer(consumer, "test:noop"));
    std::string message;
    ASSERT_EQ(Status::Success, dcp_->control(consumer, "enable_noop", "true", false, message));
    ASSERT_EQ(Status::Success, dcp_->control(consumer, "set_noop_interval", "1", false, message));
    ASSERT_EQ(Status::Success, streamRequest(consumer, 0, 0, ~uint64_t{0}));
    RecordingSink sink;
    drive(consumer, sink);
    EXPECT_EQ(0u, count(sink.received, ClientOpcode::DcpNoop));
    executor_->advanceTime(std::chrono::seconds(2));
    ASSERT_EQ(Status::WouldBlock, stepAll(consumer, sink));
    ASSERT_EQ(1u, count(sink.received, ClientOpcode::DcpNoop));
    ASSERT_EQ(Status::Success, dcp_->response(consumer, static_cast<uint8_t>(ClientOpcode::DcpNoop),
                                              0, sink.received.back().opaque));
    executor_->advanceTime(std::chrono::seconds(2));
    ASSERT_EQ(Status::WouldBlock, stepAll(consumer, sink));
    ASSERT_EQ(2u, count(sink.received, ClientOpcode::DcpNoop));
    // No answer to the second noop: after the idle timeout the producer disconnects.
    executor_->advanceTime(std::chrono::seconds(6));
    EXPECT_EQ(Status::Disconnect, dcp_->step(consumer, sink));
    bucket_->disconnect(consumer);
}

TEST_P(DcpProducerTest, CloseStreamWithAndWithoutStreamEnd) {
    open();
    test::MockCookie consumer;
    ASSERT_EQ(Status::Success, openProducer(consumer, "test:close"));
    EXPECT_EQ(Status::KeyNotFound, dcp_->closeStream(consumer, Vbid(0)));
    ASSERT_EQ(Status::Success, streamRequest(consumer, 0, 0, ~uint64_t{0}));
    ASSERT_EQ(Status::Success, dcp_->closeStream(consumer, Vbid(0)));
    RecordingSink sink;
    drive(consumer, sink);
    EXPECT_EQ(0u, count(sink.received, ClientOpcode::DcpStreamEnd));
    std::string message;
    ASSERT_EQ(Status::Success, dcp_->control(consumer, "send_stream_end_on_client_close_stream",
                                             "true", false, message));
    ASSERT_EQ(Status::Success, streamRequest(consumer, 0, 0, ~uint64_t{0}));
    ASSERT_EQ(Status::Success, dcp_->closeStream(consumer, Vbid(0)));
    drive(consumer, sink);
    ASSERT_EQ(1u, count(sink.received, ClientOpcode::DcpStreamEnd));
    EXPECT_EQ(1u, sink.received.back().endReason());
    bucket_->disconnect(consumer);
}

TEST_P(DcpProducerTest, StateChangeEndsTheStream) {
    open();
    test::MockCookie consumer;
    ASSERT_EQ(Status::Success, openProducer(consumer, "test:state"));
    ASSERT_EQ(Status::Success, streamRequest(consumer, 2, 0, ~uint64_t{0}));
    ASSERT_EQ(Status::Success, bucket_->setVBucketState(cookie_, Vbid(2), 2));  // replica
    RecordingSink sink;
    drive(consumer, sink);
    ASSERT_EQ(1u, count(sink.received, ClientOpcode::DcpStreamEnd));
    EXPECT_EQ(2u, sink.received.back().endReason());
    bucket_->disconnect(consumer);
}

TEST_P(DcpProducerTest, ControlsAreCheckedAndDisconnectLeavesNoCursor) {
    open();
    test::MockCookie consumer;
    ASSERT_EQ(Status::Success, openProducer(consumer, "test:controls"));
    std::string message;
    EXPECT_EQ(Status::InvalidArguments,
              dcp_->control(consumer, "no_such_key", "1", false, message));
    EXPECT_EQ(Status::NotSupported,
              dcp_->control(consumer, "enable_stream_id", "true", false, message));
    EXPECT_EQ(Status::InvalidArguments,
              dcp_->control(consumer, "force_value_compression", "true", false, message));
    EXPECT_EQ(Status::Success,
              dcp_->control(consumer, "force_value_compression", "true", true, message));
    EXPECT_EQ(Status::InvalidArguments,
              dcp_->control(consumer, "enable_expiry_opcode", "true", false, message))
        << "needs the IncludeDeleteTimes open flag";
    EXPECT_EQ(Status::InvalidArguments,
              dcp_->control(consumer, "set_priority", "urgent", false, message));
    for (uint16_t vb = 0; vb < 4; ++vb) {
        ASSERT_EQ(Status::Success, streamRequest(consumer, vb, 0, ~uint64_t{0}));
    }
    StatMap stats = statsOf("dcp");
    EXPECT_EQ("4", stats["eq_dcpq:test:controls:num_streams"]);
    bucket_->disconnect(consumer);
    stats = statsOf("dcp");
    EXPECT_TRUE(stats.empty());
    stats = statsOf("");
    EXPECT_EQ("0", stats["ep_dcp_producer_count"]);
}

TEST_P(DcpProducerTest, SameNameReplacesTheOlderConnection) {
    open();
    test::MockCookie first;
    test::MockCookie second;
    ASSERT_EQ(Status::Success, openProducer(first, "test:same"));
    ASSERT_EQ(Status::Success, openProducer(second, "test:same"));
    RecordingSink sink;
    EXPECT_EQ(Status::Disconnect, dcp_->step(first, sink));
    bucket_->disconnect(first);
    EXPECT_EQ(Status::Success, streamRequest(second, 0, 0, ~uint64_t{0}));
    bucket_->disconnect(second);
}

/// Checkpoints of 5 items holding 50 KB values: a stream whose ready queue is full (2 MB) has
/// not read most of them and pins them, and memory recovery (marks near 0: always recover)
/// drops its cursor.
constexpr const char* kCursorDropConfig =
    "chk_max_items=5;max_checkpoints=100;checkpoint_memory_recovery_upper_mark=0.01;"
    "checkpoint_memory_recovery_lower_mark=0;chk_remover_stime=1";

TEST_P(DcpProducerTest, DroppedCursorReBackfillsWithNothingLost) {
    open(kCursorDropConfig);
    const std::string big(50 * 1024, 'v');
    for (int i = 0; i < 200; ++i) {
        set("k" + std::to_string(i), big);
    }
    drain(TaskGroup::Writer);
    test::MockCookie consumer;
    ASSERT_EQ(Status::Success, openProducer(consumer, "test:drop"));
    std::string message;
    ASSERT_EQ(Status::Success,
              dcp_->control(consumer, "supports_cursor_dropping", "true", false, message));
    ASSERT_EQ(Status::Success, streamRequest(consumer, 0, 0, 200));
    // The processor fills the ready queue up to its limit and leaves the cursor behind.
    drain(TaskGroup::NonIO);
    executor_->advanceTime(std::chrono::seconds(2));
    drain(TaskGroup::NonIO);  // the checkpoint remover drops the lagging cursor
    StatMap stats = statsOf("");
    EXPECT_NE("0", stats["ep_cursors_dropped"]);
    RecordingSink sink;
    drive(consumer, sink);
    std::vector<uint64_t> expected;
    for (uint64_t s = 1; s <= 200; ++s) {
        expected.push_back(s);
    }
    EXPECT_EQ(expected, seqnosOf(sink.received));
    ASSERT_FALSE(sink.received.empty());
    EXPECT_EQ(ClientOpcode::DcpStreamEnd, sink.received.back().opcode);
    EXPECT_EQ(0u, sink.received.back().endReason());
    bucket_->disconnect(consumer);
}

TEST_P(DcpProducerTest, DroppedCursorWithoutSupportEndsTheStreamSlow) {
    open(kCursorDropConfig);
    const std::string big(50 * 1024, 'v');
    for (int i = 0; i < 200; ++i) {
        set("k" + std::to_string(i), big);
    }
    drain(TaskGroup::Writer);
    test::MockCookie consumer;
    ASSERT_EQ(Status::Success, openProducer(consumer, "test:slow"));
    ASSERT_EQ(Status::Success, streamRequest(consumer, 0, 0, 200));
    drain(TaskGroup::NonIO);
    executor_->advanceTime(std::chrono::seconds(2));
    drain(TaskGroup::NonIO);
    RecordingSink sink;
    drive(consumer, sink);
    ASSERT_FALSE(sink.received.empty());
    EXPECT_EQ(ClientOpcode::DcpStreamEnd, sink.received.back().opcode);
    EXPECT_EQ(4u, sink.received.back().endReason());
    EXPECT_LT(seqnosOf(sink.received).size(), 200u);
    bucket_->disconnect(consumer);
}

TEST_P(DcpProducerTest, ExpiriesUseTheExpiryOpcodeOnlyWhenEnabled) {
    open();
    for (const bool expiry_opcode : {false, true}) {
        const uint16_t vb = expiry_opcode ? 1 : 0;
        StoreRequest request;
        request.key = DocKey("ttl");
        request.vbucket = Vbid(vb);
        request.value = "v";
        request.exptime = 10;
        MutationResult result;
        ASSERT_EQ(Status::Success, bucket_->store(cookie_, request, result));
        now_ += 20;
        ItemPtr item;
        ASSERT_EQ(Status::KeyNotFound, bucket_->get(cookie_, DocKey("ttl"), Vbid(vb), item));
        test::MockCookie consumer;
        ASSERT_EQ(Status::Success, openProducer(consumer, "test:expiry:" + std::to_string(vb),
                                                dcp::kOpenIncludeDeleteTimes));
        std::string message;
        ASSERT_EQ(Status::Success, dcp_->control(consumer, "enable_expiry_opcode",
                                                 expiry_opcode ? "true" : "false", false, message));
        ASSERT_EQ(Status::Success, streamRequest(consumer, vb, 0, 2));
        RecordingSink sink;
        drive(consumer, sink);
        // The expiry replaced the mutation of the same key in the open checkpoint.
        ASSERT_EQ((std::vector<uint64_t>{2}), seqnosOf(sink.received));
        const auto last_change =
            std::find_if(sink.received.rbegin(), sink.received.rend(),
                         [](const Received& m) { return m.opcode != ClientOpcode::DcpStreamEnd; });
        EXPECT_EQ(expiry_opcode ? ClientOpcode::DcpExpiration : ClientOpcode::DcpDeletion,
                  last_change->opcode);
        // The delete time: 20 bytes of extras for an expiration, 21 for a v2 deletion.
        EXPECT_EQ(expiry_opcode ? 20u : 21u, last_change->extras.size());
        EXPECT_EQ(now_.load(), mcbp::readUint32(last_change->extras, 16));
        bucket_->disconnect(consumer);
    }
}

TEST_P(DcpProducerTest, AggregatedStatsGroupConnectionsByNamePrefix) {
    open();
    test::MockCookie a;
    test::MockCookie b;
    test::MockCookie c;
    ASSERT_EQ(Status::Success, openProducer(a, "replication:one"));
    ASSERT_EQ(Status::Success, openProducer(b, "replication:two"));
    ASSERT_EQ(Status::Success, openProducer(c, "views"));
    StatMap stats = statsOf("dcpagg", ":");
    EXPECT_EQ("2", stats["replication:count"]);
    EXPECT_EQ("1", stats["_unknown:count"]);
    EXPECT_EQ("3", stats["_total:producer_count"]);
    for (auto* cookie : {&a, &b, &c}) {
        bucket_->disconnect(*cookie);
    }
}

TEST_P(DcpProducerTest, BackfillWaitsWhileMemoryIsAboveBackfillMemThreshold) {
    // 1% of a 1 MiB quota: the 35 KiB of values below are well above it.
    open("max_size=1048576;backfill_mem_threshold=1;chk_max_items=10;max_checkpoints=100");
    for (int i = 0; i < 35; ++i) {
        set("k" + std::to_string(i), std::string(1000, 'v'));
    }
    runTasks();  // persist
    executor_->advanceTime(std::chrono::seconds(10));
    drain(TaskGroup::NonIO);  // free the closed checkpoints: the stream must backfill
    test::MockCookie consumer;
    ASSERT_EQ(Status::Success, openProducer(consumer, "test:backfill-memory"));
    ASSERT_EQ(Status::Success, streamRequest(consumer, 0, 0, ~uint64_t{0}));
    RecordingSink sink;
    drive(consumer, sink);
    EXPECT_TRUE(seqnosOf(sink.received).empty()) << "no backfill reads above the threshold";
    EXPECT_EQ("0", statsOf("dcp")["eq_dcpq:test:backfill-memory:stream_0_backfill_disk_items"]);

    // SET_PARAM raises the threshold: the backfill goes on at its next look.
    std::string message;
    ASSERT_EQ(Status::Success,
              bucket_->setParameter(cookie_, 4, "backfill_mem_threshold", "100", message))
        << message;
    executor_->advanceTime(std::chrono::seconds(2));
    drive(consumer, sink);
    std::vector<uint64_t> expected;
    for (uint64_t s = 1; s <= 35; ++s) {
        expected.push_back(s);
    }
    EXPECT_EQ(expected, seqnosOf(sink.received));
    bucket_->disconnect(consumer);
}

TEST_P(DcpProducerTest, SnapshotMarkerYieldLimitBoundsTheStreamsOneProcessorRunServes) {
    open();
    test::MockCookie consumer;
    ASSERT_EQ(Status::Success, openProducer(consumer, "test:yield"));
    for (uint16_t vb = 0; vb < 3; ++vb) {
        ASSERT_EQ(Status::Success, streamRequest(consumer, vb, 0, ~uint64_t{0}));
    }
    RecordingSink sink;
    runTasks();
    ASSERT_EQ(Status::WouldBlock, stepAll(consumer, sink));

    const std::string processor = "Process checkpoint(s) for DCP producer test:yield";
    const auto run_processor_once = [&] {
        for (auto next = executor_->nextTaskName(TaskGroup::NonIO); next && *next != processor;
             next = executor_->nextTaskName(TaskGroup::NonIO)) {
            executor_->runNextTask(TaskGroup::NonIO);
        }
        executor_->runNextTask(TaskGroup::NonIO, processor);
    };
    // How many streams have mutations ready to send.
    const auto streams_served = [&] {
        sink.received.clear();
        EXPECT_EQ(Status::WouldBlock, stepAll(consumer, sink));
        std::set<uint16_t> vbuckets;
        for (const auto& message : sink.received) {
            if (message.opcode == ClientOpcode::DcpMutation) {
                vbuckets.insert(message.vbucket);
            }
        }
        return vbuckets.size();
    };

    std::string message;
    ASSERT_EQ(
        Status::Success,
        bucket_->setParameter(cookie_, 4, "dcp_producer_snapshot_marker_yield_limit", "1", message))
        << message;
    for (uint16_t vb = 0; vb < 3; ++vb) {
        set("a" + std::to_string(vb), "v", vb);
    }
    for (int run = 0; run < 3; ++run) {
        run_processor_once();
        EXPECT_EQ(1u, streams_served()) << "run " << run << ": a limit of 1 serves one stream";
    }

    ASSERT_EQ(
        Status::Success,
        bucket_->setParameter(cookie_, 4, "dcp_producer_snapshot_marker_yield_limit", "3", message))
        << message;
    for (uint16_t vb = 0; vb < 3; ++vb) {
        set("b" + std::to_string(vb), "v", vb);
    }
    run_processor_once();
    EXPECT_EQ(3u, streams_served()) << "a limit of 3 serves all three in one run";
    bucket_->disconnect(consumer);
}

INSTANTIATE_TEST_SUITE_P(BucketTypes, DcpProducerTest, ::testing::Values("persistent", "ephemeral"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace eddy::engine
