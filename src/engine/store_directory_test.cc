// The clean-shutdown marker and the bucket uuid of a bucket's directory.
#include "engine/store_directory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace eddy::engine {
namespace {

namespace fs = std::filesystem;

class StoreDirectoryTest : public ::testing::Test {
protected:
    void SetUp() override {
        directory_ = fs::temp_directory_path() /
                     ("eddy_store_directory_" + std::to_string(::getpid()) + "_" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(directory_);
        fs::create_directories(directory_);
    }
    void TearDown() override { fs::remove_all(directory_); }

    fs::path directory_;
};

TEST_F(StoreDirectoryTest, TheMarkerComesAndGoes) {
    EXPECT_FALSE(hasCleanShutdownMarker(directory_));
    writeCleanShutdownMarker(directory_);
    EXPECT_TRUE(hasCleanShutdownMarker(directory_));
    removeCleanShutdownMarker(directory_);
    EXPECT_FALSE(hasCleanShutdownMarker(directory_));
}

TEST_F(StoreDirectoryTest, TheUuidIsMadeOnceAndKept) {
    const std::string uuid = loadOrMakeBucketUuid(directory_);
    EXPECT_EQ(32u, uuid.size());
    EXPECT_EQ(uuid, loadOrMakeBucketUuid(directory_));
    EXPECT_NE(uuid, loadOrMakeBucketUuid("")) << "no directory: a new one each time";
}

TEST_F(StoreDirectoryTest, ACorruptUuidIsReplaced) {
    std::ofstream(directory_ / "bucket_uuid") << "not a uuid\n";
    const std::string uuid = loadOrMakeBucketUuid(directory_);
    EXPECT_EQ(32u, uuid.size());
    EXPECT_EQ(uuid, loadOrMakeBucketUuid(directory_));
}

}  // namespace
}  // namespace eddy::engine
