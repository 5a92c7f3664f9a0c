// eddy-stats — tests of the STAT key, the table and JSON forms, the command line and a whole
// run against a scripted server.
#include "stats_tool.h"

#include "fake_server.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace eddy::tools::stats {
namespace {

struct Parsed {
    std::optional<int> exit_code;
    Options options;
    std::string out;
    std::string err;
};

Parsed parse(std::vector<std::string> args) {
    args.insert(args.begin(), "eddy-stats");
    std::vector<const char*> argv;
    argv.reserve(args.size());
    for (const auto& arg : args) {
        argv.push_back(arg.c_str());
    }
    Parsed parsed;
    std::ostringstream out;
    std::ostringstream err;
    parsed.exit_code =
        parseCommandLine(static_cast<int>(argv.size()), argv.data(), parsed.options, out, err);
    parsed.out = out.str();
    parsed.err = err.str();
    return parsed;
}

TEST(StatsToolTest, StatKey) {
    EXPECT_EQ(statKey("", {}), "");
    EXPECT_EQ(statKey("all", {}), "");
    EXPECT_EQ(statKey("dcp", {}), "dcp");
    EXPECT_EQ(statKey("vbucket-details", {"0"}), "vbucket-details 0");
    EXPECT_EQ(statKey("key", {"foo", "5"}), "key foo 5");
    EXPECT_EQ(statKey("dcpagg", {":"}), "dcpagg :");
    EXPECT_THROW((void)statKey("all", {"x"}), UsageError);
}

TEST(StatsToolTest, TableAndJson) {
    const StatRows rows{{"ep_num_items", "12"},
                        {"ep_version", "0.1"},
                        {"vb_0:state", "active"},
                        {"ep_bytes", "-4"}};
    EXPECT_EQ(formatStats(rows),
              "ep_num_items 12\n"
              "ep_version   0.1\n"
              "vb_0:state   active\n"
              "ep_bytes     -4\n");
    EXPECT_EQ(statsJson(rows).dump(),
              R"({"ep_num_items":12,"ep_version":"0.1","vb_0:state":"active","ep_bytes":-4})");
}

TEST(StatsCommandLineTest, Defaults) {
    const auto parsed = parse({});
    EXPECT_FALSE(parsed.exit_code);
    EXPECT_EQ(parsed.options.server.host, "127.0.0.1");
    EXPECT_EQ(parsed.options.server.port, 11210);
    EXPECT_EQ(parsed.options.group, "");
    EXPECT_TRUE(parsed.options.args.empty());
    EXPECT_FALSE(parsed.options.json);
    EXPECT_FALSE(parsed.options.tls);
}

TEST(StatsCommandLineTest, Tls) {
    const auto tls = parse({"-h", "db1:11207", "--tls", "dcp"});
    ASSERT_FALSE(tls.exit_code) << tls.err;
    ASSERT_TRUE(tls.options.tls);
    EXPECT_EQ(tls.options.tls->ca_file, "");
    EXPECT_EQ(tls.options.group, "dcp");
    const auto ca = parse({"--cacert", "/dev/null"});
    ASSERT_FALSE(ca.exit_code) << ca.err;
    ASSERT_TRUE(ca.options.tls);
    EXPECT_EQ(ca.options.tls->ca_file, "/dev/null");
    const auto missing = parse({"--cacert", "/nonexistent/ca.pem"});
    EXPECT_EQ(missing.exit_code, kExitUsage);
    EXPECT_EQ(missing.err.rfind("eddy-stats: --cacert /nonexistent/ca.pem: ", 0), 0u)
        << missing.err;
}

TEST(StatsCommandLineTest, GroupArgsAndOptions) {
    const auto parsed = parse({"-h", "localhost:12000", "-j", "-b", "default", "checkpoint", "5"});
    ASSERT_FALSE(parsed.exit_code) << parsed.err;
    EXPECT_EQ(parsed.options.server.host, "localhost");
    EXPECT_EQ(parsed.options.server.port, 12000);
    EXPECT_TRUE(parsed.options.json);
    EXPECT_EQ(parsed.options.group, "checkpoint");
    EXPECT_EQ(parsed.options.args, std::vector<std::string>{"5"});

    const auto all = parse({"all"});
    ASSERT_FALSE(all.exit_code);
    EXPECT_EQ(statKey(all.options.group, all.options.args), "");

    // Options may follow the group.
    const auto late = parse({"dcp", "--json"});
    ASSERT_FALSE(late.exit_code);
    EXPECT_TRUE(late.options.json);
    EXPECT_EQ(late.options.group, "dcp");
}

TEST(StatsCommandLineTest, Errors) {
    const auto bucket = parse({"-b", "travel-sample"});
    EXPECT_EQ(bucket.exit_code, kExitUsage);
    EXPECT_NE(bucket.err.find("-b travel-sample needs -u"), std::string::npos) << bucket.err;
    const auto logged_in = parse({"-u", "alice", "-P", "pw", "-b", "travel-sample"});
    ASSERT_FALSE(logged_in.exit_code) << logged_in.err;
    EXPECT_EQ(logged_in.options.bucket, "travel-sample");

    EXPECT_EQ(parse({"--bogus"}).exit_code, kExitUsage);
    EXPECT_EQ(parse({"-h", "host:port"}).exit_code, kExitUsage);
    EXPECT_EQ(parse({"all", "extra"}).exit_code, kExitUsage);

    const auto help = parse({"--help"});
    EXPECT_EQ(help.exit_code, kExitOk);
    EXPECT_NE(help.out.find("--bucket"), std::string::npos);
}

/// A server with a default group, a "vbucket" group and nothing else.
class StatsRunTest : public ::testing::Test {
protected:
    StatsRunTest()
        : server_([this](FakeServer& self, const client::Packet& request) {
              const auto group = groups_.find(request.key);
              if (group == groups_.end()) {
                  self.respond(request, mcbp::ResponseStatus::KeyEnoent, {},
                               R"({"error":{"context":"Unknown stat group"}})");
                  return;
              }
              for (const auto& [key, value] : group->second) {
                  self.respond(request, mcbp::ResponseStatus::Success, key, value);
              }
              self.respond(request, mcbp::ResponseStatus::Success);
          }) {}

