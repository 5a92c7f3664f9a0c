#include "executor/task_id.h"

namespace eddy::executor {

std::string_view toString(TaskGroup group) {
    switch (group) {
    case TaskGroup::Writer: return "writer";
    case TaskGroup::Reader: return "reader";
    case TaskGroup::AuxIO: return "auxio";
    case TaskGroup::NonIO: return "nonio";
    }
    return "unknown";
}

std::optional<TaskId> taskIdFromName(std::string_view name) {
    for (size_t i = 0; i < kNumTaskIds; ++i) {
        if (detail::kTaskIdTable[i].name == name) {
            return static_cast<TaskId>(i);
        }
    }
    return std::nullopt;
}

}  // namespace eddy::executor
