// eddy — access control at start-up (access_setup.h).
#include "daemon/access_setup.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include <arpa/inet.h>

namespace eddy::daemon {

namespace {

namespace fs = std::filesystem;

std::string orDefault(const std::string& path, const Settings& settings, const char* name) {
    return path.empty() ? (fs::path(settings.data_dir) / name).string() : path;
}

security::RbacUser everything() {
    security::RbacUser user;
    user.global = PrivilegeSet::allOfLevel(false);
    user.buckets["*"] = PrivilegeSet::allOfLevel(true);
    return user;
}

/// Creates both files for a new data directory.
void createDatabases(const security::AccessControl::Files& files, std::string_view password) {
    security::PasswordDatabase passwords;
    passwords.upsert(security::makeUser(std::string(kAdministrator), password));
    security::RbacDatabase rbac;
    rbac.upsert(std::string(kAdministrator), everything());
    passwords.save(files.passwords);
    rbac.save(files.rbac);
    spdlog::info("created {} and {} with the user {}", files.passwords, files.rbac, kAdministrator);
}

/// Sets Administrator's password (and full privileges if it had no RBAC entry).
void setAdminPassword(security::AccessControl& access, const std::string& password) {
    security::PasswordDatabase passwords = *access.passwords();
    passwords.upsert(security::makeUser(std::string(kAdministrator), password));
    if (auto error = access.replacePasswords(std::move(passwords))) {
        throw SettingsError(*error);
    }
    if (access.rbac()->find(kAdministrator) == nullptr) {
        security::RbacDatabase rbac = *access.rbac();
        rbac.upsert(std::string(kAdministrator), everything());
        if (auto error = access.replaceRbac(std::move(rbac))) {
            throw SettingsError(*error);
        }
    }
    spdlog::info("the password of {} was set from the command line or environment", kAdministrator);
}

security::AccessControl::Files openFiles(const Settings& settings) {
    security::AccessControl::Files files{orDefault(settings.password_file, settings, "users.json"),
                                         orDefault(settings.rbac_file, settings, "rbac.json")};
    const bool have_passwords = fs::exists(files.passwords);
    const bool have_rbac = fs::exists(files.rbac);
    if (have_passwords != have_rbac) {
        throw SettingsError(fmt::format(
            "{} exists but {} does not: restore the missing file (docs/security.md describes "
            "both), or remove the other one to start over with the user {}",
            have_passwords ? files.passwords : files.rbac,
            have_passwords ? files.rbac : files.passwords, kAdministrator));
    }
    if (!have_passwords) {
        createDatabases(files, settings.admin_password.empty() ? kDevelopmentPassword
                                                               : settings.admin_password);
    }
    return files;
}

UnauthenticatedAccess resolveUnauthenticated(const Settings& settings, bool development) {
    UnauthenticatedAccess access;
    switch (settings.unauthenticated_mode) {
    case UnauthenticatedMode::Off: return access;
    case UnauthenticatedMode::Development:
        if (!development) {
            return access;
        }
        access = {true, "default", PrivilegeSet::all()};
        break;
    case UnauthenticatedMode::On:
        access = {true, settings.unauthenticated_bucket, settings.unauthenticated_privileges};
        if (!isLoopbackAddress(settings.host)) {
            spdlog::warn(
                "unauthenticated_access is on while listening on {}: anyone who reaches "
                "the port may use bucket '{}'",
                settings.host, access.bucket);
        }
        break;
    }
    spdlog::warn("connections that do not authenticate use bucket '{}' with {}", access.bucket,
                 access.privileges == PrivilegeSet::all()
                     ? std::string("every privilege")
                     : "privileges " + security::describe(access.privileges));
    return access;
}

}  // namespace

bool isLoopbackAddress(std::string_view host) {
    if (host == "localhost") {
        return true;
    }
    const std::string text(host);
    in_addr v4{};
    if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
        return (ntohl(v4.s_addr) >> 24) == 127;
    }
    in6_addr v6{};
    return inet_pton(AF_INET6, text.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

AccessSetup setUpAccess(const Settings& settings) {
    AccessSetup setup;
    try {
        setup.access = std::make_unique<security::AccessControl>(openFiles(settings));
        if (!settings.admin_password.empty()) {
            setAdminPassword(*setup.access, settings.admin_password);
        }
    } catch (const security::PasswordDatabaseError& error) {
        throw SettingsError(error.what());
    } catch (const security::RbacError& error) {
        throw SettingsError(error.what());
    }
    const security::UserEntry* admin = setup.access->passwords()->find(kAdministrator);
    setup.development_credentials =
        admin != nullptr && security::verifyPassword(*admin, kDevelopmentPassword);
    if (setup.development_credentials) {
        if (!isLoopbackAddress(settings.host)) {
            throw SettingsError(
                fmt::format("eddyd listens on {}, beyond loopback, while the user {} still has the "
                            "development password: give it another with --admin-password or the "
                            "EDDY_ADMIN_PASSWORD environment variable",
                            settings.host, kAdministrator));
        }
        spdlog::warn(
            "the user {} has the development password: fine on this machine only; "
            "set --admin-password before listening beyond loopback",
            kAdministrator);
    }
    setup.unauthenticated = resolveUnauthenticated(settings, setup.development_credentials);
    try {
        setup.audit = std::make_unique<security::AuditLog>(
            orDefault(settings.audit_log, settings, "audit.log"));
    } catch (const std::runtime_error& error) {
        throw SettingsError(error.what());
    }
    return setup;
}

}  // namespace eddy::daemon
