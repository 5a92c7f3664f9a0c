// eddy — daemon settings: defaults, the JSON config file and command-line overrides.
//
// Owns: Settings (every daemon parameter with its default), loadSettingsFile(), which
// rejects unknown keys and bad values with a message naming the file, the key and what is
// accepted, and the bucket's parameters (the "bucket" key or --bucket-config, parsed and
// validated by the bucket configuration parser of src/engine/config).
// Thread contract: built on the main thread before any other thread starts; immutable after.
#pragma once

#include "eddy/privilege.h"
#include "engine/config/values.h"
#include "security/tls.h"
#include "test_engines/fault_injecting_engine.h"

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace eddy::daemon {

/// Whether connections that never authenticate may do anything (docs/security.md).
enum class UnauthenticatedMode {
    /// Decided at start-up: on (the bucket "default", every privilege) while the development
    /// credentials are in use, which eddyd allows only on a loopback address; off otherwise.
    Development,
    Off,
    On,
};

// Fields are grouped by meaning, not packed by size: there is one instance per process.
struct Settings {  // NOLINT(clang-analyzer-optin.performance.Padding)
    std::string host = "127.0.0.1";
    uint16_t port = 11210;
    /// Front-end threads; 0 = one per core.
    size_t threads = 0;
    std::string data_dir = "./data";
    /// Where to write the bound port (decimal + newline) once listening; empty = nowhere.
    std::string port_file;
    /// Port of the Prometheus HTTP endpoint (GET /metrics) on `host`; absent = no endpoint,
    /// 0 = any free port.
    std::optional<uint16_t> prometheus_port;
    /// Where to write the Prometheus endpoint's bound port once listening; empty = nowhere.
    std::string prometheus_port_file;
    /// Port of the TLS listener on `host`; absent = kDefaultTlsPort when a certificate is
    /// configured, no TLS listener otherwise; 0 = any free port.
    std::optional<uint16_t> tls_port;
    /// Where to write the TLS listener's bound port once ready; empty = nowhere.
    std::string tls_port_file;
    /// PEM files of the TLS listener: the certificate chain and its private key (both or none).
    std::string tls_certificate_chain;
    std::string tls_private_key;
    security::TlsVersion tls_minimum_version = security::TlsVersion::Tls12;
    int verbosity = 0;
    /// Idle connections are closed after this long; 0 disables the check.
    std::chrono::seconds connection_idle_time{300};
    /// A command blocked (waiting for its engine's notification) this long is logged once, with
    /// what it waits for, and counted in cookies_blocked_too_long; 0 disables the check.
    std::chrono::seconds blocked_command_log_threshold{30};
    /// Largest request body accepted; a larger header is answered EINVAL and the socket closed.
    size_t max_packet_size = 30 * 1024 * 1024;
    /// A connection stops executing commands while this much output waits to be sent.
    size_t max_send_queue_size = 40 * 1024 * 1024;
    /// The bucket's max_item_size unless the bucket configuration names it (bucketParameters()).
    /// Not a limit of its own: the bucket's max_item_size, changeable with SET_PARAM, is the
    /// one item-size limit of the server.
    size_t item_size_max = 20 * 1024 * 1024;
    /// Commands one connection executes per event before yielding to the others.
    size_t reqs_per_event = 20;
    /// The password database; empty = <data_dir>/users.json.
    std::string password_file;
    /// The RBAC database; empty = <data_dir>/rbac.json.
    std::string rbac_file;
    /// The audit log (JSON lines); empty = <data_dir>/audit.log.
    std::string audit_log;
    /// The password Administrator gets (created or changed) at start-up; only from
    /// --admin-password or EDDY_ADMIN_PASSWORD, never from the config file. Empty = keep.
    std::string admin_password;
    UnauthenticatedMode unauthenticated_mode = UnauthenticatedMode::Development;
    /// With UnauthenticatedMode::On: the bucket unauthenticated connections are placed in and
    /// what they may do there.
    std::string unauthenticated_bucket;
    PrivilegeSet unauthenticated_privileges;
    /// Offer SASL PLAIN (the password in the clear) on connections without TLS.
    bool sasl_plain_without_tls = false;
    /// After a successful SASL exchange, select the bucket named like the user if the user may
    /// (for clients that know no SELECT_BUCKET, such as memjs).
    bool bucket_autoselect = false;
    /// Failed authentications after which a connection is closed.
    size_t max_auth_failures = 3;
    /// Wraps the bucket in the fault-injecting engine (tests only).
    bool fault_injection_enabled = false;
    test_engines::FaultConfig fault_injection;
    /// The bucket's parameters (docs/configuration.md, "Bucket configuration"), validated;
    /// the defaults unless the "bucket" key or --bucket-config gave some. Read them through
    /// bucketParameters(), which adds item_size_max.
    engine::config::Values bucket_parameters;
    /// Whether the bucket configuration named max_item_size; if not, the bucket takes
    /// item_size_max.
    bool bucket_sets_max_item_size = false;
};

/// The Couchbase data port over TLS.
inline constexpr uint16_t kDefaultTlsPort = 11207;

/// The TLS listener's configuration if there is one (a certificate and key are named), after
/// checking that the TLS settings agree with each other. Throws SettingsError otherwise (a
/// port without a certificate, a certificate without a key or the other way round).
[[nodiscard]] std::optional<security::TlsServerConfig> tlsServerConfig(const Settings& settings);

class SettingsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Applies the JSON config file at `path` on top of `settings`. Throws SettingsError.
void loadSettingsFile(const std::string& path, Settings& settings);

/// Applies a parsed JSON text (the contents of a config file) named `source` in messages.
void applySettingsJson(const std::string& text, const std::string& source, Settings& settings);

/// Replaces the bucket's parameters with a `key=value;key=value` string. `source` starts every
/// message (e.g. "eddy.json: bucket" or "--bucket-config"). Throws SettingsError with the
/// parser's message, which names the key and what is accepted.
void applyBucketConfigString(std::string_view text, std::string_view source, Settings& settings);

/// As above from a JSON object of bucket parameters.
void applyBucketConfigJson(const nlohmann::json& object, std::string_view source,
                           Settings& settings);

/// The parameters the bucket is created with: bucket_parameters, with max_item_size set to
/// item_size_max unless the bucket configuration gave max_item_size itself.
[[nodiscard]] engine::config::Values bucketParameters(const Settings& settings);

}  // namespace eddy::daemon
