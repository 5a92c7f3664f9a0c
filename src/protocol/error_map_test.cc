#include "protocol/error_map.h"

#include "protocol/status.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <set>
#include <string>

namespace eddy::mcbp {
namespace {

using nlohmann::json;

const std::set<std::string> kVocabulary = {
    "success",     "item-only",        "invalid-input", "fetch-config", "conn-state-invalidated",
    "auth",        "special-handling", "support",       "temp",         "internal",
    "retry-now",   "retry-later",      "subdoc",        "dcp",          "item-locked",
    "item-deleted"};

std::string hexKey(uint32_t code) {
    char key[8];
    std::snprintf(key, sizeof(key), "%x", code);
    return key;
}

bool hasAttr(const json& entry, const std::string& attr) {
    for (const auto& value : entry.at("attrs")) {
        if (value == attr) {
            return true;
        }
    }
    return false;
}

TEST(ErrorMessageTest, ClassicStatusesCarryTheMemcachedText) {
    EXPECT_EQ("Not found", errorMessage(ResponseStatus::KeyEnoent));
    EXPECT_EQ("Data exists for key.", errorMessage(ResponseStatus::KeyEexists));
    EXPECT_EQ("Too large.", errorMessage(ResponseStatus::E2big));
    EXPECT_EQ("Invalid arguments", errorMessage(ResponseStatus::Einval));
    EXPECT_EQ("Not stored.", errorMessage(ResponseStatus::NotStored));
    EXPECT_EQ("Non-numeric server-side value for incr or decr",
              errorMessage(ResponseStatus::DeltaBadval));
    EXPECT_EQ("Auth failure.", errorMessage(ResponseStatus::AuthError));
    EXPECT_EQ("Unknown command", errorMessage(ResponseStatus::UnknownCommand));
}

TEST(ErrorMessageTest, OtherStatusesCarryTheirErrorMapDescription) {
    const json errors = json::parse(errorMapJson(kErrorMapMaxVersion)).at("errors");
    for (const auto status :
         {ResponseStatus::Locked, ResponseStatus::Etmpfail, ResponseStatus::Eaccess,
          ResponseStatus::NoBucket, ResponseStatus::NotSupported}) {
        const std::string key = hexKey(static_cast<uint16_t>(status));
        EXPECT_EQ(errors.at(key).at("desc"), errorMessage(status)) << key;
        EXPECT_FALSE(errorMessage(status).empty());
    }
}

TEST(ErrorMapTest, VersionZeroIsRejected) {
    EXPECT_TRUE(errorMapJson(0).empty());
}

TEST(ErrorMapTest, VersionOne) {
    const json map = json::parse(errorMapJson(1));
    EXPECT_EQ(1, map.at("version"));
    EXPECT_EQ(1, map.at("revision"));
    ASSERT_TRUE(map.at("errors").is_object());
    for (const auto& [key, entry] : map.at("errors").items()) {
        EXPECT_FALSE(entry.contains("retry")) << key;
    }
}

TEST(ErrorMapTest, NewerRequestsAreClampedToTheNewestVersion) {
    const std::string newest = errorMapJson(kErrorMapMaxVersion);
    EXPECT_EQ(kErrorMapMaxVersion, json::parse(newest).at("version"));
    EXPECT_EQ(newest, errorMapJson(3));
    EXPECT_EQ(newest, errorMapJson(0xffff));
}

TEST(ErrorMapTest, EveryStatusIsPresentWithItsName) {
    for (uint16_t version = 1; version <= kErrorMapMaxVersion; ++version) {
        SCOPED_TRACE(version);
        const json errors = json::parse(errorMapJson(version)).at("errors");
        size_t named = 0;
        for (uint32_t code = 0; code <= 0xffff; ++code) {
            const auto name = statusName(static_cast<ResponseStatus>(code));
            if (!name) {
                EXPECT_FALSE(errors.contains(hexKey(code))) << code;
                continue;
            }
            ++named;
            SCOPED_TRACE(std::string(*name));
            ASSERT_TRUE(errors.contains(hexKey(code)));
            const json& entry = errors.at(hexKey(code));
            EXPECT_EQ(*name, entry.at("name").get<std::string>());
            EXPECT_FALSE(entry.at("desc").get<std::string>().empty());
            ASSERT_TRUE(entry.at("attrs").is_array());
            EXPECT_FALSE(entry.at("attrs").empty());
            for (const auto& attr : entry.at("attrs")) {
                EXPECT_EQ(1u, kVocabulary.count(attr.get<std::string>())) << attr;
            }
        }
        EXPECT_EQ(named, errors.size());
    }
}

TEST(ErrorMapTest, KeysAreLowerCaseHexWithoutPrefix) {
    const json errors = json::parse(errorMapJson(1)).at("errors");
    EXPECT_EQ("SUCCESS", errors.at("0").at("name"));
    EXPECT_EQ("AUTH_STALE", errors.at("1f").at("name"));
    EXPECT_EQ("UNKNOWN_COMMAND", errors.at("81").at("name"));
    EXPECT_EQ("ETMPFAIL", errors.at("86").at("name"));
    EXPECT_EQ("DURABILITY_IMPOSSIBLE", errors.at("a1").at("name"));
}

TEST(ErrorMapTest, Attributes) {
    const json errors = json::parse(errorMapJson(1)).at("errors");
    EXPECT_TRUE(hasAttr(errors.at("0"), "success"));
    EXPECT_TRUE(hasAttr(errors.at("1"), "item-only"));
    EXPECT_TRUE(hasAttr(errors.at("4"), "invalid-input"));
    EXPECT_TRUE(hasAttr(errors.at("7"), "fetch-config"));
    EXPECT_TRUE(hasAttr(errors.at("9"), "item-locked"));
    EXPECT_TRUE(hasAttr(errors.at("20"), "auth"));
    EXPECT_TRUE(hasAttr(errors.at("81"), "support"));
    EXPECT_TRUE(hasAttr(errors.at("84"), "internal"));
    EXPECT_TRUE(hasAttr(errors.at("85"), "temp"));
    EXPECT_TRUE(hasAttr(errors.at("85"), "retry-now"));
    EXPECT_TRUE(hasAttr(errors.at("86"), "temp"));
    EXPECT_TRUE(hasAttr(errors.at("86"), "retry-later"));
    // Only "success" and a sub-document success on a deleted document are successes.
    for (const auto& [key, entry] : errors.items()) {
        EXPECT_EQ(key == "0" || key == "cd", hasAttr(entry, "success")) << key;
    }
}

TEST(ErrorMapTest, VersionTwoAddsRetrySpecsToRetryableErrors) {
    const json errors = json::parse(errorMapJson(2)).at("errors");
    for (const auto& [key, entry] : errors.items()) {
        SCOPED_TRACE(key);
        const bool retryable = hasAttr(entry, "retry-now") || hasAttr(entry, "retry-later");
        ASSERT_EQ(retryable, entry.contains("retry"));
        if (!retryable) {
            continue;
        }
        const json& retry = entry.at("retry");
        const std::string strategy = retry.at("strategy");
        EXPECT_TRUE(strategy == "constant" || strategy == "linear" || strategy == "exponential");
        EXPECT_GT(retry.at("interval").get<int>(), 0);
        EXPECT_GE(retry.at("after").get<int>(), 0);
        EXPECT_GT(retry.at("max-duration").get<int>(), 0);
    }
    EXPECT_EQ("exponential", errors.at("86").at("retry").at("strategy"));
    EXPECT_TRUE(errors.at("85").contains("retry"));
    EXPECT_FALSE(errors.at("1").contains("retry"));
}

}  // namespace
}  // namespace eddy::mcbp
