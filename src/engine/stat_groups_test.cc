// The bucket's STAT groups through EngineIface::getStats on a FakeExecutor: every background
// group would-blocks without writing, its task writes nothing and notifies once, the re-drive
// writes on the calling thread and consumes the parked task; disconnect and shutdown leave
// nothing waiting or leaking; the front-end groups' contents; errors for unknown groups and bad
// arguments. Run against a persistent bucket with a store and an ephemeral bucket.
#include "eddy/stat_groups.h"

#include "engine/ep_bucket.h"
#include "engine/stats/background_stat_task.h"
#include "executor/executor_pool.h"
#include "executor/fake_executor.h"
#include "executor/task_id.h"
#include "support/engine_driver.h"
#include "support/mock_cookie.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace eddy::engine {
namespace {

using executor::TaskGroup;
using test::MockCookie;
using test::MockServerApi;
using test::StatMap;

/// The engine key of document `name` in the default collection.
std::string defaultCollectionKey(const std::string& name) {
    return std::string(1, '\0') + name;
}
namespace fs = std::filesystem;

constexpr auto kNoWait = std::chrono::milliseconds(0);

/// Records every pair an AddStatFn receives, and on which thread.
struct Recorder {
    StatMap pairs;
    size_t calls = 0;
    bool off_thread = false;
    std::thread::id thread = std::this_thread::get_id();

    AddStatFn fn() {
        return [this](std::string_view key, std::string_view value) {
            ++calls;
            off_thread = off_thread || std::this_thread::get_id() != thread;
            pairs.insert_or_assign(std::string(key), std::string(value));
        };
    }
};

/// A background group, its arguments and the task that collects it, written here by hand so
/// that a wrong task column in the table fails (where it runs comes from the table's RunsOn).
struct BackgroundCase {
    std::string group;
    std::string args;
    std::string task;
    bool needs_store = false;

    [[nodiscard]] const StatGroupInfo& info() const { return *findStatGroup(group); }
    [[nodiscard]] TaskGroup runsOn() const {
        return info().runs_on == StatRunsOn::Reader ? TaskGroup::Reader : TaskGroup::NonIO;
    }
};

/// Whether the next task of `group` is a stat collection.
bool statTaskDue(executor::FakeExecutor& executor, TaskGroup group) {
    return executor.nextTaskName(group).value_or("").starts_with("Collecting STAT");
}

const std::vector<BackgroundCase> kBackgroundCases = {
    {"checkpoint", "", "StatCheckpointTask"},
    {"dcp", "", "StatDCPTask"},
    {"dcpagg", ":", "StatDCPTask"},
    {"vbucket-details", "", "StatVBucketDetailsTask"},
    {"hash", "", "StatHashTask"},
    {"prev-vbucket", "", "StatPrevVBucketTask"},
    {"kvstore", "", "StatKVStoreTask", true},
    {"collections", "", "StatCollectionsTask"},
    {"scopes", "_default", "StatCollectionsTask"},
    {"vkey", "doc 0", "VKeyStatBGFetchTask", true},
};

TEST(StatGroupTableTest, EveryBackgroundGroupIsCoveredAndNamesATaskOfItsThreadGroup) {
    std::set<std::string> covered;
    for (const BackgroundCase& c : kBackgroundCases) {
        covered.insert(c.group);
    }
    for (const StatGroupInfo& group : allStatGroups()) {
        if (group.owner != StatOwner::Engine ||
            (group.runs_on != StatRunsOn::NonIO && group.runs_on != StatRunsOn::Reader)) {
            continue;
        }
        SCOPED_TRACE(group.name);
        EXPECT_TRUE(covered.contains(std::string(group.name))) << "not in kBackgroundCases";
        for (const BackgroundCase& c : kBackgroundCases) {
            if (c.group == group.name) {
                EXPECT_EQ(c.task, group.task) << "the table's task column";
            }
        }
        const std::optional<executor::TaskId> task = executor::taskIdFromName(group.task);
        ASSERT_TRUE(task.has_value()) << "no task id " << group.task;
        EXPECT_EQ(group.runs_on == StatRunsOn::Reader ? TaskGroup::Reader : TaskGroup::NonIO,
                  executor::taskGroup(*task));
    }
}

class StatBucket {
public:
    StatBucket(const std::string& type, const fs::path& directory, bool with_executor = true) {
        if (with_executor) {
            executor = std::make_unique<executor::FakeExecutor>();
        }
        EpBucketConfig config;
        config.parameters = EpBucketConfig::parse("max_vbuckets=4;bucket_type=" + type);
        config.now = [this] { return now.load(); };
        config.executor = executor.get();
        if (type == "persistent") {
            config.data_dir = directory.string();
        }
        bucket = createEpBucket(server, config);
        drain(TaskGroup::Reader);  // warm-up
    }
    ~StatBucket() {
        bucket.reset();
        executor.reset();
    }

