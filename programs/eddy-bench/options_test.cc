// eddy-bench's command line: defaults, every value reaching its option, and the errors that
// stop it before anything is sent.
#include "options.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace eddy::bench {
namespace {

struct Parsed {
    std::optional<int> exit;
    Options options;
    std::string out;
    std::string err;
};

Parsed parse(std::vector<std::string> args) {
    args.insert(args.begin(), "eddy-bench");
    std::vector<const char*> argv;
    argv.reserve(args.size());
    for (const std::string& arg : args) {
        argv.push_back(arg.c_str());
    }
    Parsed parsed;
    std::ostringstream out;
    std::ostringstream err;
    parsed.exit =
        parseCommandLine(static_cast<int>(argv.size()), argv.data(), parsed.options, out, err);
    parsed.out = out.str();
    parsed.err = err.str();
    return parsed;
}

TEST(BenchOptionsTest, Defaults) {
    const Parsed parsed = parse({});
    ASSERT_FALSE(parsed.exit) << parsed.err;
    const Options& options = parsed.options;
    ASSERT_EQ(1u, options.targets.size());
    EXPECT_EQ("127.0.0.1", options.targets[0].endpoint.host);
    EXPECT_EQ(11210, options.targets[0].endpoint.port);
    EXPECT_EQ(2u, options.threads);
    EXPECT_EQ(16u, options.connections);
    EXPECT_EQ(1u, options.depth);
    EXPECT_EQ(9u, options.workload.mix.get * 10 / options.workload.mix.total());
    EXPECT_EQ(100u, options.workload.values.min);
    EXPECT_EQ(std::chrono::seconds(10), options.duration);
    EXPECT_EQ(std::chrono::seconds(1), options.warmup);
    EXPECT_TRUE(options.populate);
    EXPECT_EQ(1024, options.vbuckets);
}

TEST(BenchOptionsTest, EveryOptionReachesItsField) {
    const Parsed parsed = parse({"-h",
                                 "127.0.0.2:12000",
                                 "--compare",
                                 "127.0.0.3:12001",
                                 "--pid",
                                 "42",
                                 "--compare-pid",
                                 "43",
                                 "--rounds",
                                 "5",
                                 "-t",
                                 "3",
                                 "-c",
                                 "30",
                                 "-d",
                                 "16",
                                 "--mix",
                                 "50:40:10",
                                 "--keys",
                                 "1000",
                                 "--distribution",
                                 "zipfian",
                                 "--zipf-theta",
                                 "0.8",
                                 "--value-size",
                                 "10-20",
                                 "--vbuckets",
                                 "0",
                                 "--duration",
                                 "500ms",
                                 "--warmup",
                                 "0",
                                 "--no-populate",
                                 "--json",
                                 "-",
                                 "-q",
                                 "--seed",
                                 "9",
                                 "--key-prefix",
                                 "x:"});
    ASSERT_FALSE(parsed.exit) << parsed.err;
    const Options& options = parsed.options;
    ASSERT_EQ(2u, options.targets.size());
    EXPECT_EQ("127.0.0.2", options.targets[0].endpoint.host);
    EXPECT_EQ(42, options.targets[0].pid);
    EXPECT_EQ(12001, options.targets[1].endpoint.port);
    EXPECT_EQ("127.0.0.3:12001", options.targets[1].name);
    EXPECT_EQ(43, options.targets[1].pid);
    EXPECT_EQ(5u, options.rounds);
    EXPECT_EQ(3u, options.threads);
    EXPECT_EQ(30u, options.connections);
    EXPECT_EQ(16u, options.depth);
    EXPECT_EQ(10u, options.workload.mix.del);
    EXPECT_EQ(1000u, options.workload.keys);
    EXPECT_EQ(KeyDistribution::Zipfian, options.workload.distribution);
    EXPECT_DOUBLE_EQ(0.8, options.zipf_theta);
    EXPECT_EQ(20u, options.workload.values.max);
    EXPECT_EQ(0, options.vbuckets);
    EXPECT_EQ(std::chrono::milliseconds(500), options.duration);
    EXPECT_EQ(std::chrono::milliseconds(0), options.warmup);
    EXPECT_FALSE(options.populate);
    EXPECT_EQ("-", options.json_path);
    EXPECT_FALSE(options.progress);
    EXPECT_EQ(9u, options.seed);
    EXPECT_EQ("x:", options.key_prefix);
}

TEST(BenchOptionsTest, BadValuesAreUsageErrorsNamingTheOption) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--mix", "90"}, "--mix"},
        {{"--value-size", "5-1"}, "--value-size"},
        {{"--duration", "10 s"}, "--duration"},
        {{"--duration", "0"}, "--duration"},
        {{"--warmup", "1y"}, "--warmup"},
        {{"-t", "4", "-c", "2"}, "--connections"},
        {{"--compare", "host:notaport"}, "notaport"},
        {{"--keys", "1", "--distribution", "zipfian"}, "--keys"},
        {{"--compare", "127.0.0.1:1", "--compare-user", "u"}, "--compare-password"},
    };
    for (const auto& [args, mention] : cases) {
        const Parsed parsed = parse(args);
        EXPECT_EQ(tools::kExitUsage, parsed.exit) << args.front();
        EXPECT_NE(std::string::npos, parsed.err.find(mention)) << parsed.err;
    }
    EXPECT_EQ(tools::kExitUsage, parse({"--depth", "0"}).exit);
    EXPECT_EQ(tools::kExitUsage, parse({"--distribution", "normal"}).exit);
}

TEST(BenchOptionsTest, HelpExitsZero) {
    const Parsed parsed = parse({"--help"});
    EXPECT_EQ(tools::kExitOk, parsed.exit);
    EXPECT_NE(std::string::npos, parsed.out.find("--depth"));
}

TEST(ParseDurationTest, Units) {
    EXPECT_EQ(std::chrono::milliseconds(250), parseDuration("250ms", "d"));
    EXPECT_EQ(std::chrono::seconds(30), parseDuration("30", "d"));
    EXPECT_EQ(std::chrono::minutes(2), parseDuration("2m", "d"));
    EXPECT_EQ(std::chrono::hours(1), parseDuration("1h", "d"));
    EXPECT_THROW((void)parseDuration("", "d"), tools::UsageError);
    EXPECT_THROW((void)parseDuration("ms", "d"), tools::UsageError);
    EXPECT_THROW((void)parseDuration("99999999h", "d"), tools::UsageError);
}

}  // namespace
}  // namespace eddy::bench
