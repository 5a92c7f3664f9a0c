// eddy — the password database: its JSON file (kv_engine v2), new secrets and PLAIN's check.
#include "security/password_database.h"

#include "security/secure_file.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <climits>
#include <utility>

namespace eddy::security {

namespace {

using nlohmann::json;

constexpr std::string_view kVersionKey = "@@version@@";
constexpr int kVersion = 2;
constexpr std::string_view kHashField = "hash";
constexpr std::string_view kHashAlgorithm = "pbkdf2-hmac-sha512";
constexpr size_t kPlainSaltSize = 64;
constexpr size_t kMaxUsernameLength = 128;
constexpr std::string_view kUsernameForbidden = "()<>,;:\\\"/[]?={}";

struct ScramAttribute {
    Digest digest;
    std::string_view key;
    std::optional<ScramSecrets> UserEntry::*member;
};

constexpr std::array<ScramAttribute, 3> kScramAttributes{{
    {Digest::Sha512, "scram-sha-512", &UserEntry::sha512},
    {Digest::Sha256, "scram-sha-256", &UserEntry::sha256},
    {Digest::Sha1, "scram-sha-1", &UserEntry::sha1},
}};

// --- parsing ---------------------------------------------------------------------------------

/// Where a value sits, for error messages: "users.json: user 'bob': scram-sha-512.salt".
class Location {
public:
    Location(std::string_view source, std::string_view user) : source_(source), user_(user) {}

