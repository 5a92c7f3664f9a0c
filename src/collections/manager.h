// eddy — a bucket's collections: the manifest in force, replacing it, and keeping it on disk.
//
// Owns: Manager, the one holder of a bucket's current Manifest. Commands read it (is this
// collection id known, what is the manifest uid); SET_COLLECTIONS_MANIFEST replaces it.
//
// Semantics.
//   - A persistent bucket keeps the manifest in a file of its directory (`collections.json`),
//     written atomically and durably (a temporary file, fsync, rename, fsync of the directory)
//     BEFORE the new manifest is published: a client never sees a manifest that a crash could
//     take back. At construction the file is read if it exists; one that does not parse is an
//     error naming the file (nothing starts on a manifest it cannot trust: at start-up eddyd
//     stops with that message, and CREATE_BUCKET fails with it).
//     A file that cannot be examined (permissions) is an error too: starting from the default
//     manifest would forget the dropped ids.
//   - An ephemeral bucket keeps it in memory and starts from the default manifest each time.
//   - set() applies the successor rule (Manifest::refuseSuccessor); a repeated identical
//     manifest changes nothing.
//   - The ids of dropped collections are remembered (in the same file), and a manifest that
//     brings one back is refused: an id is never used again, so a document of a dropped
//     collection that is still being purged can never reappear in a new one. The bucket's
//     engine purges their documents: it reads dropped() when it starts and is told of each
//     drop by the drop listener.
//   - check() is the per-command check: whether a collection exists and the uid of the manifest
//     that says so (one snapshot, so an UNKNOWN_COLLECTION names the manifest that lacks it).
//     The default collection's usual answer is one atomic load; other ids read the manifest
//     under a short lock.
//   - Collection maxTTL is not enforced yet, so a manifest that sets one is refused
//     (NotSupported) rather than accepted and ignored.
//
// Thread contract: thread-safe. set() does file I/O and must run off the front-end threads
// (an executor thread, or the main thread at start-up); calls to it are serialised internally.
#pragma once

#include "collections/manifest.h"
#include "common/mutex.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace eddy::collections {

/// The manifest file's name in a bucket's directory.
inline constexpr const char* kManifestFileName = "collections.json";

class Manager {
public:
    /// Memory only (an ephemeral bucket), starting from the default manifest.
    Manager();
    /// Kept in `file` (the directory must exist by the first set()): loads it if it exists.
    /// Throws ManifestError naming the file if it cannot be read or is not a valid manifest.
    explicit Manager(std::string file);
    Manager(const Manager&) = delete;
    Manager& operator=(const Manager&) = delete;
    ~Manager() = default;

    /// The manifest in force (it stays valid for as long as the caller holds it).
    [[nodiscard]] std::shared_ptr<const Manifest> manifest() const EXCLUDES(mutex_);
    /// The uid of the manifest in force.
    [[nodiscard]] uint64_t uid() const { return uid_.load(std::memory_order_acquire); }
    /// Whether documents of a collection may be read and written, and by which manifest.
    struct Check {
        bool exists = false;
        /// The uid of the manifest the answer comes from (meaningful when !exists).
        uint64_t manifest_uid = 0;
        bool operator==(const Check&) const = default;
    };
    /// The per-command check of collection `id` (see Semantics).
    [[nodiscard]] Check check(CollectionId id) const EXCLUDES(mutex_);

    enum class Outcome : uint8_t {
        Applied,
        /// The same manifest again: nothing changed.
        Unchanged,
        /// Not a successor of the manifest in force (message says why).
        Refused,
        /// The file could not be written (message says why); the manifest in force is kept.
        Failed,
        /// The manifest asks for something not implemented (a collection maxTTL).
        NotSupported,
    };
    struct SetResult {
        Outcome outcome = Outcome::Applied;
        std::string message;
    };
    /// Replaces the manifest in force with `next` (see Semantics). Blocking file I/O.
    [[nodiscard]] SetResult set(const Manifest& next) EXCLUDES(set_mutex_, mutex_);

    /// Called by set() after it published a manifest that dropped collections, with their ids,
    /// on set()'s thread and under its serialisation (so it must be short and must not call
    /// set()). Replaces the previous listener; an empty function removes it, and once that
    /// returns the old listener is not running.
    using DropListener = std::function<void(const std::vector<CollectionId>& dropped)>;
    void setDropListener(DropListener listener) EXCLUDES(set_mutex_);
    /// Every collection id dropped so far.
    [[nodiscard]] std::vector<CollectionId> dropped() const EXCLUDES(set_mutex_);

    /// Where the manifest is kept ("" for memory only).
    [[nodiscard]] const std::string& file() const { return file_; }

private:
    void publish(std::shared_ptr<const Manifest> manifest) REQUIRES(set_mutex_) EXCLUDES(mutex_);

    const std::string file_;
    /// Serialises set(): the successor check and the write see the manifest they replace.
    mutable Mutex set_mutex_ ACQUIRED_BEFORE(mutex_);
    mutable Mutex mutex_;
    std::shared_ptr<const Manifest> current_ GUARDED_BY(mutex_);
    /// Ids of collections dropped from earlier manifests.
    std::vector<CollectionId> dropped_ GUARDED_BY(set_mutex_);
    DropListener drop_listener_ GUARDED_BY(set_mutex_);
    std::atomic<bool> default_exists_{true};
    std::atomic<uint64_t> uid_{0};
};

}  // namespace eddy::collections
