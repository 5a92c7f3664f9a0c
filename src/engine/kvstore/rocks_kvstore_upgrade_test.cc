// RocksKVStore: the in-place upgrade of a format-version-1 store (written here with plain
// RocksDB, the way eddy 1 wrote it) to version 2, where every document key starts with its
// collection id (docs/storage_format.md, "Changing the format"): the result, resuming after a
// SIGKILL at any batch, leftovers of an upgrade killed after the version switch, logging, and
// the versions that are refused without a write.

#include "engine/kvstore/disk_format.h"
#include "engine/kvstore/kvstore.h"
#include "engine/kvstore/kvstore_test_util.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace eddy::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;
using test::rawEntries;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using Entries = std::vector<std::pair<std::string, std::string>>;

/// A database opened with plain RocksDB, every existing family plus `create` (created if
/// missing, the database too).
class RawDb {
public:
    explicit RawDb(const std::string& path, const std::vector<std::string>& create = {}) {
        std::vector<std::string> names;
        if (fs::exists(path + "/CURRENT")) {
            EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
        } else {
            names.emplace_back(rocksdb::kDefaultColumnFamilyName);
        }
        for (const std::string& name : create) {
            if (std::find(names.begin(), names.end(), name) == names.end()) {
                names.push_back(name);
            }
        }
        rocksdb::DBOptions options;
        options.create_if_missing = true;
        options.create_missing_column_families = true;
        std::vector<rocksdb::ColumnFamilyDescriptor> families;
        for (const std::string& name : names) {
            rocksdb::ColumnFamilyOptions family;
            family.write_buffer_size = 64 * 1024;
            families.emplace_back(name, family);
        }
        rocksdb::DB* raw = nullptr;
        const rocksdb::Status status = rocksdb::DB::Open(options, path, families, &handles_, &raw);
        EXPECT_TRUE(status.ok()) << status.ToString();
        db_.reset(raw);
    }
    ~RawDb() {
        for (rocksdb::ColumnFamilyHandle* handle : handles_) {
            static_cast<void>(db_->DestroyColumnFamilyHandle(handle));
        }
    }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    rocksdb::ColumnFamilyHandle* family(std::string_view name) {
        for (rocksdb::ColumnFamilyHandle* handle : handles_) {
            if (handle->GetName() == name) {
                return handle;
            }
        }
        ADD_FAILURE() << "no column family " << name;
        return nullptr;
    }
    void write(rocksdb::WriteBatch& batch) {
        rocksdb::WriteOptions options;
        options.sync = true;
        ASSERT_TRUE(db_->Write(options, &batch).ok());
    }
    void put(std::string_view family_name, std::string_view key, std::string_view value) {
        rocksdb::WriteBatch batch;
        ASSERT_TRUE(batch.Put(family(family_name), key, value).ok());
        write(batch);
    }
    void flush() { ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions(), handles_).ok()); }

private:
    std::unique_ptr<rocksdb::DB> db_;
    std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

std::set<std::string> familiesOf(const std::string& path) {
    std::vector<std::string> names;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
    return {names.begin(), names.end()};
}

const std::set<std::string> kVersion2Families = {"default", "documents", "by_seqno", "vbstate",
                                                 "meta"};
const std::set<std::string> kVersion1Families = {"default", "docs", "seqnos", "vbstate", "meta"};

/// Every family's entries, for "nothing was written".
std::map<std::string, Entries> everything(const std::string& path) {
    std::map<std::string, Entries> out;
    for (const std::string& name : familiesOf(path)) {
        out[name] = rawEntries(path, name);
    }
    return out;
}

/// The content of a version-1 store: the current version of every document, every seqnos
/// entry (stale ones included) and the vbucket states.
struct V1Content {
    std::map<std::pair<uint16_t, std::string>, DiskDocument> documents;
    std::map<std::pair<uint16_t, int64_t>, std::string> seqnos;
    std::map<uint16_t, PersistedVBucketState> states;
};

