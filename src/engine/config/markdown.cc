#include "engine/config/markdown.h"

#include "common/markdown_section.h"
#include "engine/config/param.h"
#include "engine/config/values.h"

#include <fmt/format.h>

#include <string>

namespace eddy::engine::config {

namespace {

std::string_view unitText(Unit unit) {
    switch (unit) {
    case Unit::None: return "";
    case Unit::Bytes: return "bytes";
    case Unit::Count: return "count";
    case Unit::Seconds: return "seconds";
    case Unit::Milliseconds: return "ms";
    case Unit::Microseconds: return "µs";
    case Unit::Percent: return "%";
    case Unit::QuotaPercent: return "% of `max_size`";
    case Unit::Ratio: return "ratio";
    }
    return "";
}

/// "100 MiB" for exact multiples of KiB, MiB or GiB; empty otherwise.
std::string binaryUnits(uint64_t bytes) {
    if (bytes == 0) {
        return {};
    }
    for (const auto& [size, suffix] : {std::pair{kGiB, "GiB"}, {kMiB, "MiB"}, {kKiB, "KiB"}}) {
        if (bytes % size == 0) {
            return fmt::format("{} {}", bytes / size, suffix);
        }
    }
    return {};
}

/// A bound as shown in the range column: bytes in binary units where exact.
std::string boundText(const ParamInfo& param, const ConstValue& bound) {
    if (param.unit == Unit::Bytes) {
        auto human = binaryUnits(std::get<uint64_t>(bound));
        if (!human.empty()) {
            return human;
        }
    }
    return formatValue(param, fromConst(bound));
}

std::string typeCell(const ParamInfo& param) {
    const auto unit = unitText(param.unit);
    if (unit.empty()) {
        return std::string(toString(param.type));
    }
    return fmt::format("{} ({})", toString(param.type), unit);
}

std::string defaultCell(const ParamInfo& param) {
    const auto text = formatValue(param, defaultValue(param));
    if (param.type == Type::String && text.empty()) {
        return "empty";
    }
    if (param.unit == Unit::Bytes) {
        const auto human = binaryUnits(std::get<uint64_t>(param.default_value));
        if (!human.empty()) {
            return fmt::format("`{}` ({})", text, human);
        }
    }
    return fmt::format("`{}`", text);
}

std::string rangeCell(const ParamInfo& param) {
    switch (param.type) {
    case Type::Bool: return "`true`, `false`";
    case Type::String: return "any";
    case Type::Enum: {
        std::string cell;
        for (const auto name : param.enum_names) {
            cell += fmt::format("{}`{}`", cell.empty() ? "" : ", ", name);
        }
        return cell;
    }
    case Type::Size:
    case Type::Int:
    case Type::Double: break;
    }
    if (!hasUpperBound(param)) {
        return fmt::format("≥ {}", boundText(param, param.min));
    }
    return fmt::format("{} – {}", boundText(param, param.min), boundText(param, param.max));
}

}  // namespace

std::string configurationMarkdown() {
    std::string out;
    out +=
        "<!-- Generated from src/engine/config/parameters.def.h by eddy-config-doc; edit the "
        "table there, not here. -->\n\n";
    out += "| name | type | default | range / values | dynamic | description |\n";
    out += "|---|---|---|---|---|---|\n";
    for (const auto& param : kParams) {
        out += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", param.name, typeCell(param),
                           markdownCell(defaultCell(param)), markdownCell(rangeCell(param)),
                           param.dynamic() ? fmt::format("`{}`", toString(param.category)) : "no",
                           markdownCell(param.description));
    }
    out += "\nRules between parameters, checked at creation and on every change:\n\n";
    for (const auto& rule : constraints()) {
        out += fmt::format("- {}\n", rule.text);
    }
    return out;
}

std::optional<std::string_view> generatedSection(std::string_view document) {
    return eddy::generatedSection(document, kBeginMarker, kEndMarker);
}

std::optional<std::string> replaceGeneratedSection(std::string_view document,
                                                   std::string_view section) {
    return eddy::replaceGeneratedSection(document, kBeginMarker, kEndMarker, section);
}

}  // namespace eddy::engine::config
