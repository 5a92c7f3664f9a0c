// The generated reference: docs/configuration.md must hold exactly configurationMarkdown().
#include "engine/config/markdown.h"

#include "engine/config/param.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace eddy::engine::config {
namespace {

std::string readFile(const std::string& path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

TEST(ConfigMarkdownTest, DocsAreCurrent) {
    const std::string path = EDDY_CONFIGURATION_MD;
    const auto document = readFile(path);
    ASSERT_FALSE(document.empty()) << "cannot read " << path;
    const auto section = generatedSection(document);
    ASSERT_TRUE(section.has_value())
        << path << " must contain one line with \"" << kBeginMarker << "\" followed later by one "
        << "line with \"" << kEndMarker << "\"";
    EXPECT_TRUE(*section == configurationMarkdown())
        << "The bucket configuration section of " << path
        << " is out of date with src/engine/config/parameters.def.h. Regenerate it with\n"
        << "    cmake --build <build dir> --target update-config-doc\n"
        << "(or run <build dir>/programs/eddy-config-doc/eddy-config-doc " << path
        << ") and commit the result.";
}

TEST(ConfigMarkdownTest, OneRowPerParameter) {
    const auto markdown = configurationMarkdown();
    size_t rows = 0;
    std::istringstream lines(markdown);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("| `", 0) == 0) {
            ++rows;
        }
    }
    EXPECT_EQ(kParamCount, rows);
    for (const auto& row : kParams) {
        EXPECT_NE(std::string::npos, markdown.find("| `" + std::string(row.name) + "` |"))
            << row.name;
    }
    EXPECT_NE(std::string::npos,
              markdown.find("| `max_size` | size (bytes) | `104857600` (100 MiB) | ≥ 1 MiB | "
                            "`flush_param` |"))
        << markdown;
    EXPECT_NE(std::string::npos,
              markdown.find("| `bucket_type` | enum | `persistent` | `persistent`, `ephemeral` | "
                            "no |"))
        << markdown;
    EXPECT_NE(std::string::npos, markdown.find("- `mem_low_wat` < `mem_high_wat`"));
    EXPECT_EQ('\n', markdown.back());
}

TEST(ConfigMarkdownTest, ReplacesOnlyBetweenTheMarkers) {
    const std::string begin(kBeginMarker);
    const std::string end(kEndMarker);
    const std::string document = "# Title\n\n" + begin + "\nold table\n" + end + "\ntail\n";
    ASSERT_EQ("old table\n", generatedSection(document).value_or("<missing>"));
    const auto replaced = replaceGeneratedSection(document, "new\ntable\n");
    ASSERT_TRUE(replaced.has_value());
    EXPECT_EQ("# Title\n\n" + begin + "\nnew\ntable\n" + end + "\ntail\n", *replaced);
    EXPECT_EQ("new\ntable\n", generatedSection(*replaced).value_or("<missing>"));

    const std::string empty_section = begin + "\n" + end + "\n";
    EXPECT_EQ("", generatedSection(empty_section).value_or("<missing>"));

    EXPECT_FALSE(generatedSection("no markers\n").has_value());
    EXPECT_FALSE(generatedSection(begin + "\nonly begin\n").has_value());
    EXPECT_FALSE(generatedSection(end + "\n" + begin + "\n").has_value()) << "out of order";
    EXPECT_FALSE(generatedSection(begin + "\n" + begin + "\n" + end + "\n").has_value());
    EXPECT_FALSE(generatedSection(begin + " " + end + "\n").has_value()) << "same line";
    EXPECT_FALSE(replaceGeneratedSection("no markers\n", "x").has_value());
}

}  // namespace
}  // namespace eddy::engine::config
