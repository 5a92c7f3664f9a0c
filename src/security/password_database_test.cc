// eddy — PasswordDatabase: the v2 file format, its error messages, saving, and user secrets.
#include "security/password_database.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <sys/stat.h>

namespace eddy::security {
namespace {

using nlohmann::json;

/// Iterations of the entries made here: few, so the tests stay fast.
constexpr unsigned kTestIterations = 16;

/// A scratch directory removed at the end of the test.
class TempDirectory {
public:
    TempDirectory() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "eddy-pwdb.XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    TempDirectory(const TempDirectory&) = delete;
    TempDirectory& operator=(const TempDirectory&) = delete;
    ~TempDirectory() { std::filesystem::remove_all(path_); }

    [[nodiscard]] std::string file(std::string_view name) const { return path_ / name; }
    [[nodiscard]] std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& entry : std::filesystem::directory_iterator(path_)) {
            names.push_back(entry.path().filename().string());
        }
        return names;
    }

private:
    std::filesystem::path path_;
};

unsigned fileMode(const std::string& path) {
    struct stat info {};
    EXPECT_EQ(0, ::stat(path.c_str(), &info));
    return info.st_mode & 0777;
}

std::string errorOf(std::string_view text) {
    try {
        (void)PasswordDatabase::parse(text, "users.json");
    } catch (const PasswordDatabaseError& e) {
        return e.what();
    }
    return "(no error)";
}

PasswordDatabase sampleDatabase() {
    PasswordDatabase database;
    database.upsert(makeUser("alice", "secret", kTestIterations));
    UserEntry bob = makeUser("bob@example", "hunter2", kTestIterations);
    bob.expiry = 2000000000;
    database.upsert(std::move(bob));
    return database;
}

// --- makeUser, verifyPassword, dummyUser -----------------------------------------------------

TEST(PasswordDatabaseTest, MakeUserFillsEverySecret) {
    const UserEntry user = makeUser("alice", "secret", kTestIterations);
    EXPECT_EQ("alice", user.name);
    EXPECT_EQ(64u, user.hash.salt.size());
    EXPECT_EQ(kTestIterations, user.hash.iterations);
    ASSERT_EQ(1u, user.hash.hashes.size());
    EXPECT_EQ(pbkdf2(Digest::Sha512, "secret", user.hash.salt, kTestIterations),
              user.hash.hashes[0]);
    for (Digest digest : {Digest::Sha1, Digest::Sha256, Digest::Sha512}) {
        const ScramSecrets* secrets = user.scram(digest);
        ASSERT_NE(nullptr, secrets);
        EXPECT_EQ(digestSize(digest), secrets->salt.size());
        EXPECT_EQ(kTestIterations, secrets->iterations);
        ASSERT_EQ(1u, secrets->keys.size());
        const std::string salted = pbkdf2(digest, "secret", secrets->salt, kTestIterations);
        EXPECT_EQ(hash(digest, hmac(digest, salted, "Client Key")), secrets->keys[0].stored_key);
        EXPECT_EQ(hmac(digest, salted, "Server Key"), secrets->keys[0].server_key);
    }
    EXPECT_FALSE(user.expiry.has_value());
}

TEST(PasswordDatabaseTest, MakeUserUsesFreshSalts) {
    const UserEntry a = makeUser("alice", "secret", kTestIterations);
    const UserEntry b = makeUser("alice", "secret", kTestIterations);
    EXPECT_NE(a.hash.salt, b.hash.salt);
    EXPECT_NE(a.sha512->salt, b.sha512->salt);
}

TEST(PasswordDatabaseTest, MakeUserUsesTheDefaultIterations) {
    EXPECT_EQ(kDefaultIterations, makeUser("alice", "secret").sha1->iterations);
}

TEST(PasswordDatabaseTest, MakeUserRefusesBadNames) {
    EXPECT_THROW((void)makeUser("", "x", kTestIterations), PasswordDatabaseError);
    EXPECT_THROW((void)makeUser("a,b", "x", kTestIterations), PasswordDatabaseError);
    EXPECT_THROW((void)makeUser("@internal", "x", kTestIterations), PasswordDatabaseError);
}

