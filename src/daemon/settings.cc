#include "daemon/settings.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

namespace eddy::daemon {

namespace {

using nlohmann::json;

constexpr const char* kKnownKeys =
    "host, port, threads, data_dir, verbosity, connection_idle_time, "
    "blocked_command_log_threshold, max_packet_size, max_send_queue_size, item_size_max, "
    "reqs_per_event, prometheus_port, prometheus_port_file, tls_port, tls_port_file, "
    "tls_certificate_chain, tls_private_key, tls_minimum_version, password_file, rbac_file, "
    "audit_log, unauthenticated_access, sasl_plain_without_tls, bucket_autoselect, "
    "max_auth_failures, "
    "fault_injection, bucket";

[[noreturn]] void fail(const std::string& source, const std::string& key, const std::string& why) {
    throw SettingsError(fmt::format("{}: \"{}\": {}", source, key, why));
}

uint64_t readUnsigned(const json& value, const std::string& source, const std::string& key,
                      uint64_t min, uint64_t max) {
    if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<int64_t>() >= 0)) {
        fail(source, key, fmt::format("expected an integer in [{}, {}]", min, max));
    }
    const auto number = value.get<uint64_t>();
    if (number < min || number > max) {
        fail(source, key, fmt::format("{} is outside [{}, {}]", number, min, max));
    }
    return number;
}

std::string readString(const json& value, const std::string& source, const std::string& key) {
    if (!value.is_string()) {
        fail(source, key, "expected a string");
    }
    return value.get<std::string>();
}

void applyFaultInjection(const json& value, const std::string& source, Settings& settings) {
    if (!value.is_object()) {
        fail(source, "fault_injection", "expected an object {\"mode\": ..., \"value\": N}");
    }
    for (const auto& [key, item] : value.items()) {
        if (key == "mode") {
            const auto name = readString(item, source, "fault_injection.mode");
            const auto mode = test_engines::parseFaultMode(name);
            if (!mode) {
                fail(source, "fault_injection.mode",
                     fmt::format("unknown mode '{}' (accepted: off, next_n, random, always_async)",
                                 name));
            }
            settings.fault_injection.mode = *mode;
        } else if (key == "value") {
            settings.fault_injection.value = static_cast<uint32_t>(readUnsigned(
                item, source, "fault_injection.value", 0, std::numeric_limits<uint32_t>::max()));
        } else {
            fail(source, "fault_injection." + key, "unknown key (known: mode, value)");
        }
    }
    settings.fault_injection_enabled = true;
}

/// "unauthenticated_access": false, "development", or {"bucket": "<name>", "privileges": [...]}.
void applyUnauthenticatedAccess(const json& value, const std::string& source, Settings& settings) {
    const std::string key = "unauthenticated_access";
    if (value.is_boolean() && !value.get<bool>()) {
        settings.unauthenticated_mode = UnauthenticatedMode::Off;
        return;
    }
    if (value.is_string() && value.get<std::string>() == "development") {
        settings.unauthenticated_mode = UnauthenticatedMode::Development;
        return;
    }
    if (!value.is_object()) {
        fail(source, key,
             "expected false, \"development\" or {\"bucket\": \"<name>\", \"privileges\": "
             "[...]}");
    }
    std::string bucket;
    PrivilegeSet privileges;
    for (const auto& [member, item] : value.items()) {
        if (member == "bucket") {
            bucket = readString(item, source, key + ".bucket");
        } else if (member == "privileges") {
            if (!item.is_array()) {
                fail(source, key + ".privileges", "expected an array of privilege names");
            }
            for (const json& name : item) {
                const std::string text = readString(name, source, key + ".privileges");
                if (text == "all") {
                    privileges.add(PrivilegeSet::all());
                } else if (const auto privilege = parsePrivilege(text)) {
                    privileges.add(*privilege);
                } else {
                    fail(source, key + ".privileges",
                         fmt::format("unknown privilege '{}' (see docs/security.md)", text));
                }
            }
        } else {
            fail(source, fmt::format("{}.{}", key, member),
                 "unknown key (known: bucket, privileges)");
        }
    }
    if (bucket.empty()) {
        fail(source, key + ".bucket", "required: the bucket unauthenticated connections use");
    }
    settings.unauthenticated_mode = UnauthenticatedMode::On;
    settings.unauthenticated_bucket = std::move(bucket);
    settings.unauthenticated_privileges = privileges;
}

