// eddy — the access-control commands: SASL_LIST_MECHS, SELECT_BUCKET, LIST_BUCKETS,
// ISASL_REFRESH, RBAC_REFRESH and SSL_CERTS_REFRESH (SASL_AUTH/STEP are in sasl_context.h).
//
// Semantics.
//   - SASL_LIST_MECHS: the mechanisms offered on this connection, space-separated.
//   - SELECT_BUCKET (key: the bucket): refused with EACCESS unless authenticated; NotSupported
//     on a DCP connection; "@no bucket@" leaves the bucket; a bucket the user has no RBAC entry
//     for (exact name or "*") is EACCESS, a bucket that does not exist KEY_ENOENT (the
//     connection stays where it was).
//   - LIST_BUCKETS: the buckets the user may select, space-separated (for an unauthenticated
//     connection with unauthenticated access: its own bucket).
//   - ISASL_REFRESH / RBAC_REFRESH: re-read the password / RBAC file on the executor; a file
//     that fails to load leaves the old database in force and answers EINTERNAL naming the
//     file and the field. An RBAC refresh makes every connection recompute its privileges
//     before its next command.
//   - SSL_CERTS_REFRESH: re-reads the TLS certificate chain and key on the executor; new TLS
//     connections get the new certificate, open ones keep theirs. Files that fail to load
//     leave the old certificate in use and answer EINTERNAL with the reason; without TLS
//     configured it is NOT_SUPPORTED.
//
// Thread contract: front-end thread of the cookie.
#pragma once

#include "daemon/command_context.h"

#include <memory>
#include <optional>
#include <string>

namespace eddy::daemon {

Status saslListMechs(Cookie& cookie);
Status selectBucket(Cookie& cookie);
Status listBuckets(Cookie& cookie);

/// ISASL_REFRESH, RBAC_REFRESH and SSL_CERTS_REFRESH.
class AccessRefreshContext final : public SteppableCommandContext {
public:
    using SteppableCommandContext::SteppableCommandContext;

protected:
    Status step() override;

private:
    /// The reload's error, filled on the executor; nullopt = success.
    struct Result {
        std::optional<std::string> error;
    };
    std::shared_ptr<Result> result_;
};

}  // namespace eddy::daemon
