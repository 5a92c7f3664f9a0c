// eddy-dcpdrain — tests of the drain loop against a scripted producer over a socketpair.
#include "drain.h"

#include "protocol/encode.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>

namespace eddy::dcpdrain {
namespace {

using namespace std::chrono_literals;
using client::Connection;
using client::Packet;
using mcbp::ClientOpcode;

/// One vbucket as the fake producer has it: seqnos 1..high_seqno, every fifth a deletion.
struct FakeVbucket {
    uint64_t high_seqno = 0;
    /// Where a request whose uuid is not in the failover log (and whose start is above 0) must
    /// roll back to.
    uint64_t rollback_seqno = 0;
    /// Newest first.
    std::vector<client::FailoverEntry> failover_log;
};

/// A producer that answers what the drain sends, streams the items of each requested vbucket
/// and records what it saw. Runs on its own thread until the other end closes.
class FakeProducer {
public:
    explicit FakeProducer(std::map<uint16_t, FakeVbucket> vbuckets)
        : vbuckets_(std::move(vbuckets)) {
        int fds[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
            throw std::runtime_error("socketpair failed");
        }
        client_.emplace(Connection::adopt(fds[0], "drain-end"));
        peer_.emplace(Connection::adopt(fds[1], "producer-end"));
        thread_ = std::thread([this] { serve(); });
    }

    ~FakeProducer() { finish(); }

    Connection& client() { return *client_; }

    /// Closes the drain's end and waits for the producer to notice; the records are then safe
    /// to read.
    void finish() {
        if (thread_.joinable()) {
            client_->close();
            thread_.join();
        }
    }

    // Records.
    std::vector<std::pair<std::string, std::string>> controls;
    std::vector<client::StreamRequestArgs> stream_requests;
    uint32_t open_flags = 0;
    std::string open_name;
    uint64_t acked_bytes = 0;
    /// Bytes of messages flow control counts (everything but noops and responses).
    uint64_t sent_ackable_bytes = 0;
    int noop_responses = 0;
    /// Send a noop before every stream's items (set before the first stream request).
    std::atomic<bool> send_noops{false};
    /// Stream requests get success but no items (for --forever).
    std::atomic<bool> hold_streams{false};

private:
    void serve() {
        try {
            while (true) {
                auto packet = peer_->receive(100ms);
                if (packet) {
                    handle(*packet);
                }
            }
        } catch (const client::Error&) {
            // The drain end closed: done.
        }
    }

    void respond(const Packet& request, mcbp::ResponseStatus status,
                 const std::string& value = {}) {
        std::string out;
        mcbp::ResponseHeaderFields fields;
        fields.opcode = request.header.opcode;
        fields.opaque = request.header.opaque;
        fields.status = status;
        mcbp::appendResponse(out, fields, {}, {}, value);
        peer_->sendRaw(out);
    }

    void message(ClientOpcode opcode, uint16_t vbucket, uint32_t opaque, const std::string& extras,
                 const std::string& key = {}, const std::string& value = {}) {
        std::string out;
        mcbp::RequestFields fields;
        fields.opcode = static_cast<uint8_t>(opcode);
        fields.vbucket = vbucket;
        fields.opaque = opaque;
        mcbp::appendRequest(out, fields, extras, key, value);
        if (opcode != ClientOpcode::DcpNoop) {
            sent_ackable_bytes += out.size();
        }
        peer_->sendRaw(out);
    }

    static std::string failoverLog(const FakeVbucket& vbucket) {
        std::string out;
        for (const auto& entry : vbucket.failover_log) {
            mcbp::appendUint64(out, entry.uuid);
            mcbp::appendUint64(out, entry.seqno);
        }
        return out;
    }

