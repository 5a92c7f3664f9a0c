// eddy — the buckets of the server: which exist, creating them, deleting them, the saved list.
//
// Owns: Bucket (one engine instance with its name and configuration), BucketManager (the map
// of buckets by name and the bucket list file), and the rules of bucket names.
//
// Semantics.
//   - A bucket is Creating (its engine is being built on the executor: invisible to SELECT and
//     LIST, but its name is taken), Ready, or gone. Deletion removes it from the map at once
//     (new SELECT_BUCKETs answer KEY_ENOENT), so the only references left are those of the
//     connections that had it selected and of the deletion itself.
//   - Each connection that selects a bucket holds a shared_ptr to it (Session); the engine is
//     destroyed only by the deletion, on the executor, after every other reference is gone,
//     which also means that no command of the bucket is still blocked in it (a blocked command
//     keeps its connection, hence its reference, alive until its notification). Never on a
//     front-end thread.
//   - The list of buckets (name and configuration string) is saved to <data_dir>/buckets.json
//     after every creation and deletion, and read at start-up; without the file the server has
//     one bucket, "default". The configuration of "default" is always the daemon's bucket
//     parameters (the "bucket" key of the config file, --bucket-config).
//   - Each bucket keeps its files in <data_dir>/<name> (or its `dbname`), its collections
//     manifest among them (collections.json; an ephemeral bucket keeps it in memory).
//
// Thread contract: BucketManager is thread-safe (a mutex guards the map; the engine work of
// creation and deletion runs outside it, on the caller's thread, which must be an executor
// thread or the main thread). A Bucket's name and parameters are immutable; engine() may be
// used by anyone holding a reference.
#pragma once

#include "collections/manager.h"
#include "common/mutex.h"
#include "daemon/cluster_config.h"
#include "daemon/settings.h"
#include "eddy/engine_iface.h"
#include "engine/config/values.h"

#include <condition_variable>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::executor {
class ExecutorPool;
}

namespace eddy::daemon {

class Bucket {
public:
    Bucket(std::string name, std::string config)
        : name_(std::move(name)), config_(std::move(config)), cluster_config_(name_) {}

    [[nodiscard]] const std::string& name() const { return name_; }
    /// The configuration string it was created with ("" for "default": the daemon's).
    [[nodiscard]] const std::string& config() const { return config_; }
    /// Only for holders of a Use (or the manager).
    [[nodiscard]] EngineIface& engine() const { return *engine_; }
    /// The cluster map clients of this bucket are served. Thread-safe.
    [[nodiscard]] ClusterConfig& clusterConfig() const { return cluster_config_; }
    /// The bucket's scopes and collections (set with the engine). Thread-safe.
    [[nodiscard]] collections::Manager& collections() const { return *collections_; }
    /// The same, for background work that must keep it alive on its own.
    [[nodiscard]] std::shared_ptr<collections::Manager> sharedCollections() const {
        return collections_;
    }

    /// A user's hold on the bucket (a connection that has it selected, a metrics scrape): the
    /// engine stays until every Use is gone. Move-only.
    class Use {
    public:
        Use() = default;
        explicit Use(std::shared_ptr<Bucket> bucket);
        ~Use() { reset(); }
        Use(Use&& other) noexcept : bucket_(std::move(other.bucket_)) {}
        Use& operator=(Use&& other) noexcept;
        Use(const Use&) = delete;
        Use& operator=(const Use&) = delete;

        void reset();
        [[nodiscard]] Bucket* get() const { return bucket_.get(); }
        [[nodiscard]] explicit operator bool() const { return bucket_ != nullptr; }
        Bucket* operator->() const { return bucket_.get(); }

    private:
        std::shared_ptr<Bucket> bucket_;
    };

private:
    friend class BucketManager;
    /// Blocks until no Use is left.
    void waitForNoUsers() EXCLUDES(users_mutex_);

