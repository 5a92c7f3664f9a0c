// EpBucket: the key operations. Each finds the active vbucket (active()), admits a write
// (MemoryManager), runs the VBucket operation, turns its VBucketResult into a Status
// (toStatus, the one place a background fetch is started) and counts the outcome.
#include "engine/ep_bucket_engine.h"

namespace eddy::engine {

namespace {

ItemPtr toItem(const Document& document) {
    return std::make_shared<const Item>(document.key, document.value ? document.value->view() : "",
                                        document.flags, document.expiry, document.cas,
                                        document.datatype);
}

void fill(MutationResult& result, const MutationInfo& info) {
    result.cas = info.cas;
    result.seqno = info.seqno;
    result.vbucket_uuid = info.vbucket_uuid;
}

}  // namespace

std::shared_ptr<VBucket> EpBucket::active(CookieIface& cookie, Vbid id, Status& refusal) {
    if (!persistence_.ready()) {
        refusal = Status::TemporaryFailure;  // the documents are still being loaded
        return nullptr;
    }
    auto vbucket = vbuckets_.get(id);
    if (vbucket && vbucket->state() == VBucketState::Pending) {
        Wait wait;
        wait.kind = Wait::Kind::VBucketState;
        wait.vbucket = id;
        wait.deadline = executorNow() + config_.pending_op_timeout;
        // The state is checked again under the registry's lock, which a state change takes
        // (releaseVBucket) after storing the new state, so no parked command is missed.
        if (parked_.park(cookie, wait,
                         [&vbucket] { return vbucket->state() == VBucketState::Pending; })) {
            refusal = Status::WouldBlock;
            return nullptr;
        }
    }
    if (!vbucket || vbucket->state() != VBucketState::Active) {
        bump(counters_.forVBucket(id).not_my_vbucket);
        refusal = Status::NotMyVbucket;
        return nullptr;
    }
    return vbucket;
}

std::shared_ptr<VBucket> EpBucket::writable(CookieIface& cookie, Vbid id, OpCounters& counters,
                                            bool deletion, Status& refusal) {
    auto vbucket = active(cookie, id, refusal);
    if (!vbucket) {
        return nullptr;
    }
    refusal =
        deletion ? memory_manager_.admitDelete(counters) : memory_manager_.admitWrite(counters);
    return refusal == Status::Success ? vbucket : nullptr;
}

Status EpBucket::toStatus(CookieIface& cookie, Vbid id, std::string_view key,
                          VBucketResult result) {
    return result.needsBgFetch() ? persistence_.fetch(cookie, id, key) : result.status();
}

void EpBucket::countCollectionOp(VBucket& vbucket, std::string_view key, Status status,
                                 CollectionCounts::Op op) const {
    // A read counts whether it found the document or not; a change only when it was made.
    // WouldBlock is not counted: the command runs again and counts then. A dropped collection
    // (a command that raced its drop) has no counters left to count in.
    if (collections_.dropped().containsKey(key)) {
        return;
    }
    if (status == Status::Success ||
        (op == CollectionCounts::Op::Get && status == Status::KeyNotFound)) {
        vbucket.collectionCounts().countOp(key, op);
    }
}

Status EpBucket::get(CookieIface& cookie, DocKey key, Vbid id, ItemPtr& out) {
    OpCounters& counters = counters_.forVBucket(id);
    bump(counters.cmd_get);
    Status refusal = Status::Success;
    auto vbucket = active(cookie, id, refusal);
    if (!vbucket) {
        return refusal;
    }
    Document document;
    const Status status = toStatus(cookie, id, key.bytes(), vbucket->get(key.bytes(), document));
    if (status == Status::Success) {
        bump(counters.get_hits);
        out = toItem(document);
    } else if (status == Status::KeyNotFound) {
        bump(counters.get_misses);
    }
    countCollectionOp(*vbucket, key.bytes(), status, CollectionCounts::Op::Get);
    return status;
}

Status EpBucket::getReplica(CookieIface& cookie, DocKey key, Vbid id, ItemPtr& out) {
    if (!persistence_.ready()) {
        return Status::TemporaryFailure;
    }
    auto vbucket = vbuckets_.get(id);
    if (!vbucket || vbucket->state() != VBucketState::Replica) {
        bump(counters_.forVBucket(id).not_my_vbucket);
        return Status::NotMyVbucket;
    }
    Document document;
    const Status status =
        toStatus(cookie, id, key.bytes(), vbucket->get(key.bytes(), document, /*expire=*/false));
    if (status == Status::Success) {
        out = toItem(document);
    }
    return status;
}

Status EpBucket::getAndTouch(CookieIface& cookie, DocKey key, Vbid id, uint32_t exptime,
                             ItemPtr& out) {
    OpCounters& counters = counters_.forVBucket(id);
    bump(counters.cmd_touch);
    Status refusal = Status::Success;
    auto vbucket = writable(cookie, id, counters, /*deletion=*/false, refusal);
    if (!vbucket) {
        return refusal;
    }
    Document document;
    MutationInfo info;
    const Status status = toStatus(cookie, id, key.bytes(),
                                   vbucket->getAndTouch(key.bytes(), exptime, document, info));
    if (status == Status::Success) {
        bump(counters.touch_hits);
        out = toItem(document);
    } else if (status == Status::KeyNotFound) {
        bump(counters.touch_misses);
    }
    countCollectionOp(*vbucket, key.bytes(), status, CollectionCounts::Op::Store);
    return status;
}

Status EpBucket::store(CookieIface& cookie, const StoreRequest& request, MutationResult& result) {
    OpCounters& counters = counters_.forVBucket(request.vbucket);
    bump(counters.cmd_set);
    Status refusal = Status::Success;
    auto vbucket = writable(cookie, request.vbucket, counters, /*deletion=*/false, refusal);
    if (!vbucket) {
        return refusal;
    }
    MutationInfo info;
    const Status status =
        toStatus(cookie, request.vbucket, request.key.bytes(), vbucket->store(request, info));
    if (request.cas != 0) {
        if (status == Status::Success) {
            bump(counters.cas_hits);
        } else if (status == Status::KeyExists) {
            bump(counters.cas_badval);
        } else if (status == Status::KeyNotFound) {
            bump(counters.cas_misses);
        }
    }
    if (status == Status::Success) {
        bump(counters.total_items);
        fill(result, info);
    }
    countCollectionOp(*vbucket, request.key.bytes(), status, CollectionCounts::Op::Store);
    return status;
}

Status EpBucket::remove(CookieIface& cookie, DocKey key, Vbid id, Cas cas, MutationResult& result) {
    OpCounters& counters = counters_.forVBucket(id);
    Status refusal = Status::Success;
    auto vbucket = writable(cookie, id, counters, /*deletion=*/true, refusal);
    if (!vbucket) {
        return refusal;
    }
    MutationInfo info;
    const Status status =
        toStatus(cookie, id, key.bytes(), vbucket->remove(key.bytes(), cas, info));
    if (status == Status::Success) {
        bump(counters.delete_hits);
        fill(result, info);
    } else if (status == Status::KeyNotFound) {
        bump(counters.delete_misses);
    }
    countCollectionOp(*vbucket, key.bytes(), status, CollectionCounts::Op::Delete);
    return status;
}

Status EpBucket::arithmetic(CookieIface& cookie, const ArithmeticRequest& request, uint64_t& value,
                            MutationResult& result) {
    OpCounters& counters = counters_.forVBucket(request.vbucket);
    Status refusal = Status::Success;
    auto vbucket = writable(cookie, request.vbucket, counters, /*deletion=*/false, refusal);
    if (!vbucket) {
        return refusal;
    }
    MutationInfo info;
    bool created = false;
    const Status status = toStatus(cookie, request.vbucket, request.key.bytes(),
                                   vbucket->arithmetic(request, value, info, created));
    auto& hits = request.increment ? counters.incr_hits : counters.decr_hits;
    auto& misses = request.increment ? counters.incr_misses : counters.decr_misses;
    if (status == Status::KeyNotFound || (status == Status::Success && created)) {
        bump(misses);
    } else if (status == Status::Success) {
        bump(hits);
    }
    if (status == Status::Success) {
        bump(counters.total_items);
        fill(result, info);
    }
    countCollectionOp(*vbucket, request.key.bytes(), status, CollectionCounts::Op::Store);
    return status;
}

Status EpBucket::getLocked(CookieIface& cookie, DocKey key, Vbid id, uint32_t lock_seconds,
                           ItemPtr& out) {
    bump(counters_.forVBucket(id).cmd_lock);
    Status refusal = Status::Success;
    auto vbucket = active(cookie, id, refusal);
    if (!vbucket) {
        return refusal;
    }
    Document document;
    const Status status =
        toStatus(cookie, id, key.bytes(), vbucket->getLocked(key.bytes(), lock_seconds, document));
    if (status == Status::Success) {
        out = toItem(document);
    }
    countCollectionOp(*vbucket, key.bytes(), status, CollectionCounts::Op::Get);
    return status;
}

Status EpBucket::unlock(CookieIface& cookie, DocKey key, Vbid id, Cas cas) {
    Status refusal = Status::Success;
    auto vbucket = active(cookie, id, refusal);
    if (!vbucket) {
        return refusal;
    }
    return toStatus(cookie, id, key.bytes(), vbucket->unlock(key.bytes(), cas));
}

Status EpBucket::getMeta(CookieIface& cookie, DocKey key, Vbid id, ItemMeta& out) {
    Status refusal = Status::Success;
    auto vbucket = active(cookie, id, refusal);
    if (!vbucket) {
        return refusal;
    }
    const Status status = toStatus(cookie, id, key.bytes(), vbucket->getMeta(key.bytes(), out));
    countCollectionOp(*vbucket, key.bytes(), status, CollectionCounts::Op::Get);
    return status;
}

}  // namespace eddy::engine
