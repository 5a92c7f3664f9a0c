// eddy — an immutable, reference-counted document value.
//
// Owns: Blob (size + bytes in one allocation, with an intrusive atomic reference count and the
// memory counter it is charged to) and
// BlobPtr, the handle that shares it. A StoredValue holds its value as a BlobPtr, so a reader
// (a GET response, a DCP message, the flusher) can keep the bytes alive after the hash-table
// lock is released while a writer installs a new value.
// Thread contract: a Blob is immutable after make(); BlobPtr copies may live on any thread
// (the count is atomic; acquire/release ordering on the last release).
#pragma once

#include "common/sharded_counter.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace eddy::engine {

class Blob {
public:
    class Ptr;

    /// A new blob holding a copy of `bytes`. When `counter` is given, footprint() is added to
    /// it now and subtracted when the blob is freed (a bucket's value memory); the counter must
    /// outlive the blob.
    static Ptr make(std::string_view bytes, ShardedCounter* counter = nullptr);

    [[nodiscard]] std::string_view view() const { return {data_, size_}; }
    [[nodiscard]] size_t size() const { return size_; }
    /// Bytes of memory this blob occupies.
    [[nodiscard]] size_t footprint() const { return sizeof(Blob) + size_; }

    Blob(const Blob&) = delete;
    Blob& operator=(const Blob&) = delete;

private:
    Blob(size_t size, ShardedCounter* counter)
        : counter_(counter), size_(static_cast<uint32_t>(size)) {}
    void retain() const { references_.fetch_add(1, std::memory_order_relaxed); }
    void release() const;

    ShardedCounter* const counter_;
    mutable std::atomic<uint32_t> references_{1};
    const uint32_t size_;
    char data_[1];  // really size_ bytes: the blob is allocated with room for them
};

/// Shared ownership of a Blob (like std::shared_ptr, one allocation, one word).
class Blob::Ptr {
public:
    Ptr() = default;
    Ptr(const Ptr& other) : blob_(other.blob_) {
        if (blob_ != nullptr) {
            blob_->retain();
        }
    }
    Ptr(Ptr&& other) noexcept : blob_(std::exchange(other.blob_, nullptr)) {}
    Ptr& operator=(Ptr other) noexcept {
        std::swap(blob_, other.blob_);
        return *this;
    }
    ~Ptr() {
        if (blob_ != nullptr) {
            blob_->release();
        }
    }

    [[nodiscard]] const Blob* get() const { return blob_; }
    const Blob* operator->() const { return blob_; }
    const Blob& operator*() const { return *blob_; }
    explicit operator bool() const { return blob_ != nullptr; }

private:
    friend class Blob;
    explicit Ptr(const Blob* adopted) : blob_(adopted) {}
    const Blob* blob_ = nullptr;
};

using BlobPtr = Blob::Ptr;

}  // namespace eddy::engine
