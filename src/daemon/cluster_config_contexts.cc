#include "daemon/cluster_config_contexts.h"

#include "daemon/connection.h"
#include "daemon/cookie.h"
#include "daemon/server.h"
#include "protocol/encode.h"
#include "protocol/feature.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace eddy::daemon {

namespace {

using mcbp::ResponseStatus;

/// The (epoch, revision) of a request's 16 bytes of extras; nullopt (with the error context
/// set) if the revision is below 1 or the epoch neither at least 1 nor -1.
std::optional<ConfigVersion> readVersion(Cookie& cookie) {
    const std::string_view extras = cookie.request().extras;
    const ConfigVersion version{.epoch = static_cast<int64_t>(mcbp::readUint64(extras, 0)),
                                .revision = static_cast<int64_t>(mcbp::readUint64(extras, 8))};
    if (version.revision < 1) {
        cookie.setErrorContext("Revision number must not be less than 1");
        return std::nullopt;
    }
    if (version.epoch < 1 && version.epoch != -1) {
        cookie.setErrorContext("Epoch must not be less than 1 (or -1)");
        return std::nullopt;
    }
    return version;
}

}  // namespace

ClusterConfig::Snapshot currentClusterConfig(Server& server, const Bucket* bucket) {
    if (bucket == nullptr) {
        return server.globalConfig().current(server.node(), {});
    }
    return bucket->clusterConfig().current(server.node(), bucket->engine().vbucketStates(),
                                           bucket->collections().uid());
}

Status getClusterConfig(Cookie& cookie) {
    Connection& connection = cookie.connection();
    Session& session = connection.session();
    std::optional<ConfigVersion> known;
    if (!cookie.request().extras.empty()) {
        known = readVersion(cookie);
        if (!known) {
            return Status::InvalidArguments;
        }
    }
    const auto config = currentClusterConfig(connection.server(), session.bucket());
    if (known && *known >= config.version) {
        cookie.sendResponse(ResponseStatus::Success);
        return Status::Success;
    }
    session.setConfigSent(config.version);
    cookie.sendResponse(ResponseStatus::Success,
                        {.value = *config.json, .datatype = datatype::kJson});
    return Status::Success;
}

Status setClusterConfig(Cookie& cookie) {
    const auto version = readVersion(cookie);
    if (!version) {
        return Status::InvalidArguments;
    }
    Server& server = cookie.connection().server();
    const auto& request = cookie.request();
    const std::string name(request.key);
    std::optional<std::string> refused;
    if (name.empty()) {
        refused = server.globalConfig().install(*version, std::string(request.value));
    } else {
        const auto bucket = server.buckets().find(name);
        if (!bucket) {
            cookie.setErrorContext(fmt::format("No bucket '{}'", name));
            return Status::KeyNotFound;
        }
        refused = bucket->clusterConfig().install(*version, std::string(request.value));
    }
    if (refused) {
        cookie.setErrorContext(std::move(*refused));
        return Status::InvalidArguments;
    }
    spdlog::info("cluster configuration {}:{} installed for {}", version->epoch, version->revision,
                 name.empty() ? "the node" : fmt::format("bucket '{}'", name));
    cookie.sendResponse(ResponseStatus::Success, {.cas = request.header.cas});
    server.announceClusterConfig(name);
    return Status::Success;
}

}  // namespace eddy::daemon
