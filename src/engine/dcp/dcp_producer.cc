#include "engine/dcp/dcp_producer.h"

#include "common/clock.h"
#include "engine/config/configuration.h"
#include "engine/dcp/active_stream.h"
#include "engine/dcp/dcp_conn_map.h"
#include "engine/vbucket/vbucket.h"
#include "executor/executor_pool_iface.h"
#include "protocol/opcode.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>

namespace eddy::engine::dcp {

namespace {

using namespace std::chrono_literals;
using eddy::dcp::StreamEndReason;

enum class PausedReason : uint8_t {
    None,
    BufferLogFull,
    ReadyListEmpty,
};

std::string_view toString(PausedReason reason) {
    switch (reason) {
    case PausedReason::None: return "none";
    case PausedReason::BufferLogFull: return "BufferLogFull";
    case PausedReason::ReadyListEmpty: return "ReadyListEmpty";
    }
    return "unknown";
}

int64_t toNs(executor::TimePoint time) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

/// Changes one stream takes from its cursor per visit.
constexpr size_t kItemsPerVisit = 1024;
/// How long a backfill waiting for the flusher sleeps.
constexpr auto kPersistenceRetry = 5ms;
/// How long a backfill waiting for memory use to fall below backfill_mem_threshold sleeps.
constexpr auto kBackfillMemoryRetry = 1s;

/// Controls of kv_engine features this producer does not have.
constexpr std::array kUnsupportedControls = {
    std::string_view("enable_stream_id"),
    std::string_view("enable_sync_writes"),
    std::string_view("enable_out_of_order_snapshots"),
    std::string_view("include_deleted_user_xattrs"),
    std::string_view("supports_hifi_MFU"),
    std::string_view("stream_buffer_size"),
    std::string_view("enable_ext_metadata"),
    std::string_view("flatbuffers_system_events"),
    std::string_view("change_streams"),
    std::string_view("max_marker_version"),
    std::string_view("cache_transfer"),
};

/// The NONIO task that feeds a producer's in-memory streams from their cursors.
class CheckpointProcessorTask final : public executor::Task {
public:
    CheckpointProcessorTask(executor::Taskable& owner, std::weak_ptr<DcpProducer> producer,
                            std::string name)
        : Task(owner, executor::TaskId::ActiveStreamCheckpointProcessorTask,
               executor::kSnoozeForever),
          producer_(std::move(producer)),
          name_(std::move(name)) {}

    bool run() override {
        const auto producer = producer_.lock();
        if (!producer) {
            return false;
        }
        snooze(producer->runCheckpointProcessor() ? 0s : executor::kSnoozeForever);
        return true;
    }

    [[nodiscard]] std::string description() const override {
        return "Process checkpoint(s) for DCP producer " + name_;
    }

private:
    const std::weak_ptr<DcpProducer> producer_;
    const std::string name_;
};

/// The AUXIO task that runs a producer's backfills.
class BackfillTask final : public executor::Task {
public:
    BackfillTask(executor::Taskable& owner, std::weak_ptr<DcpProducer> producer, std::string name)
        : Task(owner, executor::TaskId::BackfillManagerTask, executor::kSnoozeForever),
          producer_(std::move(producer)),
          name_(std::move(name)) {}

    bool run() override {
        const auto producer = producer_.lock();
        if (!producer) {
            return false;
        }
        switch (producer->runBackfill()) {
        case BackfillRun::More: snooze(0s); break;
        case BackfillRun::Retry: snooze(kPersistenceRetry); break;
        case BackfillRun::MemoryFull: snooze(kBackfillMemoryRetry); break;
        case BackfillRun::Idle:
        case BackfillRun::Paused: snooze(executor::kSnoozeForever); break;
        }
        return true;
    }

