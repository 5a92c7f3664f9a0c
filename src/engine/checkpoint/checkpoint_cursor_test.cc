// CheckpointManager: cursor registration, reads, snapshot ranges and de-duplication seen from
// cursors.
#include "engine/checkpoint/checkpoint_manager.h"
#include "engine/checkpoint/checkpoint_test_util.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace eddy::engine {
namespace {

using test::change;
using test::drain;
using test::itemsPerCheckpoint;
using test::keys;
using test::queueRange;
using test::seqnos;

const std::string kPersistence(kPersistenceCursorName);

std::vector<int64_t> range(int64_t first, int64_t last) {
    std::vector<int64_t> out;
    for (int64_t s = first; s <= last; ++s) {
        out.push_back(s);
    }
    return out;
}

TEST(CheckpointCursorTest, RegisterAtZeroReadsEverything) {
    CheckpointManager manager(itemsPerCheckpoint(4));
    queueRange(manager, 1, 10);
    const CursorRegistration registration = manager.registerCursorBySeqno("dcp", 0, true);
    EXPECT_FALSE(registration.backfill_needed);
    EXPECT_EQ(1, registration.next_seqno);
    EXPECT_EQ(10u, manager.numItemsForCursor("dcp"));
    EXPECT_EQ(range(1, 10), seqnos(drain(manager, "dcp")));
    EXPECT_EQ(0u, manager.numItemsForCursor("dcp"));
}

TEST(CheckpointCursorTest, RegisterAtAMidSeqnoStartsRightAfterIt) {
    CheckpointManager manager(itemsPerCheckpoint(4));
    queueRange(manager, 1, 10);
    for (int64_t start = 0; start <= 10; ++start) {
        const std::string name = "dcp" + std::to_string(start);
        const CursorRegistration registration = manager.registerCursorBySeqno(name, start, true);
        EXPECT_FALSE(registration.backfill_needed) << start;
        EXPECT_EQ(start + 1, registration.next_seqno) << start;
        EXPECT_EQ(static_cast<size_t>(10 - start), manager.numItemsForCursor(name)) << start;
        EXPECT_EQ(range(start + 1, 10), seqnos(drain(manager, name))) << start;
    }
    // Registered at the end of a closed checkpoint, the cursor sits in the next one.
    manager.registerCursorBySeqno("at4", 4, true);
    EXPECT_EQ(2u, manager.cursorInfo("at4")->checkpoint_id);
}

TEST(CheckpointCursorTest, RegisterBeyondTheHighSeqnoWaitsAtTheTail) {
    CheckpointManager manager;
    queueRange(manager, 1, 3);
    const CursorRegistration registration = manager.registerCursorBySeqno("dcp", 50, true);
    EXPECT_FALSE(registration.backfill_needed);
    EXPECT_EQ(4, registration.next_seqno);
    EXPECT_EQ(0u, manager.numItemsForCursor("dcp"));
    EXPECT_EQ(3, manager.cursorInfo("dcp")->last_read_seqno);
    queueRange(manager, 4, 5);
    EXPECT_EQ(range(4, 5), seqnos(drain(manager, "dcp")));
}

TEST(CheckpointCursorTest, ReRegisteringReplacesTheCursor) {
    CheckpointManager manager;
    queueRange(manager, 1, 5);
    manager.registerCursorBySeqno("dcp", 4, true);
    manager.registerCursorBySeqno("dcp", 1, false);
    EXPECT_EQ(2u, manager.cursors().size());
    EXPECT_FALSE(manager.cursorInfo("dcp")->droppable);
    EXPECT_EQ(range(2, 5), seqnos(drain(manager, "dcp")));
    EXPECT_EQ(2u, manager.checkpoints()[0].num_cursors);
}

TEST(CheckpointCursorTest, BackfillNeededOnceCheckpointsAreRemoved) {
    CheckpointManager manager(itemsPerCheckpoint(5));
    queueRange(manager, 1, 12);
    static_cast<void>(drain(manager, kPersistence));
    const RemovedCheckpoints removed = manager.removeClosedUnrefCheckpoints();
    EXPECT_EQ(2u, removed.checkpoints.size());
    EXPECT_EQ(10u, removed.num_items);
    EXPECT_EQ(11, manager.lowestAvailableSeqno());

    const CursorRegistration old = manager.registerCursorBySeqno("old", 3, true);
    EXPECT_TRUE(old.backfill_needed);
    EXPECT_EQ(11, old.next_seqno);  // backfill [4, 10] from disk
    EXPECT_EQ(range(11, 12), seqnos(drain(manager, "old")));

    const CursorRegistration edge = manager.registerCursorBySeqno("edge", 10, true);
    EXPECT_FALSE(edge.backfill_needed);
    EXPECT_EQ(11, edge.next_seqno);
}

TEST(CheckpointCursorTest, BackfillNeededOnceItemsAreExpelled) {
    CheckpointManager manager;
    queueRange(manager, 1, 10);
    static_cast<void>(manager.getItemsForPersistence(6));
    const ExpelledItems expelled = manager.expelUnreferencedItems();
    EXPECT_EQ(6u, expelled.num_items);
    EXPECT_EQ(7, manager.lowestAvailableSeqno());

    const CursorRegistration behind = manager.registerCursorBySeqno("behind", 2, true);
    EXPECT_TRUE(behind.backfill_needed);
    EXPECT_EQ(7, behind.next_seqno);
    EXPECT_EQ(range(7, 10), seqnos(drain(manager, "behind")));

    const CursorRegistration exact = manager.registerCursorBySeqno("exact", 6, true);
    EXPECT_FALSE(exact.backfill_needed);
    EXPECT_EQ(range(7, 10), seqnos(drain(manager, "exact")));

    const CursorRegistration ahead = manager.registerCursorBySeqno("ahead", 8, true);
    EXPECT_FALSE(ahead.backfill_needed);
    EXPECT_EQ(range(9, 10), seqnos(drain(manager, "ahead")));
}

TEST(CheckpointCursorTest, WarmedUpManagerNeedsBackfillForOlderSeqnos) {
    CheckpointManager manager(CheckpointConfig{}, 500);
    const CursorRegistration registration = manager.registerCursorBySeqno("dcp", 0, true);
    EXPECT_TRUE(registration.backfill_needed);
    EXPECT_EQ(501, registration.next_seqno);
    EXPECT_FALSE(manager.registerCursorBySeqno("dcp2", 500, true).backfill_needed);
}

TEST(CheckpointCursorTest, SnapshotRangesFollowCheckpointBoundaries) {
    CheckpointManager manager(itemsPerCheckpoint(3));
    queueRange(manager, 1, 7);  // [1,3] [4,6] [7,...]
    manager.registerCursorBySeqno("dcp", 1, true);
    const ItemsForCursor first = manager.getItemsForCursor("dcp", 4).value();
    ASSERT_EQ(2u, first.snapshots.size());
    EXPECT_EQ(1u, first.snapshots[0].checkpoint_id);
    EXPECT_FALSE(first.snapshots[0].checkpoint_start);  // resumed inside checkpoint 1
    EXPECT_EQ((SnapshotRange{2, 3}), first.snapshots[0].range);
    EXPECT_EQ(2u, first.snapshots[1].checkpoint_id);
    EXPECT_TRUE(first.snapshots[1].checkpoint_start);
    EXPECT_EQ((SnapshotRange{4, 5}), first.snapshots[1].range);
    EXPECT_EQ(4u, first.num_items);
    EXPECT_TRUE(first.more_available);

    const ItemsForCursor second = drain(manager, "dcp");
    ASSERT_EQ(2u, second.snapshots.size());
    EXPECT_FALSE(second.snapshots[0].checkpoint_start);
    EXPECT_EQ((SnapshotRange{6, 6}), second.snapshots[0].range);
    EXPECT_TRUE(second.snapshots[1].checkpoint_start);
    EXPECT_EQ((SnapshotRange{7, 7}), second.snapshots[1].range);
    EXPECT_EQ(CheckpointType::Memory, second.snapshots[1].type);
    EXPECT_FALSE(second.more_available);

    const ItemsForCursor nothing = drain(manager, "dcp");
    EXPECT_TRUE(nothing.snapshots.empty());
    EXPECT_EQ(0u, nothing.num_items);
    queueRange(manager, 8, 9);
    const ItemsForCursor tail = drain(manager, "dcp");
    ASSERT_EQ(1u, tail.snapshots.size());
    EXPECT_FALSE(tail.snapshots[0].checkpoint_start);
    EXPECT_EQ((SnapshotRange{8, 9}), tail.snapshots[0].range);
}

TEST(CheckpointCursorTest, SnapshotRangeCoversSeqnosRemovedByDeduplication) {
    CheckpointManager manager;
    queueRange(manager, 1, 2);
    manager.registerCursorBySeqno("dcp", 0, true);
    static_cast<void>(drain(manager, "dcp"));
    manager.queueDirty(change("x"));  // 3, de-duplicated by 5
    manager.queueDirty(change("y"));  // 4
    manager.queueDirty(change("x"));  // 5
    const ItemsForCursor read = drain(manager, "dcp");
    ASSERT_EQ(1u, read.snapshots.size());
    EXPECT_EQ((SnapshotRange{3, 5}), read.snapshots[0].range);
    EXPECT_EQ((std::vector<int64_t>{4, 5}), seqnos(read));
}

TEST(CheckpointCursorTest, LimitCountsDataItemsOnly) {
    CheckpointManager manager;
    queueRange(manager, 1, 2);
    manager.queueSetVbucketState();
    queueRange(manager, 3, 4);
    const ItemsForCursor read = manager.getItemsForPersistence(3).value();
    EXPECT_EQ(3u, read.num_items);
    EXPECT_EQ(4u, read.snapshots.at(0).items.size());
    EXPECT_EQ(range(1, 3), seqnos(read));
    EXPECT_TRUE(read.more_available);
    EXPECT_EQ(0u, manager.getItemsForPersistence(0)->num_items);
}

TEST(CheckpointCursorTest, MetaOnlyReadHasAnEmptyRange) {
    CheckpointManager manager;
    queueRange(manager, 1, 1);
    static_cast<void>(drain(manager, kPersistence));
    manager.queueSetVbucketState();
    const ItemsForCursor read = drain(manager, kPersistence);
    ASSERT_EQ(1u, read.snapshots.size());
    EXPECT_EQ(0u, read.num_items);
    EXPECT_LT(read.snapshots[0].range.end, read.snapshots[0].range.start);
}

TEST(CheckpointCursorTest, PersistenceAndDcpCursorsAreIndependent) {
    CheckpointManager manager(itemsPerCheckpoint(4));
    manager.registerCursorBySeqno("dcp", 0, true);
    queueRange(manager, 1, 10);
    EXPECT_EQ(range(1, 3), seqnos(manager.getItemsForPersistence(3).value()));
    EXPECT_EQ(range(1, 8), seqnos(manager.getItemsForCursor("dcp", 8).value()));
    EXPECT_EQ(7u, manager.numItemsForCursor(kPersistence));
    EXPECT_EQ(2u, manager.numItemsForCursor("dcp"));
    EXPECT_EQ(range(4, 10), seqnos(drain(manager, kPersistence)));
    EXPECT_EQ(range(9, 10), seqnos(drain(manager, "dcp")));
    EXPECT_FALSE(manager.getItemsForCursor("nobody").has_value());
    EXPECT_EQ(0u, manager.numItemsForCursor("nobody"));
}

TEST(CheckpointCursorTest, CursorFinishingAClosedCheckpointMovesOn) {
    CheckpointManager manager(itemsPerCheckpoint(3));
    queueRange(manager, 1, 3);
    static_cast<void>(drain(manager, kPersistence));
    EXPECT_EQ(1u, manager.cursorInfo(kPersistence)->checkpoint_id);
    manager.createNewCheckpoint();  // closing moves the caught-up cursor along
    EXPECT_EQ(2u, manager.cursorInfo(kPersistence)->checkpoint_id);
    EXPECT_EQ(0u, manager.checkpoints()[0].num_cursors);
}

// The de-duplication rule, seen from cursors at each possible place.

TEST(CheckpointCursorTest, DedupBeforeTheCursorReachedTheOldItemSkipsItsSeqno) {
    CheckpointManager manager;
    manager.queueDirty(change("a"));  // 1
    manager.queueDirty(change("b"));  // 2
    manager.queueDirty(change("a"));  // 3 replaces 1
    const ItemsForCursor read = drain(manager, kPersistence);
    EXPECT_EQ((std::vector<int64_t>{2, 3}), seqnos(read));
    EXPECT_EQ((std::vector<std::string>{"b", "a"}), keys(read));
}

TEST(CheckpointCursorTest, DedupOfTheItemTheCursorRestsOnKeepsItsPlace) {
    CheckpointManager manager;
    manager.queueDirty(change("a"));  // 1
    manager.queueDirty(change("b"));  // 2
    EXPECT_EQ(range(1, 2), seqnos(drain(manager, kPersistence)));
    manager.queueDirty(change("b"));  // 3: the cursor rests on 2
    manager.queueDirty(change("c"));  // 4
    EXPECT_EQ(2u, manager.numItemsForCursor(kPersistence));
    EXPECT_EQ(2, manager.cursorInfo(kPersistence)->last_read_seqno);
    const ItemsForCursor read = drain(manager, kPersistence);
    EXPECT_EQ(range(3, 4), seqnos(read));
    EXPECT_EQ((SnapshotRange{3, 4}), read.snapshots.at(0).range);
}

TEST(CheckpointCursorTest, DedupOfAnItemTheCursorAlreadyReadDeliversTheNewVersion) {
    CheckpointManager manager;
    queueRange(manager, 1, 3);
    EXPECT_EQ(range(1, 2), seqnos(manager.getItemsForPersistence(2).value()));
    manager.queueDirty(change("key1"));  // 4 replaces 1, which the cursor read
    EXPECT_EQ(2u, manager.numItemsForCursor(kPersistence));
    EXPECT_EQ((std::vector<int64_t>{3, 4}), seqnos(drain(manager, kPersistence)));
}

TEST(CheckpointCursorTest, RepeatedDedupUnderAResumingCursorNeverRepeatsOrSkips) {
    CheckpointManager manager;
    manager.registerCursorBySeqno("dcp", 0, true);
    std::vector<int64_t> seen;
    for (int round = 0; round < 20; ++round) {
        manager.queueDirty(change("hot"));
        manager.queueDirty(change("k" + std::to_string(round % 3)));
        const auto read = manager.getItemsForCursor("dcp", 1).value();
        for (int64_t s : seqnos(read)) {
            seen.push_back(s);
        }
        ASSERT_LE(read.snapshots.size(), 1u);
    }
    for (int64_t s : seqnos(drain(manager, "dcp"))) {
        seen.push_back(s);
    }
    for (size_t i = 1; i < seen.size(); ++i) {
        EXPECT_LT(seen[i - 1], seen[i]);
    }
    EXPECT_EQ(manager.highSeqno(), seen.back());
    EXPECT_EQ(0u, manager.numItemsForCursor("dcp"));
}

}  // namespace
}  // namespace eddy::engine
