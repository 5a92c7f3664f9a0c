// DCP streams over a socket, against a persistent and an ephemeral bucket: a stream delivers
// every change of its range once, in seqno order, inside consistent snapshot markers, from
// memory or from a backfill (disk, or the ephemeral bucket's memory) and then memory without a
// gap or a duplicate; it ends when it reaches its end seqno or stays open for later writes;
// stream requests are checked against the failover log (each rollback rule) and their seqno
// ranges (dcp_rollback_test.cc); deletions and expiries arrive in the form the connection
// negotiated.

#include "dcp_harness.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;
using namespace std::chrono_literals;

std::vector<DcpMessage> markersOf(const std::vector<DcpMessage>& messages) {
    std::vector<DcpMessage> markers;
    for (const auto& message : messages) {
        if (message.isMarker()) {
            markers.push_back(message);
        }
    }
    return markers;
}

uint32_t unixNow() {
    return static_cast<uint32_t>(std::time(nullptr));
}

class DcpStreamTest : public DcpServerTest {};

TEST_P(DcpStreamTest, FullStreamFromZeroSendsEveryChangeInOrderAndEnds) {
    start();
    const auto written = writeKeys(0, 0, 50);
    ASSERT_EQ(1u, written.front().seqno);
    ASSERT_EQ(50u, written.back().seqno);
    // An overwrite: the key's older version is superseded in the log.
    const Position rewritten = set(0, keyOf(7), "rewritten");

    auto consumer = openProducer("full");
    const auto stream = consumer->streamRequest({.vbucket = 0, .end = rewritten.seqno});
    ASSERT_EQ(ResponseStatus::Success, stream.status);
    ASSERT_FALSE(stream.failover_log.empty());
    EXPECT_EQ(rewritten.uuid, stream.failover_log.front().uuid);

    const auto got = consumer->collectUntilStreamEnd({0});
    ASSERT_TRUE(got.complete) << "no STREAM_END";
    const auto& messages = got.streams.at(0);
    expectConsistent(messages);
    for (const auto& message : messages) {
        EXPECT_EQ(stream.opaque, message.opaque) << message.describe();
        EXPECT_EQ(0u, message.vbucket) << message.describe();
    }
    EXPECT_EQ(dcp::StreamEndReason::Ok, messages.back().end_reason);
    const auto markers = markersOf(messages);
    ASSERT_FALSE(markers.empty());
    EXPECT_EQ(rewritten.seqno, markers.back().snap_end);

    // Every key once, at its latest version; key-7 de-duplicated (its first version superseded)
    // or delivered twice in two snapshots, in seqno order either way.
    std::map<std::string, std::string> latest;
    for (const auto& change : got.changes(0)) {
        EXPECT_EQ(ClientOpcode::DcpMutation, change.opcode) << change.describe();
        EXPECT_GE(change.rev_seqno, 1u);
        latest[change.key] = change.value;
    }
    ASSERT_EQ(50u, latest.size());
    for (size_t i = 0; i < 50; ++i) {
        EXPECT_EQ(i == 7 ? std::string("rewritten") : valueOf(i), latest[keyOf(i)]) << i;
    }
    const auto changes = got.changes(0);
    EXPECT_EQ(rewritten.seqno, changes.back().by_seqno);
    EXPECT_EQ(keyOf(7), changes.back().key);
}

TEST_P(DcpStreamTest, ResumeInsideAPartialSnapshotSendsTheRest) {
    start();
    const auto written = writeKeys(0, 0, 100);
    auto consumer = openProducer("resume");
    // The consumer had received [1, 100] up to seqno 40.
    const auto stream = consumer->streamRequest({.vbucket = 0,
                                                 .start = 40,
                                                 .end = 100,
                                                 .vb_uuid = written.back().uuid,
                                                 .snap_start = 1,
                                                 .snap_end = 100});
    ASSERT_EQ(ResponseStatus::Success, stream.status);
    const auto got = consumer->collectUntilStreamEnd({0});
    ASSERT_TRUE(got.complete);
    expectConsistent(got.streams.at(0));
    EXPECT_EQ(dcp::StreamEndReason::Ok, got.streamEnd(0)->end_reason);
    const auto changes = got.changes(0);
    EXPECT_EQ(seqnoRange(41, 100), changeSeqnos(changes));
    for (const auto& change : changes) {
        EXPECT_EQ(keyOf(change.by_seqno - 1), change.key);
    }
    // The first marker covers the snapshot the consumer is completing.
    const auto markers = markersOf(got.streams.at(0));
    ASSERT_FALSE(markers.empty());
    EXPECT_LE(markers.front().snap_start, 41u);
}

