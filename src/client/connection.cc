// eddy — the blocking MCBP client connection (see connection.h).
#include "client/connection.h"

#include "common/errno_string.h"
#include "protocol/encode.h"
#include "protocol/magic.h"
#include "security/tls.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <mutex>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace eddy::client {

namespace {

using Clock = std::chrono::steady_clock;

int millisecondsLeft(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<int64_t>(left, 0, 1 << 30));
}

void setNonBlocking(int fd) {
    const int flags = fcntl(fd, F_GETFL, 0);
    if (flags >= 0) {
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    }
}

/// Waits for `events` on `fd` until `deadline`; false on timeout. Retries after signals.
bool waitFor(int fd, short events, Clock::time_point deadline) {
    while (true) {
        pollfd waiter{fd, events, 0};
        const int ready = poll(&waiter, 1, millisecondsLeft(deadline));
        if (ready > 0) {
            return true;
        }
        if (ready == 0) {
            return false;
        }
        if (errno != EINTR) {
            return false;
        }
        if (Clock::now() >= deadline) {
            return false;
        }
    }
}

/// One connect attempt to `address`; the connected socket, or -1 with `reason` set.
int connectOne(const addrinfo& address, Clock::time_point deadline, std::string& reason) {
    const int fd = socket(address.ai_family, address.ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                          address.ai_protocol);
    if (fd < 0) {
        reason = errnoString(errno);
        return -1;
    }
    if (connect(fd, address.ai_addr, address.ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            reason = errnoString(errno);
            ::close(fd);
            return -1;
        }
        if (!waitFor(fd, POLLOUT, deadline)) {
            reason = "timed out";
            ::close(fd);
            return -1;
        }
        int error = 0;
        socklen_t length = sizeof(error);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
            error = errno;
        }
        if (error != 0) {
            reason = errnoString(error);
            ::close(fd);
            return -1;
        }
    }
    return fd;
}

/// OpenSSL writes with write(2): without this a peer that went away kills the process.
void ignoreSigpipeOnce() {
    static std::once_flag once;
    std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

/// Whether a failed TLS read means only that the peer is gone: a reset (a close, as without
/// TLS), or the end of the stream without close_notify, which OpenSSL 3 reports as an error.
bool peerWentAway(const std::string& error) {
    return error.ends_with(errnoString(ECONNRESET)) ||
           error.find("unexpected eof") != std::string::npos;
}

/// The poll() events a TLS call that wants to be retried waits for.
short tlsEvents(security::TlsSession::Io io) {
    return io == security::TlsSession::Io::WantWrite ? POLLOUT : POLLIN;
}

std::string hostPort(const std::string& host, uint16_t port) {
    if (host.find(':') != std::string::npos) {
        return fmt::format("[{}]:{}", host, port);
    }
    return fmt::format("{}:{}", host, port);
}

std::string opcodeText(mcbp::ClientOpcode opcode) {
    const auto name = mcbp::opcodeName(static_cast<uint8_t>(opcode));
    if (name) {
        return std::string(*name);
    }
    return fmt::format("opcode 0x{:02x}", static_cast<unsigned>(opcode));
}

}  // namespace

bool Packet::isResponse() const {
    return header.magic == mcbp::Magic::ClientResponse ||
           header.magic == mcbp::Magic::AltClientResponse ||
           header.magic == mcbp::Magic::ServerResponse;
}

