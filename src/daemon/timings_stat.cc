#include "daemon/timings_stat.h"

#include "common/histogram_json.h"
#include "daemon/server.h"
#include "protocol/opcode.h"

#include <fmt/format.h>

namespace eddy::daemon {

void addTimingsStats(const Server& server, const AddStatFn& add_stat) {
    for (unsigned opcode = 0; opcode < 256; ++opcode) {
        HistogramSnapshot timings;
        if (!server.commandTimings(static_cast<uint8_t>(opcode), timings) || timings.count() == 0) {
            continue;
        }
        const auto name = mcbp::opcodeName(static_cast<uint8_t>(opcode));
        add_stat(name ? std::string(*name) : fmt::format("0x{:02x}", opcode),
                 histogramJson(timings));
    }
}

}  // namespace eddy::daemon
