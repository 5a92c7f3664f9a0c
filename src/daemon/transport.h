// eddy — how a Connection moves bytes: the socket itself, or a TLS session over it.
//
// Owns: Transport, the one place where a connection's bytes meet the socket. A plain transport
// reads with read(2) and writes the output queue with writev (evbuffer_write); a TLS transport
// decrypts and encrypts through its security::TlsSession (the handshake happens inside the first
// reads). The connection above is the same code either way: it parses, executes and queues
// responses without knowing which transport it has.
//
// Semantics. read() and write() never block. WantRead and WantWrite say which readiness of the
// socket lets the same call progress; with TLS a read can need the socket writable and a write
// readable (while a handshake is in progress), so the caller must arm the event asked for, not
// the one it expected. write() sends from the front of the output queue and drains what was sent;
// after WantRead/WantWrite from a TLS write, the next write resends the same first bytes (OpenSSL's
// rule), which is safe because nothing but write() removes bytes from the queue.
// hasBufferedInput() is true when TLS holds decrypted bytes the socket will not announce again:
// a caller that stops reading before it has taken them must come back without waiting for the
// socket. Closed is an orderly end from the peer; Failed comes with error().
//
// Thread contract: owned by its Connection's front-end thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

struct evbuffer;

namespace eddy::security {
class TlsSession;
}

namespace eddy::daemon {

class Transport {
public:
    enum class Io {
        Done,
        WantRead,
        WantWrite,
        Closed,
        Failed,
    };
    struct Result {
        Io io = Io::Done;
        size_t bytes = 0;
    };

    /// Plain when `tls` is null. Does not own `fd`.
    Transport(int fd, std::unique_ptr<security::TlsSession> tls);
    ~Transport();
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;

    Result read(char* into, size_t length);
    /// Sends from the front of `output` and drains what was sent.
    Result write(evbuffer* output);
    /// Sends a TLS close_notify if the handshake finished (best effort, never blocks).
    void shutdown();

    [[nodiscard]] bool isTls() const { return tls_ != nullptr; }
    /// TLS whose handshake has not finished.
    [[nodiscard]] bool inHandshake() const;
    [[nodiscard]] bool hasBufferedInput() const;
    /// The reason of the last Failed.
    [[nodiscard]] const std::string& error() const { return error_; }
    /// STAT connections: "tls" (version and cipher, or "handshake" while it runs) for TLS.
    void describe(const std::function<void(std::string key, std::string value)>& add) const;

private:
    const int fd_;
    std::unique_ptr<security::TlsSession> tls_;
    /// Bytes of the TLS write that returned WantRead/WantWrite and must be offered again.
    size_t pending_write_ = 0;
    std::string error_;
};

}  // namespace eddy::daemon
