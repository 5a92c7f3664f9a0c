// eddy — the client side of SCRAM-SHA* (RFC 5802, RFC 7677) and the PLAIN payload.
#include "security/sasl_client.h"

#include "security/scram_text.h"

#include <charconv>
#include <climits>
#include <utility>

namespace eddy::security {

namespace {

using scram::exclusiveOr;
using scram::takeAttribute;

constexpr size_t kNonceBytes = 24;
/// No channel binding, no authzid.
constexpr std::string_view kGs2Header = "n,,";
/// base64 of kGs2Header, the c= attribute of client-final.
constexpr std::string_view kChannelBinding = "biws";

/// "=2C" for ',' and "=3D" for '=' (RFC 5802 saslname).
std::string escapeUsername(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (char c : name) {
        if (c == ',') {
            out += "=2C";
        } else if (c == '=') {
            out += "=3D";
        } else {
            out += c;
        }
    }
    return out;
}

/// A decimal iteration count in 1..INT_MAX (what PBKDF2 accepts), or nullopt.
std::optional<unsigned> parseIterations(std::string_view text) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value == 0 ||
        value > INT_MAX) {
        return std::nullopt;
    }
    return value;
}

std::string clientFirstBare(std::string_view username, std::string_view nonce) {
    return "n=" + escapeUsername(username) + ",r=" + std::string(nonce);
}

}  // namespace

ScramClient::ScramClient(Digest digest, std::string username, std::string password,
                         std::string client_nonce)
    : digest_(digest),
      username_(std::move(username)),
      password_(std::move(password)),
      client_nonce_(client_nonce.empty() ? base64Encode(randomBytes(kNonceBytes))
                                         : std::move(client_nonce)) {}

std::string ScramClient::clientFirst() const {
    return std::string(kGs2Header) + clientFirstBare(username_, client_nonce_);
}

std::optional<std::string> ScramClient::clientFinal(std::string_view server_first) {
    std::string_view rest = server_first;
    const auto nonce = takeAttribute(rest, 'r');
    const auto salt_text = nonce ? takeAttribute(rest, 's') : std::nullopt;
    const auto iterations_text = salt_text ? takeAttribute(rest, 'i') : std::nullopt;
    if (!iterations_text || !rest.empty() || !nonce->starts_with(client_nonce_)) {
        return std::nullopt;
    }
    const auto salt = base64Decode(*salt_text);
    const auto iterations = parseIterations(*iterations_text);
    if (!salt || !iterations) {
        return std::nullopt;
    }

    salted_password_ = pbkdf2(digest_, password_, *salt, *iterations);
    const std::string client_key = hmac(digest_, salted_password_, "Client Key");
    const std::string stored_key = hash(digest_, client_key);
    std::string without_proof = "c=" + std::string(kChannelBinding) + ",r=" + std::string(*nonce);
    auth_message_ = clientFirstBare(username_, client_nonce_) + "," + std::string(server_first) +
                    "," + without_proof;
    const std::string proof = exclusiveOr(client_key, hmac(digest_, stored_key, auth_message_));
    return without_proof + ",p=" + base64Encode(proof);
}

bool ScramClient::verifyServerFinal(std::string_view server_final) const {
    std::string_view rest = server_final;
    const auto signature_text = takeAttribute(rest, 'v');
    if (auth_message_.empty() || !signature_text || !rest.empty()) {
        return false;
    }
    const auto signature = base64Decode(*signature_text);
    if (!signature) {
        return false;
    }
    const std::string server_key = hmac(digest_, salted_password_, "Server Key");
    return constantTimeEqual(*signature, hmac(digest_, server_key, auth_message_));
}

std::string plainPayload(std::string_view username, std::string_view password) {
    std::string payload(1, '\0');
    payload.append(username);
    payload.push_back('\0');
    payload.append(password);
    return payload;
}

std::string_view scramMechanismName(Digest digest) {
    switch (digest) {
    case Digest::Sha512: return "SCRAM-SHA512";
    case Digest::Sha256: return "SCRAM-SHA256";
    case Digest::Sha1: return "SCRAM-SHA1";
    }
    return {};
}

}  // namespace eddy::security
