#include "support/mcbp_client.h"

#include "common/errno_string.h"
#include "protocol/feature.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace eddy::test {

McbpClient::McbpClient(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw std::runtime_error(std::string("socket: ") + eddy::errnoString(errno));
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        const std::string reason = eddy::errnoString(errno);
        ::close(fd_);
        throw std::runtime_error("connect to port " + std::to_string(port) + ": " + reason);
    }
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

McbpClient::~McbpClient() {
    close();
}

void McbpClient::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

std::string McbpClient::encode(const Request& request) {
    std::string out;
    mcbp::RequestFields fields;
    fields.opcode = static_cast<uint8_t>(request.opcode);
    fields.vbucket = request.vbucket;
    fields.opaque = request.opaque;
    fields.cas = request.cas;
    fields.datatype = request.datatype;
    mcbp::appendRequest(out, fields, request.extras, request.key, request.value);
    return out;
}

void McbpClient::sendRaw(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR) {
                continue;
            }
            // The server may legitimately have closed on us; the caller checks responses.
            return;
        }
        bytes.remove_prefix(static_cast<size_t>(sent));
    }
}

bool McbpClient::fill(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
        return false;
    }
    pollfd waiter{fd_, POLLIN, 0};
    const int ready = poll(&waiter, 1, static_cast<int>(left.count()));
    if (ready <= 0) {
        return false;
    }
    char chunk[65536];
    const ssize_t got = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (got <= 0) {
        return false;
    }
    buffer_.append(chunk, static_cast<size_t>(got));
    return true;
}

std::optional<Response> McbpClient::receive(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto parsed = mcbp::parseFrame(buffer_, size_t{1} << 31);
        if (parsed.status == mcbp::ParseStatus::Ok) {
            Response response;
            response.header = parsed.frame.header;
            response.extras = parsed.frame.extras;
            response.key = parsed.frame.key;
            response.value = parsed.frame.value;
            buffer_.erase(0, parsed.frame.bytes.size());
            return response;
        }
        if (parsed.status != mcbp::ParseStatus::NeedMoreData) {
            ADD_FAILURE() << "server sent an unparseable frame";
            return std::nullopt;
        }
        if (!fill(deadline)) {
            return std::nullopt;
        }
    }
}

Response McbpClient::execute(const Request& request) {
    send(request);
    auto response = receive();
    if (!response) {
        ADD_FAILURE() << "no response to opcode 0x" << std::hex << static_cast<int>(request.opcode);
        return {};
    }
    return *response;
}

bool McbpClient::closedByServer(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd waiter{fd_, POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (poll(&waiter, 1, static_cast<int>(std::max<int64_t>(left.count(), 1))) <= 0) {
            continue;
        }
        char chunk[4096];
        const ssize_t got = ::recv(fd_, chunk, sizeof(chunk), 0);
        if (got == 0 || (got < 0 && errno == ECONNRESET)) {
            return true;
        }
        if (got > 0) {
            buffer_.append(chunk, static_cast<size_t>(got));
        }
    }
    return false;
}

std::vector<uint16_t> McbpClient::hello(const std::vector<mcbp::Feature>& features,
                                        std::string agent) {
    Request request{.opcode = mcbp::ClientOpcode::Hello, .key = std::move(agent)};
    for (const auto feature : features) {
        mcbp::appendUint16(request.value, static_cast<uint16_t>(feature));
    }
    const auto response = execute(request);
    std::vector<uint16_t> granted;
    for (size_t offset = 0; offset + 1 < response.value.size(); offset += 2) {
        granted.push_back(mcbp::readUint16(response.value, offset));
    }
    return granted;
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
    send({.opcode = mcbp::ClientOpcode::Stat, .key = std::string(group)});
    std::map<std::string, std::string> all;
    while (auto response = receive()) {
        if (response->key.empty()) {
            return all;  // the terminating empty frame
        }
        all[response->key] = response->value;
    }
    ADD_FAILURE() << "STAT " << group << " did not complete";
    return {};
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
