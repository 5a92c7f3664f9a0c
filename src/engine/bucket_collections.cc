#include "engine/bucket_collections.h"

#include "engine/bucket_tasks.h"
#include "engine/stats/vbucket_stats.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>

namespace eddy::engine {

namespace {

/// Every collection's totals summed over the vbuckets: items of the active ones only.
std::map<collections::CollectionId, CollectionTotals> sumOverVBuckets(const VBucketMap& vbuckets) {
    std::map<collections::CollectionId, CollectionTotals> sums;
    vbuckets.forEach([&sums](VBucket& vbucket) {
        const bool active = vbucket.state() == VBucketState::Active;
        vbucket.collectionCounts().forEach(
            [&sums, active](collections::CollectionId id, const CollectionTotals& totals) {
                CollectionTotals counted = totals;
                if (!active) {
                    counted.items = 0;
                }
                sums[id] += counted;
            });
    });
    return sums;
}

void addTotals(const AddStatFn& add_stat, std::string_view prefix, const CollectionTotals& totals) {
    stats::addNumber(add_stat, fmt::format("{}:items", prefix),
                     static_cast<uint64_t>(std::max<int64_t>(totals.items, 0)));
    stats::addNumber(add_stat, fmt::format("{}:ops_delete", prefix), totals.ops_delete);
    stats::addNumber(add_stat, fmt::format("{}:ops_get", prefix), totals.ops_get);
    stats::addNumber(add_stat, fmt::format("{}:ops_store", prefix), totals.ops_store);
}

}  // namespace

BucketCollections::BucketCollections(Environment environment) : env_(std::move(environment)) {
    if (!env_.manager) {
        env_.manager = std::make_shared<collections::Manager>();
    }
    dropped_.add(env_.manager->dropped());
}

BucketCollections::~BucketCollections() {
    stop();
}

void BucketCollections::start() {
    env_.manager->setDropListener(
        [this](const std::vector<collections::CollectionId>& ids) { onDrop(ids); });
    // A drop between construction and now (none in eddyd: the bucket is not findable yet).
    // Warm-up has loaded nothing yet, so there is nothing in memory to purge.
    dropped_.add(env_.manager->dropped());
}

void BucketCollections::stop() {
    env_.manager->setDropListener({});
}

void BucketCollections::onDrop(const std::vector<collections::CollectionId>& ids) {
    if (!dropped_.add(ids)) {
        return;
    }
    // Memory first (its task), the store when the flushers run; each covers every id dropped
    // so far, so a purge that follows an earlier one's drop does both.
    if (env_.executor != nullptr) {
        env_.executor->schedule(std::make_shared<OneShotTask>(
            env_.taskable, executor::TaskId::CollectionsPurgeTask,
            "Purging dropped collections from memory", [this] { purgeMemory(); }));
    } else {
        purgeMemory();
    }
    if (env_.purge_store) {
        env_.purge_store();
    }
}

void BucketCollections::purgeMemory() {
    MutexLock serialised(purge_mutex_);
    const std::vector<collections::CollectionId> ids = dropped_.ids();
    size_t records = 0;
    int64_t items = 0;
    env_.vbuckets.forEach([&](VBucket& vbucket) {
        const CollectionPurgeResult result = vbucket.purgeCollections(ids);
        records += result.records;
        items += result.items;
    });
    spdlog::info("dropped collections purged from memory: {} records, {} live documents", records,
                 items);
}

Status BucketCollections::addCollectionStats(std::string_view name,
                                             const AddStatFn& add_stat) const {
    const std::shared_ptr<const collections::Manifest> manifest = env_.manager->manifest();
    std::optional<collections::CollectionId> only;
    if (!name.empty()) {
        const collections::Lookup lookup = manifest->lookupCollection(name);
        if (lookup.result != collections::Lookup::Result::Found) {
            return Status::KeyNotFound;
        }
        only = lookup.collection;
    }
    const auto sums = sumOverVBuckets(env_.vbuckets);
    for (const collections::Scope& scope : manifest->scopes()) {
        for (const collections::Collection& collection : scope.collections) {
            if (only && *only != collection.id) {
                continue;
            }
            const std::string prefix = fmt::format("{:#x}:{:#x}", scope.id, collection.id);
            add_stat(fmt::format("{}:name", prefix), collection.name);
            add_stat(fmt::format("{}:scope_name", prefix), scope.name);
            const auto found = sums.find(collection.id);
            addTotals(add_stat, prefix, found != sums.end() ? found->second : CollectionTotals{});
        }
    }
    if (!only) {
        stats::addNumber(add_stat, "manifest_uid", manifest->uid());
    }
    return Status::Success;
}

Status BucketCollections::addScopeStats(std::string_view name, const AddStatFn& add_stat) const {
    const std::shared_ptr<const collections::Manifest> manifest = env_.manager->manifest();
    std::optional<collections::ScopeId> only;
    if (!name.empty()) {
        const collections::Lookup lookup = manifest->lookupScope(name);
        if (lookup.result != collections::Lookup::Result::Found) {
            return Status::KeyNotFound;
        }
        only = lookup.scope;
    }
    const auto sums = sumOverVBuckets(env_.vbuckets);
    for (const collections::Scope& scope : manifest->scopes()) {
        if (only && *only != scope.id) {
            continue;
        }
        CollectionTotals totals;
        for (const collections::Collection& collection : scope.collections) {
            if (const auto found = sums.find(collection.id); found != sums.end()) {
                totals += found->second;
            }
        }
        const std::string prefix = fmt::format("{:#x}", scope.id);
        add_stat(fmt::format("{}:name", prefix), scope.name);
        stats::addNumber(add_stat, fmt::format("{}:collections", prefix), scope.collections.size());
        addTotals(add_stat, prefix, totals);
    }
    if (!only) {
        stats::addNumber(add_stat, "manifest_uid", manifest->uid());
    }
    return Status::Success;
}

}  // namespace eddy::engine
