// eddy — one DCP producer connection: its streams, its flow control, its noops and the
// background tasks that feed it.
//
// Owns: DcpProducer (kept in the connection's engine storage and in the bucket's DcpConnMap),
// its ActiveStreams (one per vbucket), its BufferLog, its BackfillManager and two tasks: the
// checkpoint processor (NONIO) that moves changes from cursors into the streams, and the
// backfill task (AUXIO).
//
// Semantics.
// - Controls (DCP_CONTROL): connection_buffer_size (flow-control window; 0 disables),
//   enable_noop, set_noop_interval (seconds), set_priority (high|medium|low),
//   enable_expiry_opcode (needs the IncludeDeleteTimes open flag),
//   send_stream_end_on_client_close_stream, supports_cursor_dropping (and its _vulcan
//   spelling), force_value_compression (needs Snappy), backfill_order
//   (round-robin|sequential), v7_dcp_status_codes, consumer_name. Keys of features this
//   producer lacks (enable_stream_id, enable_sync_writes, enable_out_of_order_snapshots,
//   include_deleted_user_xattrs, supports_hifi_MFU, stream_buffer_size, ...) answer
//   NotSupported; other keys InvalidArguments.
// - step() (the connection's front-end thread) sends one message: first a due NOOP (noops
//   enabled, a stream requested, and noop_interval without sending anything), then, unless the
//   buffer log is full, the next message of the next ready stream (round-robin over streams).
//   It answers WouldBlock when nothing can be sent; whatever makes something sendable later
//   (a stream queueing a message, an acknowledgement, the noop timer) calls scheduleStep(),
//   which asks the front end, once per outstanding request, to step the connection again.
//   A change the connection may not see (not the default collection for a client without
//   collections, a collection the stream's filter leaves out, a dropped collection) is skipped;
//   on a collections connection, skipping the last change of the snapshot last sent sends
//   SEQNO_ADVANCED for it instead.
//   A connection that has sent nothing (noop replies included) for dcp_idle_timeout while noops
//   are enabled is disconnected by step(); so is one replaced by a newer producer of its name.
// - Waking never touches the connection: scheduleStep() calls ServerApi::scheduleDcpStep with
//   the cookie under wake_mutex_, and disconnect() clears the cookie under the same mutex, so
//   no call reaches the front end after disconnect() returns.
// - Backfilled messages buffered in the streams are counted; past dcp_backfill_byte_limit the
//   backfill task pauses, and sending them resumes it. While the bucket's memory use is above
//   backfill_mem_threshold percent of max_size no backfill reads anything: the task looks again
//   every kBackfillMemoryRetry (kv_engine snoozes its backfill task the same way).
//
// Thread contract: thread-safe. step(), control(), streamRequest(), closeStream(),
// bufferAck(), response() and disconnect() run on the connection's front-end thread;
// markReady(), scheduleCheckpointProcessing(), scheduleBackfill(), scheduleStep() and the task
// bodies on any thread; stats from any thread. Locks: mutex_ (streams and settings) is taken
// before a stream's mutex and never while calling into the connection map; ready_mutex_,
// processor_mutex_ and wake_mutex_ are leaves (wake_mutex_ encloses only the ServerApi call,
// which takes the front end's queue lock). The order is declared at the members
// (ACQUIRED_AFTER, checked by clang's -Wthread-safety-beta) and listed in docs/threading.md.
#pragma once

#include "common/mutex.h"
#include "eddy/cookie_iface.h"
#include "eddy/dcp_iface.h"
#include "eddy/engine_iface.h"
#include "engine/dcp/backfill_manager.h"
#include "engine/dcp/buffer_log.h"
#include "engine/dcp/dcp_message.h"
#include "engine/vbucket/bucket_memory.h"
#include "engine/vbucket/dropped_collections.h"
#include "executor/task.h"

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace eddy::executor {
class ExecutorPoolIface;
class Task;
class Taskable;
}  // namespace eddy::executor

namespace eddy::engine {
class KVStore;
class VBucket;
namespace config {
class Configuration;
}
}  // namespace eddy::engine

