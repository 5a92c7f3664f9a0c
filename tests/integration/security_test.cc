// eddy tests — authentication, RBAC and bucket selection over sockets.
//
// Covers: what an unauthenticated connection may do; SCRAM-SHA512/256/1 logins, wrong
// passwords, unknown users and the close after repeated failures; PLAIN only where offered;
// the no-bucket state, SELECT_BUCKET and LIST_BUCKETS; the privilege matrix generated from the
// opcode and stat-group tables; reloads (ISASL_REFRESH, RBAC_REFRESH) that take effect on open
// connections and failed reloads that keep the old files; the audit log; the start-up rules of
// the development credentials.
#include "eddy/privilege.h"
#include "eddy/stat_groups.h"
#include "protocol/opcode.h"
#include "security/password_database.h"
#include "security/rbac_database.h"
#include "support/eddyd_process.h"
#include "support/mcbp_client.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <tuple>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::Feature;
using mcbp::ResponseStatus;

/// PBKDF2 rounds of the users these tests add (the default would only slow them down).
constexpr unsigned kTestIterations = 1000;

std::string contextOf(const Response& response) {
    const auto body = nlohmann::json::parse(response.value, nullptr, false);
    if (!body.is_object() || !body.contains("error")) {
        return {};
    }
    return body["error"].value("context", "");
}

class SecurityTest : public ::testing::Test {
protected:
    void SetUp() override { start({}); }
    void TearDown() override {
        if (server_) {
            EXPECT_EQ(0, server_->stop()) << server_->log();
        }
    }

    void start(const std::string& config) {
        server_ = std::make_unique<EddydProcess>(EddydProcess::Options{.config_json = config});
        McbpClient admin(server_->port());
        ASSERT_TRUE(waitForWarmup(admin));
    }

    [[nodiscard]] std::string dataDir() const { return server_->directory() + "/data"; }

    /// A connection with XERROR that has not logged in.
    std::unique_ptr<McbpClient> anonymous() {
        auto client = std::make_unique<McbpClient>(server_->port(), McbpClient::NoLogin{});
        client->hello({Feature::Xerror, Feature::Json});
        return client;
    }

    /// A connection with XERROR logged in as `user` (no bucket selected).
    std::unique_ptr<McbpClient> login(const std::string& user, const std::string& password) {
        auto client = anonymous();
        client->authenticate(user, password);
        return client;
    }

    /// Adds users (with `privileges` on bucket default and `global`) to both files and reloads
    /// them through the administrator.
    void addUser(const std::string& name, const std::string& password, PrivilegeSet bucket,
                 PrivilegeSet global = {}) {
        const std::string passwords_path = dataDir() + "/users.json";
        const std::string rbac_path = dataDir() + "/rbac.json";
        auto passwords = security::PasswordDatabase::load(passwords_path);
        passwords.upsert(security::makeUser(name, password, kTestIterations));
        passwords.save(passwords_path);
        auto rbac = security::RbacDatabase::load(rbac_path);
        security::RbacUser user;
        user.global = global;
        user.buckets["default"] = bucket;
        rbac.upsert(name, user);
        rbac.save(rbac_path);
        refresh();
    }

    void refresh() {
        McbpClient admin(server_->port());
        ASSERT_EQ(ResponseStatus::Success,
                  admin.execute({.opcode = ClientOpcode::IsaslRefresh}).status());
        ASSERT_EQ(ResponseStatus::Success,
                  admin.execute({.opcode = ClientOpcode::RbacRefresh}).status());
    }

    std::unique_ptr<EddydProcess> server_;
};

