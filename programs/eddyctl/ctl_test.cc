// eddyctl — tests of the command line → request mapping (each command, each error) and of whole
// runs against a scripted server.
#include "ctl.h"

#include "fake_server.h"
#include "tool_common.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace eddy::tools::ctl {
namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;

std::string be32(uint32_t value) {
    return std::string{static_cast<char>(value >> 24), static_cast<char>(value >> 16),
                       static_cast<char>(value >> 8), static_cast<char>(value)};
}

struct Parsed {
    std::optional<int> exit_code;
    Options options;
    std::string out;
    std::string err;
};

Parsed parse(std::vector<std::string> args) {
    args.insert(args.begin(), "eddyctl");
    std::vector<const char*> argv;
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

/// The request `args` map to (the parse must succeed).
client::Request requestOf(std::vector<std::string> args) {
    const Parsed parsed = parse(std::move(args));
    EXPECT_FALSE(parsed.exit_code) << parsed.err;
    return parsed.options.command.request;
}

/// The error message `args` give (the parse must fail with kExitUsage).
std::string usageErrorOf(std::vector<std::string> args) {
    const Parsed parsed = parse(std::move(args));
    EXPECT_EQ(parsed.exit_code, kExitUsage);
    return parsed.err;
}

TEST(CtlTest, Tables) {
    EXPECT_EQ(paramType("flush_param"), 1u);
    EXPECT_EQ(paramType("checkpoint_param"), 3u);
    EXPECT_EQ(paramType("dcp_param"), 4u);
    EXPECT_EQ(paramType("vbucket_param"), 5u);
    EXPECT_FALSE(paramType("tap_param"));
    EXPECT_EQ(vbucketStateByName("active"), 1u);
    EXPECT_EQ(vbucketStateByName("replica"), 2u);
    EXPECT_EQ(vbucketStateByName("pending"), 3u);
    EXPECT_EQ(vbucketStateByName("dead"), 4u);
    EXPECT_FALSE(vbucketStateByName("Active"));
    EXPECT_EQ(vbucketStateName(2), "replica");
    EXPECT_EQ(vbucketStateName(9), "unknown state 9");
}

TEST(CtlCommandLineTest, SetParam) {
    const Parsed parsed =
        parse({"-h", "db1:11999", "set", "checkpoint_param", "chk_max_items", "500"});
    ASSERT_FALSE(parsed.exit_code) << parsed.err;
    EXPECT_EQ(parsed.options.server.host, "db1");
    EXPECT_EQ(parsed.options.server.port, 11999);
    const Command& command = parsed.options.command;
    EXPECT_EQ(command.kind, CommandKind::SetParam);
    EXPECT_EQ(command.description, "set checkpoint_param chk_max_items = 500");
    EXPECT_EQ(command.request.opcode, ClientOpcode::SetParam);
    EXPECT_EQ(command.request.extras, be32(3));
    EXPECT_EQ(command.request.key, "chk_max_items");
    EXPECT_EQ(command.request.value, "500");
    EXPECT_EQ(command.request.vbucket, 0);

    for (const auto& [type, code] : std::vector<std::pair<std::string, uint32_t>>{
             {"flush_param", 1}, {"dcp_param", 4}, {"vbucket_param", 5}}) {
        const auto request = requestOf({"set", type, "k", "v"});
        EXPECT_EQ(request.extras, be32(code)) << type;
    }
    // Values are passed as typed, a leading '-' and spaces included.
    EXPECT_EQ(requestOf({"set", "flush_param", "x", "-1"}).value, "-1");
    EXPECT_EQ(requestOf({"set", "flush_param", "x", "a b"}).value, "a b");
    EXPECT_EQ(requestOf({"set", "flush_param", "x", ""}).value, "");
}

TEST(CtlCommandLineTest, Verbosity) {
    const Parsed parsed = parse({"verbosity", "2"});
    ASSERT_FALSE(parsed.exit_code) << parsed.err;
    EXPECT_EQ(parsed.options.command.kind, CommandKind::Verbosity);
    EXPECT_EQ(parsed.options.command.description, "verbosity 2");
    EXPECT_EQ(parsed.options.command.request.opcode, ClientOpcode::Verbosity);
    EXPECT_EQ(parsed.options.command.request.extras, be32(2));
    EXPECT_EQ(parsed.options.command.request.key, "");
}

TEST(CtlCommandLineTest, Vbucket) {
    const auto get = requestOf({"vbucket", "get", "7"});
    EXPECT_EQ(get.opcode, ClientOpcode::GetVbucket);
    EXPECT_EQ(get.vbucket, 7);
    EXPECT_EQ(get.extras, "");

    const Parsed set = parse({"vbucket", "set", "1023", "replica"});
    ASSERT_FALSE(set.exit_code) << set.err;
    EXPECT_EQ(set.options.command.kind, CommandKind::SetVbucket);
    EXPECT_EQ(set.options.command.description, "set vbucket 1023 to replica");
    EXPECT_EQ(set.options.command.request.opcode, ClientOpcode::SetVbucket);
    EXPECT_EQ(set.options.command.request.vbucket, 1023);
    EXPECT_EQ(set.options.command.request.extras, be32(2));
    for (const auto& [state, code] : std::vector<std::pair<std::string, uint32_t>>{
             {"active", 1}, {"pending", 3}, {"dead", 4}}) {
        EXPECT_EQ(requestOf({"vbucket", "set", "0", state}).extras, be32(code)) << state;
    }

    const auto del = requestOf({"vbucket", "delete", "65535"});
    EXPECT_EQ(del.opcode, ClientOpcode::DelVbucket);
    EXPECT_EQ(del.vbucket, 65535);
    EXPECT_EQ(del.extras, "");
}

TEST(CtlCommandLineTest, Persistence) {
    const auto stop = requestOf({"persistence", "stop"});
    EXPECT_EQ(stop.opcode, ClientOpcode::StopPersistence);
    EXPECT_EQ(stop.extras + stop.key + stop.value, "");
    EXPECT_EQ(requestOf({"persistence", "start"}).opcode, ClientOpcode::StartPersistence);
}

TEST(CtlCommandLineTest, Errors) {
    EXPECT_NE(usageErrorOf({}).find("no command"), std::string::npos);
    EXPECT_NE(usageErrorOf({"frobnicate"}).find("unknown command 'frobnicate'"), std::string::npos);
    EXPECT_NE(usageErrorOf({"set", "flush_param", "x"}).find("missing arguments"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"set", "flush_param", "x", "1", "2"}).find("too many arguments"),
              std::string::npos);
    EXPECT_NE(
        usageErrorOf({"set", "tap_param", "x", "1"}).find("unknown parameter type 'tap_param'"),
        std::string::npos);
    EXPECT_NE(usageErrorOf({"set", "flush_param", "", "1"}).find("empty parameter name"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"verbosity"}).find("missing arguments"), std::string::npos);
    EXPECT_NE(usageErrorOf({"verbosity", "loud"}).find("'loud' is not a number"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"verbosity", "-1"}).find("'-1' is not a number"), std::string::npos);
    EXPECT_NE(usageErrorOf({"verbosity", "4294967296"}).find("is not a number"), std::string::npos);
    EXPECT_NE(usageErrorOf({"vbucket"}).find("missing arguments"), std::string::npos);
    EXPECT_NE(usageErrorOf({"vbucket", "get"}).find("missing arguments"), std::string::npos);
    EXPECT_NE(usageErrorOf({"vbucket", "get", "1", "2"}).find("too many"), std::string::npos);
    EXPECT_NE(usageErrorOf({"vbucket", "get", "65536"})
                  .find("vbucket: '65536' is not a number from 0 to 65535"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"vbucket", "set", "1"}).find("missing arguments"), std::string::npos);
    EXPECT_NE(usageErrorOf({"vbucket", "set", "1", "primary"}).find("unknown state 'primary'"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"vbucket", "delete", "x"}).find("'x' is not a number"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"vbucket", "flush", "1"}).find("unknown action 'flush'"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"persistence"}).find("missing arguments"), std::string::npos);
    EXPECT_NE(usageErrorOf({"persistence", "pause"}).find("neither stop nor start"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"-h", "h:99999", "persistence", "stop"}).find("-h"), std::string::npos);
    EXPECT_EQ(usageErrorOf({"--bogus"}).empty(), false);
    // Every message names the tool.
    EXPECT_EQ(usageErrorOf({"frobnicate"}).rfind("eddyctl: ", 0), 0u);

    const Parsed help = parse({"--help"});
    EXPECT_EQ(help.exit_code, kExitOk);
    EXPECT_NE(help.out.find("vbucket set VB"), std::string::npos) << help.out;
}

