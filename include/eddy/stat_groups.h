// eddy — the STAT groups: what each is called, what it takes, where it runs, who answers it.
//
// Owns: StatGroupId and StatGroupInfo (one per row of stat_groups.def.h), the lookups over
// them, the parsing of a STAT key ("<group> <arguments>") and of each argument syntax, and the
// Markdown rendering of the table that docs/stats.md carries between kStatGroupsBeginMarker and
// kStatGroupsEndMarker.
//
// Semantics. A STAT key is split at its first space: the group name before it, the group's
// arguments after it (empty without a space). Arguments are checked against the group's syntax
// by parseStatArgs, which both the daemon (to answer EINVAL with a message) and the engine (to
// read them) use, so the two never disagree:
//   ""             nothing but spaces
//   "[vb]"         nothing, or a vbucket number 0..65535 (spaces around it are ignored)
//   "<key> <vb>"   a key, one space, a vbucket number; the key is everything before the last
//                  space, so it may itself hold spaces
//   "<separator>"  any non-empty text, taken as is
//   "[id]"         nothing, or a decimal number
//   "[name]"       nothing, or one word (no space inside)
//
// Thread contract: immutable data and pure functions.
#pragma once

#include "eddy/privilege.h"
#include "eddy/types.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace eddy {

/// Where a group's collection runs.
enum class StatRunsOn : uint8_t {
    FrontEnd,  ///< inline, on the front-end thread of the STAT command's connection
    NonIO,     ///< on a NONIO executor task; the command would-blocks until it is done
    /// on every front-end thread, each for its own connections, in jobs posted to it; the
    /// command would-blocks until the last one is done
    EachFrontEnd,
    Reader,  ///< on a READER executor task (it reads the disk)
};

/// Who answers a group.
enum class StatOwner : uint8_t {
    Daemon,  ///< the front end itself (it may ask the engine for its part too)
    Engine,  ///< EngineIface::getStats
};

enum class StatGroupId : uint8_t {
#define EDDY_STAT_GROUP(id, name, args, privilege, runs_on, task, owner, description) id,
#include "eddy/stat_groups.def.h"
#undef EDDY_STAT_GROUP
};

// The fields follow the columns of stat_groups.def.h; packing them would save 8 bytes in each of a
// few dozen constant rows.
struct StatGroupInfo {  // NOLINT(clang-analyzer-optin.performance.Padding)
    StatGroupId id;
    std::string_view name;
    /// The argument syntax (see the file comment).
    std::string_view args;
    /// What reading the group requires (the Privilege column).
    Privilege privilege;
    StatRunsOn runs_on;
    /// The name of the executor task id that collects the group on NonIO or Reader; empty for
    /// a group collected on front-end threads.
    std::string_view task;
    StatOwner owner;
    std::string_view description;
};

inline constexpr StatGroupInfo kStatGroups[] = {
#define EDDY_STAT_GROUP(id, name, args, privilege, runs_on, task, owner, description)     \
    {StatGroupId::id,  name,       args, Privilege::privilege, StatRunsOn::runs_on, task, \
     StatOwner::owner, description},
#include "eddy/stat_groups.def.h"
#undef EDDY_STAT_GROUP
};

inline constexpr size_t kNumStatGroups = std::size(kStatGroups);

/// Every group, in table order.
[[nodiscard]] inline std::span<const StatGroupInfo> allStatGroups() {
    return kStatGroups;
}

[[nodiscard]] constexpr const StatGroupInfo& statGroupInfo(StatGroupId id) {
    return kStatGroups[static_cast<size_t>(id)];
}

/// The group called `name` (exact, case-sensitive), or nullptr.
[[nodiscard]] const StatGroupInfo* findStatGroup(std::string_view name);

/// "front-end", "nonio", "reader".
[[nodiscard]] std::string_view toString(StatRunsOn runs_on);
/// "daemon", "engine".
[[nodiscard]] std::string_view toString(StatOwner owner);

/// A STAT key split at its first space.
struct StatKey {
    std::string_view group;
    std::string_view args;
};
[[nodiscard]] StatKey splitStatKey(std::string_view key);

/// What parseStatArgs read; views into the arguments it was given.
struct StatArgs {
    /// "[vb]" when given, "<key> <vb>" always.
    std::optional<Vbid> vbucket;
    /// "<key> <vb>": the key.
    std::string_view key;
    /// "<separator>": the separator; "[id]": the number as text; "[name]": the name (both
    /// empty when absent).
    std::string_view text;
    /// The arguments as given (what followed the first space of the STAT key).
    std::string_view raw;
    /// Why the arguments do not fit the syntax; empty when they do.
    std::string error;

    [[nodiscard]] bool ok() const { return error.empty(); }
};

/// Reads `args` as `group`'s syntax says; on a mismatch `error` names the group and what it
/// takes, e.g. "STAT key takes <key> <vb>: 'x' has no vbucket".
[[nodiscard]] StatArgs parseStatArgs(const StatGroupInfo& group, std::string_view args);

inline constexpr std::string_view kStatGroupsBeginMarker = "<!-- BEGIN GENERATED: stat groups -->";
inline constexpr std::string_view kStatGroupsEndMarker = "<!-- END GENERATED: stat groups -->";

/// The Markdown table of every group (the text between the markers in docs/stats.md): starts
/// with a comment naming its source, ends with a newline.
[[nodiscard]] std::string statGroupsMarkdown();

/// The text between the line holding kStatGroupsBeginMarker and the line holding
/// kStatGroupsEndMarker, or nullopt when they are missing, repeated or out of order.
[[nodiscard]] std::optional<std::string_view> statGroupsSection(std::string_view document);

}  // namespace eddy
