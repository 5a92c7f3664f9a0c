#include "engine/dcp/dcp_conn_map.h"

#include "engine/dcp/active_stream.h"
#include "engine/dcp/dcp_producer.h"

#include <fmt/format.h>

#include <algorithm>

namespace eddy::engine::dcp {

DcpConnMap::DcpConnMap(size_t max_vbuckets) {
    vbuckets_.reserve(max_vbuckets);
    for (size_t i = 0; i < max_vbuckets; ++i) {
        vbuckets_.push_back(std::make_unique<VBucketStreams>());
    }
}

DcpConnMap::~DcpConnMap() {
    // Producers still registered (connections not yet told) go first: their destructors
    // unregister their streams from vbuckets_.
    std::map<std::string, std::shared_ptr<DcpProducer>, std::less<>> producers;
    {
        MutexLock lock(mutex_);
        producers.swap(producers_);
    }
    producers.clear();
}

DcpConnMap::VBucketStreams* DcpConnMap::slot(Vbid vbucket) const {
    return vbucket.get() < vbuckets_.size() ? vbuckets_[vbucket.get()].get() : nullptr;
}

void DcpConnMap::add(const std::shared_ptr<DcpProducer>& producer) {
    std::shared_ptr<DcpProducer> older;
    {
        MutexLock lock(mutex_);
        auto& registered = producers_[producer->name()];
        older = std::exchange(registered, producer);
    }
    if (older) {
        older->replaced();
    }
}

void DcpConnMap::remove(const DcpProducer& producer) {
    std::shared_ptr<DcpProducer> removed;  // released after the lock
    MutexLock lock(mutex_);
    const auto found = producers_.find(producer.name());
    if (found != producers_.end() && found->second.get() == &producer) {
        removed = std::move(found->second);
        producers_.erase(found);
    }
}

void DcpConnMap::addStream(Vbid vbucket, std::shared_ptr<ActiveStream> stream) {
    VBucketStreams* streams = slot(vbucket);
    if (streams == nullptr) {
        return;
    }
    MutexLock lock(streams->mutex);
    streams->streams.push_back(std::move(stream));
    streams->count.store(streams->streams.size(), std::memory_order_release);
}

void DcpConnMap::removeStream(Vbid vbucket, const ActiveStream& stream) {
    VBucketStreams* streams = slot(vbucket);
    if (streams == nullptr) {
        return;
    }
    std::shared_ptr<ActiveStream> removed;  // released after the lock
    MutexLock lock(streams->mutex);
    auto& list = streams->streams;
    const auto found = std::find_if(list.begin(), list.end(),
                                    [&](const auto& entry) { return entry.get() == &stream; });
    if (found != list.end()) {
        removed = std::move(*found);
        list.erase(found);
        streams->count.store(list.size(), std::memory_order_release);
    }
}

std::vector<std::shared_ptr<ActiveStream>> DcpConnMap::streams(Vbid vbucket) const {
    VBucketStreams* streams = slot(vbucket);
    if (streams == nullptr) {
        return {};
    }
    MutexLock lock(streams->mutex);
    return streams->streams;
}

void DcpConnMap::notifyVBucket(Vbid vbucket) {
    VBucketStreams* streams = slot(vbucket);
    if (streams == nullptr || streams->count.load(std::memory_order_acquire) == 0) {
        return;
    }
    MutexLock lock(streams->mutex);
    for (const auto& stream : streams->streams) {
        stream->notifyChanges();
    }
}

void DcpConnMap::vbucketStateChanged(Vbid vbucket) {
    for (const auto& producer : producers()) {
        producer->vbucketStateChanged(vbucket);
    }
}

void DcpConnMap::manageConnections() {
    for (const auto& producer : producers()) {
        producer->manage();
    }
}

std::vector<std::shared_ptr<DcpProducer>> DcpConnMap::producers() const {
    MutexLock lock(mutex_);
    std::vector<std::shared_ptr<DcpProducer>> all;
    all.reserve(producers_.size());
    for (const auto& [name, producer] : producers_) {
        all.push_back(producer);
    }
    return all;
}

DcpAggregates DcpConnMap::aggregates() const {
    DcpAggregates sums;
    for (const auto& producer : producers()) {
        const ProducerTotals totals = producer->totals();
        ++sums.producers;
        sums.items_sent += totals.items_sent;
        sums.items_remaining += totals.items_remaining;
        sums.bytes_sent += totals.bytes_sent;
        sums.uncompressed_bytes += totals.uncompressed_bytes;
        sums.ready_items += totals.ready_items;
        sums.paused += producer->isPaused() ? 1 : 0;
    }
    return sums;
}

void DcpConnMap::addStats(const AddStatFn& add_stat) const {
    for (const auto& producer : producers()) {
        producer->addStats(add_stat);
    }
}

void DcpConnMap::addAggregatedStats(std::string_view separator, const AddStatFn& add_stat) const {
    struct Group {
        uint64_t count = 0;
        uint64_t producers = 0;
        uint64_t items_sent = 0;
        uint64_t items_remaining = 0;
        uint64_t total_bytes = 0;
        uint64_t uncompressed = 0;
    };
    std::map<std::string, Group> groups;
    Group total;
    for (const auto& producer : producers()) {
        const std::string& name = producer->name();
        const size_t cut = separator.empty() ? std::string::npos : name.find(separator);
        const std::string prefix = cut == std::string::npos ? "_unknown" : name.substr(0, cut);
        const ProducerTotals totals = producer->totals();
        for (Group* group : {&groups[prefix], &total}) {
            ++group->count;
            ++group->producers;
            group->items_sent += totals.items_sent;
            group->items_remaining += totals.items_remaining;
            group->total_bytes += totals.bytes_sent;
            group->uncompressed += totals.uncompressed_bytes;
        }
    }
    groups.emplace("_total", total);
    for (const auto& entry : groups) {
        const std::string& prefix = entry.first;
        const Group& group = entry.second;
        const auto add = [&](std::string_view key, uint64_t value) {
            add_stat(fmt::format("{}:{}", prefix, key), fmt::format("{}", value));
        };
        add("count", group.count);
        add("producer_count", group.producers);
        add("consumer_count", 0);
        add("items_sent", group.items_sent);
        add("items_remaining", group.items_remaining);
        add("total_bytes", group.total_bytes);
        add("total_uncompressed_data_size", group.uncompressed);
    }
}

}  // namespace eddy::engine::dcp
