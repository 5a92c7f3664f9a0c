#include "executor/task_id.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <tuple>

namespace eddy::executor {
namespace {

TaskId idAt(size_t i) {
    return static_cast<TaskId>(i);
}

TEST(TaskIdTest, EveryIdHasAGroupAPriorityAndAUniqueName) {
    std::set<std::string_view> names;
    std::set<TaskGroup> groups(kAllTaskGroups.begin(), kAllTaskGroups.end());
    for (size_t i = 0; i < kNumTaskIds; ++i) {
        const TaskId id = idAt(i);
        SCOPED_TRACE(std::string(taskName(id)));
        EXPECT_FALSE(taskName(id).empty());
        EXPECT_TRUE(names.insert(taskName(id)).second) << "duplicate name";
        EXPECT_TRUE(groups.contains(taskGroup(id)));
        EXPECT_GE(taskPriority(id), 0);
        ASSERT_TRUE(taskIdFromName(taskName(id)).has_value());
        EXPECT_EQ(id, *taskIdFromName(taskName(id)));
    }
    EXPECT_FALSE(taskIdFromName("NoSuchTask").has_value());
}

TEST(TaskIdTest, EveryGroupHasTasksAndATestId) {
    std::map<TaskGroup, int> ids;
    std::map<TaskGroup, int> test_ids;
    for (size_t i = 0; i < kNumTaskIds; ++i) {
        ++ids[taskGroup(idAt(i))];
        if (taskName(idAt(i)).starts_with("TestTask")) {
            ++test_ids[taskGroup(idAt(i))];
        }
    }
    for (TaskGroup group : kAllTaskGroups) {
        EXPECT_GE(ids[group], 2) << toString(group);
        EXPECT_GE(test_ids[group], 1) << toString(group);
    }
}

TEST(TaskIdTest, GroupNamesAreDistinct) {
    std::set<std::string_view> names;
    for (TaskGroup group : kAllTaskGroups) {
        EXPECT_EQ(group, kAllTaskGroups[groupIndex(group)]);
        EXPECT_TRUE(names.insert(toString(group)).second);
    }
    EXPECT_EQ("writer", toString(TaskGroup::Writer));
    EXPECT_EQ("nonio", toString(TaskGroup::NonIO));
}

TEST(TaskIdTest, NotableIdsHaveTheirGroupAndPriority) {
    struct Expected {
        TaskId id;
        TaskGroup group;
        int priority;
    };
    const Expected expected[] = {
        {TaskId::FlusherTask, TaskGroup::Writer, 5},
        {TaskId::CompactVBucketTask, TaskGroup::Writer, 2},
        {TaskId::MultiBGFetcherTask, TaskGroup::Reader, 0},
        {TaskId::WarmupTask, TaskGroup::Reader, 0},
        {TaskId::VKeyStatBGFetchTask, TaskGroup::Reader, 3},
        {TaskId::BackfillManagerTask, TaskGroup::AuxIO, 4},
        {TaskId::ItemPager, TaskGroup::NonIO, 1},
        {TaskId::ExpiredItemPager, TaskGroup::NonIO, 1},
        {TaskId::ActiveStreamCheckpointProcessorTask, TaskGroup::NonIO, 3},
        {TaskId::CheckpointRemoverTask, TaskGroup::NonIO, 6},
        {TaskId::StatCheckpointTask, TaskGroup::NonIO, 7},
        {TaskId::StatDCPTask, TaskGroup::NonIO, 7},
        {TaskId::ConnManager, TaskGroup::NonIO, 8},
        {TaskId::HashtableResizerTask, TaskGroup::NonIO, 211},
    };
    for (const auto& e : expected) {
        SCOPED_TRACE(std::string(taskName(e.id)));
        EXPECT_EQ(e.group, taskGroup(e.id));
        EXPECT_EQ(e.priority, taskPriority(e.id));
    }
    static_assert(taskGroup(TaskId::FlusherTask) == TaskGroup::Writer);
    static_assert(taskPriority(TaskId::HashtableResizerTask) == 211);
    static_assert(taskName(TaskId::ItemPager) == "ItemPager");
}

// docs/executor.md carries the task table; it must list exactly the rows of task_ids.def.h.
TEST(TaskIdTest, DocumentListsExactlyTheTaskTable) {
    const std::string path = std::string(EDDY_SOURCE_DIR) + "/docs/executor.md";
    std::ifstream doc(path);
    ASSERT_TRUE(doc.is_open()) << path;
    using Row = std::tuple<std::string, std::string, int>;
    std::set<Row> documented;
    const std::regex row(R"(^\| `?(\w+)`? \| (writer|reader|auxio|nonio) \| (\d+) \|)");
    std::string line;
    while (std::getline(doc, line)) {
        std::smatch m;
        if (std::regex_search(line, m, row)) {
            EXPECT_TRUE(documented.emplace(m[1].str(), m[2].str(), std::stoi(m[3].str())).second)
                << "documented twice: " << line;
        }
    }
    std::set<Row> table;
    for (size_t i = 0; i < kNumTaskIds; ++i) {
        const TaskId id = idAt(i);
        table.emplace(std::string(taskName(id)), std::string(toString(taskGroup(id))),
                      taskPriority(id));
    }
    for (const auto& [name, group, priority] : table) {
        EXPECT_TRUE(documented.contains({name, group, priority}))
            << path << " lacks the row | " << name << " | " << group << " | " << priority << " |";
    }
    for (const auto& [name, group, priority] : documented) {
        EXPECT_TRUE(table.contains({name, group, priority}))
            << path << " has a row not in task_ids.def.h: " << name;
    }
}

}  // namespace
}  // namespace eddy::executor
