// eddy — the generated parts of the documentation: finding the text between two marker lines
// and escaping a table cell.
//
// Owns: generatedSection() / replaceGeneratedSection(), shared by the configuration reference
// (docs/configuration.md) and the stat-group table (docs/stats.md), whose tests fail when the
// text between the markers differs from what the tables generate, and markdownCell().
//
// A section is the text after the line holding `begin_marker` up to the line holding
// `end_marker`; each marker must occur exactly once, begin before end, on different lines.
//
// Thread contract: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace eddy {

/// The current text between the marker lines, or nullopt when a marker is missing, repeated or
/// out of order.
[[nodiscard]] std::optional<std::string_view> generatedSection(std::string_view document,
                                                               std::string_view begin_marker,
                                                               std::string_view end_marker);

/// `document` with the text between the marker lines replaced by `section`, or nullopt as
/// above.
[[nodiscard]] std::optional<std::string> replaceGeneratedSection(std::string_view document,
                                                                 std::string_view begin_marker,
                                                                 std::string_view end_marker,
                                                                 std::string_view section);

/// `text` made safe for one cell of a Markdown table (`|` escaped).
[[nodiscard]] std::string markdownCell(std::string_view text);

}  // namespace eddy
