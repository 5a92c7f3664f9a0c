// eddy — the server side of SASL: SCRAM-SHA512/256/1 (RFC 5802, RFC 7677) and PLAIN (RFC 4616).
//
// Owns: SaslOutcome (what one step produced), ServerMechanism (one authentication exchange in
// progress), ScramServer and PlainServer, and makeServerMechanism() (a mechanism by its MCBP
// name). These are pure protocol state machines over a password-database snapshot: no socket,
// no connection, no logging; the daemon decides what to answer and what to log.
//
// SCRAM exchange (the only form accepted):
//   client-first   "n,[authzid],n=<user>,r=<client nonce>"      → Continue, server-first
//   server-first   "r=<client nonce><server nonce>,s=<b64 salt>,i=<iterations>"
//   client-final   "c=<b64 cbind>,r=<combined nonce>,p=<b64 proof>" → Ok, "v=<b64 signature>"
// The gs2 header must be "n" (no channel binding: "p=..." and "y" are refused), the bare part
// holds exactly n and r, each once; the user name's "=2C"/"=3D" escapes are undone and any other
// '=' is refused. client-final must carry c, r and p, r must equal the combined nonce, the proof
// must be |H| bytes. Any violation is BadParam. A wrong proof, an unknown user (who got a
// realistic exchange from dummyUser()) and an expired password are all AuthFailed, alike.
// An exchange goes start → step → done; a second start or a step after done is BadParam.
//
// PLAIN: "[authzid] NUL user NUL password" in one start(); Ok with an empty payload, or
// AuthFailed. A non-empty authzid different from the user is refused (BadParam): nobody may
// act as someone else.
//
// Thread contract: a ServerMechanism is used by one thread at a time (the exchange may move
// between threads with the command that carries it, handed over through a happens-before edge).
// The database snapshot it holds is immutable.
#pragma once

#include "security/crypto.h"
#include "security/password_database.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace eddy::security {

/// Payloads longer than this are BadParam (a client-first of 4 KiB is already absurd).
inline constexpr size_t kMaxSaslPayload = 4096;

struct SaslOutcome {
    enum class Kind {
        Ok,          ///< authenticated; payload is the last server message (may be empty)
        Continue,    ///< payload is the challenge; the client must send a step
        AuthFailed,  ///< wrong password, unknown user, expired password
        BadParam,    ///< malformed message or a step out of order
    };
    Kind kind = Kind::BadParam;
    std::string payload;
    /// Why it failed, for the server's log and the client's error context. Never contains a
    /// password or key material; says "unknown user" only in the log reason, never to the
    /// client (see `client_reason`).
    std::string reason;
    /// What the client is told on failure (the same text for an unknown user and a wrong
    /// password).
    std::string client_reason;
};

class ServerMechanism {
public:
    virtual ~ServerMechanism() = default;
    /// The SASL_AUTH payload.
    virtual SaslOutcome start(std::string_view payload) = 0;
    /// A SASL_STEP payload.
    virtual SaslOutcome step(std::string_view payload) = 0;
    /// The user the client claims to be, once start() has parsed it (empty before).
    [[nodiscard]] virtual const std::string& username() const = 0;
    [[nodiscard]] virtual std::string_view name() const = 0;
    /// Whether a step costs a password hash (milliseconds of CPU: run it off the front end)
    /// rather than a few HMACs (microseconds).
    [[nodiscard]] virtual bool slow() const = 0;
};

class ScramServer final : public ServerMechanism {
public:
    /// `server_nonce` empty: 24 random bytes, base64 (tests pass the RFC 7677 vector's nonce).
    ScramServer(Digest digest, std::shared_ptr<const PasswordDatabase> database,
                std::string process_secret, std::string server_nonce = {});
    SaslOutcome start(std::string_view payload) override;
    SaslOutcome step(std::string_view payload) override;
    [[nodiscard]] const std::string& username() const override { return username_; }
    [[nodiscard]] std::string_view name() const override;
    /// Stored keys: the server never runs PBKDF2.
    [[nodiscard]] bool slow() const override { return false; }

private:
    enum class State {
        Initial,
        WaitingForFinal,
        Done
    };
    Digest digest_;
    std::shared_ptr<const PasswordDatabase> database_;
    std::string process_secret_;
    std::string server_nonce_;
    State state_ = State::Initial;
    std::string username_;
    bool user_exists_ = false;
    /// A copy of the user's entry (or the dummy) taken at start(), so a reload in between
    /// cannot change the exchange.
    UserEntry user_;
    std::string client_first_bare_;
    std::string server_first_;
    std::string combined_nonce_;
};

class PlainServer final : public ServerMechanism {
public:
    explicit PlainServer(std::shared_ptr<const PasswordDatabase> database);
    SaslOutcome start(std::string_view payload) override;
    SaslOutcome step(std::string_view payload) override;
    [[nodiscard]] const std::string& username() const override { return username_; }
    [[nodiscard]] std::string_view name() const override { return "PLAIN"; }
    /// One PBKDF2 of the password per login.
    [[nodiscard]] bool slow() const override { return true; }

private:
    std::shared_ptr<const PasswordDatabase> database_;
    std::string username_;
    bool done_ = false;
};

/// "SCRAM-SHA512", "SCRAM-SHA256", "SCRAM-SHA1" or "PLAIN"; null for any other name.
[[nodiscard]] std::unique_ptr<ServerMechanism> makeServerMechanism(
    std::string_view name, std::shared_ptr<const PasswordDatabase> database,
    std::string process_secret);

/// Every mechanism name makeServerMechanism() knows, strongest first.
[[nodiscard]] std::string_view allMechanisms();  // "SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1 PLAIN"

}  // namespace eddy::security
