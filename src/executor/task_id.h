// eddy — task ids, task groups and priorities.
//
// Owns: TaskGroup (the four thread groups of the executor), TaskId (every kind of background
// task) and the lookups taskGroup(), taskPriority() and taskName(). All of them come from the one
// table in task_ids.def.h, so a task id cannot exist without a group, a priority and a name.
// Invariants: names are unique (task_id_test.cc); a lower priority number runs first within a
// group; groups never share threads.
// Thread contract: immutable constexpr data and pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace eddy::executor {

/// The thread group a task runs in. Each group has its own threads and queues.
enum class TaskGroup : uint8_t {
    Writer,  ///< writes to disk (flusher, compaction, rollback)
    Reader,  ///< reads from disk that a command waits for (background fetches, warmup)
    AuxIO,   ///< other disk work (backfills, access scanner, deletion of vbucket files)
    NonIO,   ///< in-memory work (pagers, checkpoint removal, stats, connection housekeeping)
};

inline constexpr size_t kNumTaskGroups = 4;

inline constexpr std::array<TaskGroup, kNumTaskGroups> kAllTaskGroups = {
    TaskGroup::Writer, TaskGroup::Reader, TaskGroup::AuxIO, TaskGroup::NonIO};

/// 0..kNumTaskGroups-1, for arrays indexed by group.
constexpr size_t groupIndex(TaskGroup group) {
    return static_cast<size_t>(group);
}

/// "writer", "reader", "auxio", "nonio" (thread names, logs, stats).
std::string_view toString(TaskGroup group);

enum class TaskId : uint16_t {
#define TASK(name, group, priority) name,
#include "executor/task_ids.def.h"
#undef TASK
};

namespace detail {

struct TaskIdInfo {
    std::string_view name;
    TaskGroup group;
    int priority;
};

inline constexpr TaskIdInfo kTaskIdTable[] = {
#define TASK(name, group, priority) {#name, TaskGroup::group, priority},
#include "executor/task_ids.def.h"
#undef TASK
};

}  // namespace detail

inline constexpr size_t kNumTaskIds = std::size(detail::kTaskIdTable);

constexpr TaskGroup taskGroup(TaskId id) {
    return detail::kTaskIdTable[static_cast<size_t>(id)].group;
}

/// Lower runs first among the ready tasks of one group.
constexpr int taskPriority(TaskId id) {
    return detail::kTaskIdTable[static_cast<size_t>(id)].priority;
}

/// The enumerator's spelling, e.g. "FlusherTask".
constexpr std::string_view taskName(TaskId id) {
    return detail::kTaskIdTable[static_cast<size_t>(id)].name;
}

/// The id spelled `name`, if there is one.
std::optional<TaskId> taskIdFromName(std::string_view name);

}  // namespace eddy::executor
