// eddy — a bucket's collections manifest: parsing and validating kv_engine's JSON form, writing
// it back, the path lookups and the successor rule.
//
// Every refusal names the field as a path into the JSON (`scopes[1].collections[0].uid`) and the
// offending value. Values are quoted as ASCII JSON and cut short; objects and arrays are only
// named ("an array"), never serialised, since the input may nest them arbitrarily deep.
//
// Thread contract: pure functions and const methods of an immutable value.
#include "collections/manifest.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace eddy::collections {

namespace {

using Json = nlohmann::json;

/// The longest value an error message quotes.
constexpr size_t kMaxQuotedLength = 64;
/// The most hex digits a uid may have (a manifest uid is 64 bits).
constexpr size_t kMaxHexDigits = 16;

/// `value` as an error message shows it: a scalar as ASCII JSON, cut after kMaxQuotedLength
/// characters; an object or array by its kind only.
std::string describe(const Json& value) {
    if (value.is_object()) {
        return "an object";
    }
    if (value.is_array()) {
        return "an array";
    }
    std::string text = value.dump(-1, ' ', /*ensure_ascii=*/true);
    if (text.size() > kMaxQuotedLength) {
        text.resize(kMaxQuotedLength);
        text += "...";
    }
    return text;
}

std::string quote(std::string_view text) {
    return describe(Json(std::string(text)));
}

[[noreturn]] void fail(const std::string& field, const std::string& problem) {
    throw ManifestError(field + ": " + problem);
}

bool isNameChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '%';
}

bool isHexDigit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// Whether `name` has a name's shape: length and characters, no leading `%`. A system name
/// (`_x`) has the shape; whether a manifest may hold it is nameProblem's business.
bool isWellFormedName(std::string_view name) {
    return !name.empty() && name.size() <= kMaxNameLength && name.front() != '%' &&
           std::all_of(name.begin(), name.end(), isNameChar);
}

/// Why a manifest may not hold a scope or collection called `name`, or an empty string.
std::string nameProblem(std::string_view name) {
    if (name.empty()) {
        return "is empty";
    }
    if (name.size() > kMaxNameLength) {
        return "is longer than " + std::to_string(kMaxNameLength) + " characters";
    }
    if (!std::all_of(name.begin(), name.end(), isNameChar)) {
        return "has a character outside A-Z a-z 0-9 _ - %";
    }
    if (name.front() == '%') {
        return "starts with %";
    }
    if (name.front() == '_' && name != kDefaultName) {
        return "is a system name (only _default may start with _)";
    }
    return {};
}

/// `object[key]`; `field` is its path for the error when it is missing.
const Json& member(const Json& object, const char* key, const std::string& field) {
    const auto found = object.find(key);
    if (found == object.end()) {
        fail(field, "missing");
    }
    return *found;
}

const std::string& stringMember(const Json& object, const char* key, const std::string& field) {
    const Json& value = member(object, key, field);
    if (!value.is_string()) {
        fail(field, describe(value) + " is not a string");
    }
    return value.get_ref<const std::string&>();
}

const Json& arrayMember(const Json& object, const char* key, const std::string& field) {
    const Json& value = member(object, key, field);
    if (!value.is_array()) {
        fail(field, describe(value) + " is not an array");
    }
    return value;
}

void requireObject(const Json& value, const std::string& field) {
    if (!value.is_object()) {
        fail(field, describe(value) + " is not an object");
    }
}

/// A uid as the manifest writes it: 1-16 hex digits, no "0x".
uint64_t parseHex(const std::string& text, const std::string& field) {
    if (text.empty() || !std::all_of(text.begin(), text.end(), isHexDigit)) {
        fail(field, quote(text) + " is not a hex id");
    }
    if (text.size() > kMaxHexDigits) {
        fail(field, quote(text) + " is longer than 16 hex digits");
    }
    uint64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value, 16);
    return value;
}

