// eddy — clang thread-safety annotation macros.
//
// Owns: the spelling of clang's -Wthread-safety attributes for the whole project. Under gcc they
// expand to nothing; the clang builds (tsan, asan-ubsan) use -Wthread-safety -Wthread-safety-beta
// -Werror=thread-safety, so every GUARDED_BY / REQUIRES written here is checked by the compiler in
// CI, and so is every ACQUIRED_BEFORE / ACQUIRED_AFTER (the lock order; the beta flag checks it).
// Thread contract: none (macros only).
#pragma once

#if defined(__clang__)
#define EDDY_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define EDDY_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) EDDY_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY EDDY_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) EDDY_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) EDDY_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) EDDY_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) EDDY_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define REQUIRES(...) EDDY_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) EDDY_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) EDDY_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) EDDY_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) EDDY_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) EDDY_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) EDDY_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) EDDY_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) EDDY_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) EDDY_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) EDDY_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS EDDY_THREAD_ANNOTATION(no_thread_safety_analysis)
