// eddy — the listening socket.
//
// Owns: Listener, a bound, listening, non-blocking TCP socket and the accept loop that hands
// each new socket to a callback (which decides which front-end thread gets it).
// Thread contract: created and used on the thread that runs `base` (the main thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

struct event;
struct event_base;

namespace eddy::net {

class Listener {
public:
    using AcceptFn = std::function<void(int fd)>;

    /// Binds host:port (port 0 = any free port) and listens. Throws std::runtime_error naming
    /// the address and the reason.
    Listener(event_base* base, const std::string& host, uint16_t port, AcceptFn on_accept);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    /// The port actually bound.
    [[nodiscard]] uint16_t port() const { return port_; }

    /// Stops accepting and closes the socket.
    void close();

private:
    static void onAcceptable(int fd, short events, void* self);

    int fd_ = -1;
    uint16_t port_ = 0;
    event* accept_event_ = nullptr;
    AcceptFn on_accept_;
};

/// Makes `fd` non-blocking; false on failure.
bool setNonBlocking(int fd);

/// Sets or clears TCP_NODELAY; false on failure.
bool setNoDelay(int fd, bool enable);

}  // namespace eddy::net
