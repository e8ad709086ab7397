// Clang's thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html), as
// LevelDB's port/thread_annotations.h has them. With clang and -Wthread-safety the compiler checks
// that every GUARDED_BY member is touched only with its mutex held; elsewhere (GCC) they expand to
// nothing. libstdc++'s std::mutex carries no annotations: guard members with common/mutex.h.
#pragma once

#if defined(__clang__)
#define JOBSTREAM_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define JOBSTREAM_THREAD_ANNOTATION(x)
#endif

// On a class: it is a capability (a mutex); the name appears in the warnings.
#define CAPABILITY(x) JOBSTREAM_THREAD_ANNOTATION(capability(x))
// On a class: an RAII holder of a capability (a lock guard).
#define SCOPED_CAPABILITY JOBSTREAM_THREAD_ANNOTATION(scoped_lockable)

// On a member: read or written only with the capability held.
#define GUARDED_BY(x) JOBSTREAM_THREAD_ANNOTATION(guarded_by(x))
// On a pointer member: what it points to is guarded (the pointer itself is not).
#define PT_GUARDED_BY(x) JOBSTREAM_THREAD_ANNOTATION(pt_guarded_by(x))

// On a mutex member: the lock order.
#define ACQUIRED_BEFORE(...) JOBSTREAM_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) JOBSTREAM_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))

// On a function: the caller must hold (REQUIRES) or must not hold (EXCLUDES) the capability.
#define REQUIRES(...) JOBSTREAM_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) JOBSTREAM_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define EXCLUDES(...) JOBSTREAM_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))

// On a function: it takes or releases the capability (no argument: `this`).
#define ACQUIRE(...) JOBSTREAM_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) JOBSTREAM_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) JOBSTREAM_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) JOBSTREAM_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) JOBSTREAM_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))

// On a function: tells the analysis the capability is held here (checked at run time, if at all,
// by the function itself).
#define ASSERT_CAPABILITY(x) JOBSTREAM_THREAD_ANNOTATION(assert_capability(x))
// On a function: it returns a reference to the capability.
#define RETURN_CAPABILITY(x) JOBSTREAM_THREAD_ANNOTATION(lock_returned(x))

// On a function: not checked. Each use says why in a comment.
#define NO_THREAD_SAFETY_ANALYSIS JOBSTREAM_THREAD_ANNOTATION(no_thread_safety_analysis)
