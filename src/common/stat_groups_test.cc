// The stat-group table: every group has one row with a known argument syntax, the lookups and
// the argument parser behave as documented, and docs/stats.md carries the current table.
#include "eddy/stat_groups.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace eddy {
namespace {

std::string readFile(const std::string& path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

TEST(StatGroupsTest, EveryGroupHasOneRow) {
    const std::set<std::string> expected = {"",
                                            "memory",
                                            "vbucket",
                                            "vbucket-details",
                                            "vbucket-seqno",
                                            "prev-vbucket",
                                            "hash",
                                            "checkpoint",
                                            "dcp",
                                            "dcpagg",
                                            "failovers",
                                            "timings",
                                            "config",
                                            "tasks",
                                            "runtimes",
                                            "scheduler",
                                            "kvstore",
                                            "warmup",
                                            "uuid",
                                            "key",
                                            "vkey",
                                            "connections",
                                            "workload",
                                            "reset",
                                            "collections",
                                            "scopes"};
    std::set<std::string> names;
    for (size_t i = 0; i < kNumStatGroups; ++i) {
        const StatGroupInfo& group = kStatGroups[i];
        EXPECT_EQ(i, static_cast<size_t>(group.id)) << group.name;
        EXPECT_TRUE(names.emplace(group.name).second) << "listed twice: '" << group.name << "'";
        EXPECT_EQ(&group, findStatGroup(group.name));
        EXPECT_EQ(&group, &statGroupInfo(group.id));
        EXPECT_EQ(std::string_view::npos, group.name.find(' ')) << group.name;
        ASSERT_FALSE(group.description.empty()) << group.name;
        EXPECT_TRUE(std::isupper(static_cast<unsigned char>(group.description.front())))
            << group.name;
        EXPECT_EQ('.', group.description.back()) << group.name;
        // Every syntax is one the parser knows (an unknown one is an error even with no args).
        const StatArgs parsed = parseStatArgs(group, "");
        EXPECT_EQ(std::string::npos, parsed.error.find("unknown argument syntax")) << group.name;
    }
    EXPECT_EQ(expected, names);
    EXPECT_EQ(kNumStatGroups, allStatGroups().size());
}

TEST(StatGroupsTest, SlowGroupsRunInTheBackground) {
    for (const std::string_view name :
         {"checkpoint", "dcp", "dcpagg", "vbucket-details", "kvstore", "collections", "scopes"}) {
        ASSERT_NE(nullptr, findStatGroup(name)) << name;
        EXPECT_EQ(StatRunsOn::NonIO, findStatGroup(name)->runs_on) << name;
    }
    // Each front-end thread describes its own connections: no other thread may read them.
    EXPECT_EQ(StatRunsOn::EachFrontEnd, findStatGroup("connections")->runs_on);
    EXPECT_EQ(StatRunsOn::Reader, findStatGroup("vkey")->runs_on);
    for (const std::string_view name :
         {"", "config", "uuid", "key", "failovers", "vbucket-seqno"}) {
        EXPECT_EQ(StatRunsOn::FrontEnd, findStatGroup(name)->runs_on) << name;
    }
    for (const std::string_view name : {"", "reset", "timings", "connections"}) {
        EXPECT_EQ(StatOwner::Daemon, findStatGroup(name)->owner) << name;
    }
    EXPECT_EQ(StatOwner::Engine, findStatGroup("checkpoint")->owner);
    EXPECT_EQ(Privilege::Stats, findStatGroup("reset")->privilege);
    EXPECT_EQ(Privilege::SimpleStats, findStatGroup("config")->privilege);
    // Every group that collects on a background task or on every front end needs Stats, but
    // for the bucket's own collections and scopes, which kv_engine shows to any bucket user.
    for (const StatGroupInfo& group : kStatGroups) {
        if (group.id == StatGroupId::Collections || group.id == StatGroupId::Scopes) {
            EXPECT_EQ(Privilege::SimpleStats, group.privilege) << group.name;
        } else if (group.runs_on != StatRunsOn::FrontEnd) {
            EXPECT_EQ(Privilege::Stats, group.privilege) << group.name;
        }
    }
}

TEST(StatGroupsTest, ExactlyTheBackgroundGroupsNameTheTaskThatCollectsThem) {
    for (const StatGroupInfo& group : kStatGroups) {
        const bool on_a_task =
            group.runs_on == StatRunsOn::NonIO || group.runs_on == StatRunsOn::Reader;
        EXPECT_EQ(on_a_task, !group.task.empty()) << group.name << ": " << group.task;
    }
    EXPECT_EQ("StatDCPTask", findStatGroup("dcp")->task);
    EXPECT_EQ("", findStatGroup("failovers")->task);
}

TEST(StatGroupsTest, LookupIsExact) {
    EXPECT_EQ(nullptr, findStatGroup("Checkpoint"));
    EXPECT_EQ(nullptr, findStatGroup("checkpoint "));
    EXPECT_EQ(nullptr, findStatGroup("no-such-group"));
    EXPECT_EQ(StatGroupId::Default, findStatGroup("")->id);
    EXPECT_EQ("dcpagg", statGroupInfo(StatGroupId::DcpAgg).name);
    EXPECT_EQ("nonio", toString(StatRunsOn::NonIO));
    EXPECT_EQ("engine", toString(StatOwner::Engine));
}

TEST(StatGroupsTest, SplitsTheKeyAtTheFirstSpace) {
    EXPECT_EQ("", splitStatKey("").group);
    EXPECT_EQ("", splitStatKey("").args);
    EXPECT_EQ("checkpoint", splitStatKey("checkpoint").group);
    EXPECT_EQ("", splitStatKey("checkpoint").args);
    EXPECT_EQ("key", splitStatKey("key my key 3").group);
    EXPECT_EQ("my key 3", splitStatKey("key my key 3").args);
    EXPECT_EQ("dcpagg", splitStatKey("dcpagg  ").group);
    EXPECT_EQ(" ", splitStatKey("dcpagg  ").args);
}

TEST(StatGroupsTest, ParsesEachSyntax) {
    const StatGroupInfo& checkpoint = *findStatGroup("checkpoint");
    EXPECT_TRUE(parseStatArgs(checkpoint, "").ok());
    EXPECT_FALSE(parseStatArgs(checkpoint, "").vbucket.has_value());
    EXPECT_EQ(Vbid(7), parseStatArgs(checkpoint, "7").vbucket);
    EXPECT_EQ(Vbid(65535), parseStatArgs(checkpoint, " 65535 ").vbucket);
    for (const std::string_view bad : {"x", "-1", "65536", "1x", "1 2", "0x10"}) {
        const StatArgs parsed = parseStatArgs(checkpoint, bad);
        EXPECT_FALSE(parsed.ok()) << bad;
        EXPECT_NE(std::string::npos, parsed.error.find("STAT checkpoint takes [vb]"))
            << parsed.error;
    }

    const StatGroupInfo& key = *findStatGroup("key");
    StatArgs parsed = parseStatArgs(key, "doc 3");
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    EXPECT_EQ("doc", parsed.key);
    EXPECT_EQ(Vbid(3), parsed.vbucket);
    parsed = parseStatArgs(key, "a doc with spaces 12");
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    EXPECT_EQ("a doc with spaces", parsed.key);
    EXPECT_EQ(Vbid(12), parsed.vbucket);
    EXPECT_EQ("STAT key takes <key> <vb>: the key and vbucket are missing",
              parseStatArgs(key, "").error);
    EXPECT_EQ("STAT key takes <key> <vb>: 'doc' has no vbucket", parseStatArgs(key, "doc").error);
    EXPECT_EQ("STAT key takes <key> <vb>: 'x' is not a vbucket number (0-65535)",
              parseStatArgs(key, "doc x").error);

    const StatGroupInfo& dcpagg = *findStatGroup("dcpagg");
    EXPECT_EQ(":", parseStatArgs(dcpagg, ":").text);
    EXPECT_EQ(" ", parseStatArgs(dcpagg, " ").text) << "a separator is taken as is";
    EXPECT_FALSE(parseStatArgs(dcpagg, "").ok());

    const StatGroupInfo& config = *findStatGroup("config");
    EXPECT_TRUE(parseStatArgs(config, "").ok());
    EXPECT_TRUE(parseStatArgs(config, "  ").ok());
    EXPECT_EQ("STAT config takes no arguments, not 'x'", parseStatArgs(config, "x").error);
    EXPECT_FALSE(parseStatArgs(*findStatGroup(""), "x").ok());

    const StatGroupInfo& connections = *findStatGroup("connections");
    EXPECT_TRUE(parseStatArgs(connections, "").ok());
    EXPECT_EQ("42", parseStatArgs(connections, "42").text);
    EXPECT_FALSE(parseStatArgs(connections, "me").ok());

    const StatGroupInfo& collections = *findStatGroup("collections");
    EXPECT_TRUE(parseStatArgs(collections, "").ok());
    EXPECT_EQ("", parseStatArgs(collections, "").text);
    EXPECT_EQ("s.c", parseStatArgs(collections, " s.c ").text);
    EXPECT_FALSE(parseStatArgs(collections, "s.c extra").ok()) << "one name only";
}

TEST(StatGroupsTest, MarkdownHasOneRowPerGroup) {
    const std::string markdown = statGroupsMarkdown();
    size_t rows = 0;
    std::istringstream lines(markdown);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("| `", 0) == 0 || line.rfind("| *(default)*", 0) == 0) {
            ++rows;
        }
    }
    EXPECT_EQ(kNumStatGroups, rows);
    EXPECT_NE(std::string::npos,
              markdown.find(
                  "| `vkey` | `<key> <vb>` | reader | `VKeyStatBGFetchTask` | engine | Stats |"))
        << markdown;
    EXPECT_NE(
        std::string::npos,
        markdown.find("| `checkpoint` | `[vb]` | nonio | `StatCheckpointTask` | engine | Stats |"))
        << markdown;
    EXPECT_EQ('\n', markdown.back());
}

