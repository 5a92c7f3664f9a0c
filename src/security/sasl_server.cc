// eddy — the server side of SASL: SCRAM-SHA512/256/1 and PLAIN state machines.
#include "security/sasl_server.h"

#include "common/clock.h"
#include "security/sasl_client.h"
#include "security/scram_text.h"

#include <array>
#include <utility>

namespace eddy::security {

namespace {

using scram::exclusiveOr;
using scram::takeAttribute;

using Kind = SaslOutcome::Kind;

constexpr size_t kNonceBytes = 24;
constexpr std::string_view kAuthFailed = "Authentication failed";
constexpr std::string_view kPasswordExpired = "Password expired";
constexpr std::array<Digest, 3> kScramDigests{Digest::Sha512, Digest::Sha256, Digest::Sha1};

SaslOutcome badParam(std::string reason) {
    SaslOutcome outcome{Kind::BadParam, {}, std::move(reason), {}};
    outcome.client_reason = outcome.reason;
    return outcome;
}

SaslOutcome authFailed(std::string reason, std::string_view client_reason = kAuthFailed) {
    return {Kind::AuthFailed, {}, std::move(reason), std::string(client_reason)};
}

bool isExpired(const UserEntry& user) {
    return user.expiry && *user.expiry < static_cast<int64_t>(clock::unixNow());
}

// --- SCRAM message parsing -------------------------------------------------------------------

/// Undoes "=2C" and "=3D"; nullopt for any other '=', a NUL or an empty name.
std::optional<std::string> unescapeUsername(std::string_view text) {
    std::string name;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\0') {
            return std::nullopt;
        }
        if (text[i] != '=') {
            name += text[i];
            continue;
        }
        const std::string_view escape = text.substr(i, 3);
        if (escape != "=2C" && escape != "=3D") {
            return std::nullopt;
        }
        name += escape == "=2C" ? ',' : '=';
        i += 2;
    }
    if (name.empty()) {
        return std::nullopt;
    }
    return name;
}

/// RFC 5802 `printable` (0x21-0x7e except ','), and the space: the Couchbase C++ SDK (inside
/// the Node.js SDK 4.x) sends nonces such as "0xffffffbc 0x1d ...", which kv_engine accepts.
bool isValidNonce(std::string_view nonce) {
    if (nonce.empty()) {
        return false;
    }
    for (char c : nonce) {
        if (c < 0x20 || c > 0x7e || c == ',') {
            return false;
        }
    }
    return true;
}

struct ClientFirst {
    std::string error;  ///< non-empty: why the message is refused
    std::string username;
    std::string_view nonce;
    std::string_view bare;
};

/// The gs2 header "n,[a=<user>],": the authzid, if present, must name the user itself.
std::string checkGs2Header(std::string_view message, size_t bare_start, std::string_view username) {
    const std::string_view authzid = message.substr(2, bare_start - 3);
    if (authzid.empty()) {
        return {};
    }
    if (!authzid.starts_with("a=")) {
        return "malformed authzid in the gs2 header";
    }
    const auto name = unescapeUsername(authzid.substr(2));
    if (!name || *name != username) {
        return "the authzid must be the user itself";
    }
    return {};
}

ClientFirst parseClientFirst(std::string_view message) {
    ClientFirst result;
    if (message.starts_with("p=") || message.starts_with("y,")) {
        result.error = "channel binding is not supported";
        return result;
    }
    const size_t authzid_end = message.starts_with("n,") ? message.find(',', 2) : message.npos;
    if (authzid_end == message.npos) {
        result.error = "malformed gs2 header";
        return result;
    }
    result.bare = message.substr(authzid_end + 1);
    std::string_view rest = result.bare;
    const auto username = takeAttribute(rest, 'n');
    const auto nonce = username ? takeAttribute(rest, 'r') : std::nullopt;
    if (!nonce || !rest.empty()) {
        result.error = "client-first must hold exactly n and r";
        return result;
    }
    auto name = unescapeUsername(*username);
    if (!name) {
        result.error = "malformed user name";
        return result;
    }
    if (!isValidNonce(*nonce)) {
        result.error = "malformed nonce";
        return result;
    }
    result.username = std::move(*name);
    result.nonce = *nonce;
    result.error = checkGs2Header(message, authzid_end + 1, result.username);
    return result;
}

