// eddyctl — changes settings and vbucket states of an eddy server, like cbepctl.
//
// Usage: eddyctl [-h host:port] COMMAND ...   (eddyctl --help lists the commands)
//
// All the logic is in ctl.h (so tests can run the tool in-process); see it and docs/tools.md
// for the commands, the requests they send and the exit codes.
#include "ctl.h"

#include <iostream>

int main(int argc, char** argv) {
    return eddy::tools::ctl::run(argc, argv, std::cout, std::cerr);
}
