// DCP stream requests over a socket, against a persistent and an ephemeral bucket: the checks
// a request passes before it streams (its vbucket, its seqno range, one stream per vbucket and
// connection), the failover log it is answered with, and every rollback rule of
// kv_engine-brief §4.2: start 0, an unknown uuid, a snapshot across or after the end of an older
// branch, a consumer ahead of the producer, and a snapshot start below the purge seqno.

#include "dcp_harness.h"
#include "protocol/persistence_formats.h"

#include <chrono>
#include <string>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;
using namespace std::chrono_literals;

constexpr uint8_t kActive = 1;
constexpr uint8_t kReplica = 2;
constexpr uint8_t kDead = 4;

class DcpRequestTest : public DcpServerTest {};

TEST_P(DcpRequestTest, StreamRequestErrors) {
    start();
    writeKeys(0, 0, 10);
    auto consumer = openProducer("errors");
    // Seqnos that contradict each other: start above end, snapshot not around start.
    EXPECT_EQ(ResponseStatus::Erange,
              consumer->streamRequest({.vbucket = 0, .start = 5, .end = 4}).status);
    EXPECT_EQ(
        ResponseStatus::Erange,
        consumer->streamRequest({.vbucket = 0, .start = 5, .snap_start = 6, .snap_end = 8}).status);
    EXPECT_EQ(
        ResponseStatus::Erange,
        consumer->streamRequest({.vbucket = 0, .start = 5, .snap_start = 1, .snap_end = 4}).status);
    // A vbucket that does not exist (max_vbuckets is 128).
    EXPECT_EQ(ResponseStatus::NotMyVbucket, consumer->streamRequest({.vbucket = 128}).status);
    EXPECT_EQ(ResponseStatus::NotMyVbucket, consumer->getFailoverLog(128).status);
    // Closing a stream that does not exist.
    EXPECT_EQ(ResponseStatus::KeyEnoent, consumer->closeStream(0));
    // One stream per vbucket and connection.
    ASSERT_EQ(ResponseStatus::Success, consumer->streamRequest({.vbucket = 0}).status);
    EXPECT_EQ(ResponseStatus::KeyEexists, consumer->streamRequest({.vbucket = 0}).status);
    // Another connection may stream the same vbucket.
    auto other = openProducer("errors-2");
    EXPECT_EQ(ResponseStatus::Success, other->streamRequest({.vbucket = 0, .end = 10}).status);
    const auto got = other->collectUntilStreamEnd({0});
    ASSERT_TRUE(got.complete);
    EXPECT_EQ(seqnoRange(1, 10), changeSeqnos(got.changes(0)));
    // ActiveVbOnly refuses a replica vbucket; without it a replica streams.
    ASSERT_EQ(ResponseStatus::Success, setVbucketState(5, kReplica));
    EXPECT_EQ(ResponseStatus::NotMyVbucket,
              consumer->streamRequest({.vbucket = 5, .flags = dcp::kStreamActiveVbOnly}).status);
    EXPECT_EQ(ResponseStatus::Success, consumer->streamRequest({.vbucket = 5}).status);
    // A dead vbucket never streams.
    ASSERT_EQ(ResponseStatus::Success, setVbucketState(6, kDead));
    EXPECT_EQ(ResponseStatus::NotMyVbucket, consumer->streamRequest({.vbucket = 6}).status);
}

TEST_P(DcpRequestTest, GetFailoverLogMatchesTheStreamResponse) {
    start();
    auto consumer = openProducer("failover");
    const auto fresh = consumer->getFailoverLog(3);
    ASSERT_EQ(ResponseStatus::Success, fresh.status);
    ASSERT_EQ(1u, fresh.entries.size());
    EXPECT_EQ(0u, fresh.entries.front().seqno);
    EXPECT_NE(0u, fresh.entries.front().uuid);

    const Position written = set(3, "k", "v");
    EXPECT_EQ(fresh.entries.front().uuid, written.uuid);
    const auto stream = consumer->streamRequest({.vbucket = 3});
    ASSERT_EQ(ResponseStatus::Success, stream.status);
    ASSERT_EQ(fresh.entries.size(), stream.failover_log.size());
    EXPECT_EQ(fresh.entries.front().uuid, stream.failover_log.front().uuid);
    EXPECT_EQ(fresh.entries.front().seqno, stream.failover_log.front().seqno);
}