    [[nodiscard]] std::string description() const override {
        return "Backfilling items for DCP producer " + name_;
    }

private:
    const std::weak_ptr<DcpProducer> producer_;
    const std::string name_;
};

bool parseBool(std::string_view value, bool& out) {
    if (value == "true") {
        out = true;
        return true;
    }
    if (value == "false") {
        out = false;
        return true;
    }
    return false;
}

bool parseUint(std::string_view value, uint64_t& out) {
    if (value.empty() || value.size() > 19) {
        return false;
    }
    uint64_t result = 0;
    for (const char c : value) {
        if (c < '0' || c > '9') {
            return false;
        }
        result = result * 10 + static_cast<uint64_t>(c - '0');
    }
    out = result;
    return true;
}

}  // namespace

DcpProducer::DcpProducer(DcpEnvironment environment, DcpConnMap& conn_map, std::string name,
                         uint32_t flags, CookieIface& cookie)
    : env_(environment),
      conn_map_(conn_map),
      name_(std::move(name)),
      flags_(flags),
      connection_id_(cookie.connectionId()),
      created_ns_(toNs(env_.executor.now())),
      backfills_(env_.store, env_.running_backfills),
      noop_interval_s_(env_.configuration.getDcpNoopTxInterval()),
      last_send_ns_(created_ns_),
      last_receive_ns_(created_ns_),
      cookie_(&cookie) {}

DcpProducer::~DcpProducer() {
    // disconnect() normally did all of this; a producer dropped without it (a failed open)
    // must still not leave streams where change notifications would find them.
    std::map<uint16_t, std::shared_ptr<ActiveStream>> streams;
    {
        MutexLock lock(mutex_);
        streams.swap(streams_);
    }
    for (auto& [vb, stream] : streams) {
        conn_map_.removeStream(Vbid(vb), *stream);
        stream->closeSilently();
    }
}

void DcpProducer::startTasks() {
    const auto self = weak_from_this();
    processor_task_ = std::make_shared<CheckpointProcessorTask>(env_.taskable, self, name_);
    backfill_task_ = std::make_shared<BackfillTask>(env_.taskable, self, name_);
    env_.executor.schedule(processor_task_);
    env_.executor.schedule(backfill_task_);
}

executor::TimePoint DcpProducer::now() const {
    return env_.executor.now();
}

Status DcpProducer::control(std::string_view key, std::string_view value, bool snappy,
                            std::string& message) {
    last_receive_ns_.store(toNs(now()), std::memory_order_relaxed);
    bool flag = false;
    uint64_t number = 0;
    const auto bad_value = [&](std::string_view expected) {
        message = fmt::format("DCP control {}: '{}' is not {}", key, value, expected);
        return Status::InvalidArguments;
    };
    if (key == "connection_buffer_size") {
        if (!parseUint(value, number)) {
            return bad_value("a byte count");
        }
        buffer_log_.setWindow(number);
        scheduleStep();
        return Status::Success;
    }
    if (key == "enable_noop") {
        if (!parseBool(value, flag)) {
            return bad_value("true or false");
        }
        noop_enabled_.store(flag, std::memory_order_release);
        return Status::Success;
    }
    if (key == "set_noop_interval") {
        if (!parseUint(value, number) || number == 0) {
            return bad_value("a number of seconds above 0");
        }
        noop_interval_s_.store(number, std::memory_order_release);
        return Status::Success;
    }
    if (key == "set_priority") {
        if (value != "high" && value != "medium" && value != "low") {
            return bad_value("high, medium or low");
        }
        MutexLock lock(mutex_);
        priority_ = std::string(value);
        return Status::Success;
    }
    if (key == "enable_expiry_opcode") {
        if (!parseBool(value, flag)) {
            return bad_value("true or false");
        }
        if (flag && (flags_ & eddy::dcp::kOpenIncludeDeleteTimes) == 0) {
            message = "enable_expiry_opcode needs the IncludeDeleteTimes open flag";
            return Status::InvalidArguments;
        }
        expiry_opcode_.store(flag, std::memory_order_release);
        return Status::Success;
    }
    if (key == "send_stream_end_on_client_close_stream") {
        if (!parseBool(value, flag)) {
            return bad_value("true or false");
        }
        stream_end_on_close_.store(flag, std::memory_order_release);
        return Status::Success;
    }
    if (key == "supports_cursor_dropping" || key == "supports_cursor_dropping_vulcan") {
        if (!parseBool(value, flag)) {
            return bad_value("true or false");
        }
        supports_cursor_dropping_.store(flag, std::memory_order_release);
        return Status::Success;
    }
    if (key == "force_value_compression") {
        if (!parseBool(value, flag)) {
            return bad_value("true or false");
        }
        if (flag && !snappy) {
            message = "force_value_compression needs Snappy negotiated with HELLO";
            return Status::InvalidArguments;
        }
        force_compression_.store(flag, std::memory_order_release);
        return Status::Success;
    }
    if (key == "backfill_order") {
        if (value != "round-robin" && value != "sequential") {
            return bad_value("round-robin or sequential");
        }
        sequential_backfill_.store(value == "sequential", std::memory_order_release);
        return Status::Success;
    }
    if (key == "v7_dcp_status_codes") {
        if (!parseBool(value, flag)) {
            return bad_value("true or false");
        }
        MutexLock lock(mutex_);
        v7_status_codes_ = flag;
        return Status::Success;
    }
    if (key == "consumer_name") {
        MutexLock lock(mutex_);
        consumer_name_ = std::string(value);
        return Status::Success;
    }
    for (const std::string_view unsupported : kUnsupportedControls) {
        if (key == unsupported) {
            message = fmt::format("DCP control {} is not supported by this producer", key);
            return Status::NotSupported;
        }
    }
    message = fmt::format("Unknown DCP control key '{}'", key);
    return Status::InvalidArguments;
}

Status DcpProducer::streamRequest(const DcpStreamRequest& request, std::shared_ptr<VBucket> vbucket,
                                  DcpStreamResponse& out, std::string& message) {
    last_receive_ns_.store(toNs(now()), std::memory_order_relaxed);
    if ((request.flags & eddy::dcp::kStreamTakeover) != 0) {
        message = "Takeover streams are not supported";
        return Status::NotSupported;
    }
    uint64_t end = request.end_seqno;
    if ((request.flags & eddy::dcp::kStreamToLatest) != 0) {
        end = vbucket->highSeqno();
    }
    if (request.start_seqno > end) {
        message = fmt::format("start seqno {} is above end seqno {}", request.start_seqno, end);
        return Status::OutOfRange;
    }
    if (request.snap_start_seqno > request.start_seqno ||
        request.start_seqno > request.snap_end_seqno) {
        message =
            fmt::format("start seqno {} is outside the snapshot [{}, {}]", request.start_seqno,
                        request.snap_start_seqno, request.snap_end_seqno);
        return Status::OutOfRange;
    }
    const RollbackDecision rollback = vbucket->needsRollback(
        {.start_seqno = request.start_seqno,
         .vb_uuid = request.vbucket_uuid,
         .snap_start_seqno = request.snap_start_seqno,
         .snap_end_seqno = request.snap_end_seqno,
         .strict_vb_uuid = (request.flags & eddy::dcp::kStreamStrictVbUuid) != 0});
    if (rollback.rollback) {
        spdlog::info("dcp {}: stream request for vbucket {} rolls back to {}: {}", name_,
                     request.vbucket.get(), rollback.seqno, rollback.reason);
        out.rollback_seqno = rollback.seqno;
        return Status::Rollback;
    }
    const uint64_t disk_limit =
        env_.store != nullptr ? vbucket->persistedSeqno() : vbucket->highSeqno();
    std::shared_ptr<ActiveStream> stream;
    std::shared_ptr<ActiveStream> ended;
    {
        MutexLock lock(mutex_);
        const auto existing = streams_.find(request.vbucket.get());
        if (existing != streams_.end()) {
            if (!existing->second->isDead()) {
                message = fmt::format("A stream for vbucket {} exists", request.vbucket.get());
                return Status::KeyExists;
            }
            // Ended, its STREAM_END not yet sent: a new request replaces it.
            ended = std::move(existing->second);
            streams_.erase(existing);
        }
        out.failover_log = vbucket->failoverLogWire();
        stream = std::make_shared<ActiveStream>(
            *this, std::move(vbucket), request, end, disk_limit,
            fmt::format("dcp:{}:{}:{}", name_, request.vbucket.get(), next_stream_id_++));
        streams_.emplace(request.vbucket.get(), stream);
    }
    if (ended) {
        conn_map_.removeStream(request.vbucket, *ended);
        const ActiveStream::Released released = ended->closeSilently();
        releaseBackfillBytes(released.bytes, released.items);
    }
    streams_requested_.store(true, std::memory_order_release);
    conn_map_.addStream(request.vbucket, stream);
    stream->start();
    return Status::Success;
}

Status DcpProducer::closeStream(Vbid vbucket) {
    last_receive_ns_.store(toNs(now()), std::memory_order_relaxed);
    std::shared_ptr<ActiveStream> stream = findStream(vbucket);
    if (!stream || stream->isDead()) {
        return Status::KeyNotFound;
    }
    if (stream_end_on_close_.load(std::memory_order_acquire)) {
        stream->endStream(StreamEndReason::Closed);
        return Status::Success;
    }
    const ActiveStream::Released released = stream->closeSilently();
    releaseBackfillBytes(released.bytes, released.items);
    forgetStream(stream);
    return Status::Success;
}

Status DcpProducer::bufferAck(uint32_t bytes) {
    last_receive_ns_.store(toNs(now()), std::memory_order_relaxed);
    buffer_log_.acknowledge(bytes);
    scheduleStep();
    return Status::Success;
}

Status DcpProducer::response(uint8_t opcode, uint16_t /*status*/, uint32_t opaque) {
    last_receive_ns_.store(toNs(now()), std::memory_order_relaxed);
    if (opcode == static_cast<uint8_t>(mcbp::ClientOpcode::DcpNoop)) {
        if (opaque == noop_opaque_.load(std::memory_order_relaxed)) {
            noop_pending_.store(false, std::memory_order_release);
        }
        return Status::Success;
    }
    // Responses to messages this producer does not send expect nothing of it.
    return Status::Success;
}

EncodeOptions DcpProducer::encodeOptions() const {
    return {.include_delete_times = (flags_ & eddy::dcp::kOpenIncludeDeleteTimes) != 0,
            .expiry_opcode = expiry_opcode_.load(std::memory_order_relaxed),
            .no_value = (flags_ & (eddy::dcp::kOpenNoValue |
                                   eddy::dcp::kOpenNoValueWithUnderlyingDatatype)) != 0,
            .include_xattrs = (flags_ & eddy::dcp::kOpenIncludeXattrs) != 0,
            .compress = force_compression_.load(std::memory_order_relaxed),
            .min_compression_ratio = env_.configuration.getDcpMinCompressionRatio(),
            .strip_collection_id = (flags_ & eddy::dcp::kOpenCollections) == 0};
}

Status DcpProducer::step(DcpMessageSink& sink) {
    step_requested_.store(false, std::memory_order_release);
    if (disconnect_pending_.load(std::memory_order_acquire)) {
        spdlog::info("dcp {}: replaced by a newer connection of the same name; disconnecting",
                     name_);
        return Status::Disconnect;
    }
    const int64_t now_ns = toNs(now());
    if (noop_enabled_.load(std::memory_order_acquire) &&
        streams_requested_.load(std::memory_order_acquire)) {
        const int64_t idle_limit =
            static_cast<int64_t>(env_.configuration.getDcpIdleTimeout()) * 1'000'000'000;
        if (now_ns - last_receive_ns_.load(std::memory_order_relaxed) > idle_limit) {
            spdlog::warn("dcp {}: nothing received for {} s; disconnecting", name_,
                         env_.configuration.getDcpIdleTimeout());
            return Status::Disconnect;
        }
        const int64_t interval =
            static_cast<int64_t>(noop_interval_s_.load(std::memory_order_relaxed)) * 1'000'000'000;
        if (!noop_pending_.load(std::memory_order_acquire) &&
            now_ns - last_send_ns_.load(std::memory_order_relaxed) >= interval) {
            const uint32_t opaque = noop_opaque_.fetch_add(1, std::memory_order_relaxed) + 1;
            noop_pending_.store(true, std::memory_order_release);
            noop_sent_ns_.store(now_ns, std::memory_order_relaxed);
            last_send_ns_.store(now_ns, std::memory_order_relaxed);
            noops_sent_.fetch_add(1, std::memory_order_relaxed);
            sink.send(encodeNoop(opaque));
            return Status::Success;
        }
    }
    if (buffer_log_.isFull()) {
        paused_.store(true, std::memory_order_relaxed);
        paused_reason_.store(static_cast<uint8_t>(PausedReason::BufferLogFull),
                             std::memory_order_relaxed);
        return Status::WouldBlock;
    }
    for (;;) {
        const std::optional<Vbid> vb = popReady();
        if (!vb) {
            paused_.store(true, std::memory_order_relaxed);
            paused_reason_.store(static_cast<uint8_t>(PausedReason::ReadyListEmpty),
                                 std::memory_order_relaxed);
            return Status::WouldBlock;
        }
        const std::shared_ptr<ActiveStream> stream = findStream(*vb);
        if (!stream) {
            continue;
        }
        bool more = false;
        std::unique_ptr<DcpMessage> message = stream->next(more);
        if (!message) {
            continue;
        }
        if (more) {
            MutexLock lock(ready_mutex_);
            ready_.push_back(*vb);
        }
        // A client that does not know collections sees the default one only, a filtered
        // stream its collections only, and no client a dropped collection's changes.
        const bool collections = (flags_ & eddy::dcp::kOpenCollections) != 0;
        if (message->kind() == MessageKind::SeqnoAdvanced && !collections) {
            return Status::Success;  // only collections clients know the opcode
        }
        const bool skipped = message->isChange() && !sendable(*stream, message->item()->key());
        if (message->fromBackfill()) {
            releaseBackfillBytes(message->memorySize(), 1);
        }
        DcpFrame frame;
        if (skipped) {
            const uint64_t seqno = message->seqno();
            if (!collections || seqno != stream->lastSentSnapshotEnd()) {
                return Status::Success;
            }
            // The snapshot's last change is skipped: tell the consumer it is complete.
            frame = encodeSeqnoAdvanced(stream->opaque(), *vb, seqno);
        } else {
            frame = encode(*message, stream->opaque(), *vb, encodeOptions());
        }
        if (skipped || message->kind() == MessageKind::SeqnoAdvanced) {
            seqno_advanced_sent_.fetch_add(1, std::memory_order_relaxed);
        }
        const size_t size = frame.size();
        buffer_log_.charge(size);
        bytes_sent_.fetch_add(size, std::memory_order_relaxed);
        if (message->isChange() && !skipped) {
            items_sent_.fetch_add(1, std::memory_order_relaxed);
            uncompressed_bytes_.fetch_add(
                message->item()->key().size() + message->item()->valueSize(),
                std::memory_order_relaxed);
        }
        if (message->kind() == MessageKind::StreamEnd) {
            forgetStream(stream);
        }
        last_send_ns_.store(now_ns, std::memory_order_relaxed);
        paused_.store(false, std::memory_order_relaxed);
        paused_reason_.store(static_cast<uint8_t>(PausedReason::None), std::memory_order_relaxed);
        sink.send(std::move(frame));
        return Status::Success;
    }
}

bool DcpProducer::sendable(const ActiveStream& stream, std::string_view key) const {
    if ((flags_ & eddy::dcp::kOpenCollections) == 0 && !inDefaultCollection(key)) {
        return false;
    }
    if (env_.dropped != nullptr && env_.dropped->containsKey(key)) {
        return false;
    }
    return stream.wants(key);
}

std::optional<Vbid> DcpProducer::popReady() {
    MutexLock lock(ready_mutex_);
    if (ready_.empty()) {
        return std::nullopt;
    }
    const Vbid vb = ready_.front();
    ready_.pop_front();
    return vb;
}

void DcpProducer::markReady(Vbid vbucket) {
    {
        MutexLock lock(ready_mutex_);
        ready_.push_back(vbucket);
    }
    scheduleStep();
}

void DcpProducer::scheduleStep() {
    if (step_requested_.exchange(true, std::memory_order_acq_rel)) {
        return;
    }
    MutexLock lock(wake_mutex_);
    if (cookie_ != nullptr) {
        env_.server.scheduleDcpStep(*cookie_);
    }
}

void DcpProducer::scheduleCheckpointProcessing(Vbid vbucket) {
    {
        MutexLock lock(processor_mutex_);
        if (queued_for_processing_.size() <= vbucket.get()) {
            queued_for_processing_.resize(static_cast<size_t>(vbucket.get()) + 1, false);
        }
        if (queued_for_processing_[vbucket.get()]) {
            return;
        }
        queued_for_processing_[vbucket.get()] = true;
        to_process_.push_back(vbucket);
    }
    if (processor_task_) {
        env_.executor.wake(processor_task_->uid());
    }
}

bool DcpProducer::runCheckpointProcessor() {
    const size_t max_items = kItemsPerVisit;
    // Streams served (each gets its snapshots queued) before the task gives the thread back.
    const uint64_t yield_limit = env_.configuration.getDcpProducerSnapshotMarkerYieldLimit();
    for (uint64_t served = 0; served < yield_limit; ++served) {
        Vbid vb;
        {
            MutexLock lock(processor_mutex_);
            if (to_process_.empty()) {
                return false;
            }
            vb = to_process_.front();
            to_process_.pop_front();
            queued_for_processing_[vb.get()] = false;
        }
        const std::shared_ptr<ActiveStream> stream = findStream(vb);
        if (stream && stream->processCheckpointItems(max_items)) {
            scheduleCheckpointProcessing(vb);
        }
    }
    MutexLock lock(processor_mutex_);
    return !to_process_.empty();
}

void DcpProducer::scheduleBackfill(std::shared_ptr<ActiveStream> stream, uint64_t start,
                                   uint64_t end) {
    backfills_.schedule(std::move(stream), start, end);
    if (backfill_task_) {
        env_.executor.wake(backfill_task_->uid());
    }
}

bool DcpProducer::backfillBufferFull() const {
    return backfill_bytes_.load(std::memory_order_acquire) >=
           env_.configuration.getDcpBackfillByteLimit();
}

void DcpProducer::releaseBackfillBytes(size_t bytes, size_t items) {
    if (bytes == 0) {
        return;
    }
    backfill_bytes_.fetch_sub(bytes, std::memory_order_acq_rel);
    backfill_items_buffered_.fetch_sub(items, std::memory_order_relaxed);
    if (!backfillBufferFull() && backfill_paused_.exchange(false, std::memory_order_acq_rel) &&
        backfill_task_) {
        env_.executor.wake(backfill_task_->uid());
    }
}

bool DcpProducer::memoryAboveBackfillThreshold() const {
    if (env_.memory == nullptr) {
        return false;
    }
    const uint64_t threshold =
        env_.configuration.getMaxSize() / 100 * env_.configuration.getBackfillMemThreshold();
    return env_.memory->memUsed() > threshold;
}

BackfillRun DcpProducer::runBackfill() {
    if (memoryAboveBackfillThreshold()) {
        const BackfillManager::Counts counts = backfills_.counts();
        if (counts.active + counts.pending != 0) {
            return BackfillRun::MemoryFull;
        }
    }
    const BackfillLimits limits{.scan_items = env_.configuration.getDcpScanItemLimit(),
                                .scan_bytes = env_.configuration.getDcpScanByteLimit()};
    const BackfillRun result = backfills_.run(
        limits, sequential_backfill_.load(std::memory_order_acquire),
        [this] { return backfillBufferFull(); },
        [this](size_t bytes) {
            if (bytes != 0) {
                backfill_bytes_.fetch_add(bytes, std::memory_order_acq_rel);
                backfill_items_buffered_.fetch_add(1, std::memory_order_relaxed);
            }
        });
    if (result != BackfillRun::Paused) {
        return result;
    }
    // Sleep until the front end has sent enough; if it already has, go on at once.
    backfill_paused_.store(true, std::memory_order_release);
    if (!backfillBufferFull() && backfill_paused_.exchange(false, std::memory_order_acq_rel)) {
        return BackfillRun::More;
    }
    return BackfillRun::Paused;
}

std::shared_ptr<ActiveStream> DcpProducer::findStream(Vbid vbucket) const {
    MutexLock lock(mutex_);
    const auto found = streams_.find(vbucket.get());
    return found == streams_.end() ? nullptr : found->second;
}

void DcpProducer::forgetStream(const std::shared_ptr<ActiveStream>& stream) {
    {
        MutexLock lock(mutex_);
        const auto found = streams_.find(stream->vbucketId().get());
        if (found == streams_.end() || found->second != stream) {
            return;
        }
        streams_.erase(found);
        ++dead_streams_;
    }
    conn_map_.removeStream(stream->vbucketId(), *stream);
}

void DcpProducer::vbucketStateChanged(Vbid vbucket) {
    const std::shared_ptr<ActiveStream> stream = findStream(vbucket);
    if (stream) {
        stream->endStream(StreamEndReason::StateChanged);
    }
}

void DcpProducer::replaced() {
    disconnect_pending_.store(true, std::memory_order_release);
    step_requested_.store(false, std::memory_order_release);
    scheduleStep();
}

void DcpProducer::manage() {
    if (disconnected_.load(std::memory_order_acquire)) {
        return;
    }
    if (noop_enabled_.load(std::memory_order_acquire) &&
        streams_requested_.load(std::memory_order_acquire)) {
        // step() decides whether a noop is due or the consumer is gone.
        step_requested_.store(false, std::memory_order_release);
        scheduleStep();
    }
}

void DcpProducer::disconnect() {
    {
        MutexLock lock(wake_mutex_);
        cookie_ = nullptr;
    }
    if (disconnected_.exchange(true, std::memory_order_acq_rel)) {
        return;
    }
    std::map<uint16_t, std::shared_ptr<ActiveStream>> streams;
    {
        MutexLock lock(mutex_);
        streams.swap(streams_);
    }
    for (auto& [vb, stream] : streams) {
        conn_map_.removeStream(Vbid(vb), *stream);
        stream->closeSilently();
    }
    backfills_.cancelAll();
    if (processor_task_) {
        env_.executor.cancel(processor_task_->uid());
    }
    if (backfill_task_) {
        env_.executor.cancel(backfill_task_->uid());
    }
    conn_map_.remove(*this);
}

ProducerTotals DcpProducer::totals() const {
    ProducerTotals totals;
    totals.items_sent = items_sent_.load(std::memory_order_relaxed);
    totals.bytes_sent = bytes_sent_.load(std::memory_order_relaxed);
    totals.uncompressed_bytes = uncompressed_bytes_.load(std::memory_order_relaxed);
    std::vector<std::shared_ptr<ActiveStream>> streams;
    {
        MutexLock lock(mutex_);
        for (const auto& [vb, stream] : streams_) {
            streams.push_back(stream);
        }
    }
    for (const auto& stream : streams) {
        totals.items_remaining += stream->itemsRemaining();
        totals.ready_items += stream->readyQueueSize();
    }
    return totals;
}

void DcpProducer::addStats(const AddStatFn& add_stat) const {
    const std::string prefix = fmt::format("eq_dcpq:{}:", name_);
    const auto add = [&](std::string_view key, const auto& value) {
        add_stat(fmt::format("{}{}", prefix, key), fmt::format("{}", value));
    };
    const auto yes_no = [](bool value) { return value ? "true" : "false"; };
    const BufferLog::Snapshot log = buffer_log_.snapshot();
    const int64_t now_ns = toNs(now());
    const auto seconds_ago = [now_ns](int64_t then) { return (now_ns - then) / 1'000'000'000; };
    std::vector<std::shared_ptr<ActiveStream>> streams;
    std::string priority;
    std::string consumer_name;
    bool v7 = false;
    uint64_t dead = 0;
    {
        MutexLock lock(mutex_);
        for (const auto& [vb, stream] : streams_) {
            streams.push_back(stream);
        }
        priority = priority_;
        consumer_name = consumer_name_;
        v7 = v7_status_codes_;
        dead = dead_streams_;
    }
    const ProducerTotals sums = totals();
    const BackfillManager::Counts backfills = backfills_.counts();
    add("type", "producer");
    add("connection_id", connection_id_);
    add("created", seconds_ago(created_ns_));
    add("flags", fmt::format("{:#x}", flags_));
    add("flow_control", log.enabled ? "enabled" : "disabled");
    add("max_buffer_bytes", log.window);
    add("unacked_bytes", log.unacked);
    add("total_acked_bytes", log.total_acked);
    add("excess_acked_bytes", log.excess_acked);
    add("bytes_sent", log.unacked);
    add("total_bytes_sent", sums.bytes_sent);
    add("total_uncompressed_data_size", sums.uncompressed_bytes);
    add("items_sent", sums.items_sent);
    add("items_remaining", sums.items_remaining);
    add("last_sent_time", seconds_ago(last_send_ns_.load(std::memory_order_relaxed)));
    add("last_receive_time", seconds_ago(last_receive_ns_.load(std::memory_order_relaxed)));
    add("noop_enabled", yes_no(noop_enabled_.load(std::memory_order_relaxed)));
    add("noop_tx_interval", noop_interval_s_.load(std::memory_order_relaxed));
    add("noop_wait", yes_no(noop_pending_.load(std::memory_order_relaxed)));
    add("noops_sent", noops_sent_.load(std::memory_order_relaxed));
    add("seqno_advanced_sent", seqno_advanced_sent_.load(std::memory_order_relaxed));
    add("paused", yes_no(paused_.load(std::memory_order_relaxed)));
    add("paused_reason",
        toString(static_cast<PausedReason>(paused_reason_.load(std::memory_order_relaxed))));
    add("pending_disconnect", yes_no(disconnect_pending_.load(std::memory_order_relaxed)));
    add("priority", priority);
    add("consumer_name", consumer_name);
    add("num_streams", streams.size());
    add("num_dead_streams", dead);
    add("backfill_num_active", backfills.active);
    add("backfill_num_pending", backfills.pending);
    add("backfill_order",
        sequential_backfill_.load(std::memory_order_relaxed) ? "sequential" : "round-robin");
    add("buf_backfill_bytes", backfill_bytes_.load(std::memory_order_relaxed));
    add("buf_backfill_items", backfill_items_buffered_.load(std::memory_order_relaxed));
    add("send_stream_end_on_client_close_stream",
        yes_no(stream_end_on_close_.load(std::memory_order_relaxed)));
    add("enable_expiry_opcode", yes_no(expiry_opcode_.load(std::memory_order_relaxed)));
    add("supports_cursor_dropping",
        yes_no(supports_cursor_dropping_.load(std::memory_order_relaxed)));
    add("force_value_compression", yes_no(force_compression_.load(std::memory_order_relaxed)));
    add("include_delete_times", yes_no((flags_ & eddy::dcp::kOpenIncludeDeleteTimes) != 0));
    add("no_value", yes_no((flags_ & eddy::dcp::kOpenNoValue) != 0));
    add("include_xattrs", yes_no((flags_ & eddy::dcp::kOpenIncludeXattrs) != 0));
    add("v7_dcp_status_codes", yes_no(v7));
    add("synchronous_replication", "false");
    for (const auto& stream : streams) {
        stream->addStats(fmt::format("{}stream_{}_", prefix, stream->vbucketId().get()), add_stat);
    }
}

}  // namespace eddy::engine::dcp
