// Parsing of `key=value;...` strings and JSON objects, and every class of error.
#include "engine/config/values.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace eddy::engine::config {
namespace {

using nlohmann::json;

Error stringError(std::string_view text) {
    auto result = parseConfigString(text);
    EXPECT_FALSE(result.ok()) << "expected an error for: " << text;
    return result.ok() ? Error{} : result.error();
}

Error jsonError(std::string_view text) {
    auto result = parseConfigJson(json::parse(text));
    EXPECT_FALSE(result.ok()) << "expected an error for: " << text;
    return result.ok() ? Error{} : result.error();
}

bool contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

TEST(ConfigValuesTest, ParsesAString) {
    auto result = parseConfigString(
        "max_size=209715200;bucket_type=ephemeral;ephemeral_full_policy=fail_new_data;"
        "mem_low_wat=60;mem_high_wat=72.5;dcp_min_compression_ratio=0.5;"
        "dbname=/var/lib/eddy/b1;exp_pager_initial_run_time=3;chk_expel_enabled=false");
    ASSERT_TRUE(result.ok()) << result.error().message;
    const auto& values = result.value();
    EXPECT_EQ(209715200u, values.get<Param::MaxSize>());
    EXPECT_EQ(BucketType::Ephemeral, values.get<Param::BucketType>());
    EXPECT_EQ(EphemeralFullPolicy::FailNewData, values.get<Param::EphemeralFullPolicy>());
    EXPECT_EQ(60.0, values.get<Param::MemLowWat>());
    EXPECT_EQ(72.5, values.get<Param::MemHighWat>());
    EXPECT_EQ(0.5, values.get<Param::DcpMinCompressionRatio>());
    EXPECT_EQ("/var/lib/eddy/b1", values.get<Param::Dbname>());
    EXPECT_EQ(3, values.get<Param::ExpPagerInitialRunTime>());
    EXPECT_FALSE(values.get<Param::ChkExpelEnabled>());
    EXPECT_EQ(125829120u, values.memLowWatBytes());
    EXPECT_EQ(152043520u, values.memHighWatBytes());
    // Untouched keys keep their defaults.
    EXPECT_EQ(1024u, values.get<Param::MaxVbuckets>());
}

TEST(ConfigValuesTest, EmptyStringAndLayout) {
    auto empty = parseConfigString("");
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(Values{}, empty.value());
    ASSERT_TRUE(parseConfigString("   ").ok());

    auto spaced = parseConfigString(" max_vbuckets = 64 ; warmup=false; ");
    ASSERT_TRUE(spaced.ok()) << spaced.error().message;
    EXPECT_EQ(64u, spaced.value().get<Param::MaxVbuckets>());
    EXPECT_FALSE(spaced.value().get<Param::Warmup>());

    auto empty_string_value = parseConfigString("dbname=");
    ASSERT_TRUE(empty_string_value.ok());
    EXPECT_EQ("", empty_string_value.value().get<Param::Dbname>());

    auto equals_in_value = parseConfigString("dbname=/data/a=b");
    ASSERT_TRUE(equals_in_value.ok());
    EXPECT_EQ("/data/a=b", equals_in_value.value().get<Param::Dbname>());
}

TEST(ConfigValuesTest, ParsesJson) {
    auto result = parseConfigJson(json::parse(R"({
        "max_size": 52428800, "mem_low_wat": 70, "mem_high_wat": 80.5,
        "bucket_type": "persistent", "item_eviction_policy": "full_eviction",
        "exp_pager_initial_run_time": 23, "warmup": false, "dbname": "/tmp/b",
        "checkpoint_memory_ratio": 0.25})"));
    ASSERT_TRUE(result.ok()) << result.error().message;
    const auto& values = result.value();
    EXPECT_EQ(52428800u, values.get<Param::MaxSize>());
    EXPECT_EQ(70.0, values.get<Param::MemLowWat>());
    EXPECT_EQ(80.5, values.get<Param::MemHighWat>());
    EXPECT_EQ(EvictionPolicy::FullEviction, values.get<Param::ItemEvictionPolicy>());
    EXPECT_EQ(23, values.get<Param::ExpPagerInitialRunTime>());
    EXPECT_FALSE(values.get<Param::Warmup>());
    EXPECT_EQ("/tmp/b", values.get<Param::Dbname>());
    EXPECT_EQ(0.25, values.get<Param::CheckpointMemoryRatio>());

    auto empty = parseConfigJson(json::object());
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(Values{}, empty.value());
}

TEST(ConfigValuesTest, StringAndJsonAgree) {
    auto from_string =
        parseConfigString("max_checkpoints=4;dcp_idle_timeout=30;num_nonio_threads=2");
    auto from_json = parseConfigJson(
        json::parse(R"({"max_checkpoints": 4, "dcp_idle_timeout": 30, "num_nonio_threads": 2})"));
    ASSERT_TRUE(from_string.ok());
    ASSERT_TRUE(from_json.ok());
    EXPECT_EQ(from_string.value(), from_json.value());
}

TEST(ConfigValuesTest, UnknownKeyIsNamed) {
    const auto error = stringError("max_size=209715200;max_sise=1");
    EXPECT_EQ(ErrorCode::UnknownKey, error.code);
    EXPECT_EQ("max_sise", error.key);
    EXPECT_EQ("bucket config: \"max_sise\": unknown parameter; did you mean \"max_size\"?",
              error.message);

    const auto far = stringError("frobnicate=1");
    EXPECT_EQ(ErrorCode::UnknownKey, far.code);
    EXPECT_TRUE(contains(far.message, "\"frobnicate\"")) << far.message;
    EXPECT_TRUE(contains(far.message, "docs/configuration.md")) << far.message;
    EXPECT_LT(far.message.size(), 160u) << "does not list every parameter";

    const auto from_json = jsonError(R"({"bucket_typ": "persistent"})");
    EXPECT_EQ(ErrorCode::UnknownKey, from_json.code);
    EXPECT_TRUE(contains(from_json.message, "did you mean \"bucket_type\"")) << from_json.message;
}

TEST(ConfigValuesTest, MalformedStrings) {
    for (const auto* text :
         {"a=1;;b", "max_size=1048576;;warmup=true", ";", ";;", "warmup=true;;"}) {
        const auto error = stringError(text);
        EXPECT_EQ(ErrorCode::Syntax, error.code) << text;
        EXPECT_TRUE(contains(error.message, "is empty")) << error.message;
        EXPECT_TRUE(contains(error.message, "key=value;key=value")) << error.message;
    }
    EXPECT_EQ("bucket config: entry 2 of \"a=1;;b\" is empty (expected key=value;key=value)",
              stringError("a=1;;b").message);

    const auto no_value = stringError("novalue");
    EXPECT_EQ(ErrorCode::Syntax, no_value.code);
    EXPECT_EQ("bucket config: \"novalue\": expected key=value", no_value.message);
    EXPECT_EQ(ErrorCode::Syntax, stringError("warmup=true;novalue").code);

    const auto no_key = stringError("=5");
    EXPECT_EQ(ErrorCode::Syntax, no_key.code);
    EXPECT_TRUE(contains(no_key.message, "no key")) << no_key.message;
}

TEST(ConfigValuesTest, DuplicateKey) {
    const auto error = stringError("warmup=true;max_size=2097152;warmup=false");
    EXPECT_EQ(ErrorCode::DuplicateKey, error.code);
    EXPECT_EQ("bucket config: \"warmup\": given twice", error.message);
}

TEST(ConfigValuesTest, WrongType) {
    const auto size = stringError("max_size=12abc");
    EXPECT_EQ(ErrorCode::WrongType, size.code);
    EXPECT_EQ("max_size", size.key);
    EXPECT_EQ(
        "bucket config: \"max_size\": \"12abc\" is not an unsigned integer (accepted: 1048576 or "
        "more)",
        size.message);
    EXPECT_EQ(ErrorCode::WrongType, stringError("max_size=").code);
    EXPECT_EQ(ErrorCode::WrongType, stringError("max_size=-5").code);
    EXPECT_EQ(ErrorCode::WrongType, stringError("max_size=1e9").code);
    EXPECT_EQ(ErrorCode::WrongType, stringError("exp_pager_initial_run_time=one").code);

    const auto flag = stringError("warmup=yes");
    EXPECT_EQ(ErrorCode::WrongType, flag.code);
    EXPECT_EQ("bucket config: \"warmup\": \"yes\" is not a bool (accepted: true or false)",
              flag.message);
    EXPECT_EQ(ErrorCode::WrongType, stringError("warmup=1").code);

    const auto ratio = stringError("dcp_min_compression_ratio=abc");
    EXPECT_EQ(ErrorCode::WrongType, ratio.code);
    EXPECT_TRUE(contains(ratio.message, "is not a number")) << ratio.message;
    EXPECT_EQ(ErrorCode::WrongType, stringError("mem_low_wat=nan").code);
    EXPECT_EQ(ErrorCode::WrongType, stringError("dcp_min_compression_ratio=inf").code);
    EXPECT_EQ(ErrorCode::WrongType, stringError("mem_low_wat=50%").code);
}

TEST(ConfigValuesTest, OutOfRange) {
    const auto high = stringError("mem_low_wat=120");
    EXPECT_EQ(ErrorCode::OutOfRange, high.code);
    EXPECT_EQ("bucket config: \"mem_low_wat\": 120 is outside [0, 100]", high.message);

    const auto low = stringError("max_size=1024");
    EXPECT_EQ(ErrorCode::OutOfRange, low.code);
    EXPECT_EQ("bucket config: \"max_size\": 1024 is below the minimum 1048576", low.message);

    EXPECT_EQ(ErrorCode::OutOfRange, stringError("max_checkpoints=1").code);
    EXPECT_EQ(ErrorCode::OutOfRange, stringError("exp_pager_initial_run_time=-2").code);
    EXPECT_EQ(ErrorCode::OutOfRange, stringError("checkpoint_memory_ratio=1.01").code);

    const auto huge = stringError("max_size=99999999999999999999999");
    EXPECT_EQ(ErrorCode::OutOfRange, huge.code);
    EXPECT_TRUE(contains(huge.message, "does not fit in 64 bits")) << huge.message;
}

TEST(ConfigValuesTest, BadEnumListsTheAcceptedValues) {
    const auto error = stringError("bucket_type=persistant");
    EXPECT_EQ(ErrorCode::BadEnumValue, error.code);
    EXPECT_EQ("bucket_type", error.key);
    EXPECT_EQ("bucket config: \"bucket_type\": \"persistant\" is not one of persistent, ephemeral",
              error.message);
    EXPECT_TRUE(contains(stringError("ephemeral_full_policy=DELETE").message,
                         "auto_delete, fail_new_data"));
    EXPECT_TRUE(contains(jsonError(R"({"item_eviction_policy": "value"})").message,
                         "value_only, full_eviction"));
}

TEST(ConfigValuesTest, RulesBetweenParameters) {
    const auto watermarks = stringError("mem_low_wat=90;mem_high_wat=85");
    EXPECT_EQ(ErrorCode::Constraint, watermarks.code);
    EXPECT_EQ("mem_low_wat", watermarks.key);
    EXPECT_EQ("bucket config: \"mem_low_wat\" (90) must be below \"mem_high_wat\" (85)",
              watermarks.message);
    EXPECT_EQ(ErrorCode::Constraint, stringError("mem_low_wat=85").code) << "equal is refused";
    EXPECT_TRUE(parseConfigString("mem_low_wat=84.9").ok());

    const auto marks = stringError("checkpoint_memory_recovery_lower_mark=0.95");
    EXPECT_EQ(ErrorCode::Constraint, marks.code);
    EXPECT_TRUE(contains(marks.message, "checkpoint_memory_recovery_upper_mark")) << marks.message;

    const auto noop = stringError("dcp_idle_timeout=1");
    EXPECT_EQ(ErrorCode::Constraint, noop.code);
    EXPECT_EQ("dcp_noop_tx_interval", noop.key);

    const auto eviction = stringError("bucket_type=ephemeral;item_eviction_policy=full_eviction");
    EXPECT_EQ(ErrorCode::Constraint, eviction.code);
    EXPECT_TRUE(contains(eviction.message, "ephemeral")) << eviction.message;

    EXPECT_EQ(ErrorCode::Constraint, jsonError(R"({"mem_low_wat": 90, "mem_high_wat": 80})").code);
}

TEST(ConfigValuesTest, JsonTypeErrors) {
    const auto not_object = parseConfigJson(json::parse("[1, 2]"));
    ASSERT_FALSE(not_object.ok());
    EXPECT_EQ(ErrorCode::Syntax, not_object.error().code);
    EXPECT_TRUE(contains(not_object.error().message, "JSON object")) << not_object.error().message;

    const auto quoted = jsonError(R"({"max_size": "104857600"})");
    EXPECT_EQ(ErrorCode::WrongType, quoted.code);
    EXPECT_EQ(
        "bucket config: \"max_size\": expected a non-negative integer (1048576 or more), got "
        "string \"104857600\"",
        quoted.message);
    EXPECT_EQ(ErrorCode::WrongType, jsonError(R"({"max_size": 1.5e8})").code);
    EXPECT_EQ(ErrorCode::OutOfRange, jsonError(R"({"max_size": -1})").code);
    EXPECT_EQ(ErrorCode::OutOfRange, jsonError(R"({"max_size": 1024})").code);
    EXPECT_EQ(ErrorCode::WrongType, jsonError(R"({"warmup": 1})").code);
    EXPECT_EQ(ErrorCode::WrongType, jsonError(R"({"warmup": "true"})").code);
    EXPECT_EQ(ErrorCode::WrongType, jsonError(R"({"mem_low_wat": "75"})").code);
    EXPECT_EQ(ErrorCode::WrongType, jsonError(R"({"exp_pager_initial_run_time": 1.5})").code);
    EXPECT_EQ(ErrorCode::OutOfRange, jsonError(R"({"exp_pager_initial_run_time": 24})").code);
    EXPECT_EQ(ErrorCode::OutOfRange,
              jsonError(R"({"exp_pager_initial_run_time": 18446744073709551615})").code);
    EXPECT_EQ(ErrorCode::WrongType, jsonError(R"({"bucket_type": 1})").code);
    EXPECT_EQ(ErrorCode::WrongType, jsonError(R"({"dbname": null})").code);
}

TEST(ConfigValuesTest, SourceStartsEveryMessage) {
    auto result = parseConfigString("bucket_type=x", "eddy.json: buckets.default.config");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(0u, result.error().message.rfind("eddy.json: buckets.default.config: ", 0))
        << result.error().message;
}

TEST(ConfigValuesTest, ParseValueAndCheckValue) {
    const auto& quota = info(Param::MaxSize);
    auto value = parseValue(quota, "2097152", "set_param");
    ASSERT_TRUE(value.ok());
    EXPECT_EQ(Value{uint64_t{2097152}}, value.value());
    EXPECT_FALSE(checkValue(quota, Value{uint64_t{2097152}}, "t").has_value());
    const auto wrong = checkValue(quota, Value{true}, "t");
    ASSERT_TRUE(wrong.has_value());
    EXPECT_EQ(ErrorCode::WrongType, wrong->code);
    EXPECT_EQ(ErrorCode::BadEnumValue,
              checkValue(info(Param::BucketType), Value{EnumIndex{7}}, "t")->code);
}

}  // namespace
}  // namespace eddy::engine::config