client::Packet answer(ResponseStatus status, std::string value = {}) {
    client::Packet packet;
    packet.header.magic = mcbp::Magic::ClientResponse;
    packet.header.vbucket_or_status = static_cast<uint16_t>(status);
    packet.value = std::move(value);
    return packet;
}

TEST(CtlOutcomeTest, Texts) {
    const Command set = parseCommand({"set", "checkpoint_param", "chk_max_items", "500"});
    const Outcome ok = formatOutcome(set, answer(ResponseStatus::Success));
    EXPECT_TRUE(ok.ok);
    EXPECT_EQ(ok.text, "set checkpoint_param chk_max_items = 500: ok");

    const Outcome failed = formatOutcome(
        set, answer(ResponseStatus::Einval, R"({"error":{"context":"Value out of range"}})"));
    EXPECT_FALSE(failed.ok);
    EXPECT_EQ(failed.text, "set checkpoint_param chk_max_items = 500: EINVAL (Value out of range)");

    const Command get = parseCommand({"vbucket", "get", "3"});
    EXPECT_EQ(formatOutcome(get, answer(ResponseStatus::Success, be32(1))).text,
              "vbucket 3: active");
    EXPECT_EQ(formatOutcome(get, answer(ResponseStatus::Success, be32(4))).text, "vbucket 3: dead");
    const Outcome short_answer = formatOutcome(get, answer(ResponseStatus::Success, "x"));
    EXPECT_FALSE(short_answer.ok);
    EXPECT_EQ(formatOutcome(get, answer(ResponseStatus::NotMyVbucket)).text,
              "get vbucket 3: NOT_MY_VBUCKET");

    EXPECT_EQ(formatOutcome(parseCommand({"vbucket", "set", "3", "dead"}),
                            answer(ResponseStatus::Success))
                  .text,
              "set vbucket 3 to dead: ok");
    EXPECT_EQ(
        formatOutcome(parseCommand({"vbucket", "delete", "3"}), answer(ResponseStatus::Success))
            .text,
        "delete vbucket 3: ok");
    EXPECT_EQ(
        formatOutcome(parseCommand({"persistence", "stop"}), answer(ResponseStatus::Success)).text,
        "persistence stop: ok");
    EXPECT_EQ(formatOutcome(parseCommand({"verbosity", "1"}), answer(ResponseStatus::Success)).text,
              "verbosity 1: ok");
}

