// eddy tests — the socket-level suites' connection to eddyd: src/client's Connection plus what
// only a test wants.
//
// Owns: McbpClient, a client::Connection to 127.0.0.1:port (plain, or TLS when given
// client::TlsOptions), logged in as the test administrator with the bucket "default" selected
// unless told not to, whose calls report a missing answer as a test failure instead of throwing
// (so one broken exchange fails the test and the test goes on to its other assertions), the
// one-command conveniences the suites share (set, get, a STAT group as a map) and the extras
// encoders of the KV commands. Request, Response and encode() are src/client's.
//
// Semantics. receive() is the Connection's, except that a connection the server closed gives
// nullopt (as a timeout does), which is what the tests of server-side closes look for; a frame
// that cannot be parsed also gives nullopt and fails the test. execute() is the Connection's
// (the response with the request's opaque and opcode; other frames are kept for receive()),
// with a 10 s timeout, and returns an empty Response plus a test failure when no answer came.
// Thread contract: as client::Connection: one thread at a time.
#pragma once

#include "client/connection.h"
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

namespace eddy::test {

using client::Request;
using Response = client::Packet;

class McbpClient : public client::Connection {
public:
    /// How long execute(), stats() and receive() wait unless told otherwise.
    static constexpr std::chrono::milliseconds kTimeout{10000};

    /// The development credentials every test server has (EddydProcess).
    static constexpr std::string_view kUser = "Administrator";
    static constexpr std::string_view kPassword = "password";

    /// Tag: connect without logging in.
    struct NoLogin {};

    /// Connects to 127.0.0.1:port, logs in as kUser (SCRAM-SHA512) and selects the bucket
    /// "default"; throws client::Error if any of it fails.
    explicit McbpClient(uint16_t port);
    /// Connects only: the connection is unauthenticated and has no bucket.
    McbpClient(uint16_t port, NoLogin);
    /// Connects to 127.0.0.1:port over TLS (the certificate must name 127.0.0.1 and be signed
    /// by one in tls.ca_file) and, if `login`, logs in and selects "default" as
    /// McbpClient(port) does; throws client::Error if any of it fails.
    McbpClient(uint16_t port, const client::TlsOptions& tls, bool login = true);

    /// The next frame; nullopt on timeout, on a close by the server, or on a broken frame (a
    /// test failure).
    std::optional<Response> receive(std::chrono::milliseconds timeout = kTimeout);

    /// Connection::execute; a test failure and an empty Response when it throws.
    Response execute(const Request& request, std::chrono::milliseconds timeout = kTimeout);

    /// True once the server has closed the connection (waits up to `timeout` for it).
    bool closedByServer(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        return waitForClose(timeout);
    }

    // Conveniences that execute one command.
    Response set(std::string_view key, std::string_view value, uint32_t flags = 0,
                 uint32_t exptime = 0, uint64_t cas = 0);
    Response get(std::string_view key);
    /// STAT `group` (empty = the default group) as name -> value; empty (and a test failure)
    /// if it did not complete with success.
    std::map<std::string, std::string> stats(std::string_view group = {});
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