/// True if the (already parsed, so well-formed) `key=value;...` string names max_item_size.
bool namesMaxItemSize(std::string_view text) {
    constexpr std::string_view kSpace = " \t\r\n";
    size_t start = 0;
    while (start < text.size()) {
        const auto end = std::min(text.find(';', start), text.size());
        auto key = text.substr(start, end - start);
        key = key.substr(0, key.find('='));
        const auto first = key.find_first_not_of(kSpace);
        if (first != std::string_view::npos) {
            key = key.substr(first, key.find_last_not_of(kSpace) - first + 1);
            if (key == engine::config::info(engine::config::Param::MaxItemSize).name) {
                return true;
            }
        }
        start = end + 1;
    }
    return false;
}

void applyBucketValue(const json& value, const std::string& source, Settings& settings) {
    const std::string bucket_source = source + ": bucket";
    if (value.is_string()) {
        applyBucketConfigString(value.get<std::string>(), bucket_source, settings);
    } else if (value.is_object()) {
        applyBucketConfigJson(value, bucket_source, settings);
    } else {
        fail(source, "bucket",
             "expected a \"key=value;key=value\" string or an object of bucket parameters");
    }
}

}  // namespace

void applyBucketConfigString(std::string_view text, std::string_view source, Settings& settings) {
    auto parsed = engine::config::parseConfigString(text, source);
    if (!parsed) {
        throw SettingsError(parsed.error().message);
    }
    settings.bucket_parameters = std::move(parsed.value());
    settings.bucket_sets_max_item_size = namesMaxItemSize(text);
}

void applyBucketConfigJson(const json& object, std::string_view source, Settings& settings) {
    auto parsed = engine::config::parseConfigJson(object, source);
    if (!parsed) {
        throw SettingsError(parsed.error().message);
    }
    settings.bucket_parameters = std::move(parsed.value());
    settings.bucket_sets_max_item_size =
        object.contains(std::string(engine::config::info(engine::config::Param::MaxItemSize).name));
}

engine::config::Values bucketParameters(const Settings& settings) {
    engine::config::Values parameters = settings.bucket_parameters;
    if (!settings.bucket_sets_max_item_size) {
        parameters.setUnchecked(engine::config::Param::MaxItemSize,
                                uint64_t{settings.item_size_max});
    }
    return parameters;
}

