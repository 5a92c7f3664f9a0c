// CheckpointManager: the write path (seqnos, de-duplication, checkpoint creation), replica
// snapshots, memory accounting and stats.
#include "engine/checkpoint/checkpoint_manager.h"

#include "engine/checkpoint/checkpoint_test_util.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

namespace eddy::engine {
namespace {

using test::change;
using test::drain;
using test::keys;
using test::seqnos;
using test::sumOfCheckpointMemory;

CheckpointConfig config(size_t max_items, size_t max_checkpoints = 100) {
    CheckpointConfig out;
    out.max_items = max_items;
    out.max_checkpoints = max_checkpoints;
    return out;
}

TEST(CheckpointManagerTest, StartsWithOneOpenCheckpointAndThePersistenceCursor) {
    CheckpointManager manager(CheckpointConfig{}, 100);
    EXPECT_EQ(1u, manager.numCheckpoints());
    EXPECT_EQ(1u, manager.openCheckpointId());
    EXPECT_EQ(100, manager.highSeqno());
    EXPECT_EQ(0u, manager.numItems());
    EXPECT_EQ((SnapshotRange{101, 100}), manager.openSnapshotRange());
    EXPECT_EQ(101, manager.lowestAvailableSeqno());
    const auto persistence = manager.cursorInfo(kPersistenceCursorName);
    ASSERT_TRUE(persistence.has_value());
    EXPECT_FALSE(persistence->droppable);
    EXPECT_EQ(100, persistence->last_read_seqno);
    EXPECT_EQ(1u, persistence->checkpoint_id);
    EXPECT_EQ(manager.memoryUsage(), sumOfCheckpointMemory(manager));
}

TEST(CheckpointManagerTest, QueueDirtyAssignsConsecutiveSeqnos) {
    CheckpointManager manager;
    EXPECT_EQ(1, manager.queueDirty(change("a")));
    EXPECT_EQ(2, manager.queueDirty(change("b", "", QueueOp::Deletion)));
    EXPECT_EQ(3, manager.queueDirty(change("c", "", QueueOp::Expiration)));
    EXPECT_EQ(3, manager.highSeqno());
    EXPECT_EQ(3u, manager.numItems());
    EXPECT_EQ(3u, manager.numOpenCheckpointItems());
    EXPECT_EQ((SnapshotRange{1, 3}), manager.openSnapshotRange());
    EXPECT_THROW(manager.queueDirty(change("d", "", QueueOp::SetVbucketState)),
                 std::invalid_argument);
    EXPECT_EQ(3, manager.highSeqno());
}

TEST(CheckpointManagerTest, DeduplicatesWithinTheOpenCheckpoint) {
    CheckpointManager manager;
    manager.queueDirty(change("a", "one"));
    manager.queueDirty(change("b"));
    EXPECT_EQ(3, manager.queueDirty(change("a", "two")));
    EXPECT_EQ(2u, manager.numItems());
    EXPECT_EQ(2u, manager.numItemsForCursor(kPersistenceCursorName));
    const ItemsForCursor read = drain(manager, std::string(kPersistenceCursorName));
    EXPECT_EQ((std::vector<int64_t>{2, 3}), seqnos(read));
    EXPECT_EQ((std::vector<std::string>{"b", "a"}), keys(read));
    EXPECT_EQ("two", read.snapshots.at(0).items.at(1)->value());
}

TEST(CheckpointManagerTest, DeletionDeduplicatesAMutation) {
    CheckpointManager manager;
    manager.queueDirty(change("a"));
    manager.queueDirty(change("a", "", QueueOp::Deletion));
    const ItemsForCursor read = drain(manager, std::string(kPersistenceCursorName));
    ASSERT_EQ(1u, read.num_items);
    EXPECT_EQ(QueueOp::Deletion, read.snapshots[0].items[0]->op());
    EXPECT_EQ(2, read.snapshots[0].items[0]->bySeqno());
}

TEST(CheckpointManagerTest, NoDeduplicationAcrossCheckpoints) {
    CheckpointManager manager;
    manager.queueDirty(change("a", "one"));
    EXPECT_EQ(2u, manager.createNewCheckpoint());
    manager.queueDirty(change("a", "two"));
    EXPECT_EQ(2u, manager.numItems());
    EXPECT_EQ(2u, manager.numCheckpoints());
    const ItemsForCursor read = drain(manager, std::string(kPersistenceCursorName));
    EXPECT_EQ((std::vector<int64_t>{1, 2}), seqnos(read));
    ASSERT_EQ(2u, read.snapshots.size());
}

TEST(CheckpointManagerTest, NewCheckpointByItemCount) {
    CheckpointManager manager(config(10));
    for (int i = 0; i < 25; ++i) {
        manager.queueDirty(change("key" + std::to_string(i)));
    }
    const auto all = manager.checkpoints();
    ASSERT_EQ(3u, all.size());
    EXPECT_EQ(10u, all[0].num_items);
    EXPECT_EQ(10u, all[1].num_items);
    EXPECT_EQ(5u, all[2].num_items);
    EXPECT_EQ(CheckpointState::Closed, all[0].state);
    EXPECT_EQ(CheckpointState::Open, all[2].state);
    EXPECT_EQ((SnapshotRange{1, 10}), all[0].range);
    EXPECT_EQ((SnapshotRange{11, 20}), all[1].range);
    EXPECT_EQ((SnapshotRange{21, 25}), all[2].range);
    EXPECT_EQ(3u, manager.openCheckpointId());
}

TEST(CheckpointManagerTest, NewCheckpointBySize) {
    CheckpointConfig small;
    small.max_size_bytes = 4096;
    CheckpointManager manager(small);
    const std::string value(1000, 'x');
    for (int i = 0; i < 10; ++i) {
        manager.queueDirty(change("key" + std::to_string(i), value));
    }
    const auto all = manager.checkpoints();
    ASSERT_GE(all.size(), 3u);
    for (const auto& info : all) {
        // A checkpoint is closed on the first write after it reaches the limit, so it can
        // exceed it by at most one item.
        EXPECT_LT(info.memory, small.max_size_bytes + 1100 + sizeof(QueuedItem) * 2 +
                                   Checkpoint::kQueueNodeBytes * 2);
        EXPECT_GE(info.num_items, 1u);
    }
    EXPECT_EQ(10u, manager.numItems());
}

TEST(CheckpointManagerTest, MaxCheckpointsStopsAutomaticCreationNotForcedCreation) {
    CheckpointManager manager(config(2, 2));
    for (int i = 0; i < 10; ++i) {
        manager.queueDirty(change("key" + std::to_string(i)));
    }
    EXPECT_EQ(2u, manager.numCheckpoints());
    EXPECT_EQ(8u, manager.numOpenCheckpointItems());
    EXPECT_EQ(3u, manager.createNewCheckpoint());
    EXPECT_EQ(3u, manager.numCheckpoints());
}

TEST(CheckpointManagerTest, CreateNewCheckpointKeepsAnEmptyOpenCheckpoint) {
    CheckpointManager manager;
    EXPECT_EQ(1u, manager.createNewCheckpoint());
    manager.queueDirty(change("a"));
    EXPECT_EQ(2u, manager.createNewCheckpoint());
    EXPECT_EQ(2u, manager.createNewCheckpoint());
    EXPECT_EQ(2u, manager.numCheckpoints());
    EXPECT_EQ((SnapshotRange{2, 1}), manager.openSnapshotRange());
}

TEST(CheckpointManagerTest, SetVbucketStateIsAMetaItemCursorsReceive) {
    CheckpointManager manager;
    manager.queueDirty(change("a"));
    manager.queueSetVbucketState();
    manager.queueDirty(change("b"));
    EXPECT_EQ(2u, manager.numItems());
    EXPECT_EQ(2, manager.highSeqno());
    const ItemsForCursor read = drain(manager, std::string(kPersistenceCursorName));
    ASSERT_EQ(1u, read.snapshots.size());
    ASSERT_EQ(3u, read.snapshots[0].items.size());
    EXPECT_EQ(QueueOp::SetVbucketState, read.snapshots[0].items[1]->op());
    EXPECT_EQ(1, read.snapshots[0].items[1]->bySeqno());
    EXPECT_EQ(2u, read.num_items);
}

TEST(CheckpointManagerTest, DeduplicationAcrossAMetaItemKeepsCursorCountsExact) {
    CheckpointManager manager;
    manager.queueDirty(change("a"));
    manager.queueSetVbucketState();
    // The persistence cursor reads "a" and the state item, then rests on the state item.
    EXPECT_EQ(1u, drain(manager, std::string(kPersistenceCursorName)).num_items);
    manager.queueDirty(change("a"));  // "a" is before the cursor: its count must drop
    EXPECT_EQ(1u, manager.numItemsForCursor(kPersistenceCursorName));
    const ItemsForCursor read = drain(manager, std::string(kPersistenceCursorName));
    EXPECT_EQ((std::vector<int64_t>{2}), seqnos(read));
    EXPECT_EQ(0u, manager.numItemsForCursor(kPersistenceCursorName));
}

TEST(CheckpointManagerTest, ReplicaQueuesTheActivesSeqnosIntoSnapshots) {
    CheckpointManager manager;
    EXPECT_EQ(1u, manager.createSnapshot(SnapshotRange{1, 10}, CheckpointType::Disk));
    EXPECT_EQ(1u, manager.numCheckpoints());  // the empty open checkpoint takes the range
    manager.queueReplicated(change("a"), 3);
    manager.queueReplicated(change("b"), 10);
    EXPECT_THROW(manager.queueReplicated(change("c"), 10), std::invalid_argument);
    EXPECT_EQ(10, manager.highSeqno());
    EXPECT_EQ(2u, manager.createSnapshot(SnapshotRange{11, 12}, CheckpointType::Memory));
    EXPECT_THROW(manager.createSnapshot(SnapshotRange{5, 12}, CheckpointType::Memory),
                 std::invalid_argument);
    EXPECT_THROW(manager.createSnapshot(SnapshotRange{14, 13}, CheckpointType::Memory),
                 std::invalid_argument);
    manager.queueReplicated(change("c"), 12);

    const ItemsForCursor read = drain(manager, std::string(kPersistenceCursorName));
    ASSERT_EQ(2u, read.snapshots.size());
    EXPECT_EQ(CheckpointType::Disk, read.snapshots[0].type);
    EXPECT_EQ((SnapshotRange{1, 10}), read.snapshots[0].range);
    EXPECT_TRUE(read.snapshots[0].checkpoint_start);
    EXPECT_EQ(CheckpointType::Memory, read.snapshots[1].type);
    EXPECT_EQ((SnapshotRange{11, 12}), read.snapshots[1].range);
    EXPECT_EQ((std::vector<int64_t>{3, 10, 12}), seqnos(read));
}

TEST(CheckpointManagerTest, DiskCheckpointsAreNeverSplitAutomatically) {
    CheckpointManager manager(config(2));
    manager.createSnapshot(SnapshotRange{1, 100}, CheckpointType::Disk);
    for (int i = 1; i <= 10; ++i) {
        manager.queueReplicated(change("k" + std::to_string(i)), i);
    }
    EXPECT_EQ(1u, manager.numCheckpoints());
}

TEST(CheckpointManagerTest, DiskSnapshotIsReportedWholeAcrossPartialReads) {
    CheckpointManager manager;
    manager.createSnapshot(SnapshotRange{1, 5}, CheckpointType::Disk);
    for (int i = 1; i <= 5; ++i) {
        manager.queueReplicated(change("k" + std::to_string(i)), i);
    }
    const auto first = manager.getItemsForPersistence(2).value();
    ASSERT_EQ(1u, first.snapshots.size());
    EXPECT_EQ((SnapshotRange{1, 5}), first.snapshots[0].range);
    EXPECT_TRUE(first.snapshots[0].checkpoint_start);
    const auto rest = manager.getItemsForPersistence().value();
    ASSERT_EQ(1u, rest.snapshots.size());
    EXPECT_EQ((SnapshotRange{3, 5}), rest.snapshots[0].range);
    EXPECT_FALSE(rest.snapshots[0].checkpoint_start);
}

TEST(CheckpointManagerTest, MemoryAccountingMatchesTheCheckpointsAtEveryStep) {
    CheckpointManager manager(config(5));
    const size_t empty = manager.memoryUsage();
    for (int i = 0; i < 40; ++i) {
        manager.queueDirty(change("key" + std::to_string(i % 13), std::string(i, 'v')));
        ASSERT_EQ(sumOfCheckpointMemory(manager), manager.memoryUsage()) << i;
        if (i % 7 == 0) {
            static_cast<void>(manager.getItemsForPersistence(3));
            ASSERT_EQ(sumOfCheckpointMemory(manager), manager.memoryUsage()) << i;
        }
        if (i % 11 == 0) {
            manager.queueSetVbucketState();
            manager.createNewCheckpoint();
        }
    }
    EXPECT_GT(manager.memoryUsage(), empty);
    static_cast<void>(drain(manager, std::string(kPersistenceCursorName)));
    const RemovedCheckpoints removed = manager.removeClosedUnrefCheckpoints();
    EXPECT_EQ(sumOfCheckpointMemory(manager), manager.memoryUsage());
    size_t detached = 0;
    for (const auto& checkpoint : removed.checkpoints) {
        detached += checkpoint->memoryUsage();
    }
    EXPECT_EQ(detached, removed.memory);
    manager.expelUnreferencedItems();
    EXPECT_EQ(0u, manager.numItems());
    EXPECT_EQ(empty, manager.memoryUsage());
}

TEST(CheckpointManagerTest, AddStatsEmitsTheCheckpointKeys) {
    CheckpointManager manager(config(2));
    for (int i = 0; i < 5; ++i) {
        manager.queueDirty(change("key" + std::to_string(i)));
    }
    manager.registerCursorBySeqno("dcp-stream", 2, true);
    static_cast<void>(manager.getItemsForPersistence(1));

    std::map<std::string, std::string> stats;
    manager.addStats("vb_7:", [&stats](std::string_view key, std::string_view value) {
        stats.emplace(std::string(key), std::string(value));
    });
    EXPECT_EQ("3", stats.at("vb_7:open_checkpoint_id"));
    EXPECT_EQ("2", stats.at("vb_7:last_closed_checkpoint_id"));
    EXPECT_EQ("2", stats.at("vb_7:num_conn_cursors"));
    EXPECT_EQ("5", stats.at("vb_7:num_checkpoint_items"));
    EXPECT_EQ("1", stats.at("vb_7:num_open_checkpoint_items"));
    EXPECT_EQ("3", stats.at("vb_7:num_checkpoints"));
    EXPECT_EQ("4", stats.at("vb_7:num_items_for_persistence"));
    EXPECT_EQ(std::to_string(manager.memoryUsage()), stats.at("vb_7:mem_usage"));
    EXPECT_EQ("1", stats.at("vb_7:persistence:cursor_checkpoint_id"));
    EXPECT_EQ("1", stats.at("vb_7:persistence:cursor_seqno"));
    EXPECT_EQ("4", stats.at("vb_7:persistence:num_items_for_cursor"));
    EXPECT_EQ("2", stats.at("vb_7:dcp-stream:cursor_checkpoint_id"));
    EXPECT_EQ("2", stats.at("vb_7:dcp-stream:cursor_seqno"));
    EXPECT_EQ("3", stats.at("vb_7:dcp-stream:num_items_for_cursor"));
    EXPECT_EQ("closed", stats.at("vb_7:id_1:state"));
    EXPECT_EQ("open", stats.at("vb_7:id_3:state"));
    EXPECT_EQ("memory", stats.at("vb_7:id_3:type"));
    EXPECT_EQ("2", stats.at("vb_7:id_2:num_items"));
    EXPECT_TRUE(stats.contains("vb_7:id_1:mem_usage_queued_items"));
    EXPECT_TRUE(stats.contains("vb_7:id_1:mem_usage_queue_overhead"));
    EXPECT_TRUE(stats.contains("vb_7:id_3:mem_usage_key_index_overhead"));
    for (const auto& [key, value] : stats) {
        EXPECT_EQ(0u, key.rfind("vb_7:", 0)) << key;
    }
}

TEST(CheckpointManagerTest, AddStatsWithoutThePersistenceCursor) {
    CheckpointManager manager;
    ASSERT_TRUE(manager.removeCursor(kPersistenceCursorName));
    EXPECT_FALSE(manager.removeCursor(kPersistenceCursorName));
    manager.queueDirty(change("a"));
    std::map<std::string, std::string> stats;
    manager.addStats("", [&stats](std::string_view key, std::string_view value) {
        stats.emplace(std::string(key), std::string(value));
    });
    EXPECT_EQ("0", stats.at("num_conn_cursors"));
    EXPECT_EQ("0", stats.at("num_items_for_persistence"));
    EXPECT_EQ("0", stats.at("last_closed_checkpoint_id"));
    EXPECT_FALSE(manager.getItemsForPersistence().has_value());
}

}  // namespace
}  // namespace eddy::engine
