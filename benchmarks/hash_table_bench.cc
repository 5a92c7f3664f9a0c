// Google Benchmark: the vbucket HashTable's get (lock stripe + find) and set (insert or
// replace the value), on one and two threads, 10-byte keys and 100-byte values.

#include "engine/hash/hash_table.h"

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using eddy::engine::Blob;
using eddy::engine::HashTable;
using eddy::engine::StoredValue;

constexpr int kKeys = 100'000;

std::vector<std::string> makeKeys() {
    std::vector<std::string> keys;
    keys.reserve(kKeys);
    for (int i = 0; i < kKeys; ++i) {
        std::string key = "key" + std::to_string(i);
        key.resize(10, '_');
        keys.push_back(std::move(key));
    }
    return keys;
}

const std::vector<std::string>& keys() {
    static const std::vector<std::string> kAll = makeKeys();
    return kAll;
}

HashTable& filledTable() {
    static HashTable* table = [] {
        auto* created = new HashTable(HashTable::Config{.initial_size = 1024, .num_locks = 47});
        const std::string value(100, 'v');
        for (const auto& key : keys()) {
            auto lock = created->lockBucket(key);
            created->insertLocked(lock,
                                  std::make_unique<StoredValue>(key, Blob::make(value), 0, 0, 0));
        }
        created->resize();
        return created;
    }();
    return *table;
}

void BM_HashTableGet(benchmark::State& state) {
    HashTable& table = filledTable();
    size_t i = static_cast<size_t>(state.thread_index()) * 7919;
    for (auto _ : state) {
        const std::string& key = keys()[i++ % kKeys];
        auto lock = table.lockBucket(key);
        benchmark::DoNotOptimize(table.findLocked(lock, key));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HashTableGet)->Threads(1)->Threads(2)->UseRealTime();

void BM_HashTableSet(benchmark::State& state) {
    HashTable& table = filledTable();
    const auto value = Blob::make(std::string(100, 'w'));
    size_t i = static_cast<size_t>(state.thread_index()) * 7919;
    for (auto _ : state) {
        const std::string& key = keys()[i++ % kKeys];
        auto lock = table.lockBucket(key);
        if (StoredValue* found = table.findLocked(lock, key)) {
            table.setValueLocked(lock, *found, value);
        }
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HashTableSet)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
