#include "daemon/settings.h"

#include <gtest/gtest.h>

using eddy::daemon::applySettingsJson;
using eddy::daemon::Settings;
using eddy::daemon::SettingsError;

namespace {

std::string errorOf(const std::string& text) {
    Settings settings;
    try {
        applySettingsJson(text, "eddy.json", settings);
    } catch (const SettingsError& error) {
        return error.what();
    }
    return {};
}

}  // namespace

TEST(SettingsTest, AppliesKnownKeys) {
    Settings settings;
    applySettingsJson(R"({"host": "::1", "port": 0, "threads": 3, "connection_idle_time": 2,
                          "max_packet_size": 2097152, "item_size_max": 1048576,
                          "fault_injection": {"mode": "always_async", "value": 5}})",
                      "eddy.json", settings);
    EXPECT_EQ("::1", settings.host);
    EXPECT_EQ(0, settings.port);
    EXPECT_EQ(3u, settings.threads);
    EXPECT_EQ(2, settings.connection_idle_time.count());
    EXPECT_EQ(2097152u, settings.max_packet_size);
    EXPECT_TRUE(settings.fault_injection_enabled);
    EXPECT_EQ(eddy::test_engines::FaultMode::AlwaysAsync, settings.fault_injection.mode);
    EXPECT_EQ(5u, settings.fault_injection.value);
}

TEST(SettingsTest, BlockedCommandLogThreshold) {
    Settings settings;
    EXPECT_EQ(30, settings.blocked_command_log_threshold.count()) << "the default";
    applySettingsJson(R"({"blocked_command_log_threshold": 1})", "eddy.json", settings);
    EXPECT_EQ(1, settings.blocked_command_log_threshold.count());
    applySettingsJson(R"({"blocked_command_log_threshold": 0})", "eddy.json", settings);
    EXPECT_EQ(0, settings.blocked_command_log_threshold.count()) << "0 disables the watchdog";
    const auto error = errorOf(R"({"blocked_command_log_threshold": -1})");
    EXPECT_NE(std::string::npos, error.find("\"blocked_command_log_threshold\"")) << error;
    EXPECT_NE(std::string::npos, error.find("expected an integer")) << error;
}

TEST(SettingsTest, AccessControlKeys) {
    Settings settings;
    EXPECT_EQ(eddy::daemon::UnauthenticatedMode::Development, settings.unauthenticated_mode);
    applySettingsJson(
        R"({"password_file": "/etc/eddy/users.json", "rbac_file": "/etc/eddy/rbac.json",
                          "audit_log": "/var/log/eddy/audit.log", "sasl_plain_without_tls": true,
                          "bucket_autoselect": true, "max_auth_failures": 5,
                          "unauthenticated_access": {"bucket": "cache",
                                                     "privileges": ["Read", "SimpleStats"]}})",
        "eddy.json", settings);
    EXPECT_EQ("/etc/eddy/users.json", settings.password_file);
    EXPECT_EQ("/etc/eddy/rbac.json", settings.rbac_file);
    EXPECT_EQ("/var/log/eddy/audit.log", settings.audit_log);
    EXPECT_TRUE(settings.sasl_plain_without_tls);
    EXPECT_TRUE(settings.bucket_autoselect);
    EXPECT_EQ(5u, settings.max_auth_failures);
    EXPECT_EQ(eddy::daemon::UnauthenticatedMode::On, settings.unauthenticated_mode);
    EXPECT_EQ("cache", settings.unauthenticated_bucket);
    EXPECT_EQ(eddy::PrivilegeSet({eddy::Privilege::Read, eddy::Privilege::SimpleStats}),
              settings.unauthenticated_privileges);
    applySettingsJson(R"({"unauthenticated_access": false})", "eddy.json", settings);
    EXPECT_EQ(eddy::daemon::UnauthenticatedMode::Off, settings.unauthenticated_mode);
}

TEST(SettingsTest, BadAccessControlValuesAreNamed) {
    EXPECT_NE(
        std::string::npos,
        errorOf(R"({"unauthenticated_access": true})").find("expected false, \"development\""));
    EXPECT_NE(std::string::npos, errorOf(R"({"unauthenticated_access": {"privileges": ["Read"]}})")
                                     .find("unauthenticated_access.bucket"));
    EXPECT_NE(std::string::npos,
              errorOf(R"({"unauthenticated_access": {"bucket": "b", "privileges": ["Fly"]}})")
                  .find("unknown privilege 'Fly'"));
    EXPECT_NE(std::string::npos, errorOf(R"({"max_auth_failures": 0})").find("max_auth_failures"));
    const auto secret = errorOf(R"({"admin_password": "hunter2"})");
    EXPECT_NE(std::string::npos, secret.find("--admin-password")) << secret;
    EXPECT_EQ(std::string::npos, secret.find("hunter2")) << secret;
}

