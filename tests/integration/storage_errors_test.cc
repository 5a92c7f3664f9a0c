// Start-up with a data directory that cannot be used: eddyd must refuse to start with a
// message naming the path and what to do, exit non-zero, and leave the files as they were
// (never a crash, never silently starting empty).

#include "support/eddyd_process.h"
#include "support/mcbp_client.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace eddy::test {
namespace {

namespace fs = std::filesystem;

class StorageErrorsTest : public ::testing::Test {
protected:
    StorageErrorsTest()
        : data_dir_(fs::temp_directory_path() /
                    ("eddy-storage-" + std::to_string(::getpid()) + "-" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
        fs::remove_all(data_dir_);
    }
    ~StorageErrorsTest() override { fs::remove_all(data_dir_); }

    /// Starts eddyd once on data_dir_, stores a document and stops it cleanly.
    void createStore() {
        EddydProcess::Options options;
        options.data_dir = data_dir_.string();
        EddydProcess server(options);
        McbpClient client(server.port());
        ASSERT_EQ(mcbp::ResponseStatus::Success, client.set("kept", "value").status());
        ASSERT_EQ(0, server.stop());
    }

    std::pair<int, std::string> start() {
        return EddydProcess::runToExit({"--port", "0", "--data-dir", data_dir_.string()},
                                       std::chrono::seconds(60));
    }

    fs::path data_dir_;
};

TEST_F(StorageErrorsTest, AMissingDataDirectoryIsCreated) {
    const fs::path nested = data_dir_ / "a" / "b";
    EddydProcess::Options options;
    options.data_dir = nested.string();
    EddydProcess server(options);
    EXPECT_TRUE(fs::is_directory(nested / "default" / "store"));
}

TEST_F(StorageErrorsTest, ADataDirectoryThatIsAFileIsRefused) {
    std::ofstream(data_dir_) << "not a directory";
    const auto [code, log] = start();
    EXPECT_NE(0, code);
    EXPECT_NE(std::string::npos, log.find(data_dir_.string())) << log;
    EXPECT_EQ("not a directory", [&] {
        std::ifstream in(data_dir_);
        std::string text;
        std::getline(in, text);
        return text;
    }());
}

TEST_F(StorageErrorsTest, ACorruptStoreIsRefusedAndLeftAlone) {
    createStore();
    const fs::path store = data_dir_ / "default" / "store";
    // Garble every table and manifest file the store has.
    size_t garbled = 0;
    for (const auto& entry : fs::directory_iterator(store)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("MANIFEST", 0) == 0 || entry.path().extension() == ".sst" ||
            entry.path().extension() == ".log") {
            std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
            const std::string junk(64, '\xa5');
            file.seekp(0);
            file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
            ++garbled;
        }
    }
    ASSERT_LT(0u, garbled);
    const auto [code, log] = start();
    EXPECT_NE(0, code) << log;
    EXPECT_NE(std::string::npos, log.find(store.string())) << log;
    EXPECT_TRUE(fs::exists(store)) << "the damaged store must be left for recovery";
}

TEST_F(StorageErrorsTest, AStoreOfAnotherKindIsRefused) {
    const fs::path store = data_dir_ / "default" / "store";
    fs::create_directories(store);
    std::ofstream(store / "notes.txt") << "someone else's files";
    const auto [code, log] = start();
    EXPECT_NE(0, code) << log;
    EXPECT_NE(std::string::npos, log.find(store.string())) << log;
    EXPECT_TRUE(fs::exists(store / "notes.txt"));
}

TEST_F(StorageErrorsTest, DataSurvivesACleanRestart) {
    createStore();
    EddydProcess::Options options;
    options.data_dir = data_dir_.string();
    EddydProcess server(options);
    McbpClient client(server.port());
    const Response response = client.get("kept");
    EXPECT_EQ(mcbp::ResponseStatus::Success, response.status());
    EXPECT_EQ("value", response.value);
}

}  // namespace
}  // namespace eddy::test