TEST(PasswordDatabaseTest, VerifyPassword) {
    UserEntry user = makeUser("alice", "secret", kTestIterations);
    EXPECT_TRUE(verifyPassword(user, "secret"));
    EXPECT_FALSE(verifyPassword(user, "Secret"));
    EXPECT_FALSE(verifyPassword(user, ""));
    // A second hash (a password being rotated) also matches.
    user.hash.hashes.push_back(pbkdf2(Digest::Sha512, "new", user.hash.salt, kTestIterations));
    EXPECT_TRUE(verifyPassword(user, "secret"));
    EXPECT_TRUE(verifyPassword(user, "new"));
}

TEST(PasswordDatabaseTest, DummyUserIsStablePerNameAndSecret) {
    const UserEntry a = dummyUser("ghost", "process secret");
    const UserEntry b = dummyUser("ghost", "process secret");
    const UserEntry other_name = dummyUser("ghost2", "process secret");
    const UserEntry other_secret = dummyUser("ghost", "another secret");
    for (Digest digest : {Digest::Sha1, Digest::Sha256, Digest::Sha512}) {
        ASSERT_NE(nullptr, a.scram(digest));
        EXPECT_EQ(hmac(digest, "ghost", "process secret"), a.scram(digest)->salt);
        EXPECT_EQ(digestSize(digest), a.scram(digest)->salt.size());
        EXPECT_EQ(kDefaultIterations, a.scram(digest)->iterations);
        EXPECT_EQ(a.scram(digest)->salt, b.scram(digest)->salt);
        EXPECT_NE(a.scram(digest)->salt, other_name.scram(digest)->salt);
        EXPECT_NE(a.scram(digest)->salt, other_secret.scram(digest)->salt);
    }
    EXPECT_EQ("ghost", a.name);
    EXPECT_EQ(kDefaultIterations, a.hash.iterations);
    EXPECT_FALSE(a.expiry.has_value());
}

TEST(PasswordDatabaseTest, UsernameRules) {
    const std::string_view good_names[] = {"a",       "alice", "bob@example.com", "x-y_z.1+2",
                                           "Ünïcode", "a@",    "~!#$%^&*'|`"};
    for (std::string_view good : good_names) {
        EXPECT_TRUE(isValidUsername(good)) << good;
    }
    EXPECT_TRUE(isValidUsername(std::string(128, 'a')));
    EXPECT_FALSE(isValidUsername(std::string(129, 'a')));
    for (std::string_view bad : {"",    "@internal", "a@b@c", "a b", "a\tb", "a\x7f", "a(b",  "a)b",
                                 "a<b", "a>b",       "a,b",   "a;b", "a:b",  "a\\b",  "a\"b", "a/b",
                                 "a[b", "a]b",       "a?b",   "a=b", "a{b",  "a}b"}) {
        EXPECT_FALSE(isValidUsername(bad)) << bad;
    }
    EXPECT_FALSE(isValidUsername(std::string_view("a\0b", 3)));
    // Valid UTF-8 only, and no C1 control characters.
    EXPECT_TRUE(isValidUsername("\xe6\x97\xa5\xe6\x9c\xac"));  // 日本
    EXPECT_TRUE(isValidUsername("\xf0\x9f\x98\x80"));          // U+1F600
    for (std::string_view bad : {"\xff", "a\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
                                 "\xf4\x90\x80\x80", "a\xc2\x85", "\x80"}) {
        EXPECT_FALSE(isValidUsername(bad)) << toHex(bad);
    }
}

// --- the container ---------------------------------------------------------------------------

TEST(PasswordDatabaseTest, FindUpsertRemove) {
    PasswordDatabase database;
    EXPECT_EQ(0u, database.size());
    EXPECT_EQ(nullptr, database.find("alice"));
    database.upsert(makeUser("alice", "one", kTestIterations));
    database.upsert(makeUser("bob", "two", kTestIterations));
    ASSERT_NE(nullptr, database.find("alice"));
    EXPECT_TRUE(verifyPassword(*database.find("alice"), "one"));
    database.upsert(makeUser("alice", "three", kTestIterations));
    EXPECT_EQ(2u, database.size());
    EXPECT_TRUE(verifyPassword(*database.find("alice"), "three"));
    EXPECT_EQ((std::vector<std::string>{"alice", "bob"}), database.names());
    EXPECT_TRUE(database.remove("alice"));
    EXPECT_FALSE(database.remove("alice"));
    EXPECT_EQ(nullptr, database.find("alice"));
    EXPECT_EQ(1u, database.size());
}

