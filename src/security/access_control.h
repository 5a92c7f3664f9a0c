// eddy — the live password and RBAC databases of the server, and their reloads.
//
// Owns: AccessControl, which holds the current PasswordDatabase and RbacDatabase snapshots (each
// an immutable shared_ptr), the files they come from, the RBAC generation counter and the
// per-process secret that unknown users' fake salts derive from.
//
// Semantics. A reload reads and parses the file completely before it replaces anything: if it
// fails the old snapshot stays in force and the error (naming the file and the field) is
// returned. Every successful RBAC reload bumps the generation, so a connection whose privilege
// context carries an older generation recomputes it before its next command. A SASL exchange
// keeps the password snapshot it started with, so a reload in the middle cannot change it.
// replace*() install a database built in memory (eddyctl's user commands) and write it to its
// file first; nothing changes if the write fails.
//
// Thread contract: every method is thread-safe; snapshots are read under a mutex and used
// without one.
#pragma once

#include "common/mutex.h"
#include "security/password_database.h"
#include "security/rbac_database.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::security {

class AccessControl {
public:
    struct Files {
        std::string passwords;
        std::string rbac;
    };

    /// Loads both files. Throws PasswordDatabaseError or RbacError.
    explicit AccessControl(Files files);

    [[nodiscard]] std::shared_ptr<const PasswordDatabase> passwords() const EXCLUDES(mutex_);
    [[nodiscard]] std::shared_ptr<const RbacDatabase> rbac() const EXCLUDES(mutex_);
    /// The generation of rbac(): 1 after construction, +1 per successful RBAC change.
    [[nodiscard]] uint64_t rbacGeneration() const {
        return rbac_generation_.load(std::memory_order_acquire);
    }
    [[nodiscard]] const Files& files() const { return files_; }
    [[nodiscard]] const std::string& processSecret() const { return process_secret_; }

    /// Re-reads the password file; nullopt on success, else why (the old database stays).
    std::optional<std::string> reloadPasswords() EXCLUDES(mutex_);
    /// Re-reads the RBAC file; nullopt on success, else why (the old database stays).
    std::optional<std::string> reloadRbac() EXCLUDES(mutex_);

    /// Writes `database` to the password file and installs it; the error otherwise.
    std::optional<std::string> replacePasswords(PasswordDatabase database) EXCLUDES(mutex_);
    /// Writes `database` to the RBAC file and installs it; the error otherwise.
    std::optional<std::string> replaceRbac(RbacDatabase database) EXCLUDES(mutex_);

    /// The privileges of `user` in `bucket` (nullopt: no bucket) from the current database,
    /// stamped with its generation.
    [[nodiscard]] PrivilegeContext context(std::string_view user,
                                           std::optional<std::string_view> bucket) const
        EXCLUDES(mutex_);

private:
    const Files files_;
    const std::string process_secret_;
    mutable Mutex mutex_;
    std::shared_ptr<const PasswordDatabase> passwords_ GUARDED_BY(mutex_);
    std::shared_ptr<const RbacDatabase> rbac_ GUARDED_BY(mutex_);
    std::atomic<uint64_t> rbac_generation_{1};
};

}  // namespace eddy::security
