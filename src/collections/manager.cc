// eddy — a bucket's collections manager (manager.h).
#include "collections/manager.h"

#include "security/secure_file.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace eddy::collections {

namespace {

/// The file's member listing dropped collection ids (hex strings); Manifest::parse ignores it.
constexpr const char* kDroppedMember = "dropped_collections";

/// What the file holds: the manifest, and the ids dropped so far.
struct Saved {
    std::shared_ptr<const Manifest> manifest = std::make_shared<const Manifest>();
    std::vector<CollectionId> dropped;
};

std::string fileText(const Manifest& manifest, const std::vector<CollectionId>& dropped) {
    nlohmann::json document = nlohmann::json::parse(manifest.toJson());
    nlohmann::json ids = nlohmann::json::array();
    for (const CollectionId id : dropped) {
        ids.push_back(toHex(id));
    }
    document[kDroppedMember] = std::move(ids);
    return document.dump();
}

std::vector<CollectionId> droppedOf(const std::string& file, const std::string& text) {
    const auto document = nlohmann::json::parse(text, nullptr, false);
    std::vector<CollectionId> dropped;
    if (!document.is_object() || !document.contains(kDroppedMember)) {
        return dropped;
    }
    const auto& ids = document[kDroppedMember];
    if (!ids.is_array()) {
        throw ManifestError(fmt::format("{}: \"{}\" is not an array", file, kDroppedMember));
    }
    for (const auto& id : ids) {
        const std::string hex = id.is_string() ? id.get<std::string>() : std::string();
        CollectionId value = 0;
        const auto [end, error] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
        if (hex.empty() || error != std::errc() || end != hex.data() + hex.size()) {
            throw ManifestError(fmt::format("{}: \"{}\" holds {}, not a hex collection id", file,
                                            kDroppedMember, id.dump()));
        }
        dropped.push_back(value);
    }
    return dropped;
}

Saved load(const std::string& file) {
    std::error_code error_code;
    const bool exists = std::filesystem::exists(file, error_code);
    if (error_code) {
        throw ManifestError(fmt::format("{}: cannot examine the collections manifest: {}", file,
                                        error_code.message()));
    }
    if (!exists) {
        return {};
    }
    std::string error;
    const std::optional<std::string> text = security::readSecureFile(file, error);
    if (!text) {
        throw ManifestError(
            fmt::format("{}: cannot read the collections manifest: {}", file, error));
    }
    try {
        return {std::make_shared<const Manifest>(Manifest::parse(*text)), droppedOf(file, *text)};
    } catch (const ManifestError& e) {
        throw ManifestError(fmt::format(
            "{}: not a valid collections manifest ({}); restore it from a backup, or remove it "
            "to start from the default manifest (documents of other collections are then "
            "unreachable)",
            file, e.what()));
    }
}

}  // namespace

Manager::Manager() : Manager(std::string()) {}

Manager::Manager(std::string file) : file_(std::move(file)) {
    Saved saved = file_.empty() ? Saved{} : load(file_);
    MutexLock serialised(set_mutex_);
    dropped_ = std::move(saved.dropped);
    publish(std::move(saved.manifest));
}

std::shared_ptr<const Manifest> Manager::manifest() const {
    MutexLock lock(mutex_);
    return current_;
}

Manager::Check Manager::check(CollectionId id) const {
    if (id == kDefaultCollection && default_exists_.load(std::memory_order_acquire)) {
        return {true, 0};
    }
    MutexLock lock(mutex_);
    return {current_->findCollection(id) != nullptr, current_->uid()};
}

Manager::SetResult Manager::set(const Manifest& next) {
    MutexLock serialised(set_mutex_);
    const std::shared_ptr<const Manifest> current = manifest();
    if (auto refusal = current->refuseSuccessor(next)) {
        return {Outcome::Refused, std::move(*refusal)};
    }
    if (next == *current) {
        return {Outcome::Unchanged, {}};
    }
    for (const Scope& scope : next.scopes()) {
        for (const Collection& collection : scope.collections) {
            if (collection.max_ttl) {
                return {Outcome::NotSupported,
                        fmt::format("{}.{}: a collection maxTTL is not enforced yet; leave it out "
                                    "(the bucket's max_ttl applies to every collection)",
                                    scope.name, collection.name)};
            }
        }
    }
    for (const CollectionId id : dropped_) {
        if (next.findCollection(id) != nullptr) {
            return {Outcome::Refused,
                    fmt::format("collection id {:#x} was dropped, and an id is never used again; "
                                "give the collection a new id",
                                id)};
        }
    }
    std::vector<CollectionId> dropped = dropped_;
    const std::vector<CollectionId> newly_dropped = current->droppedIn(next);
    dropped.insert(dropped.end(), newly_dropped.begin(), newly_dropped.end());
    if (!file_.empty()) {
        std::string error;
        if (!security::writeSecureFile(file_, fileText(next, dropped), error)) {
            spdlog::error("{}: cannot save the collections manifest (uid {:#x}): {}", file_,
                          next.uid(), error);
            return {Outcome::Failed, fmt::format("cannot save the manifest: {}", error)};
        }
    }
    dropped_ = std::move(dropped);
    publish(std::make_shared<const Manifest>(next));
    spdlog::info("collections manifest uid {:#x} applied ({})", next.uid(),
                 file_.empty() ? "in memory" : file_);
    if (!newly_dropped.empty() && drop_listener_) {
        drop_listener_(newly_dropped);
    }
    return {Outcome::Applied, {}};
}

void Manager::setDropListener(DropListener listener) {
    MutexLock serialised(set_mutex_);
    drop_listener_ = std::move(listener);
}

std::vector<CollectionId> Manager::dropped() const {
    MutexLock serialised(set_mutex_);
    return dropped_;
}

void Manager::publish(std::shared_ptr<const Manifest> manifest) {
    const bool has_default = manifest->hasDefaultCollection();
    const uint64_t uid = manifest->uid();
    {
        MutexLock lock(mutex_);
        current_ = std::move(manifest);
    }
    default_exists_.store(has_default, std::memory_order_release);
    uid_.store(uid, std::memory_order_release);
}

}  // namespace eddy::collections
