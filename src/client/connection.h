// eddy — a small blocking MCBP client connection, for tools and tests.
//
// Owns: Connection (one TCP socket to a server, plain or with TLS, or an adopted socket such as
// one end of a socketpair), TlsOptions, Request (what a client sends, always magic 0x80), Packet
// (an owned copy of one whole frame received: a response, or a request the server sends on its
// own, such as a DCP message), Error and StatusError, and parseEndpoint() for "host:port"
// arguments.
//
// Semantics. Every call blocks its thread until it is done or its timeout runs out; poll()
// waits on the non-blocking socket in both directions. receive() hands out frames in arrival
// order. execute() sends a request and waits for the response with the same opaque and opcode;
// every other frame that arrives meanwhile is kept, in order, and receive() returns those first,
// so nothing the server sends is ever dropped. A connection the peer closed, a socket error and
// a frame that cannot be parsed all throw Error, after which the connection is unusable; a
// timeout is not an error for receive() (nullopt) but is for execute(), stats() and hello().
//
// TLS. With TlsOptions the constructor runs the TLS handshake right after connecting (within
// the same timeout), checking that the server's certificate names the host as given (a DNS
// name or an IP address) and was signed by a certificate of TlsOptions::ca_file or of the
// system's trust store; a failure is Error("TLS handshake with host:port: <reason>"). Every
// byte then goes through the TLS session (security::TlsSession, kept out of this header), with
// the same blocking semantics as above; close() sends close_notify first. OpenSSL writes to the
// socket with write(2), which raises SIGPIPE when the peer has gone: the first TLS connection
// of the process sets SIGPIPE to SIG_IGN, once, for the whole process (a closed peer is then an
// Error, as it is without TLS, whose send() uses MSG_NOSIGNAL).
//
// Thread contract: one thread at a time; a Connection is not thread-safe. Movable, not
// copyable; the socket is closed by the destructor.
#pragma once

#include "protocol/feature.h"
#include "protocol/frame.h"
#include "protocol/opcode.h"
#include "protocol/status.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy::security {
class TlsSession;
}  // namespace eddy::security

namespace eddy::client {

/// Connection failures: resolve/connect errors, the peer closing, socket errors, unparseable
/// frames, timeouts of calls that need an answer. what() names the peer.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A command the server answered with a status other than the one the caller needed.
class StatusError : public Error {
public:
    StatusError(const std::string& what, mcbp::ResponseStatus status)
        : Error(what), status_(status) {}
    [[nodiscard]] mcbp::ResponseStatus status() const { return status_; }

private:
    mcbp::ResponseStatus status_;
};

/// One request (magic 0x80). The body is extras + key + value; designated initializers name
/// the fields in this order.
struct Request {
    mcbp::ClientOpcode opcode = mcbp::ClientOpcode::Noop;
    std::string key;
    std::string value;
    std::string extras;
    uint64_t cas = 0;
    uint32_t opaque = 0;
    uint8_t datatype = 0;
    uint16_t vbucket = 0;
    /// Frame infos; when present the request goes out with the alt magic (0x08), which needs
    /// HELLO AltRequestSupport.
    std::string framing_extras;
};

/// One whole frame as received, with its parts copied out of the read buffer.
struct Packet {
    mcbp::Header header;
    std::string framing_extras;
    std::string extras;
    std::string key;
    std::string value;

    /// Magic 0x81, 0x18 or 0x83: an answer to something this side sent.
    [[nodiscard]] bool isResponse() const;
    /// The status of a response (meaningless for a request, whose field is the vbucket).
    [[nodiscard]] mcbp::ResponseStatus status() const {
        return static_cast<mcbp::ResponseStatus>(header.vbucket_or_status);
    }
    /// Bytes on the wire: header plus body.
    [[nodiscard]] size_t size() const { return mcbp::kHeaderSize + header.body_length; }
};

/// "host:port", "host" (default port), "[v6-address]:port".
struct Endpoint {
    std::string host;
    uint16_t port = 0;
};

/// Parses `text` as above; throws std::invalid_argument naming the problem.
[[nodiscard]] Endpoint parseEndpoint(std::string_view text, uint16_t default_port = 11210);

/// The frame bytes of `request` (magic 0x80).
[[nodiscard]] std::string encode(const Request& request);

/// A text for an error message: "dcp_open failed: ROLLBACK (body)" and the like.
[[nodiscard]] std::string describeFailure(mcbp::ClientOpcode opcode, const Packet& response);

/// TLS for a client connection.
struct TlsOptions {
    /// PEM file of the certificates that may have signed the server's; empty = the system's
    /// trust store.
    std::string ca_file;
};

class Connection {
public:
    using Milliseconds = std::chrono::milliseconds;
    static constexpr Milliseconds kDefaultTimeout{30000};
    /// Larger bodies are taken as a broken stream.
    static constexpr size_t kMaxBodyLength = size_t{256} << 20;

    /// Resolves `host` with getaddrinfo (IPv4 or IPv6, names allowed) and connects to the first
    /// address that accepts within `timeout`, without TLS. Throws Error ("connect to host:port:
    /// reason").
    Connection(const std::string& host, uint16_t port, Milliseconds timeout = kDefaultTimeout)
        : Connection(host, port, timeout, std::nullopt) {}
    /// As above, then with `tls` the TLS handshake, verifying the server's certificate against
    /// `host` and tls->ca_file; connecting and handshaking together take at most `timeout`.
    /// Throws Error: "connect to host:port: reason", "TLS handshake with host:port: reason", or
    /// "TLS with host:port: reason" when the CA file cannot be loaded.
    Connection(const std::string& host, uint16_t port, Milliseconds timeout,
               const std::optional<TlsOptions>& tls);
    explicit Connection(const Endpoint& endpoint, Milliseconds timeout = kDefaultTimeout)
        : Connection(endpoint.host, endpoint.port, timeout, std::nullopt) {}
    Connection(const Endpoint& endpoint, Milliseconds timeout, const std::optional<TlsOptions>& tls)
        : Connection(endpoint.host, endpoint.port, timeout, tls) {}

