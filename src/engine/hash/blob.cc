#include "engine/hash/blob.h"

#include <algorithm>
#include <new>

namespace eddy::engine {

BlobPtr Blob::make(std::string_view bytes, ShardedCounter* counter) {
    // One allocation: the header and the bytes after it (data_ already has room for one).
    const size_t total = sizeof(Blob) + (bytes.empty() ? 0 : bytes.size() - 1);
    void* memory = ::operator new(total);
    auto* blob = new (memory) Blob(bytes.size(), counter);
    std::copy(bytes.begin(), bytes.end(), blob->data_);
    if (counter != nullptr) {
        counter->add(static_cast<int64_t>(blob->footprint()));
    }
    return Ptr(blob);
}

void Blob::release() const {
    // The last owner must see every write made through the other owners before freeing.
    if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        if (counter_ != nullptr) {
            counter_->sub(static_cast<int64_t>(footprint()));
        }
        this->~Blob();
        ::operator delete(const_cast<Blob*>(this));
    }
}

}  // namespace eddy::engine