/// The `uid` of a scope or collection: a uid that fits 32 bits and is not reserved.
uint32_t parseId(const Json& object, const std::string& field) {
    const std::string& text = stringMember(object, "uid", field);
    const uint64_t value = parseHex(text, field);
    if (value > std::numeric_limits<uint32_t>::max()) {
        fail(field, quote(text) + " does not fit 32 bits");
    }
    if (isReservedId(static_cast<uint32_t>(value))) {
        fail(field, quote(text) + " is a reserved id (1-7)");
    }
    return static_cast<uint32_t>(value);
}

std::string parseName(const Json& object, const std::string& field) {
    const std::string& name = stringMember(object, "name", field);
    if (const std::string problem = nameProblem(name); !problem.empty()) {
        fail(field, quote(name) + " " + problem);
    }
    return name;
}

/// The optional `maxTTL` member: seconds, a non-negative integer that fits 32 bits.
std::optional<uint32_t> parseMaxTtl(const Json& object, const std::string& field) {
    const auto found = object.find("maxTTL");
    if (found == object.end()) {
        return std::nullopt;
    }
    if (!found->is_number_integer()) {
        fail(field, describe(*found) + " is not an integer");
    }
    if (!found->is_number_unsigned()) {
        fail(field, describe(*found) + " is negative");
    }
    const auto value = found->get<uint64_t>();
    if (value > std::numeric_limits<uint32_t>::max()) {
        fail(field, describe(*found) + " does not fit 32 bits");
    }
    return static_cast<uint32_t>(value);
}

/// The name `_default` and the id 0 go together (for a scope, or a collection, `zero_owner`).
void requireDefaultPairing(const std::string& field, const std::string& name, uint32_t id,
                           const char* zero_owner) {
    if (id == 0 && name != kDefaultName) {
        fail(field + ".uid", std::string("\"0\" is only ") + zero_owner);
    }
    if (name == kDefaultName && id != 0) {
        fail(field + ".uid", quote(toHex(id)) + " is not \"0\", the uid of _default");
    }
}

Collection parseCollection(const Json& json, const std::string& field) {
    requireObject(json, field);
    Collection collection;
    collection.name = parseName(json, field + ".name");
    collection.id = parseId(json, field + ".uid");
    collection.max_ttl = parseMaxTtl(json, field + ".maxTTL");
    requireDefaultPairing(field, collection.name, collection.id,
                          "the collection _default._default");
    return collection;
}

/// Where each id and name was first seen (its field path), for the uniqueness rules.
class Seen {
public:
    /// Records `key` at `field`; fails if it was already recorded.
    void add(const std::string& key, const std::string& value, const std::string& field) {
        const auto [at, inserted] = fields_.emplace(key, field);
        if (!inserted) {
            fail(field, value + " duplicates " + at->second);
        }
    }

private:
    std::unordered_map<std::string, std::string> fields_;
};

Scope parseScope(const Json& json, const std::string& field, Seen& collection_ids) {
    requireObject(json, field);
    Scope scope;
    scope.name = parseName(json, field + ".name");
    scope.id = parseId(json, field + ".uid");
    requireDefaultPairing(field, scope.name, scope.id, "the scope _default");
    const Json& collections = arrayMember(json, "collections", field + ".collections");
    Seen names;
    for (size_t i = 0; i < collections.size(); ++i) {
        const std::string at = field + ".collections[" + std::to_string(i) + "]";
        Collection collection = parseCollection(collections[i], at);
        if (collection.id == kDefaultCollection && scope.id != kDefaultScope) {
            fail(at + ".uid", "\"0\" is only the collection _default._default");
        }
        collection_ids.add(toHex(collection.id), quote(toHex(collection.id)), at + ".uid");
        names.add(collection.name, quote(collection.name), at + ".name");
        scope.collections.push_back(std::move(collection));
    }
    return scope;
}