TEST_P(DcpStreamTest, BackfillThenMemoryWithoutGapOrDuplicate) {
    start("chk_max_items=100;chk_remover_stime=1;dcp_scan_item_limit=50");
    const auto first = writeKeys(0, 0, 200);
    ASSERT_EQ(200u, first.back().seqno);
    if (persistent()) {
        waitPersisted(0, 200);
    }
    // The first checkpoint (seqnos 1-100) closed when item 101 came; once nothing needs it the
    // remover frees it, and a stream from 0 must read those items from the backfill.
    ASSERT_TRUE(
        waitForStat("", "ep_items_rm_from_checkpoints", [](uint64_t n) { return n >= 100; }));
    if (persistent()) {
        ASSERT_EQ(ResponseStatus::Success, stopPersistence());
    }
    const auto second = writeKeys(0, 200, 200);
    ASSERT_EQ(400u, second.back().seqno);

    auto consumer = openProducer("backfill");
    const auto stream = consumer->streamRequest({.vbucket = 0, .end = 400});
    ASSERT_EQ(ResponseStatus::Success, stream.status);
    const auto got = consumer->collectUntilStreamEnd({0}, 30s);
    if (persistent()) {
        EXPECT_EQ(ResponseStatus::Success, startPersistence());
    }
    ASSERT_TRUE(got.complete);
    const auto& messages = got.streams.at(0);
    expectConsistent(messages);
    EXPECT_EQ(dcp::StreamEndReason::Ok, got.streamEnd(0)->end_reason);
    const auto changes = got.changes(0);
    EXPECT_EQ(seqnoRange(1, 400), changeSeqnos(changes)) << "missing or repeated changes";
    for (const auto& change : changes) {
        EXPECT_EQ(keyOf(change.by_seqno - 1), change.key);
        EXPECT_EQ(valueOf(change.by_seqno - 1), change.value);
    }

    // One Disk snapshot first, holding the first items; Memory snapshots after it.
    ASSERT_TRUE(messages.front().isMarker());
    EXPECT_NE(0u, messages.front().snap_flags & dcp::kMarkerDisk) << messages.front().describe();
    EXPECT_LE(messages.front().snap_start, 1u);
    const auto markers = markersOf(messages);
    size_t disk_markers = 0;
    for (const auto& marker : markers) {
        disk_markers += (marker.snap_flags & dcp::kMarkerDisk) != 0 ? 1 : 0;
    }
    EXPECT_EQ(1u, disk_markers);
    size_t from_disk = 0;
    for (const auto& message : messages) {
        if (message.isMarker() && &message != &messages.front()) {
            break;
        }
        from_disk += message.isChange() ? 1 : 0;
    }
    EXPECT_GE(from_disk, 100u) << "the removed checkpoint's items come from the backfill";
    if (persistent()) {
        // With persistence stopped at 200, nothing above it can come from disk.
        EXPECT_LE(markers.front().snap_end, 200u);
        EXPECT_LE(from_disk, 200u);
        ASSERT_GE(markers.size(), 2u);
        for (size_t i = 1; i < markers.size(); ++i) {
            EXPECT_NE(0u, markers[i].snap_flags & dcp::kMarkerMemory) << markers[i].describe();
        }
    }
}

TEST_P(DcpStreamTest, DiskOnlyStreamSendsWhatIsOnDiskAndEnds) {
    start();
    const auto stored = writeKeys(0, 0, 100);
    uint64_t disk_high = 100;
    if (persistent()) {
        waitPersisted(0, 100);
        ASSERT_EQ(ResponseStatus::Success, stopPersistence());
        writeKeys(0, 100, 50);  // in memory only
    } else {
        disk_high = stored.back().seqno;  // an ephemeral bucket's "disk" is its memory
    }
    auto consumer = openProducer("disk-only");
    const auto stream = consumer->streamRequest({.vbucket = 0, .flags = dcp::kStreamDiskOnly});
    ASSERT_EQ(ResponseStatus::Success, stream.status);
    const auto got = consumer->collectUntilStreamEnd({0});
    if (persistent()) {
        EXPECT_EQ(ResponseStatus::Success, startPersistence());
    }
    ASSERT_TRUE(got.complete) << "a disk-only stream ends after its disk snapshot";
    const auto& messages = got.streams.at(0);
    expectConsistent(messages);
    EXPECT_EQ(dcp::StreamEndReason::Ok, got.streamEnd(0)->end_reason);
    const auto markers = markersOf(messages);
    ASSERT_EQ(1u, markers.size());
    EXPECT_NE(0u, markers.front().snap_flags & dcp::kMarkerDisk);
    EXPECT_EQ(disk_high, markers.front().snap_end);
    EXPECT_EQ(seqnoRange(1, disk_high), changeSeqnos(got.changes(0)));
}

