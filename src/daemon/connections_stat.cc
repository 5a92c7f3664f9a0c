#include "daemon/connections_stat.h"

#include "daemon/cookie.h"
#include "daemon/front_end.h"
#include "daemon/server.h"

#include <algorithm>

namespace eddy::daemon {

namespace {

/// Shared by the jobs of one collection; the last one to let go completes the command.
class Fanout {
public:
    Fanout(Server& server, Cookie& cookie) : server_(server), cookie_(cookie) {}
    ~Fanout() { server_.notifyIoComplete(cookie_, Status::Success); }
    Fanout(const Fanout&) = delete;
    Fanout& operator=(const Fanout&) = delete;

private:
    Server& server_;
    /// Only handed to notifyIoComplete (ARCHITECTURE.md §1).
    Cookie& cookie_;
};

}  // namespace

void ConnectionsResult::add(uint64_t id, std::string key, std::string value) {
    MutexLock lock(mutex_);
    entries_.push_back({id, std::move(key), std::move(value)});
}

std::vector<std::pair<std::string, std::string>> ConnectionsResult::take() {
    std::vector<Entry> entries;
    {
        MutexLock lock(mutex_);
        entries.swap(entries_);
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.id < b.id; });
    std::vector<std::pair<std::string, std::string>> pairs;
    pairs.reserve(entries.size());
    for (Entry& entry : entries) {
        pairs.emplace_back(std::move(entry.key), std::move(entry.value));
    }
    return pairs;
}

void collectConnections(Server& server, Cookie& cookie, std::optional<uint64_t> only,
                        const std::shared_ptr<ConnectionsResult>& result) {
    auto fanout = std::make_shared<Fanout>(server, cookie);
    server.forEachFrontEnd([&](FrontEnd& front_end) {
        front_end.post([&front_end, fanout, result, only] {
            (void)fanout;  // held, not used: its destructor completes the command
            if (result->cancelled()) {
                return;
            }
            front_end.describeConnections(
                only, [&result](uint64_t id, std::string key, std::string value) {
                    result->add(id, std::move(key), std::move(value));
                });
        });
    });
    // The jobs hold the last references now.
}

}  // namespace eddy::daemon
