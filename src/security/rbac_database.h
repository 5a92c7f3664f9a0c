// eddy — the RBAC database: which privileges each user holds, globally and per bucket.
//
// Owns: RbacUser (one user's grants), RbacDatabase (every user, parsed from and written to the
// JSON file) and PrivilegeContext (what one connection may do in its current bucket, with the
// database generation it was computed from).
//
// The file (docs/security.md) is kv_engine's rbac.json, without scopes and collections:
//
//   { "<user>": { "domain": "local",
//                 "privileges": ["Stats", "SystemSettings"],          global privileges
//                 "buckets": { "<bucket>": ["Read", "Upsert"],        or {"privileges": [...]}
//                              "*": ["Read"] } } }                    every other bucket
//
// "all" in a list grants every privilege of that level. A privilege of the wrong level (a
// global one under a bucket, or the reverse), an unknown name, an unknown attribute, a domain
// other than "local" or a "scopes" member (not supported yet) is refused with an RbacError
// naming the source, the user and the field. An exact bucket name beats "*"; a user with
// neither has no access to that bucket at all and may not select it. A user name starting with
// '@' is refused (internal names are reserved).
//
// Thread contract: an RbacDatabase is a value, shared read-only once built
// (std::shared_ptr<const RbacDatabase>); PrivilegeContext is a value.
#pragma once

#include "eddy/privilege.h"

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::security {

class RbacError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct RbacUser {
    PrivilegeSet global;
    /// Bucket name (or "*") → the bucket privileges granted there.
    std::map<std::string, PrivilegeSet, std::less<>> buckets;
};

/// What a connection may do: its user's global privileges plus those of its bucket.
struct PrivilegeContext {
    PrivilegeSet privileges;
    /// The RbacDatabase generation it was computed from; stale once the database is replaced.
    uint64_t generation = 0;
};

class RbacDatabase {
public:
    RbacDatabase() = default;

    /// Parses the JSON text; `source` (a file name) starts every message. Throws RbacError.
    static RbacDatabase parse(std::string_view text, std::string_view source);
    /// Reads and parses `path`. Throws RbacError naming the file.
    static RbacDatabase load(const std::string& path);

    [[nodiscard]] std::string toJson() const;
    /// Writes toJson() atomically (temporary file, fsync, rename), mode 0600. Throws RbacError.
    void save(const std::string& path) const;

    [[nodiscard]] const RbacUser* find(std::string_view user) const;
    void upsert(std::string name, RbacUser user);
    bool remove(std::string_view name);
    [[nodiscard]] std::vector<std::string> names() const;

    /// The bucket privileges `user` holds in `bucket` (exact entry, else "*"); nullopt if the
    /// user is unknown or has no entry for the bucket (it may not select it).
    [[nodiscard]] std::optional<PrivilegeSet> bucketPrivileges(std::string_view user,
                                                               std::string_view bucket) const;

    /// The privileges of `user` on a connection in `bucket` (nullopt: no bucket selected, where
    /// every bucket privilege is granted so that key commands reach the no-bucket engine and
    /// answer NO_BUCKET rather than EACCESS). An unknown user, or a bucket the user has no entry
    /// for, gets the global privileges only.
    [[nodiscard]] PrivilegeSet privileges(std::string_view user,
                                          std::optional<std::string_view> bucket) const;

private:
    std::map<std::string, RbacUser, std::less<>> users_;
};

/// Adds the privilege called `name` to `set` ("all": every privilege of the level). Nullopt,
/// or why it cannot: "unknown privilege 'X'", "'X' is a global privilege" (or "bucket").
[[nodiscard]] std::optional<std::string> addPrivilegeByName(PrivilegeSet& set,
                                                            std::string_view name, bool per_bucket);

/// "Read,Upsert" style list of the set's names, in table order (for logs and error contexts).
[[nodiscard]] std::string describe(PrivilegeSet set);

}  // namespace eddy::security
