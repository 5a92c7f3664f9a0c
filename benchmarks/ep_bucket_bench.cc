// eddy — bucket micro-benchmarks (EpBucket, through EngineIface): get hit, get miss and set of
// 64-byte values, on one and two threads sharing one bucket. Reported, never asserted
// (docs/performance.md).

#include "engine/ep_bucket.h"

#include "bench_server.h"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

using eddy::DocKey;
using eddy::EngineIface;
using eddy::ItemPtr;
using eddy::MutationResult;
using eddy::Status;
using eddy::StoreRequest;
using eddy::Vbid;

constexpr size_t kKeyCount = 100'000;
constexpr size_t kValueSize = 64;
/// Key i lives in vbucket i % 1024, as a client hashing keys over the vbucket map would place it.
Vbid vbucketOf(size_t i) {
    return Vbid(static_cast<uint16_t>(i % 1024));
}

using eddy::bench::BenchCookie;
using eddy::bench::NullServerApi;

std::vector<std::string> makeKeys(const char* prefix) {
    std::vector<std::string> keys;
    keys.reserve(kKeyCount);
    for (size_t i = 0; i < kKeyCount; ++i) {
        keys.push_back(prefix + std::to_string(i));
    }
    return keys;
}

/// One bucket shared by every benchmark and thread, preloaded with kKeyCount documents.
struct Fixture {
    Fixture()
        : bucket(eddy::engine::createEpBucket(server, {})),
          present(makeKeys("present:")),
          absent(makeKeys("absent:")),
          value(kValueSize, 'v') {
        BenchCookie cookie;
        for (const std::string& key : present) {
            StoreRequest request;
            request.key = DocKey(key);
            request.vbucket = vbucketOf(static_cast<size_t>(&key - present.data()));
            request.value = value;
            MutationResult result;
            if (bucket->store(cookie, request, result) != Status::Success) {
                std::abort();
            }
        }
    }

    NullServerApi server;
    std::unique_ptr<EngineIface> bucket;
    const std::vector<std::string> present;
    const std::vector<std::string> absent;
    const std::string value;
};

Fixture& fixture() {
    static Fixture instance;  // thread-safe initialisation
    return instance;
}

/// Each thread starts at its own offset so the threads do not walk the keys in lockstep.
size_t startIndex(const benchmark::State& state) {
    return static_cast<size_t>(state.thread_index()) * (kKeyCount / 7);
}

void BM_GetHit(benchmark::State& state) {
    Fixture& f = fixture();
    BenchCookie cookie;
    size_t i = startIndex(state);
    for (auto _ : state) {
        ItemPtr item;
        const Status status =
            f.bucket->get(cookie, DocKey(f.present[i % kKeyCount]), vbucketOf(i % kKeyCount), item);
        benchmark::DoNotOptimize(status);
        benchmark::DoNotOptimize(item);
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_GetMiss(benchmark::State& state) {
    Fixture& f = fixture();
    BenchCookie cookie;
    size_t i = startIndex(state);
    for (auto _ : state) {
        ItemPtr item;
        const Status status =
            f.bucket->get(cookie, DocKey(f.absent[i % kKeyCount]), vbucketOf(i % kKeyCount), item);
        benchmark::DoNotOptimize(status);
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_Set(benchmark::State& state) {
    Fixture& f = fixture();
    BenchCookie cookie;
    size_t i = startIndex(state);
    StoreRequest request;
    request.value = f.value;
    for (auto _ : state) {
        request.key = DocKey(f.present[i % kKeyCount]);
        request.vbucket = vbucketOf(i % kKeyCount);
        MutationResult result;
        const Status status = f.bucket->store(cookie, request, result);
        benchmark::DoNotOptimize(status);
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kValueSize));
}

BENCHMARK(BM_GetHit)->Threads(1)->Threads(2);
BENCHMARK(BM_GetMiss)->Threads(1)->Threads(2);
BENCHMARK(BM_Set)->Threads(1)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
