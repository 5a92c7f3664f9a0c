// eddy — a scripted MCBP server for the tools' unit tests (see fake_server.h).
#include "fake_server.h"

#include "protocol/encode.h"

#include <chrono>
#include <stdexcept>

#include <sys/socket.h>

namespace eddy::tools {

FakeServer::FakeServer(Handler handler) : handler_(std::move(handler)) {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        throw std::runtime_error("socketpair failed");
    }
    client_.emplace(client::Connection::adopt(fds[0], "tool-end"));
    peer_.emplace(client::Connection::adopt(fds[1], "server-end"));
    thread_ = std::thread([this] { serve(); });
}

FakeServer::~FakeServer() {
    finish();
}

void FakeServer::respond(const client::Packet& request, mcbp::ResponseStatus status,
                         std::string_view key, std::string_view value, std::string_view extras) {
    std::string out;
    mcbp::ResponseHeaderFields fields;
    fields.opcode = request.header.opcode;
    fields.opaque = request.header.opaque;
    fields.status = status;
    mcbp::appendResponse(out, fields, extras, key, value);
    peer_->sendRaw(out);
}

void FakeServer::finish() {
    if (thread_.joinable()) {
        client_->close();
        thread_.join();
    }
}

void FakeServer::serve() {
    using namespace std::chrono_literals;
    try {
        while (true) {
            auto packet = peer_->receive(100ms);
            if (packet) {
                requests_.push_back(*packet);
                handler_(*this, *packet);
            }
        }
    } catch (const client::Error&) {
        // The client end closed: done.
    }
}

}  // namespace eddy::tools