/// A few hundred documents over several vbuckets (the first and last ids among them): keys
/// that start with 0x00 (one of them the prefixed form of another key), that are 0x00 alone,
/// that hold NULs or look like longer LEB128 prefixes; tombstones; keys written twice (their
/// first seqnos entry is stale); a vbucket with a state and no documents.
V1Content makeV1Content() {
    // Odd ones: 0x00 alone and twice, the prefixed form of key-1, a 0x00 then what looks like
    // collection 8, NULs inside and at the end, a two-byte LEB128 look-alike, 0xff, 250 NULs.
    std::vector<std::string> keys = {
        "\0"s,           "\0\0"s,     "\0key-1"s, "\0\x08"s + "coll",    "a\0b"s,
        "nul\0\0end\0"s, "\x80\x01"s, "\xff"s,    std::string(250, '\0')};
    for (int i = 0; i < 80; ++i) {
        keys.push_back("key-" + std::to_string(i));
    }
    V1Content out;
    const std::vector<std::pair<uint16_t, VBucketState>> vbuckets = {{0, VBucketState::Active},
                                                                     {3, VBucketState::Replica},
                                                                     {1023, VBucketState::Pending},
                                                                     {65535, VBucketState::Active}};
    for (const auto& [vb, state] : vbuckets) {
        int64_t seqno = 0;
        const auto write = [&, vb = vb](const std::string& key, bool deleted, uint64_t rev) {
            ++seqno;
            DiskDocument document =
                deleted
                    ? test::tombstone(key, seqno, 1700000000 + static_cast<uint32_t>(seqno), rev)
                    : test::doc(key, seqno, "value\0of "s + key + std::to_string(vb), rev);
            document.flags = vb;
            out.documents[{vb, key}] = document;
            out.seqnos[{vb, seqno}] = key;
        };
        for (size_t i = 0; i < keys.size(); ++i) {
            write(keys[i], i % 11 == 5, 1);
        }
        // Rewrite a third of the keys (every third of those deleted): stale seqnos entries.
        for (size_t i = 0; i < keys.size(); i += 3) {
            write(keys[i], (i / 3) % 3 == 1, 2);
        }
        PersistedVBucketState persisted = test::stateAt(seqno, state);
        persisted.purge_seqno = vb % 5;
        persisted.failover = {{0xabc0U + vb, static_cast<uint64_t>(seqno / 2)}, {0x1234, 0}};
        out.states[vb] = persisted;
    }
    out.states[7] = test::stateAt(0, VBucketState::Dead);
    return out;
}

size_t v1Docs(const V1Content& content) {
    return content.documents.size();
}

/// Writes `content` as eddy's format version 1 did: families docs, seqnos, vbstate and meta;
/// keys without a collection prefix. Half the documents end up in SST files, the rest in the
/// write-ahead log.
void writeV1Store(const std::string& path, const V1Content& content,
                  const std::string& version = "1") {
    RawDb db(path, {"docs", "seqnos", "vbstate", "meta"});
    rocksdb::WriteBatch meta;
    ASSERT_TRUE(meta.Put(db.family("meta"), "magic", "eddy-kvstore").ok());
    ASSERT_TRUE(meta.Put(db.family("meta"), "format_version", version).ok());
    ASSERT_TRUE(meta.Put(db.family("meta"), "created_by", "eddy 0.9.0").ok());
    db.write(meta);
    rocksdb::WriteBatch batch;
    size_t written = 0;
    for (const auto& [id, document] : content.documents) {
        ASSERT_TRUE(batch
                        .Put(db.family("docs"), disk::docKey(Vbid(id.first), id.second),
                             disk::encodeDocument(document))
                        .ok());
        if (++written == content.documents.size() / 2) {
            db.write(batch);
            batch.Clear();
            db.flush();
        }
    }
    for (const auto& [id, key] : content.seqnos) {
        const disk::SeqnoKey seqno_key =
            disk::seqnoKey(Vbid(id.first), static_cast<uint64_t>(id.second));
        ASSERT_TRUE(
            batch.Put(db.family("seqnos"), std::string(seqno_key.data(), seqno_key.size()), key)
                .ok());
    }
    for (const auto& [vb, state] : content.states) {
        const disk::VbidBytes key = disk::vbstateKey(Vbid(vb));
        ASSERT_TRUE(batch
                        .Put(db.family("vbstate"), std::string(key.data(), key.size()),
                             disk::encodeVBucketState(state))
                        .ok());
    }
    db.write(batch);
}

