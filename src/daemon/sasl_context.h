// eddy — SASL_AUTH and SASL_STEP: one step of an authentication exchange.
//
// Owns: SaslContext, and offeredMechanisms() (what SASL_LIST_MECHS answers and SASL_AUTH
// accepts on a connection).
//
// Semantics. SASL_AUTH (key: the mechanism, value: the client's first message) starts an
// exchange; SASL_STEP continues the one in progress. A step whose mechanism says it is slow
// (PLAIN: one PBKDF2 of the password, milliseconds) runs on the executor (background_job.h),
// never on the front end: the exchange object moves from the Session into a shared Exchange
// the task fills, and back when the step continues. A SCRAM step runs inline: the password
// database holds SCRAM's derived keys, so the server only computes a few HMACs and hashes
// (about 4 µs, benchmarks/security_bench.cc), less than waiting for an executor thread that
// slow STAT groups may be holding. Outcomes:
//   - Continue: AUTH_CONTINUE (0x21) with the challenge; the exchange stays in the Session;
//   - Ok: the user must also have an RBAC entry (otherwise it is a failure like a wrong
//     password); the Session becomes that user, with no bucket selected (with bucket_autoselect,
//     the bucket named like the user if it may use it); Success with the server's final
//     message; audited;
//   - AuthFailed: AUTH_ERROR (0x20), the same context for every cause; logged with the real
//     cause and audited; after max_auth_failures failures the connection is closed;
//   - BadParam: EINVAL with the reason, counted as a failure as well.
// SASL_AUTH while an exchange is in progress, a SASL_STEP without one or naming another
// mechanism, and a mechanism not offered on this connection are refused before any work.
//
// Thread contract: front-end thread of the cookie (a CommandContext).
#pragma once

#include "daemon/command_context.h"
#include "security/sasl_server.h"

#include <memory>
#include <string>

namespace eddy::daemon {

class Connection;

/// "SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1", plus " PLAIN" where it may be used.
[[nodiscard]] std::string offeredMechanisms(const Connection& connection);

class SaslContext final : public SteppableCommandContext {
public:
    using SteppableCommandContext::SteppableCommandContext;

protected:
    Status step() override;

private:
    /// What the background step works on; shared with its task, read here after the
    /// notification.
    struct Exchange {
        std::unique_ptr<security::ServerMechanism> mechanism;
        std::string payload;
        bool continuing = false;
        security::SaslOutcome outcome;
    };

    Status begin();
    Status finish();
    /// Answers a failed step (see the file comment).
    Status fail(const security::ServerMechanism& mechanism, const security::SaslOutcome& outcome);

    std::shared_ptr<Exchange> exchange_;
};

}  // namespace eddy::daemon
