#include "common/clock.h"

#include <chrono>

namespace eddy::clock {

uint32_t unixNow() {
    using namespace std::chrono;
    return static_cast<uint32_t>(
        duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
}

}  // namespace eddy::clock
