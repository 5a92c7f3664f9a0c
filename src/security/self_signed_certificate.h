// eddy — a self-signed certificate for development and tests.
//
// Owns: makeSelfSignedCertificate(), which creates a P-256 key and a certificate signed by that
// key (SHA-256), valid from now for `validity`, naming the given DNS names and IP addresses as
// subject alternative names, usable as its own trust anchor (a client passes the certificate
// file as its CA file); and writeSelfSignedCertificate(), which writes the pair to two files
// (mode 0600). `eddyctl tls create-dev-certificate` and `make run` use it; a
// production deployment brings a certificate from its own CA.
//
// Thread contract: free functions, callable from any thread.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace eddy::security {

struct PemCertificate {
    std::string certificate;
    std::string private_key;
};

struct CertificateNames {
    std::string common_name = "localhost";
    std::vector<std::string> dns_names = {"localhost"};
    std::vector<std::string> ip_addresses = {"127.0.0.1", "::1"};
};

/// Throws std::runtime_error with OpenSSL's reason on failure.
[[nodiscard]] PemCertificate makeSelfSignedCertificate(const CertificateNames& names,
                                                       std::chrono::hours validity);

/// Writes `pem` to `certificate_file` and `key_file`, each atomically with mode 0600. Throws
/// std::runtime_error naming the file on failure.
void writeSelfSignedCertificate(const PemCertificate& pem, const std::string& certificate_file,
                                const std::string& key_file);

}  // namespace eddy::security