/// The version-2 documents and by_seqno families `content` must become, byte for byte.
std::pair<Entries, Entries> expectedV2Families(const V1Content& content) {
    std::map<std::string, std::string> documents;
    for (const auto& [id, document] : content.documents) {
        documents[disk::docKey(Vbid(id.first), "\0"s + id.second)] = disk::encodeDocument(document);
    }
    Entries by_seqno;
    for (const auto& [id, key] : content.seqnos) {
        const disk::SeqnoKey seqno_key =
            disk::seqnoKey(Vbid(id.first), static_cast<uint64_t>(id.second));
        by_seqno.emplace_back(std::string(seqno_key.data(), seqno_key.size()), "\0"s + key);
    }
    return {Entries(documents.begin(), documents.end()), by_seqno};
}

/// Checks that the closed store in `path` is `content` upgraded: through the KVStore interface
/// (keys prefixed with 0x00, the same records, the same seqno order and states) and raw (the
/// families of version 2 only, each converted entry exactly once, meta with version 2).
void expectUpgraded(const std::string& path, const V1Content& content) {
    {
        auto store = openRocksKVStore(path);
        std::vector<Vbid> vbuckets;
        for (const auto& [vb, state] : content.states) {
            vbuckets.emplace_back(vb);
            EXPECT_EQ(state, store->getVBucketState(Vbid(vb))) << "vbucket " << vb;
        }
        EXPECT_EQ(vbuckets, store->listVBuckets());
        std::map<uint16_t, std::vector<DiskDocument>> by_seqno;
        std::map<uint16_t, std::vector<DiskDocument>> by_key;
        for (const auto& [id, v1_document] : content.documents) {
            DiskDocument document = v1_document;
            document.key = "\0"s + v1_document.key;
            EXPECT_EQ(document, store->get(Vbid(id.first), document.key));
            by_seqno[id.first].push_back(document);
            by_key[id.first].push_back(document);
        }
        for (auto& [vb, documents] : by_seqno) {
            std::sort(documents.begin(), documents.end(),
                      [](const DiskDocument& a, const DiskDocument& b) {
                          return a.by_seqno < b.by_seqno;
                      });
            EXPECT_EQ(documents, test::scanSeqnos(*store, Vbid(vb))) << "vbucket " << vb;
            std::sort(by_key[vb].begin(), by_key[vb].end(),
                      [](const DiskDocument& a, const DiskDocument& b) { return a.key < b.key; });
            EXPECT_EQ(by_key[vb], test::scanKeys(*store, Vbid(vb))) << "vbucket " << vb;
        }
        // An unprefixed version-1 key is not a key of version 2.
        EXPECT_EQ(std::nullopt, store->get(Vbid(0), "key-2"));
    }
    EXPECT_EQ(kVersion2Families, familiesOf(path));
    const auto [documents, by_seqno] = expectedV2Families(content);
    EXPECT_EQ(documents, rawEntries(path, "documents"));
    EXPECT_EQ(by_seqno, rawEntries(path, "by_seqno"));
    EXPECT_EQ(
        (Entries{{"created_by", "eddy 0.9.0"}, {"format_version", "2"}, {"magic", "eddy-kvstore"}}),
        rawEntries(path, "meta"));
}

class RocksKVStoreUpgradeTest : public ::testing::Test {
protected:
    test::TempDir dir_;
    const std::string path_ = dir_.sub("store");
    const V1Content v1_ = makeV1Content();
};

TEST_F(RocksKVStoreUpgradeTest, AVersion1StoreIsUpgradedWithEveryKeyInTheDefaultCollection) {
    writeV1Store(path_, v1_);
    ASSERT_EQ(kVersion1Families, familiesOf(path_));
    ASSERT_GT(v1Docs(v1_), 300u);
    ASSERT_GT(v1_.seqnos.size(), v1Docs(v1_));
    expectUpgraded(path_, v1_);
    // The upgraded store is an ordinary one.
    {
        auto store = openRocksKVStore(path_);
        store->commit(test::batchOf(Vbid(0), {test::doc("\0new"s, 200)}));
    }
    EXPECT_EQ(test::doc("\0new"s, 200), openRocksKVStore(path_)->get(Vbid(0), "\0new"s));
}

