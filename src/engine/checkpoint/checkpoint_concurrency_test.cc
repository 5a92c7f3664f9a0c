// CheckpointManager under concurrent use: one writer, two cursor readers and one thread running
// memory recovery, then a check of what every reader saw against what was written. Meant to
// run under ThreadSanitizer; synchronisation is by atomics and joins only.
#include "engine/checkpoint/checkpoint_manager.h"
#include "engine/checkpoint/checkpoint_test_util.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace eddy::engine {
namespace {

using test::change;

constexpr int64_t kWrites = 20'000;
constexpr int kKeys = 300;

struct ReaderLog {
    std::vector<int64_t> seqnos;
    std::vector<std::string> keys;
    bool ordered_snapshots = true;
};

/// Drains `cursor` until it has delivered kWrites (the last write is never de-duplicated).
ReaderLog readUntilTheEnd(CheckpointManager& manager, const std::string& cursor, size_t batch) {
    ReaderLog log;
    int64_t last_end = 0;
    while (log.seqnos.empty() || log.seqnos.back() != kWrites) {
        const auto read = manager.getItemsForCursor(cursor, batch);
        if (!read.has_value()) {
            ADD_FAILURE() << "cursor " << cursor << " vanished";
            return log;
        }
        for (const auto& snapshot : read->snapshots) {
            bool has_data = false;
            for (const auto& item : snapshot.items) {
                if (item->isMeta()) {
                    continue;  // only data items take part in the seqno checks
                }
                has_data = true;
                if (item->bySeqno() < snapshot.range.start ||
                    item->bySeqno() > snapshot.range.end) {
                    log.ordered_snapshots = false;
                }
                log.seqnos.push_back(item->bySeqno());
                log.keys.push_back(item->key());
            }
            if (!has_data) {
                continue;  // a read of meta items only has an empty range
            }
            // Snapshot ranges a cursor receives never overlap and never go backwards.
            if (snapshot.range.start <= last_end || snapshot.range.end < snapshot.range.start) {
                log.ordered_snapshots = false;
            }
            last_end = snapshot.range.end;
        }
        if (read->num_items == 0) {
            std::this_thread::yield();
        }
    }
    return log;
}

/// I1: strictly increasing, each missing seqno was de-duplicated by a newer write of its key
/// that this reader did receive, and the reader ends at the last write.
void checkReader(const ReaderLog& log, const std::vector<std::string>& written) {
    ASSERT_FALSE(log.seqnos.empty());
    EXPECT_TRUE(log.ordered_snapshots);
    EXPECT_EQ(kWrites, log.seqnos.back());
    std::vector<bool> seen(kWrites + 1, false);
    for (size_t i = 0; i < log.seqnos.size(); ++i) {
        const int64_t seqno = log.seqnos[i];
        ASSERT_TRUE(seqno >= 1 && seqno <= kWrites) << seqno;
        if (i > 0) {
            ASSERT_LT(log.seqnos[i - 1], seqno);
        }
        ASSERT_EQ(written[seqno], log.keys[i]) << seqno;
        seen[seqno] = true;
    }
    // A seqno the reader missed must have been replaced by a later write of the same key that
    // it did see: walk backwards remembering, per key, whether a later version was seen.
    std::vector<bool> later_seen(kKeys, false);
    for (int64_t seqno = kWrites; seqno >= 1; --seqno) {
        const int key = std::stoi(written[seqno].substr(1));
        if (!seen[seqno]) {
            EXPECT_TRUE(later_seen[key]) << "seqno " << seqno << " lost";
        }
        later_seen[key] = later_seen[key] || seen[seqno];
    }
}

TEST(CheckpointConcurrencyTest, WriterReadersAndRecoveryAgree) {
    CheckpointConfig config;
    config.max_items = 500;
    config.max_checkpoints = 20;
    CheckpointManager manager(config);
    manager.registerCursorBySeqno("dcp", 0, false);

    std::vector<std::string> written(kWrites + 1);
    std::atomic<bool> readers_done{false};
    std::atomic<int> recovery_rounds{0};

    std::thread writer([&manager, &written] {
        uint64_t state = 88172645463325252ull;  // xorshift: a skewed, deterministic key stream
        for (int64_t i = 1; i <= kWrites; ++i) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            const int key = static_cast<int>((state % kKeys) * (state % kKeys) / kKeys);
            const std::string name = "k" + std::to_string(key);
            const int64_t seqno = manager.queueDirty(change(name, std::to_string(i)));
            written[seqno] = name;  // seqnos are 1..kWrites, each assigned once
            if (i % 1'000 == 0) {
                manager.queueSetVbucketState();
            }
            if (i % 3'000 == 0) {
                manager.createNewCheckpoint();
            }
        }
    });
    std::thread recovery([&manager, &readers_done, &recovery_rounds] {
        while (!readers_done.load()) {
            static_cast<void>(manager.removeClosedUnrefCheckpoints());
            static_cast<void>(manager.expelUnreferencedItems());
            static_cast<void>(manager.droppableCursorsInOldestCheckpoint());
            EXPECT_GT(manager.memoryUsage(), 0u);
            recovery_rounds.fetch_add(1);
            std::this_thread::yield();
        }
    });
    ReaderLog persistence_log;
    ReaderLog dcp_log;
    std::thread persistence_reader([&] {
        persistence_log = readUntilTheEnd(manager, std::string(kPersistenceCursorName), 64);
    });
    std::thread dcp_reader([&] { dcp_log = readUntilTheEnd(manager, "dcp", 7); });

    writer.join();
    persistence_reader.join();
    dcp_reader.join();
    readers_done.store(true);
    recovery.join();

    checkReader(persistence_log, written);
    checkReader(dcp_log, written);
    EXPECT_GT(recovery_rounds.load(), 0);

    // Once every cursor has read everything (trailing meta items too), recovery gets back to
    // an empty log.
    static_cast<void>(manager.getItemsForPersistence());
    static_cast<void>(manager.getItemsForCursor("dcp"));
    EXPECT_EQ(test::sumOfCheckpointMemory(manager), manager.memoryUsage());
    static_cast<void>(manager.removeClosedUnrefCheckpoints());
    static_cast<void>(manager.expelUnreferencedItems());
    EXPECT_EQ(0u, manager.numItems());
    EXPECT_EQ(1u, manager.numCheckpoints());
    EXPECT_EQ(CheckpointManager(config).memoryUsage(), manager.memoryUsage());
}

}  // namespace
}  // namespace eddy::engine
