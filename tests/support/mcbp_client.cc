#include "support/mcbp_client.h"

#include <gtest/gtest.h>

#include <thread>

namespace eddy::test {

McbpClient::McbpClient(uint16_t port) : client::Connection("127.0.0.1", port, kTimeout) {
    authenticate(std::string(kUser), std::string(kPassword), "SCRAM-SHA512", kTimeout);
    selectBucket("default", kTimeout);
}

McbpClient::McbpClient(uint16_t port, NoLogin) : client::Connection("127.0.0.1", port, kTimeout) {}

McbpClient::McbpClient(uint16_t port, const client::TlsOptions& tls, bool login)
    : client::Connection("127.0.0.1", port, kTimeout, tls) {
    if (login) {
        authenticate(std::string(kUser), std::string(kPassword), "SCRAM-SHA512", kTimeout);
        selectBucket("default", kTimeout);
    }
}

std::optional<Response> McbpClient::receive(std::chrono::milliseconds timeout) {
    try {
        return client::Connection::receive(timeout);
    } catch (const client::Error& error) {
        // A close (or reset) by the server is an answer some tests wait for; anything else
        // means the server sent what no client can parse.
        const std::string_view what = error.what();
        if (what.find("closed") == std::string_view::npos &&
            what.find("reset") == std::string_view::npos) {
            ADD_FAILURE() << what;
        }
        return std::nullopt;
    }
}

Response McbpClient::execute(const Request& request, std::chrono::milliseconds timeout) {
    try {
        return client::Connection::execute(request, timeout);
    } catch (const client::Error& error) {
        ADD_FAILURE() << error.what();
        return {};
    }
}

Response McbpClient::set(std::string_view key, std::string_view value, uint32_t flags,
                         uint32_t exptime, uint64_t cas) {
    return execute({.opcode = mcbp::ClientOpcode::Set,
                    .key = std::string(key),
                    .value = std::string(value),
                    .extras = storeExtras(flags, exptime),
                    .cas = cas});
}

Response McbpClient::get(std::string_view key) {
    return execute({.opcode = mcbp::ClientOpcode::Get, .key = std::string(key)});
}

std::map<std::string, std::string> McbpClient::stats(std::string_view group) {
    try {
        std::map<std::string, std::string> all;
        for (auto& [key, value] : client::Connection::stats(group, kTimeout)) {
            all[std::move(key)] = std::move(value);
        }
        return all;
    } catch (const client::Error& error) {
        ADD_FAILURE() << "STAT " << group << ": " << error.what();
        return {};
    }
}

std::string storeExtras(uint32_t flags, uint32_t exptime) {
    std::string extras;
    mcbp::appendUint32(extras, flags);
    mcbp::appendUint32(extras, exptime);
    return extras;
}

std::string arithmeticExtras(uint64_t delta, uint64_t initial, uint32_t exptime) {
    std::string extras;
    mcbp::appendUint64(extras, delta);
    mcbp::appendUint64(extras, initial);
    mcbp::appendUint32(extras, exptime);
    return extras;
}

std::string uint32Extras(uint32_t value) {
    std::string extras;
    mcbp::appendUint32(extras, value);
    return extras;
}

bool waitForWarmup(McbpClient& client, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto all = client.stats();
        const auto state = all.find("ep_warmup_state");
        if (!all.empty() && (state == all.end() || state->second == "done")) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "warm-up did not finish within " << timeout.count() << " ms";
    return false;
}

}  // namespace eddy::test
