// eddy — the cluster map (CCCP): the configuration a Couchbase client bootstraps from.
//
// Owns: ConfigVersion (epoch, revision), NodeServices (this node's address and ports), the JSON
// text of the global and of a bucket's configuration, and ClusterConfig, the configuration one
// bucket (or the node, for the global one) currently serves.
//
// Semantics.
//   - A configuration is either generated from the node's own state or installed by an
//     orchestrator (SET_CLUSTER_CONFIG). An installed one wins from then on; a later install
//     must carry a version at least as new (an older one is refused, an equal one replaces it).
//   - A generated configuration has epoch 0, below every epoch an orchestrator uses (≥ 1), so
//     the first installed one is newer than anything a client has seen. Its revision starts at
//     the wall-clock milliseconds when the ClusterConfig was made (a restarted node is newer
//     than the one a client remembers) and grows by one whenever the bucket's vbucket states
//     differ from those of the last generated text, which is checked on every read.
//   - The JSON's `rev` and `revEpoch` are always the version it is served with: clients compare
//     versions taken from the JSON with those of the push and NOT_MY_VBUCKET paths.
//   - The vbucket map lists this node (index 0 of nodesExt) as the active copy of every active
//     or pending vbucket and as the replica of every replica vbucket; dead and missing vbuckets
//     have no owner (-1). The number of vbuckets never changes for a bucket.
//
// Thread contract: ConfigVersion, NodeServices and the JSON functions are values and pure
// functions. ClusterConfig is thread-safe: any front-end or executor thread may read or install;
// the text is shared (immutable) so a reader keeps it without a copy while others replace it.
#pragma once

#include "common/mutex.h"

#include <compare>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::daemon {

/// The order of cluster configurations: the epoch first, then the revision.
struct ConfigVersion {
    int64_t epoch = 0;
    int64_t revision = 0;

    // clang-tidy 14 mistakes the defaulted <=> for a comparison with 0.
    auto operator<=>(const ConfigVersion&) const = default;  // NOLINT(modernize-use-nullptr)
};

/// Older than every configuration: what a connection has been sent before its first one.
inline constexpr ConfigVersion kNoConfigSent{std::numeric_limits<int64_t>::min(),
                                             std::numeric_limits<int64_t>::min()};

/// How clients reach this node: the hostname written into nodesExt ("$HOST" means "the address
/// you connected to", for a node listening on every interface) and its data ports.
struct NodeServices {
    std::string hostname = "$HOST";
    uint16_t kv = 0;
    std::optional<uint16_t> kv_tls;

    bool operator==(const NodeServices&) const = default;
};

/// The hostname a node listening on `interface` announces: the interface itself, or "$HOST"
/// for a wildcard (0.0.0.0, ::, or empty).
[[nodiscard]] std::string announcedHostname(std::string_view interface);

/// The global configuration (no bucket name): the node list, for a bucket-less connection.
[[nodiscard]] std::string globalConfigJson(ConfigVersion version, const NodeServices& node);

/// The configuration of bucket `name` on this node, from the state (wire value 1..4, 0 = no
/// vbucket) of each of its vbuckets and the uid of its collections manifest.
[[nodiscard]] std::string bucketConfigJson(ConfigVersion version, const NodeServices& node,
                                           std::string_view name,
                                           std::span<const uint8_t> vbucket_states,
                                           uint64_t manifest_uid = 0);

/// Checks an installed configuration: a JSON object whose `rev` and `revEpoch`, when present,
/// equal `version`, and whose `name` (when `bucket` is not empty) is the bucket's. nullopt if
/// valid, else why not.
[[nodiscard]] std::optional<std::string> checkInstalledConfig(ConfigVersion version,
                                                              std::string_view bucket,
                                                              std::string_view json);

class ClusterConfig {
public:
    /// One configuration as served: its version and its JSON text.
    struct Snapshot {
        ConfigVersion version;
        std::shared_ptr<const std::string> json;
    };

    /// A bucket's configuration (`bucket` is its name) or, with an empty name, the global one.
    explicit ClusterConfig(std::string bucket);

    /// The configuration to serve now: the installed one, else the generated one for `node`,
    /// `vbucket_states` and `manifest_uid` (a new revision if they differ from the last
    /// generated text's).
    [[nodiscard]] Snapshot current(const NodeServices& node,
                                   std::span<const uint8_t> vbucket_states,
                                   uint64_t manifest_uid = 0) EXCLUDES(mutex_);

    /// SET_CLUSTER_CONFIG: installs `json` as version `version`. nullopt on success, else why it
    /// was refused (older than the installed one, or not a valid configuration).
    [[nodiscard]] std::optional<std::string> install(ConfigVersion version, std::string json)
        EXCLUDES(mutex_);

private:
    const std::string bucket_;
    Mutex mutex_;
    /// The revision the next generated text gets.
    int64_t next_revision_ GUARDED_BY(mutex_);
    std::optional<Snapshot> installed_ GUARDED_BY(mutex_);
    std::optional<Snapshot> generated_ GUARDED_BY(mutex_);
    /// What generated_ was made from.
    NodeServices generated_node_ GUARDED_BY(mutex_);
    std::vector<uint8_t> generated_states_ GUARDED_BY(mutex_);
    uint64_t generated_manifest_uid_ GUARDED_BY(mutex_) = 0;
};

}  // namespace eddy::daemon
