// eddy — RbacDatabase: the file format, its errors and the privilege lookup.
#include "security/rbac_database.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace eddy::security {
namespace {

constexpr std::string_view kSample = R"({
  "alice": {"domain": "local", "privileges": ["Stats"],
            "buckets": {"orders": ["Read", "Upsert"], "*": ["Read"]}},
  "admin": {"privileges": ["all"], "buckets": {"*": ["all"]}},
  "carol": {"buckets": {"orders": {"privileges": ["Read"]}}}
})";

TEST(RbacDatabaseTest, ExactBucketBeatsWildcard) {
    const RbacDatabase db = RbacDatabase::parse(kSample, "rbac.json");
    EXPECT_EQ(PrivilegeSet({Privilege::Read, Privilege::Upsert}),
              db.bucketPrivileges("alice", "orders"));
    EXPECT_EQ(PrivilegeSet({Privilege::Read}), db.bucketPrivileges("alice", "other"));
    EXPECT_FALSE(db.bucketPrivileges("carol", "other").has_value());
    EXPECT_FALSE(db.bucketPrivileges("nobody", "orders").has_value());
}

TEST(RbacDatabaseTest, PrivilegesJoinGlobalAndBucket) {
    const RbacDatabase db = RbacDatabase::parse(kSample, "rbac.json");
    const PrivilegeSet set = db.privileges("alice", std::string_view("orders"));
    EXPECT_TRUE(set.has(Privilege::Stats));
    EXPECT_TRUE(set.has(Privilege::Upsert));
    EXPECT_FALSE(set.has(Privilege::Delete));
    EXPECT_FALSE(set.has(Privilege::NodeSupervisor));
    // A bucket without an entry: the global privileges only.
    const PrivilegeSet carol = db.privileges("carol", std::string_view("other"));
    EXPECT_TRUE(carol.empty());
}

TEST(RbacDatabaseTest, NoBucketGrantsEveryBucketPrivilegeButNoGlobalOne) {
    const RbacDatabase db = RbacDatabase::parse(kSample, "rbac.json");
    const PrivilegeSet set = db.privileges("carol", std::nullopt);
    EXPECT_TRUE(set.has(Privilege::Read));
    EXPECT_TRUE(set.has(Privilege::DcpProducer));
    EXPECT_FALSE(set.has(Privilege::Stats));
    EXPECT_FALSE(set.has(Privilege::NodeSupervisor));
}

TEST(RbacDatabaseTest, AllGrantsEveryPrivilegeOfItsLevel) {
    const RbacDatabase db = RbacDatabase::parse(kSample, "rbac.json");
    EXPECT_EQ(PrivilegeSet::all(), db.privileges("admin", std::string_view("any")));
}

TEST(RbacDatabaseTest, RoundTripsThroughJson) {
    const RbacDatabase db = RbacDatabase::parse(kSample, "rbac.json");
    const RbacDatabase again = RbacDatabase::parse(db.toJson(), "again");
    for (const auto& name : db.names()) {
        for (const char* bucket : {"orders", "other"}) {
            EXPECT_EQ(db.privileges(name, std::string_view(bucket)),
                      again.privileges(name, std::string_view(bucket)))
                << name << " " << bucket;
        }
    }
}

struct BadFile {
    std::string_view text;
    std::string_view message;
};

class RbacDatabaseErrorTest : public ::testing::TestWithParam<BadFile> {};

TEST_P(RbacDatabaseErrorTest, NamesTheFileAndTheField) {
    try {
        (void)RbacDatabase::parse(GetParam().text, "rbac.json");
        FAIL() << "accepted " << GetParam().text;
    } catch (const RbacError& error) {
        const std::string what = error.what();
        EXPECT_NE(std::string::npos, what.find("rbac.json")) << what;
        EXPECT_NE(std::string::npos, what.find(GetParam().message)) << what;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Rejected, RbacDatabaseErrorTest,
    ::testing::Values(BadFile{"{", "not valid JSON"}, BadFile{"[]", "JSON object of users"},
                      BadFile{R"({"a": {"privileges": ["Fly"]}})", "unknown privilege 'Fly'"},
                      BadFile{R"({"a": {"privileges": ["Read"]}})", "'Read' is a bucket privilege"},
                      BadFile{R"({"a": {"buckets": {"b": ["Stats"]}}})",
                              "'Stats' is a global privilege"},
                      BadFile{R"({"a": {"domain": "external"}})", "must be \"local\""},
                      BadFile{R"({"a": {"colour": 1}})", "unknown attribute 'colour'"},
                      BadFile{R"({"a": {"buckets": {"b": {"scopes": {}}}}})", "not supported yet"},
                      BadFile{R"({"@internal": {}})", "reserved"},
                      BadFile{R"({"a": {"buckets": {"b": 7}}})", "array or an object"}));

TEST(RbacDatabaseTest, SaveAndLoad) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("eddy-rbac-" + std::to_string(::getpid()) + ".json");
    const RbacDatabase db = RbacDatabase::parse(kSample, "rbac.json");
    db.save(path.string());
    EXPECT_EQ(std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
              std::filesystem::status(path).permissions());
    const RbacDatabase loaded = RbacDatabase::load(path.string());
    EXPECT_EQ(db.names(), loaded.names());
    std::filesystem::remove(path);
    EXPECT_THROW((void)RbacDatabase::load(path.string()), RbacError);
}

TEST(AccessTest, MissingNamesTheFirstAbsentPrivilege) {
    const PrivilegeSet read{Privilege::Read};
    EXPECT_FALSE(Access::anyone().missing({}).has_value());
    EXPECT_FALSE(Access::one(Privilege::Read).missing(read).has_value());
    EXPECT_EQ(Privilege::Upsert, Access::both(Privilege::Read, Privilege::Upsert).missing(read));
    EXPECT_FALSE(Access::either(Privilege::Insert, Privilege::Read).missing(read).has_value());
    EXPECT_EQ(Privilege::Insert,
              Access::either(Privilege::Insert, Privilege::Upsert).missing(read));
}

TEST(PrivilegeTest, NamesRoundTrip) {
    for (const PrivilegeInfo& info : kPrivileges) {
        EXPECT_EQ(info.privilege, parsePrivilege(info.name));
        EXPECT_EQ(info.name, privilegeName(info.privilege));
    }
    EXPECT_FALSE(parsePrivilege("all").has_value());
    EXPECT_EQ("Read,Upsert", describe({Privilege::Upsert, Privilege::Read}));
}

}  // namespace
}  // namespace eddy::security
