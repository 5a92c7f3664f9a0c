// eddy-bench — a pipelined, multi-threaded MCBP load generator (see bench.h and --help).
#include "bench.h"

#include <atomic>
#include <csignal>
#include <iostream>

namespace {

std::atomic<bool> g_stop{false};

extern "C" void onSignal(int /*signal*/) {
    g_stop.store(true);
}

}  // namespace

int main(int argc, char** argv) {
    eddy::bench::Options options;
    if (const auto exit =
            eddy::bench::parseCommandLine(argc, argv, options, std::cout, std::cerr)) {
        return *exit;
    }
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGPIPE, SIG_IGN);
    return eddy::bench::runBench(options, std::cout, std::cerr, g_stop);
}
