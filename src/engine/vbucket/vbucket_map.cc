#include "engine/vbucket/vbucket_map.h"

namespace eddy::engine {

VBucketMap::VBucketMap(size_t max_vbuckets)
    : capacity_(max_vbuckets), slots_(std::make_unique<Slot[]>(max_vbuckets)) {}

std::shared_ptr<VBucket> VBucketMap::get(Vbid id) const {
    if (id.get() >= capacity_) {
        return nullptr;
    }
    const Slot& slot = slots_[id.get()];
    MutexLock lock(slot.mutex);
    return slot.vbucket;
}

bool VBucketMap::set(std::shared_ptr<VBucket> vbucket) {
    const Vbid id = vbucket->id();
    if (id.get() >= capacity_) {
        return false;
    }
    Slot& slot = slots_[id.get()];
    std::shared_ptr<VBucket> previous;
    {
        MutexLock lock(slot.mutex);
        previous = std::exchange(slot.vbucket, std::move(vbucket));
    }
    // `previous` (maybe the last reference) dies here, outside the slot lock.
    return true;
}

std::shared_ptr<VBucket> VBucketMap::remove(Vbid id) {
    if (id.get() >= capacity_) {
        return nullptr;
    }
    Slot& slot = slots_[id.get()];
    MutexLock lock(slot.mutex);
    return std::exchange(slot.vbucket, nullptr);
}

void VBucketMap::forEach(const std::function<void(VBucket&)>& visitor) const {
    for (size_t id = 0; id < capacity_; ++id) {
        if (auto vbucket = get(Vbid(static_cast<uint16_t>(id)))) {
            visitor(*vbucket);
        }
    }
}

size_t VBucketMap::count() const {
    size_t existing = 0;
    forEach([&existing](VBucket&) { ++existing; });
    return existing;
}

}  // namespace eddy::engine
