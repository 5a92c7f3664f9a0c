// eddy — the client side of SCRAM-SHA* and PLAIN, for eddy's own tools and tests.
//
// Owns: ScramClient (builds client-first and client-final, checks the server's signature) and
// plainPayload(). The same RFC 5802 rules as sasl_server.h, from the other end: the user name is
// escapes ',' → "=2C" and '=' → "=3D"; the gs2 header is "n,,".
//
// Thread contract: a ScramClient is used by one thread.
#pragma once

#include "security/crypto.h"

#include <optional>
#include <string>
#include <string_view>

namespace eddy::security {

class ScramClient {
public:
    /// `client_nonce` empty: 24 random bytes, base64.
    ScramClient(Digest digest, std::string username, std::string password,
                std::string client_nonce = {});

    /// "n,,n=<user>,r=<nonce>".
    [[nodiscard]] std::string clientFirst() const;

    /// The client-final message for `server_first`; nullopt if it is malformed, its nonce does
    /// not start with ours, or its iteration count is 0.
    [[nodiscard]] std::optional<std::string> clientFinal(std::string_view server_first);

    /// True if `server_final` is "v=<the signature this password implies>".
    [[nodiscard]] bool verifyServerFinal(std::string_view server_final) const;

private:
    Digest digest_;
    std::string username_;
    std::string password_;
    std::string client_nonce_;
    std::string auth_message_;
    std::string salted_password_;
};

/// "\0user\0password".
[[nodiscard]] std::string plainPayload(std::string_view username, std::string_view password);

/// The MCBP name of a SCRAM digest: "SCRAM-SHA512" ...
[[nodiscard]] std::string_view scramMechanismName(Digest digest);

}  // namespace eddy::security
