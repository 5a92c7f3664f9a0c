// eddy — SASL authentication and bucket selection of the blocking client (connection.h).
#include "client/connection.h"
#include "security/sasl_client.h"

#include <stdexcept>

namespace eddy::client {

namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;

std::optional<security::Digest> scramDigest(std::string_view mechanism) {
    for (const auto digest :
         {security::Digest::Sha512, security::Digest::Sha256, security::Digest::Sha1}) {
        if (security::scramMechanismName(digest) == mechanism) {
            return digest;
        }
    }
    return std::nullopt;
}

void expect(const Packet& response, ClientOpcode opcode, ResponseStatus wanted) {
    if (response.status() != wanted) {
        throw StatusError(describeFailure(opcode, response), response.status());
    }
}

}  // namespace

void Connection::authenticate(const std::string& user, const std::string& password,
                              std::string_view mechanism, Milliseconds timeout) {
    const std::string name(mechanism);
    if (mechanism == "PLAIN") {
        const Packet response = execute({.opcode = ClientOpcode::SaslAuth,
                                         .key = name,
                                         .value = security::plainPayload(user, password)},
                                        timeout);
        expect(response, ClientOpcode::SaslAuth, ResponseStatus::Success);
        return;
    }
    const auto digest = scramDigest(mechanism);
    if (!digest) {
        throw std::invalid_argument("unknown SASL mechanism '" + name +
                                    "' (known: SCRAM-SHA512, SCRAM-SHA256, SCRAM-SHA1, PLAIN)");
    }
    security::ScramClient scram(*digest, user, password);
    const Packet first = execute(
        {.opcode = ClientOpcode::SaslAuth, .key = name, .value = scram.clientFirst()}, timeout);
    expect(first, ClientOpcode::SaslAuth, ResponseStatus::AuthContinue);
    const auto final_message = scram.clientFinal(first.value);
    if (!final_message) {
        fail("malformed SCRAM server-first message");
    }
    const Packet last =
        execute({.opcode = ClientOpcode::SaslStep, .key = name, .value = *final_message}, timeout);
    expect(last, ClientOpcode::SaslStep, ResponseStatus::Success);
    if (!scram.verifyServerFinal(last.value)) {
        fail("the server's SCRAM signature does not match: it does not know the password");
    }
}

void Connection::selectBucket(std::string_view bucket, Milliseconds timeout) {
    const Packet response =
        execute({.opcode = ClientOpcode::SelectBucket, .key = std::string(bucket)}, timeout);
    expect(response, ClientOpcode::SelectBucket, ResponseStatus::Success);
}

}  // namespace eddy::client
