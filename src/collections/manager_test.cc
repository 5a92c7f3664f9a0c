// eddy — collections::Manager: the manifest in force, the successor rule as set() applies it,
// the file it is kept in (read back by a new Manager), dropped ids that may not come back, and
// a file that is not a manifest.
#include "collections/manager.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace eddy::collections {
namespace {

namespace fs = std::filesystem;

constexpr const char* kWithC1 = R"({"uid":"2","scopes":[
    {"name":"_default","uid":"0","collections":[{"name":"_default","uid":"0"}]},
    {"name":"s","uid":"8","collections":[{"name":"c1","uid":"8"}]}]})";
constexpr const char* kWithoutC1 = R"({"uid":"3","scopes":[
    {"name":"_default","uid":"0","collections":[{"name":"_default","uid":"0"}]},
    {"name":"s","uid":"8","collections":[]}]})";
constexpr const char* kC1Again = R"({"uid":"4","scopes":[
    {"name":"_default","uid":"0","collections":[{"name":"_default","uid":"0"}]},
    {"name":"s","uid":"8","collections":[{"name":"c1","uid":"8"}]}]})";

class ManagerTest : public ::testing::Test {
protected:
    void SetUp() override {
        directory_ =
            fs::temp_directory_path() / ("eddy-collections-manager-" + std::to_string(::getpid()));
        fs::remove_all(directory_);
        fs::create_directories(directory_);
    }
    void TearDown() override { fs::remove_all(directory_); }

    [[nodiscard]] std::string file() const { return (directory_ / kManifestFileName).string(); }

    fs::path directory_;
};

TEST_F(ManagerTest, StartsFromTheDefaultManifest) {
    const Manager manager(file());
    EXPECT_EQ(0U, manager.uid());
    EXPECT_TRUE(manager.check(kDefaultCollection).exists);
    EXPECT_FALSE(manager.check(8).exists);
    EXPECT_EQ(Manifest(), *manager.manifest());
    EXPECT_FALSE(fs::exists(file())) << "nothing is written before the first set()";
}

TEST_F(ManagerTest, SetAppliesSavesAndANewManagerReadsIt) {
    {
        Manager manager(file());
        const auto result = manager.set(Manifest::parse(kWithC1));
        EXPECT_EQ(Manager::Outcome::Applied, result.outcome) << result.message;
        EXPECT_EQ(2U, manager.uid());
        EXPECT_TRUE(manager.check(8).exists);
        EXPECT_EQ(Manager::Outcome::Unchanged, manager.set(Manifest::parse(kWithC1)).outcome);
    }
    const Manager reopened(file());
    EXPECT_EQ(Manifest::parse(kWithC1), *reopened.manifest());
    EXPECT_TRUE(reopened.check(8).exists);
}

TEST_F(ManagerTest, AnOlderManifestIsRefusedAndChangesNothing) {
    Manager manager(file());
    ASSERT_EQ(Manager::Outcome::Applied, manager.set(Manifest::parse(kWithoutC1)).outcome);
    const auto older = manager.set(Manifest::parse(kWithC1));
    EXPECT_EQ(Manager::Outcome::Refused, older.outcome);
    EXPECT_FALSE(older.message.empty());
    EXPECT_EQ(3U, manager.uid());
    EXPECT_FALSE(manager.check(8).exists);
}

TEST_F(ManagerTest, ADroppedIdCannotComeBackEvenAfterARestart) {
    {
        Manager manager(file());
        ASSERT_EQ(Manager::Outcome::Applied, manager.set(Manifest::parse(kWithC1)).outcome);
        ASSERT_EQ(Manager::Outcome::Applied, manager.set(Manifest::parse(kWithoutC1)).outcome);
        const auto again = manager.set(Manifest::parse(kC1Again));
        EXPECT_EQ(Manager::Outcome::Refused, again.outcome);
        EXPECT_NE(std::string::npos, again.message.find("0x8")) << again.message;
    }
    Manager reopened(file());
    EXPECT_EQ(Manager::Outcome::Refused, reopened.set(Manifest::parse(kC1Again)).outcome);
    EXPECT_FALSE(reopened.check(8).exists);
}

TEST_F(ManagerTest, CheckAnswersWithTheUidOfTheManifestItRead) {
    Manager manager(file());
    EXPECT_TRUE(manager.check(kDefaultCollection).exists);
    EXPECT_EQ((Manager::Check{false, 0}), manager.check(8));
    ASSERT_EQ(Manager::Outcome::Applied, manager.set(Manifest::parse(kWithC1)).outcome);
    EXPECT_TRUE(manager.check(8).exists);
    ASSERT_EQ(Manager::Outcome::Applied, manager.set(Manifest::parse(kWithoutC1)).outcome);
    EXPECT_EQ((Manager::Check{false, 3}), manager.check(8));
}

TEST_F(ManagerTest, ACollectionMaxTtlIsNotSupportedYet) {
    Manager manager(file());
    const auto result = manager.set(Manifest::parse(R"({"uid":"1","scopes":[
        {"name":"_default","uid":"0","collections":[{"name":"_default","uid":"0"}]},
        {"name":"s","uid":"8","collections":[{"name":"c","uid":"8","maxTTL":60}]}]})"));
    EXPECT_EQ(Manager::Outcome::NotSupported, result.outcome);
    EXPECT_NE(std::string::npos, result.message.find("s.c")) << result.message;
    EXPECT_EQ(0U, manager.uid());
    EXPECT_FALSE(fs::exists(file()));
}

TEST_F(ManagerTest, WithoutAFileNothingIsWritten) {
    Manager manager;
    ASSERT_EQ(Manager::Outcome::Applied, manager.set(Manifest::parse(kWithC1)).outcome);
    EXPECT_TRUE(manager.check(8).exists);
    EXPECT_TRUE(fs::is_empty(directory_));
}

TEST_F(ManagerTest, DroppingTheDefaultCollectionIsSeenByExists) {
    Manager manager(file());
    ASSERT_EQ(Manager::Outcome::Applied, manager
                                             .set(Manifest::parse(R"({"uid":"1","scopes":[
                  {"name":"_default","uid":"0","collections":[]}]})"))
                                             .outcome);
    EXPECT_FALSE(manager.check(kDefaultCollection).exists);
}

TEST_F(ManagerTest, AFileThatIsNotAManifestIsAnErrorNamingIt) {
    std::ofstream(file()) << R"({"uid":"zz"})";
    try {
        const Manager manager(file());
        FAIL() << "a broken file was accepted";
    } catch (const ManifestError& error) {
        EXPECT_NE(std::string::npos, std::string(error.what()).find(file())) << error.what();
    }
    std::ofstream(file(), std::ios::trunc)
        << R"({"uid":"0","scopes":[{"name":"_default","uid":"0","collections":[{"name":"_default","uid":"0"}]}],"dropped_collections":[7]})";
    EXPECT_THROW(Manager{file()}, ManifestError) << "a dropped id that is not a hex string";
}

}  // namespace
}  // namespace eddy::collections
