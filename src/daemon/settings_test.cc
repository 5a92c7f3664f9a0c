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

TEST(SettingsTest, MissingFileIsNamed) {
    Settings settings;
    try {
        eddy::daemon::loadSettingsFile("/nonexistent/eddy.json", settings);
        FAIL() << "expected an error";
    } catch (const SettingsError& error) {
        EXPECT_NE(std::string::npos, std::string(error.what()).find("/nonexistent/eddy.json"));
    }
}
