// eddy — a bucket's DCP connections and, per vbucket, the streams that follow it.
//
// Owns: DcpConnMap: the producers by name, and for each vbucket the list of streams reading
// it, so that a change, a state change or a dropped cursor reaches exactly those streams; and
// the ConnManager task (NONIO, every connection_manager_interval) that lets producers send
// noops and notice idle consumers.
//
// Semantics. add() registers a producer under its name; an older producer of that name is told
// it was replaced (its connection then disconnects). notifyVBucket() is the hot path: it runs
// after every change queued into a vbucket's checkpoints, on the thread that made it, with the
// key's hash-table stripe held; with no stream on the vbucket it is one relaxed load.
//
// Thread contract: thread-safe. mutex_ guards the producers; each vbucket's stream list has its
// own mutex. Lock order: hash-table stripe → a vbucket list's mutex → stream/producer leaf
// locks (a stream's changes_pending flag, the producer's processor queue, the executor). No
// method is called with mutex_ held except on producers' own leaf locks.
#pragma once

#include "common/mutex.h"
#include "eddy/engine_iface.h"
#include "eddy/types.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace eddy::engine::dcp {

class ActiveStream;
class DcpProducer;

struct DcpAggregates {
    uint64_t producers = 0;
    uint64_t items_sent = 0;
    uint64_t items_remaining = 0;
    uint64_t bytes_sent = 0;
    uint64_t uncompressed_bytes = 0;
    uint64_t ready_items = 0;
    uint64_t paused = 0;
};

class DcpConnMap {
public:
    explicit DcpConnMap(size_t max_vbuckets);
    ~DcpConnMap();
    DcpConnMap(const DcpConnMap&) = delete;
    DcpConnMap& operator=(const DcpConnMap&) = delete;

    /// Registers `producer`, replacing (and disconnecting) an older one of the same name.
    void add(const std::shared_ptr<DcpProducer>& producer) EXCLUDES(mutex_);
    /// Forgets `producer` if it is still the one registered under its name.
    void remove(const DcpProducer& producer) EXCLUDES(mutex_);

    void addStream(Vbid vbucket, std::shared_ptr<ActiveStream> stream);
    void removeStream(Vbid vbucket, const ActiveStream& stream);
    /// Streams following `vbucket` (a copy).
    [[nodiscard]] std::vector<std::shared_ptr<ActiveStream>> streams(Vbid vbucket) const;

    /// New changes in `vbucket` (see the file comment).
    void notifyVBucket(Vbid vbucket);
    /// `vbucket` changed state or was deleted: every producer ends its stream.
    void vbucketStateChanged(Vbid vbucket) EXCLUDES(mutex_);
    /// ConnManager tick.
    void manageConnections() EXCLUDES(mutex_);

    [[nodiscard]] std::vector<std::shared_ptr<DcpProducer>> producers() const EXCLUDES(mutex_);
    [[nodiscard]] DcpAggregates aggregates() const EXCLUDES(mutex_);

    /// STAT dcp: every producer's and stream's stats.
    void addStats(const AddStatFn& add_stat) const EXCLUDES(mutex_);
    /// STAT dcpagg <separator>: producers grouped by the part of their name before the first
    /// separator ("_unknown" for names without it), and "_total" over all of them.
    void addAggregatedStats(std::string_view separator, const AddStatFn& add_stat) const
        EXCLUDES(mutex_);

private:
    struct VBucketStreams {
        std::atomic<size_t> count{0};
        /// Lock order (across objects, written here): taken under the key's hash-table stripe
        /// (notifyVBucket runs in the vbucket's change listener); under it each stream's
        /// notifyChanges() takes its producer's processor_mutex_, then the executor's mutex_,
        /// one after the other. Never a stream's or a producer's mutex_.
        mutable Mutex mutex;
        std::vector<std::shared_ptr<ActiveStream>> streams GUARDED_BY(mutex);
    };

    VBucketStreams* slot(Vbid vbucket) const;

    /// A leaf: producers are copied out and called after it is released.
    mutable Mutex mutex_;
    std::map<std::string, std::shared_ptr<DcpProducer>, std::less<>> producers_ GUARDED_BY(mutex_);
    std::vector<std::unique_ptr<VBucketStreams>> vbuckets_;
};

}  // namespace eddy::engine::dcp
