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
using namespace std::string_literals;

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

TEST(CtlCommandLineTest, Tls) {
    const Parsed reload = parse({"tls", "reload"});
    ASSERT_FALSE(reload.exit_code) << reload.err;
    EXPECT_EQ(reload.options.command.kind, CommandKind::TlsReload);
    EXPECT_EQ(reload.options.command.description, "tls reload");
    EXPECT_EQ(reload.options.command.request.opcode, ClientOpcode::SslCertsRefresh);
    EXPECT_EQ(reload.options.command.request.extras + reload.options.command.request.key +
                  reload.options.command.request.value,
              "");
    EXPECT_FALSE(reload.options.tls.has_value());
    EXPECT_FALSE(reload.options.dev_certificate.has_value());

    // --tls / --cacert work with every command.
    const Parsed over_tls = parse({"-h", "db1:11207", "--tls", "tls", "reload"});
    ASSERT_FALSE(over_tls.exit_code) << over_tls.err;
    ASSERT_TRUE(over_tls.options.tls.has_value());
    EXPECT_EQ(over_tls.options.tls->ca_file, "");
    EXPECT_EQ(over_tls.options.server.port, 11207);
    const Parsed with_ca = parse({"--cacert", "/dev/null", "vbucket", "get", "1"});
    ASSERT_FALSE(with_ca.exit_code) << with_ca.err;
    ASSERT_TRUE(with_ca.options.tls.has_value());
    EXPECT_EQ(with_ca.options.tls->ca_file, "/dev/null");
    EXPECT_NE(usageErrorOf({"--cacert", "/nonexistent/ca.pem", "tls", "reload"})
                  .find("eddyctl: --cacert /nonexistent/ca.pem: "),
              std::string::npos);

    const Parsed create = parse({"tls", "create-dev-certificate"});
    ASSERT_FALSE(create.exit_code) << create.err;
    ASSERT_TRUE(create.options.dev_certificate.has_value());
    EXPECT_EQ(create.options.dev_certificate->dir, "./data/tls");
    EXPECT_FALSE(create.options.dev_certificate->force);
    const Parsed create_in =
        parse({"tls", "create-dev-certificate", "--force", "--dir", "/tmp/certs"});
    ASSERT_FALSE(create_in.exit_code) << create_in.err;
    EXPECT_EQ(create_in.options.dev_certificate->dir, "/tmp/certs");
    EXPECT_TRUE(create_in.options.dev_certificate->force);
    EXPECT_EQ(parse({"tls", "create-dev-certificate", "--dir=x"}).options.dev_certificate->dir,
              "x");

    EXPECT_NE(usageErrorOf({"tls"}).find("missing arguments"), std::string::npos);
    EXPECT_NE(usageErrorOf({"tls", "reload", "now"}).find("too many arguments"), std::string::npos);
    EXPECT_NE(usageErrorOf({"tls", "rotate"}).find("unknown action 'rotate'"), std::string::npos);
    EXPECT_NE(usageErrorOf({"tls", "create-dev-certificate", "--dir"}).find("--dir needs a value"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"tls", "create-dev-certificate", "--days", "9"})
                  .find("unknown argument '--days'"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"tls", "create-dev-certificate", "--dir="}).find("empty"),
              std::string::npos);

    const Parsed help = parse({"--help"});
    EXPECT_NE(help.out.find("tls create-dev-certificate"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("--cacert"), std::string::npos) << help.out;
}

