// eddy-timings — tests of the command line, opcode names, GET_CMD_TIMER requests and whole runs
// against a scripted server.
#include "timings_tool.h"

#include "fake_server.h"
#include "tool_common.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace eddy::tools::timings {
namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;

struct Parsed {
    std::optional<int> exit_code;
    Options options;
    std::string err;
};

Parsed parse(std::vector<std::string> args) {
    args.insert(args.begin(), "eddy-timings");
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
    parsed.err = err.str();
    return parsed;
}

std::string histogram(uint64_t count, uint64_t value) {
    if (count == 0) {
        return R"({"count":0,"sum_ns":0,"min_ns":0,"max_ns":0,"buckets":[]})";
    }
    return nlohmann::json{{"count", count},
                          {"sum_ns", count * value},
                          {"min_ns", value},
                          {"max_ns", value},
                          {"buckets", {{value, value + 1, count}}}}
        .dump();
}

TEST(TimingsOpcodeTest, Names) {
    EXPECT_EQ(opcodeByName("GET"), 0x00);
    EXPECT_EQ(opcodeByName("get"), 0x00);
    EXPECT_EQ(opcodeByName("Set"), 0x01);
    EXPECT_EQ(opcodeByName("DCP_MUTATION"), 0x57);
    EXPECT_EQ(opcodeByName("0xf3"), 0xf3);
    EXPECT_EQ(opcodeByName("0X1F"), 0x1f);
    EXPECT_FALSE(opcodeByName("0x100"));
    EXPECT_FALSE(opcodeByName("0x"));
    EXPECT_FALSE(opcodeByName("0xzz"));
    EXPECT_FALSE(opcodeByName("nosuch"));
    EXPECT_FALSE(opcodeByName(""));

    EXPECT_EQ(opcodeDisplayName(0x00), "GET");
    EXPECT_EQ(opcodeDisplayName(0x50), "DCP_OPEN");
    EXPECT_EQ(opcodeDisplayName(0xf0), "0xf0");
    for (const auto& info : mcbp::clientOpcodes()) {
        EXPECT_EQ(opcodeByName(opcodeDisplayName(static_cast<uint8_t>(info.opcode))),
                  static_cast<uint8_t>(info.opcode))
            << info.name;
    }
}

TEST(TimingsOpcodeTest, CmdTimerRequest) {
    const client::Request request = cmdTimerRequest(0x01);
    EXPECT_EQ(request.opcode, ClientOpcode::GetCmdTimer);
    EXPECT_EQ(request.extras, std::string(1, '\x01'));
    EXPECT_EQ(request.key, "");
    EXPECT_EQ(request.value, "");
}

TEST(TimingsCommandLineTest, GroupsAndNames) {
    const auto defaults = parse({});
    ASSERT_FALSE(defaults.exit_code);
    EXPECT_EQ(defaults.options.group, "timings");
    EXPECT_TRUE(defaults.options.names.empty());
    EXPECT_TRUE(defaults.options.opcodes.empty());
    EXPECT_FALSE(defaults.options.json);
    EXPECT_FALSE(defaults.options.tls);

    const auto tls = parse({"--cacert", "/dev/null", "-h", "db1:11207"});
    ASSERT_FALSE(tls.exit_code) << tls.err;
    ASSERT_TRUE(tls.options.tls);
    EXPECT_EQ(tls.options.tls->ca_file, "/dev/null");
    EXPECT_TRUE(parse({"--tls"}).options.tls);
    EXPECT_EQ(parse({"--cacert", "/nonexistent/ca.pem"}).exit_code, kExitUsage);

    const auto runtimes = parse({"-j", "runtimes", "FlusherTask", "ItemPager"});
    ASSERT_FALSE(runtimes.exit_code) << runtimes.err;
    EXPECT_TRUE(runtimes.options.json);
    EXPECT_EQ(runtimes.options.group, "runtimes");
    EXPECT_EQ(runtimes.options.names, (std::vector<std::string>{"FlusherTask", "ItemPager"}));

    // A first word that is no group is a name in the default group.
    const auto names = parse({"GET", "SET"});
    ASSERT_FALSE(names.exit_code);
    EXPECT_EQ(names.options.group, "timings");
    EXPECT_EQ(names.options.names, (std::vector<std::string>{"GET", "SET"}));

    const auto scheduler = parse({"-h", "host:1234", "scheduler"});
    ASSERT_FALSE(scheduler.exit_code);
    EXPECT_EQ(scheduler.options.group, "scheduler");
    EXPECT_EQ(scheduler.options.server.port, 1234);
}