namespace eddy::engine::dcp {

class ActiveStream;
class DcpConnMap;

/// What a producer needs from its bucket. Everything outlives every producer.
struct DcpEnvironment {
    ServerApi& server;
    executor::ExecutorPoolIface& executor;
    executor::Taskable& taskable;
    const config::Configuration& configuration;
    /// Null for an ephemeral bucket.
    KVStore* store = nullptr;
    /// Started, unfinished backfills of the bucket.
    std::atomic<uint64_t>& running_backfills;
    /// The bucket's memory, compared with backfill_mem_threshold of max_size before each
    /// backfill chunk; null = never above it.
    const BucketMemory* memory = nullptr;
    /// The bucket's dropped collections: their changes still in checkpoints are not sent (their
    /// documents on disk are purged, so backfills do not find them); null: none.
    const DroppedCollections* dropped = nullptr;
};

/// Per-producer counters for stats and the bucket aggregates.
struct ProducerTotals {
    uint64_t items_sent = 0;
    uint64_t items_remaining = 0;
    uint64_t bytes_sent = 0;
    uint64_t uncompressed_bytes = 0;
    uint64_t ready_items = 0;
};

class DcpProducer final : public EngineStorage, public std::enable_shared_from_this<DcpProducer> {
public:
    DcpProducer(DcpEnvironment environment, DcpConnMap& conn_map, std::string name, uint32_t flags,
                CookieIface& cookie);
    ~DcpProducer() override;
    DcpProducer(const DcpProducer&) = delete;
    DcpProducer& operator=(const DcpProducer&) = delete;

    /// Schedules the producer's tasks (after construction, once it is shared).
    void startTasks();

    [[nodiscard]] const std::string& name() const { return name_; }
    [[nodiscard]] uint64_t connectionId() const { return connection_id_; }

    Status control(std::string_view key, std::string_view value, bool snappy, std::string& message)
        EXCLUDES(mutex_);
    Status streamRequest(const DcpStreamRequest& request, std::shared_ptr<VBucket> vbucket,
                         DcpStreamResponse& out, std::string& message) EXCLUDES(mutex_);
    Status closeStream(Vbid vbucket) EXCLUDES(mutex_);
    Status bufferAck(uint32_t bytes);
    Status response(uint8_t opcode, uint16_t status, uint32_t opaque);
    Status step(DcpMessageSink& sink) EXCLUDES(mutex_);

    /// The connection is going away: ends every stream, stops the tasks, stops waking.
    void disconnect() EXCLUDES(mutex_, wake_mutex_);
    /// A newer producer took this name: the next step disconnects.
    void replaced();
    /// The vbucket changed state or was deleted: its stream ends with StateChanged.
    void vbucketStateChanged(Vbid vbucket) EXCLUDES(mutex_);
    /// ConnManager tick: wakes the connection if a noop is due or it has been idle too long.
    void manage();

    // For streams (any thread).
    void markReady(Vbid vbucket) EXCLUDES(ready_mutex_);
    void scheduleCheckpointProcessing(Vbid vbucket) EXCLUDES(processor_mutex_);
    void scheduleBackfill(std::shared_ptr<ActiveStream> stream, uint64_t start, uint64_t end);
    [[nodiscard]] bool supportsCursorDropping() const {
        return supports_cursor_dropping_.load(std::memory_order_acquire);
    }
    void scheduleStep() EXCLUDES(wake_mutex_);

    // Task bodies.
    /// Returns whether streams are still waiting for processing.
    bool runCheckpointProcessor() EXCLUDES(processor_mutex_);
    BackfillRun runBackfill();

    void addStats(const AddStatFn& add_stat) const EXCLUDES(mutex_);
    [[nodiscard]] ProducerTotals totals() const EXCLUDES(mutex_);
    [[nodiscard]] bool isPaused() const { return paused_.load(std::memory_order_relaxed); }

private:
    [[nodiscard]] std::shared_ptr<ActiveStream> findStream(Vbid vbucket) const EXCLUDES(mutex_);
    /// Forgets a stream that has ended (its STREAM_END was sent, or it was closed).
    void forgetStream(const std::shared_ptr<ActiveStream>& stream) EXCLUDES(mutex_);
    [[nodiscard]] std::optional<Vbid> popReady() EXCLUDES(ready_mutex_);
    /// Whether a change of `key` goes to this connection on `stream` (see step()).
    [[nodiscard]] bool sendable(const ActiveStream& stream, std::string_view key) const;
    [[nodiscard]] bool backfillBufferFull() const;
    /// Memory use above backfill_mem_threshold percent of max_size.
    [[nodiscard]] bool memoryAboveBackfillThreshold() const;
    void releaseBackfillBytes(size_t bytes, size_t items);
    [[nodiscard]] EncodeOptions encodeOptions() const;
    [[nodiscard]] executor::TimePoint now() const;

