#include "security/tls.h"

#include "common/errno_string.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <arpa/inet.h>

namespace eddy::security {

namespace {

/// OpenSSL's error queue as one line ("reason; reason"), emptied.
std::string drainErrors() {
    std::string text;
    while (const unsigned long code = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof(buffer));
        if (!text.empty()) {
            text += "; ";
        }
        text += buffer;
    }
    return text.empty() ? std::string("unknown error") : text;
}

std::shared_ptr<SSL_CTX> newContext(const SSL_METHOD* method, TlsVersion minimum) {
    std::shared_ptr<SSL_CTX> context(SSL_CTX_new(method), &SSL_CTX_free);
    if (!context) {
        throw std::runtime_error("cannot create a TLS context: " + drainErrors());
    }
    const int version = minimum == TlsVersion::Tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(context.get(), version);
    // A peer that hangs up without close_notify has closed, not failed: clients (the Couchbase
    // SDK among them) drop connections they no longer need, even during the handshake. MCBP
    // frames carry their lengths, so a cut-off stream is still seen as one.
    SSL_CTX_set_options(context.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                           SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_mode(context.get(),
                     SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // No session resumption: no tickets to send after a TLS 1.3 handshake, no cache to bound.
    SSL_CTX_set_num_tickets(context.get(), 0);
    SSL_CTX_set_session_cache_mode(context.get(), SSL_SESS_CACHE_OFF);
    return context;
}

std::string asn1TimeText(const ASN1_TIME* time) {
    BIO* bio = BIO_new(BIO_s_mem());
    ASN1_TIME_print(bio, time);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string text(data, static_cast<size_t>(length));
    BIO_free(bio);
    return text;
}

std::string describeCertificate(SSL_CTX* context) {
    X509* certificate = SSL_CTX_get0_certificate(context);
    if (certificate == nullptr) {
        return "no certificate";
    }
    char subject[256];
    X509_NAME_oneline(X509_get_subject_name(certificate), subject, sizeof(subject));
    return fmt::format("{}, valid until {}", subject,
                       asn1TimeText(X509_get0_notAfter(certificate)));
}

}  // namespace

std::optional<TlsVersion> parseTlsVersion(std::string_view text) {
    if (text == "TLSv1.2") {
        return TlsVersion::Tls12;
    }
    if (text == "TLSv1.3") {
        return TlsVersion::Tls13;
    }
    return std::nullopt;
}

std::string_view tlsVersionName(TlsVersion version) {
    return version == TlsVersion::Tls13 ? "TLSv1.3" : "TLSv1.2";
}

// --- TlsServerContext -----------------------------------------------------------------------

namespace {

std::shared_ptr<SSL_CTX> loadServerContext(const TlsServerConfig& config) {
    ERR_clear_error();
    auto context = newContext(TLS_server_method(), config.minimum_version);
    if (SSL_CTX_use_certificate_chain_file(context.get(), config.certificate_chain.c_str()) != 1) {
        throw std::runtime_error(
            fmt::format("TLS certificate chain '{}': {}", config.certificate_chain, drainErrors()));
    }
    if (SSL_CTX_use_PrivateKey_file(context.get(), config.private_key.c_str(), SSL_FILETYPE_PEM) !=
        1) {
        throw std::runtime_error(
            fmt::format("TLS private key '{}': {}", config.private_key, drainErrors()));
    }
    if (SSL_CTX_check_private_key(context.get()) != 1) {
        throw std::runtime_error(
            fmt::format("TLS private key '{}' does not match the certificate "
                        "in '{}': {}",
                        config.private_key, config.certificate_chain, drainErrors()));
    }
    return context;
}

}  // namespace

TlsServerContext::TlsServerContext(TlsServerConfig config)
    : config_(std::move(config)),
      context_(loadServerContext(config_)),
      description_(describeCertificate(context_.get())) {}

std::optional<std::string> TlsServerContext::reload() {
    try {
        auto fresh = loadServerContext(config_);
        std::string description = describeCertificate(fresh.get());
        const MutexLock lock(mutex_);
        context_ = std::move(fresh);
        description_ = std::move(description);
        return std::nullopt;
    } catch (const std::exception& error) {
        return std::string(error.what());
    }
}

std::shared_ptr<SSL_CTX> TlsServerContext::current() const {
    const MutexLock lock(mutex_);
    return context_;
}

std::string TlsServerContext::describe() const {
    const MutexLock lock(mutex_);
    return description_;
}

// --- TlsClientContext -----------------------------------------------------------------------

TlsClientContext::TlsClientContext(const std::string& ca_file)
    : context_(newContext(TLS_client_method(), TlsVersion::Tls12)) {
    ERR_clear_error();
    const int loaded =
        ca_file.empty() ? SSL_CTX_set_default_verify_paths(context_.get())
                        : SSL_CTX_load_verify_locations(context_.get(), ca_file.c_str(), nullptr);
    if (loaded != 1) {
        throw std::runtime_error(fmt::format(
            "TLS CA file '{}': {}", ca_file.empty() ? "(system default)" : ca_file, drainErrors()));
    }
    SSL_CTX_set_verify(context_.get(), SSL_VERIFY_PEER, nullptr);
}

// --- TlsSession -----------------------------------------------------------------------------

TlsSession::TlsSession(std::shared_ptr<SSL_CTX> context, SSL* ssl)
    : context_(std::move(context)), ssl_(ssl) {}

TlsSession::~TlsSession() {
    SSL_free(ssl_);
}

std::unique_ptr<TlsSession> TlsSession::accept(std::shared_ptr<SSL_CTX> context, int fd) {
    ERR_clear_error();
    SSL* ssl = SSL_new(context.get());
    if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        throw std::runtime_error("cannot create a TLS session: " + drainErrors());
    }
    SSL_set_accept_state(ssl);
    return std::unique_ptr<TlsSession>(new TlsSession(std::move(context), ssl));
}

std::unique_ptr<TlsSession> TlsSession::connect(const TlsClientContext& context, int fd,
                                                const std::string& host) {
    ERR_clear_error();
    SSL* ssl = SSL_new(context.get());
    if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        throw std::runtime_error("cannot create a TLS session: " + drainErrors());
    }
    in6_addr ignored{};
    const bool is_address = inet_pton(AF_INET, host.c_str(), &ignored) == 1 ||
                            inet_pton(AF_INET6, host.c_str(), &ignored) == 1;
    X509_VERIFY_PARAM* params = SSL_get0_param(ssl);
    const int checked = is_address ? X509_VERIFY_PARAM_set1_ip_asc(params, host.c_str())
                                   : X509_VERIFY_PARAM_set1_host(params, host.c_str(), 0);
    if (checked != 1 || (!is_address && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)) {
        SSL_free(ssl);
        throw std::runtime_error(
            fmt::format("TLS: cannot check the name '{}': {}", host, drainErrors()));
    }
    SSL_set_connect_state(ssl);
    return std::unique_ptr<TlsSession>(new TlsSession(std::shared_ptr<SSL_CTX>(), ssl));
}

