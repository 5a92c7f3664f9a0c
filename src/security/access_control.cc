// eddy — the live password and RBAC databases and their reloads (access_control.h).
#include "security/access_control.h"

#include "security/crypto.h"

namespace eddy::security {

AccessControl::AccessControl(Files files)
    : files_(std::move(files)),
      process_secret_(randomBytes(32)),
      passwords_(
          std::make_shared<const PasswordDatabase>(PasswordDatabase::load(files_.passwords))),
      rbac_(std::make_shared<const RbacDatabase>(RbacDatabase::load(files_.rbac))) {}

std::shared_ptr<const PasswordDatabase> AccessControl::passwords() const {
    MutexLock lock(mutex_);
    return passwords_;
}

std::shared_ptr<const RbacDatabase> AccessControl::rbac() const {
    MutexLock lock(mutex_);
    return rbac_;
}

std::optional<std::string> AccessControl::reloadPasswords() {
    try {
        auto loaded =
            std::make_shared<const PasswordDatabase>(PasswordDatabase::load(files_.passwords));
        MutexLock lock(mutex_);
        passwords_ = std::move(loaded);
        return std::nullopt;
    } catch (const PasswordDatabaseError& error) {
        return std::string(error.what());
    }
}

std::optional<std::string> AccessControl::reloadRbac() {
    try {
        auto loaded = std::make_shared<const RbacDatabase>(RbacDatabase::load(files_.rbac));
        MutexLock lock(mutex_);
        rbac_ = std::move(loaded);
        rbac_generation_.fetch_add(1, std::memory_order_acq_rel);
        return std::nullopt;
    } catch (const RbacError& error) {
        return std::string(error.what());
    }
}

std::optional<std::string> AccessControl::replacePasswords(PasswordDatabase database) {
    try {
        MutexLock lock(mutex_);  // serialises writers of the file
        database.save(files_.passwords);
        passwords_ = std::make_shared<const PasswordDatabase>(std::move(database));
        return std::nullopt;
    } catch (const PasswordDatabaseError& error) {
        return std::string(error.what());
    }
}

std::optional<std::string> AccessControl::replaceRbac(RbacDatabase database) {
    try {
        MutexLock lock(mutex_);
        database.save(files_.rbac);
        rbac_ = std::make_shared<const RbacDatabase>(std::move(database));
        rbac_generation_.fetch_add(1, std::memory_order_acq_rel);
        return std::nullopt;
    } catch (const RbacError& error) {
        return std::string(error.what());
    }
}

PrivilegeContext AccessControl::context(std::string_view user,
                                        std::optional<std::string_view> bucket) const {
    MutexLock lock(mutex_);
    // Read under the lock so the generation belongs to the database the set came from.
    return {rbac_->privileges(user, bucket), rbac_generation_.load(std::memory_order_acquire)};
}

}  // namespace eddy::security
