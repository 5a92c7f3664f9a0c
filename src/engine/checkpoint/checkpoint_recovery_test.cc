// CheckpointManager: memory recovery (removal of unreferenced checkpoints, expelling, cursor
// dropping) and reset.
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
using test::queueRange;
using test::seqnos;
using test::sumOfCheckpointMemory;

const std::string kPersistence(kPersistenceCursorName);

TEST(CheckpointRemovalTest, NotRemovedWhileACursorIsIn) {
    CheckpointManager manager(itemsPerCheckpoint(3));
    queueRange(manager, 1, 7);  // [1,3] [4,6] [7]
    EXPECT_TRUE(manager.removeClosedUnrefCheckpoints().checkpoints.empty());
    static_cast<void>(manager.getItemsForPersistence(4));  // into checkpoint 2
    const RemovedCheckpoints first = manager.removeClosedUnrefCheckpoints();
    ASSERT_EQ(1u, first.checkpoints.size());
    EXPECT_EQ(1u, first.checkpoints[0]->id());
    EXPECT_EQ(3u, first.num_items);
    EXPECT_EQ(2u, manager.numCheckpoints());
    EXPECT_EQ(manager.memoryUsage(), sumOfCheckpointMemory(manager));
}

TEST(CheckpointRemovalTest, RemovedOnceAllCursorsHavePassed) {
    CheckpointManager manager(itemsPerCheckpoint(3));
    manager.registerCursorBySeqno("dcp", 0, true);
    queueRange(manager, 1, 7);
    static_cast<void>(drain(manager, kPersistence));
    EXPECT_TRUE(manager.removeClosedUnrefCheckpoints().checkpoints.empty());  // dcp pins 1
    static_cast<void>(manager.getItemsForCursor("dcp", 3));  // finishes checkpoint 1
    EXPECT_EQ(1u, manager.removeClosedUnrefCheckpoints().checkpoints.size());
    static_cast<void>(drain(manager, "dcp"));
    const RemovedCheckpoints second = manager.removeClosedUnrefCheckpoints();
    ASSERT_EQ(1u, second.checkpoints.size());
    EXPECT_EQ(2u, second.checkpoints[0]->id());
    EXPECT_EQ(1u, manager.numCheckpoints());  // the open one always stays
    EXPECT_EQ(1u, manager.numItems());
}

TEST(CheckpointRemovalTest, OnlyFromTheFront) {
    CheckpointManager manager(itemsPerCheckpoint(2));
    queueRange(manager, 1, 6);  // [1,2] [3,4] [5,6]
    // The persistence cursor pins checkpoint 1; checkpoint 2 is unreferenced but behind it.
    EXPECT_EQ(0u, manager.checkpoints()[1].num_cursors);
    EXPECT_TRUE(manager.removeClosedUnrefCheckpoints().checkpoints.empty());
    EXPECT_EQ(3u, manager.numCheckpoints());
}

TEST(CheckpointRemovalTest, RemovingEverythingReturnsToTheEmptyValue) {
    CheckpointManager manager(itemsPerCheckpoint(4));
    const size_t empty = manager.memoryUsage();
    queueRange(manager, 1, 20);
    manager.createNewCheckpoint();
    static_cast<void>(drain(manager, kPersistence));
    const RemovedCheckpoints removed = manager.removeClosedUnrefCheckpoints();
    EXPECT_EQ(20u, removed.num_items);
    EXPECT_EQ(empty, manager.memoryUsage());
    EXPECT_EQ(empty, sumOfCheckpointMemory(manager));
}

