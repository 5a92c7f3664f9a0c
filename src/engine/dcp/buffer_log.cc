#include "engine/dcp/buffer_log.h"

namespace eddy::engine::dcp {

void BufferLog::setWindow(uint64_t bytes) {
    MutexLock lock(mutex_);
    window_ = bytes;
}

void BufferLog::charge(uint64_t bytes) {
    MutexLock lock(mutex_);
    unacked_ += bytes;
}

bool BufferLog::acknowledge(uint64_t bytes) {
    MutexLock lock(mutex_);
    const bool was_full = fullLocked();
    if (bytes > unacked_) {
        excess_acked_ += bytes - unacked_;
        bytes = unacked_;
    }
    unacked_ -= bytes;
    total_acked_ += bytes;
    return was_full && !fullLocked();
}

bool BufferLog::isFull() const {
    MutexLock lock(mutex_);
    return fullLocked();
}

BufferLog::Snapshot BufferLog::snapshot() const {
    MutexLock lock(mutex_);
    return {.window = window_,
            .unacked = unacked_,
            .total_acked = total_acked_,
            .excess_acked = excess_acked_,
            .enabled = window_ != 0,
            .full = fullLocked()};
}

}  // namespace eddy::engine::dcp
