// The executor's stat keys: the histogram JSON, per-task-id keys only for ids that ran, and
// the thread counts of the workload group.
#include "engine/stats/executor_stats.h"

#include "executor/fake_executor.h"
#include "executor/task.h"
#include "executor/taskable.h"
#include "support/engine_driver.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <string>

namespace eddy::engine::stats {
namespace {

using executor::TaskGroup;
using executor::TaskId;
using test::StatMap;

AddStatFn into(StatMap& map) {
    return [&map](std::string_view key, std::string_view value) {
        map.insert_or_assign(std::string(key), std::string(value));
    };
}

class OneRun final : public executor::Task {
public:
    OneRun(executor::Taskable& owner, executor::FakeExecutor& executor)
        : Task(owner, TaskId::TestTaskNonIO, std::chrono::milliseconds(10)), executor_(executor) {}
    bool run() override {
        executor_.advanceTime(std::chrono::microseconds(3));
        return false;
    }

private:
    executor::FakeExecutor& executor_;
};

TEST(ExecutorStatsTest, OnlyTaskIdsThatRan) {
    executor::FakeExecutor executor;
    executor::NamedTaskable owner("test");
    executor.registerTaskable(owner);
    StatMap before;
    addTaskHistograms(executor, HistogramKind::Runtime, into(before));
    EXPECT_TRUE(before.empty());

    executor.schedule(std::make_shared<OneRun>(owner, executor));
    executor.advanceTime(std::chrono::milliseconds(12));  // 2 ms late
    executor.runNextTask(TaskGroup::NonIO, "TestTaskNonIO");

    StatMap runtimes;
    addTaskHistograms(executor, HistogramKind::Runtime, into(runtimes));
    ASSERT_EQ(1u, runtimes.size());
    const auto runtime = nlohmann::json::parse(runtimes.at("TestTaskNonIO"));
    EXPECT_EQ(1, runtime["count"]);
    EXPECT_EQ(3000, runtime["sum_ns"]);

    StatMap delays;
    addTaskHistograms(executor, HistogramKind::SchedulingDelay, into(delays));
    EXPECT_EQ(2'000'000, nlohmann::json::parse(delays.at("TestTaskNonIO"))["max_ns"]);

    StatMap tasks;
    addTaskStats(executor, into(tasks));
    EXPECT_EQ("0", tasks.at("ep_tasks:num_tasks"));
    EXPECT_EQ("1", tasks.at("ep_tasks:TestTaskNonIO:runs"));
    EXPECT_EQ("nonio", tasks.at("ep_tasks:TestTaskNonIO:group"));
    EXPECT_EQ("5", tasks.at("ep_tasks:TestTaskNonIO:priority"));
    EXPECT_EQ("3000", tasks.at("ep_tasks:TestTaskNonIO:total_runtime_ns"));
    EXPECT_EQ("2000000", tasks.at("ep_tasks:TestTaskNonIO:max_scheduling_delay_ns"));
    EXPECT_FALSE(tasks.contains("ep_tasks:FlusherTask:runs"));
    executor.unregisterTaskable(owner);
}

TEST(ExecutorStatsTest, Workload) {
    executor::FakeExecutor executor;
    StatMap with;
    addWorkloadStats(&executor, 3, into(with));
    EXPECT_EQ("1", with.at("ep_workload:num_readers"));
    EXPECT_EQ("1", with.at("ep_workload:num_writers"));
    EXPECT_EQ("1", with.at("ep_workload:num_auxio"));
    EXPECT_EQ("1", with.at("ep_workload:num_nonio"));
    EXPECT_EQ("3", with.at("ep_workload:num_shards"));
    StatMap without;
    addWorkloadStats(nullptr, 0, into(without));
    EXPECT_EQ("0", without.at("ep_workload:num_nonio"));
}

}  // namespace
}  // namespace eddy::engine::stats