TEST(CheckpointExpelTest, ExpelsOnlyWhatEveryCursorHasRead) {
    CheckpointManager manager;
    manager.registerCursorBySeqno("dcp", 0, true);
    queueRange(manager, 1, 10);
    static_cast<void>(manager.getItemsForPersistence(8));
    static_cast<void>(manager.getItemsForCursor("dcp", 3));
    const size_t before = manager.memoryUsage();
    const ExpelledItems expelled = manager.expelUnreferencedItems();
    EXPECT_EQ(3u, expelled.num_items);
    EXPECT_EQ(before - expelled.memory, manager.memoryUsage());
    EXPECT_EQ(manager.memoryUsage(), sumOfCheckpointMemory(manager));
    EXPECT_EQ(7u, manager.numItems());
    EXPECT_EQ(7u, manager.numItemsForCursor("dcp"));
    EXPECT_EQ(2u, manager.numItemsForCursor(kPersistence));
    // Nothing more to expel until the slowest cursor moves.
    EXPECT_EQ(0u, manager.expelUnreferencedItems().num_items);
    EXPECT_EQ((std::vector<int64_t>{4, 5, 6, 7, 8, 9, 10}), seqnos(drain(manager, "dcp")));
    EXPECT_EQ((std::vector<int64_t>{9, 10}), seqnos(drain(manager, kPersistence)));
    EXPECT_EQ(7u, manager.expelUnreferencedItems().num_items);
    EXPECT_EQ(0u, manager.numItems());
}

TEST(CheckpointExpelTest, NothingWhileACursorIsAtTheStart) {
    CheckpointManager manager;
    queueRange(manager, 1, 5);
    EXPECT_EQ(0u, manager.expelUnreferencedItems().num_items);
    EXPECT_EQ(5u, manager.numItems());
}

TEST(CheckpointExpelTest, DisabledByConfig) {
    CheckpointConfig config;
    config.expel_enabled = false;
    CheckpointManager manager(config);
    queueRange(manager, 1, 5);
    static_cast<void>(drain(manager, kPersistence));
    EXPECT_EQ(0u, manager.expelUnreferencedItems().num_items);
    config.expel_enabled = true;
    manager.setConfig(config);
    EXPECT_TRUE(manager.config().expel_enabled);
    EXPECT_EQ(5u, manager.expelUnreferencedItems().num_items);
}

TEST(CheckpointExpelTest, ExpelledKeysAreNotDeduplicatedAgainst) {
    CheckpointManager manager;
    queueRange(manager, 1, 3);
    static_cast<void>(manager.getItemsForPersistence(2));
    EXPECT_EQ(2u, manager.expelUnreferencedItems().num_items);
    manager.queueDirty(change("key1"));  // 4: key1@1 is gone, so nothing to replace
    manager.queueDirty(change("key3"));  // 5 replaces 3, not yet read
    EXPECT_EQ((std::vector<int64_t>{4, 5}), seqnos(drain(manager, kPersistence)));
}

TEST(CheckpointExpelTest, CursorsKeepCorrectCountsAfterExpelAndDedup) {
    CheckpointManager manager;
    manager.registerCursorBySeqno("dcp", 0, true);
    queueRange(manager, 1, 6);
    static_cast<void>(manager.getItemsForPersistence(2));
    static_cast<void>(manager.getItemsForCursor("dcp", 4));
    ASSERT_EQ(2u, manager.expelUnreferencedItems().num_items);
    manager.queueDirty(change("key3"));  // 7 replaces 3, which dcp read and persistence did not
    EXPECT_EQ(3u, manager.numItemsForCursor("dcp"));
    EXPECT_EQ(4u, manager.numItemsForCursor(kPersistence));
    EXPECT_EQ((std::vector<int64_t>{5, 6, 7}), seqnos(drain(manager, "dcp")));
    EXPECT_EQ((std::vector<int64_t>{4, 5, 6, 7}), seqnos(drain(manager, kPersistence)));
}

TEST(CheckpointExpelTest, FinishedClosedCheckpointBecomesRemovable) {
    CheckpointManager manager(itemsPerCheckpoint(4));
    manager.registerCursorBySeqno("dcp", 0, true);
    queueRange(manager, 1, 6);  // [1..4] [5,6]
    static_cast<void>(drain(manager, kPersistence));
    static_cast<void>(manager.getItemsForCursor("dcp", 2));
    EXPECT_EQ(2u, manager.expelUnreferencedItems().num_items);
    EXPECT_EQ(3, manager.lowestAvailableSeqno());
    static_cast<void>(manager.getItemsForCursor("dcp", 2));
    EXPECT_EQ(1u, manager.removeClosedUnrefCheckpoints().checkpoints.size());
    EXPECT_EQ(5, manager.lowestAvailableSeqno());
    EXPECT_EQ(manager.memoryUsage(), sumOfCheckpointMemory(manager));
}