    [[noreturn]] void fail(std::string_view field, std::string_view problem) const {
        throw PasswordDatabaseError(
            fmt::format("{}: user '{}': {} {}", source_, user_, field, problem));
    }

private:
    std::string_view source_;
    std::string_view user_;
};

/// "prefix.name", or just "name" at the top of an entry.
std::string joinField(std::string_view prefix, std::string_view name) {
    return prefix.empty() ? std::string(name) : fmt::format("{}.{}", prefix, name);
}

void requireObject(const json& value, const Location& at, std::string_view field) {
    if (!value.is_object()) {
        at.fail(field, "is not an object");
    }
}

void refuseUnknownKeys(const json& object, std::initializer_list<std::string_view> known,
                       const Location& at, std::string_view field) {
    for (const auto& [key, value] : object.items()) {
        bool found = false;
        for (std::string_view name : known) {
            found = found || key == name;
        }
        if (!found) {
            at.fail(field, fmt::format("has an unknown attribute '{}'", key));
        }
    }
}

const json& member(const json& object, std::string_view name, const Location& at,
                   std::string_view prefix) {
    const auto it = object.find(name);
    if (it == object.end()) {
        at.fail(joinField(prefix, name), "is missing");
    }
    return *it;
}

std::string decodeBase64Field(const json& value, const Location& at, std::string_view field) {
    if (!value.is_string()) {
        at.fail(field, "is not a string");
    }
    auto decoded = base64Decode(value.get_ref<const std::string&>());
    if (!decoded) {
        at.fail(field, "is not base64");
    }
    return std::move(*decoded);
}

std::string parseSalt(const json& object, const Location& at, std::string_view prefix) {
    const std::string field = joinField(prefix, "salt");
    std::string salt = decodeBase64Field(member(object, "salt", at, prefix), at, field);
    if (salt.empty()) {
        at.fail(field, "is empty");
    }
    return salt;
}

unsigned parseIterations(const json& object, const Location& at, std::string_view prefix) {
    const std::string field = joinField(prefix, "iterations");
    const json& value = member(object, "iterations", at, prefix);
    if (!value.is_number_integer()) {
        at.fail(field, "is not an integer");
    }
    const bool in_range = value.is_number_unsigned()
                              ? value.get<uint64_t>() >= 1 && value.get<uint64_t>() <= INT_MAX
                              : value.get<int64_t>() >= 1 && value.get<int64_t>() <= INT_MAX;
    if (!in_range) {
        at.fail(field, "must be between 1 and 2147483647");
    }
    return value.get<unsigned>();
}

/// The `hashes` array: present, an array, not empty.
const json& hashesArray(const json& object, const Location& at, std::string_view prefix) {
    const std::string field = joinField(prefix, "hashes");
    const json& hashes = member(object, "hashes", at, prefix);
    if (!hashes.is_array()) {
        at.fail(field, "is not an array");
    }
    if (hashes.empty()) {
        at.fail(field, "is empty");
    }
    return hashes;
}

std::string parseKey(const json& value, const Location& at, const std::string& field, size_t size) {
    std::string key = decodeBase64Field(value, at, field);
    if (key.size() != size) {
        at.fail(field, fmt::format("must be {} bytes", size));
    }
    return key;
}

PasswordHash parseHash(const json& object, const Location& at) {
    requireObject(object, at, kHashField);
    refuseUnknownKeys(object, {"algorithm", "hashes", "salt", "iterations"}, at, kHashField);
    const json& algorithm = member(object, "algorithm", at, kHashField);
    if (!algorithm.is_string() || algorithm.get_ref<const std::string&>() != kHashAlgorithm) {
        at.fail("hash.algorithm", fmt::format("{} is not supported (only \"{}\" is)",
                                              algorithm.dump(), kHashAlgorithm));
    }
    PasswordHash hash;
    const json& hashes = hashesArray(object, at, kHashField);
    for (size_t i = 0; i < hashes.size(); ++i) {
        const std::string field = fmt::format("hash.hashes[{}]", i);
        hash.hashes.push_back(parseKey(hashes[i], at, field, digestSize(Digest::Sha512)));
    }
    hash.salt = parseSalt(object, at, kHashField);
    hash.iterations = parseIterations(object, at, kHashField);
    return hash;
}

ScramSecrets parseScram(const json& object, Digest digest, const Location& at,
                        std::string_view prefix) {
    requireObject(object, at, prefix);
    refuseUnknownKeys(object, {"hashes", "salt", "iterations"}, at, prefix);
    ScramSecrets secrets;
    const json& hashes = hashesArray(object, at, prefix);
    for (size_t i = 0; i < hashes.size(); ++i) {
        const std::string field = fmt::format("{}.hashes[{}]", prefix, i);
        requireObject(hashes[i], at, field);
        refuseUnknownKeys(hashes[i], {"stored_key", "server_key"}, at, field);
        ScramSecrets::Keys keys;
        keys.stored_key = parseKey(member(hashes[i], "stored_key", at, field), at,
                                   joinField(field, "stored_key"), digestSize(digest));
        keys.server_key = parseKey(member(hashes[i], "server_key", at, field), at,
                                   joinField(field, "server_key"), digestSize(digest));
        secrets.keys.push_back(std::move(keys));
    }
    secrets.salt = parseSalt(object, at, prefix);
    secrets.iterations = parseIterations(object, at, prefix);
    return secrets;
}

/// A number or a string of decimal digits (kv_engine writes both).
int64_t parseExpiry(const json& value, const Location& at) {
    if (value.is_number_integer()) {
        if (value.is_number_unsigned() && value.get<uint64_t>() > INT64_MAX) {
            at.fail("expiry", "is out of range");
        }
        return value.get<int64_t>();
    }
    if (value.is_string()) {
        const std::string& text = value.get_ref<const std::string&>();
        int64_t expiry = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), expiry);
        if (!text.empty() && error == std::errc() && end == text.data() + text.size()) {
            return expiry;
        }
    }
    at.fail("expiry", "is not an integer");
}

UserEntry parseUser(const std::string& name, const json& object, std::string_view source) {
    const Location at(source, name);
    if (!isValidUsername(name)) {
        throw PasswordDatabaseError(fmt::format("{}: user '{}': invalid user name", source, name));
    }
    requireObject(object, at, "entry");
    refuseUnknownKeys(object, {"hash", "scram-sha-512", "scram-sha-256", "scram-sha-1", "expiry"},
                      at, "entry");
    UserEntry entry;
    entry.name = name;
    entry.hash = parseHash(member(object, "hash", at, ""), at);
    for (const ScramAttribute& attribute : kScramAttributes) {
        const auto it = object.find(attribute.key);
        if (it != object.end()) {
            entry.*attribute.member = parseScram(*it, attribute.digest, at, attribute.key);
        }
    }
    if (const auto it = object.find("expiry"); it != object.end()) {
        entry.expiry = parseExpiry(*it, at);
    }
    return entry;
}

void checkVersion(const json& document, std::string_view source) {
    const auto it = document.find(kVersionKey);
    if (it == document.end()) {
        throw PasswordDatabaseError(fmt::format("{}: {} is missing", source, kVersionKey));
    }
    if (!it->is_number_integer() || it->get<int64_t>() != kVersion) {
        throw PasswordDatabaseError(fmt::format("{}: {} is {}, only {} is supported", source,
                                                kVersionKey, it->dump(), kVersion));
    }
}

