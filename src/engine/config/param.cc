#include "engine/config/param.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <type_traits>
#include <vector>

namespace eddy::engine::config {

namespace {

// The table is consistent with Param: row i describes Param i, and names are unique.
constexpr bool tableIsInOrder() {
    for (size_t i = 0; i < kParams.size(); ++i) {
        if (paramIndex(kParams[i].id) != i) {
            return false;
        }
    }
    return true;
}
static_assert(tableIsInOrder());

constexpr bool namesAreUnique() {
    for (size_t i = 0; i < kParams.size(); ++i) {
        for (size_t j = i + 1; j < kParams.size(); ++j) {
            if (kParams[i].name == kParams[j].name) {
                return false;
            }
        }
    }
    return true;
}
static_assert(namesAreUnique());

size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t above = row[j];
            const size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
            row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string formatDouble(double value) {
    return fmt::format("{}", value);
}

}  // namespace

std::string_view toString(Category category) {
    switch (category) {
    case Category::Static: return "static";
    case Category::Flush: return "flush_param";
    case Category::Checkpoint: return "checkpoint_param";
    case Category::Dcp: return "dcp_param";
    case Category::Vbucket: return "vbucket_param";
    }
    return "unknown";
}

std::string_view toString(Type type) {
    switch (type) {
    case Type::Bool: return "bool";
    case Type::Size: return "size";
    case Type::Int: return "int";
    case Type::Double: return "double";
    case Type::String: return "string";
    case Type::Enum: return "enum";
    }
    return "unknown";
}

const ParamInfo* findParam(std::string_view name) {
    const auto* found = std::find_if(kParams.begin(), kParams.end(),
                                     [name](const ParamInfo& row) { return row.name == name; });
    return found == kParams.end() ? nullptr : &*found;
}

std::string_view suggestParam(std::string_view name) {
    constexpr size_t kMaxEdits = 2;
    std::string_view best;
    size_t best_distance = kMaxEdits + 1;
    for (const auto& row : kParams) {
        const size_t distance = editDistance(name, row.name);
        if (distance < best_distance) {
            best = row.name;
            best_distance = distance;
        }
    }
    return best;
}

Value fromConst(const ConstValue& value) {
    return std::visit(
        [](const auto& alternative) -> Value {
            using T = std::decay_t<decltype(alternative)>;
            if constexpr (std::is_same_v<T, std::string_view>) {
                return std::string(alternative);
            } else {
                return alternative;
            }
        },
        value);
}

Value defaultValue(const ParamInfo& param) {
    return fromConst(param.default_value);
}

std::string formatValue(const ParamInfo& param, const Value& value) {
    return std::visit(
        [&param](const auto& alternative) -> std::string {
            using T = std::decay_t<decltype(alternative)>;
            if constexpr (std::is_same_v<T, bool>) {
                return alternative ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
                return formatDouble(alternative);
            } else if constexpr (std::is_same_v<T, std::string>) {
                return alternative;
            } else if constexpr (std::is_same_v<T, EnumIndex>) {
                return alternative.index < param.enum_names.size()
                           ? std::string(param.enum_names[alternative.index])
                           : fmt::format("<invalid {}>", alternative.index);
            } else {
                return std::to_string(alternative);
            }
        },
        value);
}

bool hasUpperBound(const ParamInfo& param) {
    switch (param.type) {
    case Type::Size: return std::get<uint64_t>(param.max) != kU64Max;
    case Type::Int: return std::get<int64_t>(param.max) != std::numeric_limits<int64_t>::max();
    case Type::Double: return std::get<double>(param.max) != kDoubleMax;
    case Type::Bool:
    case Type::String:
    case Type::Enum: return false;
    }
    return false;
}

std::string acceptedText(const ParamInfo& param) {
    switch (param.type) {
    case Type::Bool: return "true or false";
    case Type::String: return "any string";
    case Type::Enum: return fmt::format("one of {}", fmt::join(param.enum_names, ", "));
    case Type::Size:
    case Type::Int:
    case Type::Double: break;
    }
    const auto min = formatValue(param, fromConst(param.min));
    if (!hasUpperBound(param)) {
        return fmt::format("{} or more", min);
    }
    return fmt::format("{} to {}", min, formatValue(param, fromConst(param.max)));
}

}  // namespace eddy::engine::config