TEST_P(DcpRequestTest, StartZeroRollsBackOnlyWithStrictUuid) {
    start();
    auto consumer = openProducer("start-zero");
    const uint64_t uuid = consumer->getFailoverLog(3).entries.at(0).uuid;
    for (uint16_t vbucket : {0, 1, 2, 3}) {
        set(vbucket, "k", "v");
    }
    // Start 0 and uuid 0: everything, no rollback.
    EXPECT_EQ(ResponseStatus::Success, consumer->streamRequest({.vbucket = 0}).status);
    // Start 0 with a uuid the vbucket never had: still no rollback.
    EXPECT_EQ(ResponseStatus::Success,
              consumer->streamRequest({.vbucket = 1, .vb_uuid = 0xdead}).status);
    // ...unless StrictVbUuid asks for the uuid to be checked.
    const auto strict = consumer->streamRequest(
        {.vbucket = 2, .flags = dcp::kStreamStrictVbUuid, .vb_uuid = 0xdead});
    EXPECT_EQ(ResponseStatus::Rollback, strict.status);
    EXPECT_EQ(0u, strict.rollback_seqno);
    EXPECT_EQ(
        ResponseStatus::Success,
        consumer->streamRequest({.vbucket = 3, .flags = dcp::kStreamStrictVbUuid, .vb_uuid = uuid})
            .status);
}

TEST_P(DcpRequestTest, UnknownUuidRollsBackToZero) {
    start();
    const auto written = writeKeys(0, 0, 10);
    auto consumer = openProducer("unknown-uuid");
    const auto unknown = consumer->streamRequest({.vbucket = 0,
                                                  .start = 5,
                                                  .vb_uuid = written.back().uuid + 1,
                                                  .snap_start = 5,
                                                  .snap_end = 5});
    EXPECT_EQ(ResponseStatus::Rollback, unknown.status);
    EXPECT_EQ(0u, unknown.rollback_seqno);
    // The same position on the right branch streams the rest.
    const auto known = consumer->streamRequest({.vbucket = 0,
                                                .start = 5,
                                                .end = 10,
                                                .vb_uuid = written.back().uuid,
                                                .snap_start = 5,
                                                .snap_end = 5});
    ASSERT_EQ(ResponseStatus::Success, known.status);
    const auto got = consumer->collectUntilStreamEnd({0});
    ASSERT_TRUE(got.complete);
    EXPECT_EQ(seqnoRange(6, 10), changeSeqnos(got.changes(0)));
}

TEST_P(DcpRequestTest, ConsumerAheadOfTheProducerRollsBackToTheHighSeqno) {
    start();
    const auto written = writeKeys(0, 0, 10);
    auto consumer = openProducer("ahead");
    // The consumer has seen seqnos this vbucket never had (say, from a failed-over active).
    const auto ahead = consumer->streamRequest({.vbucket = 0,
                                                .start = 15,
                                                .vb_uuid = written.back().uuid,
                                                .snap_start = 15,
                                                .snap_end = 15});
    EXPECT_EQ(ResponseStatus::Rollback, ahead.status);
    EXPECT_EQ(10u, ahead.rollback_seqno);
    // Inside a snapshot that runs past the high seqno: back to the snapshot start.
    const auto partial = consumer->streamRequest({.vbucket = 0,
                                                  .start = 8,
                                                  .vb_uuid = written.back().uuid,
                                                  .snap_start = 6,
                                                  .snap_end = 12});
    EXPECT_EQ(ResponseStatus::Rollback, partial.status);
    EXPECT_EQ(6u, partial.rollback_seqno);
    // At the high seqno exactly: nothing to roll back, the stream waits for new writes.
    const auto level = consumer->streamRequest({.vbucket = 0,
                                                .start = 10,
                                                .vb_uuid = written.back().uuid,
                                                .snap_start = 10,
                                                .snap_end = 10});
    ASSERT_EQ(ResponseStatus::Success, level.status);
    const Position next = set(0, "next", "v");
    const auto got = consumer->collectChanges(1);
    ASSERT_TRUE(got.complete);
    expectConsistent(got.streams.at(0));
    EXPECT_EQ(std::vector<uint64_t>{next.seqno}, changeSeqnos(got.streams.at(0)));
}