    void streamRequest(const Packet& request) {
        const std::string_view extras = request.extras;
        client::StreamRequestArgs args{
            .vbucket = request.header.vbucket_or_status,
            .flags = mcbp::readUint32(extras, 0),
            .start_seqno = mcbp::readUint64(extras, 8),
            .end_seqno = mcbp::readUint64(extras, 16),
            .vbucket_uuid = mcbp::readUint64(extras, 24),
            .snap_start_seqno = mcbp::readUint64(extras, 32),
            .snap_end_seqno = mcbp::readUint64(extras, 40),
            .opaque = request.header.opaque,
        };
        stream_requests.push_back(args);
        const auto found = vbuckets_.find(args.vbucket);
        if (found == vbuckets_.end()) {
            respond(request, mcbp::ResponseStatus::NotMyVbucket);
            return;
        }
        const FakeVbucket& vbucket = found->second;
        const bool known_uuid =
            std::any_of(vbucket.failover_log.begin(), vbucket.failover_log.end(),
                        [&](const auto& entry) { return entry.uuid == args.vbucket_uuid; });
        if (args.start_seqno > 0 && !known_uuid) {
            std::string seqno;
            mcbp::appendUint64(seqno, vbucket.rollback_seqno);
            respond(request, mcbp::ResponseStatus::Rollback, seqno);
            return;
        }
        respond(request, mcbp::ResponseStatus::Success, failoverLog(vbucket));
        if (hold_streams) {
            return;
        }
        if (send_noops) {
            message(ClientOpcode::DcpNoop, 0, 0x7777, {});
        }
        const uint64_t end = std::min(args.end_seqno, vbucket.high_seqno);
        if (args.start_seqno < end) {
            std::string marker;
            mcbp::appendUint64(marker, args.start_seqno + 1);
            mcbp::appendUint64(marker, end);
            mcbp::appendUint32(marker, dcp::kMarkerMemory);
            message(ClientOpcode::DcpSnapshotMarker, args.vbucket, args.opaque, marker);
            for (uint64_t seqno = args.start_seqno + 1; seqno <= end; ++seqno) {
                std::string item;
                mcbp::appendUint64(item, seqno);
                mcbp::appendUint64(item, 1);
                const std::string key = "key-" + std::to_string(seqno);
                if (seqno % 5 == 0) {
                    mcbp::appendUint16(item, 0);
                    message(ClientOpcode::DcpDeletion, args.vbucket, args.opaque, item, key);
                } else {
                    mcbp::appendUint32(item, 0);
                    mcbp::appendUint32(item, 0);
                    mcbp::appendUint32(item, 0);
                    mcbp::appendUint16(item, 0);
                    item += '\0';
                    message(ClientOpcode::DcpMutation, args.vbucket, args.opaque, item, key,
                            std::string(100, 'v'));
                }
            }
        }
        std::string reason;
        mcbp::appendUint32(reason, static_cast<uint32_t>(dcp::StreamEndReason::Ok));
        message(ClientOpcode::DcpStreamEnd, args.vbucket, args.opaque, reason);
    }

    void handle(const Packet& packet) {
        if (packet.isResponse()) {
            if (packet.header.opcode == static_cast<uint8_t>(ClientOpcode::DcpNoop)) {
                ++noop_responses;
            }
            return;
        }
        switch (static_cast<ClientOpcode>(packet.header.opcode)) {
        case ClientOpcode::Hello: respond(packet, mcbp::ResponseStatus::Success); break;
        case ClientOpcode::GetAllVbSeqnos: {
            std::string value;
            for (const auto& [id, vbucket] : vbuckets_) {
                mcbp::appendUint16(value, id);
                mcbp::appendUint64(value, vbucket.high_seqno);
            }
            respond(packet, mcbp::ResponseStatus::Success, value);
            break;
        }
        case ClientOpcode::DcpOpen:
            open_name = packet.key;
            open_flags = mcbp::readUint32(packet.extras, 4);
            respond(packet, mcbp::ResponseStatus::Success);
            break;
        case ClientOpcode::DcpControl:
            controls.emplace_back(packet.key, packet.value);
            respond(packet, mcbp::ResponseStatus::Success);
            break;
        case ClientOpcode::DcpStreamReq: streamRequest(packet); break;
        case ClientOpcode::DcpGetFailoverLog: {
            const auto found = vbuckets_.find(packet.header.vbucket_or_status);
            respond(packet, mcbp::ResponseStatus::Success,
                    found == vbuckets_.end() ? std::string() : failoverLog(found->second));
            break;
        }
        case ClientOpcode::DcpBufferAcknowledgement:
            acked_bytes += mcbp::readUint32(packet.extras, 0);
            break;
        default: respond(packet, mcbp::ResponseStatus::UnknownCommand); break;
        }
    }

