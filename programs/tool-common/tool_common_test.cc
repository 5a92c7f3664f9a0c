// eddy — tests of the tools' shared code: parsing, tables, JSON, error texts, the fake server.
#include "tool_common.h"

#include "fake_server.h"
#include "protocol/magic.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace eddy::tools {
namespace {

client::Packet response(mcbp::ResponseStatus status, std::string value = {}) {
    client::Packet packet;
    packet.header.magic = mcbp::Magic::ClientResponse;
    packet.header.vbucket_or_status = static_cast<uint16_t>(status);
    packet.value = std::move(value);
    return packet;
}

TEST(ToolCommonTest, ParseUnsigned) {
    EXPECT_EQ(parseUnsigned("0", 10, "x"), 0u);
    EXPECT_EQ(parseUnsigned("65535", 65535, "vbucket"), 65535u);
    EXPECT_EQ(parseUnsigned("18446744073709551615", UINT64_MAX, "x"), UINT64_MAX);
    for (const char* bad :
         {"", " 1", "1 ", "-1", "+1", "1.5", "0x10", "abc", "65536", "18446744073709551616"}) {
        EXPECT_THROW((void)parseUnsigned(bad, 65535, "vbucket"), UsageError) << "'" << bad << "'";
    }
    try {
        (void)parseUnsigned("70000", 65535, "vbucket");
        FAIL() << "no exception";
    } catch (const UsageError& error) {
        EXPECT_STREQ(error.what(), "vbucket: '70000' is not a number from 0 to 65535");
    }
}

TEST(ToolCommonTest, ParseServer) {
    const auto endpoint = parseServer("localhost:12000");
    EXPECT_EQ(endpoint.host, "localhost");
    EXPECT_EQ(endpoint.port, 12000);
    EXPECT_EQ(parseServer("10.0.0.1").port, 11210);
    EXPECT_THROW((void)parseServer("host:notaport"), UsageError);
    EXPECT_THROW((void)parseServer("host:70000"), UsageError);
}

TEST(ToolCommonTest, StatValuesThatAreIntegersBecomeNumbers) {
    EXPECT_EQ(statValueToJson("0"), nlohmann::json(0));
    EXPECT_EQ(statValueToJson("42"), nlohmann::json(42));
    EXPECT_EQ(statValueToJson("-17"), nlohmann::json(-17));
    EXPECT_EQ(statValueToJson("18446744073709551615"), nlohmann::json(UINT64_MAX));
    EXPECT_EQ(statValueToJson("-9223372036854775808"), nlohmann::json(INT64_MIN));
    EXPECT_TRUE(statValueToJson("42").is_number_unsigned());
    EXPECT_TRUE(statValueToJson("-17").is_number_integer());
}

TEST(ToolCommonTest, OtherStatValuesStayStrings) {
    for (const char* text :
         {"", "-", "1.5", "1e3", " 1", "1 ", "12abc", "0x10", "+5", "007", "-0", "-007", "true",
          "18446744073709551616", "-9223372036854775809", "active", "3.0.1"}) {
        const auto json = statValueToJson(text);
        ASSERT_TRUE(json.is_string()) << "'" << text << "' → " << json.dump();
        EXPECT_EQ(json.get<std::string>(), text);
    }
}

TEST(ToolCommonTest, RowsToJsonObjectInServerOrder) {
    const StatRows rows{{"vb_10", "active"}, {"curr_items", "10"}, {"ep_version", "1.0"}};
    EXPECT_EQ(statRowsToJson(rows).dump(),
              R"({"vb_10":"active","curr_items":10,"ep_version":"1.0"})");
    EXPECT_EQ(statRowsToJson({}).dump(), "{}");
    // A key sent twice keeps its first place and its last value.
    EXPECT_EQ(statRowsToJson({{"a", "1"}, {"b", "2"}, {"a", "x"}}).dump(), R"({"a":"x","b":2})");
}

TEST(ToolCommonTest, DisplayWidthCountsCodePoints) {
    EXPECT_EQ(displayWidth(""), 0u);
    EXPECT_EQ(displayWidth("abc"), 3u);
    EXPECT_EQ(displayWidth("1.50 µs"), 7u);
    EXPECT_EQ(padLeft("µs", 4), "  µs");
    EXPECT_EQ(padRight("µs", 4), "µs  ");
    EXPECT_EQ(padRight("toolong", 3), "toolong");
    EXPECT_EQ(padLeft("toolong", 3), "toolong");
}

TEST(ToolCommonTest, TableAlignsValuesAfterTheLongestKey) {
    const StatRows rows{{"uptime", "12"}, {"curr_connections", "3"}, {"pid", "4242"}};
    EXPECT_EQ(formatTable(rows),
              "uptime           12\n"
              "curr_connections 3\n"
              "pid              4242\n");
}

TEST(ToolCommonTest, TableKeepsTheServerOrderAndEmptyValues) {
    const StatRows rows{{"z", "1"}, {"a", ""}, {"mm", "two words"}};
    EXPECT_EQ(formatTable(rows),
              "z  1\n"
              "a\n"
              "mm two words\n");
    EXPECT_EQ(formatTable({}), "");
}

TEST(ToolCommonTest, ErrorTexts) {
    EXPECT_EQ(statusText(response(mcbp::ResponseStatus::KeyEnoent)), "KEY_ENOENT");
    client::Packet odd = response(mcbp::ResponseStatus::Success);
    odd.header.vbucket_or_status = 0x1234;
    EXPECT_EQ(statusText(odd), "status 0x1234");

    const auto xerror =
        response(mcbp::ResponseStatus::Einval, R"({"error":{"context":"Unknown parameter 'x'"}})");
    EXPECT_EQ(errorContext(xerror), "Unknown parameter 'x'");
    EXPECT_EQ(describeError(xerror), "EINVAL (Unknown parameter 'x')");

    const auto with_ref = response(mcbp::ResponseStatus::Eaccess,
                                   R"({"error":{"context":"no access","ref":"abc-1"}})");
    EXPECT_EQ(errorContext(with_ref), "no access, ref abc-1");

    EXPECT_EQ(describeError(response(mcbp::ResponseStatus::NotMyVbucket)), "NOT_MY_VBUCKET");
    EXPECT_EQ(errorContext(response(mcbp::ResponseStatus::Einval, "plain text")), "plain text");
    EXPECT_EQ(errorContext(response(mcbp::ResponseStatus::Einval, std::string("\x01\x02", 2))), "");
    EXPECT_EQ(errorContext(response(mcbp::ResponseStatus::Einval, std::string(2000, 'x'))), "");
}

TEST(ToolCommonTest, ParseAppExitCodes) {
    for (const auto& [args, expected] :
         std::vector<std::pair<std::vector<const char*>, std::optional<int>>>{
             {{"tool"}, std::nullopt},
             {{"tool", "-h", "host:1"}, std::nullopt},
             {{"tool", "--help"}, kExitOk},
             {{"tool", "--bogus"}, kExitUsage},
             {{"tool", "-h"}, kExitUsage},
         }) {
        CLI::App app{"test tool"};
        std::string server(kDefaultServer);
        configureApp(app, server);
        std::ostringstream out;
        std::ostringstream err;
        EXPECT_EQ(parseApp(app, static_cast<int>(args.size()), args.data(), out, err), expected)
            << args.size();
        if (expected == kExitOk) {
            EXPECT_NE(out.str().find("--help"), std::string::npos) << out.str();
        }
        if (expected == kExitUsage) {
            EXPECT_FALSE(err.str().empty());
        }
    }
}

/// What --tls / --cacert in `args` resolve to (args without the program name).
std::optional<client::TlsOptions> tlsOf(std::vector<const char*> args) {
    args.insert(args.begin(), "tool");
    CLI::App app{"test tool"};
    std::string server(kDefaultServer);
    TlsFlags flags;
    configureApp(app, server);
    addTlsOptions(app, flags);
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(parseApp(app, static_cast<int>(args.size()), args.data(), out, err), std::nullopt)
        << err.str();
    return resolveTls(flags);
}

TEST(ToolCommonTest, TlsOptions) {
    EXPECT_FALSE(tlsOf({}).has_value());
    EXPECT_FALSE(tlsOf({"-h", "db1:11210"}).has_value());
    const auto system_trust = tlsOf({"--tls", "-h", "db1:11207"});
    ASSERT_TRUE(system_trust.has_value());
    EXPECT_EQ(system_trust->ca_file, "");
    // --cacert implies --tls; the file must be readable (any readable file will do here).
    const auto own_ca = tlsOf({"--cacert", "/dev/null"});
    ASSERT_TRUE(own_ca.has_value());
    EXPECT_EQ(own_ca->ca_file, "/dev/null");
    EXPECT_EQ(tlsOf({"--tls", "--cacert", "/dev/null"})->ca_file, "/dev/null");
    try {
        (void)tlsOf({"--cacert", "/nonexistent/ca.pem"});
        FAIL() << "no exception";
    } catch (const UsageError& error) {
        EXPECT_EQ(std::string(error.what()).rfind("--cacert /nonexistent/ca.pem: ", 0), 0u)
            << error.what();
    }
}

TEST(FakeServerTest, AnswersAndRecords) {
    FakeServer server([](FakeServer& self, const client::Packet& request) {
        self.respond(request, mcbp::ResponseStatus::Success, {}, "pong");
    });
    const auto answer =
        server.client().execute(client::Request{.opcode = mcbp::ClientOpcode::Noop});
    EXPECT_EQ(answer.value, "pong");
    server.finish();
    ASSERT_EQ(server.requests().size(), 1u);
    EXPECT_EQ(server.requests()[0].header.opcode, static_cast<uint8_t>(mcbp::ClientOpcode::Noop));
}

TEST(FetchStatsTest, CollectsThePairsInOrder) {
    FakeServer server([](FakeServer& self, const client::Packet& request) {
        if (request.key == "nosuch") {
            self.respond(request, mcbp::ResponseStatus::KeyEnoent, {},
                         R"({"error":{"context":"Unknown stat group 'nosuch'"}})");
            return;
        }
        self.respond(request, mcbp::ResponseStatus::Success, "b", "2");
        self.respond(request, mcbp::ResponseStatus::Success, "a", "1");
        self.respond(request, mcbp::ResponseStatus::Success);
    });
    const StatsReply reply = fetchStats(server.client(), "group 1");
    EXPECT_FALSE(reply.failure);
    EXPECT_EQ(reply.rows, (StatRows{{"b", "2"}, {"a", "1"}}));

    const StatsReply failed = fetchStats(server.client(), "nosuch");
    ASSERT_TRUE(failed.failure);
    EXPECT_TRUE(failed.rows.empty());
    EXPECT_EQ(describeError(*failed.failure), "KEY_ENOENT (Unknown stat group 'nosuch')");

    server.finish();
    ASSERT_EQ(server.requests().size(), 2u);
    EXPECT_EQ(server.requests()[0].key, "group 1");
    EXPECT_EQ(server.requests()[0].header.opcode, static_cast<uint8_t>(mcbp::ClientOpcode::Stat));
    EXPECT_THROW((void)fetchStats(server.client(), ""), client::Error);
}

}  // namespace
}  // namespace eddy::tools
