// eddy-config-doc — rewrites the generated "Bucket configuration" table of
// docs/configuration.md from the parameter table (src/engine/config/parameters.def.h).
//
//   eddy-config-doc [--check] FILE
//
// Replaces the text between the BEGIN/END GENERATED markers of FILE with
// configurationMarkdown(); everything outside the markers is left as it is. With --check,
// nothing is written and the exit status says whether FILE is current (0) or stale (1).
// Exit status 2: usage error, unreadable file or missing markers.
#include "engine/config/markdown.h"

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>

namespace {

int usage() {
    std::cerr << "usage: eddy-config-doc [--check] FILE\n"
                 "  rewrites the generated bucket configuration section of FILE "
                 "(docs/configuration.md)\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace eddy::engine::config;
    bool check = false;
    std::string path;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--check") {
            check = true;
        } else if (arg == "-h" || arg == "--help") {
            usage();
            return 0;
        } else if (path.empty() && !arg.starts_with("-")) {
            path = arg;
        } else {
            return usage();
        }
    }
    if (path.empty()) {
        return usage();
    }

    std::ifstream in(path);
    if (!in) {
        std::cerr << "eddy-config-doc: cannot read " << path << "\n";
        return 2;
    }
    std::ostringstream text;
    text << in.rdbuf();
    in.close();
    const std::string document = text.str();

    const auto updated = replaceGeneratedSection(document, configurationMarkdown());
    if (!updated) {
        std::cerr << "eddy-config-doc: " << path << " needs one line with \"" << kBeginMarker
                  << "\" and, after it, one line with \"" << kEndMarker << "\"\n";
        return 2;
    }
    if (*updated == document) {
        std::cout << path << ": bucket configuration is up to date\n";
        return 0;
    }
    if (check) {
        std::cout << path << ": bucket configuration is out of date; run eddy-config-doc " << path
                  << "\n";
        return 1;
    }
    std::ofstream out(path, std::ios::trunc);
    out << *updated;
    out.close();
    if (!out) {
        std::cerr << "eddy-config-doc: cannot write " << path << "\n";
        return 2;
    }
    std::cout << path << ": bucket configuration regenerated\n";
    return 0;
}
