// eddy — access control at start-up: the database files, the development credentials, the
// loopback rule and what unauthenticated connections may do.
//
// Owns: setUpAccess(), run once by the Server before it listens, and AccessSetup, its result.
//
// Semantics (docs/security.md, "First start and the development credentials"):
//   - A data directory with neither a password file nor an RBAC file gets both: the user
//     Administrator with every privilege, whose password is --admin-password /
//     EDDY_ADMIN_PASSWORD if given, else the development password "password". Exactly one of
//     the two files present is a start-up error (a half-written set is never completed by
//     guessing).
//   - An admin password given at start-up is set on Administrator (created if missing, with
//     every privilege).
//   - While Administrator's password is "password" (checked against the stored hash), eddyd
//     logs a warning, and refuses to start if it listens on anything but a loopback address.
//   - UnauthenticatedMode::Development resolves to on (bucket "default", every privilege) while
//     the development credentials are in use, off otherwise; an explicit setting wins (with a
//     warning when it is on beyond loopback).
//
// Thread contract: main thread, before any other thread starts.
#pragma once

#include "daemon/settings.h"
#include "security/access_control.h"
#include "security/audit_log.h"

#include <memory>
#include <string>
#include <string_view>

namespace eddy::daemon {

/// What connections that never authenticate get.
struct UnauthenticatedAccess {
    bool enabled = false;
    std::string bucket;
    PrivilegeSet privileges;
};

struct AccessSetup {
    std::unique_ptr<security::AccessControl> access;
    std::unique_ptr<security::AuditLog> audit;
    /// Administrator's password is the development password.
    bool development_credentials = false;
    UnauthenticatedAccess unauthenticated;
};

/// See the file comment. Throws SettingsError naming the file or option to fix.
[[nodiscard]] AccessSetup setUpAccess(const Settings& settings);

/// 127.0.0.0/8, ::1 and "localhost".
[[nodiscard]] bool isLoopbackAddress(std::string_view host);

/// The development password of Administrator on a new data directory.
inline constexpr std::string_view kDevelopmentPassword = "password";
inline constexpr std::string_view kAdministrator = "Administrator";

}  // namespace eddy::daemon
