// eddy — AccessControl: reloads that fail keep the old databases; generations move.
#include "security/access_control.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace eddy::security {
namespace {

class AccessControlTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ =
            std::filesystem::temp_directory_path() / ("eddy-access-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        files_ = {(dir_ / "users.json").string(), (dir_ / "rbac.json").string()};
        PasswordDatabase passwords;
        passwords.upsert(makeUser("alice", "secret", 1000));
        passwords.save(files_.passwords);
        write(files_.rbac, R"({"alice": {"buckets": {"b": ["Read"]}}})");
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    static void write(const std::string& path, std::string_view text) {
        std::ofstream(path, std::ios::trunc) << text;
    }

    std::filesystem::path dir_;
    AccessControl::Files files_;
};

TEST_F(AccessControlTest, FailedReloadKeepsTheOldDatabase) {
    AccessControl access(files_);
    write(files_.rbac, R"({"alice": {"buckets": {"b": ["Fly"]}}})");
    const auto error = access.reloadRbac();
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(std::string::npos, error->find("Fly"));
    EXPECT_EQ(1U, access.rbacGeneration());
    EXPECT_TRUE(access.context("alice", std::string_view("b")).privileges.has(Privilege::Read));

    write(files_.passwords, "{\"@@version@@\": 3}");
    ASSERT_TRUE(access.reloadPasswords().has_value());
    EXPECT_NE(nullptr, access.passwords()->find("alice"));
}

TEST_F(AccessControlTest, ReloadBumpsTheGeneration) {
    AccessControl access(files_);
    const PrivilegeContext before = access.context("alice", std::string_view("b"));
    write(files_.rbac, R"({"alice": {"buckets": {"b": ["Read", "Upsert"]}}})");
    ASSERT_FALSE(access.reloadRbac().has_value());
    const PrivilegeContext after = access.context("alice", std::string_view("b"));
    EXPECT_GT(after.generation, before.generation);
    EXPECT_TRUE(after.privileges.has(Privilege::Upsert));
    EXPECT_FALSE(before.privileges.has(Privilege::Upsert));
}

TEST_F(AccessControlTest, ReplaceWritesTheFile) {
    AccessControl access(files_);
    PasswordDatabase passwords = *access.passwords();
    passwords.upsert(makeUser("bob", "hunter2", 1000));
    ASSERT_FALSE(access.replacePasswords(std::move(passwords)).has_value());
    EXPECT_NE(nullptr, PasswordDatabase::load(files_.passwords).find("bob"));
    EXPECT_NE(nullptr, access.passwords()->find("bob"));
}

TEST_F(AccessControlTest, MissingFileIsAStartUpError) {
    std::filesystem::remove(files_.rbac);
    EXPECT_THROW(AccessControl access(files_), RbacError);
}

}  // namespace
}  // namespace eddy::security
