// eddy-dcpdrain — tests of the vbucket list parser and the command line.
#include "options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace eddy::dcpdrain {
namespace {

TEST(VbucketListTest, IdsAndRanges) {
    EXPECT_EQ(parseVbucketList("0"), std::vector<uint16_t>{0});
    EXPECT_EQ(parseVbucketList("0,1,5-9"), (std::vector<uint16_t>{0, 1, 5, 6, 7, 8, 9}));
    EXPECT_EQ(parseVbucketList(" 7 , 3-4 ,3"), (std::vector<uint16_t>{3, 4, 7}));
    EXPECT_EQ(parseVbucketList("2-2"), std::vector<uint16_t>{2});
    EXPECT_EQ(parseVbucketList("65534-65535"), (std::vector<uint16_t>{65534, 65535}));
    EXPECT_EQ(parseVbucketList("0-1023").size(), 1024u);
}

TEST(VbucketListTest, Rejects) {
    for (const char* bad : {"", " ", ",", "1,", ",1", "1,,2", "a", "1-", "-1", "3-1", "1-2-3",
                            "65536", "0x10", "1.5", "+1", "1 2"}) {
        EXPECT_THROW((void)parseVbucketList(bad), std::invalid_argument) << "'" << bad << "'";
    }
}

TEST(VbucketListTest, MessageNamesTheItem) {
    try {
        (void)parseVbucketList("1,9-4");
        FAIL() << "no exception";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("9-4"), std::string::npos) << error.what();
    }
}

/// Runs parseCommandLine over `args` (program name added).
std::optional<int> parse(std::vector<std::string> args, Options& options) {
    args.insert(args.begin(), "eddy-dcpdrain");
    std::vector<const char*> argv;
    argv.reserve(args.size());
    for (const auto& arg : args) {
        argv.push_back(arg.c_str());
    }
    return parseCommandLine(static_cast<int>(argv.size()), argv.data(), options);
}

TEST(DcpDrainCommandLineTest, Defaults) {
    Options options;
    EXPECT_FALSE(parse({}, options));
    EXPECT_EQ(options.server.host, "127.0.0.1");
    EXPECT_EQ(options.server.port, 11210);
    EXPECT_FALSE(options.vbuckets);
    EXPECT_EQ(options.buffer_size, kDefaultBufferSize);
    EXPECT_FALSE(options.noop_interval);
    EXPECT_FALSE(options.no_value);
    EXPECT_FALSE(options.forever);
    EXPECT_FALSE(options.json);
    EXPECT_TRUE(options.positions_file.empty());
    EXPECT_TRUE(options.name.empty());
    EXPECT_FALSE(options.tls);
}

TEST(DcpDrainCommandLineTest, Tls) {
    Options with_tls;
    EXPECT_FALSE(parse({"-h", "db1:11207", "--tls"}, with_tls));
    ASSERT_TRUE(with_tls.tls);
    EXPECT_EQ(with_tls.tls->ca_file, "");
    EXPECT_EQ(with_tls.server.port, 11207);
    Options with_ca;
    EXPECT_FALSE(parse({"--cacert", "/dev/null"}, with_ca));
    ASSERT_TRUE(with_ca.tls);
    EXPECT_EQ(with_ca.tls->ca_file, "/dev/null");
    Options missing;
    testing::internal::CaptureStderr();
    EXPECT_EQ(parse({"--cacert", "/nonexistent/ca.pem"}, missing), 2);
    EXPECT_NE(testing::internal::GetCapturedStderr().find("--cacert /nonexistent/ca.pem"),
              std::string::npos);
}

TEST(DcpDrainCommandLineTest, Everything) {
    Options options;
    EXPECT_FALSE(parse(
        {"-h", "db1:12000", "--name", "n", "--vbuckets", "0,5-6", "--buffer-size", "0",
         "--noop-interval", "20", "--no-value", "--forever", "--positions", "pos.json", "--json"},
        options));
    EXPECT_EQ(options.server.host, "db1");
    EXPECT_EQ(options.server.port, 12000);
    EXPECT_EQ(options.name, "n");
    ASSERT_TRUE(options.vbuckets);
    EXPECT_EQ(*options.vbuckets, (std::vector<uint16_t>{0, 5, 6}));
    EXPECT_EQ(options.buffer_size, 0u);
    EXPECT_EQ(options.noop_interval, 20u);
    EXPECT_TRUE(options.no_value);
    EXPECT_TRUE(options.forever);
    EXPECT_EQ(options.positions_file, "pos.json");
    EXPECT_TRUE(options.json);
}

TEST(DcpDrainCommandLineTest, HostWithoutPortUsesTheDefault) {
    Options options;
    EXPECT_FALSE(parse({"--host", "localhost"}, options));
    EXPECT_EQ(options.server.host, "localhost");
    EXPECT_EQ(options.server.port, 11210);
}

TEST(DcpDrainCommandLineTest, BadOptionsExitWithTwo) {
    const std::vector<std::vector<std::string>> bad = {
        {"--vbuckets", "1-x"},     {"--vbuckets", ""},
        {"-h", "host:99999"},      {"-h", ":1"},
        {"--buffer-size", "-1"},   {"--buffer-size", "4294967296"},
        {"--buffer-size", "lots"}, {"--noop-interval", "0"},
        {"--no-such-option"},      {"stray"},
    };
    for (const auto& args : bad) {
        Options options;
        EXPECT_EQ(parse(args, options), 2) << args.front();
    }
}

TEST(DcpDrainCommandLineTest, HelpExitsWithZero) {
    Options options;
    testing::internal::CaptureStdout();
    EXPECT_EQ(parse({"--help"}, options), 0);
    const std::string help = testing::internal::GetCapturedStdout();
    EXPECT_NE(help.find("--vbuckets"), std::string::npos);
}

}  // namespace
}  // namespace eddy::dcpdrain
