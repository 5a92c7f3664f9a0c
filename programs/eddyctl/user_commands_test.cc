// eddyctl user — parsing and applying the user commands to real files.
#include "user_commands.h"

#include "security/password_database.h"
#include "security/rbac_database.h"
#include "tool_common.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace eddy::tools::ctl {
namespace {

using Words = std::vector<std::string>;

class UserCommandsTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("eddyctl-users-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        files_ = {(dir_ / "users.json").string(), (dir_ / "rbac.json").string()};
        security::PasswordDatabase passwords;
        passwords.upsert(security::makeUser("Administrator", "password", 1000));
        passwords.save(files_.passwords);
        security::RbacDatabase rbac;
        security::RbacUser admin;
        admin.global = PrivilegeSet::allOfLevel(false);
        admin.buckets["*"] = PrivilegeSet::allOfLevel(true);
        rbac.upsert("Administrator", admin);
        rbac.save(files_.rbac);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path dir_;
    UserFiles files_;
};

TEST_F(UserCommandsTest, AddWritesBothFiles) {
    const UserCommand command = parseUserCommand({"add", "alice", "--password", "pw", "--bucket",
                                                  "default=Read,Upsert", "--global", "Stats"});
    EXPECT_EQ("user alice added", applyUserCommand(command, files_));
    const auto passwords = security::PasswordDatabase::load(files_.passwords);
    ASSERT_NE(nullptr, passwords.find("alice"));
    EXPECT_TRUE(security::verifyPassword(*passwords.find("alice"), "pw"));
    const auto rbac = security::RbacDatabase::load(files_.rbac);
    EXPECT_EQ(PrivilegeSet({Privilege::Read, Privilege::Upsert}),
              rbac.bucketPrivileges("alice", "default"));
    EXPECT_TRUE(rbac.find("alice")->global.has(Privilege::Stats));
    EXPECT_THROW((void)applyUserCommand(command, files_), std::runtime_error);
}

TEST_F(UserCommandsTest, PasswdAndDel) {
    (void)applyUserCommand(parseUserCommand({"add", "bob", "--password", "one"}), files_);
    EXPECT_EQ("password of bob changed",
              applyUserCommand(parseUserCommand({"passwd", "bob", "--password", "two"}), files_));
    const auto passwords = security::PasswordDatabase::load(files_.passwords);
    EXPECT_TRUE(security::verifyPassword(*passwords.find("bob"), "two"));
    EXPECT_FALSE(security::verifyPassword(*passwords.find("bob"), "one"));
    EXPECT_EQ("user bob deleted", applyUserCommand(parseUserCommand({"del", "bob"}), files_));
    EXPECT_EQ(nullptr, security::PasswordDatabase::load(files_.passwords).find("bob"));
    EXPECT_EQ(nullptr, security::RbacDatabase::load(files_.rbac).find("bob"));
    EXPECT_THROW((void)applyUserCommand(parseUserCommand({"del", "bob"}), files_),
                 std::runtime_error);
    EXPECT_THROW(
        (void)applyUserCommand(parseUserCommand({"passwd", "bob", "--password", "x"}), files_),
        std::runtime_error);
}

TEST_F(UserCommandsTest, ListShowsPrivileges) {
    (void)applyUserCommand(
        parseUserCommand({"add", "carol", "--password", "pw", "--bucket", "b=Read"}), files_);
    const std::string text = applyUserCommand(parseUserCommand({"list"}), files_);
    EXPECT_NE(std::string::npos, text.find("carol  global: -  b: Read\n")) << text;
    EXPECT_NE(std::string::npos, text.find("Administrator  global: ")) << text;
}

TEST(UserCommandsParseTest, BadArgumentsAreUsageErrors) {
    for (const Words& words :
         {Words{}, Words{"frobnicate"}, Words{"add"}, Words{"del", "a", "b"}, Words{"list", "x"},
          Words{"add", "a(b", "--password", "p"}, Words{"add", "a", "--password"},
          Words{"add", "a", "--password", "p", "--bucket", "noequals"},
          Words{"add", "a", "--password", "p", "--bucket", "b=Stats"},
          Words{"add", "a", "--password", "p", "--global", "Read"},
          Words{"add", "a", "--password", "p", "--global", "Fly"},
          Words{"passwd", "a", "--bucket", "b=Read"}}) {
        EXPECT_THROW((void)parseUserCommand(words), UsageError) << ::testing::PrintToString(words);
    }
}

}  // namespace
}  // namespace eddy::tools::ctl