TEST(TimingsCommandLineTest, Opcodes) {
    const auto parsed = parse({"--opcode", "GET", "--opcode", "set", "--opcode", "0xa0"});
    ASSERT_FALSE(parsed.exit_code) << parsed.err;
    EXPECT_EQ(parsed.options.opcodes, (std::vector<uint8_t>{0x00, 0x01, 0xa0}));
    const auto explicit_group = parse({"--opcode", "GET", "timings"});
    ASSERT_FALSE(explicit_group.exit_code) << explicit_group.err;
    EXPECT_EQ(explicit_group.options.opcodes, std::vector<uint8_t>{0x00});
}

TEST(TimingsCommandLineTest, Errors) {
    const auto unknown = parse({"--opcode", "FROB"});
    EXPECT_EQ(unknown.exit_code, kExitUsage);
    EXPECT_EQ(unknown.err, "eddy-timings: --opcode: no opcode named 'FROB'\n");
    EXPECT_EQ(parse({"--opcode", "GET", "runtimes"}).exit_code, kExitUsage);
    EXPECT_EQ(parse({"--opcode", "GET", "timings", "SET"}).exit_code, kExitUsage);
    EXPECT_EQ(parse({"--opcode"}).exit_code, kExitUsage);
    EXPECT_EQ(parse({"--bogus"}).exit_code, kExitUsage);
    EXPECT_EQ(parse({"-h", ""}).exit_code, kExitUsage);
    EXPECT_EQ(parse({"--help"}).exit_code, kExitOk);
}

/// A server with `timings` and `runtimes` groups and GET_CMD_TIMER for GET and SET.
class TimingsRunTest : public ::testing::Test {
protected:
    TimingsRunTest()
        : server_([this](FakeServer& self, const client::Packet& request) {
              if (request.header.opcode == static_cast<uint8_t>(ClientOpcode::GetCmdTimer)) {
                  if (!cmd_timer_) {
                      self.respond(request, ResponseStatus::UnknownCommand);
                      return;
                  }
                  const auto found = by_opcode_.find(static_cast<uint8_t>(request.extras.at(0)));
                  if (found == by_opcode_.end()) {
                      self.respond(request, ResponseStatus::Einval, {},
                                   R"({"error":{"context":"no such opcode"}})");
                      return;
                  }
                  self.respond(request, ResponseStatus::Success, {}, found->second);
                  return;
              }
              const auto group = groups_.find(request.key);
              if (group == groups_.end()) {
                  self.respond(
                      request, ResponseStatus::KeyEnoent, {},
                      nlohmann::json{
                          {"error", {{"context", "Unknown stat group '" + request.key + "'"}}}}
                          .dump());
                  return;
              }
              for (const auto& [key, value] : group->second) {
                  self.respond(request, ResponseStatus::Success, key, value);
              }
              self.respond(request, ResponseStatus::Success);
          }) {}

    int runWith(const Options& options) {
        out_.str({});
        err_.str({});
        return runTimings(server_.client(), options, out_, err_);
    }

    std::map<std::string, StatRows> groups_{
        {"timings",
         {{"GET", histogram(10, 1000)}, {"SET", histogram(0, 0)}, {"DELETE", histogram(3, 50000)}}},
        {"runtimes", {{"FlusherTask", histogram(4, 2000000)}}},
        {"broken", {{"GET", "{oops"}, {"SET", histogram(2, 10)}}},
    };
    std::map<uint8_t, std::string> by_opcode_{{0x00, histogram(10, 1000)}, {0x01, histogram(0, 0)}};
    std::atomic<bool> cmd_timer_{true};
    FakeServer server_;
    std::ostringstream out_;
    std::ostringstream err_;
};

