// eddy — wall-clock seconds and the memcached expiry rule.
//
// Owns: unixNow() and expiryFromProtocol(), the one place that decides how a protocol exptime
// becomes an absolute expiry. Rule (memcached/Couchbase): 0 = never; 1..30 days = seconds
// from now; anything larger = an absolute Unix time (already past = expired at once).
// Thread contract: pure functions; unixNow() is thread-safe.
#pragma once

#include <cstdint>

namespace eddy::clock {

/// Longest exptime still read as relative seconds (30 days).
inline constexpr uint32_t kMaxRelativeExptime = 60 * 60 * 24 * 30;

/// Current Unix time in seconds.
uint32_t unixNow();

/// Absolute expiry (Unix seconds, 0 = never) for a protocol exptime received at `now`.
/// An absolute time at or before `now` yields `now`, i.e. expired at the next look.
constexpr uint32_t expiryFromProtocol(uint32_t exptime, uint32_t now) {
    if (exptime == 0) {
        return 0;
    }
    if (exptime <= kMaxRelativeExptime) {
        return now + exptime;
    }
    return exptime <= now ? now : exptime;
}

/// True if an item with absolute `expiry` is gone at `now`.
constexpr bool isExpired(uint32_t expiry, uint32_t now) {
    return expiry != 0 && expiry <= now;
}

}  // namespace eddy::clock
