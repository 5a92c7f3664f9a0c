// eddy — when the expiry pager runs.
//
// Owns: expiryPagerDelay(), the one rule for the expiry pager's next run after the bucket starts
// or after a SET_PARAM of exp_pager_stime, exp_pager_initial_run_time or exp_pager_enabled
// (kv_engine reschedules its pager on each of those): with exp_pager_initial_run_time = -1 the
// next run is one period (exp_pager_stime) away; with an hour h in 0..23 it is at the next
// h:00:00 UTC (now, if that is this very second), and every period after that.
//
// Thread contract: a pure function.
#pragma once

#include <chrono>
#include <cstdint>

namespace eddy::engine {

/// Time from `now_unix` (Unix seconds) to the expiry pager's next run (see above). An hour
/// outside 0..23 other than -1 cannot come from the configuration table; it is treated as -1.
constexpr std::chrono::seconds expiryPagerDelay(int64_t initial_hour, std::chrono::seconds period,
                                                uint64_t now_unix) {
    constexpr int64_t kDay = 24 * 60 * 60;
    constexpr int64_t kHour = 60 * 60;
    if (initial_hour < 0 || initial_hour > 23) {
        return period;
    }
    const auto since_midnight = static_cast<int64_t>(now_unix % kDay);
    int64_t wait = initial_hour * kHour - since_midnight;
    if (wait < 0) {
        wait += kDay;
    }
    return std::chrono::seconds(wait);
}

}  // namespace eddy::engine
