// eddy — the RBAC database: parsing, writing and privilege lookup (rbac_database.h).
#include "security/rbac_database.h"

#include "security/secure_file.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace eddy::security {

namespace {

using nlohmann::json;

constexpr std::string_view kAllBuckets = "*";

/// Parses one list of privilege names of the given level.
PrivilegeSet parseList(const json& list, bool per_bucket, const std::string& where) {
    if (!list.is_array()) {
        throw RbacError(fmt::format("{} must be an array of privilege names", where));
    }
    PrivilegeSet set;
    for (const json& entry : list) {
        if (!entry.is_string()) {
            throw RbacError(fmt::format("{} holds a non-string entry", where));
        }
        if (auto problem = addPrivilegeByName(set, entry.get<std::string>(), per_bucket)) {
            throw RbacError(fmt::format("{}: {}", where, *problem));
        }
    }
    return set;
}

PrivilegeSet parseBucket(const json& value, const std::string& where) {
    if (value.is_array()) {
        return parseList(value, true, where);
    }
    if (!value.is_object()) {
        throw RbacError(fmt::format("{} must be an array or an object", where));
    }
    for (const auto& [key, member] : value.items()) {
        if (key == "scopes") {
            throw RbacError(
                fmt::format("{}.scopes: scope and collection privileges are not "
                            "supported yet",
                            where));
        }
        if (key != "privileges") {
            throw RbacError(fmt::format("{}: unknown attribute '{}'", where, key));
        }
    }
    if (!value.contains("privileges")) {
        return {};
    }
    return parseList(value["privileges"], true, where + ".privileges");
}

RbacUser parseUser(const json& value, const std::string& where) {
    if (!value.is_object()) {
        throw RbacError(fmt::format("{} must be an object", where));
    }
    RbacUser user;
    for (const auto& [key, member] : value.items()) {
        const std::string field = fmt::format("{}.{}", where, key);
        if (key == "domain") {
            if (!member.is_string() || member.get<std::string>() != "local") {
                throw RbacError(fmt::format("{} must be \"local\"", field));
            }
        } else if (key == "privileges") {
            user.global = parseList(member, false, field);
        } else if (key == "buckets") {
            if (!member.is_object()) {
                throw RbacError(fmt::format("{} must be an object", field));
            }
            for (const auto& [bucket, grants] : member.items()) {
                if (bucket.empty()) {
                    throw RbacError(fmt::format("{}: empty bucket name", field));
                }
                user.buckets[bucket] = parseBucket(grants, fmt::format("{}.{}", field, bucket));
            }
        } else {
            throw RbacError(fmt::format("{}: unknown attribute '{}'", where, key));
        }
    }
    return user;
}

json listJson(PrivilegeSet set) {
    json list = json::array();
    for (const PrivilegeInfo& info : kPrivileges) {
        if (set.has(info.privilege)) {
            list.push_back(std::string(info.name));
        }
    }
    return list;
}

}  // namespace

RbacDatabase RbacDatabase::parse(std::string_view text, std::string_view source) {
    const json document = json::parse(text, nullptr, false);
    if (document.is_discarded()) {
        throw RbacError(fmt::format("{}: not valid JSON", source));
    }
    if (!document.is_object()) {
        throw RbacError(fmt::format("{}: must be a JSON object of users", source));
    }
    RbacDatabase database;
    for (const auto& [name, value] : document.items()) {
        if (name.empty() || name.front() == '@') {
            throw RbacError(fmt::format("{}: user name '{}' is reserved or empty", source, name));
        }
        database.users_[name] = parseUser(value, fmt::format("{}: user '{}'", source, name));
    }
    return database;
}

RbacDatabase RbacDatabase::load(const std::string& path) {
    std::string error;
    const auto text = readSecureFile(path, error);
    if (!text) {
        throw RbacError(fmt::format("{}: cannot read: {}", path, error));
    }
    return parse(*text, path);
}

std::string RbacDatabase::toJson() const {
    json document = json::object();
    for (const auto& [name, user] : users_) {
        json entry = {{"domain", "local"}, {"privileges", listJson(user.global)}};
        json buckets = json::object();
        for (const auto& [bucket, set] : user.buckets) {
            buckets[bucket] = listJson(set);
        }
        entry["buckets"] = std::move(buckets);
        document[name] = std::move(entry);
    }
    return document.dump(2) + "\n";
}

void RbacDatabase::save(const std::string& path) const {
    std::string error;
    if (!writeSecureFile(path, toJson(), error)) {
        throw RbacError(error);
    }
}

const RbacUser* RbacDatabase::find(std::string_view user) const {
    const auto found = users_.find(user);
    return found == users_.end() ? nullptr : &found->second;
}

void RbacDatabase::upsert(std::string name, RbacUser user) {
    users_[std::move(name)] = std::move(user);
}

bool RbacDatabase::remove(std::string_view name) {
    const auto found = users_.find(name);
    if (found == users_.end()) {
        return false;
    }
    users_.erase(found);
    return true;
}

std::vector<std::string> RbacDatabase::names() const {
    std::vector<std::string> names;
    names.reserve(users_.size());
    for (const auto& [name, user] : users_) {
        names.push_back(name);
    }
    return names;
}

std::optional<PrivilegeSet> RbacDatabase::bucketPrivileges(std::string_view user,
                                                           std::string_view bucket) const {
    const RbacUser* entry = find(user);
    if (entry == nullptr) {
        return std::nullopt;
    }
    if (const auto exact = entry->buckets.find(bucket); exact != entry->buckets.end()) {
        return exact->second;
    }
    if (const auto any = entry->buckets.find(kAllBuckets); any != entry->buckets.end()) {
        return any->second;
    }
    return std::nullopt;
}

PrivilegeSet RbacDatabase::privileges(std::string_view user,
                                      std::optional<std::string_view> bucket) const {
    const RbacUser* entry = find(user);
    PrivilegeSet set = entry == nullptr ? PrivilegeSet{} : entry->global;
    if (!bucket) {
        set.add(PrivilegeSet::allOfLevel(true));
    } else if (const auto granted = bucketPrivileges(user, *bucket)) {
        set.add(*granted);
    }
    return set;
}

std::optional<std::string> addPrivilegeByName(PrivilegeSet& set, std::string_view name,
                                              bool per_bucket) {
    if (name == "all") {
        set.add(PrivilegeSet::allOfLevel(per_bucket));
        return std::nullopt;
    }
    const auto privilege = parsePrivilege(name);
    if (!privilege) {
        return fmt::format("unknown privilege '{}'", name);
    }
    if (privilegeInfo(*privilege).per_bucket != per_bucket) {
        return fmt::format("'{}' is a {} privilege", name, per_bucket ? "global" : "bucket");
    }
    set.add(*privilege);
    return std::nullopt;
}

std::string describe(PrivilegeSet set) {
    std::string text;
    for (const PrivilegeInfo& info : kPrivileges) {
        if (set.has(info.privilege)) {
            if (!text.empty()) {
                text += ',';
            }
            text += info.name;
        }
    }
    return text;
}

}  // namespace eddy::security
