// eddy — STAT timings: the per-opcode command latencies of every front-end thread, merged.
//
// Owns: addTimingsStats(), one pair per opcode that has run: key = the opcode's name ("get",
// "set", ...), value = its latency histogram as JSON (common/histogram_json.h).
//
// Thread contract: any thread while the server runs (the histograms are atomics).
#pragma once

#include "eddy/engine_iface.h"

namespace eddy::daemon {

class Server;

void addTimingsStats(const Server& server, const AddStatFn& add_stat);

}  // namespace eddy::daemon