    int runWith(const Options& options) {
        out_.str({});
        err_.str({});
        return runStats(server_.client(), options, out_, err_);
    }

    std::map<std::string, StatRows> groups_{
        {"", {{"pid", "77"}, {"curr_connections", "2"}}},
        {"vbucket", {{"vb_0", "active"}, {"vb_1", "replica"}}},
    };
    FakeServer server_;
    std::ostringstream out_;
    std::ostringstream err_;
};

TEST_F(StatsRunTest, PrintsTheTableInServerOrder) {
    Options options;
    EXPECT_EQ(runWith(options), kExitOk);
    EXPECT_EQ(out_.str(),
              "pid              77\n"
              "curr_connections 2\n");
    EXPECT_EQ(err_.str(), "");
}

TEST_F(StatsRunTest, PrintsJson) {
    Options options;
    options.group = "vbucket";
    options.json = true;
    EXPECT_EQ(runWith(options), kExitOk);
    EXPECT_EQ(out_.str(), "{\"vb_0\":\"active\",\"vb_1\":\"replica\"}\n");
}

TEST_F(StatsRunTest, UnknownGroupIsExitOne) {
    Options options;
    options.group = "nosuch";
    options.args = {"1"};
    EXPECT_EQ(runWith(options), kExitFailure);
    EXPECT_EQ(out_.str(), "");
    EXPECT_EQ(err_.str(), "eddy-stats: unknown stat group 'nosuch'\n");
    server_.finish();
    ASSERT_EQ(server_.requests().size(), 1u);
    EXPECT_EQ(server_.requests()[0].key, "nosuch 1");
}

TEST(StatsRunErrorTest, OtherStatusAndClosedConnection) {
    FakeServer server([](FakeServer& self, const client::Packet& request) {
        self.respond(request, mcbp::ResponseStatus::Eaccess);
    });
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(runStats(server.client(), Options{}, out, err), kExitFailure);
    EXPECT_EQ(err.str(), "eddy-stats: STAT '': EACCESS\n");

    server.finish();  // closes the client end
    std::ostringstream err2;
    EXPECT_EQ(runStats(server.client(), Options{}, out, err2), kExitFailure);
    EXPECT_EQ(err2.str().rfind("eddy-stats: ", 0), 0u) << err2.str();
}

TEST(StatsRunErrorTest, NoServer) {
    // Port 1 on the loopback: nobody listens there.
    const char* argv[] = {"eddy-stats", "-h", "127.0.0.1:1"};
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(run(3, argv, out, err), kExitFailure);
    EXPECT_EQ(err.str().rfind("eddy-stats: connect to", 0), 0u) << err.str();
}

}  // namespace
}  // namespace eddy::tools::stats
