// eddy — libFuzzer target for the SASL mechanisms, base64 and the password-database parser.
//
// Input: one selector byte, then a first and an optional second message separated by the first
// '\n'. The selector (modulo 8) picks what they are fed to:
//   0     PlainServer: start(first), then step(second), which must be BadParam;
//   1-3   ScramServer SHA-512/256/1: start(first), step(second), then a step and a start that
//         must both be BadParam;
//   4-6   ScramClient SHA-512/256/1: clientFinal(first) as the server-first, then
//         verifyServerFinal(second);
//   7     base64Decode/base64Encode and PasswordDatabase::parse/toJson of everything after the
//         selector (round trips must be exact).
// The database holds "user" with password "pencil" (fixed salts, so the seeds in corpus/sasl/
// can complete an exchange); the server nonce and the client nonce are fixed for the same reason.
// Any exception other than PasswordDatabaseError escaping parse() is a crash, as is a broken
// invariant (std::abort).
// Thread contract: single-threaded (libFuzzer calls it from one thread).

#include "security/crypto.h"
#include "security/password_database.h"
#include "security/sasl_client.h"
#include "security/sasl_server.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace {

using namespace eddy::security;
using Kind = SaslOutcome::Kind;

constexpr std::string_view kUser = "user";
constexpr std::string_view kPassword = "pencil";
constexpr unsigned kIterations = 64;
constexpr std::string_view kServerNonce = "fuzz-server-nonce";
constexpr std::string_view kClientNonce = "fuzz-client-nonce";
constexpr std::string_view kProcessSecret = "fuzz-process-secret";
/// The client runs PBKDF2 with the server's iteration count: larger counts only slow it down.
constexpr unsigned long kMaxClientIterations = 4096;

constexpr Digest kDigests[] = {Digest::Sha512, Digest::Sha256, Digest::Sha1};

// Aborts (a crash libFuzzer reports) when an invariant does not hold.
void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

ScramSecrets secretsFor(Digest digest) {
    ScramSecrets secrets;
    secrets.salt = hash(digest, "fuzz salt");
    secrets.iterations = kIterations;
    const std::string salted = pbkdf2(digest, kPassword, secrets.salt, kIterations);
    secrets.keys.push_back(
        {hash(digest, hmac(digest, salted, "Client Key")), hmac(digest, salted, "Server Key")});
    return secrets;
}

std::shared_ptr<const PasswordDatabase> makeDatabase() {
    UserEntry user;
    user.name = std::string(kUser);
    user.hash.salt = hash(Digest::Sha512, "fuzz plain salt");
    user.hash.iterations = kIterations;
    user.hash.hashes.push_back(pbkdf2(Digest::Sha512, kPassword, user.hash.salt, kIterations));
    user.sha512 = secretsFor(Digest::Sha512);
    user.sha256 = secretsFor(Digest::Sha256);
    user.sha1 = secretsFor(Digest::Sha1);
    auto database = std::make_shared<PasswordDatabase>();
    database->upsert(std::move(user));
    return database;
}

const std::shared_ptr<const PasswordDatabase>& database() {
    static const std::shared_ptr<const PasswordDatabase> kDatabase = makeDatabase();
    return kDatabase;
}

/// What every outcome must look like.
void checkOutcome(const SaslOutcome& outcome) {
    switch (outcome.kind) {
    case Kind::Ok:
    case Kind::Continue: return;
    case Kind::AuthFailed:
        check(outcome.client_reason == "Authentication failed" ||
              outcome.client_reason == "Password expired");
        break;
    case Kind::BadParam: break;
    }
    check(!outcome.reason.empty());
    check(outcome.payload.empty());
}

void fuzzPlain(std::string_view first, std::string_view second) {
    PlainServer server(database());
    const SaslOutcome outcome = server.start(first);
    checkOutcome(outcome);
    check(outcome.kind != Kind::Continue);
    if (outcome.kind == Kind::Ok) {
        check(server.username() == kUser);
    }
    check(server.step(second).kind == Kind::BadParam);
}

void fuzzScramServer(Digest digest, std::string_view first, std::string_view second) {
    ScramServer server(digest, database(), std::string(kProcessSecret), std::string(kServerNonce));
    const SaslOutcome server_first = server.start(first);
    checkOutcome(server_first);
    check(server_first.kind == Kind::Continue || server_first.kind == Kind::BadParam);
    if (server_first.kind == Kind::Continue) {
        check(server_first.payload.starts_with("r="));
        check(!server.username().empty());
    }
    const SaslOutcome server_final = server.step(second);
    checkOutcome(server_final);
    check(server_final.kind != Kind::Continue);
    if (server_final.kind == Kind::Ok) {
        check(server_final.payload.starts_with("v="));
        check(server.username() == kUser);
    }
    check(server.step(second).kind == Kind::BadParam);
    check(server.start(first).kind == Kind::BadParam);
}

/// The iteration count a server-first asks for, capped at kMaxClientIterations + 1 (0 if none
/// can be read).
unsigned long requestedIterations(std::string_view server_first) {
    const size_t at = server_first.find(",i=");
    if (at == std::string_view::npos) {
        return 0;
    }
    unsigned long count = 0;
    for (size_t i = at + 3; i < server_first.size(); ++i) {
        const char c = server_first[i];
        if (c < '0' || c > '9') {
            break;
        }
        count =
            std::min(count * 10 + static_cast<unsigned long>(c - '0'), kMaxClientIterations + 1);
    }
    return count;
}

void fuzzScramClient(Digest digest, std::string_view first, std::string_view second) {
    if (requestedIterations(first) > kMaxClientIterations) {
        return;
    }
    ScramClient client(digest, std::string(kUser), std::string(kPassword),
                       std::string(kClientNonce));
    const auto client_final = client.clientFinal(first);
    if (client_final) {
        check(client_final->starts_with("c=biws,r=" + std::string(kClientNonce)));
    }
    const bool verified = client.verifyServerFinal(second);
    check(client_final.has_value() || !verified);
}

void fuzzFormats(std::string_view text) {
    if (const auto decoded = base64Decode(text)) {
        check(base64Encode(*decoded) == text);
    }
    check(base64Decode(base64Encode(text)) == std::string(text));

    try {
        const std::string json = PasswordDatabase::parse(text, "fuzz").toJson();
        check(PasswordDatabase::parse(json, "fuzz").toJson() == json);
    } catch (const PasswordDatabaseError&) {
        // Refusing is fine; anything else escaping is not.
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) {
        return 0;
    }
    const unsigned selector = data[0] % 8;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    const size_t newline = input.find('\n');
    const std::string_view first = input.substr(0, newline);
    const std::string_view second =
        newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

    if (selector == 0) {
        fuzzPlain(first, second);
    } else if (selector <= 3) {
        fuzzScramServer(kDigests[selector - 1], first, second);
    } else if (selector <= 6) {
        fuzzScramClient(kDigests[selector - 4], first, second);
    } else {
        fuzzFormats(input);
    }
    return 0;
}