TEST_P(DcpStreamTest, MemoryOnlyStreamNeedsNoBackfill) {
    start();
    writeKeys(0, 0, 20);
    auto consumer = openProducer("memory-only");
    const auto stream = consumer->streamRequest({.vbucket = 0, .end = 20});
    ASSERT_EQ(ResponseStatus::Success, stream.status);
    const auto got = consumer->collectUntilStreamEnd({0});
    ASSERT_TRUE(got.complete);
    expectConsistent(got.streams.at(0));
    for (const auto& marker : markersOf(got.streams.at(0))) {
        EXPECT_NE(0u, marker.snap_flags & dcp::kMarkerMemory) << marker.describe();
        EXPECT_EQ(0u, marker.snap_flags & dcp::kMarkerDisk) << marker.describe();
    }
    EXPECT_EQ(seqnoRange(1, 20), changeSeqnos(got.changes(0)));
    EXPECT_EQ(dcp::StreamEndReason::Ok, got.streamEnd(0)->end_reason);
}

TEST_P(DcpStreamTest, OpenEndedStreamDeliversLaterWrites) {
    start();
    writeKeys(0, 0, 10);
    auto consumer = openProducer("keep-open");
    const auto stream = consumer->streamRequest({.vbucket = 0});
    ASSERT_EQ(ResponseStatus::Success, stream.status);
    auto got = consumer->collectChanges(10);
    ASSERT_TRUE(got.complete);
    auto messages = got.streams.at(0);

    const auto later = writeKeys(0, 10, 10);
    got = consumer->collectChanges(10);
    ASSERT_TRUE(got.complete) << "later writes did not arrive";
    messages.insert(messages.end(), got.streams.at(0).begin(), got.streams.at(0).end());
    // Nothing else: in particular no STREAM_END.
    while (auto extra = consumer->next(300ms)) {
        messages.push_back(*extra);
        EXPECT_FALSE(extra->isStreamEnd()) << extra->describe();
    }
    expectConsistent(messages);
    std::vector<DcpMessage> changes;
    for (const auto& message : messages) {
        if (message.isChange()) {
            changes.push_back(message);
        }
    }
    EXPECT_EQ(seqnoRange(1, 20), changeSeqnos(changes));
    EXPECT_EQ(later.back().seqno, changes.back().by_seqno);
    EXPECT_EQ(ResponseStatus::Success, consumer->closeStream(0));
}

TEST_P(DcpStreamTest, ToLatestEndsAtTheHighSeqnoOfTheRequest) {
    start();
    writeKeys(0, 0, 10);
    auto consumer = openProducer("latest");
    const auto stream = consumer->streamRequest({.vbucket = 0, .flags = dcp::kStreamToLatest});
    ASSERT_EQ(ResponseStatus::Success, stream.status);
    const auto got = consumer->collectUntilStreamEnd({0});
    ASSERT_TRUE(got.complete) << "a ToLatest stream ends at the high seqno it was opened at";
    expectConsistent(got.streams.at(0));
    EXPECT_EQ(seqnoRange(1, 10), changeSeqnos(got.changes(0)));
    EXPECT_EQ(dcp::StreamEndReason::Ok, got.streamEnd(0)->end_reason);
}