Endpoint parseEndpoint(std::string_view text, uint16_t default_port) {
    Endpoint endpoint;
    endpoint.port = default_port;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        const size_t close = text.find(']');
        if (close == std::string_view::npos) {
            throw std::invalid_argument(fmt::format("'{}': missing ']'", text));
        }
        endpoint.host = std::string(text.substr(1, close - 1));
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                throw std::invalid_argument(fmt::format("'{}': expected ':' after ']'", text));
            }
            port_text = rest.substr(1);
            if (port_text.empty()) {
                throw std::invalid_argument(fmt::format("'{}': empty port", text));
            }
        }
    } else {
        const size_t colon = text.rfind(':');
        if (colon != std::string_view::npos && text.find(':') != colon) {
            // Several colons and no brackets: a bare IPv6 address.
            endpoint.host = std::string(text);
        } else if (colon != std::string_view::npos) {
            endpoint.host = std::string(text.substr(0, colon));
            port_text = text.substr(colon + 1);
            if (port_text.empty()) {
                throw std::invalid_argument(fmt::format("'{}': empty port", text));
            }
        } else {
            endpoint.host = std::string(text);
        }
    }
    if (endpoint.host.empty()) {
        throw std::invalid_argument(fmt::format("'{}': empty host", text));
    }
    if (!port_text.empty()) {
        unsigned value = 0;
        const auto [end, error] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (error != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
            value > 65535) {
            throw std::invalid_argument(
                fmt::format("'{}': port must be a number from 1 to 65535", text));
        }
        endpoint.port = static_cast<uint16_t>(value);
    }
    return endpoint;
}

std::string encode(const Request& request) {
    std::string out;
    mcbp::RequestFields fields;
    fields.opcode = static_cast<uint8_t>(request.opcode);
    fields.vbucket = request.vbucket;
    fields.opaque = request.opaque;
    fields.cas = request.cas;
    fields.datatype = request.datatype;
    if (!request.framing_extras.empty()) {
        fields.magic = mcbp::Magic::AltClientRequest;
    }
    mcbp::appendRequest(out, fields, request.extras, request.key, request.value,
                        request.framing_extras);
    return out;
}

std::string describeFailure(mcbp::ClientOpcode opcode, const Packet& response) {
    const auto name = mcbp::statusName(response.status());
    std::string text =
        fmt::format("{} failed: {}", opcodeText(opcode),
                    name ? std::string(*name)
                         : fmt::format("status 0x{:02x}", response.header.vbucket_or_status));
    if (!response.value.empty() && response.value.size() <= 1024) {
        text += fmt::format(" ({})", response.value);
    }
    return text;
}

Connection::Connection(const std::string& host, uint16_t port, Milliseconds timeout,
                       const std::optional<TlsOptions>& tls)
    : peer_(hostPort(host, port)) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* addresses = nullptr;
    const std::string service = std::to_string(port);
    const int resolved = getaddrinfo(host.c_str(), service.c_str(), &hints, &addresses);
    if (resolved != 0) {
        throw Error(fmt::format("connect to {}: cannot resolve '{}': {}", peer_, host,
                                gai_strerror(resolved)));
    }
    const auto deadline = Clock::now() + timeout;
    std::string reason = "no address";
    for (const addrinfo* address = addresses; address != nullptr; address = address->ai_next) {
        fd_ = connectOne(*address, deadline, reason);
        if (fd_ >= 0) {
            break;
        }
    }
    freeaddrinfo(addresses);
    if (fd_ < 0) {
        throw Error(fmt::format("connect to {}: {}", peer_, reason));
    }
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (tls) {
        try {
            startTls(host, *tls, deadline);
        } catch (...) {
            // The destructor does not run for a constructor that throws.
            close();
            throw;
        }
    }
}