TEST(SettingsTest, UnknownKeyIsNamed) {
    const auto error = errorOf(R"({"prot": 11210})");
    EXPECT_NE(std::string::npos, error.find("eddy.json")) << error;
    EXPECT_NE(std::string::npos, error.find("\"prot\"")) << error;
    EXPECT_NE(std::string::npos, error.find("known: host, port")) << error;
}

TEST(SettingsTest, BadValuesAreNamed) {
    EXPECT_NE(std::string::npos, errorOf(R"({"port": 70000})").find("\"port\""));
    EXPECT_NE(std::string::npos, errorOf(R"({"port": "x"})").find("expected an integer"));
    EXPECT_NE(std::string::npos, errorOf(R"({"host": 1})").find("expected a string"));
    EXPECT_NE(std::string::npos,
              errorOf(R"({"fault_injection": {"mode": "sometimes"}})").find("always_async"));
    EXPECT_NE(std::string::npos, errorOf("{not json").find("not valid JSON"));
    EXPECT_NE(std::string::npos, errorOf("[1]").find("JSON object"));
    EXPECT_NE(std::string::npos,
              errorOf(R"({"item_size_max": 4194304, "max_packet_size": 2097152})")
                  .find("must not exceed"));
}

TEST(SettingsTest, PrometheusEndpointIsOffUnlessAPortIsGiven) {
    Settings settings;
    EXPECT_FALSE(settings.prometheus_port.has_value());
    EXPECT_TRUE(settings.prometheus_port_file.empty());
    applySettingsJson(R"({"prometheus_port": 0, "prometheus_port_file": "/tmp/prom"})", "eddy.json",
                      settings);
    ASSERT_TRUE(settings.prometheus_port.has_value());
    EXPECT_EQ(0, *settings.prometheus_port);
    EXPECT_EQ("/tmp/prom", settings.prometheus_port_file);
    applySettingsJson(R"({"prometheus_port": 9110})", "eddy.json", settings);
    EXPECT_EQ(9110, settings.prometheus_port.value_or(0));
}

TEST(SettingsTest, BadPrometheusValuesAreNamed) {
    const auto too_big = errorOf(R"({"prometheus_port": 65536})");
    EXPECT_NE(std::string::npos, too_big.find("\"prometheus_port\"")) << too_big;
    EXPECT_NE(std::string::npos, too_big.find("outside [0, 65535]")) << too_big;
    const auto negative = errorOf(R"({"prometheus_port": -1})");
    EXPECT_NE(std::string::npos, negative.find("expected an integer")) << negative;
    const auto file = errorOf(R"({"prometheus_port_file": 3})");
    EXPECT_NE(std::string::npos, file.find("\"prometheus_port_file\": expected a string")) << file;
}

TEST(SettingsTest, MissingFileIsNamed) {
    Settings settings;
    try {
        eddy::daemon::loadSettingsFile("/nonexistent/eddy.json", settings);
        FAIL() << "expected an error";
    } catch (const SettingsError& error) {
        EXPECT_NE(std::string::npos, std::string(error.what()).find("/nonexistent/eddy.json"));
    }
}

namespace {

using eddy::engine::config::BucketType;
using eddy::engine::config::Param;

Settings settingsFrom(const std::string& text) {
    Settings settings;
    applySettingsJson(text, "eddy.json", settings);
    return settings;
}

}  // namespace

TEST(SettingsBucketTest, AbsentKeepsTheDefaultsAndTakesItemSizeMax) {
    const Settings settings = settingsFrom(R"({"item_size_max": 1048576})");
    EXPECT_EQ(eddy::engine::config::Values{}, settings.bucket_parameters);
    EXPECT_FALSE(settings.bucket_sets_max_item_size);
    const auto parameters = eddy::daemon::bucketParameters(settings);
    EXPECT_EQ(1048576u, parameters.get<Param::MaxItemSize>());
    EXPECT_EQ(1024u, parameters.get<Param::MaxVbuckets>());
}

TEST(SettingsBucketTest, StringForm) {
    const Settings settings = settingsFrom(
        R"({"item_size_max": 1048576,
            "bucket": "max_vbuckets=8; bucket_type = ephemeral;mem_high_wat=90;"})");
    const auto parameters = eddy::daemon::bucketParameters(settings);
    EXPECT_EQ(8u, parameters.get<Param::MaxVbuckets>());
    EXPECT_EQ(BucketType::Ephemeral, parameters.get<Param::BucketType>());
    EXPECT_DOUBLE_EQ(90.0, parameters.get<Param::MemHighWat>());
    // max_item_size not given: the daemon's item_size_max applies.
    EXPECT_EQ(1048576u, parameters.get<Param::MaxItemSize>());
}

TEST(SettingsBucketTest, JsonForm) {
    const Settings settings = settingsFrom(
        R"({"bucket": {"max_vbuckets": 16, "exp_pager_enabled": false,
                       "checkpoint_memory_ratio": 0.25, "max_ttl": 60}})");
    const auto parameters = eddy::daemon::bucketParameters(settings);
    EXPECT_EQ(16u, parameters.get<Param::MaxVbuckets>());
    EXPECT_FALSE(parameters.get<Param::ExpPagerEnabled>());
    EXPECT_DOUBLE_EQ(0.25, parameters.get<Param::CheckpointMemoryRatio>());
    EXPECT_EQ(20u * 1024 * 1024, parameters.get<Param::MaxItemSize>());
}

