// eddy — persistence benchmarks through the bucket (EpBucket on a FakeExecutor, one shard):
// how fast the flusher drains N changes (100-byte values over 1024 vbuckets) into RocksDB, and
// how long warm-up takes to load them back. Compare the flusher with kvstore_bench's raw
// RocksDB writes of the same data. Reported, never asserted (docs/performance.md).
//
//   build/release/benchmarks/eddy_persistence_bench            (1M items)
//   EDDY_BENCH_ITEMS=200000 build/release/benchmarks/eddy_persistence_bench

#include "bench_server.h"
#include "engine/ep_bucket.h"
#include "executor/fake_executor.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

namespace {

using eddy::Status;
using eddy::executor::TaskGroup;
namespace fs = std::filesystem;

constexpr size_t kValueSize = 100;

size_t itemCount() {
    if (const char* text = std::getenv("EDDY_BENCH_ITEMS"); text != nullptr && *text != '\0') {
        return std::stoull(text);
    }
    return 1'000'000;
}

using eddy::bench::BenchCookie;
using eddy::bench::NullServerApi;

/// A persistent bucket over a fresh directory, with room for every item in memory.
struct Fixture {
    explicit Fixture(const fs::path& dir) : directory(dir) {}

    void open() {
        bucket.reset();
        executor = std::make_unique<eddy::executor::FakeExecutor>();
        eddy::engine::EpBucketConfig config;
        config.parameters = eddy::engine::EpBucketConfig::parse(
            "max_size=8589934592;checkpoint_memory_ratio=1.0;chk_max_items=100000");
        config.executor = executor.get();
        config.data_dir = directory.string();
        bucket = eddy::engine::createEpBucket(server, config);
    }

    void run(TaskGroup group) {
        while (executor->nextTaskName(group)) {
            executor->runNextTask(group);
        }
    }

    void store(size_t items) {
        const std::string value(kValueSize, 'v');
        for (size_t i = 0; i < items; ++i) {
            eddy::StoreRequest request;
            const std::string key = "key" + std::to_string(i);
            request.key = eddy::DocKey(key);
            request.vbucket = eddy::Vbid(static_cast<uint16_t>(i % 1024));
            request.value = value;
            eddy::MutationResult result;
            if (bucket->store(cookie, request, result) != Status::Success) {
                std::abort();
            }
        }
    }

    fs::path directory;
    NullServerApi server;
    BenchCookie cookie;
    std::unique_ptr<eddy::executor::FakeExecutor> executor;
    std::unique_ptr<eddy::EngineIface> bucket;
};

fs::path freshDirectory(const char* name) {
    fs::path dir =
        fs::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    return dir;
}

void BM_FlusherDrain(benchmark::State& state) {
    const size_t items = itemCount();
    for (auto _ : state) {
        state.PauseTiming();
        Fixture fixture(freshDirectory("eddy-flusher-bench"));
        fixture.open();
        fixture.run(TaskGroup::Reader);  // warm-up of an empty store
        fixture.run(TaskGroup::Writer);  // the vbucket states
        fixture.store(items);
        state.ResumeTiming();
        fixture.run(TaskGroup::Writer);  // every change, flushed batch after batch
        state.PauseTiming();
        fixture.bucket.reset();
        fs::remove_all(fixture.directory);
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * items * kValueSize));
}
BENCHMARK(BM_FlusherDrain)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Warmup(benchmark::State& state) {
    const size_t items = itemCount();
    Fixture fixture(freshDirectory("eddy-warmup-bench"));
    fixture.open();
    fixture.run(TaskGroup::Reader);
    fixture.store(items);
    fixture.bucket.reset();  // flushes everything and records a clean shutdown
    for (auto _ : state) {
        fixture.open();
        fixture.run(TaskGroup::Reader);  // loads every document
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items));
    fixture.bucket.reset();
    fs::remove_all(fixture.directory);
}
BENCHMARK(BM_Warmup)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
