#include "daemon/cluster_config.h"

#include "collections/manifest.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

namespace eddy::daemon {

namespace {

// Wire values of the vbucket states (SET_VBUCKET).
constexpr uint8_t kActive = 1;
constexpr uint8_t kReplica = 2;
constexpr uint8_t kPending = 3;

nlohmann::json nodesExt(const NodeServices& node) {
    nlohmann::json services = {{"kv", node.kv}};
    if (node.kv_tls) {
        services["kvSSL"] = *node.kv_tls;
    }
    return nlohmann::json::array(
        {{{"services", services}, {"hostname", node.hostname}, {"thisNode", true}}});
}

nlohmann::json versionFields(ConfigVersion version) {
    return {{"rev", version.revision}, {"revEpoch", version.epoch}};
}

int64_t wallClockMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::string announcedHostname(std::string_view interface) {
    if (interface.empty() || interface == "0.0.0.0" || interface == "::") {
        return "$HOST";
    }
    return std::string(interface);
}

std::string globalConfigJson(ConfigVersion version, const NodeServices& node) {
    nlohmann::json config = versionFields(version);
    config["nodesExt"] = nodesExt(node);
    config["clusterCapabilitiesVer"] = {1, 0};
    config["clusterCapabilities"] = nlohmann::json::object();
    return config.dump();
}

std::string bucketConfigJson(ConfigVersion version, const NodeServices& node, std::string_view name,
                             std::span<const uint8_t> vbucket_states, uint64_t manifest_uid) {
    bool any_replica = false;
    for (const uint8_t state : vbucket_states) {
        any_replica = any_replica || state == kReplica;
    }
    // Each entry: [active, replica] as indexes into nodesExt (this node is 0), -1 for none.
    nlohmann::json map = nlohmann::json::array();
    for (const uint8_t state : vbucket_states) {
        const int active = (state == kActive || state == kPending) ? 0 : -1;
        nlohmann::json entry = nlohmann::json::array({active});
        if (any_replica) {
            entry.push_back(state == kReplica ? 0 : -1);
        }
        map.push_back(std::move(entry));
    }
    const std::string kv_address = fmt::format("{}:{}", node.hostname, node.kv);

    nlohmann::json config = versionFields(version);
    config["name"] = std::string(name);
    config["nodeLocator"] = "vbucket";
    config["bucketCapabilitiesVer"] = "";
    config["bucketCapabilities"] = {"cbhello",  "cccp",  "collections", "dcp",
                                    "nodesExt", "touch", "xattr"};
    config["collectionsManifestUid"] = collections::toHex(manifest_uid);
    config["nodesExt"] = nodesExt(node);
    config["vBucketServerMap"] = {{"hashAlgorithm", "CRC"},
                                  {"numReplicas", any_replica ? 1 : 0},
                                  {"serverList", {kv_address}},
                                  {"vBucketMap", std::move(map)}};
    config["clusterCapabilitiesVer"] = {1, 0};
    config["clusterCapabilities"] = nlohmann::json::object();
    return config.dump();
}

std::optional<std::string> checkInstalledConfig(ConfigVersion version, std::string_view bucket,
                                                std::string_view json) {
    const auto parsed = nlohmann::json::parse(json, nullptr, false);
    if (!parsed.is_object()) {
        return "The configuration is not a JSON object";
    }
    const auto check = [&parsed](const char* field,
                                 int64_t expected) -> std::optional<std::string> {
        if (!parsed.contains(field)) {
            return std::nullopt;
        }
        const auto& value = parsed[field];
        if (!value.is_number_integer() || value.get<int64_t>() != expected) {
            return fmt::format("'{}' must be {}, the version in the extras", field, expected);
        }
        return std::nullopt;
    };
    if (auto error = check("rev", version.revision)) {
        return error;
    }
    if (auto error = check("revEpoch", version.epoch)) {
        return error;
    }
    if (!bucket.empty() && parsed.contains("name") &&
        (!parsed["name"].is_string() || parsed["name"].get<std::string>() != bucket)) {
        return fmt::format("'name' must be the bucket's, '{}'", bucket);
    }
    return std::nullopt;
}

ClusterConfig::ClusterConfig(std::string bucket)
    : bucket_(std::move(bucket)), next_revision_(wallClockMillis()) {}

ClusterConfig::Snapshot ClusterConfig::current(const NodeServices& node,
                                               std::span<const uint8_t> vbucket_states,
                                               uint64_t manifest_uid) {
    const MutexLock lock(mutex_);
    if (installed_) {
        return *installed_;
    }
    const bool unchanged = generated_ && generated_node_ == node &&
                           generated_manifest_uid_ == manifest_uid &&
                           std::equal(vbucket_states.begin(), vbucket_states.end(),
                                      generated_states_.begin(), generated_states_.end());
    if (!unchanged) {
        const ConfigVersion version{.epoch = 0, .revision = next_revision_++};
        auto json = std::make_shared<const std::string>(
            bucket_.empty()
                ? globalConfigJson(version, node)
                : bucketConfigJson(version, node, bucket_, vbucket_states, manifest_uid));
        generated_ = Snapshot{version, std::move(json)};
        generated_node_ = node;
        generated_states_.assign(vbucket_states.begin(), vbucket_states.end());
        generated_manifest_uid_ = manifest_uid;
    }
    return *generated_;
}

std::optional<std::string> ClusterConfig::install(ConfigVersion version, std::string json) {
    if (auto error = checkInstalledConfig(version, bucket_, json)) {
        return error;
    }
    const MutexLock lock(mutex_);
    if (installed_ && version < installed_->version) {
        return fmt::format("Configuration {}:{} is older than the installed {}:{}", version.epoch,
                           version.revision, installed_->version.epoch,
                           installed_->version.revision);
    }
    installed_ = Snapshot{version, std::make_shared<const std::string>(std::move(json))};
    return std::nullopt;
}

}  // namespace eddy::daemon