TEST_P(DcpStreamTest, EndSeqnoInsideTheDataStopsThere) {
    start("chk_max_items=100;chk_remover_stime=1");
    writeKeys(0, 0, 200);
    if (persistent()) {
        waitPersisted(0, 200);
    }
    // The first checkpoint is gone: seqnos 1-100 come from a backfill, 101-200 from memory.
    ASSERT_TRUE(
        waitForStat("", "ep_items_rm_from_checkpoints", [](uint64_t n) { return n >= 100; }));
    for (const uint64_t end : {50u, 150u}) {
        auto consumer = openProducer("end-" + std::to_string(end));
        ASSERT_EQ(ResponseStatus::Success,
                  consumer->streamRequest({.vbucket = 0, .end = end}).status);
        const auto got = consumer->collectUntilStreamEnd({0});
        ASSERT_TRUE(got.complete) << end;
        expectConsistent(got.streams.at(0), "end " + std::to_string(end));
        EXPECT_EQ(seqnoRange(1, end), changeSeqnos(got.streams.at(0))) << end;
        EXPECT_EQ(dcp::StreamEndReason::Ok, got.streamEnd(0)->end_reason) << end;
    }
}

TEST_P(DcpStreamTest, CheckpointBoundariesAreMarked) {
    start("chk_max_items=10");
    auto consumer = openProducer("checkpoints");
    ASSERT_EQ(ResponseStatus::Success, consumer->streamRequest({.vbucket = 0}).status);
    // Checkpoints of ten items: 1-10, 11-20, 21-30.
    writeKeys(0, 0, 30);
    const auto got = consumer->collectChanges(30);
    ASSERT_TRUE(got.complete);
    const auto& messages = got.streams.at(0);
    expectConsistent(messages);
    EXPECT_EQ(seqnoRange(1, 30), changeSeqnos(messages));
    const auto markers = markersOf(messages);
    for (const auto& marker : markers) {
        EXPECT_NE(0u, marker.snap_flags & dcp::kMarkerMemory) << marker.describe();
    }
    for (const uint64_t first : {11u, 21u}) {
        const bool marked =
            std::any_of(markers.begin(), markers.end(), [first](const auto& marker) {
                return (marker.snap_flags & dcp::kMarkerCheckpoint) != 0 &&
                       marker.snap_start <= first && first <= marker.snap_end;
            });
        EXPECT_TRUE(marked) << "no marker with the Checkpoint flag covers seqno " << first
                            << ", the first of a checkpoint";
    }
}

// ---- deletions and expiries ----

/// Writes `key`, opens a stream that is kept open, reads the mutation, deletes the key and
/// returns {mutation, deletion}.
std::pair<DcpMessage, DcpMessage> mutateThenDelete(DcpConsumer& consumer,
                                                   const std::function<Position()>& write,
                                                   const std::function<Position()>& erase) {
    const Position written = write();
    const auto stream = consumer.streamRequest({.vbucket = 0});
    EXPECT_EQ(ResponseStatus::Success, stream.status);
    auto got = consumer.collectChanges(1);
    EXPECT_TRUE(got.complete);
    const DcpMessage mutation = got.changes(0).at(0);
    EXPECT_EQ(written.seqno, mutation.by_seqno);
    const Position erased = erase();
    got = consumer.collectChanges(1);
    EXPECT_TRUE(got.complete);
    const DcpMessage deletion = got.changes(0).at(0);
    EXPECT_EQ(erased.seqno, deletion.by_seqno);
    return {mutation, deletion};
}

TEST_P(DcpStreamTest, DeletionWithoutDeleteTimes) {
    start();
    auto consumer = openProducer("delete-v1");
    const auto [mutation, deletion] = mutateThenDelete(
        *consumer, [&] { return set(0, "doomed", "value"); }, [&] { return remove(0, "doomed"); });
    EXPECT_EQ(ClientOpcode::DcpMutation, mutation.opcode);
    EXPECT_EQ("value", mutation.value);
    ASSERT_EQ(ClientOpcode::DcpDeletion, deletion.opcode);
    EXPECT_EQ(18u, deletion.extras.size());
    EXPECT_EQ("doomed", deletion.key);
    EXPECT_TRUE(deletion.value.empty());
    EXPECT_GT(deletion.rev_seqno, mutation.rev_seqno);
}

