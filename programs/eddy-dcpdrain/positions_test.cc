// eddy-dcpdrain — tests of the positions file.
#include "positions.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace eddy::dcpdrain {
namespace {

class DcpDrainPositionsTest : public ::testing::Test {
protected:
    void SetUp() override {
        directory_ = std::filesystem::temp_directory_path() /
                     ("eddy-dcpdrain-positions-" + std::to_string(getpid()) + "-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(directory_);
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    std::string path(const char* name) const { return (directory_ / name).string(); }

    void write(const std::string& file, const std::string& text) {
        std::ofstream out(file);
        out << text;
    }

    std::filesystem::path directory_;
};

TEST_F(DcpDrainPositionsTest, MissingFileIsEmpty) {
    EXPECT_TRUE(loadPositions(path("none.json")).empty());
}

TEST_F(DcpDrainPositionsTest, RoundTrip) {
    Positions positions;
    positions[0] = {0xfedcba9876543210ULL, 10, 5, 12};
    positions[1023] = {1, 0, 0, 0};
    const std::string file = path("p.json");
    savePositions(file, positions);
    EXPECT_EQ(loadPositions(file), positions);
    // Saving again replaces the file; no temporary files are left behind.
    positions.erase(1023);
    savePositions(file, positions);
    EXPECT_EQ(loadPositions(file), positions);
    size_t files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(directory_)) {
        ++files;
    }
    EXPECT_EQ(files, 1u);
}

TEST_F(DcpDrainPositionsTest, ReadsTheDocumentedFormat) {
    const std::string file = path("p.json");
    write(file, R"({"3": {"uuid": 77, "seqno": 9, "snap_start": 8, "snap_end": 10},
                    "4": {"uuid": 5, "seqno": 2}})");
    const auto positions = loadPositions(file);
    ASSERT_EQ(positions.size(), 2u);
    EXPECT_EQ(positions.at(3), (Position{77, 9, 8, 10}));
    // A snapshot that does not contain the seqno becomes [seqno, seqno].
    EXPECT_EQ(positions.at(4), (Position{5, 2, 2, 2}));
}

TEST_F(DcpDrainPositionsTest, RejectsMalformedFiles) {
    const std::string file = path("p.json");
    for (const char* text : {"not json", "[]", R"({"x": {}})", R"({"70000": {}})", R"({"1": 5})",
                             R"({"1": {"seqno": -1}})", R"({"1": {"uuid": "12"}})"}) {
        write(file, text);
        EXPECT_THROW((void)loadPositions(file), std::runtime_error) << text;
    }
}

}  // namespace
}  // namespace eddy::dcpdrain
