// BackgroundStatTask on its own: collection into the task's buffer, the hooks called once per
// run, nothing collected for a command that no longer waits, errors carried inside the task,
// the registry handing over what never ran.
#include "engine/stats/background_stat_task.h"

#include "executor/fake_executor.h"
#include "executor/taskable.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace eddy::engine::stats {
namespace {

using executor::TaskGroup;
using executor::TaskId;
using Pairs = std::vector<std::pair<std::string, std::string>>;

class BackgroundStatTaskTest : public ::testing::Test {
protected:
    BackgroundStatTaskTest() { executor_.registerTaskable(owner_); }
    ~BackgroundStatTaskTest() override { executor_.unregisterTaskable(owner_); }

    /// A task whose command waits while `waiting_` is set; done() calls are counted.
    std::shared_ptr<BackgroundStatTask> makeTask(StatCollector collector) {
        StatTaskHooks hooks{
            .wanted = [this](const void*) { return waiting_; },
            .done = [this](const void* token) { finished_.push_back(token); },
        };
        return std::make_shared<BackgroundStatTask>(owner_, TaskId::StatCheckpointTask,
                                                    "Collecting STAT test", std::move(collector),
                                                    std::move(hooks));
    }

    AddStatFn recorder() {
        return [this](std::string_view key, std::string_view value) {
            written_.emplace_back(key, value);
        };
    }

    executor::NamedTaskable owner_{"test bucket"};
    executor::FakeExecutor executor_;
    bool waiting_ = true;
    std::vector<const void*> finished_;
    Pairs written_;
};

TEST_F(BackgroundStatTaskTest, CollectsIntoItsBufferThenCallsDoneOnce) {
    int runs = 0;
    auto task = makeTask([&runs](const StatSink& sink) {
        ++runs;
        sink.add()("a", "1");
        sink.add()("b", "2");
        return Status::Success;
    });
    executor_.schedule(task);
    EXPECT_FALSE(task->done());
    EXPECT_FALSE(executor_.runNextTask(TaskGroup::NonIO, "StatCheckpointTask")) << "one-shot";
    EXPECT_EQ(1, runs);
    EXPECT_TRUE(task->done());
    EXPECT_EQ(2u, task->size());
    EXPECT_TRUE(written_.empty()) << "the task writes nothing anywhere but its buffer";
    EXPECT_EQ(std::vector<const void*>{task->token()}, finished_);
    EXPECT_EQ(Status::Success, task->writeResponse(recorder()));
    EXPECT_EQ((Pairs{{"a", "1"}, {"b", "2"}}), written_);
    EXPECT_TRUE(executor_.isEmpty());
}

TEST_F(BackgroundStatTaskTest, NothingIsCollectedForACommandThatStoppedWaiting) {
    int runs = 0;
    auto task = makeTask([&runs](const StatSink&) {
        ++runs;
        return Status::Success;
    });
    executor_.schedule(task);
    waiting_ = false;  // its connection closed
    executor_.runNextTask(TaskGroup::NonIO);
    EXPECT_EQ(0, runs);
    EXPECT_FALSE(task->done());
    EXPECT_EQ(1u, finished_.size()) << "done is still called, so the bucket forgets the token";
}

TEST_F(BackgroundStatTaskTest, ACollectionLearnsThatNobodyWaitsAnyMore) {
    std::vector<bool> seen;
    auto task = makeTask([this, &seen](const StatSink& sink) {
        seen.push_back(sink.abandoned());
        waiting_ = false;  // the connection closes mid-collection
        seen.push_back(sink.abandoned());
        return Status::Success;
    });
    executor_.schedule(task);
    executor_.runNextTask(TaskGroup::NonIO);
    EXPECT_EQ((std::vector<bool>{false, true}), seen);
    EXPECT_EQ(1u, finished_.size());
    bool inline_abandoned = true;
    EXPECT_EQ(Status::Success, collectAndWrite(
                                   [&inline_abandoned](const StatSink& sink) {
                                       inline_abandoned = sink.abandoned();
                                       return Status::Success;
                                   },
                                   recorder()));
    EXPECT_FALSE(inline_abandoned) << "inline, the caller is waiting by definition";
}

TEST_F(BackgroundStatTaskTest, ErrorsTravelInsideTheTask) {
    auto failing = makeTask([](const StatSink& sink) {
        sink.add()("partial", "x");
        return Status::KeyNotFound;
    });
    auto throwing =
        makeTask([](const StatSink&) -> Status { throw std::runtime_error("collector broke"); });
    executor_.schedule(failing);
    executor_.schedule(throwing);
    executor_.runNextTask(TaskGroup::NonIO);
    executor_.runNextTask(TaskGroup::NonIO);
    // Both finish normally, so the bucket notifies Success and the command takes its parked
    // state back; the status comes with the re-drive.
    EXPECT_EQ(2u, finished_.size());
    EXPECT_EQ(Status::KeyNotFound, failing->writeResponse(recorder()));
    EXPECT_EQ(Status::Failed, throwing->writeResponse(recorder()));
    EXPECT_TRUE(written_.empty()) << "nothing of a failed collection is written";
}

TEST_F(BackgroundStatTaskTest, CollectHereIsTheRefusedPath) {
    auto task = makeTask([](const StatSink& sink) {
        sink.add()("k", "v");
        return Status::Success;
    });
    task->collectHere();
    EXPECT_TRUE(task->done());
    EXPECT_TRUE(finished_.empty()) << "no hooks: the caller already has the command";
    EXPECT_EQ(Status::Success, task->writeResponse(recorder()));
    EXPECT_EQ(1u, written_.size());
}

TEST_F(BackgroundStatTaskTest, TheRegistryHandsOverWhatIsLeft) {
    int a = 0;
    int b = 0;
    StatTaskRegistry registry;
    registry.add(&a);
    registry.add(&b);
    EXPECT_EQ(2u, registry.size());
    registry.remove(&a);
    EXPECT_EQ(1u, registry.size());
    EXPECT_EQ(StatTaskRegistry::Tokens{&b}, registry.takeAll());
    EXPECT_EQ(0u, registry.size());
    EXPECT_TRUE(registry.takeAll().empty()) << "nothing left, nothing to hand over";
}

TEST_F(BackgroundStatTaskTest, CollectAndWriteIsTheInlinePath) {
    EXPECT_EQ(Status::Success, collectAndWrite(
                                   [](const StatSink& sink) {
                                       sink.add()("k", "v");
                                       return Status::Success;
                                   },
                                   recorder()));
    EXPECT_EQ((Pairs{{"k", "v"}}), written_);
    EXPECT_EQ(Status::NotMyVbucket, collectAndWrite(
                                        [](const StatSink& sink) {
                                            sink.add()("k2", "v2");
                                            return Status::NotMyVbucket;
                                        },
                                        recorder()));
    EXPECT_EQ(1u, written_.size());
}

TEST_F(BackgroundStatTaskTest, HolderMatchesItsRequest) {
    auto task = makeTask([](const StatSink&) { return Status::Success; });
    const StatTaskHolder holder(task, StatGroupId::Checkpoint, "");
    EXPECT_TRUE(holder.matches(StatGroupId::Checkpoint, ""));
    EXPECT_FALSE(holder.matches(StatGroupId::Checkpoint, "1"));
    EXPECT_FALSE(holder.matches(StatGroupId::Dcp, ""));
    EXPECT_EQ(task.get(), &holder.task());
}

}  // namespace
}  // namespace eddy::engine::stats
