#include "engine/vbucket/failover_table.h"

#include <gtest/gtest.h>

namespace eddy::engine {
namespace {

/// A uuid source that yields 101, 102, ... so tests can name the branches.
std::function<uint64_t()> counting(uint64_t first = 101) {
    auto next = std::make_shared<uint64_t>(first);
    return [next] { return (*next)++; };
}

StreamPosition position(uint64_t start, uint64_t uuid, uint64_t snap_start, uint64_t snap_end) {
    return {.start_seqno = start,
            .vb_uuid = uuid,
            .snap_start_seqno = snap_start,
            .snap_end_seqno = snap_end};
}

TEST(FailoverTableTest, StartsWithOneEntryAtZero) {
    FailoverTable table(25, counting());
    ASSERT_EQ(1u, table.entries().size());
    EXPECT_EQ((FailoverEntry{101, 0}), table.latest());
}

TEST(FailoverTableTest, NewEntriesGoInFrontAndTheTableIsBounded) {
    FailoverTable table(3, counting());
    table.createEntry(10);
    table.createEntry(20);
    table.createEntry(30);
    ASSERT_EQ(3u, table.entries().size());
    EXPECT_EQ((FailoverEntry{104, 30}), table.entries()[0]);
    EXPECT_EQ((FailoverEntry{103, 20}), table.entries()[1]);
    EXPECT_EQ((FailoverEntry{102, 10}), table.entries()[2]);
}

TEST(FailoverTableTest, CreateEntryDropsHistoryAboveTheBranchPoint) {
    FailoverTable table(25, counting());
    table.createEntry(50);
    table.createEntry(80);
    table.createEntry(60);  // restarted with only 60 seqnos: the branch at 80 is gone
    ASSERT_EQ(3u, table.entries().size());
    EXPECT_EQ((FailoverEntry{104, 60}), table.entries()[0]);
    EXPECT_EQ((FailoverEntry{102, 50}), table.entries()[1]);
    EXPECT_FALSE(table.hasUuid(103));
}

TEST(FailoverTableTest, UuidsAreNeverZeroOrRepeated) {
    std::vector<uint64_t> values = {0, 7, 7, 0, 9};
    size_t index = 0;
    FailoverTable table(25, [&] { return values[index++ % values.size()]; });
    table.createEntry(1);
    EXPECT_EQ(7u, table.entries()[1].vb_uuid);
    EXPECT_EQ(9u, table.entries()[0].vb_uuid);
}

class RollbackTest : public ::testing::Test {
protected:
    // Branches: uuid 101 from 0, uuid 102 from 100, uuid 103 from 200; high seqno 300.
    RollbackTest() : table_(25, counting()) {
        table_.createEntry(100);
        table_.createEntry(200);
    }
    RollbackDecision decide(const StreamPosition& at, uint64_t purge_seqno = 0) const {
        return table_.needsRollback(at, 300, purge_seqno);
    }
    FailoverTable table_;
};

TEST_F(RollbackTest, StartZeroNeverRollsBackUnlessStrict) {
    EXPECT_FALSE(decide(position(0, 0, 0, 0)).rollback);
    EXPECT_FALSE(decide(position(0, 999, 0, 0)).rollback);
    auto strict = position(0, 999, 0, 0);
    strict.strict_vb_uuid = true;
    const auto decision = decide(strict);
    EXPECT_TRUE(decision.rollback);
    EXPECT_EQ(0u, decision.seqno);
    strict.vb_uuid = 103;
    EXPECT_FALSE(decide(strict).rollback);
}

TEST_F(RollbackTest, UnknownUuidRollsBackToZero) {
    const auto decision = decide(position(50, 999, 40, 50));
    EXPECT_TRUE(decision.rollback);
    EXPECT_EQ(0u, decision.seqno);
    EXPECT_NE(std::string::npos, decision.reason.find("not in the failover log"));
}

TEST_F(RollbackTest, KnownUuidWithinItsBranchNeedsNoRollback) {
    EXPECT_FALSE(decide(position(90, 101, 80, 100)).rollback);    // branch 101 ends at 100
    EXPECT_FALSE(decide(position(250, 103, 240, 260)).rollback);  // newest: up to high seqno
}

TEST_F(RollbackTest, PartialSnapshotAcrossTheBranchEndRollsBackToSnapStart) {
    const auto decision = decide(position(95, 101, 90, 120));
    EXPECT_TRUE(decision.rollback);
    EXPECT_EQ(90u, decision.seqno);
}

TEST_F(RollbackTest, SnapshotWhollyPastTheBranchEndRollsBackToTheBranchEnd) {
    const auto decision = decide(position(150, 101, 150, 150));
    EXPECT_TRUE(decision.rollback);
    EXPECT_EQ(100u, decision.seqno);
}

TEST_F(RollbackTest, StartAtSnapEndCountsAsAWholeSnapshot) {
    // Without the adjustment snap_start 90 ≤ 100 < 110 would roll back to 90; the consumer has
    // the whole snapshot up to 110, which is past the branch end: roll back to 100.
    const auto decision = decide(position(110, 101, 90, 110));
    EXPECT_TRUE(decision.rollback);
    EXPECT_EQ(100u, decision.seqno);
    EXPECT_FALSE(decide(position(100, 101, 90, 100)).rollback);
}

TEST_F(RollbackTest, BelowThePurgeSeqnoRollsBackToZero) {
    const auto decision = decide(position(140, 102, 120, 150), /*purge_seqno=*/130);
    EXPECT_TRUE(decision.rollback);
    EXPECT_EQ(0u, decision.seqno);
    auto ignoring = position(140, 102, 120, 150);
    ignoring.ignore_purged_tombstones = true;
    EXPECT_FALSE(decide(ignoring, 130).rollback);
}

TEST(FailoverTableTest, WireFormIsBigEndianNewestFirst) {
    FailoverTable table(25, counting(0x0102030405060708));
    table.createEntry(0x10);
    const std::string wire = table.toWire();
    ASSERT_EQ(32u, wire.size());
    EXPECT_EQ('\x01', wire[0]);
    EXPECT_EQ('\x09', wire[7]);   // newest uuid ...0709
    EXPECT_EQ('\x10', wire[15]);  // its seqno
    EXPECT_EQ('\x08', wire[23]);  // oldest uuid ...0708
    EXPECT_EQ('\x00', wire[31]);
}

TEST(FailoverTableTest, JsonRoundTripAndErrors) {
    FailoverTable table(25, counting());
    table.createEntry(42);
    std::string error;
    const auto parsed = FailoverTable::parseJson(table.toJson(), error);
    ASSERT_TRUE(parsed) << error;
    EXPECT_EQ(table.entries(), *parsed);
    EXPECT_FALSE(FailoverTable::parseJson("[]", error));
    EXPECT_FALSE(FailoverTable::parseJson("{", error));
    EXPECT_FALSE(FailoverTable::parseJson(R"([{"id": -1, "seq": 0}])", error));
    EXPECT_NE(std::string::npos, error.find("\"id\""));
    EXPECT_THROW(FailoverTable({}, 25), std::invalid_argument);
}

}  // namespace
}  // namespace eddy::engine