// --- writing ---------------------------------------------------------------------------------

using OrderedJson = nlohmann::ordered_json;

OrderedJson hashesJson(const std::vector<std::string>& hashes) {
    OrderedJson array = OrderedJson::array();
    for (const std::string& hash : hashes) {
        array.push_back(base64Encode(hash));
    }
    return array;
}

OrderedJson scramJson(const ScramSecrets& secrets) {
    OrderedJson array = OrderedJson::array();
    for (const ScramSecrets::Keys& keys : secrets.keys) {
        array.push_back({{"stored_key", base64Encode(keys.stored_key)},
                         {"server_key", base64Encode(keys.server_key)}});
    }
    return {{"hashes", std::move(array)},
            {"salt", base64Encode(secrets.salt)},
            {"iterations", secrets.iterations}};
}

OrderedJson userJson(const UserEntry& entry) {
    OrderedJson object = OrderedJson::object();
    object["hash"] = {{"algorithm", kHashAlgorithm},
                      {"hashes", hashesJson(entry.hash.hashes)},
                      {"salt", base64Encode(entry.hash.salt)},
                      {"iterations", entry.hash.iterations}};
    for (const ScramAttribute& attribute : kScramAttributes) {
        if (const auto& secrets = entry.*attribute.member) {
            object[std::string(attribute.key)] = scramJson(*secrets);
        }
    }
    if (entry.expiry) {
        object["expiry"] = *entry.expiry;
    }
    return object;
}

}  // namespace

const ScramSecrets* UserEntry::scram(Digest digest) const {
    for (const ScramAttribute& attribute : kScramAttributes) {
        if (attribute.digest == digest) {
            const auto& secrets = this->*attribute.member;
            return secrets ? &*secrets : nullptr;
        }
    }
    return nullptr;
}

PasswordDatabase PasswordDatabase::parse(std::string_view text, std::string_view source) {
    json document;
    try {
        document = json::parse(text);
    } catch (const json::exception& e) {
        throw PasswordDatabaseError(fmt::format("{}: not valid JSON: {}", source, e.what()));
    }
    if (!document.is_object()) {
        throw PasswordDatabaseError(fmt::format("{}: is not a JSON object", source));
    }
    checkVersion(document, source);
    PasswordDatabase database;
    for (const auto& [name, value] : document.items()) {
        if (name != kVersionKey) {
            database.users_.emplace(name, parseUser(name, value, source));
        }
    }
    return database;
}

PasswordDatabase PasswordDatabase::load(const std::string& path) {
    std::string error;
    const auto text = readSecureFile(path, error);
    if (!text) {
        throw PasswordDatabaseError(fmt::format("{}: cannot read: {}", path, error));
    }
    return parse(*text, path);
}

std::string PasswordDatabase::toJson() const {
    OrderedJson document = OrderedJson::object();
    document[std::string(kVersionKey)] = kVersion;
    for (const auto& [name, entry] : users_) {
        document[name] = userJson(entry);
    }
    return document.dump(4) + "\n";
}

void PasswordDatabase::save(const std::string& path) const {
    std::string error;
    if (!writeSecureFile(path, toJson(), error)) {
        throw PasswordDatabaseError(error);
    }
}

const UserEntry* PasswordDatabase::find(std::string_view name) const {
    const auto it = users_.find(name);
    return it == users_.end() ? nullptr : &it->second;
}

void PasswordDatabase::upsert(UserEntry entry) {
    std::string name = entry.name;
    users_.insert_or_assign(std::move(name), std::move(entry));
}

bool PasswordDatabase::remove(std::string_view name) {
    const auto it = users_.find(name);
    if (it == users_.end()) {
        return false;
    }
    users_.erase(it);
    return true;
}

std::vector<std::string> PasswordDatabase::names() const {
    std::vector<std::string> names;
    names.reserve(users_.size());
    for (const auto& [name, entry] : users_) {
        names.push_back(name);
    }
    return names;
}

