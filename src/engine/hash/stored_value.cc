#include "engine/hash/stored_value.h"

namespace eddy::engine {

bool StoredValue::ejectValue() {
    if (!value_) {
        return false;
    }
    value_ = BlobPtr();
    return true;
}

void StoredValue::markDeleted() {
    deleted_ = true;
    value_ = BlobPtr();
    lock_expiry_ = 0;
}

size_t StoredValue::metadataFootprint() const {
    // The key's heap buffer counts only when it outgrew the small-string buffer.
    const size_t key_heap = key_.capacity() > 15 ? key_.capacity() + 1 : 0;
    return sizeof(StoredValue) + key_heap;
}

size_t StoredValue::footprint() const {
    return metadataFootprint() + (value_ ? value_->footprint() : 0);
}

}  // namespace eddy::engine
