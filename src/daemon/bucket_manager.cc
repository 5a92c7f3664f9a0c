// eddy — the server's buckets (bucket_manager.h).
#include "daemon/bucket_manager.h"

#include "engine/ep_bucket.h"
#include "executor/executor_pool.h"
#include "security/secure_file.h"
#include "test_engines/fault_injecting_engine.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>

namespace eddy::daemon {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kDefaultBucket = "default";
constexpr size_t kMaxNameLength = 100;

bool isNameCharacter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == '%';
}

}  // namespace

Bucket::Use::Use(std::shared_ptr<Bucket> bucket) : bucket_(std::move(bucket)) {
    if (bucket_) {
        MutexLock lock(bucket_->users_mutex_);
        ++bucket_->users_;
    }
}

Bucket::Use& Bucket::Use::operator=(Use&& other) noexcept {
    if (this != &other) {
        reset();
        bucket_ = std::move(other.bucket_);
    }
    return *this;
}

void Bucket::Use::reset() {
    if (!bucket_) {
        return;
    }
    {
        MutexLock lock(bucket_->users_mutex_);
        if (--bucket_->users_ == 0) {
            bucket_->users_gone_.notify_all();
        }
    }
    bucket_.reset();
}

void Bucket::waitForNoUsers() {
    using namespace std::chrono_literals;
    MutexLock lock(users_mutex_);
    while (users_ > 0) {
        if (waitUntil(users_gone_, users_mutex_, std::chrono::steady_clock::now() + 10s) ==
            std::cv_status::timeout) {
            spdlog::warn("deleting bucket '{}': still waiting for {} connection(s) to close", name_,
                         users_);
        }
    }
}

BucketManager::BucketManager(const Settings& settings, ServerApi& server,
                             executor::ExecutorPool& executor)
    : settings_(settings), server_(server), executor_(executor) {}

BucketManager::~BucketManager() {
    destroyAll();
}

std::optional<std::string> BucketManager::checkName(std::string_view name) {
    if (name.empty()) {
        return "Name can't be empty";
    }
    if (name.size() > kMaxNameLength) {
        return fmt::format("Name too long (exceeds {})", kMaxNameLength);
    }
    for (const char c : name) {
        if (!isNameCharacter(c)) {
            return "Name contains invalid characters (allowed: A-Z a-z 0-9 _ - . %)";
        }
    }
    return std::nullopt;
}

std::string BucketManager::listPath() const {
    return (fs::path(settings_.data_dir) / "buckets.json").string();
}

engine::config::Values BucketManager::parametersOf(std::string_view name,
                                                   std::string_view config) const {
    if (name == kDefaultBucket && config.empty()) {
        return bucketParameters(settings_);
    }
    Settings scratch = settings_;
    applyBucketConfigString(config, fmt::format("bucket '{}'", name), scratch);
    return bucketParameters(scratch);
}

std::unique_ptr<EngineIface> BucketManager::makeEngine(
    const std::string& name, const engine::config::Values& parameters,
    std::shared_ptr<collections::Manager> collections) {
    engine::EpBucketConfig config;
    config.collections = std::move(collections);
    config.parameters = parameters;
    config.data_dir = (fs::path(settings_.data_dir) / name).string();
    config.executor = &executor_;
    std::unique_ptr<EngineIface> engine = engine::createEpBucket(server_, config);
    if (settings_.fault_injection_enabled) {
        engine = test_engines::createFaultInjectingEngine(std::move(engine), server_,
                                                          settings_.fault_injection);
    }
    return engine;
}

void BucketManager::build(Bucket& bucket, const engine::config::Values& parameters) {
    using engine::config::Param;
    if (parameters.get<Param::BucketType>() == engine::config::BucketType::Ephemeral) {
        bucket.collections_ = std::make_shared<collections::Manager>();
    } else {
        const std::string& dbname = parameters.get<Param::Dbname>();
        const fs::path directory =
            dbname.empty() ? fs::path(settings_.data_dir) / bucket.name() : fs::path(dbname);
        bucket.collections_ = std::make_shared<collections::Manager>(
            (directory / collections::kManifestFileName).string());
    }
    bucket.engine_ = makeEngine(bucket.name(), parameters, bucket.collections_);
}

void BucketManager::loadAtStartup() {
    std::vector<std::pair<std::string, std::string>> list;
    std::string unread;
    const auto text = fs::exists(listPath()) ? security::readSecureFile(listPath(), unread)
                                             : std::optional<std::string>();
    if (!unread.empty()) {
        throw std::runtime_error(fmt::format("{}: cannot read: {}", listPath(), unread));
    }
    if (!text) {
        list.emplace_back(kDefaultBucket, "");
    } else {
        const auto document = nlohmann::json::parse(*text, nullptr, false);
        if (!document.is_object() || document.value("version", 0) != 1 ||
            !document.contains("buckets") || !document["buckets"].is_array()) {
            throw std::runtime_error(fmt::format(
                "{}: not a bucket list (expected {{\"version\": 1, \"buckets\": [...]}}); "
                "fix or remove it (without it the server starts with the bucket 'default')",
                listPath()));
        }
        for (const auto& entry : document["buckets"]) {
            if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
                !entry.contains("config") || !entry["config"].is_string()) {
                throw std::runtime_error(fmt::format(
                    "{}: every bucket needs a string \"name\" and \"config\"", listPath()));
            }
            list.emplace_back(entry["name"].get<std::string>(), entry["config"].get<std::string>());
        }
    }
    for (const auto& [name, config] : list) {
        if (const auto problem = checkName(name)) {
            throw std::runtime_error(
                fmt::format("{}: bucket '{}': {}", listPath(), name, *problem));
        }
        auto bucket = std::make_shared<Bucket>(name, config);
        build(*bucket, parametersOf(name, config));
        MutexLock lock(mutex_);
        buckets_[name] = std::move(bucket);
    }
    spdlog::info("{} bucket(s) loaded", list.size());
}

