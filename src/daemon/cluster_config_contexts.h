// eddy — the cluster-map commands: GET_CLUSTER_CONFIG and SET_CLUSTER_CONFIG, and the
// configuration a NOT_MY_VBUCKET answer carries.
//
// Semantics (cluster_config.h says what a configuration is).
//   - GET_CLUSTER_CONFIG: the selected bucket's configuration, or the global one on a
//     connection without a bucket; datatype JSON. With 16 bytes of extras (epoch, revision:
//     what the client has) the body is empty unless the server's is newer. The revision must be
//     at least 1 and the epoch at least 1 or -1 (EINVAL otherwise).
//   - SET_CLUSTER_CONFIG (NodeSupervisor; key: the bucket, empty for the global configuration;
//     extras: epoch, revision; value: the JSON): installs the configuration, which is served
//     from then on. KEY_ENOENT for a bucket that does not exist; EINVAL with the reason for a
//     version older than the installed one or a body that is not a configuration of that
//     version. The request's CAS is echoed.
//   - NOT_MY_VBUCKET carries the bucket's configuration as its body, unless the connection
//     negotiated HELLO "Dedupe not-my-vbucket clustermap" and was already sent this version.
//   Every configuration sent is recorded on the connection's Session (configSent()).
//
// Thread contract: front-end thread of the cookie.
#pragma once

#include "daemon/cluster_config.h"
#include "eddy/status.h"

#include <string>

namespace eddy::daemon {

class Cookie;
class Server;
class Bucket;

Status getClusterConfig(Cookie& cookie);
Status setClusterConfig(Cookie& cookie);

/// The configuration `bucket` serves now (the global one if `bucket` is null).
[[nodiscard]] ClusterConfig::Snapshot currentClusterConfig(Server& server, const Bucket* bucket);

}  // namespace eddy::daemon