TEST_F(RocksKVStoreUpgradeTest, SmallBatchesGiveTheSameResultAndEachWritesItsProgress) {
    writeV1Store(path_, v1_);
    RocksKVStoreOptions options;
    options.upgrade_batch_entries = 7;
    uint64_t batches = 0;
    int version_written = 0;
    options.upgrade_test_hook = [&](uint64_t n, bool written) {
        if (written) {
            ++version_written;
            EXPECT_EQ(batches, n);
            // The switch is written; the version-1 families are still there.
            return;
        }
        EXPECT_EQ(batches + 1, n);
        batches = n;
    };
    static_cast<void>(openRocksKVStore(path_, options));
    const auto per = [](size_t n) { return (n + 6) / 7; };
    EXPECT_EQ(per(v1Docs(v1_)) + per(v1_.seqnos.size()), batches);
    EXPECT_EQ(1, version_written);
    expectUpgraded(path_, v1_);
}

TEST_F(RocksKVStoreUpgradeTest, AnEmptyVersion1StoreIsUpgraded) {
    writeV1Store(path_, V1Content());
    static_cast<void>(openRocksKVStore(path_));
    EXPECT_EQ(kVersion2Families, familiesOf(path_));
    EXPECT_EQ("2", rawEntries(path_, "meta")[1].second);
}

TEST_F(RocksKVStoreUpgradeTest, TheUpgradeIsLoggedWithProgressAndCounts) {
    writeV1Store(path_, v1_);
    std::ostringstream out;
    const std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>(
        "upgrade-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
    RocksKVStoreOptions options;
    options.upgrade_batch_entries = 4;  // more than 64 batches: one progress line at least
    try {
        static_cast<void>(openRocksKVStore(path_, options));
    } catch (...) {
        spdlog::set_default_logger(previous);
        throw;
    }
    spdlog::set_default_logger(previous);
    const std::string log = out.str();
    EXPECT_THAT(log, HasSubstr(path_ + ": upgrading the store from format version 1 to 2"));
    EXPECT_THAT(log, HasSubstr("copied so far"));
    EXPECT_THAT(log,
                HasSubstr(fmt::format("{}: upgraded the store to format version 2: {} "
                                      "documents and {} seqno-index entries copied by this open in",
                                      path_, v1Docs(v1_), v1_.seqnos.size())));
    EXPECT_THAT(log, HasSubstr("dropped the version-1 column family docs"));
    EXPECT_THAT(log, HasSubstr("dropped the version-1 column family seqnos"));
}

/// Child side of the crash tests: opens (upgrades) the store with batches of `batch` entries
/// and SIGKILLs itself after copy batch `kill_after` (0: right after it wrote version 2).
/// Exits 1 if it was not killed.
[[noreturn]] void upgradeUntilKilled(const std::string& path, size_t batch, uint64_t kill_after) {
    RocksKVStoreOptions options;
    options.upgrade_batch_entries = batch;
    options.upgrade_test_hook = [kill_after](uint64_t batches, bool version_written) {
        if (version_written ? kill_after == 0 : batches == kill_after) {
            std::raise(SIGKILL);
        }
    };
    static_cast<void>(openRocksKVStore(path, options));
    std::_Exit(1);
}

constexpr size_t kCrashBatch = 16;

/// The version-1 content, written once by the test process (not again by the death-test
/// children, which re-run the test body).
V1Content crashTestStore(const test::DeathTestDir& dir, const std::string& path) {
    V1Content content = makeV1Content();
    if (!dir.inChild()) {
        writeV1Store(path, content);
    }
    return content;
}

TEST(RocksKVStoreUpgradeCrashTest, KilledWhileCopyingTheNextOpenResumesAndConvertsEachKeyOnce) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const test::DeathTestDir dir;
    const std::string path = dir.sub("store");
    const V1Content v1 = crashTestStore(dir, path);
    const uint64_t docs_batches = (v1Docs(v1) + kCrashBatch - 1) / kCrashBatch;
    const uint64_t seqnos_batches = (v1.seqnos.size() + kCrashBatch - 1) / kCrashBatch;

    // Killed after 3 batches of documents: still version 1, with 48 documents copied and the
    // progress marker naming the 48th.
    EXPECT_EXIT(upgradeUntilKilled(path, kCrashBatch, 3), ::testing::KilledBySignal(SIGKILL), "");
    const Entries meta = rawEntries(path, "meta");
    ASSERT_EQ(4u, meta.size());
    EXPECT_EQ(std::make_pair("format_version"s, "1"s), meta[1]);
    const Entries v1_docs = rawEntries(path, "docs");
    EXPECT_EQ(std::make_pair("upgrade_docs_copied_through"s, v1_docs[3 * kCrashBatch - 1].first),
              meta[3]);
    EXPECT_EQ(3 * kCrashBatch, rawEntries(path, "documents").size());
    EXPECT_EQ(0u, rawEntries(path, "by_seqno").size());

    // Killed again, in the seqno index this time, by an open that resumed after those 3.
    const uint64_t second_kill = docs_batches - 3 + 2;
    EXPECT_EXIT(upgradeUntilKilled(path, kCrashBatch, second_kill),
                ::testing::KilledBySignal(SIGKILL), "");
    EXPECT_EQ(v1Docs(v1), rawEntries(path, "documents").size());
    EXPECT_EQ(2 * kCrashBatch, rawEntries(path, "by_seqno").size());
    EXPECT_EQ("1", rawEntries(path, "meta")[1].second);
    EXPECT_EQ(kVersion1Families.size() + 2, familiesOf(path).size());

    // The third open copies only what is left, then switches.
    RocksKVStoreOptions options;
    options.upgrade_batch_entries = kCrashBatch;
    uint64_t batches = 0;
    options.upgrade_test_hook = [&](uint64_t n, bool written) {
        if (!written) {
            batches = n;
        }
    };
    static_cast<void>(openRocksKVStore(path, options));
    EXPECT_EQ(seqnos_batches - 2, batches);
    expectUpgraded(path, v1);
}