TEST_P(DcpStreamTest, DeletionWithDeleteTimes) {
    start();
    auto consumer = openProducer("delete-v2", dcp::kOpenIncludeDeleteTimes);
    const uint32_t before = unixNow();
    const auto [mutation, deletion] = mutateThenDelete(
        *consumer, [&] { return set(0, "doomed", "value"); }, [&] { return remove(0, "doomed"); });
    const uint32_t after = unixNow();
    ASSERT_EQ(ClientOpcode::DcpDeletion, deletion.opcode);
    EXPECT_EQ(21u, deletion.extras.size());
    EXPECT_GE(deletion.delete_time + 1, before);
    EXPECT_LE(deletion.delete_time, after + 1);
    EXPECT_GT(deletion.rev_seqno, mutation.rev_seqno);
}

TEST_P(DcpStreamTest, BackfilledDeletionsCarryDeleteTimes) {
    start("chk_max_items=10;chk_remover_stime=1");
    const uint32_t before = unixNow();
    writeKeys(0, 0, 10);              // 1-10
    for (size_t i = 0; i < 5; ++i) {  // 11-15
        remove(0, keyOf(i));
    }
    const auto more = writeKeys(0, 10, 30);  // 16-45: later checkpoints
    const uint32_t after = unixNow();
    if (persistent()) {
        waitPersisted(0, more.back().seqno);
    }
    // The checkpoints holding the deletions are gone: a stream from 0 backfills them.
    ASSERT_TRUE(
        waitForStat("", "ep_items_rm_from_checkpoints", [](uint64_t n) { return n >= 20; }));
    auto consumer = openProducer("backfilled-deletes", dcp::kOpenIncludeDeleteTimes);
    ASSERT_EQ(ResponseStatus::Success,
              consumer->streamRequest({.vbucket = 0, .end = more.back().seqno}).status);
    const auto got = consumer->collectUntilStreamEnd({0});
    ASSERT_TRUE(got.complete);
    const auto& messages = got.streams.at(0);
    expectConsistent(messages);
    ASSERT_TRUE(messages.front().isMarker());
    EXPECT_NE(0u, messages.front().snap_flags & dcp::kMarkerDisk) << "no backfill happened";
    std::set<std::string> deleted;
    std::set<std::string> live;
    for (const auto& change : got.changes(0)) {
        if (change.opcode == ClientOpcode::DcpDeletion) {
            deleted.insert(change.key);
            EXPECT_GE(change.delete_time + 1, before) << change.describe();
            EXPECT_LE(change.delete_time, after + 1) << change.describe();
            EXPECT_TRUE(change.value.empty()) << change.describe();
        } else {
            EXPECT_EQ(ClientOpcode::DcpMutation, change.opcode);
            live.insert(change.key);
        }
    }
    EXPECT_EQ((std::set<std::string>{keyOf(0), keyOf(1), keyOf(2), keyOf(3), keyOf(4)}), deleted);
    EXPECT_EQ(35u, live.size());
}

/// Sets `key` with a one-second TTL and a permanent `other`, streams both, then reads `key`
/// until it is gone (the read expires it) and returns the message its expiry produced.
DcpMessage expireOne(DcpConsumer& consumer, McbpClient& client,
                     const std::function<Position(const std::string&, uint32_t)>& write) {
    const Position expiring = write("short-lived", 1);
    write("permanent", 0);
    EXPECT_EQ(ResponseStatus::Success, consumer.streamRequest({.vbucket = 0}).status);
    auto got = consumer.collectChanges(2);
    EXPECT_TRUE(got.complete);
    EXPECT_EQ(1u + expiring.seqno, got.changes(0).back().by_seqno);
    EXPECT_NE(0u, got.changes(0).front().expiration) << "the TTL travels with the mutation";
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (client.get("short-lived").status() != ResponseStatus::KeyEnoent) {
        if (std::chrono::steady_clock::now() > deadline) {
            ADD_FAILURE() << "the item did not expire";
            return {};
        }
        std::this_thread::sleep_for(100ms);
    }
    got = consumer.collectChanges(1);
    EXPECT_TRUE(got.complete) << "the expiry was not streamed";
    if (got.changes(0).empty()) {
        return {};
    }
    DcpMessage expiry = got.changes(0).front();
    EXPECT_EQ("short-lived", expiry.key);
    EXPECT_GT(expiry.by_seqno, expiring.seqno + 1);
    EXPECT_TRUE(expiry.value.empty());
    return expiry;
}