TEST_F(SecurityTest, BeforeAuthenticationOnlyTheHandshakeIsServed) {
    auto client = anonymous();
    for (const auto opcode :
         {ClientOpcode::Noop, ClientOpcode::Version, ClientOpcode::SaslListMechs}) {
        EXPECT_EQ(ResponseStatus::Success, client->execute({.opcode = opcode}).status())
            << *mcbp::opcodeName(static_cast<uint8_t>(opcode));
    }
    const auto error_map =
        client->execute({.opcode = ClientOpcode::GetErrorMap, .value = std::string("\x00\x02", 2)});
    EXPECT_EQ(ResponseStatus::Success, error_map.status());
    const auto get = client->execute({.opcode = ClientOpcode::Get, .key = "k"});
    EXPECT_EQ(ResponseStatus::Eaccess, get.status());
    EXPECT_EQ("Authentication required", contextOf(get));
    EXPECT_EQ(ResponseStatus::Eaccess, client->execute({.opcode = ClientOpcode::Stat}).status());
    EXPECT_EQ(ResponseStatus::Eaccess,
              client->execute({.opcode = ClientOpcode::SelectBucket, .key = "default"}).status());
    EXPECT_EQ(ResponseStatus::Eaccess,
              client->execute({.opcode = ClientOpcode::ListBuckets}).status());
}

TEST_F(SecurityTest, LargeFramesBeforeAuthenticationCloseTheConnection) {
    auto client = anonymous();
    client->send({.opcode = ClientOpcode::Set,
                  .key = "k",
                  .value = std::string(20000, 'x'),
                  .extras = storeExtras(0, 0)});
    EXPECT_TRUE(client->closedByServer());
    // Once logged in, the same frame is an ordinary command.
    McbpClient admin(server_->port());
    EXPECT_EQ(ResponseStatus::Success, admin.set("k", std::string(20000, 'x')).status());
}

TEST_F(SecurityTest, StatConnectionsNamesUserAndBucket) {
    McbpClient admin(server_->port());
    bool found = false;
    for (const auto& [key, value] : admin.stats("connections")) {
        if (key.ends_with(":user") && value == McbpClient::kUser) {
            found = true;
        }
    }
    EXPECT_TRUE(found);
}

TEST_F(SecurityTest, ListMechsOffersScramOnlyWithoutTls) {
    auto client = anonymous();
    EXPECT_EQ("SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1",
              client->execute({.opcode = ClientOpcode::SaslListMechs}).value);
    const auto plain = client->execute(
        {.opcode = ClientOpcode::SaslAuth, .key = "PLAIN", .value = std::string("\0a\0b", 4)});
    EXPECT_EQ(ResponseStatus::AuthError, plain.status());
    EXPECT_NE(std::string::npos, contextOf(plain).find("Unsupported mechanism"));
}

TEST_F(SecurityTest, EveryScramMechanismLogsIn) {
    for (const char* mechanism : {"SCRAM-SHA512", "SCRAM-SHA256", "SCRAM-SHA1"}) {
        auto client = anonymous();
        EXPECT_NO_THROW(client->authenticate(std::string(McbpClient::kUser),
                                             std::string(McbpClient::kPassword), mechanism))
            << mechanism;
    }
}

