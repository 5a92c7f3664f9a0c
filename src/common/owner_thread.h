// eddy — the owner-thread assertion.
//
// Owns: OwnerThread, a record of which thread owns an object (a Connection, a Cookie), and
// EDDY_ASSERT_OWNER, which aborts with a message when another thread calls a mutator. It is
// the run-time half of the rule in ARCHITECTURE.md §1; clang's -Wthread-safety is the
// compile-time half for mutex-guarded state.
//
// The check is compiled in when EDDY_OWNER_CHECKS is defined (debug and sanitizer builds) and
// costs nothing in release builds.
// Thread contract: bind() on the owning thread before the object is shared; check() from any
// thread (it only reads the recorded id, which is written once before publication).
#pragma once

#include <thread>

namespace eddy {

class OwnerThread {
public:
    /// Records the calling thread as the owner.
    OwnerThread() : owner_(std::this_thread::get_id()) {}

    /// Re-binds to the calling thread (an object handed over before it is shared).
    void bind() { owner_ = std::this_thread::get_id(); }

    [[nodiscard]] bool isOwner() const { return owner_ == std::this_thread::get_id(); }

    /// Aborts the process, naming `what`, if the calling thread is not the owner.
    void check(const char* what) const;

private:
    std::thread::id owner_;
};

}  // namespace eddy

#if defined(EDDY_OWNER_CHECKS)
#define EDDY_ASSERT_OWNER(owner, what) (owner).check(what)
#else
#define EDDY_ASSERT_OWNER(owner, what) static_cast<void>(0)
#endif
