// eddy — SASL_AUTH / SASL_STEP (sasl_context.h).
#include "daemon/sasl_context.h"

#include "daemon/background_job.h"
#include "daemon/connection.h"
#include "daemon/cookie.h"
#include "daemon/server.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace eddy::daemon {

namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;
using security::SaslOutcome;

bool isOffered(const Connection& connection, std::string_view mechanism) {
    const std::string offered = offeredMechanisms(connection);
    std::string_view rest = offered;
    while (!rest.empty()) {
        const auto space = rest.find(' ');
        if (rest.substr(0, space) == mechanism) {
            return true;
        }
        rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    }
    return false;
}

}  // namespace

std::string offeredMechanisms(const Connection& connection) {
    std::string list = "SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1";
    if (connection.isTls() || connection.server().settings().sasl_plain_without_tls) {
        list += " PLAIN";
    }
    return list;
}

Status SaslContext::step() {
    return exchange_ ? finish() : begin();
}

Status SaslContext::begin() {
    Cookie& cmd = cookie();
    Connection& connection = cmd.connection();
    Session& session = connection.session();
    const auto& request = cmd.request();
    const std::string mechanism(request.key);
    auto exchange = std::make_shared<Exchange>();
    exchange->payload = std::string(request.value);
    if (cmd.opcode() == ClientOpcode::SaslAuth) {
        if (session.sasl) {
            session.sasl.reset();
            cmd.setErrorContext("An authentication exchange is in progress: expected SASL_STEP");
            return Status::InvalidArguments;
        }
        if (!isOffered(connection, mechanism)) {
            cmd.setErrorContext(fmt::format("Unsupported mechanism. Must be one of: {}",
                                            offeredMechanisms(connection)));
            connection.sendError(cmd, ResponseStatus::AuthError);
            return Status::Success;
        }
        Server& server = connection.server();
        exchange->mechanism = security::makeServerMechanism(mechanism, server.access().passwords(),
                                                            server.access().processSecret());
    } else {
        if (!session.sasl || session.sasl->name() != mechanism) {
            session.sasl.reset();
            cmd.setErrorContext("SASL_STEP without an exchange of this mechanism in progress");
            return Status::InvalidArguments;
        }
        exchange->mechanism = std::move(session.sasl);
        exchange->continuing = true;
    }
    exchange_ = exchange;
    const auto work = [exchange] {
        auto& mech = *exchange->mechanism;
        exchange->outcome =
            exchange->continuing ? mech.step(exchange->payload) : mech.start(exchange->payload);
    };
    if (!exchange->mechanism->slow()) {
        work();
        return finish();
    }
    runInBackground(connection.server(), cmd, executor::TaskId::SaslAuthTask,
                    fmt::format("SASL {} step of connection {}", mechanism, connection.id()), work);
    return Status::WouldBlock;
}

Status SaslContext::finish() {
    Cookie& cmd = cookie();
    Connection& connection = cmd.connection();
    Session& session = connection.session();
    Server& server = connection.server();
    const SaslOutcome outcome = std::move(exchange_->outcome);
    auto mechanism = std::move(exchange_->mechanism);
    exchange_.reset();
    switch (outcome.kind) {
    case SaslOutcome::Kind::Continue:
        session.sasl = std::move(mechanism);
        cmd.sendResponse(ResponseStatus::AuthContinue, {.value = outcome.payload});
        return Status::Success;
    case SaslOutcome::Kind::Ok: break;
    case SaslOutcome::Kind::AuthFailed:
    case SaslOutcome::Kind::BadParam: return fail(*mechanism, outcome);
    }
    const std::string user = mechanism->username();
    if (server.access().rbac()->find(user) == nullptr) {
        return fail(*mechanism,
                    {SaslOutcome::Kind::AuthFailed, {}, "no RBAC entry", "Authentication failed"});
    }
    session.setAuthenticated(user);
    session.auth_failures = 0;
    if (server.settings().bucket_autoselect) {
        auto bucket = server.buckets().find(user);
        if (bucket && server.access().rbac()->bucketPrivileges(user, user)) {
            session.selectBucket(std::move(bucket));
        }
    }
    server.audit().record("authentication_succeeded", user, connection.peer(),
                          {{"mechanism", std::string(mechanism->name())}});
    spdlog::debug("connection {} ({}): authenticated as '{}' with {}", connection.id(),
                  connection.peer(), user, mechanism->name());
    cmd.sendResponse(ResponseStatus::Success, {.value = outcome.payload});
    return Status::Success;
}

Status SaslContext::fail(const security::ServerMechanism& mechanism, const SaslOutcome& outcome) {
    Cookie& cmd = cookie();
    Connection& connection = cmd.connection();
    Session& session = connection.session();
    Server& server = connection.server();
    ++session.auth_failures;
    const size_t limit = server.settings().max_auth_failures;
    const bool closing = session.auth_failures >= limit;
    // The user is the one the client claimed (empty if its message could not be parsed).
    spdlog::warn("connection {} ({}): authentication of '{}' with {} failed: {}{}", connection.id(),
                 connection.peer(), mechanism.username(), mechanism.name(), outcome.reason,
                 closing ? fmt::format("; closing after {} failures", session.auth_failures)
                         : std::string());
    server.audit().record(
        "authentication_failed", mechanism.username(), connection.peer(),
        {{"mechanism", std::string(mechanism.name())}, {"reason", outcome.reason}});
    cmd.setErrorContext(outcome.client_reason.empty() ? outcome.reason : outcome.client_reason);
    connection.sendError(cmd, outcome.kind == SaslOutcome::Kind::BadParam
                                  ? ResponseStatus::Einval
                                  : ResponseStatus::AuthError);
    if (closing) {
        connection.closeAfterFlush();
    }
    return Status::Success;
}

}  // namespace eddy::daemon
