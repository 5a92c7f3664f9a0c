// eddy — who a connection is: its identity, its bucket, what it may do, its SASL exchange.
//
// Owns: Session, one per Connection, and AccessVerdict.
//
// Semantics. A session starts unauthenticated. If unauthenticated access is enabled
// (access_setup.h) it starts in that bucket with those privileges, as an anonymous identity;
// otherwise only commands whose Access is Anyone are allowed until a SASL exchange succeeds.
// A successful exchange sets the user, drops the bucket selection (the connection is then in no
// bucket, where every bucket privilege is granted so that key commands answer NO_BUCKET) and
// the cached privileges. The privilege set is computed from the RBAC database for (user,
// bucket) and recomputed lazily when the database generation has moved (RBAC_REFRESH, a user
// change), so a refresh takes effect on each connection's next command.
//
// Thread contract: owned by its Connection; used on that connection's front-end thread only.
#pragma once

#include "daemon/bucket_manager.h"
#include "daemon/cluster_config.h"
#include "eddy/engine_iface.h"
#include "eddy/privilege.h"
#include "security/sasl_server.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace eddy::daemon {

class Server;

struct AccessVerdict {
    enum class Kind {
        Allowed,
        NotAuthenticated,
        MissingPrivilege
    };
    Kind kind = Kind::Allowed;
    Privilege missing = Privilege::Read;

    [[nodiscard]] bool allowed() const { return kind == Kind::Allowed; }
};

class Session {
public:
    explicit Session(Server& server);

    /// True after a successful SASL exchange (not for unauthenticated access).
    [[nodiscard]] bool authenticated() const { return authenticated_; }
    /// True once the connection may run more than the handshake: authenticated, or placed by
    /// unauthenticated access.
    [[nodiscard]] bool hasIdentity() const { return authenticated_ || anonymous_; }
    /// The authenticated user; empty before.
    [[nodiscard]] const std::string& user() const { return user_; }
    /// The selected bucket's name; empty when none is selected.
    [[nodiscard]] const std::string& bucketName() const;
    /// The selected bucket, or null.
    [[nodiscard]] const Bucket* bucket() const { return bucket_.get(); }
    /// The selected bucket's engine, or the no-bucket engine.
    [[nodiscard]] EngineIface& engine() const { return *engine_; }

    /// Whether `access` is granted now.
    [[nodiscard]] AccessVerdict check(Access access);

    /// A SASL exchange succeeded for `user`: see the file comment.
    void setAuthenticated(std::string user);
    /// SELECT_BUCKET (or unauthenticated access): holds `bucket` until another is selected.
    void selectBucket(std::shared_ptr<Bucket> bucket);
    /// SELECT_BUCKET of "@no bucket@", or the bucket went away.
    void selectNoBucket();

    /// The newest cluster configuration this connection was sent for its bucket (or the
    /// global one); kNoConfigSent after every change of bucket. NOT_MY_VBUCKET dedupe.
    [[nodiscard]] ConfigVersion configSent() const { return config_sent_; }
    void setConfigSent(ConfigVersion version) { config_sent_ = version; }

    /// The SASL exchange between SASL_AUTH and its last SASL_STEP; null otherwise.
    std::unique_ptr<security::ServerMechanism> sasl;
    /// Failed SASL exchanges on this connection.
    size_t auth_failures = 0;

private:
    /// The current privileges, recomputed if the RBAC database has changed since.
    PrivilegeSet privileges();

    Server& server_;
    bool authenticated_ = false;
    /// Unauthenticated access: fixed privileges, never recomputed.
    bool anonymous_ = false;
    std::string user_;
    Bucket::Use bucket_;
    EngineIface* engine_;
    PrivilegeSet privileges_;
    /// The RBAC generation privileges_ was computed from; 0 = never.
    uint64_t generation_ = 0;
    ConfigVersion config_sent_ = kNoConfigSent;
};

}  // namespace eddy::daemon
