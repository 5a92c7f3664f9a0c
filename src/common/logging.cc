#include "common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace eddy::logging {

void setVerbosity(int level) {
    spdlog::level::level_enum spd = spdlog::level::warn;
    if (level == 1) {
        spd = spdlog::level::info;
    } else if (level == 2) {
        spd = spdlog::level::debug;
    } else if (level >= 3) {
        spd = spdlog::level::trace;
    }
    spdlog::set_level(spd);
}

void initialize(int verbosity) {
    auto logger = spdlog::stderr_color_mt("eddy");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%t] %v");
    spdlog::set_default_logger(logger);
    setVerbosity(verbosity);
}

}  // namespace eddy::logging
