// eddy-timings — prints latency histograms of an eddy server, like mctimings.
//
// Usage: eddy-timings [-h host:port] [-j] [GROUP] [NAME...]
//        eddy-timings [-h host:port] [-j] --opcode NAME [--opcode NAME...]
//
// All the logic is in timings_tool.h (so tests can run the tool in-process); see it and
// docs/tools.md for the output forms and exit codes.
#include "timings_tool.h"

#include <iostream>

int main(int argc, char** argv) {
    return eddy::tools::timings::run(argc, argv, std::cout, std::cerr);
}