void Connection::startTls(const std::string& host, const TlsOptions& options,
                          Clock::time_point deadline) {
    ignoreSigpipeOnce();
    try {
        const security::TlsClientContext context(options.ca_file);
        tls_ = security::TlsSession::connect(context, fd_, host);
    } catch (const std::runtime_error& error) {
        throw Error(fmt::format("TLS with {}: {}", peer_, error.what()));
    }
    while (true) {
        const auto result = tls_->handshake();
        switch (result.io) {
        case security::TlsSession::Io::Done: return;
        case security::TlsSession::Io::WantRead:
        case security::TlsSession::Io::WantWrite:
            if (!waitFor(fd_, tlsEvents(result.io), deadline)) {
                throw Error(fmt::format("TLS handshake with {}: timed out", peer_));
            }
            break;
        case security::TlsSession::Io::Closed: closedDuringHandshake();
        case security::TlsSession::Io::Failed: {
            if (peerWentAway(tls_->error())) {
                closedDuringHandshake();
            }
            // The session says "TLS handshake: <reason>"; the peer goes in between.
            std::string_view reason = tls_->error();
            constexpr std::string_view kPrefix = "TLS handshake: ";
            if (reason.starts_with(kPrefix)) {
                reason.remove_prefix(kPrefix.size());
            }
            throw Error(fmt::format("TLS handshake with {}: {}", peer_, reason));
        }
        }
    }
}

void Connection::closedDuringHandshake() const {
    // What a server without TLS on this port does with a ClientHello.
    throw Error(
        fmt::format("TLS handshake with {}: the server closed the connection (is {} a "
                    "TLS port?)",
                    peer_, peer_));
}

void Connection::endTls() {
    if (tls_) {
        // No close_notify after a failure: OpenSSL forbids SSL_shutdown() then.
        if (tls_->error().empty()) {
            tls_->shutdown();
        }
        tls_.reset();
    }
}

std::string Connection::tlsVersion() const {
    return tls_ ? tls_->version() : std::string();
}

std::string Connection::tlsCipher() const {
    return tls_ ? tls_->cipher() : std::string();
}

Connection::Connection(int fd, std::string peer) : fd_(fd), peer_(std::move(peer)) {
    setNonBlocking(fd_);
}

Connection Connection::adopt(int fd, std::string peer) {
    return Connection(fd, std::move(peer));
}

Connection::~Connection() {
    close();
}

Connection::Connection(Connection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      peer_(std::move(other.peer_)),
      tls_(std::move(other.tls_)),
      buffer_(std::move(other.buffer_)),
      read_offset_(std::exchange(other.read_offset_, 0)),
      kept_(std::move(other.kept_)),
      next_opaque_(other.next_opaque_),
      send_timeout_(other.send_timeout_) {}

Connection& Connection::operator=(Connection&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
        peer_ = std::move(other.peer_);
        tls_ = std::move(other.tls_);
        buffer_ = std::move(other.buffer_);
        read_offset_ = std::exchange(other.read_offset_, 0);
        kept_ = std::move(other.kept_);
        next_opaque_ = other.next_opaque_;
        send_timeout_ = other.send_timeout_;
    }
    return *this;
}

void Connection::close() {
    endTls();
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

void Connection::fail(const std::string& what) const {
    throw Error(fmt::format("{}: {}", peer_, what));
}

void Connection::sendRaw(std::string_view bytes) {
    if (fd_ < 0) {
        fail("connection is closed");
    }
    const auto deadline = Clock::now() + send_timeout_;
    const auto no_room = [&] {
        fail(fmt::format("send: no room in the socket for {} ms", send_timeout_.count()));
    };
    while (!bytes.empty()) {
        if (tls_) {
            // After WantRead/WantWrite the same bytes are offered again, as OpenSSL requires.
            const auto result = tls_->write(bytes.data(), bytes.size());
            switch (result.io) {
            case security::TlsSession::Io::Done: bytes.remove_prefix(result.bytes); break;
            case security::TlsSession::Io::WantRead:
            case security::TlsSession::Io::WantWrite:
                if (!waitFor(fd_, tlsEvents(result.io), deadline)) {
                    no_room();
                }
                break;
            case security::TlsSession::Io::Closed: fail("send: the server closed the connection");
            case security::TlsSession::Io::Failed: fail("send: " + tls_->error());
            }
            continue;
        }
        const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent >= 0) {
            bytes.remove_prefix(static_cast<size_t>(sent));
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            fail("send: " + errnoString(errno));
        }
        if (!waitFor(fd_, POLLOUT, deadline)) {
            no_room();
        }
    }
}

