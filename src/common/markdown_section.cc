#include "common/markdown_section.h"

namespace eddy {

namespace {

/// Where `marker` starts when it occurs exactly once in `document`; npos otherwise.
size_t uniqueMarker(std::string_view document, std::string_view marker) {
    const auto at = document.find(marker);
    if (at == std::string_view::npos ||
        document.find(marker, at + marker.size()) != std::string_view::npos) {
        return std::string_view::npos;
    }
    return at;
}

struct SectionBounds {
    size_t begin;  // first character after the begin marker's line
    size_t end;    // first character of the end marker's line
};

std::optional<SectionBounds> findSection(std::string_view document, std::string_view begin,
                                         std::string_view end) {
    const auto begin_marker = uniqueMarker(document, begin);
    const auto end_marker = uniqueMarker(document, end);
    if (begin_marker == std::string_view::npos || end_marker == std::string_view::npos ||
        end_marker < begin_marker) {
        return std::nullopt;
    }
    const auto begin_line_end = document.find('\n', begin_marker);
    if (begin_line_end == std::string_view::npos || begin_line_end > end_marker) {
        return std::nullopt;
    }
    const auto end_line_start = document.rfind('\n', end_marker);
    if (end_line_start < begin_line_end) {
        return std::nullopt;
    }
    return SectionBounds{begin_line_end + 1, end_line_start + 1};
}

}  // namespace

std::optional<std::string_view> generatedSection(std::string_view document,
                                                 std::string_view begin_marker,
                                                 std::string_view end_marker) {
    const auto bounds = findSection(document, begin_marker, end_marker);
    if (!bounds) {
        return std::nullopt;
    }
    return document.substr(bounds->begin, bounds->end - bounds->begin);
}

std::optional<std::string> replaceGeneratedSection(std::string_view document,
                                                   std::string_view begin_marker,
                                                   std::string_view end_marker,
                                                   std::string_view section) {
    const auto bounds = findSection(document, begin_marker, end_marker);
    if (!bounds) {
        return std::nullopt;
    }
    std::string out(document.substr(0, bounds->begin));
    out += section;
    out += document.substr(bounds->end);
    return out;
}

std::string markdownCell(std::string_view text) {
    std::string escaped;
    for (const char c : text) {
        if (c == '|') {
            escaped += '\\';
        }
        escaped += c;
    }
    return escaped;
}

}  // namespace eddy