// --- the file format -------------------------------------------------------------------------

TEST(PasswordDatabaseTest, ToJsonIsTheV2Format) {
    const json document = json::parse(sampleDatabase().toJson());
    EXPECT_EQ(2, document["@@version@@"]);
    const json& alice = document["alice"];
    EXPECT_EQ("pbkdf2-hmac-sha512", alice["hash"]["algorithm"]);
    EXPECT_EQ(kTestIterations, alice["hash"]["iterations"]);
    EXPECT_EQ(1u, alice["hash"]["hashes"].size());
    for (const char* key : {"scram-sha-512", "scram-sha-256", "scram-sha-1"}) {
        ASSERT_TRUE(alice.contains(key)) << key;
        EXPECT_EQ(kTestIterations, alice[key]["iterations"]);
        EXPECT_TRUE(alice[key]["hashes"][0].contains("stored_key"));
        EXPECT_TRUE(alice[key]["hashes"][0].contains("server_key"));
        EXPECT_TRUE(alice[key].contains("salt"));
    }
    EXPECT_FALSE(alice.contains("expiry"));
    EXPECT_EQ(2000000000, document["bob@example"]["expiry"]);
}

TEST(PasswordDatabaseTest, ParseToJsonRoundTrip) {
    const PasswordDatabase original = sampleDatabase();
    const std::string text = original.toJson();
    const PasswordDatabase parsed = PasswordDatabase::parse(text, "users.json");
    EXPECT_EQ(text, parsed.toJson());
    ASSERT_NE(nullptr, parsed.find("alice"));
    EXPECT_TRUE(verifyPassword(*parsed.find("alice"), "secret"));
    EXPECT_EQ(original.find("alice")->sha256->keys[0].stored_key,
              parsed.find("alice")->sha256->keys[0].stored_key);
    EXPECT_EQ(2000000000, parsed.find("bob@example")->expiry);
}

TEST(PasswordDatabaseTest, ParsesAHandWrittenFile) {
    const std::string salt = base64Encode(std::string(20, 's'));
    const std::string key20 = base64Encode(std::string(20, 'k'));
    const std::string key64 = base64Encode(std::string(64, 'h'));
    const json document = {
        {"@@version@@", 2},
        {"carol",
         {{"hash",
           {{"algorithm", "pbkdf2-hmac-sha512"},
            {"hashes", {key64, key64}},
            {"salt", salt},
            {"iterations", 10}}},
          {"scram-sha-1",
           {{"hashes", {{{"stored_key", key20}, {"server_key", key20}}}},
            {"salt", salt},
            {"iterations", 4096}}},
          {"expiry", "1700000000"}}},
    };
    const PasswordDatabase database = PasswordDatabase::parse(document.dump(), "users.json");
    const UserEntry* carol = database.find("carol");
    ASSERT_NE(nullptr, carol);
    EXPECT_EQ(2u, carol->hash.hashes.size());
    EXPECT_EQ(10u, carol->hash.iterations);
    ASSERT_NE(nullptr, carol->scram(Digest::Sha1));
    EXPECT_EQ(std::string(20, 's'), carol->sha1->salt);
    EXPECT_EQ(4096u, carol->sha1->iterations);
    EXPECT_EQ(std::string(20, 'k'), carol->sha1->keys[0].stored_key);
    EXPECT_EQ(nullptr, carol->scram(Digest::Sha256));
    EXPECT_EQ(nullptr, carol->scram(Digest::Sha512));
    EXPECT_EQ(1700000000, carol->expiry);
}

TEST(PasswordDatabaseTest, AnEmptyDatabaseIsJustTheVersion) {
    const PasswordDatabase database = PasswordDatabase::parse(R"({"@@version@@": 2})", "x");
    EXPECT_EQ(0u, database.size());
    EXPECT_EQ(2, json::parse(PasswordDatabase().toJson())["@@version@@"]);
}

