// eddy — a scripted MCBP server at the other end of a socketpair, for the tools' unit tests.
//
// Owns: FakeServer (a socketpair, the client's Connection on one end and a thread serving the
// other end) and the requests that thread received.
//
// Semantics. Every request the client sends is recorded and handed to the handler, which
// answers with respond() (any number of frames, or none). The serving thread runs until the
// client end closes: finish() closes it and joins, after which requests() is safe to read.
//
// Thread contract: the handler runs on the serving thread; client() and finish() belong to the
// test's thread; requests() only after finish().
#pragma once

#include "client/connection.h"
#include "protocol/status.h"

#include <functional>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

namespace eddy::tools {

class FakeServer {
public:
    using Handler = std::function<void(FakeServer& server, const client::Packet& request)>;

    explicit FakeServer(Handler handler);
    ~FakeServer();
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    /// The client end, for the code under test.
    client::Connection& client() { return *client_; }

    /// Sends one response to `request` (its opcode and opaque). Serving thread only.
    void respond(const client::Packet& request, mcbp::ResponseStatus status,
                 std::string_view key = {}, std::string_view value = {},
                 std::string_view extras = {});

    /// Closes the client end and waits for the serving thread to end.
    void finish();

    /// Every request received, in order (after finish()).
    [[nodiscard]] const std::vector<client::Packet>& requests() const { return requests_; }

private:
    void serve();

    Handler handler_;
    std::optional<client::Connection> client_;
    std::optional<client::Connection> peer_;
    std::vector<client::Packet> requests_;
    std::thread thread_;
};

}  // namespace eddy::tools