TEST_P(DcpRequestTest, RollbackAgainstAnOlderBranch) {
    start();
    const auto before = writeKeys(0, 0, 10);
    const uint64_t old_uuid = before.back().uuid;
    // Replica, then active again: a new branch starts at seqno 10.
    ASSERT_EQ(ResponseStatus::Success, setVbucketState(0, kReplica));
    ASSERT_EQ(ResponseStatus::Success, setVbucketState(0, kActive));
    const auto after = writeKeys(0, 10, 10);
    const uint64_t new_uuid = after.back().uuid;
    ASSERT_NE(old_uuid, new_uuid);
    ASSERT_EQ(20u, after.back().seqno);

    auto consumer = openProducer("branches");
    const auto log = consumer->getFailoverLog(0);
    ASSERT_EQ(ResponseStatus::Success, log.status);
    ASSERT_GE(log.entries.size(), 2u);
    EXPECT_EQ(new_uuid, log.entries[0].uuid);
    EXPECT_EQ(10u, log.entries[0].seqno);
    EXPECT_EQ(old_uuid, log.entries[1].uuid);

    // The old branch ends at 10. A snapshot across that point: back to its start.
    auto partial = consumer->streamRequest(
        {.vbucket = 0, .start = 8, .vb_uuid = old_uuid, .snap_start = 5, .snap_end = 15});
    EXPECT_EQ(ResponseStatus::Rollback, partial.status);
    EXPECT_EQ(5u, partial.rollback_seqno);
    // A snapshot after it: back to where the branch ends.
    auto beyond = consumer->streamRequest(
        {.vbucket = 0, .start = 12, .vb_uuid = old_uuid, .snap_start = 12, .snap_end = 12});
    EXPECT_EQ(ResponseStatus::Rollback, beyond.status);
    EXPECT_EQ(10u, beyond.rollback_seqno);
    // Start == snap_end means the snapshot was received whole: [8, 8] lies in the old branch.
    auto whole =
        openProducer("branches-whole")
            ->streamRequest(
                {.vbucket = 0, .start = 8, .vb_uuid = old_uuid, .snap_start = 5, .snap_end = 8});
    EXPECT_EQ(ResponseStatus::Success, whole.status);
    // A snapshot inside the old branch: no rollback, the stream goes on into the new branch.
    auto inside = consumer->streamRequest({.vbucket = 0,
                                           .start = 8,
                                           .end = 20,
                                           .vb_uuid = old_uuid,
                                           .snap_start = 5,
                                           .snap_end = 10});
    ASSERT_EQ(ResponseStatus::Success, inside.status);
    const auto got = consumer->collectUntilStreamEnd({0});
    ASSERT_TRUE(got.complete);
    expectConsistent(got.streams.at(0));
    EXPECT_EQ(seqnoRange(9, 20), changeSeqnos(got.changes(0)));
    // The current branch: no rollback.
    auto current =
        openProducer("branches-2")
            ->streamRequest(
                {.vbucket = 0, .start = 15, .vb_uuid = new_uuid, .snap_start = 15, .snap_end = 15});
    EXPECT_EQ(ResponseStatus::Success, current.status);
}

TEST_P(DcpRequestTest, SnapshotStartBelowThePurgeSeqnoRollsBackToZero) {
    start(persistent() ? "" : "ephemeral_metadata_purge_age=0;ephemeral_metadata_purge_interval=1");
    writeKeys(0, 0, 10);              // 1-10
    for (size_t i = 0; i < 5; ++i) {  // 11-15
        remove(0, keyOf(i));
    }
    const Position last = set(0, keyOf(10), valueOf(10));  // 16
    ASSERT_EQ(16u, last.seqno);
    if (persistent()) {
        waitPersisted(0, 16);
        std::string extras;
        mcbp::appendCompactDbExtras(extras, {.drop_deletes = true});
        client_->send({.opcode = ClientOpcode::CompactDb, .extras = extras});
        const auto compacted = client_->receive(30s);
        ASSERT_TRUE(compacted);
        ASSERT_EQ(ResponseStatus::Success, compacted->status());
        ASSERT_TRUE(
            waitForStat("", "ep_tombstones_purged_on_disk", [](uint64_t n) { return n >= 5; }));
    } else {
        ASSERT_TRUE(waitForStat("", "ep_tombstones_purged", [](uint64_t n) { return n >= 5; }));
    }

    // The consumer's snapshot starts below purged tombstones: it may have missed deletions.
    const auto purged = openProducer("purged")->streamRequest(
        {.vbucket = 0, .start = 12, .vb_uuid = last.uuid, .snap_start = 12, .snap_end = 12});
    EXPECT_EQ(ResponseStatus::Rollback, purged.status);
    EXPECT_EQ(0u, purged.rollback_seqno);
    // Past the purged range: no rollback.
    EXPECT_EQ(
        ResponseStatus::Success,
        openProducer("purged-2")
            ->streamRequest(
                {.vbucket = 0, .start = 16, .vb_uuid = last.uuid, .snap_start = 16, .snap_end = 16})
            .status);
    // From zero: no rollback either.
    EXPECT_EQ(ResponseStatus::Success,
              openProducer("purged-3")->streamRequest({.vbucket = 0}).status);
}

INSTANTIATE_TEST_SUITE_P(Buckets, DcpRequestTest,
                         ::testing::Values(BucketKind::Persistent, BucketKind::Ephemeral),
                         bucketKindName);

}  // namespace
}  // namespace eddy::test