TEST(PasswordDatabaseTest, DocumentLevelErrors) {
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"{", "users.json: not valid JSON"},
        {"[]", "users.json: is not a JSON object"},
        {"{}", "users.json: @@version@@ is missing"},
        {R"({"@@version@@": 1})", "users.json: @@version@@ is 1, only 2 is supported"},
        {R"({"@@version@@": "2"})", "users.json: @@version@@ is \"2\", only 2 is supported"},
        {R"({"@@version@@": 2.0})", "users.json: @@version@@ is 2.0, only 2 is supported"},
        {R"({"@@version@@": 2, "bad,name": {}})", "users.json: user 'bad,name': invalid user name"},
        {R"({"@@version@@": 2, "@internal": {}})",
         "users.json: user '@internal': invalid user name"},
        {R"({"@@version@@": 2, "bob": []})", "users.json: user 'bob': entry is not an object"},
    };
    for (const auto& [text, message] : cases) {
        EXPECT_EQ(message, errorOf(text).substr(0, message.size())) << text;
    }
}

struct EntryErrorCase {
    std::string_view name;
    std::function<void(json& bob)> mutate;
    std::string_view message;  ///< the whole message after "users.json: user 'bob': "
};

TEST(PasswordDatabaseTest, EntryErrorsNameTheField) {
    const json valid = json::parse(sampleDatabase().toJson())["alice"];
    const EntryErrorCase cases[] = {
        {"unknown attribute", [](json& bob) { bob["password"] = "x"; },
         "entry has an unknown attribute 'password'"},
        {"no hash", [](json& bob) { bob.erase("hash"); }, "hash is missing"},
        {"hash not an object", [](json& bob) { bob["hash"] = 1; }, "hash is not an object"},
        {"argon2id", [](json& bob) { bob["hash"]["algorithm"] = "argon2id"; },
         "hash.algorithm \"argon2id\" is not supported (only \"pbkdf2-hmac-sha512\" is)"},
        {"SHA-1 hash", [](json& bob) { bob["hash"]["algorithm"] = "SHA-1"; },
         "hash.algorithm \"SHA-1\" is not supported (only \"pbkdf2-hmac-sha512\" is)"},
        {"no algorithm", [](json& bob) { bob["hash"].erase("algorithm"); },
         "hash.algorithm is missing"},
        {"hash extra", [](json& bob) { bob["hash"]["time"] = 3; },
         "hash has an unknown attribute 'time'"},
        {"hash hashes empty", [](json& bob) { bob["hash"]["hashes"] = json::array(); },
         "hash.hashes is empty"},
        {"hash hashes not array", [](json& bob) { bob["hash"]["hashes"] = "x"; },
         "hash.hashes is not an array"},
        {"hash hash not base64", [](json& bob) { bob["hash"]["hashes"][0] = "a$b"; },
         "hash.hashes[0] is not base64"},
        {"hash hash short", [](json& bob) { bob["hash"]["hashes"][0] = "AAAA"; },
         "hash.hashes[0] must be 64 bytes"},
        {"hash salt", [](json& bob) { bob["hash"]["salt"] = "not base64"; },
         "hash.salt is not base64"},
        {"hash salt empty", [](json& bob) { bob["hash"]["salt"] = ""; }, "hash.salt is empty"},
        {"hash iterations 0", [](json& bob) { bob["hash"]["iterations"] = 0; },
         "hash.iterations must be between 1 and 2147483647"},
        {"hash iterations missing", [](json& bob) { bob["hash"].erase("iterations"); },
         "hash.iterations is missing"},
        {"scram salt", [](json& bob) { bob["scram-sha-512"]["salt"] = "!!"; },
         "scram-sha-512.salt is not base64"},
        {"scram salt number", [](json& bob) { bob["scram-sha-512"]["salt"] = 5; },
         "scram-sha-512.salt is not a string"},
        {"scram hashes empty", [](json& bob) { bob["scram-sha-256"]["hashes"] = json::array(); },
         "scram-sha-256.hashes is empty"},
        {"scram hashes missing", [](json& bob) { bob["scram-sha-256"].erase("hashes"); },
         "scram-sha-256.hashes is missing"},
        {"scram iterations negative", [](json& bob) { bob["scram-sha-1"]["iterations"] = -1; },
         "scram-sha-1.iterations must be between 1 and 2147483647"},
        {"scram iterations huge",
         [](json& bob) { bob["scram-sha-1"]["iterations"] = 4294967296ULL; },
         "scram-sha-1.iterations must be between 1 and 2147483647"},
        {"scram iterations text", [](json& bob) { bob["scram-sha-1"]["iterations"] = "10"; },
         "scram-sha-1.iterations is not an integer"},
        {"scram extra", [](json& bob) { bob["scram-sha-1"]["m"] = 1; },
         "scram-sha-1 has an unknown attribute 'm'"},
        {"scram not object", [](json& bob) { bob["scram-sha-1"] = json::array(); },
         "scram-sha-1 is not an object"},
        {"stored key", [](json& bob) { bob["scram-sha-512"]["hashes"][0]["stored_key"] = "@"; },
         "scram-sha-512.hashes[0].stored_key is not base64"},
        {"server key missing",
         [](json& bob) { bob["scram-sha-512"]["hashes"][0].erase("server_key"); },
         "scram-sha-512.hashes[0].server_key is missing"},
        {"server key short",
         [](json& bob) { bob["scram-sha-256"]["hashes"][0]["server_key"] = "AAAA"; },
         "scram-sha-256.hashes[0].server_key must be 32 bytes"},
        {"key pair extra", [](json& bob) { bob["scram-sha-512"]["hashes"][0]["salt"] = "AAAA"; },
         "scram-sha-512.hashes[0] has an unknown attribute 'salt'"},
        {"key pair not object", [](json& bob) { bob["scram-sha-512"]["hashes"][0] = "AAAA"; },
         "scram-sha-512.hashes[0] is not an object"},
        {"expiry text", [](json& bob) { bob["expiry"] = "soon"; }, "expiry is not an integer"},
        {"expiry float", [](json& bob) { bob["expiry"] = 1.5; }, "expiry is not an integer"},
    };
    for (const EntryErrorCase& test : cases) {
        json document = {{"@@version@@", 2}, {"bob", valid}};
        test.mutate(document["bob"]);
        EXPECT_EQ("users.json: user 'bob': " + std::string(test.message), errorOf(document.dump()))
            << test.name;
    }
}

