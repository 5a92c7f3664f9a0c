// eddy — the flusher's write path against plain RocksDB: N documents (16-byte keys, 100-byte
// values, in a shuffled key order) written in batches of 1000, each batch one write.
//   BM_RawRocksDbPut:      plain RocksDB, default options, one Put per document per WriteBatch.
//   BM_RawRocksDbPutLikeStore: the same, but as RocksKVStore writes: each batch in key order
//                          and RocksKVStore's database options (background jobs,
//                          bytes_per_sync); the difference to the next one is the layout alone.
//   BM_KVStoreCommit:      RocksKVStore::commit of FlushBatches of 1000 documents (each writes a
//                          docs and a seqnos entry per document plus the vbucket state).
// Arguments: N (100000 is the quick one), then sync (1: every batch is fsynced, as the flusher
// does; 0: not, which shows the CPU cost of the path without the disk's). Each run uses a fresh
// directory under /tmp, removed afterwards; opening and closing are not timed. Reported, never
// asserted (docs/performance.md); the ratio of the items/s is what matters.

#include "engine/kvstore/kvstore.h"

#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <stdlib.h>

namespace {

using eddy::Vbid;
using eddy::engine::DiskDocument;
using eddy::engine::FlushBatch;
using eddy::engine::KVStore;
using eddy::engine::openRocksKVStore;

constexpr size_t kBatchSize = 1000;
constexpr size_t kValueSize = 100;
constexpr uint16_t kVBuckets = 16;

/// A fresh directory under /tmp, removed on destruction.
class ScratchDir {
public:
    ScratchDir() {
        std::string pattern = "/tmp/eddy-kvstore-bench-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
};

/// The document numbers in a fixed shuffled order (the order keys reach the flusher).
const std::vector<uint32_t>& order(size_t count) {
    static std::vector<uint32_t> numbers;
    if (numbers.size() != count) {
        numbers.resize(count);
        std::iota(numbers.begin(), numbers.end(), 0);
        std::shuffle(numbers.begin(), numbers.end(), std::mt19937(42));
    }
    return numbers;
}

/// "key-000000012345": 16 bytes.
void makeKey(std::string& out, uint32_t number) {
    char buffer[24];
    const int length = std::snprintf(buffer, sizeof(buffer), "key-%012u", number);
    out.assign(buffer, static_cast<size_t>(length));
}

std::string makeValue(uint32_t number) {
    std::string value(kValueSize, 'v');
    value[0] = static_cast<char>('a' + number % 26);
    return value;
}

/// Plain RocksDB; `like_store` sorts each batch by key and applies the database options
/// RocksKVStore uses (rocks_open.cc).
void rawPut(benchmark::State& state, bool like_store) {
    const auto count = static_cast<size_t>(state.range(0));
    const bool sync = state.range(1) != 0;
    const std::vector<uint32_t>& numbers = order(count);
    const std::string value = makeValue(7);
    for (auto _ : state) {
        state.PauseTiming();
        auto dir = std::make_unique<ScratchDir>();
        rocksdb::Options options;
        options.create_if_missing = true;
        if (like_store) {
            options.max_background_jobs = 4;
            options.bytes_per_sync = 1024 * 1024;
        }
        rocksdb::DB* raw = nullptr;
        if (!rocksdb::DB::Open(options, dir->path(), &raw).ok()) {
            state.SkipWithError("open failed");
            return;
        }
        std::unique_ptr<rocksdb::DB> db(raw);
        rocksdb::WriteOptions write;
        write.sync = sync;
        std::vector<std::string> keys(kBatchSize);
        state.ResumeTiming();

        for (size_t first = 0; first < count; first += kBatchSize) {
            rocksdb::WriteBatch batch;
            const size_t last = std::min(count, first + kBatchSize);
            keys.resize(last - first);
            for (size_t i = first; i < last; ++i) {
                makeKey(keys[i - first], numbers[i]);
            }
            if (like_store) {
                std::sort(keys.begin(), keys.end());
            }
            for (const std::string& key : keys) {
                static_cast<void>(batch.Put(key, value));
            }
            if (!db->Write(write, &batch).ok()) {
                state.SkipWithError("write failed");
                return;
            }
        }

        state.PauseTiming();
        db.reset();
        dir.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * count));
}

void BM_RawRocksDbPut(benchmark::State& state) {
    rawPut(state, false);
}
BENCHMARK(BM_RawRocksDbPut)
    ->ArgsProduct({{100'000, 1'000'000}, {1, 0}})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_RawRocksDbPutLikeStore(benchmark::State& state) {
    rawPut(state, true);
}
BENCHMARK(BM_RawRocksDbPutLikeStore)
    ->ArgsProduct({{100'000, 1'000'000}, {1, 0}})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_KVStoreCommit(benchmark::State& state) {
    const auto count = static_cast<size_t>(state.range(0));
    const std::vector<uint32_t>& numbers = order(count);
    const std::string value = makeValue(7);
    for (auto _ : state) {
        state.PauseTiming();
        auto dir = std::make_unique<ScratchDir>();
        eddy::engine::RocksKVStoreOptions options;
        options.disable_sync = state.range(1) == 0;
        std::unique_ptr<KVStore> store = openRocksKVStore(dir->path() + "/store", options);
        // One reusable batch: filling it in place allocates nothing after the first round.
        FlushBatch batch;
        batch.documents.resize(kBatchSize);
        for (DiskDocument& document : batch.documents) {
            document.value = value;
            document.rev_seqno = 1;
            document.flags = 0x01020304;
            document.datatype = 1;
        }
        batch.state.state = eddy::engine::VBucketState::Active;
        batch.state.failover = {{0xfeedface, 0}};
        std::vector<int64_t> high(kVBuckets, 0);
        state.ResumeTiming();

        for (size_t first = 0; first < count; first += kBatchSize) {
            const size_t last = std::min(count, first + kBatchSize);
            const auto vbucket = static_cast<uint16_t>((first / kBatchSize) % kVBuckets);
            batch.vbucket = Vbid(vbucket);
            batch.documents.resize(last - first);
            for (size_t i = first; i < last; ++i) {
                DiskDocument& document = batch.documents[i - first];
                makeKey(document.key, numbers[i]);
                document.by_seqno = ++high[vbucket];
                document.cas = static_cast<uint64_t>(document.by_seqno) << 16;
            }
            batch.state.high_seqno = high[vbucket];
            batch.state.snapshot_start = high[vbucket];
            batch.state.snapshot_end = high[vbucket];
            batch.state.max_cas = batch.documents.back().cas;
            store->commit(batch);
        }

        state.PauseTiming();
        store.reset();
        dir.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * count));
}
BENCHMARK(BM_KVStoreCommit)
    ->ArgsProduct({{100'000, 1'000'000}, {1, 0}})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