std::optional<Packet> Connection::takeBuffered() {
    const std::string_view unread = std::string_view(buffer_).substr(read_offset_);
    const auto parsed = mcbp::parseFrame(unread, kMaxBodyLength);
    switch (parsed.status) {
    case mcbp::ParseStatus::Ok: break;
    case mcbp::ParseStatus::NeedMoreData: return std::nullopt;
    case mcbp::ParseStatus::BadMagic:
        fail(fmt::format("received a frame with unknown magic 0x{:02x}",
                         static_cast<unsigned>(static_cast<uint8_t>(unread.front()))));
    case mcbp::ParseStatus::BadLengths:
        fail("received a frame whose body length is smaller than its parts");
    case mcbp::ParseStatus::TooLarge:
        fail(fmt::format("received a frame with a body of {} bytes (limit {})",
                         parsed.frame.header.body_length, kMaxBodyLength));
    }
    Packet packet;
    packet.header = parsed.frame.header;
    packet.framing_extras = parsed.frame.framing_extras;
    packet.extras = parsed.frame.extras;
    packet.key = parsed.frame.key;
    packet.value = parsed.frame.value;
    read_offset_ += parsed.frame.bytes.size();
    if (read_offset_ == buffer_.size()) {
        buffer_.clear();
        read_offset_ = 0;
    }
    return packet;
}

Connection::ReadResult Connection::readMore(Clock::time_point deadline) {
    if (fd_ < 0) {
        fail("connection is closed");
    }
    // Drop what has been parsed before growing the buffer.
    if (read_offset_ > 0) {
        buffer_.erase(0, read_offset_);
        read_offset_ = 0;
    }
    char chunk[65536];
    if (tls_) {
        return readTls(chunk, sizeof(chunk), deadline);
    }
    while (true) {
        const ssize_t got = ::recv(fd_, chunk, sizeof(chunk), 0);
        if (got > 0) {
            buffer_.append(chunk, static_cast<size_t>(got));
            return ReadResult::Data;
        }
        if (got == 0 || errno == ECONNRESET) {
            return ReadResult::Closed;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            fail("receive: " + errnoString(errno));
        }
        if (!waitFor(fd_, POLLIN, deadline)) {
            return ReadResult::Timeout;
        }
    }
}

Connection::ReadResult Connection::readTls(char* chunk, size_t size, Clock::time_point deadline) {
    while (true) {
        // The session is read before the socket is polled: it may hold decrypted bytes (or a
        // whole record) that the socket will not announce again.
        const auto result = tls_->read(chunk, size);
        switch (result.io) {
        case security::TlsSession::Io::Done:
            buffer_.append(chunk, result.bytes);
            // Take what is already decrypted too, so that one call brings a whole large frame
            // closer without a poll per record.
            while (tls_->hasBufferedInput()) {
                const auto more = tls_->read(chunk, size);
                if (more.io != security::TlsSession::Io::Done) {
                    break;
                }
                buffer_.append(chunk, more.bytes);
            }
            return ReadResult::Data;
        case security::TlsSession::Io::WantRead:
        case security::TlsSession::Io::WantWrite:
            if (!waitFor(fd_, tlsEvents(result.io), deadline)) {
                return ReadResult::Timeout;
            }
            break;
        case security::TlsSession::Io::Closed: return ReadResult::Closed;
        case security::TlsSession::Io::Failed:
            if (peerWentAway(tls_->error())) {
                return ReadResult::Closed;
            }
            fail("receive: " + tls_->error());
        }
    }
}

bool Connection::fill(Clock::time_point deadline) {
    switch (readMore(deadline)) {
    case ReadResult::Data: return true;
    case ReadResult::Timeout: return false;
    case ReadResult::Closed: break;
    }
    fail(buffer_.empty() ? "connection closed by the server"
                         : "connection closed by the server in the middle of a frame");
}

