// eddy — annotated mutex wrappers.
//
// Owns: Mutex, SharedMutex and their scoped lock guards, carrying clang capability attributes
// (libstdc++'s std::mutex has none), so GUARDED_BY members are compiler-checked.
// Thread contract: Mutex and SharedMutex are thread-safe by definition; a lock guard object is
// used only by the thread that constructed it.
#pragma once

#include "eddy/thread_annotations.h"

#include <condition_variable>
#include <mutex>
#include <shared_mutex>

namespace eddy {

class CAPABILITY("mutex") Mutex {
public:
    Mutex() = default;
    Mutex(const Mutex&) = delete;
    Mutex& operator=(const Mutex&) = delete;

    void lock() ACQUIRE() { mutex_.lock(); }
    void unlock() RELEASE() { mutex_.unlock(); }
    bool tryLock() TRY_ACQUIRE(true) { return mutex_.try_lock(); }

    /// For std::condition_variable_any and friends; the caller holds the capability.
    std::mutex& native() { return mutex_; }

private:
    std::mutex mutex_;
};

class SCOPED_CAPABILITY MutexLock {
public:
    explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
    ~MutexLock() RELEASE() { mutex_.unlock(); }
    MutexLock(const MutexLock&) = delete;
    MutexLock& operator=(const MutexLock&) = delete;

private:
    Mutex& mutex_;
};

class CAPABILITY("shared_mutex") SharedMutex {
public:
    void lock() ACQUIRE() { mutex_.lock(); }
    void unlock() RELEASE() { mutex_.unlock(); }
    void lockShared() ACQUIRE_SHARED() { mutex_.lock_shared(); }
    void unlockShared() RELEASE_SHARED() { mutex_.unlock_shared(); }

private:
    std::shared_mutex mutex_;
};

class SCOPED_CAPABILITY WriterLock {
public:
    explicit WriterLock(SharedMutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
    ~WriterLock() RELEASE() { mutex_.unlock(); }
    WriterLock(const WriterLock&) = delete;
    WriterLock& operator=(const WriterLock&) = delete;

private:
    SharedMutex& mutex_;
};

class SCOPED_CAPABILITY ReaderLock {
public:
    explicit ReaderLock(SharedMutex& mutex) ACQUIRE_SHARED(mutex) : mutex_(mutex) {
        mutex_.lockShared();
    }
    ~ReaderLock() RELEASE() { mutex_.unlockShared(); }
    ReaderLock(const ReaderLock&) = delete;
    ReaderLock& operator=(const ReaderLock&) = delete;

private:
    SharedMutex& mutex_;
};

/// Waits on a condition variable with an annotated Mutex held by a MutexLock.
/// Usage: `while (!ready_) { waitOn(cv_, mutex_); }` inside a MutexLock scope.
inline void waitOn(std::condition_variable& cv, Mutex& mutex) REQUIRES(mutex) {
    std::unique_lock<std::mutex> native(mutex.native(), std::adopt_lock);
    cv.wait(native);
    native.release();
}

template <class Clock, class Duration>
inline std::cv_status waitUntil(std::condition_variable& cv, Mutex& mutex,
                                std::chrono::time_point<Clock, Duration> deadline) REQUIRES(mutex) {
    std::unique_lock<std::mutex> native(mutex.native(), std::adopt_lock);
    auto result = cv.wait_until(native, deadline);
    native.release();
    return result;
}

}  // namespace eddy