    void drain(TaskGroup group) {
        for (int i = 0; executor && i < 1000 && executor->nextTaskName(group); ++i) {
            executor->runNextTask(group);
        }
    }

    /// Stores `name` in the default collection (its engine key is 0x00 + name), where STAT key
    /// and vkey look for it.
    Status set(const std::string& name, const std::string& value, uint16_t vb = 0,
               MutationResult* out = nullptr) {
        const std::string key = defaultCollectionKey(name);
        StoreRequest request;
        request.key = DocKey(key);
        request.vbucket = Vbid(vb);
        request.value = value;
        request.flags = 0xbeef;
        request.exptime = 0;
        MutationResult result;
        const Status status = bucket->store(cookie, request, result);
        if (out != nullptr) {
            *out = result;
        }
        return status;
    }

    /// A front-end group: answered in the call.
    StatMap stats(std::string_view group, std::string_view args = {}) {
        Recorder recorder;
        EXPECT_EQ(Status::Success, bucket->getStats(cookie, group, args, recorder.fn()))
            << "STAT " << group << " " << args;
        return recorder.pairs;
    }

    /// Any group, driven to completion the way the front end does, running the task on the
    /// executor when one is scheduled.
    Status collect(std::string_view group, std::string_view args, StatMap& out) {
        Recorder recorder;
        Status status = bucket->getStats(cookie, group, args, recorder.fn());
        if (status == Status::WouldBlock) {
            EXPECT_EQ(0u, recorder.calls);
            for (const TaskGroup each : {TaskGroup::NonIO, TaskGroup::Reader}) {
                if (statTaskDue(*executor, each)) {
                    executor->runNextTask(each);
                }
            }
            EXPECT_EQ(Status::Success, cookie.waitForNotification(kNoWait));
            status = bucket->getStats(cookie, group, args, recorder.fn());
        }
        EXPECT_EQ(nullptr, cookie.engineStorage()) << "the parked task was not consumed";
        EXPECT_FALSE(recorder.off_thread);
        out = recorder.pairs;
        return status;
    }

