#include "engine/checkpoint/checkpoint.h"

#include "engine/checkpoint/checkpoint_test_util.h"
#include "engine/checkpoint/queued_item.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace eddy::engine {
namespace {

using test::change;

TEST(QueuedItemTest, CarriesItsFieldsAndSize) {
    QueuedItem::Fields fields = change("key", "twelve bytes");
    fields.rev_seqno = 7;
    fields.flags = 0xdeadbeef;
    fields.expiry = 100;
    fields.datatype = datatype::kJson;
    const QueuedItemPtr item = QueuedItem::make(std::move(fields), 5);
    EXPECT_EQ("key", item->key());
    EXPECT_EQ("twelve bytes", item->value());
    EXPECT_EQ(5, item->bySeqno());
    EXPECT_EQ(7u, item->revSeqno());
    EXPECT_EQ(42u, item->cas());
    EXPECT_EQ(0xdeadbeefu, item->flags());
    EXPECT_EQ(100u, item->expiry());
    EXPECT_EQ(datatype::kJson, item->datatype());
    EXPECT_EQ(QueueOp::Mutation, item->op());
    EXPECT_FALSE(item->isMeta());
    EXPECT_EQ(sizeof(QueuedItem) + 3 + 12, item->size());
}

TEST(QueuedItemTest, MetaItemsHaveNoKeyOrValue) {
    const QueuedItemPtr meta = QueuedItem::makeMeta(QueueOp::SetVbucketState, 9);
    EXPECT_TRUE(meta->isMeta());
    EXPECT_EQ(9, meta->bySeqno());
    EXPECT_EQ("", meta->key());
    EXPECT_EQ("", meta->value());
    EXPECT_FALSE(meta->valuePtr());
    EXPECT_EQ(sizeof(QueuedItem), meta->size());
}

TEST(QueuedItemTest, FactoriesRejectTheWrongKindOfOperation) {
    EXPECT_THROW(static_cast<void>(QueuedItem::make(change("k", "v", QueueOp::CheckpointEnd), 1)),
                 std::invalid_argument);
    EXPECT_THROW(static_cast<void>(QueuedItem::makeMeta(QueueOp::Deletion, 1)),
                 std::invalid_argument);
    EXPECT_EQ("expiration", toString(QueueOp::Expiration));
    EXPECT_EQ("checkpoint_start", toString(QueueOp::CheckpointStart));
}

TEST(CheckpointTest, StartsOpenWithAStartItem) {
    Checkpoint checkpoint(3, CheckpointType::Memory, SnapshotRange{11, 10}, 10);
    EXPECT_EQ(3u, checkpoint.id());
    EXPECT_TRUE(checkpoint.isOpen());
    EXPECT_EQ(0u, checkpoint.numItems());
    EXPECT_EQ(1u, checkpoint.numMetaItems());
    EXPECT_EQ(QueueOp::CheckpointStart, (*checkpoint.begin())->op());
    EXPECT_EQ(10, (*checkpoint.begin())->bySeqno());
    EXPECT_EQ(10, checkpoint.highSeqno());
    EXPECT_EQ((SnapshotRange{11, 10}), checkpoint.snapshot());
}

TEST(CheckpointTest, AppendIndexesKeysAndExtendsTheSnapshot) {
    Checkpoint checkpoint(1, CheckpointType::Memory, SnapshotRange{1, 0}, 0);
    const auto a = checkpoint.append(QueuedItem::make(change("a"), 1));
    checkpoint.append(QueuedItem::make(change("b"), 2));
    EXPECT_EQ(2u, checkpoint.numItems());
    EXPECT_EQ(2u, checkpoint.numKeyIndexEntries());
    ASSERT_TRUE(checkpoint.find("a").has_value());
    EXPECT_EQ(a, *checkpoint.find("a"));
    EXPECT_FALSE(checkpoint.find("c").has_value());
    EXPECT_EQ((SnapshotRange{1, 2}), checkpoint.snapshot());
    EXPECT_EQ(2, checkpoint.highSeqno());
    // A key already indexed must be replaced, and seqnos must grow.
    EXPECT_THROW(checkpoint.append(QueuedItem::make(change("a"), 3)), std::logic_error);
    EXPECT_THROW(checkpoint.append(QueuedItem::make(change("z"), 2)), std::logic_error);
}

TEST(CheckpointTest, QueueAppendsNewKeysAndDeDuplicatesKnownOnes) {
    Checkpoint checkpoint(1, CheckpointType::Memory, SnapshotRange{1, 0}, 0);
    std::vector<std::string> unlinked;
    const auto note = [&unlinked](Checkpoint::Position old) { unlinked.push_back((*old)->key()); };
    EXPECT_EQ(nullptr, checkpoint.queue(QueuedItem::make(change("a", "old"), 1), note));
    EXPECT_EQ(nullptr, checkpoint.queue(QueuedItem::make(change("b"), 2), note));
    const size_t before = checkpoint.memoryUsage();
    const QueuedItemPtr displaced = checkpoint.queue(QueuedItem::make(change("a", "new"), 3), note);
    ASSERT_NE(nullptr, displaced);
    EXPECT_EQ("old", displaced->value());
    EXPECT_EQ((std::vector<std::string>{"a"}), unlinked) << "told before the old node went";
    EXPECT_EQ(2u, checkpoint.numItems());
    EXPECT_EQ(2u, checkpoint.numKeyIndexEntries());
    EXPECT_EQ(before, checkpoint.memoryUsage());
    EXPECT_EQ("new", (**checkpoint.find("a"))->value());
    std::vector<int64_t> seqnos;
    for (auto it = std::next(checkpoint.begin()); it != checkpoint.end(); ++it) {
        seqnos.push_back((*it)->bySeqno());
    }
    EXPECT_EQ((std::vector<int64_t>{2, 3}), seqnos);
    EXPECT_THROW(checkpoint.queue(QueuedItem::make(change("c"), 3), note), std::logic_error);
}

TEST(CheckpointTest, ReplaceMovesTheKeyToTheTail) {
    Checkpoint checkpoint(1, CheckpointType::Memory, SnapshotRange{1, 0}, 0);
    const auto a = checkpoint.append(QueuedItem::make(change("a", "old"), 1));
    checkpoint.append(QueuedItem::make(change("b"), 2));
    const size_t before = checkpoint.memoryUsage();
    const auto replaced = checkpoint.replace(a, QueuedItem::make(change("a", "new"), 3));
    EXPECT_EQ(2u, checkpoint.numItems());
    EXPECT_EQ(replaced, *checkpoint.find("a"));
    EXPECT_EQ("new", (*replaced)->value());
    EXPECT_EQ(before, checkpoint.memoryUsage());  // same sizes
    std::vector<std::string> order;
    for (auto it = std::next(checkpoint.begin()); it != checkpoint.end(); ++it) {
        order.push_back((*it)->key());
    }
    EXPECT_EQ((std::vector<std::string>{"b", "a"}), order);
}

TEST(CheckpointTest, CloseAppendsTheEndItemAndFreesTheIndex) {
    Checkpoint checkpoint(1, CheckpointType::Memory, SnapshotRange{1, 0}, 0);
    checkpoint.append(QueuedItem::make(change("a"), 1));
    checkpoint.close(1);
    EXPECT_FALSE(checkpoint.isOpen());
    EXPECT_EQ(0u, checkpoint.numKeyIndexEntries());
    EXPECT_FALSE(checkpoint.find("a").has_value());
    EXPECT_EQ(QueueOp::CheckpointEnd, (*std::prev(checkpoint.end()))->op());
    EXPECT_EQ(2u, checkpoint.numMetaItems());
    EXPECT_THROW(checkpoint.append(QueuedItem::make(change("b"), 2)), std::logic_error);
    EXPECT_THROW(checkpoint.close(1), std::logic_error);
}

TEST(CheckpointTest, MemoryUsageIsTheSumOfItsParts) {
    Checkpoint checkpoint(1, CheckpointType::Memory, SnapshotRange{1, 0}, 0);
    const size_t empty = checkpoint.memoryUsage();
    EXPECT_EQ(sizeof(Checkpoint) + sizeof(QueuedItem) + Checkpoint::kQueueNodeBytes +
                  checkpoint.keyIndexOverhead(),
              empty);
    const QueuedItemPtr item = QueuedItem::make(change("key", "value"), 1);
    checkpoint.append(item);
    EXPECT_EQ(sizeof(QueuedItem) * 2 + 3 + 5, checkpoint.queuedItemsMemory());
    EXPECT_EQ(2 * Checkpoint::kQueueNodeBytes, checkpoint.queueOverhead());
    EXPECT_GE(checkpoint.keyIndexOverhead(), Checkpoint::kKeyIndexEntryBytes);
    EXPECT_EQ(sizeof(Checkpoint) + checkpoint.queuedItemsMemory() + checkpoint.queueOverhead() +
                  checkpoint.keyIndexOverhead(),
              checkpoint.memoryUsage());
}

TEST(CheckpointTest, ExpelRemovesAPrefixAndItsIndexEntries) {
    Checkpoint checkpoint(1, CheckpointType::Memory, SnapshotRange{1, 0}, 0);
    const size_t empty = checkpoint.memoryUsage();
    checkpoint.append(QueuedItem::make(change("a"), 1));
    const auto b = checkpoint.append(QueuedItem::make(change("b"), 2));
    checkpoint.append(QueuedItem::makeMeta(QueueOp::SetVbucketState, 2));
    const auto c = checkpoint.append(QueuedItem::make(change("c"), 3));
    const size_t full = checkpoint.memoryUsage();

    Checkpoint::Queue sink;
    const auto first = checkpoint.expelThrough(b, sink);
    EXPECT_EQ(2u, first.num_items);
    EXPECT_EQ(2u, sink.size());
    EXPECT_EQ(2, checkpoint.expelledThrough());
    EXPECT_EQ(1u, checkpoint.numItems());
    EXPECT_FALSE(checkpoint.find("a").has_value());
    EXPECT_TRUE(checkpoint.find("c").has_value());
    EXPECT_EQ(full - first.memory, checkpoint.memoryUsage());

    const auto second = checkpoint.expelThrough(c, sink);
    EXPECT_EQ(1u, second.num_items);
    EXPECT_EQ(0u, checkpoint.numItems());
    EXPECT_EQ(1u, checkpoint.numMetaItems());  // the start item stays
    EXPECT_EQ(3, checkpoint.expelledThrough());
    EXPECT_EQ(empty, checkpoint.memoryUsage());  // index buckets released too
    EXPECT_EQ(full - empty, first.memory + second.memory);
}

TEST(CheckpointTest, ResetSnapshotOnlyWithoutItems) {
    Checkpoint checkpoint(1, CheckpointType::Memory, SnapshotRange{1, 0}, 0);
    checkpoint.resetSnapshot(SnapshotRange{5, 9}, CheckpointType::Disk);
    EXPECT_EQ(CheckpointType::Disk, checkpoint.type());
    EXPECT_EQ((SnapshotRange{5, 9}), checkpoint.snapshot());
    checkpoint.append(QueuedItem::make(change("a"), 5));
    EXPECT_THROW(checkpoint.resetSnapshot(SnapshotRange{6, 9}, CheckpointType::Memory),
                 std::logic_error);
    EXPECT_EQ("disk", toString(CheckpointType::Disk));
    EXPECT_EQ("open", toString(CheckpointState::Open));
}

}  // namespace
}  // namespace eddy::engine