TlsSession::Result TlsSession::outcome(int ok, size_t bytes, std::string_view what) {
    if (ok == 1) {
        return {Io::Done, bytes};
    }
    const int saved_errno = errno;
    switch (SSL_get_error(ssl_, ok)) {
    case SSL_ERROR_WANT_READ: return {Io::WantRead, 0};
    case SSL_ERROR_WANT_WRITE: return {Io::WantWrite, 0};
    case SSL_ERROR_ZERO_RETURN: return {Io::Closed, 0};
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0) {
            if (saved_errno == 0) {
                return {Io::Closed, 0};  // the socket ended without close_notify
            }
            error_ = fmt::format("TLS {}: {}", what, errnoString(saved_errno));
            failed_ = true;
            return {Io::Failed, 0};
        }
        [[fallthrough]];
    default:
        failed_ = true;
        error_ = fmt::format("TLS {}: {}", what, drainErrors());
        if (SSL_get_verify_result(ssl_) != X509_V_OK) {
            error_ +=
                fmt::format(" ({})", X509_verify_cert_error_string(SSL_get_verify_result(ssl_)));
        }
        return {Io::Failed, 0};
    }
}

TlsSession::Result TlsSession::handshake() {
    ERR_clear_error();
    errno = 0;
    return outcome(SSL_do_handshake(ssl_), 0, "handshake");
}

TlsSession::Result TlsSession::read(char* into, size_t length) {
    ERR_clear_error();
    errno = 0;
    size_t got = 0;
    const int ok = SSL_read_ex(ssl_, into, length, &got);
    return outcome(ok, got, SSL_is_init_finished(ssl_) != 0 ? "read" : "handshake");
}

TlsSession::Result TlsSession::write(const char* from, size_t length) {
    ERR_clear_error();
    errno = 0;
    size_t sent = 0;
    const int ok = SSL_write_ex(ssl_, from, length, &sent);
    return outcome(ok, sent, "write");
}

void TlsSession::shutdown() {
    if (!failed_ && SSL_is_init_finished(ssl_) != 0) {
        ERR_clear_error();
        SSL_shutdown(ssl_);
        ERR_clear_error();
    }
}

bool TlsSession::hasBufferedInput() const {
    return SSL_has_pending(ssl_) != 0;
}

bool TlsSession::handshakeDone() const {
    return SSL_is_init_finished(ssl_) != 0;
}

std::string TlsSession::version() const {
    return SSL_get_version(ssl_);
}

std::string TlsSession::cipher() const {
    const char* name = SSL_get_cipher_name(ssl_);
    return name == nullptr ? std::string() : std::string(name);
}

}  // namespace eddy::security