struct ClientFinal {
    std::string error;  ///< non-empty: why the message is refused
    std::string_view without_proof;
    std::string_view nonce;
    std::string proof;
};

ClientFinal parseClientFinal(std::string_view message, size_t proof_size) {
    ClientFinal result;
    const size_t proof_start = message.rfind(",p=");
    if (proof_start == message.npos) {
        result.error = "client-final has no proof";
        return result;
    }
    result.without_proof = message.substr(0, proof_start);
    std::string_view rest = result.without_proof;
    const auto channel_binding = takeAttribute(rest, 'c');
    const auto nonce = channel_binding ? takeAttribute(rest, 'r') : std::nullopt;
    if (!nonce || !rest.empty()) {
        result.error = "client-final must hold exactly c, r and p";
        return result;
    }
    if (!base64Decode(*channel_binding)) {
        result.error = "channel binding is not base64";
        return result;
    }
    auto proof = base64Decode(message.substr(proof_start + 3));
    if (!proof || proof->size() != proof_size) {
        result.error = "malformed proof";
        return result;
    }
    result.nonce = *nonce;
    result.proof = std::move(*proof);
    return result;
}

/// The stored key pair the proof matches, or null. ClientKey = proof XOR HMAC(StoredKey, A),
/// accepted when H(ClientKey) == StoredKey.
const ScramSecrets::Keys* matchProof(Digest digest, const ScramSecrets& secrets,
                                     std::string_view proof, std::string_view auth_message) {
    for (const ScramSecrets::Keys& keys : secrets.keys) {
        const std::string client_key =
            exclusiveOr(std::string(proof), hmac(digest, keys.stored_key, auth_message));
        if (constantTimeEqual(hash(digest, client_key), keys.stored_key)) {
            return &keys;
        }
    }
    return nullptr;
}

/// Why a proof did not match, for the log: the client is told the same in every case.
std::string proofFailureReason(bool user_exists, const PasswordDatabase* database,
                               std::string_view username, std::string_view mechanism) {
    if (user_exists) {
        return "wrong password";
    }
    if (database != nullptr && database->find(username) != nullptr) {
        return "no " + std::string(mechanism) + " secrets for the user";
    }
    return "unknown user";
}

}  // namespace

// --- ScramServer -----------------------------------------------------------------------------

ScramServer::ScramServer(Digest digest, std::shared_ptr<const PasswordDatabase> database,
                         std::string process_secret, std::string server_nonce)
    : digest_(digest),
      database_(std::move(database)),
      process_secret_(std::move(process_secret)),
      server_nonce_(server_nonce.empty() ? base64Encode(randomBytes(kNonceBytes))
                                         : std::move(server_nonce)) {}

std::string_view ScramServer::name() const {
    return scramMechanismName(digest_);
}

SaslOutcome ScramServer::start(std::string_view payload) {
    if (state_ != State::Initial) {
        state_ = State::Done;
        return badParam("SCRAM exchange already started");
    }
    state_ = State::Done;
    if (payload.size() > kMaxSaslPayload) {
        return badParam("client-first is too long");
    }
    ClientFirst message = parseClientFirst(payload);
    if (!message.error.empty()) {
        return badParam(std::move(message.error));
    }
    username_ = std::move(message.username);
    const UserEntry* entry = database_ ? database_->find(username_) : nullptr;
    user_exists_ = entry != nullptr && entry->scram(digest_) != nullptr;
    user_ = user_exists_ ? *entry : dummyUser(username_, process_secret_);
    const ScramSecrets& secrets = *user_.scram(digest_);

    client_first_bare_ = std::string(message.bare);
    combined_nonce_ = std::string(message.nonce) + server_nonce_;
    server_first_ = "r=" + combined_nonce_ + ",s=" + base64Encode(secrets.salt) +
                    ",i=" + std::to_string(secrets.iterations);
    state_ = State::WaitingForFinal;
    return {Kind::Continue, server_first_, {}, {}};
}