namespace {

ScramSecrets makeScramSecrets(Digest digest, std::string_view password, unsigned iterations) {
    ScramSecrets secrets;
    secrets.salt = randomBytes(digestSize(digest));
    secrets.iterations = iterations;
    const std::string salted = pbkdf2(digest, password, secrets.salt, iterations);
    secrets.keys.push_back(
        {hash(digest, hmac(digest, salted, "Client Key")), hmac(digest, salted, "Server Key")});
    return secrets;
}

ScramSecrets dummyScramSecrets(Digest digest, std::string_view name,
                               std::string_view process_secret) {
    ScramSecrets secrets;
    secrets.salt = hmac(digest, name, process_secret);
    secrets.iterations = kDefaultIterations;
    secrets.keys.push_back({randomBytes(digestSize(digest)), randomBytes(digestSize(digest))});
    return secrets;
}

}  // namespace

UserEntry makeUser(std::string name, std::string_view password, unsigned iterations) {
    if (!isValidUsername(name)) {
        throw PasswordDatabaseError(fmt::format("user '{}': invalid user name", name));
    }
    if (iterations == 0 || iterations > INT_MAX) {
        throw PasswordDatabaseError(
            fmt::format("user '{}': iterations must be between 1 and 2147483647", name));
    }
    UserEntry entry;
    entry.name = std::move(name);
    entry.hash.salt = randomBytes(kPlainSaltSize);
    entry.hash.iterations = iterations;
    entry.hash.hashes.push_back(pbkdf2(Digest::Sha512, password, entry.hash.salt, iterations));
    for (const ScramAttribute& attribute : kScramAttributes) {
        entry.*attribute.member = makeScramSecrets(attribute.digest, password, iterations);
    }
    return entry;
}

bool verifyPassword(const UserEntry& user, std::string_view password) {
    if (user.hash.iterations == 0 || user.hash.iterations > INT_MAX) {
        return false;
    }
    const std::string candidate =
        pbkdf2(Digest::Sha512, password, user.hash.salt, user.hash.iterations);
    bool matched = false;
    for (const std::string& stored : user.hash.hashes) {
        matched = constantTimeEqual(candidate, stored) || matched;
    }
    return matched;
}

UserEntry dummyUser(std::string_view name, std::string_view process_secret) {
    UserEntry entry;
    entry.name = std::string(name);
    entry.hash.salt = hmac(Digest::Sha512, name, process_secret);
    entry.hash.iterations = kDefaultIterations;
    entry.hash.hashes.push_back(randomBytes(digestSize(Digest::Sha512)));
    for (const ScramAttribute& attribute : kScramAttributes) {
        entry.*attribute.member = dummyScramSecrets(attribute.digest, name, process_secret);
    }
    return entry;
}

namespace {

/// Decodes the UTF-8 sequence at the front of `text` (and consumes it); nullopt if it is not
/// well-formed (truncated, overlong, a surrogate or beyond U+10FFFF).
std::optional<char32_t> takeCodePoint(std::string_view& text) {
    const auto lead = static_cast<unsigned char>(text.front());
    const size_t length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if ((lead >= 0x80 && lead < 0xc2) || lead > 0xf4 || text.size() < length) {
        return std::nullopt;
    }
    char32_t code_point = length == 1 ? lead : lead & (0x7f >> length);
    for (size_t i = 1; i < length; ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if ((byte & 0xc0) != 0x80) {
            return std::nullopt;
        }
        code_point = (code_point << 6) | (byte & 0x3f);
    }
    constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kSmallest[length] || code_point > 0x10ffff ||
        (code_point >= 0xd800 && code_point <= 0xdfff)) {
        return std::nullopt;
    }
    text.remove_prefix(length);
    return code_point;
}

bool isControlOrSpace(char32_t code_point) {
    return code_point <= 0x20 || (code_point >= 0x7f && code_point <= 0x9f);
}

}  // namespace

bool isValidUsername(std::string_view name) {
    if (name.empty() || name.size() > kMaxUsernameLength || name.front() == '@') {
        return false;
    }
    size_t at_signs = 0;
    for (std::string_view rest = name; !rest.empty();) {
        const auto code_point = takeCodePoint(rest);
        if (!code_point || isControlOrSpace(*code_point) ||
            (*code_point < 0x80 &&
             kUsernameForbidden.find(static_cast<char>(*code_point)) != std::string_view::npos)) {
            return false;
        }
        at_signs += *code_point == '@' ? 1 : 0;
    }
    return at_signs <= 1;
}

}  // namespace eddy::security