TEST(StatGroupsTest, FindsTheGeneratedSection) {
    const std::string begin(kStatGroupsBeginMarker);
    const std::string end(kStatGroupsEndMarker);
    EXPECT_EQ(
        "table\n",
        statGroupsSection("# T\n" + begin + "\ntable\n" + end + "\nrest\n").value_or("<missing>"));
    EXPECT_EQ("", statGroupsSection(begin + "\n" + end + "\n").value_or("<missing>"));
    EXPECT_FALSE(statGroupsSection("nothing\n").has_value());
    EXPECT_FALSE(statGroupsSection(end + "\n" + begin + "\n").has_value());
    EXPECT_FALSE(statGroupsSection(begin + "\n" + begin + "\n" + end + "\n").has_value());
    EXPECT_FALSE(statGroupsSection(begin + " " + end + "\n").has_value());
}

TEST(StatGroupsTest, DocsAreCurrent) {
    const std::string path = EDDY_STATS_MD;
    const std::string document = readFile(path);
    ASSERT_FALSE(document.empty()) << "cannot read " << path;
    const auto section = statGroupsSection(document);
    ASSERT_TRUE(section.has_value())
        << path << " must contain one line with \"" << kStatGroupsBeginMarker
        << "\" followed later by one line with \"" << kStatGroupsEndMarker << "\"";
    const std::string expected = statGroupsMarkdown();
    EXPECT_TRUE(*section == expected)
        << "The stat group table in " << path
        << " is out of date with include/eddy/stat_groups.def.h. Replace the text between the "
           "markers with:\n"
        << expected;
}

}  // namespace
}  // namespace eddy
