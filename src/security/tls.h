// eddy — TLS from OpenSSL 3: the server's reloadable context, a client context, and one
// non-blocking TLS session over a socket.
//
// Owns: TlsServerContext (the certificate chain and private key a listener presents, TLS 1.2 or
// newer only, swapped atomically by reload()), TlsClientContext (what tools and tests connect
// with: the CA file that must have signed the server's certificate, or the system's default
// trust store), and TlsSession (one SSL object bound to a non-blocking socket).
//
// Semantics. A server context is built from two PEM files; a file that is missing, unreadable or
// does not hold a certificate or a key that matches it is a std::runtime_error naming the file
// and OpenSSL's reason. reload() reads the files again: on success new sessions use the new
// certificate (sessions already open keep the one they negotiated); on failure the old context
// stays and the reason is returned. Renegotiation, compression and every protocol older than
// minimum_version (TLS 1.2 at least) are off.
//
// A TlsSession never blocks: read(), write() and handshake() return WantRead or WantWrite when
// the socket has no data or no room, and the caller retries the same call once the socket is
// readable or writable (a read may need the socket writable and a write readable while the
// handshake runs). After WantRead/WantWrite from write(), the retry must pass the same bytes
// (SSL_write's rule); moving the buffer in between is allowed. A server session does its
// handshake inside the first read() calls. Closed is the peer's close_notify or an end of
// stream; Failed carries OpenSSL's reason in error(). The socket is not closed by the session.
//
// Thread contract: TlsServerContext is safe to use from any thread (current() and reload() take
// its mutex). A TlsClientContext is immutable after construction. A TlsSession belongs to one
// thread at a time (the owner of its socket); OpenSSL's error queue is per thread and every
// call clears it first.
#pragma once

#include "common/mutex.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

using SSL_CTX = struct ssl_ctx_st;  // NOLINT(readability-identifier-naming): OpenSSL's name
using SSL = struct ssl_st;          // NOLINT(readability-identifier-naming): OpenSSL's name

namespace eddy::security {

enum class TlsVersion {
    Tls12,
    Tls13
};

/// "TLSv1.2" or "TLSv1.3"; nullopt for anything else.
[[nodiscard]] std::optional<TlsVersion> parseTlsVersion(std::string_view text);
[[nodiscard]] std::string_view tlsVersionName(TlsVersion version);

struct TlsServerConfig {
    /// PEM: the server's certificate first, then any intermediates.
    std::string certificate_chain;
    /// PEM: the private key of the first certificate (unencrypted).
    std::string private_key;
    TlsVersion minimum_version = TlsVersion::Tls12;
};

class TlsServerContext {
public:
    /// Loads the files; throws std::runtime_error naming the file and the reason.
    explicit TlsServerContext(TlsServerConfig config);

    /// Loads the files again. nullopt on success; otherwise the reason, and the old context
    /// stays in use.
    std::optional<std::string> reload();

    /// The context new sessions are made from.
    [[nodiscard]] std::shared_ptr<SSL_CTX> current() const;

    /// The subject and expiry of the certificate in use ("CN=localhost, valid until ...").
    [[nodiscard]] std::string describe() const;

    [[nodiscard]] const TlsServerConfig& config() const { return config_; }

private:
    const TlsServerConfig config_;
    mutable Mutex mutex_;
    std::shared_ptr<SSL_CTX> context_ GUARDED_BY(mutex_);
    std::string description_ GUARDED_BY(mutex_);
};

class TlsClientContext {
public:
    /// Verifies servers against the certificates in `ca_file` (PEM), or against the system's
    /// default trust store when it is empty. Throws std::runtime_error naming the file.
    explicit TlsClientContext(const std::string& ca_file);

    [[nodiscard]] SSL_CTX* get() const { return context_.get(); }

private:
    std::shared_ptr<SSL_CTX> context_;
};

class TlsSession {
public:
    enum class Io {
        Done,       ///< `bytes` were read or written, or the handshake finished
        WantRead,   ///< retry when the socket is readable
        WantWrite,  ///< retry when the socket is writable
        Closed,     ///< the peer closed the TLS stream
        Failed,     ///< see error()
    };
    struct Result {
        Io io = Io::Done;
        size_t bytes = 0;
    };

    /// The server side of `fd`; keeps `context` alive as long as the session.
    static std::unique_ptr<TlsSession> accept(std::shared_ptr<SSL_CTX> context, int fd);
    /// The client side of `fd`, checking that the certificate names `host` (a DNS name or an
    /// IP address) and was signed by a certificate `context` trusts.
    static std::unique_ptr<TlsSession> connect(const TlsClientContext& context, int fd,
                                               const std::string& host);

    ~TlsSession();
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;

    /// Runs the handshake to its end (client side; a server handshakes inside read()).
    Result handshake();
    /// Up to `length` decrypted bytes.
    Result read(char* into, size_t length);
    /// Encrypts and sends up to `length` bytes (at most one record's worth at a time).
    Result write(const char* from, size_t length);
    /// Sends close_notify if the handshake finished and nothing failed; never waits for the
    /// peer's.
    void shutdown();

    /// Decrypted or received bytes that read() can return without the socket being readable.
    [[nodiscard]] bool hasBufferedInput() const;
    [[nodiscard]] bool handshakeDone() const;
    /// "TLSv1.3" and the like, once the handshake is done.
    [[nodiscard]] std::string version() const;
    [[nodiscard]] std::string cipher() const;
    /// Why the last call Failed.
    [[nodiscard]] const std::string& error() const { return error_; }

private:
    TlsSession(std::shared_ptr<SSL_CTX> context, SSL* ssl);
    /// Maps SSL_get_error() of a call that returned `ok`.
    Result outcome(int ok, size_t bytes, std::string_view what);

    std::shared_ptr<SSL_CTX> context_;
    SSL* ssl_;
    std::string error_;
    /// A call Failed: OpenSSL forbids SSL_shutdown afterwards.
    bool failed_ = false;
};

}  // namespace eddy::security