    const std::string name_;
    const std::string config_;
    mutable ClusterConfig cluster_config_;
    /// Set once Ready (under the manager's mutex, before anyone can find it); reset by the
    /// deletion once waitForNoUsers() returned.
    std::unique_ptr<EngineIface> engine_;
    /// Set with engine_ (before it, under the manager's mutex, so whoever finds the bucket
    /// Ready sees it), kept until the Bucket goes.
    std::shared_ptr<collections::Manager> collections_;
    Mutex users_mutex_;
    std::condition_variable users_gone_;
    size_t users_ GUARDED_BY(users_mutex_) = 0;
};

class BucketManager {
public:
    /// `server` is what the engines call back; `executor` runs their tasks.
    BucketManager(const Settings& settings, ServerApi& server, executor::ExecutorPool& executor);
    ~BucketManager();
    BucketManager(const BucketManager&) = delete;
    BucketManager& operator=(const BucketManager&) = delete;

    /// Creates the buckets of the saved list (or "default"). Main thread, at start-up. Throws
    /// std::runtime_error naming the bucket and the problem.
    void loadAtStartup();

    /// The Ready bucket `name`, or null.
    [[nodiscard]] std::shared_ptr<Bucket> find(std::string_view name) const EXCLUDES(mutex_);
    /// The names of the Ready buckets, sorted.
    [[nodiscard]] std::vector<std::string> names() const EXCLUDES(mutex_);

    /// CREATE_BUCKET, step 1 (any thread): checks the name and the configuration and reserves
    /// the name. Success, or KeyExists / InvalidArguments with `message` saying why.
    Status reserve(std::string_view name, std::string_view config, std::string& message)
        EXCLUDES(mutex_);
    /// Step 2 (an executor thread): builds the engine of the reserved bucket and makes it Ready,
    /// then saves the list. Failed (the name is free again) with `message` if the engine could
    /// not be built.
    Status create(std::string_view name, std::string& message) EXCLUDES(mutex_);

    /// DELETE_BUCKET, step 1 (any thread): removes the Ready bucket from the map and returns it
    /// (null if there is none: KEY_ENOENT). The caller makes its connections close.
    [[nodiscard]] std::shared_ptr<Bucket> detach(std::string_view name) EXCLUDES(mutex_);
    /// Step 2 (an executor thread): waits until no Use of `bucket` is left, destroys its engine
    /// (which first persists what it has queued, unless `force` or the files go anyway),
    /// removes its files unless `keep_data`, saves the list.
    void destroy(std::shared_ptr<Bucket> bucket, bool keep_data, bool force) EXCLUDES(mutex_);

    /// Shutdown (main thread, after the front ends have stopped): destroys every engine.
    void destroyAll() EXCLUDES(mutex_);

    /// 1-100 characters of A-Z a-z 0-9 _ - . %; nullopt if valid, else why not.
    [[nodiscard]] static std::optional<std::string> checkName(std::string_view name);

private:
    /// The parameters of bucket `name` with configuration `config`; throws SettingsError.
    [[nodiscard]] engine::config::Values parametersOf(std::string_view name,
                                                      std::string_view config) const;
    /// Builds the bucket's collections manager and engine (the bucket is not yet findable).
    /// Throws what they throw.
    void build(Bucket& bucket, const engine::config::Values& parameters);
    /// The bucket's engine, sharing the bucket's collections manager.
    [[nodiscard]] std::unique_ptr<EngineIface> makeEngine(
        const std::string& name, const engine::config::Values& parameters,
        std::shared_ptr<collections::Manager> collections);
    /// Writes buckets.json from the map (Ready and Creating buckets alike are listed only once
    /// Ready). Logs a failure; the buckets stay as they are.
    void saveList() EXCLUDES(mutex_);
    [[nodiscard]] std::string listPath() const;

    const Settings& settings_;
    ServerApi& server_;
    executor::ExecutorPool& executor_;
    mutable Mutex mutex_;
    /// Every bucket by name; a null engine means Creating.
    std::map<std::string, std::shared_ptr<Bucket>, std::less<>> buckets_ GUARDED_BY(mutex_);
    /// Serialises writers of buckets.json.
    Mutex save_mutex_;
};

}  // namespace eddy::daemon