void applySettingsJson(const std::string& text, const std::string& source, Settings& settings) {
    json root;
    try {
        root = json::parse(text);
    } catch (const json::parse_error& error) {
        throw SettingsError(fmt::format("{}: not valid JSON: {}", source, error.what()));
    }
    if (!root.is_object()) {
        throw SettingsError(fmt::format("{}: the top level must be a JSON object", source));
    }
    constexpr uint64_t kMaxSize = uint64_t{1} << 32;
    for (const auto& [key, value] : root.items()) {
        if (key == "host") {
            settings.host = readString(value, source, key);
        } else if (key == "port") {
            settings.port = static_cast<uint16_t>(readUnsigned(value, source, key, 0, 65535));
        } else if (key == "threads") {
            settings.threads = readUnsigned(value, source, key, 0, 256);
        } else if (key == "data_dir") {
            settings.data_dir = readString(value, source, key);
        } else if (key == "verbosity") {
            settings.verbosity = static_cast<int>(readUnsigned(value, source, key, 0, 4));
        } else if (key == "connection_idle_time") {
            settings.connection_idle_time =
                std::chrono::seconds(readUnsigned(value, source, key, 0, 86400 * 365));
        } else if (key == "blocked_command_log_threshold") {
            settings.blocked_command_log_threshold =
                std::chrono::seconds(readUnsigned(value, source, key, 0, 86400 * 365));
        } else if (key == "max_packet_size") {
            settings.max_packet_size = readUnsigned(value, source, key, 1024, kMaxSize);
        } else if (key == "max_send_queue_size") {
            settings.max_send_queue_size = readUnsigned(value, source, key, 1024, kMaxSize);
        } else if (key == "item_size_max") {
            settings.item_size_max = readUnsigned(value, source, key, 1024, kMaxSize);
        } else if (key == "reqs_per_event") {
            settings.reqs_per_event = readUnsigned(value, source, key, 1, 1u << 20);
        } else if (key == "prometheus_port") {
            settings.prometheus_port =
                static_cast<uint16_t>(readUnsigned(value, source, key, 0, 65535));
        } else if (key == "prometheus_port_file") {
            settings.prometheus_port_file = readString(value, source, key);
        } else if (key == "tls_port") {
            settings.tls_port = static_cast<uint16_t>(readUnsigned(value, source, key, 0, 65535));
        } else if (key == "tls_port_file") {
            settings.tls_port_file = readString(value, source, key);
        } else if (key == "tls_certificate_chain") {
            settings.tls_certificate_chain = readString(value, source, key);
        } else if (key == "tls_private_key") {
            settings.tls_private_key = readString(value, source, key);
        } else if (key == "tls_minimum_version") {
            const auto version = security::parseTlsVersion(readString(value, source, key));
            if (!version) {
                fail(source, key, "expected \"TLSv1.2\" or \"TLSv1.3\"");
            }
            settings.tls_minimum_version = *version;
        } else if (key == "password_file") {
            settings.password_file = readString(value, source, key);
        } else if (key == "rbac_file") {
            settings.rbac_file = readString(value, source, key);
        } else if (key == "audit_log") {
            settings.audit_log = readString(value, source, key);
        } else if (key == "unauthenticated_access") {
            applyUnauthenticatedAccess(value, source, settings);
        } else if (key == "sasl_plain_without_tls") {
            if (!value.is_boolean()) {
                fail(source, key, "expected true or false");
            }
            settings.sasl_plain_without_tls = value.get<bool>();
        } else if (key == "bucket_autoselect") {
            if (!value.is_boolean()) {
                fail(source, key, "expected true or false");
            }
            settings.bucket_autoselect = value.get<bool>();
        } else if (key == "max_auth_failures") {
            settings.max_auth_failures = readUnsigned(value, source, key, 1, 1000);
        } else if (key == "admin_password") {
            fail(source, key,
                 "a password does not belong in a config file: use --admin-password or the "
                 "EDDY_ADMIN_PASSWORD environment variable");
        } else if (key == "fault_injection") {
            applyFaultInjection(value, source, settings);
        } else if (key == "bucket") {
            applyBucketValue(value, source, settings);
        } else {
            fail(source, key, fmt::format("unknown key (known: {})", kKnownKeys));
        }
    }
    if (settings.item_size_max > settings.max_packet_size) {
        throw SettingsError(
            fmt::format("{}: item_size_max ({}) must not exceed max_packet_size ({})", source,
                        settings.item_size_max, settings.max_packet_size));
    }
}

void loadSettingsFile(const std::string& path, Settings& settings) {
    std::ifstream file(path);
    if (!file) {
        throw SettingsError(fmt::format("{}: cannot open config file", path));
    }
    std::ostringstream text;
    text << file.rdbuf();
    applySettingsJson(text.str(), path, settings);
}

std::optional<security::TlsServerConfig> tlsServerConfig(const Settings& settings) {
    const bool certificate = !settings.tls_certificate_chain.empty();
    const bool key = !settings.tls_private_key.empty();
    if (certificate != key) {
        throw SettingsError(
            fmt::format("TLS needs both tls_certificate_chain and tls_private_key; only {} is set",
                        certificate ? "tls_certificate_chain" : "tls_private_key"));
    }
    if (!certificate) {
        if (settings.tls_port.has_value()) {
            throw SettingsError(
                "tls_port is set but no certificate: set tls_certificate_chain and "
                "tls_private_key (for development: eddyctl tls create-dev-certificate)");
        }
        return std::nullopt;
    }
    return security::TlsServerConfig{settings.tls_certificate_chain, settings.tls_private_key,
                                     settings.tls_minimum_version};
}

}  // namespace eddy::daemon