// --- files -----------------------------------------------------------------------------------

TEST(PasswordDatabaseTest, SaveAndLoad) {
    TempDirectory directory;
    const std::string path = directory.file("isasl.pw");
    const PasswordDatabase original = sampleDatabase();
    original.save(path);
    EXPECT_EQ(0600u, fileMode(path));
    EXPECT_EQ((std::vector<std::string>{"isasl.pw"}), directory.entries());
    const PasswordDatabase loaded = PasswordDatabase::load(path);
    EXPECT_EQ(original.toJson(), loaded.toJson());
}

TEST(PasswordDatabaseTest, SaveReplacesAnExistingFileAndItsMode) {
    TempDirectory directory;
    const std::string path = directory.file("isasl.pw");
    PasswordDatabase().save(path);
    ASSERT_EQ(0, ::chmod(path.c_str(), 0644));
    const PasswordDatabase database = sampleDatabase();
    database.save(path);
    EXPECT_EQ(0600u, fileMode(path));
    EXPECT_EQ(2u, PasswordDatabase::load(path).size());
    EXPECT_EQ((std::vector<std::string>{"isasl.pw"}), directory.entries());
}

TEST(PasswordDatabaseTest, SaveIntoAMissingDirectoryFails) {
    TempDirectory directory;
    const std::string path = directory.file("missing/isasl.pw");
    try {
        PasswordDatabase().save(path);
        FAIL() << "saved into a missing directory";
    } catch (const PasswordDatabaseError& e) {
        EXPECT_NE(std::string::npos, std::string(e.what()).find(path)) << e.what();
    }
}

TEST(PasswordDatabaseTest, LoadErrorsNameTheFile) {
    TempDirectory directory;
    const std::string missing = directory.file("missing.pw");
    try {
        (void)PasswordDatabase::load(missing);
        FAIL() << "loaded a missing file";
    } catch (const PasswordDatabaseError& e) {
        EXPECT_EQ(missing + ": cannot read: No such file or directory", e.what());
    }

    const std::string bad = directory.file("bad.pw");
    std::FILE* file = std::fopen(bad.c_str(), "w");
    ASSERT_NE(nullptr, file);
    std::fputs(R"({"@@version@@": 2, "bob": {"hash": 1}})", file);
    std::fclose(file);
    try {
        (void)PasswordDatabase::load(bad);
        FAIL() << "loaded a bad file";
    } catch (const PasswordDatabaseError& e) {
        EXPECT_EQ(bad + ": user 'bob': hash is not an object", e.what());
    }
}

}  // namespace
}  // namespace eddy::security
