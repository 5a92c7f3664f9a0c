// eddy — the access-control commands (access_contexts.h).
#include "daemon/access_contexts.h"

#include "daemon/background_job.h"
#include "daemon/connection.h"
#include "daemon/cookie.h"
#include "daemon/sasl_context.h"
#include "daemon/server.h"
#include "security/tls.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace eddy::daemon {

namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;

constexpr std::string_view kNoBucket = "@no bucket@";

}  // namespace

Status saslListMechs(Cookie& cookie) {
    cookie.sendResponse(ResponseStatus::Success, {.value = offeredMechanisms(cookie.connection())});
    return Status::Success;
}

Status selectBucket(Cookie& cookie) {
    Connection& connection = cookie.connection();
    Session& session = connection.session();
    if (!session.authenticated()) {
        cookie.setErrorContext("Not authenticated");
        return Status::NoAccess;
    }
    if (connection.isDcpProducer()) {
        cookie.setErrorContext("A DCP connection cannot change its bucket");
        return Status::NotSupported;
    }
    const std::string name(cookie.request().key);
    if (name == kNoBucket) {
        session.selectNoBucket();
        cookie.sendResponse(ResponseStatus::Success);
        return Status::Success;
    }
    Server& server = connection.server();
    if (!server.access().rbac()->bucketPrivileges(session.user(), name)) {
        server.audit().record("privilege_denied", session.user(), connection.peer(),
                              {{"opcode", "select_bucket"}, {"bucket", name}});
        cookie.setErrorContext(fmt::format("No access to bucket '{}'", name));
        return Status::NoAccess;
    }
    auto bucket = server.buckets().find(name);
    if (!bucket) {
        cookie.setErrorContext(fmt::format("No bucket '{}'", name));
        return Status::KeyNotFound;
    }
    session.selectBucket(std::move(bucket));
    cookie.sendResponse(ResponseStatus::Success);
    return Status::Success;
}

Status listBuckets(Cookie& cookie) {
    Connection& connection = cookie.connection();
    Session& session = connection.session();
    Server& server = connection.server();
    std::string names;
    const auto add = [&names](const std::string& name) {
        names += names.empty() ? name : " " + name;
    };
    if (!session.authenticated()) {
        // Unauthenticated access: the one bucket it is placed in.
        if (session.bucket() != nullptr) {
            add(session.bucketName());
        }
    } else {
        const auto rbac = server.access().rbac();
        for (const std::string& name : server.buckets().names()) {
            if (rbac->bucketPrivileges(session.user(), name)) {
                add(name);
            }
        }
    }
    cookie.sendResponse(ResponseStatus::Success, {.value = names});
    return Status::Success;
}

Status AccessRefreshContext::step() {
    Cookie& cmd = cookie();
    Connection& connection = cmd.connection();
    Server& server = connection.server();
    const ClientOpcode opcode = cmd.opcode();
    security::TlsServerContext* tls = server.tls();
    if (opcode == ClientOpcode::SslCertsRefresh && tls == nullptr) {
        cmd.setErrorContext("TLS is not configured (tls_certificate_chain, tls_private_key)");
        return Status::NotSupported;
    }
    if (!result_) {
        result_ = std::make_shared<Result>();
        security::AccessControl& access = server.access();
        runInBackground(
            server, cmd, executor::TaskId::AccessRefreshTask,
            std::string(mcbp::opcodeName(static_cast<uint8_t>(opcode)).value_or("refresh")),
            [result = result_, &access, tls, opcode] {
                switch (opcode) {
                case ClientOpcode::RbacRefresh: result->error = access.reloadRbac(); break;
                case ClientOpcode::SslCertsRefresh: result->error = tls->reload(); break;
                default: result->error = access.reloadPasswords(); break;
                }
            });
        return Status::WouldBlock;
    }
    const auto error = std::move(result_->error);
    result_.reset();
    const char* what = opcode == ClientOpcode::RbacRefresh       ? "roles"
                       : opcode == ClientOpcode::SslCertsRefresh ? "TLS certificate"
                                                                 : "users";
    if (error) {
        spdlog::error("{} not reloaded, the previous one stays in force: {}", what, *error);
        cmd.setErrorContext(*error);
        return Status::Failed;
    }
    const char* event = "users_reloaded";
    if (opcode == ClientOpcode::RbacRefresh) {
        spdlog::info("roles reloaded from {}", server.access().files().rbac);
        event = "roles_reloaded";
    } else if (opcode == ClientOpcode::SslCertsRefresh) {
        spdlog::info("TLS certificate reloaded: {}", tls->describe());
        event = "tls_certificate_reloaded";
    } else {
        spdlog::info("users reloaded from {}", server.access().files().passwords);
    }
    server.audit().record(event, connection.session().user(), connection.peer(), {});
    cmd.sendResponse(ResponseStatus::Success);
    return Status::Success;
}

}  // namespace eddy::daemon
