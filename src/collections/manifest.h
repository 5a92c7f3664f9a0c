// eddy — a bucket's collections manifest: its scopes and collections, and the rules for
// replacing it.
//
// Owns: Manifest, an immutable value parsed from (and written back as) kv_engine's JSON form
//
//     {"uid":"<hex>","scopes":[{"name":"_default","uid":"0",
//        "collections":[{"name":"_default","uid":"0"},{"name":"c","uid":"8","maxTTL":60}]}]}
//
// with every uid a hex string without "0x"; the lookups a command needs (is this collection id
// known, which scope holds it, what id does "scope.collection" name); and the successor rule
// that decides whether a new manifest may replace this one.
//
// Invariants of every Manifest (parse() refuses anything else, naming the problem):
// - a scope `_default` with id 0 exists; collection id 0, if present, is `_default._default`;
// - scope ids are unique, collection ids are unique across the whole manifest, and neither is a
//   reserved id (1-7);
// - names are 1-251 characters of A-Z a-z 0-9 _ - %, unique among their siblings, and do not
//   start with `%`; a name starting with `_` is a system name, and only `_default` is accepted
//   (system collections and their privileges are not implemented);
// - uid 0 is the manifest every bucket starts with (`_default._default` alone) and nothing else.
//
// Thread contract: an immutable value after construction; share it as
// std::shared_ptr<const Manifest> and read it from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::collections {

using CollectionId = uint32_t;
using ScopeId = uint32_t;

inline constexpr CollectionId kDefaultCollection = 0;
inline constexpr ScopeId kDefaultScope = 0;
inline constexpr std::string_view kDefaultName = "_default";
/// The longest scope or collection name.
inline constexpr size_t kMaxNameLength = 251;

/// Ids 1-7 are kept for the system (kv_engine's CollectionID::Reserved*); no manifest uses them
/// and no key may carry them.
[[nodiscard]] constexpr bool isReservedId(uint32_t id) {
    return id >= 1 && id <= 7;
}

/// A manifest that does not parse or breaks an invariant; what() names the field and the rule.
class ManifestError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

struct Collection {
    CollectionId id = kDefaultCollection;
    std::string name;
    /// The collection's maxTTL in seconds, if the manifest gives one.
    std::optional<uint32_t> max_ttl;
    bool operator==(const Collection&) const = default;
};

struct Scope {
    ScopeId id = kDefaultScope;
    std::string name;
    std::vector<Collection> collections;
    bool operator==(const Scope&) const = default;
};

/// What a "scope.collection" or "scope" path names.
struct Lookup {
    enum class Result : uint8_t {
        Found,
        /// The path is malformed (GET_COLLECTION_ID answers EINVAL).
        Invalid,
        UnknownScope,
        UnknownCollection,
    };
    Result result = Result::Invalid;
    /// Meaningful when found, and for UnknownCollection (the scope that was found).
    ScopeId scope = kDefaultScope;
    /// Meaningful for a collection lookup that found one.
    CollectionId collection = kDefaultCollection;
};

class Manifest {
public:
    /// The manifest a bucket starts with: uid 0, scope `_default` holding `_default`.
    Manifest();

    /// Parses and validates kv_engine's JSON form. Throws ManifestError.
    [[nodiscard]] static Manifest parse(std::string_view json);

    /// kv_engine's JSON form (parse(toJson()) == *this).
    [[nodiscard]] std::string toJson() const;

    [[nodiscard]] uint64_t uid() const { return uid_; }
    [[nodiscard]] const std::vector<Scope>& scopes() const { return scopes_; }

    /// The collection with this id, or nullptr. Linear in the number of collections (a bucket
    /// has tens of them, not thousands).
    [[nodiscard]] const Collection* findCollection(CollectionId id) const;
    /// The scope holding collection `id`, or nullopt if no scope does.
    [[nodiscard]] std::optional<ScopeId> scopeOf(CollectionId id) const;
    /// Whether `_default._default` exists (it can be dropped).
    [[nodiscard]] bool hasDefaultCollection() const { return has_default_collection_; }

    /// GET_COLLECTION_ID's path, kv_engine's rules: "scope.collection", an empty part meaning
    /// `_default` ("." is the default collection, ".c" is `_default.c`); no dot is Invalid.
    [[nodiscard]] Lookup lookupCollection(std::string_view path) const;
    /// GET_SCOPE_ID's path: "scope" or "scope." (an empty name is `_default`); more after the
    /// dot is Invalid.
    [[nodiscard]] Lookup lookupScope(std::string_view path) const;

    /// Why `next` may not replace this manifest, or nullopt if it may. It may when its uid is
    /// higher and no scope or collection id changed its name or (for a collection) its scope,
    /// or when its uid is equal and it is identical, in the same order (a repeated set changes
    /// nothing; an orchestrator sends one text per uid).
    [[nodiscard]] std::optional<std::string> refuseSuccessor(const Manifest& next) const;

    /// Collections of this manifest that `next` no longer has.
    [[nodiscard]] std::vector<CollectionId> droppedIn(const Manifest& next) const;

    bool operator==(const Manifest&) const = default;

private:
    uint64_t uid_ = 0;
    std::vector<Scope> scopes_;
    bool has_default_collection_ = true;
};

/// An id as the manifest and the UNKNOWN_COLLECTION body write it: lowercase hex, no "0x".
[[nodiscard]] std::string toHex(uint64_t value);

}  // namespace eddy::collections
