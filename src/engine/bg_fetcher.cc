#include "engine/bg_fetcher.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace eddy::engine {

BgFetcher::BgFetcher(KVStore& store, ServerApi& server) : store_(store), server_(server) {}

bool BgFetcher::add(Vbid vbucket, std::string_view key, CookieIface& cookie) {
    MutexLock lock(mutex_);
    const bool was_empty = queue_.empty();
    auto& keys = queue_[vbucket];
    auto found = keys.find(key);
    if (found == keys.end()) {
        found = keys.emplace(std::string(key), std::vector<CookieIface*>{}).first;
    }
    found->second.push_back(&cookie);
    return was_empty;
}

bool BgFetcher::cancel(const CookieIface& cookie) {
    MutexLock lock(mutex_);
    bool removed = false;
    for (auto vbucket = queue_.begin(); vbucket != queue_.end();) {
        for (auto key = vbucket->second.begin(); key != vbucket->second.end();) {
            auto& cookies = key->second;
            const auto before = cookies.size();
            std::erase(cookies, &cookie);
            removed = removed || cookies.size() != before;
            key = cookies.empty() ? vbucket->second.erase(key) : std::next(key);
        }
        vbucket = vbucket->second.empty() ? queue_.erase(vbucket) : std::next(vbucket);
    }
    return removed;
}

size_t BgFetcher::pending() const {
    MutexLock lock(mutex_);
    size_t keys = 0;
    for (const auto& [vbucket, waiting] : queue_) {
        keys += waiting.size();
    }
    return keys;
}

BgFetcher::Result BgFetcher::run(const VBucketMap& vbuckets) {
    Queue work;
    {
        MutexLock lock(mutex_);
        work.swap(queue_);
    }
    Result result;
    for (auto& [id, waiting] : work) {
        std::vector<std::string> keys;
        keys.reserve(waiting.size());
        for (const auto& [key, cookies] : waiting) {
            keys.push_back(key);
        }
        result.keys += keys.size();
        Status status = Status::Success;
        auto vbucket = vbuckets.get(id);
        std::vector<bool> found(keys.size(), false);
        try {
            store_.getMulti(id, keys, [&](size_t index, DiskDocument&& document) {
                found[index] = true;
                if (!vbucket) {
                    return;
                }
                LoadedDocument loaded;
                loaded.key = document.key;
                loaded.value = document.value;
                loaded.flags = document.flags;
                loaded.expiry = document.expiry;
                loaded.cas = document.cas;
                loaded.datatype = document.datatype;
                loaded.by_seqno = document.by_seqno;
                loaded.rev_seqno = document.rev_seqno;
                vbucket->restoreFetched(keys[index], &loaded, document.deleted);
                ++result.restored;
            });
            // Full eviction: a key the disk does not have is remembered as absent.
            for (size_t index = 0; index < keys.size() && vbucket; ++index) {
                if (!found[index]) {
                    vbucket->restoreFetched(keys[index], nullptr, true);
                }
            }
        } catch (const KVStoreError& error) {
            spdlog::error("background fetch from vbucket {} failed: {}", id.get(), error.what());
            status = Status::Failed;
        }
        // Every waiting command runs again: it finds the value, or (changed or deleted
        // meanwhile) whatever the document is now. A value that is still missing although the
        // disk was read (evicted again at once, or not on disk in that version) gets a
        // temporary failure rather than another fetch, so a command never loops.
        for (size_t index = 0; index < keys.size(); ++index) {
            Status outcome = status;
            if (outcome == Status::Success && vbucket && vbucket->needsFetch(keys[index])) {
                outcome = Status::TemporaryFailure;
            }
            for (CookieIface* cookie : waiting.find(keys[index])->second) {
                server_.notifyIoComplete(*cookie, outcome);
            }
        }
    }
    return result;
}

}  // namespace eddy::engine