TEST(RocksKVStoreUpgradeCrashTest, KilledAfterTheLastCopyBatchTheNextOpenOnlySwitches) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const test::DeathTestDir dir;
    const std::string path = dir.sub("store");
    const V1Content v1 = crashTestStore(dir, path);
    const uint64_t all_batches = (v1Docs(v1) + kCrashBatch - 1) / kCrashBatch +
                                 (v1.seqnos.size() + kCrashBatch - 1) / kCrashBatch;
    EXPECT_EXIT(upgradeUntilKilled(path, kCrashBatch, all_batches),
                ::testing::KilledBySignal(SIGKILL), "");
    EXPECT_EQ("1", rawEntries(path, "meta")[1].second);
    RocksKVStoreOptions options;
    uint64_t batches = 0;
    options.upgrade_test_hook = [&](uint64_t n, bool) { batches = n; };
    static_cast<void>(openRocksKVStore(path, options));
    EXPECT_EQ(0u, batches);
    expectUpgraded(path, v1);
}

TEST(RocksKVStoreUpgradeCrashTest, KilledAfterTheVersionSwitchTheNextOpenDropsTheOldFamilies) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const test::DeathTestDir dir;
    const std::string path = dir.sub("store");
    const V1Content v1 = crashTestStore(dir, path);
    EXPECT_EXIT(upgradeUntilKilled(path, kCrashBatch, 0), ::testing::KilledBySignal(SIGKILL), "");
    // Version 2, no progress marker, and both families of each version.
    EXPECT_EQ(
        (Entries{{"created_by", "eddy 0.9.0"}, {"format_version", "2"}, {"magic", "eddy-kvstore"}}),
        rawEntries(path, "meta"));
    EXPECT_EQ((std::set<std::string>{"default", "docs", "seqnos", "documents", "by_seqno",
                                     "vbstate", "meta"}),
              familiesOf(path));
    RocksKVStoreOptions options;
    bool called = false;
    options.upgrade_test_hook = [&](uint64_t, bool) { called = true; };
    static_cast<void>(openRocksKVStore(path, options));
    EXPECT_FALSE(called) << "a version-2 store is not upgraded again";
    expectUpgraded(path, v1);
}

TEST_F(RocksKVStoreUpgradeTest, AVersion2StoreWithALeftoverVersion1FamilyOpensAndDropsIt) {
    {
        auto store = openRocksKVStore(path_);
        store->commit(test::batchOf(Vbid(0), {test::doc("\0k"s, 1)}));
    }
    // As if killed between the two drops: seqnos is left, with its version-1 entries.
    {
        RawDb db(path_, {"seqnos"});
        db.put("seqnos", "\0\0\0\0\0\0\0\0\0\x01"s, "k");
    }
    EXPECT_EQ(kVersion2Families.size() + 1, familiesOf(path_).size());
    {
        auto store = openRocksKVStore(path_);
        EXPECT_EQ(test::doc("\0k"s, 1), store->get(Vbid(0), "\0k"s));
        EXPECT_EQ(1u, test::scanSeqnos(*store, Vbid(0)).size());
    }
    EXPECT_EQ(kVersion2Families, familiesOf(path_));
}