TEST_F(TimingsRunTest, AllHistogramsWithSamples) {
    EXPECT_EQ(runWith(Options{}), kExitOk);
    const std::string text = out_.str();
    EXPECT_EQ(text.find("GET (10 samples)\n"), 0u) << text;
    EXPECT_NE(text.find("\n\nDELETE (3 samples)\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("SET"), std::string::npos) << "count 0 is skipped: " << text;
    EXPECT_EQ(err_.str(), "");
}

TEST_F(TimingsRunTest, NamesFilterCaseInsensitively) {
    Options options;
    options.names = {"delete", "SET", "NOSUCH"};
    EXPECT_EQ(runWith(options), kExitOk);
    EXPECT_EQ(out_.str().find("DELETE (3 samples)\n"), 0u) << out_.str();
    EXPECT_EQ(out_.str().find("GET"), std::string::npos);
    EXPECT_EQ(err_.str(),
              "eddy-timings: no timings named 'NOSUCH' in 'timings'\n"
              "eddy-timings: SET: no samples\n");
}

TEST_F(TimingsRunTest, Json) {
    Options options;
    options.group = "runtimes";
    options.json = true;
    EXPECT_EQ(runWith(options), kExitOk);
    const auto json = nlohmann::json::parse(out_.str());
    ASSERT_TRUE(json.contains("FlusherTask")) << out_.str();
    EXPECT_EQ(json["FlusherTask"]["count"], 4);
    EXPECT_EQ(json["FlusherTask"]["percentiles"]["p99.9"], 2000000);
    EXPECT_EQ(json.size(), 1u);
}

TEST_F(TimingsRunTest, MissingGroupIsExitOne) {
    Options options;
    options.group = "scheduler";
    EXPECT_EQ(runWith(options), kExitFailure);
    EXPECT_EQ(out_.str(), "");
    EXPECT_EQ(err_.str(),
              "eddy-timings: the server does not provide the 'scheduler' stat group: KEY_ENOENT "
              "(Unknown stat group 'scheduler')\n");
}

TEST_F(TimingsRunTest, BrokenHistogramIsReportedAndTheRestPrinted) {
    Options options;
    options.group = "broken";
    EXPECT_EQ(runWith(options), kExitFailure);
    EXPECT_NE(err_.str().find("cannot read the histogram 'GET'"), std::string::npos) << err_.str();
    EXPECT_EQ(out_.str().find("SET (2 samples)"), 0u) << out_.str();
}

TEST_F(TimingsRunTest, CmdTimer) {
    Options options;
    options.opcodes = {0x00, 0x01};
    EXPECT_EQ(runWith(options), kExitOk);
    EXPECT_EQ(out_.str().find("GET (10 samples)"), 0u) << out_.str();
    EXPECT_EQ(err_.str(), "eddy-timings: SET: no samples\n");
    server_.finish();
    ASSERT_EQ(server_.requests().size(), 2u);
    EXPECT_EQ(server_.requests()[0].header.opcode, 0xf3);
    EXPECT_EQ(server_.requests()[0].extras, std::string(1, '\x00'));
    EXPECT_EQ(server_.requests()[1].extras, std::string(1, '\x01'));
}

TEST_F(TimingsRunTest, CmdTimerErrorStatus) {
    Options options;
    options.opcodes = {0x02, 0x00};
    EXPECT_EQ(runWith(options), kExitFailure);
    EXPECT_EQ(err_.str(), "eddy-timings: GET_CMD_TIMER ADD: EINVAL (no such opcode)\n");
    EXPECT_EQ(out_.str().find("GET (10 samples)"), 0u) << out_.str();
}

TEST_F(TimingsRunTest, CmdTimerNotSupported) {
    cmd_timer_ = false;
    Options options;
    options.opcodes = {0x00};
    EXPECT_EQ(runWith(options), kExitFailure);
    EXPECT_NE(err_.str().find("does not support GET_CMD_TIMER"), std::string::npos) << err_.str();
    EXPECT_EQ(out_.str(), "");
}

}  // namespace
}  // namespace eddy::tools::timings