    std::map<uint16_t, FakeVbucket> vbuckets_;
    std::optional<Connection> client_;
    std::optional<Connection> peer_;
    std::thread thread_;
};

std::map<uint16_t, FakeVbucket> threeVbuckets() {
    return {{0, {.high_seqno = 10, .failover_log = {{100, 0}}}},
            {1, {.high_seqno = 0, .failover_log = {{101, 0}}}},
            {5, {.high_seqno = 7, .failover_log = {{105, 0}}}}};
}

TEST(DcpDrainTest, DrainsEveryActiveVbucketFromZero) {
    FakeProducer producer(threeVbuckets());
    Options options;
    options.name = "test-drain";
    options.buffer_size = 0;
    options.noop_interval = 30;
    options.no_value = true;
    Positions positions;
    std::atomic<bool> stop{false};
    int progress_calls = 0;
    Drainer drainer(producer.client(), options, positions);
    const Summary summary = drainer.run(stop, [&](const Progress&) { ++progress_calls; });
    producer.finish();

    // Vbucket 1 has no items and is done without a request.
    ASSERT_EQ(producer.stream_requests.size(), 2u);
    EXPECT_EQ(producer.stream_requests[0].vbucket, 0);
    EXPECT_EQ(producer.stream_requests[0].end_seqno, 10u);
    EXPECT_EQ(producer.stream_requests[0].opaque, 1u);
    EXPECT_EQ(producer.stream_requests[1].vbucket, 5);
    EXPECT_EQ(producer.stream_requests[1].end_seqno, 7u);
    EXPECT_EQ(producer.open_name, "test-drain");
    EXPECT_EQ(producer.open_flags, dcp::kOpenProducer | dcp::kOpenNoValue);
    EXPECT_EQ(producer.controls, (std::vector<std::pair<std::string, std::string>>{
                                     {"enable_noop", "true"}, {"set_noop_interval", "30"}}));

    // Deletions at 5 and 10 (vb 0) and 5 (vb 5).
    EXPECT_EQ(summary.counters.mutations, 14u);
    EXPECT_EQ(summary.counters.deletions, 3u);
    EXPECT_EQ(summary.counters.markers, 2u);
    EXPECT_EQ(summary.counters.stream_ends, 2u);
    EXPECT_EQ(summary.counters.bytes, producer.sent_ackable_bytes);
    EXPECT_EQ(summary.vbuckets_total, 3u);
    EXPECT_EQ(summary.vbuckets_done, 3u);
    EXPECT_TRUE(summary.failures.empty());
    EXPECT_FALSE(summary.interrupted);
    EXPECT_GE(progress_calls, 1);

    EXPECT_EQ(positions.at(0), (Position{100, 10, 1, 10}));
    EXPECT_EQ(positions.at(5), (Position{105, 7, 1, 7}));
    EXPECT_EQ(positions.count(1), 0u);
}

TEST(DcpDrainTest, ResumesFromPositions) {
    FakeProducer producer(threeVbuckets());
    Options options;
    options.buffer_size = 0;
    options.vbuckets = std::vector<uint16_t>{0};
    Positions positions{{0, {100, 6, 1, 10}}, {9, {1, 2, 2, 2}}};
    std::atomic<bool> stop{false};
    const Summary summary = Drainer(producer.client(), options, positions).run(stop);
    producer.finish();

    ASSERT_EQ(producer.stream_requests.size(), 1u);
    const auto& request = producer.stream_requests[0];
    EXPECT_EQ(request.start_seqno, 6u);
    EXPECT_EQ(request.vbucket_uuid, 100u);
    EXPECT_EQ(request.snap_start_seqno, 1u);
    EXPECT_EQ(request.snap_end_seqno, 10u);
    EXPECT_EQ(summary.counters.items(), 4u);
    EXPECT_EQ(positions.at(0), (Position{100, 10, 7, 10}));
    // Vbuckets this run did not stream keep their entries.
    EXPECT_EQ(positions.at(9), (Position{1, 2, 2, 2}));
}

TEST(DcpDrainTest, APositionAtTheEndIsStillChecked) {
    FakeProducer producer(threeVbuckets());
    Options options;
    options.buffer_size = 0;
    options.vbuckets = std::vector<uint16_t>{0, 5};
    // vb 0 is complete; vb 5's history is unknown to the producer.
    Positions positions{{0, {100, 10, 1, 10}}, {5, {77, 7, 7, 7}}};
    std::atomic<bool> stop{false};
    const Summary summary = Drainer(producer.client(), options, positions).run(stop);
    producer.finish();

    ASSERT_EQ(producer.stream_requests.size(), 3u);
    EXPECT_EQ(producer.stream_requests[0].start_seqno, 10u);
    EXPECT_EQ(producer.stream_requests[0].end_seqno, 10u);
    EXPECT_EQ(producer.stream_requests[1].vbucket, 5);
    EXPECT_EQ(producer.stream_requests[2].start_seqno, 0u);
    EXPECT_EQ(summary.counters.rollbacks, 1u);
    EXPECT_EQ(summary.counters.items(), 7u);
    EXPECT_EQ(summary.vbuckets_done, 2u);
    EXPECT_EQ(positions.at(0), (Position{100, 10, 1, 10}));
    EXPECT_EQ(positions.at(5), (Position{105, 7, 1, 7}));
}

TEST(DcpDrainTest, RollbackToZeroRestartsTheVbucket) {
    FakeProducer producer(threeVbuckets());
    Options options;
    options.buffer_size = 0;
    options.vbuckets = std::vector<uint16_t>{0};
    Positions positions{{0, {999, 4, 4, 4}}};  // a history the producer does not know
    std::atomic<bool> stop{false};
    const Summary summary = Drainer(producer.client(), options, positions).run(stop);
    producer.finish();

    ASSERT_EQ(producer.stream_requests.size(), 2u);
    EXPECT_EQ(producer.stream_requests[1].start_seqno, 0u);
    EXPECT_EQ(producer.stream_requests[1].vbucket_uuid, 0u);
    EXPECT_EQ(summary.counters.rollbacks, 1u);
    EXPECT_EQ(summary.counters.items(), 10u);
    EXPECT_EQ(summary.vbuckets_done, 1u);
    EXPECT_EQ(positions.at(0), (Position{100, 10, 1, 10}));
}

TEST(DcpDrainTest, RollbackToASeqnoUsesTheFailoverLog) {
    auto vbuckets = threeVbuckets();
    vbuckets[0].rollback_seqno = 6;
    vbuckets[0].failover_log = {{300, 8}, {200, 5}, {100, 0}};
    FakeProducer producer(vbuckets);
    Options options;
    options.buffer_size = 0;
    options.vbuckets = std::vector<uint16_t>{0};
    Positions positions{{0, {250, 9, 9, 9}}};  // unknown: roll back to 6
    std::atomic<bool> stop{false};
    const Summary summary = Drainer(producer.client(), options, positions).run(stop);
    producer.finish();

    // The restart names the newest entry at or below 6: uuid 200 (seqno 5).
    ASSERT_EQ(producer.stream_requests.size(), 2u);
    EXPECT_EQ(producer.stream_requests[1].start_seqno, 6u);
    EXPECT_EQ(producer.stream_requests[1].vbucket_uuid, 200u);
    EXPECT_EQ(producer.stream_requests[1].snap_start_seqno, 6u);
    EXPECT_EQ(producer.stream_requests[1].snap_end_seqno, 6u);
    EXPECT_EQ(summary.counters.rollbacks, 1u);
    EXPECT_EQ(summary.counters.items(), 4u);
    EXPECT_TRUE(summary.failures.empty());
    // The stream's failover log names the newest uuid.
    EXPECT_EQ(positions.at(0), (Position{300, 10, 7, 10}));
}

TEST(DcpDrainTest, InactiveOrRefusedVbucketsAreFailures) {
    FakeProducer producer(threeVbuckets());
    Options options;
    options.buffer_size = 0;
    options.vbuckets = std::vector<uint16_t>{0, 3};
    Positions positions;
    std::atomic<bool> stop{false};
    const Summary summary = Drainer(producer.client(), options, positions).run(stop);
    producer.finish();
    EXPECT_EQ(summary.vbuckets_total, 2u);
    EXPECT_EQ(summary.vbuckets_done, 1u);
    ASSERT_EQ(summary.failures.size(), 1u);
    EXPECT_NE(summary.failures[0].find("vb 3"), std::string::npos);
}

TEST(DcpDrainTest, FlowControlAcksAndNoopsAreAnswered) {
    FakeProducer producer(threeVbuckets());
    producer.send_noops = true;
    Options options;
    options.buffer_size = 300;
    Positions positions;
    std::atomic<bool> stop{false};
    const Summary summary = Drainer(producer.client(), options, positions).run(stop);
    producer.finish();
    EXPECT_EQ(producer.controls.front(),
              (std::pair<std::string, std::string>("connection_buffer_size", "300")));
    EXPECT_EQ(producer.noop_responses, 2);
    EXPECT_EQ(summary.counters.noops, 2u);
    // Everything but at most half a window (and never noops) has been acknowledged.
    EXPECT_GT(producer.acked_bytes, 0u);
    EXPECT_LE(producer.acked_bytes, producer.sent_ackable_bytes);
    EXPECT_LE(producer.sent_ackable_bytes - producer.acked_bytes, 150u);
    EXPECT_EQ(summary.counters.bytes, producer.sent_ackable_bytes + 2 * 24);
}

TEST(DcpDrainTest, ForeverRunsUntilStopped) {
    FakeProducer producer(threeVbuckets());
    producer.hold_streams = true;
    Options options;
    options.buffer_size = 0;
    options.forever = true;
    Positions positions;
    std::atomic<bool> stop{false};
    std::thread stopper([&] {
        std::this_thread::sleep_for(200ms);
        stop = true;
    });
    const auto started = std::chrono::steady_clock::now();
    const Summary summary = Drainer(producer.client(), options, positions).run(stop);
    stopper.join();
    producer.finish();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_TRUE(summary.interrupted);
    ASSERT_EQ(producer.stream_requests.size(), 3u);  // vb 1 too: it may still get items
    for (const auto& request : producer.stream_requests) {
        EXPECT_EQ(request.end_seqno, ~uint64_t{0});
    }
    EXPECT_EQ(summary.vbuckets_done, 0u);
}

TEST(DcpDrainTest, SummaryFormats) {
    Summary summary;
    summary.counters.mutations = 900;
    summary.counters.deletions = 100;
    summary.counters.bytes = 2'000'000;
    summary.seconds = 2;
    summary.vbuckets_total = 4;
    summary.vbuckets_done = 4;
    EXPECT_DOUBLE_EQ(summary.itemsPerSecond(), 500.0);
    EXPECT_DOUBLE_EQ(summary.megabytesPerSecond(), 1.0);
    const std::string table = formatSummaryTable(summary);
    EXPECT_NE(table.find("mutations"), std::string::npos);
    EXPECT_NE(table.find("900"), std::string::npos);
    EXPECT_NE(table.find("items/s"), std::string::npos);
    EXPECT_NE(table.find("500.0"), std::string::npos);
    EXPECT_NE(table.find("MB/s"), std::string::npos);
    EXPECT_NE(table.find("4/4"), std::string::npos);
    const auto json = summaryJson(summary);
    EXPECT_EQ(json.at("mutations"), 900);
    EXPECT_EQ(json.at("deletions"), 100);
    EXPECT_EQ(json.at("bytes"), 2'000'000);
    EXPECT_DOUBLE_EQ(json.at("items_per_second").get<double>(), 500.0);
    EXPECT_DOUBLE_EQ(json.at("mb_per_second").get<double>(), 1.0);
    EXPECT_EQ(json.at("interrupted"), false);
    const std::string line = formatProgress({summary.counters, 1, 4, 2.0});
    EXPECT_NE(line.find("items 1000"), std::string::npos) << line;
    EXPECT_NE(line.find("vbuckets 1/4"), std::string::npos) << line;
}

}  // namespace
}  // namespace eddy::dcpdrain