std::optional<Packet> Connection::receive(Milliseconds timeout) {
    if (!kept_.empty()) {
        Packet packet = std::move(kept_.front());
        kept_.pop_front();
        return packet;
    }
    const auto deadline = Clock::now() + timeout;
    while (true) {
        if (auto packet = takeBuffered()) {
            return packet;
        }
        if (!fill(deadline)) {
            return std::nullopt;
        }
    }
}

Packet Connection::execute(Request request, Milliseconds timeout) {
    if (request.opaque == 0) {
        request.opaque = nextOpaque();
    }
    send(request);
    const auto deadline = Clock::now() + timeout;
    while (true) {
        if (auto packet = takeBuffered()) {
            if (packet->isResponse() && packet->header.opaque == request.opaque &&
                packet->header.opcode == static_cast<uint8_t>(request.opcode)) {
                return std::move(*packet);
            }
            kept_.push_back(std::move(*packet));
            continue;
        }
        if (!fill(deadline)) {
            fail(fmt::format("no response to {} within {} ms", opcodeText(request.opcode),
                             timeout.count()));
        }
    }
}

std::vector<uint16_t> Connection::hello(const std::vector<mcbp::Feature>& features,
                                        std::string agent, Milliseconds timeout) {
    Request request{.opcode = mcbp::ClientOpcode::Hello, .key = std::move(agent)};
    for (const auto feature : features) {
        mcbp::appendUint16(request.value, static_cast<uint16_t>(feature));
    }
    const Packet response = execute(std::move(request), timeout);
    if (response.status() != mcbp::ResponseStatus::Success) {
        throw StatusError(describeFailure(mcbp::ClientOpcode::Hello, response), response.status());
    }
    std::vector<uint16_t> granted;
    for (size_t offset = 0; offset + 1 < response.value.size(); offset += 2) {
        granted.push_back(mcbp::readUint16(response.value, offset));
    }
    return granted;
}

std::vector<std::pair<std::string, std::string>> Connection::stats(std::string_view group,
                                                                   Milliseconds timeout) {
    // The first response comes through execute(); the rest share its opaque and are read here,
    // keeping anything else that arrives in between.
    Request request{.opcode = mcbp::ClientOpcode::Stat, .key = std::string(group)};
    request.opaque = nextOpaque();
    const uint32_t opaque = request.opaque;
    std::vector<std::pair<std::string, std::string>> all;
    Packet response = execute(std::move(request), timeout);
    const auto deadline = Clock::now() + timeout;
    while (true) {
        if (response.status() != mcbp::ResponseStatus::Success) {
            throw StatusError(describeFailure(mcbp::ClientOpcode::Stat, response),
                              response.status());
        }
        if (response.key.empty()) {
            return all;
        }
        all.emplace_back(std::move(response.key), std::move(response.value));
        while (true) {
            auto packet = takeBuffered();
            if (!packet) {
                if (!fill(deadline)) {
                    fail(fmt::format("STAT {} did not complete within {} ms", group,
                                     timeout.count()));
                }
                continue;
            }
            if (packet->isResponse() && packet->header.opaque == opaque &&
                packet->header.opcode == static_cast<uint8_t>(mcbp::ClientOpcode::Stat)) {
                response = std::move(*packet);
                break;
            }
            kept_.push_back(std::move(*packet));
        }
    }
}

bool Connection::waitForClose(Milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (fd_ >= 0) {
        while (auto packet = takeBuffered()) {
            kept_.push_back(std::move(*packet));
        }
        switch (readMore(deadline)) {
        case ReadResult::Data: break;
        case ReadResult::Timeout: return false;
        case ReadResult::Closed: close(); return true;
        }
    }
    return true;
}

uint32_t Connection::nextOpaque() {
    if (++next_opaque_ == 0) {
        next_opaque_ = 1;
    }
    return next_opaque_;
}

}  // namespace eddy::client
