// BucketDcp: DCP_OPEN and the other DcpIface methods, delegated to the connection's producer
// (bucket_dcp.h), the ConnManager task and the DCP aggregates of the default group.
#include "engine/bucket_dcp.h"

#include "engine/bucket_tasks.h"
#include "engine/dcp/dcp_producer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace eddy::engine {

namespace {

constexpr size_t kMaxNameLength = 200;

}  // namespace

BucketDcp::BucketDcp(size_t max_vbuckets, Environment environment)
    : env_(std::move(environment)), conns_(max_vbuckets) {}

dcp::DcpProducer* BucketDcp::producerOf(CookieIface& cookie) {
    return dynamic_cast<dcp::DcpProducer*>(cookie.connectionStorage());
}

void BucketDcp::startTasks() {
    env_.executor->schedule(std::make_shared<PeriodicTask>(
        env_.taskable, executor::TaskId::ConnManager,
        "Managing DCP connections (noops, idle timeout)",
        [this] { return std::chrono::seconds(env_.configuration.getConnectionManagerInterval()); },
        [this] { conns_.manageConnections(); }));
}

Status BucketDcp::open(CookieIface& cookie, std::string_view name, uint32_t flags,
                       std::string& message) {
    if (env_.ready && !env_.ready()) {
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
    constexpr uint32_t kKnown =
        eddy::dcp::kOpenProducer | eddy::dcp::kOpenIncludeXattrs | eddy::dcp::kOpenNoValue |
        eddy::dcp::kOpenIncludeDeleteTimes | eddy::dcp::kOpenNoValueWithUnderlyingDatatype |
        eddy::dcp::kOpenIncludeDeletedUserXattrs | eddy::dcp::kOpenCollections;
    if ((flags & ~kKnown) != 0) {
        message = fmt::format("Unknown DCP_OPEN flags {:#x}", flags & ~kKnown);
        return Status::InvalidArguments;
    }
    auto producer = std::make_shared<dcp::DcpProducer>(
        dcp::DcpEnvironment{.server = env_.server,
                            .executor = *env_.executor,
                            .taskable = env_.taskable,
                            .configuration = env_.configuration,
                            .store = env_.store,
                            .running_backfills = running_backfills_,
                            .memory = env_.memory,
                            .dropped = env_.dropped},
        conns_, std::string(name), flags, cookie);
    producer->startTasks();
    cookie.setConnectionStorage(producer);
    conns_.add(producer);
    spdlog::info("dcp {}: producer opened on connection {} (flags {:#x})", name,
                 cookie.connectionId(), flags);
    return Status::Success;
}

Status BucketDcp::control(CookieIface& cookie, std::string_view key, std::string_view value,
                          bool snappy, std::string& message) {
    dcp::DcpProducer* producer = producerOf(cookie);
    if (producer == nullptr) {
        message = "DCP_CONTROL needs a DCP connection (DCP_OPEN first)";
        return Status::InvalidArguments;
    }
    return producer->control(key, value, snappy, message);
}

Status BucketDcp::streamRequest(CookieIface& cookie, const DcpStreamRequest& request,
                                DcpStreamResponse& out, std::string& message) {
    dcp::DcpProducer* producer = producerOf(cookie);
    if (producer == nullptr) {
        message = "DCP_STREAM_REQ needs a DCP producer connection (DCP_OPEN first)";
        return Status::InvalidArguments;
    }
    auto vbucket = env_.vbuckets.get(request.vbucket);
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

Status BucketDcp::getFailoverLog(CookieIface& cookie, Vbid vbucket, std::string& out) {
    if (producerOf(cookie) == nullptr) {
        return Status::InvalidArguments;
    }
    auto found = env_.vbuckets.get(vbucket);
    if (!found) {
        return Status::NotMyVbucket;
    }
    out = found->failoverLogWire();
    return Status::Success;
}

Status BucketDcp::closeStream(CookieIface& cookie, Vbid vbucket) {
    dcp::DcpProducer* producer = producerOf(cookie);
    if (producer == nullptr) {
        return Status::InvalidArguments;
    }
    return producer->closeStream(vbucket);
}

Status BucketDcp::bufferAcknowledgement(CookieIface& cookie, uint32_t bytes) {
    dcp::DcpProducer* producer = producerOf(cookie);
    if (producer == nullptr) {
        return Status::InvalidArguments;
    }
    return producer->bufferAck(bytes);
}

Status BucketDcp::response(CookieIface& cookie, uint8_t opcode, uint16_t status, uint32_t opaque) {
    dcp::DcpProducer* producer = producerOf(cookie);
    if (producer == nullptr) {
        return Status::InvalidArguments;
    }
    return producer->response(opcode, status, opaque);
}

Status BucketDcp::step(CookieIface& cookie, DcpMessageSink& sink) {
    dcp::DcpProducer* producer = producerOf(cookie);
    if (producer == nullptr) {
        return Status::Disconnect;
    }
    return producer->step(sink);
}

void BucketDcp::addAggregates(const AddStatFn& add_stat) const {
    const dcp::DcpAggregates sums = conns_.aggregates();
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
    add("ep_dcp_num_running_backfills", running_backfills_.load(std::memory_order_relaxed));
}

}  // namespace eddy::engine
