// eddy — micro-benchmarks for the MCBP hot path: parseFrame() and validateRequest().
// Reported, never asserted. Run a release build: eddy_frame_bench --benchmark_min_time=1

#include "protocol/frame.h"

#include "protocol/encode.h"
#include "protocol/opcode.h"
#include "protocol/validators.h"

#include <benchmark/benchmark.h>

#include <string>

namespace {

using namespace eddy::mcbp;

constexpr size_t kMaxBody = 20 * 1024 * 1024 + 1024;

std::string getRequest(uint32_t opaque = 1) {
    std::string out;
    RequestFields fields;
    fields.opcode = static_cast<uint8_t>(ClientOpcode::Get);
    fields.opaque = opaque;
    appendRequest(out, fields, {}, "user:0000000042", {});
    return out;
}

std::string setRequest() {
    std::string out;
    RequestFields fields;
    fields.opcode = static_cast<uint8_t>(ClientOpcode::Set);
    std::string extras;
    appendUint32(extras, 0xdeadbeef);  // flags
    appendUint32(extras, 0);           // exptime
    appendRequest(out, fields, extras, "user:0000000042", std::string(64, 'v'));
    return out;
}

void parseOne(benchmark::State& state, const std::string& bytes) {
    for (auto _ : state) {
        ParseResult result = parseFrame(bytes, kMaxBody);
        benchmark::DoNotOptimize(result);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

void BM_ParseGet(benchmark::State& state) {
    parseOne(state, getRequest());
}
BENCHMARK(BM_ParseGet);

void BM_ParseSet64(benchmark::State& state) {
    parseOne(state, setRequest());
}
BENCHMARK(BM_ParseSet64);

// A read buffer holding 64 pipelined GETs, consumed frame by frame as a connection would.
void BM_ParsePipelined64Gets(benchmark::State& state) {
    std::string buffer;
    for (uint32_t i = 0; i < 64; ++i) {
        buffer += getRequest(i);
    }
    for (auto _ : state) {
        std::string_view rest = buffer;
        size_t frames = 0;
        while (!rest.empty()) {
            const ParseResult result = parseFrame(rest, kMaxBody);
            if (result.status != ParseStatus::Ok) {
                break;
            }
            rest.remove_prefix(result.frame.bytes.size());
            ++frames;
        }
        benchmark::DoNotOptimize(frames);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 64));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buffer.size()));
}
BENCHMARK(BM_ParsePipelined64Gets);

void validateOne(benchmark::State& state, const std::string& bytes) {
    const Frame frame = parseFrame(bytes, kMaxBody).frame;
    ValidationContext context;
    context.features.enable(Feature::Json);
    context.features.enable(Feature::Xerror);
    for (auto _ : state) {
        ValidationResult result = validateRequest(frame, context);
        benchmark::DoNotOptimize(result);
    }
}

void BM_ValidateGet(benchmark::State& state) {
    validateOne(state, getRequest());
}
BENCHMARK(BM_ValidateGet);

void BM_ValidateSet64(benchmark::State& state) {
    validateOne(state, setRequest());
}
BENCHMARK(BM_ValidateSet64);

}  // namespace

BENCHMARK_MAIN();
