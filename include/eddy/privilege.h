// eddy — the privileges of role-based access control, by kv_engine's names.
//
// Owns: Privilege (one bit each), PrivilegeSet (a set of them), whether a privilege is granted
// per bucket or globally, its name in the RBAC file, and Access: what a command or STAT group
// requires, which is one column of the opcode table (src/protocol/opcode.cc) and of the STAT
// group table (stat_groups.def.h), so there is one source of truth for who may do what.
//
// Bucket privileges (Read, Insert, Upsert, Delete, SimpleStats, DcpProducer, DcpConsumer,
// DcpStream, MetaWrite, SystemXattrRead/Write, RangeScan, Settings, SystemCollectionLookup/
// Mutation) are granted per bucket; the others are global. Names not used by any check here are
// still known so that an RBAC file written for kv_engine loads (docs/security.md says which
// privileges gate what in eddy).
//
// Thread contract: immutable values and constexpr tables.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace eddy {

enum class Privilege : uint8_t {
    Read,
    Insert,
    Delete,
    Upsert,
    SimpleStats,
    Stats,
    NodeSupervisor,
    Administrator,
    Audit,
    DcpConsumer,
    DcpProducer,
    DcpStream,
    MetaWrite,
    IdleConnection,
    SystemXattrRead,
    SystemXattrWrite,
    BucketThrottleManagement,
    Unthrottled,
    Unmetered,
    Impersonate,
    Settings,
    SystemSettings,
    SystemCollectionLookup,
    SystemCollectionMutation,
    RangeScan,
};

inline constexpr size_t kPrivilegeCount = static_cast<size_t>(Privilege::RangeScan) + 1;

struct PrivilegeInfo {
    Privilege privilege;
    std::string_view name;
    bool per_bucket;
};

inline constexpr std::array<PrivilegeInfo, kPrivilegeCount> kPrivileges{{
    {Privilege::Read, "Read", true},
    {Privilege::Insert, "Insert", true},
    {Privilege::Delete, "Delete", true},
    {Privilege::Upsert, "Upsert", true},
    {Privilege::SimpleStats, "SimpleStats", true},
    {Privilege::Stats, "Stats", false},
    {Privilege::NodeSupervisor, "NodeSupervisor", false},
    {Privilege::Administrator, "Administrator", false},
    {Privilege::Audit, "Audit", false},
    {Privilege::DcpConsumer, "DcpConsumer", true},
    {Privilege::DcpProducer, "DcpProducer", true},
    {Privilege::DcpStream, "DcpStream", true},
    {Privilege::MetaWrite, "MetaWrite", true},
    {Privilege::IdleConnection, "IdleConnection", false},
    {Privilege::SystemXattrRead, "SystemXattrRead", true},
    {Privilege::SystemXattrWrite, "SystemXattrWrite", true},
    {Privilege::BucketThrottleManagement, "BucketThrottleManagement", false},
    {Privilege::Unthrottled, "Unthrottled", false},
    {Privilege::Unmetered, "Unmetered", false},
    {Privilege::Impersonate, "Impersonate", false},
    {Privilege::Settings, "Settings", true},
    {Privilege::SystemSettings, "SystemSettings", false},
    {Privilege::SystemCollectionLookup, "SystemCollectionLookup", true},
    {Privilege::SystemCollectionMutation, "SystemCollectionMutation", true},
    {Privilege::RangeScan, "RangeScan", true},
}};

constexpr const PrivilegeInfo& privilegeInfo(Privilege privilege) {
    return kPrivileges[static_cast<size_t>(privilege)];
}

constexpr std::string_view privilegeName(Privilege privilege) {
    return privilegeInfo(privilege).name;
}

constexpr std::optional<Privilege> parsePrivilege(std::string_view name) {
    for (const PrivilegeInfo& info : kPrivileges) {
        if (info.name == name) {
            return info.privilege;
        }
    }
    return std::nullopt;
}

/// A set of privileges (one bit each).
class PrivilegeSet {
public:
    constexpr PrivilegeSet() = default;
    constexpr PrivilegeSet(std::initializer_list<Privilege> privileges) {
        for (Privilege privilege : privileges) {
            add(privilege);
        }
    }
    static constexpr PrivilegeSet all() {
        return PrivilegeSet((uint64_t{1} << kPrivilegeCount) - 1);
    }
    /// Every privilege granted per bucket (or, with per_bucket false, globally).
    static constexpr PrivilegeSet allOfLevel(bool per_bucket) {
        PrivilegeSet set;
        for (const PrivilegeInfo& info : kPrivileges) {
            if (info.per_bucket == per_bucket) {
                set.add(info.privilege);
            }
        }
        return set;
    }

    constexpr void add(Privilege privilege) { bits_ |= bit(privilege); }
    constexpr void add(PrivilegeSet other) { bits_ |= other.bits_; }
    [[nodiscard]] constexpr bool has(Privilege privilege) const {
        return (bits_ & bit(privilege)) != 0;
    }
    [[nodiscard]] constexpr PrivilegeSet intersect(PrivilegeSet other) const {
        return PrivilegeSet(bits_ & other.bits_);
    }
    [[nodiscard]] constexpr bool empty() const { return bits_ == 0; }
    constexpr bool operator==(const PrivilegeSet&) const = default;

private:
    constexpr explicit PrivilegeSet(uint64_t bits) : bits_(bits) {}
    static constexpr uint64_t bit(Privilege privilege) {
        return uint64_t{1} << static_cast<unsigned>(privilege);
    }
    uint64_t bits_ = 0;
};

/// What a command or STAT group requires of the connection.
struct Access {
    enum class Kind : uint8_t {
        Anyone,         ///< also before authentication (HELLO, SASL_*, GET_ERROR_MAP, ...)
        Authenticated,  ///< any authenticated user; the command checks more itself if it needs to
        One,            ///< `first`
        Both,           ///< `first` and `second`
        Either,         ///< `first` or `second`
    };
    Kind kind = Kind::Authenticated;
    Privilege first = Privilege::Read;
    Privilege second = Privilege::Read;

    static constexpr Access anyone() { return {Kind::Anyone}; }
    static constexpr Access authenticated() { return {Kind::Authenticated}; }
    static constexpr Access one(Privilege privilege) { return {Kind::One, privilege, privilege}; }
    static constexpr Access both(Privilege a, Privilege b) { return {Kind::Both, a, b}; }
    static constexpr Access either(Privilege a, Privilege b) { return {Kind::Either, a, b}; }

    /// The privilege `held` lacks for this access, or nullopt if it grants it (Anyone and
    /// Authenticated need no privilege).
    [[nodiscard]] constexpr std::optional<Privilege> missing(PrivilegeSet held) const {
        switch (kind) {
        case Kind::Anyone:
        case Kind::Authenticated: return std::nullopt;
        case Kind::One: return held.has(first) ? std::nullopt : std::optional(first);
        case Kind::Both:
            if (!held.has(first)) {
                return first;
            }
            return held.has(second) ? std::nullopt : std::optional(second);
        case Kind::Either:
            return held.has(first) || held.has(second) ? std::nullopt : std::optional(first);
        }
        return first;
    }
};

}  // namespace eddy
