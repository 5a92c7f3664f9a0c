// eddy benchmarks — the smallest ServerApi and CookieIface an engine can be driven with.
//
// Owns: NullServerApi (drops notifications: the benchmarks drive engines that never block, or
// drive their tasks themselves) and BenchCookie (an owned EngineStorage slot and nothing else).
// Thread contract: NullServerApi is stateless; a BenchCookie belongs to the thread using it.
#pragma once

#include "eddy/cookie_iface.h"
#include "eddy/engine_iface.h"

#include <cstdint>
#include <memory>
#include <utility>

namespace eddy::bench {

class NullServerApi final : public ServerApi {
public:
    void notifyIoComplete(CookieIface&, Status) override {}
    void scheduleDcpStep(CookieIface&) override {}
};

class BenchCookie final : public CookieIface {
public:
    void setEngineStorage(std::unique_ptr<EngineStorage> storage) override {
        storage_ = std::move(storage);
    }
    std::unique_ptr<EngineStorage> takeEngineStorage() override { return std::move(storage_); }
    EngineStorage* engineStorage() override { return storage_.get(); }
    uint64_t connectionId() const override { return 1; }
    void setConnectionStorage(std::shared_ptr<EngineStorage> storage) override {
        connection_storage_ = std::move(storage);
    }
    EngineStorage* connectionStorage() override { return connection_storage_.get(); }

private:
    std::unique_ptr<EngineStorage> storage_;
    std::shared_ptr<EngineStorage> connection_storage_;
};

}  // namespace eddy::bench