TEST(SettingsBucketTest, MaxItemSizeGivenByTheBucketWins) {
    struct Case {
        const char* text;
        uint64_t expected;
    };
    for (const Case& c : {
             Case{R"({"item_size_max": 1048576, "bucket": "max_item_size = 2048"})", 2048},
             Case{R"({"bucket": {"max_item_size": 2048}, "item_size_max": 1048576})", 2048},
             // Given explicitly at its default value: still the bucket's choice.
             Case{R"({"item_size_max": 1048576, "bucket": "max_item_size=20971520"})", 20971520},
         }) {
        SCOPED_TRACE(c.text);
        const Settings settings = settingsFrom(c.text);
        EXPECT_TRUE(settings.bucket_sets_max_item_size);
        EXPECT_EQ(c.expected, eddy::daemon::bucketParameters(settings).get<Param::MaxItemSize>());
    }
}

TEST(SettingsBucketTest, UnknownKeyNamesFileBucketAndKey) {
    for (const char* text :
         {R"({"bucket": "max_vbuckets=8;colour=blue"})", R"({"bucket": {"colour": "blue"}})"}) {
        SCOPED_TRACE(text);
        const auto error = errorOf(text);
        EXPECT_NE(std::string::npos, error.find("eddy.json: bucket")) << error;
        EXPECT_NE(std::string::npos, error.find("\"colour\"")) << error;
        EXPECT_NE(std::string::npos, error.find("unknown parameter")) << error;
    }
}

TEST(SettingsBucketTest, BadEnumValueNamesTheAcceptedOnes) {
    for (const char* text : {R"({"bucket": "bucket_type=persistant"})",
                             R"({"bucket": {"bucket_type": "persistant"}})"}) {
        SCOPED_TRACE(text);
        const auto error = errorOf(text);
        EXPECT_NE(std::string::npos, error.find("eddy.json: bucket")) << error;
        EXPECT_NE(std::string::npos, error.find("\"bucket_type\"")) << error;
        EXPECT_NE(std::string::npos, error.find("persistent, ephemeral")) << error;
    }
}

TEST(SettingsBucketTest, BrokenRuleBetweenParametersIsRefused) {
    for (const char* text : {R"({"bucket": "mem_low_wat=90;mem_high_wat=80"})",
                             R"({"bucket": {"mem_low_wat": 85, "mem_high_wat": 85}})"}) {
        SCOPED_TRACE(text);
        const auto error = errorOf(text);
        EXPECT_NE(std::string::npos, error.find("eddy.json: bucket")) << error;
        EXPECT_NE(std::string::npos, error.find("mem_low_wat")) << error;
        EXPECT_NE(std::string::npos, error.find("mem_high_wat")) << error;
    }
}

TEST(SettingsBucketTest, OtherMistakesAreNamed) {
    EXPECT_NE(std::string::npos, errorOf(R"({"bucket": "max_vbuckets=0"})").find("max_vbuckets"));
    EXPECT_NE(std::string::npos, errorOf(R"({"bucket": "max_vbuckets"})").find("key=value"));
    const auto wrong_type = errorOf(R"({"bucket": 8})");
    EXPECT_NE(std::string::npos, wrong_type.find("eddy.json: \"bucket\"")) << wrong_type;
    EXPECT_NE(std::string::npos, wrong_type.find("string or an object")) << wrong_type;
    EXPECT_NE(std::string::npos,
              errorOf(R"({"bucket": {"max_vbuckets": "8"}})").find("\"max_vbuckets\""));
}

TEST(SettingsBucketTest, CommandLineStringReplacesTheFileValue) {
    Settings settings = settingsFrom(R"({"bucket": {"max_vbuckets": 16, "max_item_size": 2048}})");
    eddy::daemon::applyBucketConfigString("ht_size=3", "--bucket-config", settings);
    const auto parameters = eddy::daemon::bucketParameters(settings);
    EXPECT_EQ(1024u, parameters.get<Param::MaxVbuckets>());
    EXPECT_EQ(3u, parameters.get<Param::HtSize>());
    EXPECT_FALSE(settings.bucket_sets_max_item_size);
    try {
        eddy::daemon::applyBucketConfigString("ht_sise=3", "--bucket-config", settings);
        FAIL() << "expected an error";
    } catch (const SettingsError& error) {
        const std::string message = error.what();
        EXPECT_NE(std::string::npos, message.find("--bucket-config")) << message;
        EXPECT_NE(std::string::npos, message.find("\"ht_sise\"")) << message;
    }
    // A refused string leaves what was there.
    EXPECT_EQ(3u, settings.bucket_parameters.get<Param::HtSize>());
}
