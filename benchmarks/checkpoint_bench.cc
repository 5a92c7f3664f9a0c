// eddy — CheckpointManager micro-benchmarks: queueing unique keys (checkpoint creation and
// removal included), queueing with 90% de-duplication, and cursor reads in batches of 100.
// Reported, never asserted (docs/performance.md).

#include "engine/checkpoint/checkpoint_manager.h"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

using eddy::engine::CheckpointConfig;
using eddy::engine::CheckpointManager;
using eddy::engine::kPersistenceCursorName;
using eddy::engine::QueuedItem;
using eddy::engine::QueuedValue;

constexpr size_t kKeyCount = 1'000'000;
constexpr size_t kHotKeys = 100;

const std::vector<std::string>& keys() {
    static const std::vector<std::string> kAll = [] {
        std::vector<std::string> out;
        out.reserve(kKeyCount);
        for (size_t i = 0; i < kKeyCount; ++i) {
            out.push_back("key-" + std::to_string(i));
        }
        return out;
    }();
    return kAll;
}

QueuedItem::Fields fields(const std::string& key, const QueuedValue& value) {
    QueuedItem::Fields out;
    out.key = key;
    out.value = value;
    out.cas = 1;
    return out;
}

CheckpointConfig benchConfig() {
    CheckpointConfig config;
    config.max_items = 10'000;
    config.max_size_bytes = size_t{64} * 1024 * 1024;
    config.max_checkpoints = 1'000;
    return config;
}

/// Unique keys: every max_items writes a checkpoint is closed; with no cursor to pin them, the
/// closed ones are removed and destroyed every max_items writes too (part of the measured cost).
void BM_QueueDirtyUnique(benchmark::State& state) {
    const auto& all = keys();
    const QueuedValue value = eddy::engine::Blob::make(std::string(64, 'v'));
    CheckpointManager manager(benchConfig());
    static_cast<void>(manager.removeCursor(kPersistenceCursorName));
    size_t next = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(manager.queueDirty(fields(all[next], value)));
        if (++next == kKeyCount) {
            next = 0;
        }
        if (next % 10'000 == 0) {
            benchmark::DoNotOptimize(manager.removeClosedUnrefCheckpoints());
        }
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_QueueDirtyUnique);

/// Nine writes in ten go to one of kHotKeys keys already in the open checkpoint.
void BM_QueueDirtyDedup90(benchmark::State& state) {
    const auto& all = keys();
    const QueuedValue value = eddy::engine::Blob::make(std::string(64, 'v'));
    CheckpointManager manager(benchConfig());
    static_cast<void>(manager.removeCursor(kPersistenceCursorName));
    size_t op = 0;
    size_t unique = kHotKeys;
    for (auto _ : state) {
        const std::string* key = nullptr;
        if (op % 10 != 0) {
            key = &all[op % kHotKeys];
        } else {
            key = &all[unique];
            if (++unique == kKeyCount) {
                unique = kHotKeys;
            }
        }
        ++op;
        benchmark::DoNotOptimize(manager.queueDirty(fields(*key, value)));
        if (op % 100'000 == 0) {
            benchmark::DoNotOptimize(manager.removeClosedUnrefCheckpoints());
        }
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_QueueDirtyDedup90);

/// Reads of 100 items from a cursor over 100,000 queued items in ten checkpoints; the cursor is
/// re-registered at 0 when it reaches the end.
void BM_GetItemsForCursor100(benchmark::State& state) {
    const auto& all = keys();
    const QueuedValue value = eddy::engine::Blob::make(std::string(64, 'v'));
    CheckpointManager manager(benchConfig());
    static_cast<void>(manager.removeCursor(kPersistenceCursorName));
    for (size_t i = 0; i < 100'000; ++i) {
        manager.queueDirty(fields(all[i], value));
    }
    const std::string cursor = "dcp";
    manager.registerCursorBySeqno(cursor, 0, true);
    size_t items = 0;
    for (auto _ : state) {
        auto batch = manager.getItemsForCursor(cursor, 100);
        items += batch->num_items;
        if (!batch->more_available) {
            manager.registerCursorBySeqno(cursor, 0, true);
        }
        benchmark::DoNotOptimize(batch);
    }
    state.SetItemsProcessed(static_cast<int64_t>(items));
}
BENCHMARK(BM_GetItemsForCursor100);

}  // namespace

BENCHMARK_MAIN();
