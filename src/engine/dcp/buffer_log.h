// eddy — a DCP producer connection's flow-control window.
//
// Owns: BufferLog, the count of bytes sent to the consumer and not yet acknowledged.
//
// Semantics (kv_engine-brief §4.4). The consumer grants a window with the control
// connection_buffer_size; 0 (the default) disables flow control. Every message the producer
// sends except DCP_NOOP is charged with its full size (header and body); a
// DCP_BUFFER_ACKNOWLEDGEMENT subtracts what it acknowledges. The producer may send while
// unacked < window, so one message may overshoot the window; once unacked >= window the log is
// full and the producer pauses until an acknowledgement. Invariant (tested):
//     unacked() == Σ charged − Σ acknowledged
// An acknowledgement of more than is outstanding is clamped at zero and counted as excess.
// Changing the window keeps what is outstanding.
//
// Thread contract: thread-safe (one mutex; a leaf lock). The front-end thread charges and
// acknowledges; stats readers read from any thread.
#pragma once

#include "common/mutex.h"

#include <cstdint>

namespace eddy::engine::dcp {

class BufferLog {
public:
    struct Snapshot {
        uint64_t window = 0;
        uint64_t unacked = 0;
        uint64_t total_acked = 0;
        uint64_t excess_acked = 0;
        bool enabled = false;
        bool full = false;
    };

    void setWindow(uint64_t bytes) EXCLUDES(mutex_);
    /// Charges a sent message (not a NOOP).
    void charge(uint64_t bytes) EXCLUDES(mutex_);
    /// Applies an acknowledgement; true if the log was full and no longer is.
    bool acknowledge(uint64_t bytes) EXCLUDES(mutex_);
    /// Whether the producer must pause.
    [[nodiscard]] bool isFull() const EXCLUDES(mutex_);
    [[nodiscard]] Snapshot snapshot() const EXCLUDES(mutex_);

private:
    [[nodiscard]] bool fullLocked() const REQUIRES(mutex_) {
        return window_ != 0 && unacked_ >= window_;
    }

    mutable Mutex mutex_;
    uint64_t window_ GUARDED_BY(mutex_) = 0;
    uint64_t unacked_ GUARDED_BY(mutex_) = 0;
    uint64_t total_acked_ GUARDED_BY(mutex_) = 0;
    uint64_t excess_acked_ GUARDED_BY(mutex_) = 0;
};

}  // namespace eddy::engine::dcp
