// eddyctl tls — the TLS commands that work on files: a development certificate.
//
// Owns: DevCertificateCommand (what `eddyctl tls create-dev-certificate` asks for),
// parseDevCertificateCommand() and createDevCertificate(). (`eddyctl tls reload`, which asks the
// server to read its certificate and key files again, is an ordinary server command in ctl.h.)
//
// Semantics. create-dev-certificate [--dir DIR] [--force] writes DIR/chain.pem (a self-signed
// certificate: CN localhost, subject alternative names localhost, 127.0.0.1 and ::1, valid for
// kDevCertificateDays from now) and DIR/pkey.pem (its P-256 private key), each atomically with
// mode 0600, creating DIR if needed. DIR defaults to ./data/tls. Without --force it refuses to
// replace either file when one of them exists, and writes nothing. The certificate is its own
// trust anchor: clients pass chain.pem as their CA file (--cacert). It is for development and
// tests; a production server presents a certificate from its own CA.
//
// Thread contract: functions over caller-owned values; createDevCertificate() writes files.
#pragma once

#include <string>
#include <vector>

namespace eddy::tools::ctl {

/// How long a development certificate is valid (the longest validity browsers accepted for
/// server certificates until 2020).
inline constexpr int kDevCertificateDays = 825;

struct DevCertificateCommand {
    std::string dir = "./data/tls";
    bool force = false;

    [[nodiscard]] std::string certificateFile() const { return dir + "/chain.pem"; }
    [[nodiscard]] std::string keyFile() const { return dir + "/pkey.pem"; }
};

/// The words after "tls create-dev-certificate": --dir DIR (or --dir=DIR) and --force. Throws
/// UsageError for anything else.
[[nodiscard]] DevCertificateCommand parseDevCertificateCommand(
    const std::vector<std::string>& words);

/// Writes the pair; returns what to print (the files written and how to use them). Throws
/// std::runtime_error when a file exists and --force was not given, or a file or DIR cannot be
/// written.
[[nodiscard]] std::string createDevCertificate(const DevCertificateCommand& command);

}  // namespace eddy::tools::ctl
