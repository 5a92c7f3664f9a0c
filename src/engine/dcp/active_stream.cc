#include "engine/dcp/active_stream.h"

#include "engine/dcp/dcp_producer.h"
#include "engine/vbucket/collection_counts.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

namespace eddy::engine::dcp {

using eddy::dcp::StreamEndReason;

std::string_view toString(StreamState state) {
    switch (state) {
    case StreamState::Pending: return "pending";
    case StreamState::Backfilling: return "backfilling";
    case StreamState::InMemory: return "in-memory";
    case StreamState::Dead: return "dead";
    }
    return "unknown";
}

ActiveStream::ActiveStream(DcpProducer& producer, std::shared_ptr<VBucket> vbucket,
                           const DcpStreamRequest& request, uint64_t end_seqno, uint64_t disk_limit,
                           std::string cursor_name)
    : producer_(producer),
      vbucket_(std::move(vbucket)),
      vbid_(request.vbucket),
      opaque_(request.opaque),
      flags_(request.flags),
      start_seqno_(request.start_seqno),
      end_seqno_(end_seqno),
      vb_uuid_(request.vbucket_uuid),
      request_snap_start_(request.snap_start_seqno),
      request_snap_end_(request.snap_end_seqno),
      disk_limit_(disk_limit),
      cursor_name_(std::move(cursor_name)),
      filter_(request.collections),
      last_read_seqno_(request.start_seqno),
      last_sent_seqno_(request.start_seqno) {}

ActiveStream::~ActiveStream() {
    // A stream always ends through endStream/closeSilently, which remove the cursor; this is
    // the safety net for a stream dropped before it started.
    MutexLock lock(mutex_);
    removeCursorLocked();
}

bool ActiveStream::wants(std::string_view key) const {
    return !filter_ || std::binary_search(filter_->begin(), filter_->end(), collectionOf(key));
}

uint64_t ActiveStream::lastSentSnapshotEnd() const {
    MutexLock lock(mutex_);
    return last_sent_snap_end_;
}

StreamState ActiveStream::state() const {
    MutexLock lock(mutex_);
    return state_;
}

bool ActiveStream::isDead() const {
    MutexLock lock(mutex_);
    return state_ == StreamState::Dead;
}

void ActiveStream::start() {
    Followup followup;
    {
        MutexLock lock(mutex_);
        if (state_ != StreamState::Pending) {
            return;
        }
        if (start_seqno_ >= end_seqno_) {
            followup.ready |= endStreamLocked(StreamEndReason::Ok);
        } else if ((flags_ & eddy::dcp::kStreamDiskOnly) != 0) {
            const uint64_t end = std::min(end_seqno_, disk_limit_);
            if (end <= start_seqno_) {
                followup.ready |= endStreamLocked(StreamEndReason::Ok);
            } else {
                state_ = StreamState::Backfilling;
                followup.backfill_start = start_seqno_ + 1;
                followup.backfill_end = end;
            }
        } else {
            std::tie(followup.backfill_start, followup.backfill_end) = registerCursorLocked();
            followup.process = state_ == StreamState::InMemory;
        }
    }
    apply(followup);
}

std::pair<uint64_t, uint64_t> ActiveStream::registerCursorLocked() {
    CheckpointManager& checkpoints = vbucket_->checkpointManager();
    const CursorRegistration registration = checkpoints.registerCursorBySeqno(
        cursor_name_, static_cast<int64_t>(last_read_seqno_), /*droppable=*/true);
    cursor_registered_ = true;
    if (registration.backfill_needed) {
        const uint64_t end =
            std::min(end_seqno_, static_cast<uint64_t>(registration.next_seqno) - 1);
        if (end > last_read_seqno_) {
            state_ = StreamState::Backfilling;
            ++backfills_;
            return {last_read_seqno_ + 1, end};
        }
    }
    state_ = StreamState::InMemory;
    changes_pending_.store(true, std::memory_order_release);
    return {1, 0};
}

void ActiveStream::apply(const Followup& followup) {
    if (followup.backfill_end >= followup.backfill_start) {
        producer_.scheduleBackfill(shared_from_this(), followup.backfill_start,
                                   followup.backfill_end);
    }
    if (followup.process) {
        producer_.scheduleCheckpointProcessing(vbid_);
    }
    if (followup.ready) {
        producer_.markReady(vbid_);
    }
}

std::unique_ptr<DcpMessage> ActiveStream::next(bool& more) {
    bool refill = false;
    std::unique_ptr<DcpMessage> message;
    {
        MutexLock lock(mutex_);
        if (ready_.empty()) {
            in_ready_list_ = false;
            more = false;
            return nullptr;
        }
        message = std::move(ready_.front());
        ready_.pop_front();
        const size_t size = message->memorySize();
        if (!message->fromBackfill()) {
            ready_bytes_ -= std::min(ready_bytes_, size);
            if (waiting_for_drain_ && ready_bytes_ < kMaxReadyBytes / 2) {
                waiting_for_drain_ = false;
                refill = state_ == StreamState::InMemory;
            }
        }
        switch (message->kind()) {
        case MessageKind::SnapshotMarker: last_sent_snap_end_ = message->snapEnd(); break;
        case MessageKind::StreamEnd: break;
        case MessageKind::SeqnoAdvanced: last_sent_seqno_ = message->seqno(); break;
        default:
            last_sent_seqno_ = message->seqno();
            ++(message->fromBackfill() ? backfill_sent_ : memory_sent_);
            break;
        }
        more = !ready_.empty();
        if (!more) {
            in_ready_list_ = false;
        }
    }
    if (refill) {
        changes_pending_.store(true, std::memory_order_release);
        producer_.scheduleCheckpointProcessing(vbid_);
    }
    return message;
}

void ActiveStream::notifyChanges() {
    if (!changes_pending_.exchange(true, std::memory_order_acq_rel)) {
        producer_.scheduleCheckpointProcessing(vbid_);
    }
}

bool ActiveStream::pushLocked(std::unique_ptr<DcpMessage> message) {
    if (!message->fromBackfill()) {
        ready_bytes_ += message->memorySize();
    }
    ready_.push_back(std::move(message));
    if (in_ready_list_) {
        return false;
    }
    in_ready_list_ = true;
    return true;
}

uint64_t ActiveStream::markerStartLocked(uint64_t start) {
    if (!first_marker_sent_) {
        first_marker_sent_ = true;
        return std::min(start, request_snap_start_);
    }
    return start;
}

bool ActiveStream::processCheckpointItems(size_t max_items) {
    changes_pending_.store(false, std::memory_order_release);
    Followup followup;
    bool more = false;
    {
        MutexLock lock(mutex_);
        if (state_ != StreamState::InMemory) {
            return false;
        }
        if (ready_bytes_ >= kMaxReadyBytes) {
            waiting_for_drain_ = true;  // next() asks again once the queue has drained
            return false;
        }
        CheckpointManager& checkpoints = vbucket_->checkpointManager();
        size_t taken = 0;
        // Small reads, so that the ready queue's byte limit stops the cursor where it is.
        while (state_ == StreamState::InMemory && taken < max_items &&
               ready_bytes_ < kMaxReadyBytes) {
            auto items = checkpoints.getItemsForCursor(cursor_name_, kItemsPerRead);
            if (!items) {
                // Memory recovery dropped the cursor.
                cursor_registered_ = false;
                ++cursor_drops_;
                if (producer_.supportsCursorDropping()) {
                    std::tie(followup.backfill_start, followup.backfill_end) =
                        registerCursorLocked();
                    followup.process = state_ == StreamState::InMemory;
                } else {
                    followup.ready |= endStreamLocked(StreamEndReason::Slow);
                }
                break;
            }
            if (items->reset) {
                followup.ready |= endStreamLocked(StreamEndReason::StateChanged);
                break;
            }
            taken += items->num_items;
            queueSnapshotsLocked(*items, followup);
            if (static_cast<uint64_t>(items->last_read_seqno) >= end_seqno_ ||
                last_read_seqno_ >= end_seqno_) {
                followup.ready |= endStreamLocked(StreamEndReason::Ok);
                break;
            }
            more = items->more_available;
            if (!more) {
                break;
            }
        }
        if (ready_bytes_ >= kMaxReadyBytes) {
            waiting_for_drain_ = true;  // next() asks again once the queue has drained
            more = false;
        }
    }
    apply(followup);
    if (more) {
        changes_pending_.store(true, std::memory_order_release);
    }
    return more;
}

void ActiveStream::queueSnapshotsLocked(ItemsForCursor& items, Followup& followup) {
    for (CursorSnapshot& snapshot : items.snapshots) {
        std::vector<QueuedItemPtr> changes;
        changes.reserve(snapshot.items.size());
        for (QueuedItemPtr& item : snapshot.items) {
            if (!item->isMeta() && static_cast<uint64_t>(item->bySeqno()) <= end_seqno_ &&
                static_cast<uint64_t>(item->bySeqno()) > last_read_seqno_) {
                changes.push_back(std::move(item));
            }
        }
        if (changes.empty()) {
            continue;
        }
        uint32_t flags = snapshot.type == CheckpointType::Disk ? eddy::dcp::kMarkerDisk
                                                               : eddy::dcp::kMarkerMemory;
        if (snapshot.checkpoint_start) {
            flags |= eddy::dcp::kMarkerCheckpoint;
        }
        const auto range_start = static_cast<uint64_t>(
            std::max<int64_t>(snapshot.range.start, static_cast<int64_t>(last_read_seqno_ + 1)));
        const uint64_t start = markerStartLocked(
            std::min(range_start, static_cast<uint64_t>(changes.front()->bySeqno())));
        const uint64_t end =
            std::min(end_seqno_, std::max(static_cast<uint64_t>(snapshot.range.end),
                                          static_cast<uint64_t>(changes.back()->bySeqno())));
        cur_snap_start_ = start;
        cur_snap_end_ = end;
        cur_snap_flags_ = flags;
        followup.ready |= pushLocked(DcpMessage::marker(start, end, flags));
        for (QueuedItemPtr& change : changes) {
            last_read_seqno_ = static_cast<uint64_t>(change->bySeqno());
            ++memory_items_;
            followup.ready |= pushLocked(DcpMessage::change(std::move(change), false));
        }
    }
}

bool ActiveStream::backfillStart(uint64_t range_end) {
    bool ready = false;
    {
        MutexLock lock(mutex_);
        if (state_ != StreamState::Backfilling) {
            return false;
        }
        const uint64_t start = markerStartLocked(last_read_seqno_ + 1);
        const uint64_t end = std::min(range_end, end_seqno_);
        const uint32_t flags = eddy::dcp::kMarkerDisk | eddy::dcp::kMarkerCheckpoint;
        cur_snap_start_ = start;
        cur_snap_end_ = end;
        cur_snap_flags_ = flags;
        ready = pushLocked(DcpMessage::marker(start, end, flags));
    }
    if (ready) {
        producer_.markReady(vbid_);
    }
    return true;
}

bool ActiveStream::backfillItem(QueuedItemPtr item, size_t& queued_bytes) {
    queued_bytes = 0;
    bool ready = false;
    {
        MutexLock lock(mutex_);
        if (state_ != StreamState::Backfilling) {
            return false;
        }
        const auto seqno = static_cast<uint64_t>(item->bySeqno());
        if (seqno <= last_read_seqno_ || seqno > end_seqno_) {
            return true;
        }
        last_read_seqno_ = seqno;
        last_backfilled_seqno_ = seqno;
        ++backfill_items_;
        auto message = DcpMessage::change(std::move(item), true);
        queued_bytes = message->memorySize();
        ready = pushLocked(std::move(message));
    }
    if (ready) {
        producer_.markReady(vbid_);
    }
    return true;
}

void ActiveStream::backfillComplete(uint64_t range_end) {
    Followup followup;
    {
        MutexLock lock(mutex_);
        if (state_ != StreamState::Backfilling) {
            return;
        }
        if (last_backfilled_seqno_ < cur_snap_end_) {
            // The disk snapshot's last seqnos are no longer on disk (their keys changed again
            // since): the consumer learns that the snapshot is complete all the same.
            followup.ready |= pushLocked(DcpMessage::seqnoAdvanced(cur_snap_end_));
        }
        last_read_seqno_ = std::max(last_read_seqno_, std::min(range_end, end_seqno_));
        if ((flags_ & eddy::dcp::kStreamDiskOnly) != 0 || last_read_seqno_ >= end_seqno_) {
            followup.ready |= endStreamLocked(StreamEndReason::Ok);
        } else if (!cursor_registered_) {
            // The cursor was dropped while the backfill ran: pick up from here.
            std::tie(followup.backfill_start, followup.backfill_end) = registerCursorLocked();
            followup.process = state_ == StreamState::InMemory;
        } else {
            state_ = StreamState::InMemory;
            changes_pending_.store(true, std::memory_order_release);
            followup.process = true;
        }
    }
    apply(followup);
}

void ActiveStream::backfillFailed() {
    bool ready = false;
    {
        MutexLock lock(mutex_);
        ready = endStreamLocked(StreamEndReason::BackfillFail);
    }
    if (ready) {
        producer_.markReady(vbid_);
    }
}

void ActiveStream::endStream(StreamEndReason reason) {
    bool ready = false;
    {
        MutexLock lock(mutex_);
        ready = endStreamLocked(reason);
    }
    if (ready) {
        producer_.markReady(vbid_);
    }
}

bool ActiveStream::endStreamLocked(StreamEndReason reason) {
    if (state_ == StreamState::Dead) {
        return false;
    }
    removeCursorLocked();
    state_ = StreamState::Dead;
    end_reason_ = reason;
    spdlog::debug("dcp stream {} ({}): ends: {}", vbid_.get(), cursor_name_,
                  eddy::dcp::toString(reason));
    return pushLocked(DcpMessage::streamEnd(reason));
}

ActiveStream::Released ActiveStream::closeSilently() {
    MutexLock lock(mutex_);
    removeCursorLocked();
    if (state_ != StreamState::Dead) {
        state_ = StreamState::Dead;
        end_reason_ = StreamEndReason::Closed;
    }
    Released released;
    for (const auto& message : ready_) {
        if (message->fromBackfill()) {
            released.bytes += message->memorySize();
            ++released.items;
        }
    }
    ready_.clear();
    ready_bytes_ = 0;
    return released;
}

void ActiveStream::removeCursorLocked() {
    if (cursor_registered_) {
        vbucket_->checkpointManager().removeCursor(cursor_name_);
        cursor_registered_ = false;
    }
}

size_t ActiveStream::itemsRemaining() const {
    MutexLock lock(mutex_);
    size_t remaining = ready_.size();
    if (cursor_registered_) {
        remaining += vbucket_->checkpointManager().numItemsForCursor(cursor_name_);
    }
    return remaining;
}

size_t ActiveStream::readyQueueSize() const {
    MutexLock lock(mutex_);
    return ready_.size();
}

void ActiveStream::addStats(std::string_view prefix, const AddStatFn& add_stat) const {
    MutexLock lock(mutex_);
    const auto add = [&](std::string_view key, const auto& value) {
        add_stat(fmt::format("{}{}", prefix, key), fmt::format("{}", value));
    };
    add("state", toString(state_));
    add("opaque", opaque_);
    add("flags", fmt::format("{:#x}", flags_));
    add("filter", filter_ ? fmt::format("{:#x}", fmt::join(*filter_, ",")) : std::string("all"));
    add("start_seqno", start_seqno_);
    add("end_seqno", end_seqno_);
    add("vb_uuid", vb_uuid_);
    add("snap_start_seqno", request_snap_start_);
    add("snap_end_seqno", request_snap_end_);
    add("last_read_seqno", last_read_seqno_);
    add("last_sent_seqno", last_sent_seqno_);
    add("last_sent_snap_end_seqno", last_sent_snap_end_);
    add("cur_snapshot_type", (cur_snap_flags_ & eddy::dcp::kMarkerDisk) != 0 ? "disk" : "memory");
    add("cur_snapshot_start", cur_snap_start_);
    add("cur_snapshot_end", cur_snap_end_);
    add("items_ready", ready_.empty() ? "false" : "true");
    add("ready_queue_items", ready_.size());
    add("ready_queue_memory", ready_bytes_);
    add("backfill_disk_items", backfill_items_);
    add("backfill_sent", backfill_sent_);
    add("backfills", backfills_);
    add("memory_phase", memory_items_);
    add("memory_sent", memory_sent_);
    add("cursor_registered", cursor_registered_ ? "true" : "false");
    add("cursor_drops", cursor_drops_);
    if (state_ == StreamState::Dead) {
        add("end_reason", eddy::dcp::toString(end_reason_));
    }
}

}  // namespace eddy::engine::dcp
