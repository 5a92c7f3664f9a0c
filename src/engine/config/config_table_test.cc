// Checks the parameter table itself: every row is complete and self-consistent.
#include "engine/config/param.h"
#include "engine/config/values.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <type_traits>

namespace eddy::engine::config {
namespace {

static_assert(std::is_same_v<ParamType<Param::MaxSize>, uint64_t>);
static_assert(std::is_same_v<ParamType<Param::MemLowWat>, double>);
static_assert(std::is_same_v<ParamType<Param::ExpPagerInitialRunTime>, int64_t>);
static_assert(std::is_same_v<ParamType<Param::BucketType>, BucketType>);
static_assert(std::is_same_v<ParamType<Param::Dbname>, std::string>);
static_assert(std::is_same_v<ParamType<Param::Warmup>, bool>);
static_assert(info(Param::MaxSize).name == "max_size");

TEST(ConfigTableTest, EveryRowIsComplete) {
    for (const auto& row : kParams) {
        SCOPED_TRACE(std::string(row.name));
        EXPECT_EQ(&row, &info(row.id));
        ASSERT_FALSE(row.name.empty());
        for (const char c : row.name) {
            EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) || c == '_' ||
                        std::isdigit(static_cast<unsigned char>(c)))
                << "names are snake_case";
        }
        ASSERT_FALSE(row.description.empty());
        EXPECT_TRUE(std::isupper(static_cast<unsigned char>(row.description.front())))
            << "descriptions start with a capital";
        EXPECT_EQ('.', row.description.back()) << "descriptions are sentences";
        EXPECT_EQ(std::string_view::npos, row.description.find('\n'));
        EXPECT_EQ(row.type == Type::Enum, !row.enum_names.empty());
    }
}

TEST(ConfigTableTest, EveryDefaultIsWithinItsRange) {
    for (const auto& row : kParams) {
        SCOPED_TRACE(std::string(row.name));
        const auto error = checkValue(row, defaultValue(row), "test");
        EXPECT_FALSE(error.has_value()) << error->message;
        switch (row.type) {
        case Type::Size: EXPECT_LE(std::get<uint64_t>(row.min), std::get<uint64_t>(row.max)); break;
        case Type::Int: EXPECT_LE(std::get<int64_t>(row.min), std::get<int64_t>(row.max)); break;
        case Type::Double: EXPECT_LE(std::get<double>(row.min), std::get<double>(row.max)); break;
        case Type::Bool:
        case Type::String:
        case Type::Enum: break;
        }
    }
}

TEST(ConfigTableTest, DefaultsSatisfyEveryRule) {
    const auto error = checkConstraints(Values{}, "test");
    EXPECT_FALSE(error.has_value()) << error->message;
    for (const auto& rule : constraints()) {
        EXPECT_FALSE(rule.text.empty());
        EXPECT_NE(nullptr, rule.check);
    }
}

TEST(ConfigTableTest, EnumNamesRoundTrip) {
    auto round_trip = [](auto last) {
        using E = decltype(last);
        const auto& names = EnumNames<E>::kNames;
        EXPECT_EQ(static_cast<size_t>(last) + 1, names.size());
        for (size_t i = 0; i < names.size(); ++i) {
            const auto value = static_cast<E>(i);
            EXPECT_EQ(names[i], toString(value));
            EXPECT_EQ(value, parseEnum<E>(names[i]));
        }
        EXPECT_FALSE(parseEnum<E>("").has_value());
    };
    round_trip(BucketType::Ephemeral);
    round_trip(EphemeralFullPolicy::FailNewData);
    round_trip(EvictionPolicy::FullEviction);
}

TEST(ConfigTableTest, CoversWhatTheEngineNeeds) {
    for (const auto* name : {"max_size",
                             "mem_low_wat",
                             "mem_high_wat",
                             "mutation_mem_threshold",
                             "max_vbuckets",
                             "max_num_shards",
                             "bucket_type",
                             "ephemeral_full_policy",
                             "item_eviction_policy",
                             "ht_size",
                             "ht_locks",
                             "max_item_size",
                             "checkpoint_memory_ratio",
                             "checkpoint_memory_recovery_upper_mark",
                             "checkpoint_memory_recovery_lower_mark",
                             "checkpoint_max_size",
                             "max_checkpoints",
                             "chk_expel_enabled",
                             "chk_remover_stime",
                             "exp_pager_enabled",
                             "exp_pager_stime",
                             "pager_sleep_time_ms",
                             "max_failover_entries",
                             "flusher_total_batch_limit",
                             "persistent_metadata_purge_age",
                             "warmup",
                             "warmup_min_memory_threshold",
                             "warmup_min_items_threshold",
                             "bfilter_enabled",
                             "max_ttl",
                             "dcp_idle_timeout",
                             "dcp_noop_tx_interval",
                             "dcp_scan_byte_limit",
                             "dcp_scan_item_limit",
                             "dcp_backfill_byte_limit",
                             "dcp_producer_snapshot_marker_yield_limit",
                             "connection_manager_interval",
                             "num_reader_threads",
                             "num_writer_threads",
                             "num_auxio_threads",
                             "num_nonio_threads",
                             "dbname"}) {
        EXPECT_NE(nullptr, findParam(name)) << name;
    }
}