    const DcpEnvironment env_;
    DcpConnMap& conn_map_;
    const std::string name_;
    const uint32_t flags_;
    const uint64_t connection_id_;
    const int64_t created_ns_;
    uint64_t next_stream_id_ GUARDED_BY(mutex_) = 0;

    BufferLog buffer_log_;
    BackfillManager backfills_;

    /// Lock order: taken before a stream's ActiveStream::mutex_ (streamRequest asks an old
    /// stream isDead() under it) and a vbucket's state_mutex_ (it copies the failover log
    /// under it); never held while calling into the connection map, the executor or the
    /// front end. The three leaves below come after it.
    mutable Mutex mutex_;
    std::map<uint16_t, std::shared_ptr<ActiveStream>> streams_ GUARDED_BY(mutex_);
    std::string priority_ GUARDED_BY(mutex_) = "medium";
    std::string consumer_name_ GUARDED_BY(mutex_);
    bool v7_status_codes_ GUARDED_BY(mutex_) = false;
    uint64_t dead_streams_ GUARDED_BY(mutex_) = 0;

    // Settings read on the step path without mutex_.
    std::atomic<bool> noop_enabled_{false};
    std::atomic<uint64_t> noop_interval_s_;
    std::atomic<bool> expiry_opcode_{false};
    std::atomic<bool> stream_end_on_close_{false};
    std::atomic<bool> supports_cursor_dropping_{false};
    std::atomic<bool> force_compression_{false};
    std::atomic<bool> sequential_backfill_{false};

    // Front-end thread state (atomics so that stats and manage() may read them).
    std::atomic<bool> streams_requested_{false};
    std::atomic<bool> noop_pending_{false};
    std::atomic<uint32_t> noop_opaque_{0x10000000};
    std::atomic<int64_t> last_send_ns_;
    std::atomic<int64_t> last_receive_ns_;
    std::atomic<int64_t> noop_sent_ns_{0};
    std::atomic<bool> paused_{false};
    std::atomic<uint8_t> paused_reason_{0};
    std::atomic<uint64_t> items_sent_{0};
    std::atomic<uint64_t> bytes_sent_{0};
    std::atomic<uint64_t> noops_sent_{0};
    std::atomic<uint64_t> seqno_advanced_sent_{0};
    std::atomic<uint64_t> uncompressed_bytes_{0};

    std::atomic<bool> disconnect_pending_{false};
    std::atomic<bool> disconnected_{false};

    // Backfilled bytes buffered in the streams.
    std::atomic<uint64_t> backfill_bytes_{0};
    std::atomic<uint64_t> backfill_items_buffered_{0};
    std::atomic<bool> backfill_paused_{false};

    /// A leaf: nothing is locked under it.
    Mutex ready_mutex_ ACQUIRED_AFTER(mutex_);
    std::deque<Vbid> ready_ GUARDED_BY(ready_mutex_);

    /// A leaf, taken from any thread: the change listener reaches it with a hash-table stripe
    /// and the DcpConnMap's stream-list mutex held (ActiveStream::notifyChanges →
    /// scheduleCheckpointProcessing); the executor is woken after it is released.
    Mutex processor_mutex_ ACQUIRED_AFTER(mutex_);
    std::deque<Vbid> to_process_ GUARDED_BY(processor_mutex_);
    std::vector<bool> queued_for_processing_ GUARDED_BY(processor_mutex_);

    std::atomic<bool> step_requested_{false};
    /// Encloses only ServerApi::scheduleDcpStep, which takes the front end's job-queue mutex
    /// (EventLoopThread::mutex_, a leaf) under it.
    Mutex wake_mutex_ ACQUIRED_AFTER(mutex_);
    CookieIface* cookie_ GUARDED_BY(wake_mutex_);

    std::shared_ptr<executor::Task> processor_task_;
    std::shared_ptr<executor::Task> backfill_task_;
};

}  // namespace eddy::engine::dcp