SaslOutcome ScramServer::step(std::string_view payload) {
    if (state_ != State::WaitingForFinal) {
        const bool started = state_ == State::Done;
        state_ = State::Done;
        return badParam(started ? "SCRAM exchange already finished"
                                : "SCRAM step before the exchange started");
    }
    state_ = State::Done;
    if (payload.size() > kMaxSaslPayload) {
        return badParam("client-final is too long");
    }
    ClientFinal message = parseClientFinal(payload, digestSize(digest_));
    if (!message.error.empty()) {
        return badParam(std::move(message.error));
    }
    if (message.nonce != combined_nonce_) {
        return badParam("client-final nonce does not match");
    }
    const std::string auth_message =
        client_first_bare_ + "," + server_first_ + "," + std::string(message.without_proof);
    const ScramSecrets::Keys* keys =
        matchProof(digest_, *user_.scram(digest_), message.proof, auth_message);
    if (keys == nullptr) {
        return authFailed(proofFailureReason(user_exists_, database_.get(), username_, name()));
    }
    if (isExpired(user_)) {
        return authFailed("password expired", kPasswordExpired);
    }
    return {Kind::Ok, "v=" + base64Encode(hmac(digest_, keys->server_key, auth_message)), {}, {}};
}

// --- PlainServer -----------------------------------------------------------------------------

namespace {

struct PlainMessage {
    std::string error;  ///< non-empty: why the message is refused
    std::string_view authzid;
    std::string_view username;
    std::string_view password;
};

/// "[authzid] NUL user NUL password [NUL]".
PlainMessage parsePlain(std::string_view payload) {
    PlainMessage result;
    const size_t first = payload.find('\0');
    const size_t second = first == payload.npos ? payload.npos : payload.find('\0', first + 1);
    if (second == payload.npos) {
        result.error = "PLAIN payload must be [authzid]\\0user\\0password";
        return result;
    }
    result.authzid = payload.substr(0, first);
    result.username = payload.substr(first + 1, second - first - 1);
    result.password = payload.substr(second + 1);
    if (result.password.ends_with('\0')) {
        result.password.remove_suffix(1);
    }
    if (result.password.find('\0') != std::string_view::npos) {
        result.error = "PLAIN payload has too many fields";
    } else if (result.username.empty()) {
        result.error = "PLAIN payload has an empty user name";
    } else if (!result.authzid.empty() && result.authzid != result.username) {
        result.error = "the authzid must be the user itself";
    }
    return result;
}

}  // namespace

PlainServer::PlainServer(std::shared_ptr<const PasswordDatabase> database)
    : database_(std::move(database)) {}

SaslOutcome PlainServer::start(std::string_view payload) {
    if (done_) {
        return badParam("PLAIN exchange already finished");
    }
    done_ = true;
    if (payload.size() > kMaxSaslPayload) {
        return badParam("PLAIN payload is too long");
    }
    PlainMessage message = parsePlain(payload);
    if (!message.error.empty()) {
        return badParam(std::move(message.error));
    }
    username_ = std::string(message.username);
    const UserEntry* user = database_ ? database_->find(username_) : nullptr;
    if (user == nullptr) {
        // The same PBKDF2 work as for a real user, so the answer takes as long.
        (void)verifyPassword(dummyUser(username_, {}), message.password);
        return authFailed("unknown user");
    }
    if (!verifyPassword(*user, message.password)) {
        return authFailed("wrong password");
    }
    if (isExpired(*user)) {
        return authFailed("password expired", kPasswordExpired);
    }
    return {Kind::Ok, {}, {}, {}};
}

SaslOutcome PlainServer::step(std::string_view /*payload*/) {
    done_ = true;
    return badParam("PLAIN has no step");
}

// --- factory ---------------------------------------------------------------------------------

std::unique_ptr<ServerMechanism> makeServerMechanism(
    std::string_view name, std::shared_ptr<const PasswordDatabase> database,
    std::string process_secret) {
    if (name == "PLAIN") {
        return std::make_unique<PlainServer>(std::move(database));
    }
    for (Digest digest : kScramDigests) {
        if (name == scramMechanismName(digest)) {
            return std::make_unique<ScramServer>(digest, std::move(database),
                                                 std::move(process_secret));
        }
    }
    return nullptr;
}

std::string_view allMechanisms() {
    return "SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1 PLAIN";
}

}  // namespace eddy::security