TEST_P(DcpStreamTest, ExpiryIsAnExpirationWithTheExpiryOpcode) {
    start();
    auto consumer = openProducer("expiry-opcode", dcp::kOpenIncludeDeleteTimes);
    ASSERT_EQ(ResponseStatus::Success, consumer->control("enable_expiry_opcode", "true"));
    const uint32_t before = unixNow();
    const DcpMessage expiry =
        expireOne(*consumer, *client_,
                  [&](const std::string& key, uint32_t ttl) { return set(0, key, "v", ttl); });
    EXPECT_EQ(ClientOpcode::DcpExpiration, expiry.opcode) << expiry.describe();
    EXPECT_EQ(20u, expiry.extras.size());
    EXPECT_GE(expiry.delete_time + 1, before);
    EXPECT_LE(expiry.delete_time, unixNow() + 1);
}

TEST_P(DcpStreamTest, ExpiryIsADeletionWithoutTheExpiryOpcode) {
    start();
    auto consumer = openProducer("expiry-as-delete");
    const DcpMessage expiry =
        expireOne(*consumer, *client_,
                  [&](const std::string& key, uint32_t ttl) { return set(0, key, "v", ttl); });
    EXPECT_EQ(ClientOpcode::DcpDeletion, expiry.opcode) << expiry.describe();
    EXPECT_EQ(18u, expiry.extras.size());
}

TEST_P(DcpStreamTest, ExpiryOpcodeNeedsDeleteTimes) {
    start();
    auto consumer = openProducer("expiry-refused");
    EXPECT_EQ(ResponseStatus::Einval, consumer->control("enable_expiry_opcode", "true"));
    // The connection goes on.
    EXPECT_EQ(ResponseStatus::Success, consumer->getFailoverLog(0).status);
}

TEST_P(DcpStreamTest, NoValueOpenFlagLeavesValuesOut) {
    start();
    writeKeys(0, 0, 5);
    auto consumer = openProducer("no-value", dcp::kOpenNoValue);
    ASSERT_EQ(ResponseStatus::Success, consumer->streamRequest({.vbucket = 0, .end = 5}).status);
    const auto got = consumer->collectUntilStreamEnd({0});
    ASSERT_TRUE(got.complete);
    const auto changes = got.changes(0);
    ASSERT_EQ(5u, changes.size());
    for (const auto& change : changes) {
        EXPECT_TRUE(change.value.empty()) << change.describe();
        EXPECT_EQ(keyOf(change.by_seqno - 1), change.key);
    }
}

TEST_P(DcpStreamTest, XattrsOnlyForConnectionsThatAskForThem) {
    start();
    client_->hello({mcbp::Feature::MutationSeqno, mcbp::Feature::Xattr, mcbp::Feature::Json});
    // An xattr section holding meta = {}, then the body.
    const std::string section("\0\0\0\x0c\0\0\0\x08meta\0{}\0", 16);
    const std::string body = R"({"a":1})";
    const auto stored = client_->execute({.opcode = ClientOpcode::Set,
                                          .key = "doc",
                                          .value = section + body,
                                          .extras = storeExtras(0, 0),
                                          .datatype = datatype::kXattr | datatype::kJson});
    ASSERT_EQ(ResponseStatus::Success, stored.status());

    const auto first_change = [&](const std::string& name, uint32_t flags) {
        auto consumer = openProducer(name, flags);
        EXPECT_EQ(ResponseStatus::Success,
                  consumer->streamRequest({.vbucket = 0, .end = 1}).status);
        const auto got = consumer->collectUntilStreamEnd({0});
        EXPECT_TRUE(got.complete);
        const auto changes = got.changes(0);
        EXPECT_EQ(1u, changes.size());
        return changes.empty() ? DcpMessage{} : changes.front();
    };
    const DcpMessage plain = first_change("without-xattrs", dcp::kOpenProducer);
    EXPECT_EQ(body, plain.value);
    EXPECT_EQ(datatype::kJson, plain.datatype);
    const DcpMessage with_xattrs =
        first_change("with-xattrs", dcp::kOpenProducer | dcp::kOpenIncludeXattrs);
    EXPECT_EQ(section + body, with_xattrs.value);
    EXPECT_EQ(datatype::kXattr | datatype::kJson, with_xattrs.datatype);
}

INSTANTIATE_TEST_SUITE_P(Buckets, DcpStreamTest,
                         ::testing::Values(BucketKind::Persistent, BucketKind::Ephemeral),
                         bucketKindName);

}  // namespace
}  // namespace eddy::test
