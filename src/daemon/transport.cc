#include "daemon/transport.h"

#include "common/errno_string.h"
#include "security/tls.h"

#include <event2/buffer.h>

#include <algorithm>
#include <cerrno>

#include <unistd.h>

namespace eddy::daemon {

namespace {

/// The largest TLS write: one record's payload.
constexpr size_t kTlsRecord = 16384;

Transport::Result fromTls(const security::TlsSession::Result& result) {
    using TlsIo = security::TlsSession::Io;
    switch (result.io) {
    case TlsIo::Done: return {Transport::Io::Done, result.bytes};
    case TlsIo::WantRead: return {Transport::Io::WantRead, 0};
    case TlsIo::WantWrite: return {Transport::Io::WantWrite, 0};
    case TlsIo::Closed: return {Transport::Io::Closed, 0};
    case TlsIo::Failed: break;
    }
    return {Transport::Io::Failed, 0};
}

}  // namespace

Transport::Transport(int fd, std::unique_ptr<security::TlsSession> tls)
    : fd_(fd), tls_(std::move(tls)) {}

Transport::~Transport() = default;

Transport::Result Transport::read(char* into, size_t length) {
    if (tls_) {
        const auto result = fromTls(tls_->read(into, length));
        if (result.io == Io::Failed) {
            error_ = tls_->error();
        }
        return result;
    }
    while (true) {
        const ssize_t got = ::read(fd_, into, length);
        if (got > 0) {
            return {Io::Done, static_cast<size_t>(got)};
        }
        if (got == 0) {
            return {Io::Closed, 0};
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return {Io::WantRead, 0};
        }
        error_ = "read: " + errnoString(errno);
        return {Io::Failed, 0};
    }
}

Transport::Result Transport::write(evbuffer* output) {
    if (tls_) {
        const size_t length = pending_write_ != 0
                                  ? pending_write_
                                  : std::min(evbuffer_get_length(output), kTlsRecord);
        const auto* data =
            reinterpret_cast<const char*>(evbuffer_pullup(output, static_cast<ssize_t>(length)));
        const auto mapped = fromTls(tls_->write(data, length));
        if (mapped.io == Io::Failed) {
            error_ = tls_->error();
        } else if (mapped.io == Io::Done) {
            pending_write_ = 0;
            evbuffer_drain(output, mapped.bytes);
        } else if (mapped.io == Io::WantRead || mapped.io == Io::WantWrite) {
            pending_write_ = length;
        }
        return mapped;
    }
    const int written = evbuffer_write(output, fd_);
    if (written > 0) {
        return {Io::Done, static_cast<size_t>(written)};
    }
    if (written == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        return {Io::WantWrite, 0};
    }
    error_ = "write: " + errnoString(errno);
    return {Io::Failed, 0};
}

void Transport::shutdown() {
    if (tls_) {
        tls_->shutdown();
    }
}

bool Transport::inHandshake() const {
    return tls_ && !tls_->handshakeDone();
}

bool Transport::hasBufferedInput() const {
    return tls_ && tls_->hasBufferedInput();
}

void Transport::describe(const std::function<void(std::string, std::string)>& add) const {
    if (!tls_) {
        return;
    }
    add("tls", tls_->handshakeDone() ? tls_->version() + " " + tls_->cipher() : "handshake");
}

}  // namespace eddy::daemon
