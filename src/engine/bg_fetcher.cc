#include "engine/bg_fetcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace eddy::engine {

LoadedDocument viewOf(const DiskDocument& document, bool resident) {
    LoadedDocument loaded;
    loaded.key = document.key;
    loaded.value = document.value;
    loaded.resident = resident;
    loaded.flags = document.flags;
    loaded.expiry = document.expiry;
    loaded.cas = document.cas;
    loaded.datatype = document.datatype;
    loaded.by_seqno = document.by_seqno;
    loaded.rev_seqno = document.rev_seqno;
    return loaded;
}

BgFetcher::BgFetcher(KVStore& store, ServerApi& server) : store_(store), server_(server) {}

bool BgFetcher::add(std::shared_ptr<VBucket> vbucket, std::string_view key, CookieIface& cookie) {
    MutexLock lock(mutex_);
    const bool was_empty = queue_.empty();
    Entry& entry = queue_[vbucket.get()];
    if (!entry.vbucket) {
        entry.vbucket = std::move(vbucket);
    }
    auto found = entry.keys.find(key);
    if (found == entry.keys.end()) {
        found = entry.keys.emplace(std::string(key), std::vector<CookieIface*>{}).first;
    }
    found->second.push_back(&cookie);
    return was_empty;
}

bool BgFetcher::waits(const CookieIface& cookie) const {
    MutexLock lock(mutex_);
    for (const auto& [vbucket, entry] : queue_) {
        for (const auto& [key, cookies] : entry.keys) {
            if (std::find(cookies.begin(), cookies.end(), &cookie) != cookies.end()) {
                return true;
            }
        }
    }
    return false;
}

bool BgFetcher::cancel(const CookieIface& cookie) {
    MutexLock lock(mutex_);
    bool removed = false;
    for (auto entry = queue_.begin(); entry != queue_.end();) {
        auto& keys = entry->second.keys;
        for (auto key = keys.begin(); key != keys.end();) {
            auto& cookies = key->second;
            const auto before = cookies.size();
            std::erase(cookies, &cookie);
            removed = removed || cookies.size() != before;
            key = cookies.empty() ? keys.erase(key) : std::next(key);
        }
        entry = keys.empty() ? queue_.erase(entry) : std::next(entry);
    }
    return removed;
}

size_t BgFetcher::pending() const {
    MutexLock lock(mutex_);
    size_t keys = 0;
    for (const auto& [vbucket, entry] : queue_) {
        keys += entry.keys.size();
    }
    return keys;
}

void BgFetcher::fetch(VBucket& vbucket, const std::vector<std::string>& keys, Result& result) {
    constexpr int kAttempts = 3;
    std::vector<std::string> wanted = keys;
    for (int attempt = 0; attempt < kAttempts && !wanted.empty(); ++attempt) {
        const uint64_t epoch = vbucket.fetchEpoch();
        std::vector<bool> found(wanted.size(), false);
        store_.getMulti(vbucket.id(), wanted, [&](size_t index, DiskDocument&& document) {
            found[index] = true;
            const LoadedDocument loaded = viewOf(document);
            if (vbucket.restoreFetched(wanted[index], &loaded, document.deleted, epoch)) {
                ++result.restored;
            }
        });
        // Full eviction: a key the disk does not have is remembered as absent.
        for (size_t index = 0; index < wanted.size(); ++index) {
            if (!found[index]) {
                vbucket.restoreFetched(wanted[index], nullptr, true, epoch);
            }
        }
        std::erase_if(wanted,
                      [&vbucket](const std::string& key) { return !vbucket.needsFetch(key); });
    }
}

BgFetcher::Result BgFetcher::run(const VBucketMap& vbuckets) {
    Queue work;
    {
        MutexLock lock(mutex_);
        work.swap(queue_);
    }
    Result result;
    for (auto& [object, entry] : work) {
        std::vector<std::string> keys;
        keys.reserve(entry.keys.size());
        for (const auto& [key, cookies] : entry.keys) {
            keys.push_back(key);
        }
        result.keys += keys.size();
        const Vbid id = entry.vbucket->id();
        // Only into the vbucket object the command saw, and only while it is still the one
        // serving its id; otherwise the command runs again against what is there now.
        const bool current = vbuckets.get(id) == entry.vbucket;
        Status status = Status::Success;
        if (current) {
            try {
                fetch(*entry.vbucket, keys, result);
            } catch (const KVStoreError& error) {
                spdlog::error("background fetch from vbucket {} failed: {}", id.get(),
                              error.what());
                status = Status::Failed;
            }
        }
        // Every waiting command runs again: it finds the key in memory, or (changed or deleted
        // meanwhile) whatever the document is now. A key that still needs a fetch although the
        // disk was read gets a temporary failure rather than another fetch, so a command never
        // loops.
        for (auto& [key, cookies] : entry.keys) {
            Status outcome = status;
            if (current && outcome == Status::Success && entry.vbucket->needsFetch(key)) {
                outcome = Status::TemporaryFailure;
            }
            for (CookieIface* cookie : cookies) {
                server_.notifyIoComplete(*cookie, outcome);
            }
        }
    }
    return result;
}

}  // namespace eddy::engine
