// eddy — EpBucket's DCP producer side: DcpIface, the ConnManager task, STOP/START_PERSISTENCE
// and the DCP aggregates of the default stat group. The streams themselves live in
// src/engine/dcp/ (docs/dcp.md).
#include "engine/bucket_tasks.h"
#include "engine/dcp/dcp_producer.h"
#include "engine/ep_bucket_engine.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace eddy::engine {

namespace {

constexpr size_t kMaxNameLength = 200;

}  // namespace

DcpIface* EpBucket::dcp() {
    // Producers need the executor for their backfill and checkpoint tasks.
    return config_.executor != nullptr ? this : nullptr;
}

dcp::DcpProducer* EpBucket::producerOf(CookieIface& cookie) {
    return dynamic_cast<dcp::DcpProducer*>(cookie.connectionStorage());
}

void EpBucket::startDcpTasks(executor::ExecutorPoolIface& executor) {
    executor.schedule(std::make_shared<PeriodicTask>(
        *this, executor::TaskId::ConnManager, "Managing DCP connections (noops, idle timeout)",
        [this] { return std::chrono::seconds(configuration_.getConnectionManagerInterval()); },
        [this] { dcp_conns_.manageConnections(); }));
}

Status EpBucket::open(CookieIface& cookie, std::string_view name, uint32_t flags,
                      std::string& message) {
    if (!warmed_up_.load(std::memory_order_acquire)) {
        return Status::TemporaryFailure;
    }
    if (cookie.connectionStorage() != nullptr) {
        message = "The connection is already a DCP connection";
        return Status::InvalidArguments;
    }
    if (name.empty() || name.size() > kMaxNameLength) {
        message = fmt::format("A DCP connection name has 1 to {} bytes", kMaxNameLength);
        return Status::InvalidArguments;
    }
    if ((flags & eddy::dcp::kOpenNotifier) != 0) {
        message = "DCP notifier connections are no longer supported";
        return Status::InvalidArguments;
    }
    if ((flags & eddy::dcp::kOpenProducer) == 0) {
        message = "DCP consumers are not supported yet: open with the Producer flag";
        return Status::NotSupported;
    }
    constexpr uint32_t kKnown = eddy::dcp::kOpenProducer | eddy::dcp::kOpenIncludeXattrs |
                                eddy::dcp::kOpenNoValue | eddy::dcp::kOpenIncludeDeleteTimes |
                                eddy::dcp::kOpenNoValueWithUnderlyingDatatype |
                                eddy::dcp::kOpenIncludeDeletedUserXattrs;
    if ((flags & ~kKnown) != 0) {
        message = fmt::format("Unknown DCP_OPEN flags {:#x}", flags & ~kKnown);
        return Status::InvalidArguments;
    }
    auto producer = std::make_shared<dcp::DcpProducer>(
        dcp::DcpEnvironment{.server = server_,
                            .executor = *config_.executor,
                            .taskable = *this,
                            .configuration = configuration_,
                            .store = store_.get(),
                            .running_backfills = dcp_running_backfills_,
                            .memory = &memory_},
        dcp_conns_, std::string(name), flags, cookie);
    producer->startTasks();
    cookie.setConnectionStorage(producer);
    dcp_conns_.add(producer);
    spdlog::info("dcp {}: producer opened on connection {} (flags {:#x})", name,
                 cookie.connectionId(), flags);
    return Status::Success;
}

Status EpBucket::control(CookieIface& cookie, std::string_view key, std::string_view value,
                         bool snappy, std::string& message) {
    dcp::DcpProducer* producer = producerOf(cookie);
    if (producer == nullptr) {
        message = "DCP_CONTROL needs a DCP connection (DCP_OPEN first)";
        return Status::InvalidArguments;
    }
    return producer->control(key, value, snappy, message);
}

Status EpBucket::streamRequest(CookieIface& cookie, const DcpStreamRequest& request,
                               DcpStreamResponse& out, std::string& message) {
    dcp::DcpProducer* producer = producerOf(cookie);
    if (producer == nullptr) {
        message = "DCP_STREAM_REQ needs a DCP producer connection (DCP_OPEN first)";
        return Status::InvalidArguments;
    }
    auto vbucket = vbuckets_.get(request.vbucket);
    if (!vbucket) {
        return Status::NotMyVbucket;
    }
    const VBucketState state = vbucket->state();
    if (state == VBucketState::Dead ||
        ((request.flags & eddy::dcp::kStreamActiveVbOnly) != 0 && state != VBucketState::Active)) {
        return Status::NotMyVbucket;
    }
    return producer->streamRequest(request, std::move(vbucket), out, message);
}

Status EpBucket::getFailoverLog(CookieIface& cookie, Vbid vbucket, std::string& out) {
    if (producerOf(cookie) == nullptr) {
        return Status::InvalidArguments;
    }
    auto found = vbuckets_.get(vbucket);
    if (!found) {
        return Status::NotMyVbucket;
    }
    out = found->failoverLogWire();
    return Status::Success;
}

Status EpBucket::closeStream(CookieIface& cookie, Vbid vbucket) {
    dcp::DcpProducer* producer = producerOf(cookie);
    if (producer == nullptr) {
        return Status::InvalidArguments;
    }
    return producer->closeStream(vbucket);
}

Status EpBucket::bufferAcknowledgement(CookieIface& cookie, uint32_t bytes) {
    dcp::DcpProducer* producer = producerOf(cookie);
    if (producer == nullptr) {
        return Status::InvalidArguments;
    }
    return producer->bufferAck(bytes);
}

Status EpBucket::response(CookieIface& cookie, uint8_t opcode, uint16_t status, uint32_t opaque) {
    dcp::DcpProducer* producer = producerOf(cookie);
    if (producer == nullptr) {
        return Status::InvalidArguments;
    }
    return producer->response(opcode, status, opaque);
}

Status EpBucket::step(CookieIface& cookie, DcpMessageSink& sink) {
    dcp::DcpProducer* producer = producerOf(cookie);
    if (producer == nullptr) {
        return Status::Disconnect;
    }
    return producer->step(sink);
}

Status EpBucket::setPersistence(bool enabled) {
    if (!persistent()) {
        return Status::NotSupported;
    }
    persistence_stopped_.store(!enabled, std::memory_order_release);
    spdlog::info("persistence {}", enabled ? "started" : "stopped");
    if (enabled) {
        dirty_->markAll();
        for (const auto& shard : shards_) {
            if (shard->flusher_task) {
                shard->flusher_task->wakeUp();
            }
        }
    }
    return Status::Success;
}

void EpBucket::addDcpAggregates(const AddStatFn& add_stat) const {
    const dcp::DcpAggregates sums = dcp_conns_.aggregates();
    const auto add = [&](std::string_view key, uint64_t value) {
        add_stat(key, fmt::format("{}", value));
    };
    add("ep_dcp_count", sums.producers);
    add("ep_dcp_producer_count", sums.producers);
    add("ep_dcp_consumer_count", 0);
    add("ep_dcp_items_sent", sums.items_sent);
    add("ep_dcp_items_remaining", sums.items_remaining);
    add("ep_dcp_total_data_size", sums.bytes_sent);
    add("ep_dcp_total_uncompressed_data_size", sums.uncompressed_bytes);
    add("ep_dcp_total_queue", sums.ready_items);
    add("ep_dcp_paused_count", sums.paused);
    add("ep_dcp_num_running_backfills", dcp_running_backfills_.load(std::memory_order_relaxed));
    add("ep_persistence_stopped", persistence_stopped_.load(std::memory_order_relaxed) ? 1 : 0);
}

}  // namespace eddy::engine