TEST_F(RocksKVStoreUpgradeTest, OtherVersionsAreRefusedNamingTheVersionsReadAndNothingIsWritten) {
    writeV1Store(path_, v1_, "3");
    const auto before = everything(path_);
    const auto open_error = [&]() -> std::string {
        try {
            static_cast<void>(openRocksKVStore(path_));
        } catch (const KVStoreError& e) {
            return e.what();
        }
        return "";
    };
    EXPECT_EQ(path_ +
                  ": store format version 3, this eddy reads versions 1 and 2 (it upgrades "
                  "version 1 to 2 when it opens it); move the directory away or open it "
                  "with the eddy release that wrote it (see docs/storage_format.md, "
                  "\"Changing the format\")",
              open_error());
    EXPECT_EQ(before, everything(path_));
    { RawDb(path_).put("meta", "format_version", "0"); }
    const auto before_zero = everything(path_);
    EXPECT_THAT(open_error(), StartsWith(path_ + ": store format version 0, this eddy reads "
                                                 "versions 1 and 2"));
    EXPECT_EQ(before_zero, everything(path_));
    EXPECT_EQ(kVersion1Families, familiesOf(path_));
}

TEST_F(RocksKVStoreUpgradeTest, ALaterVersionWithOtherColumnFamiliesIsRefusedForItsVersion) {
    {
        auto store = openRocksKVStore(path_);
        store->commit(test::batchOf(Vbid(0), {test::doc("\0k"s, 1)}));
    }
    {
        RawDb db(path_, {"by_collection"});
        db.put("meta", "format_version", "3");
    }
    const auto before = everything(path_);
    try {
        static_cast<void>(openRocksKVStore(path_));
        ADD_FAILURE() << "opened";
    } catch (const KVStoreError& e) {
        EXPECT_THAT(e.what(), StartsWith(path_ + ": store format version 3, this eddy reads "
                                                 "versions 1 and 2"));
    }
    EXPECT_EQ(before, everything(path_));
}

TEST_F(RocksKVStoreUpgradeTest, AStoreWithoutTheFamiliesOfItsVersionIsCorrupt) {
    // Version 2 in meta, version 1's families.
    writeV1Store(path_, v1_, "2");
    try {
        static_cast<void>(openRocksKVStore(path_));
        ADD_FAILURE() << "opened";
    } catch (const KVStoreError& e) {
        EXPECT_THAT(e.what(), AllOf(StartsWith(path_ + ": the store is corrupt"),
                                    HasSubstr("the column family documents is missing")));
    }
    EXPECT_EQ(kVersion1Families, familiesOf(path_));
}

TEST_F(RocksKVStoreUpgradeTest, AMalformedVersion1RecordStopsTheUpgradeAsCorruption) {
    V1Content content;
    content.documents[{0, "a"}] = test::doc("a", 1);
    content.seqnos[{0, 1}] = "a";
    writeV1Store(path_, content);
    { RawDb(path_).put("docs", disk::docKey(Vbid(0), "b"), "short"); }
    try {
        static_cast<void>(openRocksKVStore(path_));
        ADD_FAILURE() << "opened";
    } catch (const KVStoreError& e) {
        EXPECT_THAT(e.what(), AllOf(StartsWith(path_ + ": the store is corrupt"),
                                    HasSubstr("version-1 family docs")));
    }
    EXPECT_EQ("1", rawEntries(path_, "meta")[1].second);
}

TEST_F(RocksKVStoreUpgradeTest, AVersion1CreationCutBeforeTheIdentityBecomesAVersion2Store) {
    // An older eddy died after RocksDB created its families, before it wrote the identity.
    { RawDb db(path_, {"docs", "seqnos", "vbstate", "meta"}); }
    static_cast<void>(openRocksKVStore(path_));
    EXPECT_EQ(kVersion2Families, familiesOf(path_));
    EXPECT_EQ("2", rawEntries(path_, "meta")[1].second);
}

}  // namespace
}  // namespace eddy::engine
