// eddy — the engine of a connection that has no bucket selected.
//
// Owns: NoBucketEngine, which answers every engine call NoBucket (MCBP NO_BUCKET 0x08), so a
// key command on a connection that has authenticated but not selected a bucket gets a clear
// answer instead of reaching some bucket. The only exception is the default STAT group, whose
// bucket part is empty (the daemon's own counters are still reported).
//
// Thread contract: stateless; any thread.
#pragma once

#include "eddy/engine_iface.h"

namespace eddy::daemon {

class NoBucketEngine final : public EngineIface {
public:
    using EngineIface::getStats;

    Status get(CookieIface&, DocKey, Vbid, ItemPtr&) override { return Status::NoBucket; }
    Status getAndTouch(CookieIface&, DocKey, Vbid, uint32_t, ItemPtr&) override {
        return Status::NoBucket;
    }
    Status store(CookieIface&, const StoreRequest&, MutationResult&) override {
        return Status::NoBucket;
    }
    Status remove(CookieIface&, DocKey, Vbid, Cas, MutationResult&) override {
        return Status::NoBucket;
    }
    Status arithmetic(CookieIface&, const ArithmeticRequest&, uint64_t&, MutationResult&) override {
        return Status::NoBucket;
    }
    Status flush(CookieIface&) override { return Status::NoBucket; }
    Status getLocked(CookieIface&, DocKey, Vbid, uint32_t, ItemPtr&) override {
        return Status::NoBucket;
    }
    Status unlock(CookieIface&, DocKey, Vbid, Cas) override { return Status::NoBucket; }
    Status getMeta(CookieIface&, DocKey, Vbid, ItemMeta&) override { return Status::NoBucket; }
    Status getReplica(CookieIface&, DocKey, Vbid, ItemPtr&) override { return Status::NoBucket; }
    Status setVBucketState(CookieIface&, Vbid, uint32_t) override { return Status::NoBucket; }
    Status getVBucketState(CookieIface&, Vbid, uint32_t&) override { return Status::NoBucket; }
    Status deleteVBucket(CookieIface&, Vbid) override { return Status::NoBucket; }
    Status getAllVbSeqnos(CookieIface&, uint32_t, std::vector<VBucketSeqno>&) override {
        return Status::NoBucket;
    }
    Status getStats(CookieIface&, const StatGroupInfo& group, const StatArgs&,
                    const AddStatFn&) override {
        return group.id == StatGroupId::Default ? Status::Success : Status::NoBucket;
    }
    Status setParameter(CookieIface&, uint32_t, std::string_view, std::string_view,
                        std::string&) override {
        return Status::NoBucket;
    }
    [[nodiscard]] bool isReady() const override { return true; }
    Status seqnoPersistence(CookieIface&, Vbid, uint64_t) override { return Status::NoBucket; }
    Status observeSeqno(CookieIface&, Vbid, uint64_t, ObserveSeqnoResult&) override {
        return Status::NoBucket;
    }
    Status compactDatabase(CookieIface&, const CompactRequest&) override {
        return Status::NoBucket;
    }
    Status unknownCommand(CookieIface&, const EngineCommand&, const EngineResponseFn&) override {
        return Status::NoBucket;
    }
    void disconnect(CookieIface&) override {}
};

}  // namespace eddy::daemon
