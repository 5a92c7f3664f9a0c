// eddy-stats — prints a stat group of an eddy server, like cbstats.
//
// Usage: eddy-stats [-h host:port] [-b bucket] [-j] [GROUP [ARG...]]
//
// All the logic is in stats_tool.h (so tests can run the tool in-process); see it and
// docs/tools.md for the output forms and exit codes.
#include "stats_tool.h"

#include <iostream>

int main(int argc, char** argv) {
    return eddy::tools::stats::run(argc, argv, std::cout, std::cerr);
}