TEST_F(SecurityTest, WrongPasswordAndUnknownUserLookAlike) {
    auto client = anonymous();
    std::string wrong_context;
    try {
        client->authenticate(std::string(McbpClient::kUser), "not-the-password");
        FAIL() << "a wrong password was accepted";
    } catch (const client::StatusError& error) {
        EXPECT_EQ(ResponseStatus::AuthError, error.status());
    }
    try {
        client->authenticate("nobody-by-this-name", "whatever");
        FAIL() << "an unknown user was accepted";
    } catch (const client::StatusError& error) {
        EXPECT_EQ(ResponseStatus::AuthError, error.status());
    }
    // Still unauthenticated, and still open after two failures.
    EXPECT_EQ(ResponseStatus::Eaccess,
              client->execute({.opcode = ClientOpcode::Get, .key = "k"}).status());
    // The audit log has both failures, naming the users they claimed to be. Its writer thread
    // appends them shortly after the answers: poll a bounded time.
    int failures = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (failures < 2 && std::chrono::steady_clock::now() < deadline) {
        failures = 0;
        std::ifstream audit(dataDir() + "/audit.log");
        std::string line;
        while (std::getline(audit, line)) {
            const auto event = nlohmann::json::parse(line);
            if (event["event"] == "authentication_failed") {
                ++failures;
                EXPECT_TRUE(event["user"] == McbpClient::kUser ||
                            event["user"] == "nobody-by-this-name")
                    << line;
                EXPECT_EQ(std::string::npos, line.find("not-the-password")) << line;
            }
        }
        if (failures < 2) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    EXPECT_EQ(2, failures);
    // Nothing was lost on the way, and the default STAT group says so.
    McbpClient admin(server_->port());
    auto stats = admin.stats();
    EXPECT_EQ("0", stats["audit_events_dropped"]);
    EXPECT_EQ("0", stats["audit_write_failures"]);
}

TEST_F(SecurityTest, RepeatedFailuresCloseTheConnection) {
    auto client = anonymous();
    for (int attempt = 0; attempt < 3; ++attempt) {
        EXPECT_THROW(client->authenticate(std::string(McbpClient::kUser), "wrong"),
                     client::StatusError);
    }
    EXPECT_TRUE(client->closedByServer());
}

TEST_F(SecurityTest, AuthenticatedWithoutBucketGetsNoBucket) {
    auto client = login(std::string(McbpClient::kUser), std::string(McbpClient::kPassword));
    EXPECT_EQ(ResponseStatus::NoBucket,
              client->execute({.opcode = ClientOpcode::Get, .key = "k"}).status());
    EXPECT_EQ("default", client->execute({.opcode = ClientOpcode::ListBuckets}).value);
    EXPECT_EQ(ResponseStatus::KeyEnoent,
              client->execute({.opcode = ClientOpcode::SelectBucket, .key = "nope"}).status());
    ASSERT_NO_THROW(client->selectBucket("default"));
    EXPECT_EQ(ResponseStatus::KeyEnoent,
              client->execute({.opcode = ClientOpcode::Get, .key = "k"}).status());
    ASSERT_NO_THROW(client->selectBucket("@no bucket@"));
    EXPECT_EQ(ResponseStatus::NoBucket,
              client->execute({.opcode = ClientOpcode::Get, .key = "k"}).status());
}

TEST_F(SecurityTest, ReauthenticationDropsTheBucket) {
    addUser("reader", "reader-pw", {Privilege::Read});
    auto client = login(std::string(McbpClient::kUser), std::string(McbpClient::kPassword));
    client->selectBucket("default");
    client->authenticate("reader", "reader-pw");
    EXPECT_EQ(ResponseStatus::NoBucket,
              client->execute({.opcode = ClientOpcode::Get, .key = "k"}).status());
}

TEST_F(SecurityTest, BucketWithoutRbacEntryIsRefused) {
    addUser("stranger", "pw", {});
    auto rbac = security::RbacDatabase::load(dataDir() + "/rbac.json");
    security::RbacUser none;
    rbac.upsert("stranger", none);  // no bucket entry at all
    rbac.save(dataDir() + "/rbac.json");
    refresh();
    auto client = login("stranger", "pw");
    EXPECT_EQ(ResponseStatus::Eaccess,
              client->execute({.opcode = ClientOpcode::SelectBucket, .key = "default"}).status());
    EXPECT_EQ("", client->execute({.opcode = ClientOpcode::ListBuckets}).value);
}

/// Every opcode that needs a privilege: refused (naming the privilege) for a user holding none,
/// not refused for the administrator. Bodies are empty, so most commands then fail their
/// validation, which is after the privilege check.
TEST_F(SecurityTest, PrivilegeMatrixOfTheOpcodeTable) {
    addUser("nothing", "pw", {});
    auto none = login("nothing", "pw");
    none->selectBucket("default");
    McbpClient admin(server_->port());
    admin.hello({Feature::Xerror, Feature::Json});
    size_t checked = 0;
    for (const mcbp::OpcodeInfo& row : mcbp::clientOpcodes()) {
        if (row.access.kind == Access::Kind::Anyone ||
            row.access.kind == Access::Kind::Authenticated || row.quiet) {
            continue;
        }
        const std::string name(row.name);
        const auto refused = none->execute({.opcode = row.opcode});
        EXPECT_EQ(ResponseStatus::Eaccess, refused.status()) << name;
        EXPECT_EQ("Missing privilege: " + std::string(privilegeName(row.access.first)),
                  contextOf(refused))
            << name;
        const auto allowed = admin.execute({.opcode = row.opcode});
        EXPECT_NE(ResponseStatus::Eaccess, allowed.status()) << name;
        ++checked;
    }
    EXPECT_GT(checked, 50U);
}

/// For each privilege, a user holding exactly it passes the check of every opcode that needs
/// only it.
TEST_F(SecurityTest, EachPrivilegeOpensExactlyItsOpcodes) {
    for (const PrivilegeInfo& info : kPrivileges) {
        const std::string user = "only-" + std::string(info.name);
        PrivilegeSet set{info.privilege};
        addUser(user, "pw", info.per_bucket ? set : PrivilegeSet{},
                info.per_bucket ? PrivilegeSet{} : set);
        auto client = login(user, "pw");
        client->selectBucket("default");
        for (const mcbp::OpcodeInfo& row : mcbp::clientOpcodes()) {
            if (row.access.kind != Access::Kind::One || row.quiet) {
                continue;
            }
            const auto response = client->execute({.opcode = row.opcode});
            if (row.access.first == info.privilege) {
                EXPECT_NE(ResponseStatus::Eaccess, response.status()) << user << " " << row.name;
            } else {
                EXPECT_EQ(ResponseStatus::Eaccess, response.status()) << user << " " << row.name;
            }
        }
    }
}

TEST_F(SecurityTest, PrivilegeMatrixOfTheStatGroups) {
    addUser("simple", "pw", {Privilege::SimpleStats});
    auto client = login("simple", "pw");
    client->selectBucket("default");
    for (const StatGroupInfo& group : allStatGroups()) {
        if (!group.args.empty() && group.args.front() == '<') {
            continue;  // needs arguments; its privilege is checked like the others'
        }
        const std::string key(group.name);
        if (group.privilege == Privilege::Stats) {
            const auto response = client->execute({.opcode = ClientOpcode::Stat, .key = key});
            EXPECT_EQ(ResponseStatus::Eaccess, response.status()) << key;
            EXPECT_EQ("Missing privilege: Stats", contextOf(response)) << key;
            continue;
        }
        try {
            (void)client->client::Connection::stats(key);
        } catch (const client::StatusError& error) {
            EXPECT_NE(ResponseStatus::Eaccess, error.status()) << key << ": " << error.what();
        }
    }
}

TEST_F(SecurityTest, DcpOpenNeedsTheDcpPrivileges) {
    addUser("reader", "pw", {Privilege::Read});
    auto client = login("reader", "pw");
    client->selectBucket("default");
    std::string extras(8, '\0');
    extras[7] = 0x01;  // producer
    const auto producer =
        client->execute({.opcode = ClientOpcode::DcpOpen, .key = "p", .extras = extras});
    EXPECT_EQ(ResponseStatus::Eaccess, producer.status());
    EXPECT_EQ("Missing privilege: DcpProducer", contextOf(producer));
}

TEST_F(SecurityTest, RbacRefreshTakesEffectOnOpenConnections) {
    addUser("writer", "pw", {Privilege::Read});
    auto client = login("writer", "pw");
    client->selectBucket("default");
    EXPECT_EQ(ResponseStatus::Eaccess, client->set("k", "v").status());
    addUser("writer", "pw", {Privilege::Read, Privilege::Upsert});
    EXPECT_EQ(ResponseStatus::Success, client->set("k", "v").status());
}

TEST_F(SecurityTest, FailedReloadKeepsTheOldFiles) {
    std::ofstream(dataDir() + "/rbac.json", std::ios::trunc) << R"({"x": {"privileges": ["Fly"]}})";
    McbpClient admin(server_->port());
    admin.hello({Feature::Xerror, Feature::Json});
    const auto response = admin.execute({.opcode = ClientOpcode::RbacRefresh});
    EXPECT_EQ(ResponseStatus::Einternal, response.status());
    EXPECT_NE(std::string::npos, contextOf(response).find("Fly"));
    // The administrator still has every privilege.
    EXPECT_EQ(ResponseStatus::Success,
              admin.execute({.opcode = ClientOpcode::Stat, .key = "tasks"}).status());
}

TEST_F(SecurityTest, PlainWhenConfigured) {
    server_->stop();
    start(R"({"sasl_plain_without_tls": true})");
    auto client = anonymous();
    EXPECT_NO_THROW(client->authenticate(std::string(McbpClient::kUser),
                                         std::string(McbpClient::kPassword), "PLAIN"));
    auto wrong = anonymous();
    EXPECT_THROW(wrong->authenticate(std::string(McbpClient::kUser), "nope", "PLAIN"),
                 client::StatusError);
}

TEST_F(SecurityTest, DevelopmentDefaultLetsUnauthenticatedClientsIn) {
    server_->stop();
    start(R"({"unauthenticated_access": "development"})");
    McbpClient client(server_->port(), McbpClient::NoLogin{});
    EXPECT_EQ(ResponseStatus::Success, client.set("k", "v").status());
    EXPECT_EQ("default", client.execute({.opcode = ClientOpcode::ListBuckets}).value);
}

TEST_F(SecurityTest, ConfiguredUnauthenticatedAccessHasItsPrivilegesOnly) {
    server_->stop();
    start(R"({"unauthenticated_access": {"bucket": "default", "privileges": ["Read"]}})");
    McbpClient client(server_->port(), McbpClient::NoLogin{});
    EXPECT_EQ(ResponseStatus::Eaccess, client.set("k", "v").status());
    EXPECT_NE(ResponseStatus::Eaccess, client.get("k").status());
}

TEST(SecurityStartTest, DevelopmentCredentialsRefusedBeyondLoopback) {
    const auto directory =
        std::filesystem::temp_directory_path() / ("eddy-sec-start-" + std::to_string(::getpid()));
    std::filesystem::remove_all(directory);
    const auto [code, log] = EddydProcess::runToExit(
        {"--host", "0.0.0.0", "--port", "0", "--data-dir", (directory / "data").string()},
        std::chrono::seconds(60));
    EXPECT_EQ(1, code) << log;
    EXPECT_NE(std::string::npos, log.find("--admin-password")) << log;
    std::filesystem::remove_all(directory);
}

/// A start-up error naming the file (and the field) for a broken or half-present pair of files.
TEST(SecurityStartTest, BrokenAccessFilesStopStartUpWithTheirName) {
    const auto directory =
        std::filesystem::temp_directory_path() / ("eddy-sec-files-" + std::to_string(::getpid()));
    const auto data = directory / "data";
    const auto run = [&] {
        return EddydProcess::runToExit({"--port", "0", "--data-dir", data.string()},
                                       std::chrono::seconds(60));
    };
    std::filesystem::remove_all(directory);
    std::filesystem::create_directories(data);
    std::ofstream(data / "users.json") << R"({"@@version@@": 2, "bob": {"colour": 1}})";
    auto [code, log] = run();
    EXPECT_EQ(1, code) << log;
    EXPECT_NE(std::string::npos, log.find("rbac.json")) << log;  // the missing half is named
    std::ofstream(data / "rbac.json") << "{}";
    std::tie(code, log) = run();
    EXPECT_EQ(1, code) << log;
    EXPECT_NE(std::string::npos, log.find("users.json")) << log;
    EXPECT_NE(std::string::npos, log.find("bob")) << log;
    std::ofstream(data / "buckets.json") << "[]";
    std::filesystem::remove(data / "users.json");
    std::filesystem::remove(data / "rbac.json");
    std::tie(code, log) = run();
    EXPECT_EQ(1, code) << log;
    EXPECT_NE(std::string::npos, log.find("buckets.json")) << log;
    std::filesystem::remove_all(directory);
}

TEST(SecurityStartTest, AdminPasswordReplacesTheDevelopmentOne) {
    EddydProcess server({.extra_args = {"--admin-password", "s3cret-admin"}});
    McbpClient client(server.port(), McbpClient::NoLogin{});
    EXPECT_THROW(
        client.authenticate(std::string(McbpClient::kUser), std::string(McbpClient::kPassword)),
        client::StatusError);
    EXPECT_NO_THROW(client.authenticate(std::string(McbpClient::kUser), "s3cret-admin"));
    // The password file holds no plaintext.
    std::ifstream file(server.directory() + "/data/users.json");
    const std::string text((std::istreambuf_iterator<char>(file)),
                           std::istreambuf_iterator<char>());
    EXPECT_EQ(std::string::npos, text.find("s3cret-admin"));
    EXPECT_EQ(0, server.stop()) << server.log();
}

}  // namespace
}  // namespace eddy::test