Json parseJson(std::string_view text) {
    try {
        return Json::parse(text);
    } catch (const Json::parse_error& e) {
        fail("manifest", "not valid JSON (error at byte " + std::to_string(e.byte) + ")");
    } catch (const Json::exception&) {
        // out_of_range 406: a number whose magnitude no double holds (1e999), in any field.
        fail("manifest", "not valid JSON (a number out of range)");
    }
}

/// An id or uid in a sentence: "0x8".
std::string hexRef(uint64_t id) {
    return "0x" + toHex(id);
}

}  // namespace

std::string toHex(uint64_t value) {
    std::array<char, kMaxHexDigits> digits{};
    const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value, 16);
    return {digits.data(), result.ptr};
}

Manifest::Manifest()
    : scopes_{Scope{kDefaultScope,
                    std::string(kDefaultName),
                    {Collection{kDefaultCollection, std::string(kDefaultName), std::nullopt}}}} {}

Manifest Manifest::parse(std::string_view json) {
    const Json parsed = parseJson(json);
    requireObject(parsed, "manifest");
    Manifest manifest;
    manifest.uid_ = parseHex(stringMember(parsed, "uid", "uid"), "uid");
    manifest.scopes_.clear();
    manifest.has_default_collection_ = false;

    const Json& scopes = arrayMember(parsed, "scopes", "scopes");
    Seen scope_ids;
    Seen scope_names;
    Seen collection_ids;
    for (size_t i = 0; i < scopes.size(); ++i) {
        const std::string at = "scopes[" + std::to_string(i) + "]";
        Scope scope = parseScope(scopes[i], at, collection_ids);
        scope_ids.add(toHex(scope.id), quote(toHex(scope.id)), at + ".uid");
        scope_names.add(scope.name, quote(scope.name), at + ".name");
        manifest.scopes_.push_back(std::move(scope));
    }
    const bool has_default_scope =
        std::any_of(manifest.scopes_.begin(), manifest.scopes_.end(),
                    [](const Scope& scope) { return scope.id == kDefaultScope; });
    if (!has_default_scope) {
        fail("scopes", "no scope _default (uid \"0\")");
    }
    manifest.has_default_collection_ = manifest.findCollection(kDefaultCollection) != nullptr;
    if (manifest.uid_ == 0 && manifest != Manifest()) {
        fail("uid", "\"0\" is only the manifest a bucket starts with (_default._default alone)");
    }
    return manifest;
}

std::string Manifest::toJson() const {
    nlohmann::ordered_json scopes = nlohmann::ordered_json::array();
    for (const Scope& scope : scopes_) {
        nlohmann::ordered_json collections = nlohmann::ordered_json::array();
        for (const Collection& collection : scope.collections) {
            nlohmann::ordered_json entry{{"name", collection.name}, {"uid", toHex(collection.id)}};
            if (collection.max_ttl) {
                entry["maxTTL"] = *collection.max_ttl;
            }
            collections.push_back(std::move(entry));
        }
        scopes.push_back({{"name", scope.name},
                          {"uid", toHex(scope.id)},
                          {"collections", std::move(collections)}});
    }
    const nlohmann::ordered_json manifest{{"uid", toHex(uid_)}, {"scopes", std::move(scopes)}};
    return manifest.dump();
}

const Collection* Manifest::findCollection(CollectionId id) const {
    for (const Scope& scope : scopes_) {
        for (const Collection& collection : scope.collections) {
            if (collection.id == id) {
                return &collection;
            }
        }
    }
    return nullptr;
}

std::optional<ScopeId> Manifest::scopeOf(CollectionId id) const {
    for (const Scope& scope : scopes_) {
        for (const Collection& collection : scope.collections) {
            if (collection.id == id) {
                return scope.id;
            }
        }
    }
    return std::nullopt;
}

