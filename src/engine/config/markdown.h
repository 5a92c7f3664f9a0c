// eddy — the bucket configuration reference, generated from the parameter table.
//
// Owns: configurationMarkdown() (the Markdown table of every parameter plus the list of
// cross-parameter rules) and the helpers that find and replace the generated section of
// docs/configuration.md, between kBeginMarker and kEndMarker. The eddy-config-doc program
// rewrites that section; markdown_test.cc fails when it is stale.
// Thread contract: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace eddy::engine::config {

inline constexpr std::string_view kBeginMarker = "<!-- BEGIN GENERATED: bucket configuration -->";
inline constexpr std::string_view kEndMarker = "<!-- END GENERATED: bucket configuration -->";

/// The text that belongs between the marker lines: starts with a comment naming its source,
/// ends with a newline.
std::string configurationMarkdown();

/// The current text between the line holding kBeginMarker and the line holding kEndMarker, or
/// nullopt when the markers are missing, repeated or out of order.
std::optional<std::string_view> generatedSection(std::string_view document);

/// `document` with the text between the markers replaced by `section`, or nullopt as above.
std::optional<std::string> replaceGeneratedSection(std::string_view document,
                                                   std::string_view section);

}  // namespace eddy::engine::config
