// WarmupBudget: `warmup`, warmup_min_memory_threshold and warmup_min_items_threshold decide
// which values warm-up loads.
#include "engine/vbucket/warmup_budget.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace eddy::engine {
namespace {

std::unique_ptr<config::Configuration> parameters(const std::string& text) {
    auto values = config::parseConfigString(text, "test");
    EXPECT_TRUE(values.ok()) << values.error().message;
    return std::make_unique<config::Configuration>(values.value());
}

TEST(WarmupBudgetTest, DefaultsLoadEveryValueBelowTheHighWatermark) {
    const auto config = parameters("max_size=104857600");
    EXPECT_FALSE(WarmupBudget::countsDocuments(*config));
    const WarmupBudget budget(*config, 0);
    EXPECT_EQ(config->memHighWatBytes(), budget.memoryLimit());
    EXPECT_TRUE(budget.loadValue(0, 0));
    EXPECT_TRUE(budget.loadValue(budget.memoryLimit() - 1, 1'000'000'000));
    EXPECT_FALSE(budget.loadValue(budget.memoryLimit(), 0));
}

TEST(WarmupBudgetTest, WarmupFalseLoadsNoValue) {
    const auto config = parameters("warmup=false;warmup_min_items_threshold=50");
    EXPECT_FALSE(WarmupBudget::countsDocuments(*config)) << "nothing to count: no value loads";
    const WarmupBudget budget(*config, 10);
    EXPECT_FALSE(budget.loadValue(0, 0));
}

TEST(WarmupBudgetTest, MinMemoryThresholdIsAShareOfTheHighWatermark) {
    const auto half = parameters("warmup_min_memory_threshold=50");
    EXPECT_EQ(half->memHighWatBytes() / 2, WarmupBudget(*half, 0).memoryLimit());
    const auto none = parameters("warmup_min_memory_threshold=0");
    EXPECT_FALSE(WarmupBudget(*none, 0).loadValue(0, 0));
}

TEST(WarmupBudgetTest, MinItemsThresholdIsAShareOfTheDocuments) {
    const auto half = parameters("warmup_min_items_threshold=50");
    ASSERT_TRUE(WarmupBudget::countsDocuments(*half));
    const WarmupBudget budget(*half, 10);
    EXPECT_EQ(5u, budget.valuesLimit());
    EXPECT_TRUE(budget.loadValue(0, 4));
    EXPECT_FALSE(budget.loadValue(0, 5));

    const auto none = parameters("warmup_min_items_threshold=0");
    EXPECT_FALSE(WarmupBudget(*none, 10).loadValue(0, 0));
    // No overflow on huge counts.
    const auto most = parameters("warmup_min_items_threshold=99");
    EXPECT_EQ(18'262'276'632'972'456'098u,
              WarmupBudget(*most, 18'446'744'073'709'551'615u).valuesLimit());
}

}  // namespace
}  // namespace eddy::engine