Lookup Manifest::lookupCollection(std::string_view path) const {
    const size_t dot = path.find('.');
    if (dot == std::string_view::npos) {
        return {};
    }
    std::string_view scope_name = path.substr(0, dot);
    std::string_view collection_name = path.substr(dot + 1);
    if (scope_name.empty()) {
        scope_name = kDefaultName;
    }
    if (collection_name.empty()) {
        collection_name = kDefaultName;
    }
    // A second dot lands in the collection's name, whose shape it breaks.
    if (!isWellFormedName(scope_name) || !isWellFormedName(collection_name)) {
        return {};
    }
    const auto scope = std::find_if(scopes_.begin(), scopes_.end(),
                                    [&](const Scope& s) { return s.name == scope_name; });
    if (scope == scopes_.end()) {
        return {Lookup::Result::UnknownScope};
    }
    const auto collection =
        std::find_if(scope->collections.begin(), scope->collections.end(),
                     [&](const Collection& c) { return c.name == collection_name; });
    if (collection == scope->collections.end()) {
        return {Lookup::Result::UnknownCollection, scope->id};
    }
    return {Lookup::Result::Found, scope->id, collection->id};
}

Lookup Manifest::lookupScope(std::string_view path) const {
    const size_t dot = path.find('.');
    if (dot != std::string_view::npos && dot + 1 != path.size()) {
        return {};
    }
    std::string_view name = path.substr(0, dot);
    if (name.empty()) {
        name = kDefaultName;
    }
    if (!isWellFormedName(name)) {
        return {};
    }
    const auto scope = std::find_if(scopes_.begin(), scopes_.end(),
                                    [&](const Scope& s) { return s.name == name; });
    if (scope == scopes_.end()) {
        return {Lookup::Result::UnknownScope};
    }
    return {Lookup::Result::Found, scope->id};
}

std::optional<std::string> Manifest::refuseSuccessor(const Manifest& next) const {
    const std::string next_uid = "the manifest uid " + hexRef(next.uid_);
    if (next.uid_ < uid_) {
        return next_uid + " is older than the current " + hexRef(uid_);
    }
    if (next.uid_ == uid_) {
        if (next == *this) {
            return std::nullopt;
        }
        return next_uid + " is the current uid but its scopes or collections differ";
    }
    std::unordered_map<ScopeId, const Scope*> scopes;
    std::unordered_map<CollectionId, std::pair<const Scope*, const Collection*>> collections;
    for (const Scope& scope : scopes_) {
        scopes.emplace(scope.id, &scope);
        for (const Collection& collection : scope.collections) {
            collections.emplace(collection.id, std::make_pair(&scope, &collection));
        }
    }
    for (const Scope& scope : next.scopes_) {
        const auto old_scope = scopes.find(scope.id);
        if (old_scope != scopes.end() && old_scope->second->name != scope.name) {
            return next_uid + " names scope " + hexRef(scope.id) + " " + quote(scope.name) +
                   ", but it is " + quote(old_scope->second->name);
        }
        for (const Collection& collection : scope.collections) {
            const auto old = collections.find(collection.id);
            if (old == collections.end()) {
                continue;
            }
            const auto& [old_home, old_collection] = old->second;
            if (old_collection->name != collection.name) {
                return next_uid + " names collection " + hexRef(collection.id) + " " +
                       quote(collection.name) + ", but it is " + quote(old_collection->name);
            }
            if (old_home->id != scope.id) {
                return next_uid + " moves collection " + hexRef(collection.id) + " " +
                       quote(collection.name) + " from scope " + hexRef(old_home->id) +
                       " to scope " + hexRef(scope.id);
            }
        }
    }
    return std::nullopt;
}

std::vector<CollectionId> Manifest::droppedIn(const Manifest& next) const {
    std::vector<CollectionId> dropped;
    for (const Scope& scope : scopes_) {
        for (const Collection& collection : scope.collections) {
            if (next.findCollection(collection.id) == nullptr) {
                dropped.push_back(collection.id);
            }
        }
    }
    return dropped;
}

}  // namespace eddy::collections
