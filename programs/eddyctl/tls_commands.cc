// eddyctl tls — the development certificate (tls_commands.h).
#include "tls_commands.h"

#include "security/self_signed_certificate.h"
#include "tool_common.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace eddy::tools::ctl {

namespace {

constexpr std::string_view kDevCertificateUsage =
    "tls create-dev-certificate [--dir DIR] [--force]";

/// "a, b and c".
std::string listing(const std::vector<std::string>& items) {
    std::string text;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            text += i + 1 == items.size() ? " and " : ", ";
        }
        text += items[i];
    }
    return text;
}

/// `text` as one word for a POSIX shell: as is when it has only safe characters, else quoted.
std::string shellWord(const std::string& text) {
    const bool safe = !text.empty() && text.find_first_not_of(
                                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789/._-+:@%,=") == std::string::npos;
    if (safe) {
        return text;
    }
    std::string quoted = "'";
    for (const char c : text) {
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return quoted + "'";
}

}  // namespace

DevCertificateCommand parseDevCertificateCommand(const std::vector<std::string>& words) {
    DevCertificateCommand command;
    for (size_t i = 0; i < words.size(); ++i) {
        const std::string& word = words[i];
        if (word == "--force") {
            command.force = true;
        } else if (word == "--dir") {
            if (i + 1 >= words.size()) {
                throw UsageError(
                    fmt::format("--dir needs a value; usage: {}", kDevCertificateUsage));
            }
            command.dir = words[++i];
        } else if (word.starts_with("--dir=")) {
            command.dir = word.substr(6);
        } else {
            throw UsageError(
                fmt::format("unknown argument '{}'; usage: {}", word, kDevCertificateUsage));
        }
    }
    if (command.dir.empty()) {
        throw UsageError("--dir: empty directory name");
    }
    return command;
}

std::string createDevCertificate(const DevCertificateCommand& command) {
    namespace fs = std::filesystem;
    const std::string certificate_file = command.certificateFile();
    const std::string key_file = command.keyFile();
    if (!command.force) {
        for (const auto& file : {certificate_file, key_file}) {
            std::error_code error;
            if (fs::exists(fs::symlink_status(file, error))) {
                throw std::runtime_error(fmt::format(
                    "{} already exists; nothing written (--force replaces the certificate and "
                    "its key)",
                    file));
            }
        }
    }
    std::error_code error;
    fs::create_directories(command.dir, error);
    if (error) {
        throw std::runtime_error(
            fmt::format("cannot create the directory {}: {}", command.dir, error.message()));
    }
    const security::CertificateNames names;
    const auto pem =
        security::makeSelfSignedCertificate(names, std::chrono::hours(24) * kDevCertificateDays);
    security::writeSelfSignedCertificate(pem, certificate_file, key_file);

    std::vector<std::string> subjects = names.dns_names;
    subjects.insert(subjects.end(), names.ip_addresses.begin(), names.ip_addresses.end());
    const fs::path absolute_certificate = fs::absolute(certificate_file, error).lexically_normal();
    const fs::path absolute_key = fs::absolute(key_file, error).lexically_normal();
    return fmt::format(
        "wrote {} (a self-signed certificate for {}, valid for {} days) and {} (its private key)\n"
        "It is for development: a client trusts it only when given it as its CA file.\n"
        "To use it, add to the server's config file (eddyd --config FILE):\n"
        "  \"tls_certificate_chain\": {},\n"
        "  \"tls_private_key\": {}\n"
        "A running server that already uses these files reads them again after: "
        "eddyctl -u USER tls reload\n"
        "Connect with TLS, for example: eddy-stats -h localhost:11207 --cacert {}",
        certificate_file, listing(subjects), kDevCertificateDays, key_file,
        nlohmann::json(absolute_certificate.string()).dump(),
        nlohmann::json(absolute_key.string()).dump(), shellWord(absolute_certificate.string()));
}

}  // namespace eddy::tools::ctl