    /// Takes ownership of a connected stream socket (for example one end of a socketpair);
    /// `peer` names it in error messages. No TLS.
    static Connection adopt(int fd, std::string peer);

    ~Connection();
    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&& other) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Writes all of `bytes` (waiting up to the send timeout for room); throws Error.
    void sendRaw(std::string_view bytes);
    void send(const Request& request) { sendRaw(encode(request)); }

    /// The next whole frame: one kept back by execute() if any, else one from the socket.
    /// nullopt when none is complete within `timeout`; throws Error on close or bad framing.
    std::optional<Packet> receive(Milliseconds timeout = kDefaultTimeout);

    /// Sends `request` and returns the response with its opaque and opcode (an opaque of 0 is
    /// replaced by a fresh one). Other frames are kept for receive(). Throws Error on timeout.
    Packet execute(Request request, Milliseconds timeout = kDefaultTimeout);

    /// HELLO with `agent` as key; returns the feature codes the server granted. Throws
    /// StatusError on a failed status.
    std::vector<uint16_t> hello(const std::vector<mcbp::Feature>& features,
                                std::string agent = "eddy-client",
                                Milliseconds timeout = kDefaultTimeout);

    /// SASL authentication as `user` with `mechanism` ("SCRAM-SHA512", "SCRAM-SHA256",
    /// "SCRAM-SHA1" or "PLAIN"); for SCRAM the server's final signature is checked too.
    /// Throws StatusError when the server refuses (AUTH_ERROR, EINVAL), Error when the server's
    /// messages are malformed or its signature is wrong, std::invalid_argument for an unknown
    /// mechanism. (authenticate.cc)
    void authenticate(const std::string& user, const std::string& password,
                      std::string_view mechanism = "SCRAM-SHA512",
                      Milliseconds timeout = kDefaultTimeout);

    /// SELECT_BUCKET `bucket`; throws StatusError on refusal. (authenticate.cc)
    void selectBucket(std::string_view bucket, Milliseconds timeout = kDefaultTimeout);

    /// STAT `group` (empty = the default group): every (key, value) in the order sent, up to
    /// the terminating empty response. Throws StatusError on a failed status.
    std::vector<std::pair<std::string, std::string>> stats(std::string_view group = {},
                                                           Milliseconds timeout = kDefaultTimeout);

    /// Reads until the peer closes the connection (true) or `timeout` runs out (false). Whole
    /// frames that arrive meanwhile are kept for receive(). After true the socket is closed.
    bool waitForClose(Milliseconds timeout);

    /// A fresh opaque (never 0), for callers that match responses themselves.
    uint32_t nextOpaque();

    /// How long sendRaw() may wait for socket room before it throws.
    void setSendTimeout(Milliseconds timeout) { send_timeout_ = timeout; }

    /// Sends close_notify (with TLS, best effort, without waiting) and closes the socket now;
    /// later calls throw Error.
    void close();

    [[nodiscard]] int fd() const { return fd_; }
    [[nodiscard]] const std::string& peer() const { return peer_; }
    /// Whether the connection was made with TLS.
    [[nodiscard]] bool usesTls() const { return tls_ != nullptr; }
    /// The negotiated protocol ("TLSv1.3") and cipher; empty without TLS.
    [[nodiscard]] std::string tlsVersion() const;
    [[nodiscard]] std::string tlsCipher() const;

private:
    Connection(int fd, std::string peer);

    /// Parses one frame out of the read buffer, if a whole one is there.
    std::optional<Packet> takeBuffered();
    enum class ReadResult {
        Data,
        Closed,
        Timeout
    };
    /// Waits until `deadline` for more bytes and appends them: Data, Closed (the peer closed
    /// or reset the connection) or Timeout. Throws Error on any other socket error.
    ReadResult readMore(std::chrono::steady_clock::time_point deadline);
    /// readMore() through the TLS session, with `chunk` (of `size` bytes) as scratch space.
    ReadResult readTls(char* chunk, size_t size, std::chrono::steady_clock::time_point deadline);
    /// readMore(), with a close thrown as Error; false on timeout.
    bool fill(std::chrono::steady_clock::time_point deadline);
    [[noreturn]] void fail(const std::string& what) const;
    /// Sets up the TLS session on the connected socket and runs the handshake until `deadline`.
    void startTls(const std::string& host, const TlsOptions& options,
                  std::chrono::steady_clock::time_point deadline);
    /// Throws the Error of a server that closed the connection in the TLS handshake.
    [[noreturn]] void closedDuringHandshake() const;
    /// Sends close_notify if TLS is on (never waits), then drops the session.
    void endTls();

    int fd_ = -1;
    std::string peer_;
    /// The TLS session over fd_, if the connection uses TLS.
    std::unique_ptr<security::TlsSession> tls_;
    /// Received bytes; those before read_offset_ have been parsed already.
    std::string buffer_;
    size_t read_offset_ = 0;
    /// Frames execute() read past while waiting for its response.
    std::deque<Packet> kept_;
    uint32_t next_opaque_ = 0x10000;
    Milliseconds send_timeout_ = kDefaultTimeout;
};

}  // namespace eddy::client