TEST(CheckpointExpelTest, WithoutCursorsEverythingGoes) {
    CheckpointManager manager;
    const size_t empty = manager.memoryUsage();
    ASSERT_TRUE(manager.removeCursor(kPersistenceCursorName));
    queueRange(manager, 1, 5);
    manager.queueSetVbucketState();
    EXPECT_EQ(5u, manager.expelUnreferencedItems().num_items);
    EXPECT_EQ(empty, manager.memoryUsage());
    EXPECT_TRUE(manager.registerCursorBySeqno("late", 0, true).backfill_needed);
}

TEST(CursorDropTest, OnlyDroppableCursorsCanBeDropped) {
    CheckpointManager manager;
    manager.registerCursorBySeqno("dcp", 0, true);
    manager.registerCursorBySeqno("replica", 0, false);
    EXPECT_FALSE(manager.dropCursor(kPersistenceCursorName));
    EXPECT_FALSE(manager.dropCursor("replica"));
    EXPECT_FALSE(manager.dropCursor("nobody"));
    EXPECT_TRUE(manager.dropCursor("dcp"));
    EXPECT_FALSE(manager.getItemsForCursor("dcp").has_value());
    EXPECT_EQ(2u, manager.cursors().size());
}

TEST(CursorDropTest, DroppingUnpinsTheOldestCheckpoint) {
    CheckpointManager manager(itemsPerCheckpoint(3));
    manager.registerCursorBySeqno("slow", 0, true);
    manager.registerCursorBySeqno("fast", 0, true);
    queueRange(manager, 1, 7);
    static_cast<void>(drain(manager, kPersistence));
    static_cast<void>(drain(manager, "fast"));
    EXPECT_EQ((std::vector<std::string>{"slow"}), manager.droppableCursorsInOldestCheckpoint());
    EXPECT_TRUE(manager.removeClosedUnrefCheckpoints().checkpoints.empty());
    ASSERT_TRUE(manager.dropCursor("slow"));
    EXPECT_TRUE(manager.droppableCursorsInOldestCheckpoint().empty());
    EXPECT_EQ(2u, manager.removeClosedUnrefCheckpoints().checkpoints.size());
    // The stream comes back after its backfill and must read from disk what it lost.
    const CursorRegistration again = manager.registerCursorBySeqno("slow", 0, true);
    EXPECT_TRUE(again.backfill_needed);
    EXPECT_EQ(7, again.next_seqno);
}

TEST(CursorDropTest, NonDroppableCursorsAreNotListed) {
    CheckpointManager manager;
    manager.registerCursorBySeqno("replica", 0, false);
    EXPECT_TRUE(manager.droppableCursorsInOldestCheckpoint().empty());
}

TEST(CheckpointClearTest, ResetsTheLogAndEveryCursor) {
    CheckpointManager manager(itemsPerCheckpoint(3));
    const size_t empty = manager.memoryUsage();
    manager.registerCursorBySeqno("dcp", 0, true);
    queueRange(manager, 1, 8);
    static_cast<void>(manager.getItemsForPersistence(2));
    const RemovedCheckpoints removed = manager.clear(5);
    EXPECT_EQ(3u, removed.checkpoints.size());
    EXPECT_EQ(8u, removed.num_items);
    EXPECT_EQ(1u, manager.numCheckpoints());
    EXPECT_EQ(0u, manager.numItems());
    EXPECT_EQ(5, manager.highSeqno());
    EXPECT_EQ(4u, manager.openCheckpointId());
    EXPECT_EQ(empty, manager.memoryUsage());
    EXPECT_EQ(5, manager.cursorInfo("dcp")->last_read_seqno);
    EXPECT_EQ(5, manager.cursorInfo(kPersistence)->last_read_seqno);
    EXPECT_EQ(6, manager.queueDirty(change("a")));
    EXPECT_EQ((std::vector<int64_t>{6}), seqnos(drain(manager, "dcp")));
    EXPECT_EQ((std::vector<int64_t>{6}), seqnos(drain(manager, kPersistence)));
}

}  // namespace
}  // namespace eddy::engine
