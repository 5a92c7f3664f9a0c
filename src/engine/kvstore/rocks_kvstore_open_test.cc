// RocksKVStore: opening and creating a store, and every directory it must refuse with a clear
// KVStoreError (docs/storage_format.md, "Opening").

#include "engine/kvstore/disk_format.h"
#include "engine/kvstore/kvstore.h"
#include "engine/kvstore/kvstore_test_util.h"

#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include <unistd.h>

namespace eddy::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;
using test::batchOf;
using test::doc;
using test::rawEntries;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const Vbid kVb0(0);

/// The message of the KVStoreError that opening `path` throws ("" if it opens).
std::string openError(const std::string& path, const RocksKVStoreOptions& options = {}) {
    try {
        static_cast<void>(openRocksKVStore(path, options));
    } catch (const KVStoreError& e) {
        return e.what();
    }
    return "";
}

/// Writes `value` under `key` in `family` of a closed store with plain RocksDB (nullopt:
/// deletes the key).
void rawPut(const std::string& path, const std::string& family, const std::string& key,
            std::optional<std::string> value) {
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    families.reserve(names.size());
    for (const std::string& name : names) {
        families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
        if (handle->GetName() == family) {
            rocksdb::WriteOptions write;
            write.sync = true;
            ASSERT_TRUE(
                (value ? db->Put(write, handle, key, *value) : db->Delete(write, handle, key))
                    .ok());
        }
    }
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
        ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    }
}

class RocksKVStoreOpenTest : public ::testing::Test {
protected:
    /// Creates a store with one committed document and closes it.
    void createStore(const RocksKVStoreOptions& options = {}) {
        auto store = openRocksKVStore(path_, options);
        store->commit(batchOf(kVb0, {doc("k", 1)}));
    }

    test::TempDir dir_;
    const std::string path_ = dir_.sub("store");
};

TEST_F(RocksKVStoreOpenTest, CreatesAMissingDirectoryAndWritesVersionAndIdentity) {
    const std::string nested = dir_.sub("a/b/store");
    {
        auto store = openRocksKVStore(nested);
        store->commit(batchOf(kVb0, {doc("k", 1)}));
    }
    EXPECT_TRUE(fs::exists(nested + "/CURRENT"));
    const auto meta = rawEntries(nested, disk::kMetaFamily);
    ASSERT_EQ(3u, meta.size());
    EXPECT_EQ(std::make_pair("created_by"s, "eddy " EDDY_VERSION ""s), meta[0]);
    EXPECT_EQ(std::make_pair("format_version"s, "2"s), meta[1]);
    EXPECT_EQ(std::make_pair("magic"s, "eddy-kvstore"s), meta[2]);
    auto store = openRocksKVStore(nested);
    EXPECT_EQ(doc("k", 1), store->get(kVb0, "k"));
}

TEST_F(RocksKVStoreOpenTest, AnEmptyExistingDirectoryBecomesAStore) {
    fs::create_directories(path_);
    EXPECT_EQ("", openError(path_));
    EXPECT_EQ("2", rawEntries(path_, disk::kMetaFamily)[1].second);
}

TEST_F(RocksKVStoreOpenTest, WithCreationOffAMissingDirectoryOrStoreIsAnError) {
    RocksKVStoreOptions options;
    options.create_if_missing = false;
    EXPECT_THAT(openError(path_, options),
                AllOf(StartsWith(path_ + ": "), HasSubstr("does not exist")));
    EXPECT_FALSE(fs::exists(path_));
    fs::create_directories(path_);
    EXPECT_THAT(openError(path_, options),
                AllOf(StartsWith(path_ + ": "), HasSubstr("holds no store")));
    EXPECT_TRUE(fs::is_empty(path_));
    createStore();
    EXPECT_EQ("", openError(path_, options));
}

TEST_F(RocksKVStoreOpenTest, AnotherFormatVersionIsRefusedWithWhatToDo) {
    createStore();
    rawPut(path_, "meta", "format_version", "3");
    EXPECT_EQ(path_ +
                  ": store format version 3, this eddy reads versions 1 and 2 (it upgrades "
                  "version 1 to 2 when it opens it); move the directory away or open it with "
                  "the eddy release that wrote it (see docs/storage_format.md, \"Changing the "
                  "format\")",
              openError(path_));
    // Nothing was changed: put the version back and the data is there.
    rawPut(path_, "meta", "format_version", "2");
    EXPECT_EQ(doc("k", 1), openRocksKVStore(path_)->get(kVb0, "k"));
}

