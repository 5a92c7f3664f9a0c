#include "net/listener.h"

#include "common/errno_string.h"

#include <event2/event.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace eddy::net {

bool setNonBlocking(int fd) {
    const int flags = fcntl(fd, F_GETFL, 0);
    return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

bool setNoDelay(int fd, bool enable) {
    const int value = enable ? 1 : 0;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, sizeof(value)) == 0;
}

Listener::Listener(event_base* base, const std::string& host, uint16_t port, AcceptFn on_accept)
    : on_accept_(std::move(on_accept)) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    const int rc =
        getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
    if (rc != 0) {
        throw std::runtime_error(
            fmt::format("cannot resolve listen address '{}': {}", host, gai_strerror(rc)));
    }
    std::string last_error = "no address";
    for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
        const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_error = errnoString(errno);
            continue;
        }
        const int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0 &&
            setNonBlocking(fd)) {
            fd_ = fd;
            break;
        }
        last_error = errnoString(errno);
        ::close(fd);
    }
    freeaddrinfo(found);
    if (fd_ < 0) {
        throw std::runtime_error(fmt::format("cannot listen on {}:{}: {}", host, port, last_error));
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof(bound);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &length);
    if (bound.ss_family == AF_INET6) {
        port_ = ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    } else {
        port_ = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
    accept_event_ = event_new(base, fd_, EV_READ | EV_PERSIST, &Listener::onAcceptable, this);
    event_add(accept_event_, nullptr);
}

Listener::~Listener() {
    close();
}

void Listener::close() {
    if (accept_event_ != nullptr) {
        event_free(accept_event_);
        accept_event_ = nullptr;
    }
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

void Listener::onAcceptable(int fd, short /*events*/, void* self) {
    auto* listener = static_cast<Listener*>(self);
    // Accept everything that is waiting; the socket is level-triggered, so stopping early on an
    // error only delays the rest to the next loop iteration.
    for (int i = 0; i < 64; ++i) {
        const int client = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                spdlog::warn("accept failed: {}", errnoString(errno));
            }
            return;
        }
        listener->on_accept_(client);
    }
}

}  // namespace eddy::net
