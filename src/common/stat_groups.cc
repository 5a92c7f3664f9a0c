// eddy — the STAT group lookups, argument parsing and the docs table (eddy/stat_groups.h).
#include "eddy/stat_groups.h"

#include "common/markdown_section.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

namespace eddy {

namespace {

constexpr std::string_view kSpaces = " \t";

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(kSpaces);
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(kSpaces);
    return text.substr(first, last - first + 1);
}

/// A decimal number that fits `T`, with nothing else around it.
template <class T>
std::optional<T> parseNumber(std::string_view text) {
    uint64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto parsed = std::from_chars(text.data(), end, value);
    if (text.empty() || parsed.ec != std::errc() || parsed.ptr != end ||
        value > std::numeric_limits<T>::max()) {
        return std::nullopt;
    }
    return static_cast<T>(value);
}

std::optional<Vbid> parseVbucket(std::string_view text) {
    const auto id = parseNumber<uint16_t>(text);
    return id ? std::optional<Vbid>(Vbid(*id)) : std::nullopt;
}

std::string groupLabel(const StatGroupInfo& group) {
    return group.name.empty() ? std::string("STAT (default group)")
                              : fmt::format("STAT {}", group.name);
}

std::string usage(const StatGroupInfo& group) {
    return group.args.empty() ? fmt::format("{} takes no arguments", groupLabel(group))
                              : fmt::format("{} takes {}", groupLabel(group), group.args);
}

}  // namespace

const StatGroupInfo* findStatGroup(std::string_view name) {
    for (const StatGroupInfo& group : kStatGroups) {
        if (group.name == name) {
            return &group;
        }
    }
    return nullptr;
}

std::string_view toString(StatRunsOn runs_on) {
    switch (runs_on) {
    case StatRunsOn::FrontEnd: return "front-end";
    case StatRunsOn::NonIO: return "nonio";
    case StatRunsOn::EachFrontEnd: return "each front-end";
    case StatRunsOn::Reader: return "reader";
    }
    return "unknown";
}

std::string_view toString(StatOwner owner) {
    switch (owner) {
    case StatOwner::Daemon: return "daemon";
    case StatOwner::Engine: return "engine";
    }
    return "unknown";
}

StatKey splitStatKey(std::string_view key) {
    const auto space = key.find(' ');
    if (space == std::string_view::npos) {
        return {key, {}};
    }
    return {key.substr(0, space), key.substr(space + 1)};
}

StatArgs parseStatArgs(const StatGroupInfo& group, std::string_view args) {
    StatArgs out;
    out.raw = args;
    const std::string_view trimmed = trim(args);
    if (group.args.empty()) {
        if (!trimmed.empty()) {
            out.error = fmt::format("{}, not '{}'", usage(group), args);
        }
    } else if (group.args == "[vb]") {
        if (!trimmed.empty()) {
            out.vbucket = parseVbucket(trimmed);
            if (!out.vbucket) {
                out.error = fmt::format("{}: '{}' is not a vbucket number (0-65535)", usage(group),
                                        trimmed);
            }
        }
    } else if (group.args == "<key> <vb>") {
        const auto space = trimmed.rfind(' ');
        if (trimmed.empty() || space == std::string_view::npos) {
            out.error = fmt::format("{}: {}", usage(group),
                                    trimmed.empty() ? std::string("the key and vbucket are missing")
                                                    : fmt::format("'{}' has no vbucket", trimmed));
        } else {
            out.key = trim(trimmed.substr(0, space));
            const std::string_view vbucket = trimmed.substr(space + 1);
            out.vbucket = parseVbucket(vbucket);
            if (!out.vbucket) {
                out.error = fmt::format("{}: '{}' is not a vbucket number (0-65535)", usage(group),
                                        vbucket);
            }
        }
    } else if (group.args == "<separator>") {
        if (args.empty()) {
            out.error = fmt::format("{}, e.g. '{} :'", usage(group), group.name);
        }
        out.text = args;
    } else if (group.args == "[id]") {
        if (!trimmed.empty() && !parseNumber<uint64_t>(trimmed)) {
            out.error = fmt::format("{}: '{}' is not a number", usage(group), trimmed);
        }
        out.text = trimmed;
    } else if (group.args == "[name]") {
        if (trimmed.find(' ') != std::string_view::npos) {
            out.error = fmt::format("{}: '{}' is more than one name", usage(group), trimmed);
        }
        out.text = trimmed;
    } else {
        out.error =
            fmt::format("{} has an unknown argument syntax '{}'", groupLabel(group), group.args);
    }
    return out;
}

std::string statGroupsMarkdown() {
    std::string out;
    out +=
        "<!-- Generated from include/eddy/stat_groups.def.h (statGroupsMarkdown()); edit the "
        "table there, not here. -->\n\n";
    out +=
        "| group | arguments | runs on | collected by | answered by | privilege | description |\n";
    out += "|---|---|---|---|---|---|---|\n";
    for (const StatGroupInfo& group : kStatGroups) {
        out += fmt::format(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            group.name.empty() ? std::string("*(default)*") : fmt::format("`{}`", group.name),
            group.args.empty() ? std::string("—") : fmt::format("`{}`", markdownCell(group.args)),
            toString(group.runs_on),
            group.task.empty() ? std::string("—") : fmt::format("`{}`", group.task),
            toString(group.owner), privilegeName(group.privilege), markdownCell(group.description));
    }
    return out;
}

std::optional<std::string_view> statGroupsSection(std::string_view document) {
    return generatedSection(document, kStatGroupsBeginMarker, kStatGroupsEndMarker);
}

}  // namespace eddy