TEST(ConfigTableTest, DefaultsFollowTheReference) {
    const Values defaults;
    EXPECT_EQ(100 * kMiB, defaults.get<Param::MaxSize>());
    EXPECT_EQ(75.0, defaults.get<Param::MemLowWat>());
    EXPECT_EQ(85.0, defaults.get<Param::MemHighWat>());
    EXPECT_EQ(93u, defaults.get<Param::MutationMemThreshold>());
    EXPECT_EQ(1024u, defaults.get<Param::MaxVbuckets>());
    EXPECT_EQ(BucketType::Persistent, defaults.get<Param::BucketType>());
    EXPECT_EQ(EphemeralFullPolicy::AutoDelete, defaults.get<Param::EphemeralFullPolicy>());
    EXPECT_EQ(EvictionPolicy::ValueOnly, defaults.get<Param::ItemEvictionPolicy>());
    EXPECT_EQ(47u, defaults.get<Param::HtSize>());
    EXPECT_EQ(20 * kMiB, defaults.get<Param::MaxItemSize>());
    EXPECT_EQ(0.5, defaults.get<Param::CheckpointMemoryRatio>());
    EXPECT_EQ(10u, defaults.get<Param::MaxCheckpoints>());
    EXPECT_EQ(2u, std::get<uint64_t>(info(Param::MaxCheckpoints).min));
    EXPECT_EQ(25u, defaults.get<Param::MaxFailoverEntries>());
    EXPECT_EQ(259200u, defaults.get<Param::PersistentMetadataPurgeAge>());
    EXPECT_EQ(4u * kMiB, defaults.get<Param::DcpScanByteLimit>());
    EXPECT_EQ(-1, defaults.get<Param::ExpPagerInitialRunTime>());
    EXPECT_EQ("", defaults.get<Param::Dbname>());
    EXPECT_EQ(78643200u, defaults.memLowWatBytes());
    EXPECT_EQ(89128960u, defaults.memHighWatBytes());
}

TEST(ConfigTableTest, StaticAndDynamicRows) {
    EXPECT_FALSE(info(Param::BucketType).dynamic());
    EXPECT_FALSE(info(Param::MaxVbuckets).dynamic());
    EXPECT_EQ(Category::Flush, info(Param::MaxSize).category);
    EXPECT_EQ(Category::Checkpoint, info(Param::MaxCheckpoints).category);
    EXPECT_EQ(Category::Dcp, info(Param::DcpIdleTimeout).category);
    EXPECT_EQ("flush_param", toString(Category::Flush));
    EXPECT_EQ("checkpoint_param", toString(Category::Checkpoint));
    EXPECT_EQ("dcp_param", toString(Category::Dcp));
    EXPECT_EQ("vbucket_param", toString(Category::Vbucket));
}

TEST(ConfigTableTest, FindAndSuggest) {
    ASSERT_NE(nullptr, findParam("max_size"));
    EXPECT_EQ(Param::MaxSize, findParam("max_size")->id);
    EXPECT_EQ(nullptr, findParam("MAX_SIZE"));
    EXPECT_EQ(nullptr, findParam(""));
    EXPECT_EQ("max_size", suggestParam("max_sise"));
    EXPECT_EQ("mem_high_wat", suggestParam("mem_hi_wat"));
    EXPECT_EQ("", suggestParam("something_else_entirely"));
}

TEST(ConfigTableTest, FormatsValues) {
    EXPECT_EQ("0.5", formatValue(info(Param::CheckpointMemoryRatio), Value{0.5}));
    EXPECT_EQ("75", formatValue(info(Param::MemLowWat), Value{75.0}));
    EXPECT_EQ("72.5", formatValue(info(Param::MemLowWat), Value{72.5}));
    EXPECT_EQ("true", formatValue(info(Param::Warmup), Value{true}));
    EXPECT_EQ("-1", formatValue(info(Param::ExpPagerInitialRunTime), Value{int64_t{-1}}));
    EXPECT_EQ("ephemeral", formatValue(info(Param::BucketType), Value{EnumIndex{1}}));
    EXPECT_EQ("1048576 or more", acceptedText(info(Param::MaxSize)));
    EXPECT_EQ("0 to 100", acceptedText(info(Param::MemLowWat)));
    EXPECT_EQ("one of persistent, ephemeral", acceptedText(info(Param::BucketType)));
}

}  // namespace
}  // namespace eddy::engine::config
