// eddy — a bucket's DCP side: DcpIface over the bucket's vbuckets.
//
// Owns: the bucket's DcpConnMap (producers by name, streams by vbucket), the count of running
// backfills, the ConnManager task (noops, idle disconnects), and the DcpIface the front end
// calls for DCP opcodes. A producer lives in its connection's storage slot
// (CookieIface::setConnectionStorage); the methods here find it there and delegate
// (src/engine/dcp/, docs/dcp.md). The change listeners of the vbuckets call conns().notifyVBucket
// and a state change or deletion calls conns().vbucketStateChanged.
//
// Thread contract: the DcpIface methods run on the front-end thread of the cookie's connection;
// the ConnManager on a NONIO thread; DcpConnMap is thread-safe.
#pragma once

#include "eddy/dcp_iface.h"
#include "engine/config/configuration.h"
#include "engine/dcp/dcp_conn_map.h"
#include "engine/kvstore/kvstore.h"
#include "engine/vbucket/dropped_collections.h"
#include "engine/vbucket/vbucket_map.h"
#include "executor/executor_pool_iface.h"
#include "executor/taskable.h"

#include <atomic>
#include <cstdint>
#include <functional>

namespace eddy::engine {

namespace dcp {
class DcpProducer;
}

class BucketDcp final : public DcpIface {
public:
    struct Environment {
        ServerApi& server;
        const config::Configuration& configuration;
        VBucketMap& vbuckets;
        executor::Taskable& taskable;
        /// Producers need it for their backfill and checkpoint tasks: without one (unit tests)
        /// the bucket offers no DCP (EpBucket::dcp() is null) and nothing here is called but
        /// conns().
        executor::ExecutorPoolIface* executor = nullptr;
        /// Null for an ephemeral bucket.
        KVStore* store = nullptr;
        /// False while the bucket warms up (DCP_OPEN answers TemporaryFailure).
        std::function<bool()> ready;
        /// The bucket's memory, for backfill_mem_threshold; null = never above it.
        const BucketMemory* memory = nullptr;
        /// The bucket's dropped collections, whose changes streams no longer send; null: none.
        const DroppedCollections* dropped = nullptr;
    };

    BucketDcp(size_t max_vbuckets, Environment environment);

    void startTasks();
    [[nodiscard]] dcp::DcpConnMap& conns() { return conns_; }
    /// The ep_dcp_* keys of the default group.
    void addAggregates(const AddStatFn& add_stat) const;
    /// The producer of `cookie`'s connection, or nullptr (not a DCP connection).
    static dcp::DcpProducer* producerOf(CookieIface& cookie);

    Status open(CookieIface& cookie, std::string_view name, uint32_t flags,
                std::string& message) override;
    Status control(CookieIface& cookie, std::string_view key, std::string_view value, bool snappy,
                   std::string& message) override;
    Status streamRequest(CookieIface& cookie, const DcpStreamRequest& request,
                         DcpStreamResponse& out, std::string& message) override;
    Status getFailoverLog(CookieIface& cookie, Vbid vbucket, std::string& out) override;
    Status closeStream(CookieIface& cookie, Vbid vbucket) override;
    Status bufferAcknowledgement(CookieIface& cookie, uint32_t bytes) override;
    Status response(CookieIface& cookie, uint8_t opcode, uint16_t status, uint32_t opaque) override;
    Status step(CookieIface& cookie, DcpMessageSink& sink) override;

private:
    const Environment env_;
    dcp::DcpConnMap conns_;
    std::atomic<uint64_t> running_backfills_{0};
};

}  // namespace eddy::engine
