// eddy tests — the fixture of the socket-level suites.
//
// Every KV test runs twice: against the plain bucket, and with the bucket wrapped in the
// fault-injecting engine in always_async mode, where every engine call first returns
// would_block and completes from another thread — so the asynchronous path is exercised by
// the same assertions as the synchronous one.
#pragma once

#include "support/eddyd_process.h"
#include "support/mcbp_client.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace eddy::test {

enum class EngineMode {
    Plain,
    AlwaysAsync
};

inline std::string engineModeName(const ::testing::TestParamInfo<EngineMode>& info) {
    return info.param == EngineMode::Plain ? "Plain" : "AlwaysAsync";
}

inline std::string configFor(EngineMode mode, const std::string& extra = {}) {
    std::string config = "{";
    if (mode == EngineMode::AlwaysAsync) {
        config += R"("fault_injection": {"mode": "always_async", "value": 0})";
    }
    if (!extra.empty()) {
        config += (config.size() > 1 ? ", " : "") + extra;
    }
    return config + "}";
}

class ServerTest : public ::testing::TestWithParam<EngineMode> {
protected:
    void SetUp() override {
        EddydProcess::Options options;
        options.config_json = configFor(GetParam(), extraConfig());
        server_ = std::make_unique<EddydProcess>(options);
        client_ = std::make_unique<McbpClient>(server_->port());
    }

    void TearDown() override {
        client_.reset();
        const int code = server_->stop();
        EXPECT_EQ(0, code) << "eddyd did not exit cleanly; its log:\n" << server_->log();
    }

    /// Extra top-level config members ("key": value, ...) for a derived fixture.
    virtual std::string extraConfig() const { return {}; }

    std::unique_ptr<McbpClient> connect() { return std::make_unique<McbpClient>(server_->port()); }

    std::unique_ptr<EddydProcess> server_;
    std::unique_ptr<McbpClient> client_;
};

}  // namespace eddy::test