TEST_F(RocksKVStoreOpenTest, AnUnreadableOrMissingFormatVersionIsCorruption) {
    createStore();
    rawPut(path_, "meta", "format_version", "one");
    EXPECT_THAT(openError(path_), AllOf(StartsWith(path_ + ": the store is corrupt"),
                                        HasSubstr("format version is unreadable")));
    rawPut(path_, "meta", "format_version", std::nullopt);
    EXPECT_THAT(openError(path_), HasSubstr("format version is missing"));
}

TEST_F(RocksKVStoreOpenTest, ADirectoryWithOtherFilesIsRefusedAndLeftAlone) {
    fs::create_directories(path_);
    std::ofstream(path_ + "/notes.txt") << "mine";
    EXPECT_THAT(openError(path_), AllOf(StartsWith(path_ + ": not an eddy store"),
                                        HasSubstr("notes.txt"), HasSubstr("move this one away")));
    EXPECT_EQ(1, std::distance(fs::directory_iterator(path_), fs::directory_iterator()));
}

TEST_F(RocksKVStoreOpenTest, AFileInsteadOfADirectoryIsRefused) {
    std::ofstream(path_) << "a file";
    EXPECT_THAT(openError(path_), AllOf(StartsWith(path_ + ": "), HasSubstr("not a directory")));
}

TEST_F(RocksKVStoreOpenTest, AnotherRocksDbStoreIsRefused) {
    {
        rocksdb::Options options;
        options.create_if_missing = true;
        rocksdb::DB* raw = nullptr;
        ASSERT_TRUE(rocksdb::DB::Open(options, path_, &raw).ok());
        std::unique_ptr<rocksdb::DB> db(raw);
        ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "their", "data").ok());
    }
    EXPECT_THAT(openError(path_),
                AllOf(StartsWith(path_ + ": a RocksDB store, but not an eddy one"),
                      HasSubstr("column families: default")));
}

TEST_F(RocksKVStoreOpenTest, AStoreWithAnExtraColumnFamilyIsRefused) {
    createStore();
    {
        rocksdb::DB* raw = nullptr;
        std::vector<std::string> names;
        ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path_, &names).ok());
        std::vector<rocksdb::ColumnFamilyDescriptor> families;
        families.reserve(names.size());
        for (const std::string& name : names) {
            families.emplace_back(name, rocksdb::ColumnFamilyOptions());
        }
        std::vector<rocksdb::ColumnFamilyHandle*> handles;
        ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path_, families, &handles, &raw).ok());
        std::unique_ptr<rocksdb::DB> db(raw);
        rocksdb::ColumnFamilyHandle* extra = nullptr;
        ASSERT_TRUE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "extra", &extra).ok());
        handles.push_back(extra);
        for (rocksdb::ColumnFamilyHandle* handle : handles) {
            ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
        }
    }
    EXPECT_THAT(openError(path_), AllOf(HasSubstr("not an eddy one"), HasSubstr("extra")));
}

TEST_F(RocksKVStoreOpenTest, AWrongOrMissingIdentityMarkerIsRefused) {
    createStore();
    rawPut(path_, "meta", "magic", "someone-else");
    EXPECT_THAT(openError(path_),
                AllOf(StartsWith(path_ + ": not an eddy store"), HasSubstr("identity marker")));
    rawPut(path_, "meta", "magic", std::nullopt);
    EXPECT_THAT(openError(path_),
                AllOf(StartsWith(path_ + ": not an eddy store"), HasSubstr("no identity marker")));
}

TEST_F(RocksKVStoreOpenTest, ACreationCutBeforeTheIdentityIsFinishedOnOpen) {
    createStore();
    // As if the process died after RocksDB created the families, before the identity was
    // written: every family empty.
    for (const std::string key : {"magic", "format_version", "created_by"}) {
        rawPut(path_, "meta", key, std::nullopt);
    }
    rawPut(path_, "documents", disk::docKey(kVb0, "k"), std::nullopt);
    rawPut(path_, "by_seqno", std::string(disk::seqnoKey(kVb0, 1).data(), disk::kSeqnoKeySize),
           std::nullopt);
    rawPut(path_, "vbstate", std::string(disk::vbstateKey(kVb0).data(), disk::kVbidSize),
           std::nullopt);
    EXPECT_EQ("", openError(path_));
    EXPECT_EQ(3u, rawEntries(path_, disk::kMetaFamily).size());
}

TEST_F(RocksKVStoreOpenTest, AStoreInUseIsRefused) {
    auto first = openRocksKVStore(path_);
    EXPECT_THAT(openError(path_),
                AllOf(StartsWith(path_ + ": the store is in use"), HasSubstr("LOCK")));
}