    std::atomic<uint32_t> now{1'700'000'000};
    MockServerApi server;
    MockCookie cookie;
    std::unique_ptr<executor::FakeExecutor> executor;
    std::unique_ptr<EngineIface> bucket;
};

class StatGroupsTest : public ::testing::TestWithParam<std::string> {
protected:
    StatGroupsTest() {
        directory_ =
            fs::temp_directory_path() / ("eddy-stats-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(reinterpret_cast<uintptr_t>(this)));
        fs::remove_all(directory_);
    }
    ~StatGroupsTest() override {
        bucket_.reset();
        fs::remove_all(directory_);
    }

    void SetUp() override { bucket_ = std::make_unique<StatBucket>(GetParam(), directory_); }

    [[nodiscard]] bool persistent() const { return GetParam() == "persistent"; }
    StatBucket& b() { return *bucket_; }

    fs::path directory_;
    std::unique_ptr<StatBucket> bucket_;
};

// ---------------------------------------------------------------------------------------------
// Background groups: the pattern, for each of them.

TEST_P(StatGroupsTest, BackgroundGroupsWriteOnlyOnTheResumedCall) {
    ASSERT_EQ(Status::Success, b().set("doc", "value"));
    // A DCP connection, so that `dcp` has something to say.
    MockCookie dcp_cookie;
    std::string message;
    ASSERT_EQ(Status::Success,
              b().bucket->dcp()->open(dcp_cookie, "stats", eddy::dcp::kOpenProducer, message))
        << message;
    for (const BackgroundCase& c : kBackgroundCases) {
        SCOPED_TRACE("STAT " + c.group + " " + c.args);
        Recorder recorder;
        const Status first = b().bucket->getStats(b().cookie, c.group, c.args, recorder.fn());
        if (c.needs_store && !persistent()) {
            EXPECT_EQ(Status::NotSupported, first);
            EXPECT_EQ(0u, recorder.calls);
            continue;
        }
        for (int round = 0; round < 2; ++round) {
            SCOPED_TRACE(round == 0 ? "first collection" : "second collection");
            const Status call =
                round == 0 ? first
                           : b().bucket->getStats(b().cookie, c.group, c.args, recorder.fn());
            // 1. The first call parks a task and writes nothing.
            ASSERT_EQ(Status::WouldBlock, call);
            EXPECT_EQ(0u, recorder.calls);
            EXPECT_NE(nullptr, b().cookie.engineStorage());
            const uint64_t notified = b().cookie.notificationCount();
            // 2. The task collects into its own buffer: still nothing written, one notification.
            ASSERT_NO_THROW(b().executor->runNextTask(c.runsOn(), c.task));
            EXPECT_EQ(0u, recorder.calls);
            EXPECT_EQ(notified + 1, b().cookie.notificationCount());
            EXPECT_EQ(Status::Success, b().cookie.waitForNotification(kNoWait));
            // 3. The re-drive writes every pair here and consumes the parked task.
            ASSERT_EQ(Status::Success,
                      b().bucket->getStats(b().cookie, c.group, c.args, recorder.fn()));
            EXPECT_GE(recorder.calls, 1u);
            EXPECT_FALSE(recorder.off_thread);
            EXPECT_EQ(nullptr, b().cookie.engineStorage());
            EXPECT_EQ(notified + 1, b().cookie.notificationCount()) << "notified once only";
            EXPECT_FALSE(statTaskDue(*b().executor, c.runsOn()));
            // 4. The next call (round two) starts a new collection, not the stale result.
            recorder.calls = 0;
        }
    }
    b().bucket->disconnect(dcp_cookie);
}

TEST_P(StatGroupsTest, ResultsAreCollectedWhenTheTaskRunsNotWhenItWasScheduled) {
    Recorder recorder;
    ASSERT_EQ(Status::WouldBlock,
              b().bucket->getStats(b().cookie, "vbucket-details", "", recorder.fn()));
    ASSERT_EQ(Status::Success, b().set("late", "value", 2));
    b().executor->runNextTask(TaskGroup::NonIO, "StatVBucketDetailsTask");
    ASSERT_EQ(Status::Success, b().cookie.waitForNotification(kNoWait));
    ASSERT_EQ(Status::Success,
              b().bucket->getStats(b().cookie, "vbucket-details", "", recorder.fn()));
    EXPECT_EQ("1", recorder.pairs["vb_2:num_items"]);
    EXPECT_EQ("1", recorder.pairs["vb_2:high_seqno"]);
    EXPECT_EQ("active", recorder.pairs["vb_0"]);
}

TEST_P(StatGroupsTest, ARedriveBeforeTheNotificationKeepsWaiting) {
    Recorder recorder;
    ASSERT_EQ(Status::WouldBlock, b().bucket->getStats(b().cookie, "hash", "", recorder.fn()));
    EXPECT_EQ(Status::WouldBlock, b().bucket->getStats(b().cookie, "hash", "", recorder.fn()));
    EXPECT_EQ(0u, recorder.calls);
    b().executor->runNextTask(TaskGroup::NonIO, "StatHashTask");
    EXPECT_FALSE(statTaskDue(*b().executor, TaskGroup::NonIO)) << "no second task";
    EXPECT_EQ(1u, b().cookie.notificationCount());
    ASSERT_EQ(Status::Success, b().bucket->getStats(b().cookie, "hash", "", recorder.fn()));
    EXPECT_TRUE(recorder.pairs.contains("vb_3:size"));
    EXPECT_EQ("active", recorder.pairs["vb_3:state"]);
}

TEST_P(StatGroupsTest, AStaleTaskOfAnotherGroupIsDropped) {
    Recorder recorder;
    ASSERT_EQ(Status::WouldBlock, b().bucket->getStats(b().cookie, "hash", "", recorder.fn()));
    // The command ends without its re-drive (its connection went), leaving its holder in the
    // cookie; the cookie's next request must not be answered with the hash table's pairs.
    b().bucket->disconnect(b().cookie);
    EXPECT_EQ(Status::Disconnect, b().cookie.waitForNotification(kNoWait));
    ASSERT_EQ(Status::WouldBlock,
              b().bucket->getStats(b().cookie, "checkpoint", "", recorder.fn()));
    b().executor->runNextTask(TaskGroup::NonIO, "StatHashTask");
    EXPECT_EQ(1u, b().cookie.notificationCount()) << "nobody waits for the hash task any more";
    b().executor->runNextTask(TaskGroup::NonIO, "StatCheckpointTask");
    EXPECT_EQ(2u, b().cookie.notificationCount());
    ASSERT_EQ(Status::Success, b().bucket->getStats(b().cookie, "checkpoint", "", recorder.fn()));
    EXPECT_TRUE(recorder.pairs.contains("vb_0:open_checkpoint_id"));
    EXPECT_FALSE(recorder.pairs.contains("vb_0:size"));
}

TEST_P(StatGroupsTest, ADisconnectCompletesTheCommandAndSkipsTheCollection) {
    for (const bool free_first : {false, true}) {
        SCOPED_TRACE(free_first ? "storage freed before the task runs"
                                : "storage freed after the task ran");
        auto cookie = std::make_unique<MockCookie>();
        Recorder recorder;
        ASSERT_EQ(Status::WouldBlock,
                  b().bucket->getStats(*cookie, "checkpoint", "", recorder.fn()));
        // The connection closes while the command waits: the bucket completes it at once, as
        // it does a command parked on a pending vbucket.
        b().bucket->disconnect(*cookie);
        EXPECT_EQ(1u, cookie->notificationCount());
        EXPECT_EQ(Status::Disconnect, cookie->waitForNotification(kNoWait));
        if (free_first) {
            // What the front end does once that notification arrives for a closed connection.
            (void)cookie->takeEngineStorage();
            cookie.reset();
        }
        // The task still runs, finds nobody waiting, collects nothing and notifies nobody.
        b().executor->runNextTask(TaskGroup::NonIO, "StatCheckpointTask");
        if (!free_first) {
            EXPECT_EQ(1u, cookie->notificationCount());
            auto storage = cookie->takeEngineStorage();
            ASSERT_NE(nullptr, storage);
            const auto& holder = dynamic_cast<const stats::StatTaskHolder&>(*storage);
            EXPECT_FALSE(holder.task().done()) << "nothing was collected";
        }
        EXPECT_EQ(0u, recorder.calls);
    }
}

TEST_P(StatGroupsTest, ADisconnectAfterTheCollectionDoesNotNotifyAgain) {
    Recorder recorder;
    ASSERT_EQ(Status::WouldBlock, b().bucket->getStats(b().cookie, "hash", "", recorder.fn()));
    b().executor->runNextTask(TaskGroup::NonIO, "StatHashTask");
    EXPECT_EQ(1u, b().cookie.notificationCount());
    b().bucket->disconnect(b().cookie);
    EXPECT_EQ(1u, b().cookie.notificationCount());
    EXPECT_EQ(Status::Success, b().cookie.waitForNotification(kNoWait));
    (void)b().cookie.takeEngineStorage();
}

TEST_P(StatGroupsTest, ShutdownNotifiesACommandWhoseTaskNeverRan) {
    Recorder recorder;
    ASSERT_EQ(Status::WouldBlock,
              b().bucket->getStats(b().cookie, "checkpoint", "", recorder.fn()));
    EXPECT_EQ(0u, b().cookie.notificationCount());
    // The bucket goes: its executor cancels the queued task; the command must not wait forever.
    b().bucket.reset();
    EXPECT_EQ(1u, b().cookie.notificationCount());
    EXPECT_EQ(Status::TemporaryFailure, b().cookie.waitForNotification(kNoWait));
    EXPECT_EQ(0u, recorder.calls);
    // The front end frees the command's storage afterwards; the task outlived the bucket.
    EXPECT_NE(nullptr, b().cookie.engineStorage());
    (void)b().cookie.takeEngineStorage();
}

TEST_P(StatGroupsTest, ShutdownAfterTheTaskRanDoesNotNotifyAgain) {
    Recorder recorder;
    ASSERT_EQ(Status::WouldBlock, b().bucket->getStats(b().cookie, "dcp", "", recorder.fn()));
    b().executor->runNextTask(TaskGroup::NonIO, "StatDCPTask");
    b().bucket.reset();
    EXPECT_EQ(1u, b().cookie.notificationCount());
    EXPECT_EQ(Status::Success, b().cookie.waitForNotification(kNoWait));
    (void)b().cookie.takeEngineStorage();
}

TEST_P(StatGroupsTest, ARefusedTaskIsCollectedInline) {
    b().executor->shutdown();  // refuses every new task
    Recorder recorder;
    EXPECT_EQ(Status::Success, b().bucket->getStats(b().cookie, "checkpoint", "", recorder.fn()));
    EXPECT_GE(recorder.calls, 1u);
    EXPECT_EQ(nullptr, b().cookie.engineStorage());
    EXPECT_EQ(0u, b().cookie.notificationCount());
}

TEST_P(StatGroupsTest, WithoutAnExecutorBackgroundGroupsRunInline) {
    b().bucket.reset();
    fs::remove_all(directory_);
    StatBucket inline_bucket(GetParam(), directory_, /*with_executor=*/false);
    for (const BackgroundCase& c : kBackgroundCases) {
        if (c.group == "vkey") {
            continue;  // needs a document; covered below
        }
        SCOPED_TRACE(c.group);
        Recorder recorder;
        const Status status =
            inline_bucket.bucket->getStats(inline_bucket.cookie, c.group, c.args, recorder.fn());
        if (c.needs_store && !persistent()) {
            EXPECT_EQ(Status::NotSupported, status);
            continue;
        }
        EXPECT_EQ(Status::Success, status);
        if (c.group != "dcp") {  // no DCP connections (no executor, no DCP)
            EXPECT_GE(recorder.calls, 1u);
        }
        EXPECT_EQ(nullptr, inline_bucket.cookie.engineStorage());
    }
    EXPECT_EQ(0u, inline_bucket.cookie.notificationCount());
}

TEST_P(StatGroupsTest, CollectionErrorsTravelInsideTheTask) {
    if (!persistent()) {
        GTEST_SKIP() << "vkey needs a store";
    }
    Recorder recorder;
    ASSERT_EQ(Status::WouldBlock,
              b().bucket->getStats(b().cookie, "vkey", "missing 0", recorder.fn()));
    b().executor->runNextTask(TaskGroup::Reader, "VKeyStatBGFetchTask");
    // The task notifies Success; the real status comes with the re-drive.
    EXPECT_EQ(Status::Success, b().cookie.waitForNotification(kNoWait));
    EXPECT_EQ(Status::KeyNotFound,
              b().bucket->getStats(b().cookie, "vkey", "missing 0", recorder.fn()));
    EXPECT_EQ(0u, recorder.calls);
    EXPECT_EQ(nullptr, b().cookie.engineStorage());
}

// ---------------------------------------------------------------------------------------------
// Contents.

TEST_P(StatGroupsTest, CheckpointOfOneVBucketIsAnsweredInline) {
    ASSERT_EQ(Status::Success, b().set("a", "1", 1));
    ASSERT_EQ(Status::Success, b().set("b", "2", 1));
    const StatMap stats = b().stats("checkpoint", "1");
    EXPECT_EQ("active", stats.at("vb_1:state"));
    EXPECT_EQ("1", stats.at("vb_1:num_checkpoints"));
    EXPECT_TRUE(stats.contains("vb_1:open_checkpoint_id"));
    EXPECT_TRUE(stats.contains("vb_1:mem_usage"));
    EXPECT_GE(std::stoull(stats.at("vb_1:num_checkpoint_items")), 2u);
    if (persistent()) {
        EXPECT_TRUE(stats.contains("vb_1:persistence:cursor_seqno"));
    }
    EXPECT_FALSE(stats.contains("vb_0:state")) << "only the vbucket asked for";
    EXPECT_EQ(nullptr, b().cookie.engineStorage());
    StatMap all;
    ASSERT_EQ(Status::Success, b().collect("checkpoint", "", all));
    for (int vb = 0; vb < 4; ++vb) {
        EXPECT_TRUE(all.contains("vb_" + std::to_string(vb) + ":open_checkpoint_id")) << vb;
    }
}

TEST_P(StatGroupsTest, VBucketSeqnoAndFailovers) {
    MutationResult last;
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(Status::Success, b().set("k" + std::to_string(i), "v", 0, &last));
    }
    const StatMap seqnos = b().stats("vbucket-seqno", "0");
    EXPECT_EQ("3", seqnos.at("vb_0:high_seqno"));
    EXPECT_EQ("3", seqnos.at("vb_0:abs_high_seqno"));
    EXPECT_EQ("0", seqnos.at("vb_0:last_persisted_seqno"));
    EXPECT_EQ("0", seqnos.at("vb_0:purge_seqno"));
    EXPECT_EQ(std::to_string(last.vbucket_uuid), seqnos.at("vb_0:uuid"));
    EXPECT_EQ(6u, seqnos.size());
    const StatMap all_seqnos = b().stats("vbucket-seqno");
    EXPECT_EQ("0", all_seqnos.at("vb_3:high_seqno"));