TEST(CtlCommandLineTest, Bucket) {
    const Parsed create = parse({"-u", "Administrator", "-P", "password", "bucket", "create",
                                 "travel", "bucket_type=ephemeral;max_size=104857600"});
    ASSERT_FALSE(create.exit_code) << create.err;
    const Command& created = create.options.command;
    EXPECT_EQ(created.kind, CommandKind::CreateBucket);
    EXPECT_EQ(created.description, "bucket create travel");
    EXPECT_FALSE(created.select_bucket);
    EXPECT_EQ(created.request.opcode, ClientOpcode::CreateBucket);
    EXPECT_EQ(created.request.key, "travel");
    EXPECT_EQ(created.request.value, "ep\0bucket_type=ephemeral;max_size=104857600"s);
    EXPECT_EQ(created.request.extras, "");
    EXPECT_EQ(created.request.datatype, 0);
    // No CONFIG: the type and its NUL all the same.
    EXPECT_EQ(requestOf({"bucket", "create", "b"}).value, "ep\0"s);
    EXPECT_EQ(requestOf({"bucket", "create", "b", ""}).value, "ep\0"s);

    const Parsed del = parse({"bucket", "delete", "travel"});
    ASSERT_FALSE(del.exit_code) << del.err;
    EXPECT_EQ(del.options.command.kind, CommandKind::DeleteBucket);
    EXPECT_EQ(del.options.command.description, "bucket delete travel");
    EXPECT_FALSE(del.options.command.select_bucket);
    EXPECT_EQ(del.options.command.request.opcode, ClientOpcode::DeleteBucket);
    EXPECT_EQ(del.options.command.request.key, "travel");
    EXPECT_EQ(del.options.command.request.value, "");
    EXPECT_EQ(del.options.command.request.datatype, 0);
    EXPECT_EQ(requestOf({"bucket", "delete", "travel", "--keep-data"}).value,
              R"({"keep_data":true})");
    EXPECT_EQ(requestOf({"bucket", "delete", "travel", "--keep-data", "--force"}).value,
              R"({"force":true,"keep_data":true})");
    EXPECT_EQ(requestOf({"bucket", "delete", "--force", "--keep-data", "travel"}).value,
              R"({"force":true,"keep_data":true})");
    // --force alone is passed on; the server ignores it when the files go anyway.
    const auto forced = requestOf({"bucket", "delete", "travel", "--force"});
    EXPECT_EQ(forced.key, "travel");
    EXPECT_EQ(forced.value, R"({"force":true})");

    const Parsed list = parse({"bucket", "list"});
    ASSERT_FALSE(list.exit_code) << list.err;
    EXPECT_EQ(list.options.command.kind, CommandKind::ListBuckets);
    EXPECT_EQ(list.options.command.description, "bucket list");
    EXPECT_FALSE(list.options.command.select_bucket);
    EXPECT_EQ(list.options.command.request.opcode, ClientOpcode::ListBuckets);
    EXPECT_EQ(list.options.command.request.extras + list.options.command.request.key +
                  list.options.command.request.value,
              "");

    // The commands on a bucket's data still select "default".
    EXPECT_TRUE(parse({"vbucket", "get", "1"}).options.command.select_bucket);

    EXPECT_NE(usageErrorOf({"bucket"}).find("missing arguments"), std::string::npos);
    EXPECT_NE(usageErrorOf({"bucket", "rename", "a"}).find("unknown action 'rename'"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"bucket", "create"}).find("missing arguments"), std::string::npos);
    EXPECT_NE(usageErrorOf({"bucket", "create", "a", "x=1", "y=2"}).find("too many arguments"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"bucket", "create", ""}).find("empty bucket name"), std::string::npos);
    EXPECT_NE(usageErrorOf({"bucket", "create", "a", "--keep-data"})
                  .find("bucket create: unknown option '--keep-data'"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"bucket", "create", "--force", "a"}).find("unknown option '--force'"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"bucket", "delete"}).find("missing arguments"), std::string::npos);
    EXPECT_NE(usageErrorOf({"bucket", "delete", "--keep-data"}).find("missing arguments"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"bucket", "delete", "a", "b"}).find("too many arguments"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"bucket", "delete", "a", "--purge"})
                  .find("bucket delete: unknown option '--purge'"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"bucket", "delete", ""}).find("empty bucket name"), std::string::npos);
    EXPECT_NE(usageErrorOf({"bucket", "list", "all"}).find("too many arguments"),
              std::string::npos);
    EXPECT_NE(usageErrorOf({"frobnicate"}).find("bucket list"), std::string::npos);

    const Parsed help = parse({"--help"});
    EXPECT_NE(help.out.find("bucket create NAME [CONFIG]"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("bucket delete NAME [--keep-data] [--force]"), std::string::npos)
        << help.out;
    EXPECT_NE(help.out.find("bucket list"), std::string::npos) << help.out;
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

TEST(CtlOutcomeTest, TlsReload) {
    const Command reload = parseCommand({"tls", "reload"});
    const Outcome ok = formatOutcome(reload, answer(ResponseStatus::Success));
    EXPECT_TRUE(ok.ok);
    EXPECT_EQ(ok.text, "tls reload: ok (new TLS connections get the reloaded certificate)");
    const Outcome failed = formatOutcome(
        reload,
        answer(ResponseStatus::Einval,
               R"({"error":{"context":"TLS private key '/etc/eddy/pkey.pem': no such file"}})"));
    EXPECT_FALSE(failed.ok);
    EXPECT_EQ(failed.text,
              "tls reload: EINVAL (TLS private key '/etc/eddy/pkey.pem': no such file)");
}

TEST(CtlRunTest, TlsReloadAgainstAScriptedServer) {
    int calls = 0;
    FakeServer server([&calls](FakeServer& self, const client::Packet& request) {
        if (++calls == 1) {
            self.respond(request, ResponseStatus::Success);
        } else {
            self.respond(request, ResponseStatus::Einval, {},
                         "TLS certificate chain 'chain.pem': no certificate");
        }
    });
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(runCommand(server.client(), parseCommand({"tls", "reload"}), out, err), kExitOk);
    EXPECT_EQ(out.str(), "tls reload: ok (new TLS connections get the reloaded certificate)\n");
    EXPECT_EQ(err.str(), "");
    EXPECT_EQ(runCommand(server.client(), parseCommand({"tls", "reload"}), out, err), kExitFailure);
    EXPECT_EQ(err.str(),
              "eddyctl: tls reload: EINVAL (TLS certificate chain 'chain.pem': no certificate)\n");
    server.finish();
    ASSERT_EQ(server.requests().size(), 2u);
    for (const auto& request : server.requests()) {
        EXPECT_EQ(request.header.opcode, static_cast<uint8_t>(ClientOpcode::SslCertsRefresh));
        EXPECT_EQ(request.header.body_length, 0u);
    }
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

TEST(CtlOutcomeTest, Buckets) {
    const Command list = parseCommand({"bucket", "list"});
    const Outcome names = formatOutcome(list, answer(ResponseStatus::Success, "default travel"));
    EXPECT_TRUE(names.ok);
    EXPECT_EQ(names.text, "default\ntravel");
    EXPECT_EQ(formatOutcome(list, answer(ResponseStatus::Success, "default")).text, "default");
    EXPECT_EQ(formatOutcome(list, answer(ResponseStatus::Success, " a  b ")).text, "a\nb");
    const Outcome none = formatOutcome(list, answer(ResponseStatus::Success));
    EXPECT_TRUE(none.ok);
    EXPECT_EQ(none.text, "");
    EXPECT_EQ(formatOutcome(list, answer(ResponseStatus::Eaccess)).text, "bucket list: EACCESS");

    EXPECT_EQ(formatOutcome(parseCommand({"bucket", "create", "b", "max_size=104857600"}),
                            answer(ResponseStatus::Success))
                  .text,
              "bucket create b: ok");
    EXPECT_EQ(formatOutcome(parseCommand({"bucket", "delete", "b", "--keep-data"}),
                            answer(ResponseStatus::Success))
                  .text,
              "bucket delete b: ok");
}

TEST(CtlRunTest, BucketsAgainstAScriptedServer) {
    int lists = 0;
    FakeServer server([&lists](FakeServer& self, const client::Packet& request) {
        switch (static_cast<ClientOpcode>(request.header.opcode)) {
        case ClientOpcode::ListBuckets:
            self.respond(request, ResponseStatus::Success, {},
                         ++lists == 1 ? "default travel-sample" : "");
            break;
        case ClientOpcode::CreateBucket:
            self.respond(request, ResponseStatus::KeyEexists, {},
                         R"({"error":{"context":"Bucket 'default' exists"}})");
            break;
        case ClientOpcode::DeleteBucket:
            self.respond(request, ResponseStatus::KeyEnoent, {},
                         R"({"error":{"context":"No bucket 'gone'"}})");
            break;
        default: self.respond(request, ResponseStatus::Einval); break;
        }
    });
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(runCommand(server.client(), parseCommand({"bucket", "list"}), out, err), kExitOk);
    EXPECT_EQ(out.str(), "default\ntravel-sample\n");
    // No buckets: nothing printed, still a success.
    std::ostringstream empty;
    EXPECT_EQ(runCommand(server.client(), parseCommand({"bucket", "list"}), empty, err), kExitOk);
    EXPECT_EQ(empty.str(), "");
    EXPECT_EQ(err.str(), "");

    EXPECT_EQ(runCommand(server.client(),
                         parseCommand({"bucket", "create", "default", "bucket_type=ephemeral"}),
                         out, err),
              kExitFailure);
    EXPECT_EQ(err.str(), "eddyctl: bucket create default: KEY_EEXISTS (Bucket 'default' exists)\n");
    std::ostringstream err2;
    EXPECT_EQ(runCommand(server.client(), parseCommand({"bucket", "delete", "gone", "--keep-data"}),
                         out, err2),
              kExitFailure);
    EXPECT_EQ(err2.str(), "eddyctl: bucket delete gone: KEY_ENOENT (No bucket 'gone')\n");
    EXPECT_EQ(out.str(), "default\ntravel-sample\n");

    server.finish();
    ASSERT_EQ(server.requests().size(), 4u);
    for (const size_t i : {0, 1}) {
        EXPECT_EQ(server.requests()[i].header.opcode,
                  static_cast<uint8_t>(ClientOpcode::ListBuckets));
        EXPECT_EQ(server.requests()[i].header.body_length, 0u);
    }
    const client::Packet& create = server.requests()[2];
    EXPECT_EQ(create.header.opcode, static_cast<uint8_t>(ClientOpcode::CreateBucket));
    EXPECT_EQ(create.key, "default");
    EXPECT_EQ(create.value, "ep\0bucket_type=ephemeral"s);
    EXPECT_EQ(create.extras, "");
    const client::Packet& del = server.requests()[3];
    EXPECT_EQ(del.header.opcode, static_cast<uint8_t>(ClientOpcode::DeleteBucket));
    EXPECT_EQ(del.key, "gone");
    EXPECT_EQ(del.value, R"({"keep_data":true})");
    EXPECT_EQ(del.header.datatype, 0);
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