TEST(CtlRunTest, AgainstAScriptedServer) {
    FakeServer server([](FakeServer& self, const client::Packet& request) {
        switch (static_cast<ClientOpcode>(request.header.opcode)) {
        case ClientOpcode::GetVbucket:
            self.respond(request, ResponseStatus::Success, {}, be32(2));
            break;
        case ClientOpcode::SetParam:
            self.respond(request, ResponseStatus::Einval, {},
                         R"({"error":{"context":"Unknown parameter 'nope'"}})");
            break;
        default: self.respond(request, ResponseStatus::Success); break;
        }
    });
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(runCommand(server.client(), parseCommand({"vbucket", "get", "9"}), out, err),
              kExitOk);
    EXPECT_EQ(out.str(), "vbucket 9: replica\n");
    EXPECT_EQ(
        runCommand(server.client(), parseCommand({"set", "flush_param", "nope", "1"}), out, err),
        kExitFailure);
    EXPECT_EQ(err.str(), "eddyctl: set flush_param nope = 1: EINVAL (Unknown parameter 'nope')\n");
    EXPECT_EQ(runCommand(server.client(), parseCommand({"persistence", "start"}), out, err),
              kExitOk);
    server.finish();
    ASSERT_EQ(server.requests().size(), 3u);
    EXPECT_EQ(server.requests()[0].header.vbucket_or_status, 9);
    EXPECT_EQ(server.requests()[1].key, "nope");
    EXPECT_EQ(server.requests()[1].extras, be32(1));
    EXPECT_EQ(server.requests()[2].header.opcode,
              static_cast<uint8_t>(ClientOpcode::StartPersistence));

    // The connection is closed now: exit 1 with the error.
    std::ostringstream err2;
    EXPECT_EQ(runCommand(server.client(), parseCommand({"persistence", "stop"}), out, err2),
              kExitFailure);
    EXPECT_EQ(err2.str().rfind("eddyctl: persistence stop: ", 0), 0u) << err2.str();
}

TEST(CtlRunTest, NoServer) {
    const char* argv[] = {"eddyctl", "-h", "127.0.0.1:1", "persistence", "stop"};
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(run(5, argv, out, err), kExitFailure);
    EXPECT_EQ(err.str().rfind("eddyctl: connect to", 0), 0u) << err.str();
}

}  // namespace
}  // namespace eddy::tools::ctl