    const StatMap failovers = b().stats("failovers", "0");
    EXPECT_EQ("1", failovers.at("vb_0:num_entries"));
    EXPECT_EQ(seqnos.at("vb_0:uuid"), failovers.at("vb_0:0:id"));
    EXPECT_EQ("0", failovers.at("vb_0:0:seq"));
    EXPECT_EQ(3u, failovers.size());
    EXPECT_EQ(12u, b().stats("failovers").size());
    if (persistent()) {
        b().drain(TaskGroup::Writer);
        EXPECT_EQ("3", b().stats("vbucket-seqno", "0").at("vb_0:last_persisted_seqno"));
    }
}

TEST_P(StatGroupsTest, KeyReportsTheDocumentInMemory) {
    MutationResult stored;
    ASSERT_EQ(Status::Success, b().set("doc", "value", 1, &stored));
    const StatMap stats = b().stats("key", "doc 1");
    EXPECT_EQ(std::to_string(stored.cas), stats.at("key_cas"));
    EXPECT_EQ(std::to_string(0xbeef), stats.at("key_flags"));
    EXPECT_EQ("0", stats.at("key_exptime"));
    EXPECT_EQ("active", stats.at("key_vb_state"));
    EXPECT_EQ("true", stats.at("key_is_resident"));
    EXPECT_EQ("false", stats.at("key_is_locked"));
    EXPECT_EQ("1", stats.at("key_by_seqno"));
    EXPECT_EQ("true", stats.at("key_is_dirty")) << "not persisted (yet, or ever: ephemeral)";
    Recorder none;
    EXPECT_EQ(Status::KeyNotFound, b().bucket->getStats(b().cookie, "key", "doc 0", none.fn()));
    EXPECT_EQ(Status::KeyNotFound, b().bucket->getStats(b().cookie, "key", "absent 1", none.fn()));
    MutationResult removed;
    ASSERT_EQ(Status::Success, b().bucket->remove(b().cookie, DocKey(defaultCollectionKey("doc")),
                                                  Vbid(1), 0, removed));
    EXPECT_EQ(Status::KeyNotFound, b().bucket->getStats(b().cookie, "key", "doc 1", none.fn()));
    EXPECT_EQ(0u, none.calls);
    if (persistent()) {
        ASSERT_EQ(Status::Success, b().set("clean", "v", 1));
        b().drain(TaskGroup::Writer);
        EXPECT_EQ("false", b().stats("key", "clean 1").at("key_is_dirty"));
    }
}

TEST_P(StatGroupsTest, VKeyComparesMemoryWithTheDisk) {
    if (!persistent()) {
        Recorder recorder;
        EXPECT_EQ(Status::NotSupported,
                  b().bucket->getStats(b().cookie, "vkey", "doc 0", recorder.fn()));
        EXPECT_EQ(Status::NotSupported,
                  b().bucket->getStats(b().cookie, "kvstore", "", recorder.fn()));
        return;
    }
    ASSERT_EQ(Status::Success, b().set("doc", "value"));
    StatMap stats;
    ASSERT_EQ(Status::Success, b().collect("vkey", "doc 0", stats));
    EXPECT_EQ("dirty", stats.at("key_valid"));
    EXPECT_EQ("true", stats.at("key_is_dirty"));
    b().drain(TaskGroup::Writer);
    ASSERT_EQ(Status::Success, b().collect("vkey", "doc 0", stats));
    EXPECT_EQ("valid", stats.at("key_valid"));
    EXPECT_EQ("false", stats.at("key_is_dirty"));
    EXPECT_EQ(std::to_string(0xbeef), stats.at("key_flags"));
    Recorder recorder;
    EXPECT_EQ(Status::NotMyVbucket,
              b().bucket->getStats(b().cookie, "vkey", "doc 9", recorder.fn()));

    ASSERT_EQ(Status::Success, b().collect("kvstore", "", stats));
    EXPECT_NE("0", stats.at("ep_kvstore:commits"));
    EXPECT_NE("0", stats.at("ep_kvstore:documents_written"));
    EXPECT_EQ("1", stats.at("ep_kvstore:num_shards"));
    ASSERT_EQ(Status::Success, b().collect("prev-vbucket", "", stats));
    EXPECT_EQ("active", stats.at("vb_0"));
}

TEST_P(StatGroupsTest, PrevVBucketShowsThePersistedStates) {
    b().drain(TaskGroup::Writer);  // every vbucket's state reaches the disk
    ASSERT_EQ(Status::Success, b().bucket->setVBucketState(b().cookie, Vbid(1), 2));
    EXPECT_EQ("replica", b().stats("vbucket").at("vb_1"));
    StatMap previous;
    ASSERT_EQ(Status::Success, b().collect("prev-vbucket", "", previous));
    EXPECT_EQ(4u, previous.size());
    EXPECT_EQ(persistent() ? "active" : "replica", previous.at("vb_1"));
    b().drain(TaskGroup::Writer);
    ASSERT_EQ(Status::Success, b().collect("prev-vbucket", "", previous));
    EXPECT_EQ("replica", previous.at("vb_1"));
}

TEST_P(StatGroupsTest, UuidIsStableAndSurvivesARestart) {
    const std::string uuid = b().stats("uuid").at("uuid");
    EXPECT_EQ(32u, uuid.size());
    EXPECT_EQ(std::string::npos, uuid.find_first_not_of("0123456789abcdef")) << uuid;
    EXPECT_EQ(uuid, b().stats("uuid").at("uuid"));
    bucket_.reset();
    bucket_ = std::make_unique<StatBucket>(GetParam(), directory_);
    const std::string again = b().stats("uuid").at("uuid");
    if (persistent()) {
        EXPECT_EQ(uuid, again) << "kept in the data directory";
    } else {
        EXPECT_NE(uuid, again) << "an ephemeral bucket is new each time";
    }
}

TEST_P(StatGroupsTest, ConfigMemoryVBucketAndWorkload) {
    const StatMap config = b().stats("config");
    EXPECT_EQ("4", config.at("ep_max_vbuckets"));
    EXPECT_EQ(GetParam(), config.at("ep_bucket_type"));
    EXPECT_TRUE(config.contains("ep_max_size"));

    ASSERT_EQ(Status::Success, b().set("doc", std::string(1000, 'x')));
    const StatMap memory = b().stats("memory");
    EXPECT_EQ(config.at("ep_max_size"), memory.at("ep_max_size"));
    EXPECT_GT(std::stoull(memory.at("mem_used")), 1000u);
    EXPECT_GE(std::stoull(memory.at("ep_value_size")), 1000u);
    EXPECT_LT(std::stoull(memory.at("ep_mem_low_wat")), std::stoull(memory.at("ep_mem_high_wat")));
    EXPECT_TRUE(memory.contains("ep_checkpoint_memory"));

    const StatMap vbuckets = b().stats("vbucket");
    EXPECT_EQ(4u, vbuckets.size());
    EXPECT_EQ("active", vbuckets.at("vb_0"));

    const StatMap workload = b().stats("workload");
    EXPECT_EQ("1", workload.at("ep_workload:num_nonio"));
    EXPECT_EQ("1", workload.at("ep_workload:num_readers"));
    EXPECT_EQ(persistent() ? "1" : "0", workload.at("ep_workload:num_shards"));

    const StatMap warmup = b().stats("warmup");
    EXPECT_EQ("done", warmup.at("ep_warmup_state"));
}

TEST_P(StatGroupsTest, TasksRuntimesAndScheduler) {
    StatMap ignored;
    ASSERT_EQ(Status::Success, b().collect("hash", "", ignored));
    b().executor->advanceTime(std::chrono::milliseconds(300));
    b().drain(TaskGroup::NonIO);  // PendingOpsTimeoutTask, 50 ms late
    const StatMap tasks = b().stats("tasks");
    EXPECT_NE("0", tasks.at("ep_tasks:num_tasks"));
    EXPECT_EQ("1", tasks.at("ep_tasks:StatHashTask:runs"));
    EXPECT_EQ("nonio", tasks.at("ep_tasks:StatHashTask:group"));

    const StatMap runtimes = b().stats("runtimes");
    ASSERT_TRUE(runtimes.contains("StatHashTask"));
    const auto runtime = nlohmann::json::parse(runtimes.at("StatHashTask"));
    EXPECT_EQ(1, runtime["count"]);
    EXPECT_EQ(0, runtime["sum_ns"]) << "the fake clock does not move during a run";
    ASSERT_EQ(1u, runtime["buckets"].size());
    EXPECT_EQ(nlohmann::json::parse("[0,1,1]"), runtime["buckets"][0]);

    const StatMap scheduler = b().stats("scheduler");
    ASSERT_TRUE(scheduler.contains("PendingOpsTimeoutTask")) << scheduler.size();
    const auto delay = nlohmann::json::parse(scheduler.at("PendingOpsTimeoutTask"));
    EXPECT_EQ(1, delay["count"]);
    EXPECT_EQ(50'000'000, delay["max_ns"]);
}

TEST_P(StatGroupsTest, ResetZeroesTheCounters) {
    ItemPtr item;
    ASSERT_EQ(Status::KeyNotFound, b().bucket->get(b().cookie, DocKey("x"), Vbid(0), item));
    ASSERT_EQ(Status::Success, b().set("doc", "v"));
    EXPECT_EQ("1", b().stats("").at("get_misses"));
    EXPECT_EQ("1", b().stats("").at("cmd_set"));
    Recorder recorder;
    EXPECT_EQ(Status::Success, b().bucket->getStats(b().cookie, "reset", "", recorder.fn()));
    EXPECT_EQ(0u, recorder.calls) << "reset answers no keys";
    const StatMap after = b().stats("");
    EXPECT_EQ("0", after.at("get_misses"));
    EXPECT_EQ("0", after.at("cmd_set"));
    EXPECT_EQ("1", after.at("curr_items")) << "gauges stay";
    EXPECT_TRUE(b().stats("runtimes").empty()) << "task histograms are reset too";
}

// ---------------------------------------------------------------------------------------------
// Errors.

TEST_P(StatGroupsTest, UnknownGroupsAndBadArguments) {
    Recorder recorder;
    const auto status = [&](std::string_view group, std::string_view args) {
        return b().bucket->getStats(b().cookie, group, args, recorder.fn());
    };
    EXPECT_EQ(Status::KeyNotFound, status("no-such-group", ""));
    EXPECT_EQ(Status::KeyNotFound, status("timings", "")) << "the daemon's";
    EXPECT_EQ(Status::KeyNotFound, status("connections", "")) << "the daemon's";
    EXPECT_EQ(Status::InvalidArguments, status("checkpoint", "x"));
    EXPECT_EQ(Status::InvalidArguments, status("vbucket-seqno", "70000"));
    EXPECT_EQ(Status::InvalidArguments, status("failovers", "-1"));
    EXPECT_EQ(Status::InvalidArguments, status("key", "doc"));
    EXPECT_EQ(Status::InvalidArguments, status("key", ""));
    EXPECT_EQ(Status::InvalidArguments, status("vkey", "doc x"));
    EXPECT_EQ(Status::InvalidArguments, status("dcpagg", ""));
    EXPECT_EQ(Status::InvalidArguments, status("config", "extra"));
    EXPECT_EQ(Status::NotMyVbucket, status("checkpoint", "9"));
    EXPECT_EQ(Status::NotMyVbucket, status("vbucket-details", "9"));
    EXPECT_EQ(Status::NotMyVbucket, status("key", "doc 9"));
    EXPECT_EQ(0u, recorder.calls);
    EXPECT_EQ(nullptr, b().cookie.engineStorage());
    EXPECT_EQ(0u, b().cookie.notificationCount());
}

TEST_P(StatGroupsTest, AcceptsTheWholeKeyAsTheGroup) {
    StatMap stats;
    ASSERT_EQ(Status::Success, b().collect("dcpagg :", "", stats));
    EXPECT_EQ("0", stats.at("_total:count"));
    EXPECT_EQ("active", b().stats("checkpoint 2").at("vb_2:state"));
}

TEST_P(StatGroupsTest, EveryEngineGroupAnswers) {
    ASSERT_EQ(Status::Success, b().set("doc", "value"));
    for (const StatGroupInfo& group : allStatGroups()) {
        if (group.owner == StatOwner::Daemon && group.id != StatGroupId::Default &&
            group.id != StatGroupId::Reset) {
            continue;
        }
        SCOPED_TRACE("STAT " + std::string(group.name));
        std::string args;
        if (group.args == "<key> <vb>") {
            args = "doc 0";
        } else if (group.args == "<separator>") {
            args = ":";
        }
        StatMap stats;
        const Status status = b().collect(group.name, args, stats);
        const bool store_only = group.id == StatGroupId::KVStore || group.id == StatGroupId::VKey;
        EXPECT_EQ(store_only && !persistent() ? Status::NotSupported : Status::Success, status);
    }
}

// ---------------------------------------------------------------------------------------------
// The real pool: front-end threads asking for background groups while writers change what is
// being collected and other commands hang up mid-collection. Under TSan this is the proof that
// a collection never races with the thread that owns the command.

TEST_P(StatGroupsTest, BackgroundGroupsOnARealPool) {
    bucket_.reset();
    fs::remove_all(directory_);
    executor::ExecutorPool pool;
    MockServerApi server;
    EpBucketConfig config;
    config.parameters = EpBucketConfig::parse("max_vbuckets=16;bucket_type=" + GetParam());
    config.executor = &pool;
    if (persistent()) {
        config.data_dir = directory_.string();
    }
    auto bucket = createEpBucket(server, config);
    while (!bucket->isReady()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> collected{0};
    std::atomic<uint64_t> abandoned{0};
    std::vector<std::thread> threads;
    threads.reserve(2);
    for (int t = 0; t < 2; ++t) {
        threads.emplace_back([&, t] {
            MockCookie cookie;
            for (int i = 0; !stop.load(); ++i) {
                StoreRequest request;
                const std::string key = "k" + std::to_string(t) + "-" + std::to_string(i % 500);
                request.key = DocKey(key);
                request.vbucket = Vbid(static_cast<uint16_t>(i % 16));
                request.value = "value";
                MutationResult result;
                (void)bucket->store(cookie, request, result);
            }
        });
    }
    const std::vector<std::pair<std::string, std::string>> groups = {
        {"checkpoint", ""}, {"dcp", ""},         {"dcpagg", ":"},       {"vbucket-details", ""},
        {"hash", ""},       {"collections", ""}, {"scopes", "_default"}};
    for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&, t] {
            MockCookie cookie;
            test::EngineDriver driver(*bucket);
            for (int i = 0; i < 60; ++i) {
                const auto& [group, args] = groups[static_cast<size_t>(i + t) % groups.size()];
                StatMap stats;  // the driver fails the test if AddStatFn runs off this thread
                EXPECT_EQ(Status::Success, driver.getStats(cookie, group, stats, args));
                ++collected;
            }
        });
    }
    threads.emplace_back([&] {
        for (int i = 0; i < 100; ++i) {
            MockCookie cookie;
            Recorder recorder;
            const Status status = bucket->getStats(cookie, "checkpoint", "", recorder.fn());
            if (status == Status::WouldBlock) {
                bucket->disconnect(cookie);
                const auto notified = cookie.waitForNotification(std::chrono::seconds(10));
                EXPECT_TRUE(notified == Status::Disconnect || notified == Status::Success);
                (void)cookie.takeEngineStorage();
                ++abandoned;
            }
            EXPECT_EQ(0u, recorder.calls);
        }
    });
    for (size_t i = 2; i < threads.size(); ++i) {
        threads[i].join();
    }
    stop = true;
    threads[0].join();
    threads[1].join();
    EXPECT_EQ(180u, collected.load());
    EXPECT_EQ(100u, abandoned.load());
    bucket.reset();
}

INSTANTIATE_TEST_SUITE_P(BucketTypes, StatGroupsTest, ::testing::Values("persistent", "ephemeral"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace eddy::engine