std::shared_ptr<Bucket> BucketManager::find(std::string_view name) const {
    MutexLock lock(mutex_);
    const auto found = buckets_.find(name);
    if (found == buckets_.end() || !found->second->engine_) {
        return nullptr;
    }
    return found->second;
}

std::vector<std::string> BucketManager::names() const {
    MutexLock lock(mutex_);
    std::vector<std::string> names;
    for (const auto& [name, bucket] : buckets_) {
        if (bucket->engine_) {
            names.push_back(name);
        }
    }
    return names;
}

Status BucketManager::reserve(std::string_view name, std::string_view config,
                              std::string& message) {
    if (const auto problem = checkName(name)) {
        message = *problem;
        return Status::InvalidArguments;
    }
    try {
        (void)parametersOf(name, config);
    } catch (const SettingsError& error) {
        message = error.what();
        return Status::InvalidArguments;
    }
    MutexLock lock(mutex_);
    if (buckets_.find(name) != buckets_.end()) {
        message = fmt::format("Bucket '{}' exists", name);
        return Status::KeyExists;
    }
    buckets_.emplace(std::string(name),
                     std::make_shared<Bucket>(std::string(name), std::string(config)));
    return Status::Success;
}

Status BucketManager::create(std::string_view name, std::string& message) {
    std::shared_ptr<Bucket> bucket;
    {
        MutexLock lock(mutex_);
        bucket = buckets_.at(std::string(name));
    }
    try {
        // Not under the lock: opening a store reads the disk (warm-up continues in the
        // background once the engine exists).
        Bucket built(bucket->name(), bucket->config());
        build(built, parametersOf(name, bucket->config()));
        MutexLock lock(mutex_);
        bucket->collections_ = std::move(built.collections_);
        bucket->engine_ = std::move(built.engine_);
    } catch (const std::exception& error) {
        message = fmt::format("Bucket '{}' could not be created: {}", name, error.what());
        MutexLock lock(mutex_);
        buckets_.erase(std::string(name));
        return Status::Failed;
    }
    saveList();
    return Status::Success;
}

std::shared_ptr<Bucket> BucketManager::detach(std::string_view name) {
    MutexLock lock(mutex_);
    const auto found = buckets_.find(name);
    if (found == buckets_.end() || !found->second->engine_) {
        return nullptr;
    }
    std::shared_ptr<Bucket> bucket = std::move(found->second);
    buckets_.erase(found);
    return bucket;
}

void BucketManager::destroy(std::shared_ptr<Bucket> bucket, bool keep_data, bool force) {
    // The Uses left are those of connections told to close; each goes once its last blocked
    // command has been notified.
    bucket->waitForNoUsers();
    const std::string name = bucket->name();
    if (force || !keep_data) {
        // Files about to be removed need no final flush; `force` drops it even for kept files.
        bucket->engine_->abandonUnpersisted();
    }
    bucket->engine_.reset();  // unregisters its tasks, flushes (unless abandoned), closes
    bucket.reset();
    if (!keep_data) {
        std::error_code error;
        fs::remove_all(fs::path(settings_.data_dir) / name, error);
        if (error) {
            spdlog::error("deleting bucket '{}': its files could not be removed: {}", name,
                          error.message());
        }
    }
    saveList();
    spdlog::info("bucket '{}' deleted{}", name, keep_data ? " (its files are kept)" : "");
}

void BucketManager::destroyAll() {
    std::map<std::string, std::shared_ptr<Bucket>, std::less<>> buckets;
    {
        MutexLock lock(mutex_);
        buckets.swap(buckets_);
    }
    for (auto& [name, bucket] : buckets) {
        bucket->engine_.reset();
    }
}

void BucketManager::saveList() {
    nlohmann::json list = nlohmann::json::array();
    {
        MutexLock lock(mutex_);
        for (const auto& [name, bucket] : buckets_) {
            if (bucket->engine_) {
                list.push_back({{"name", name}, {"config", bucket->config()}});
            }
        }
    }
    const nlohmann::json document = {{"version", 1}, {"buckets", std::move(list)}};
    MutexLock lock(save_mutex_);
    std::string error;
    if (!security::writeSecureFile(listPath(), document.dump(2) + "\n", error)) {
        spdlog::error("the bucket list could not be saved (the buckets stay as they are): {}",
                      error);
    }
}

}  // namespace eddy::daemon
