// eddy tests — a small blocking MCBP client for socket-level tests.
//
// Owns: McbpClient (one TCP connection to 127.0.0.1:port; send raw bytes or requests, receive
// whole response frames with a timeout) and Response (an owned copy of one frame).
// Thread contract: one client per thread; not thread-safe.
#pragma once

#include "protocol/encode.h"
#include "protocol/feature.h"
#include "protocol/frame.h"
#include "protocol/opcode.h"
#include "protocol/status.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::test {

struct Response {
    mcbp::Header header;
    std::string extras;
    std::string key;
    std::string value;

    [[nodiscard]] mcbp::ResponseStatus status() const {
        return static_cast<mcbp::ResponseStatus>(header.vbucket_or_status);
    }
};

struct Request {
    mcbp::ClientOpcode opcode = mcbp::ClientOpcode::Noop;
    std::string key;
    std::string value;
    std::string extras;
    uint64_t cas = 0;
    uint32_t opaque = 0;
    uint8_t datatype = 0;
    uint16_t vbucket = 0;
};

class McbpClient {
public:
    explicit McbpClient(uint16_t port);
    ~McbpClient();
    McbpClient(const McbpClient&) = delete;
    McbpClient& operator=(const McbpClient&) = delete;

    /// Encodes `request` (magic 0x80) into bytes.
    static std::string encode(const Request& request);

    void sendRaw(std::string_view bytes);
    void send(const Request& request) { sendRaw(encode(request)); }

    /// The next response, or nullopt if the server closed the connection or nothing whole
    /// arrived within `timeout`.
    std::optional<Response> receive(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// send + receive; fails the current test (and returns an empty Response) on no answer.
    Response execute(const Request& request);

    /// True once the server has closed the connection (waits up to `timeout` for it).
    bool closedByServer(std::chrono::milliseconds timeout = std::chrono::seconds(5));

    /// Closes the socket now.
    void close();

    /// HELLO with the given features; returns the granted codes.
    std::vector<uint16_t> hello(const std::vector<mcbp::Feature>& features,
                                std::string agent = "eddy-test");

    // Conveniences that execute one command.
    Response set(std::string_view key, std::string_view value, uint32_t flags = 0,
                 uint32_t exptime = 0, uint64_t cas = 0);
    Response get(std::string_view key);
    /// STAT `group` (empty = the default group) as name -> value; empty if it did not complete.
    std::map<std::string, std::string> stats(std::string_view group = {});

    [[nodiscard]] int fd() const { return fd_; }

private:
    /// Reads at least one more byte into buffer_; false on close/timeout.
    bool fill(std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    std::string buffer_;
};

/// Extras of SET/ADD/REPLACE: flags then exptime.
std::string storeExtras(uint32_t flags, uint32_t exptime);
/// Extras of INCREMENT/DECREMENT: delta, initial, exptime.
std::string arithmeticExtras(uint64_t delta, uint64_t initial, uint32_t exptime);
/// A 4-byte big-endian field (TOUCH/GAT exptime, VERBOSITY level, FLUSH delay).
std::string uint32Extras(uint32_t value);

/// Polls the default STAT group until the bucket reports `ep_warmup_state` "done" (or does not
/// report it at all: no warm-up). A persistent bucket answers key commands ETMPFAIL until then,
/// even over an empty data directory. False (and a test failure) when `timeout` runs out.
bool waitForWarmup(McbpClient& client,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace eddy::test