/// Child side of the permission test: opens as an unprivileged user; exits 0 after printing the
/// error, 1 if the open succeeded.
[[noreturn]] void openUnprivileged(const std::string& path) {
    // Root reads anything: become nobody (groups first, or root's group still applies).
    if (::geteuid() == 0 &&
        (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)) {
        std::cerr << "dropping privileges failed";
        std::_Exit(2);
    }
    try {
        static_cast<void>(openRocksKVStore(path));
    } catch (const KVStoreError& e) {
        std::cerr << e.what();
        std::_Exit(0);
    }
    std::_Exit(1);
}

TEST(RocksKVStorePermissionTest, AnUnreadableDirectoryIsRefused) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const test::DeathTestDir dir;
    const std::string parent = dir.sub("parent");
    const std::string path = parent + "/store";
    if (!dir.inChild()) {
        static_cast<void>(openRocksKVStore(path));
        fs::permissions(dir.sub(""), fs::perms::owner_all | fs::perms::others_exec);
        fs::permissions(parent, fs::perms::owner_all | fs::perms::others_exec);
        fs::permissions(path, fs::perms::none);
    }
    EXPECT_EXIT(openUnprivileged(path), ::testing::ExitedWithCode(0),
                path + ": cannot read and write the store directory: Permission denied");
}

TEST(RocksKVStorePermissionTest, ADirectoryInAnUnreadableParentIsRefused) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const test::DeathTestDir dir;
    const std::string parent = dir.sub("parent");
    const std::string path = parent + "/store";
    if (!dir.inChild()) {
        static_cast<void>(openRocksKVStore(path));
        fs::permissions(dir.sub(""), fs::perms::owner_all | fs::perms::others_exec);
        fs::permissions(parent, fs::perms::none);
    }
    EXPECT_EXIT(openUnprivileged(path), ::testing::ExitedWithCode(0),
                path + ": cannot access the store directory: Permission denied");
}

std::vector<fs::path> filesNamed(const std::string& path, const std::string& prefix,
                                 const std::string& suffix) {
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(path)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with(prefix) && name.ends_with(suffix)) {
            out.push_back(entry.path());
        }
    }
    return out;
}

/// Overwrites the middle half of `file` with 0xa5 bytes.
void garble(const fs::path& file) {
    const auto size = static_cast<std::streamoff>(fs::file_size(file));
    std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
    stream.seekp(size / 4);
    const std::string junk(static_cast<size_t>(size / 2), '\xa5');
    stream.write(junk.data(), static_cast<std::streamsize>(junk.size()));
}

TEST_F(RocksKVStoreOpenTest, AGarbledManifestIsReportedAsCorruption) {
    createStore();
    const std::vector<fs::path> manifests = filesNamed(path_, "MANIFEST-", "");
    ASSERT_EQ(1u, manifests.size());
    garble(manifests.front());
    EXPECT_THAT(openError(path_),
                AllOf(StartsWith(path_ + ": the store is corrupt"),
                      HasSubstr("restore the directory from a backup"), HasSubstr("move it away")));
}

/// A store whose documents are in SST files (small memtables, enough data).
void fillToFiles(const std::string& path) {
    RocksKVStoreOptions options;
    options.write_buffer_size = 64 * 1024;
    auto store = openRocksKVStore(path, options);
    for (int64_t seqno = 1; seqno <= 2000; ++seqno) {
        store->commit(batchOf(kVb0, {doc("key-" + std::to_string(seqno), seqno,
                                         std::string(300, static_cast<char>('a' + seqno % 26)))}));
    }
}

TEST_F(RocksKVStoreOpenTest, ATruncatedSstFileIsReportedAsCorruption) {
    fillToFiles(path_);
    const std::vector<fs::path> tables = filesNamed(path_, "", ".sst");
    ASSERT_FALSE(tables.empty());
    fs::resize_file(tables.front(), fs::file_size(tables.front()) / 2);
    EXPECT_THAT(openError(path_), AllOf(StartsWith(path_ + ": the store is corrupt"),
                                        HasSubstr("restore the directory from a backup")));
}

TEST_F(RocksKVStoreOpenTest, AGarbledSstFileIsReportedOnOpenOrRead) {
    fillToFiles(path_);
    const std::vector<fs::path> tables = filesNamed(path_, "", ".sst");
    ASSERT_FALSE(tables.empty());
    for (const fs::path& table : tables) {
        garble(table);
    }
    std::string error;
    try {
        auto store = openRocksKVStore(path_);
        static_cast<void>(test::scanKeys(*store, kVb0));
        static_cast<void>(test::scanSeqnos(*store, kVb0));
    } catch (const KVStoreError& e) {
        error = e.what();
    }
    EXPECT_THAT(error, AllOf(StartsWith(path_ + ": the store is corrupt"),
                             HasSubstr("restore the directory from a backup")));
}

}  // namespace
}  // namespace eddy::engine
