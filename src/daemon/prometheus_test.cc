// eddy — unit tests of the Prometheus formatting (metric names, counter or gauge, numbers, the
// exposition text) and of the InternalCookie's would_block bookkeeping.
#include "daemon/prometheus.h"

#include "daemon/internal_cookie.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace eddy::daemon {
namespace {

using prometheus::Exposition;
using prometheus::isNumber;
using prometheus::metricName;
using prometheus::metricType;
using prometheus::MetricType;

std::vector<std::string> linesOf(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

TEST(PrometheusNameTest, PrefixesAndSanitises) {
    EXPECT_EQ("eddy_cmd_get", metricName("cmd_get"));
    EXPECT_EQ("eddy_ep_dcp_count", metricName("ep_dcp_count"));
    EXPECT_EQ("eddy_vb_0_num_items", metricName("vb_0:num_items"));
    EXPECT_EQ("eddy_a_b_c_d_", metricName("a-b.c d\xc3"));
    EXPECT_EQ("eddy_ABC_123", metricName("ABC_123"));
    EXPECT_EQ("eddy_", metricName(""));
}

TEST(PrometheusTypeTest, MonotonicStatsAreCounters) {
    for (const char* stat :
         {"cmd_get", "cmd_set", "cmd_would_block", "get_hits", "get_misses", "delete_misses",
          "cas_badval", "total_items", "total_connections", "bytes_read", "bytes_written",
          "ep_total_persisted", "ep_num_pager_runs", "ep_num_expiry_pager_runs", "ep_bg_fetched",
          "ep_oom_errors", "expired_items", "uptime"}) {
        EXPECT_EQ(MetricType::Counter, metricType(stat)) << stat;
    }
}

TEST(PrometheusTypeTest, LevelsAndUnknownStatsAreGauges) {
    for (const char* stat :
         {"curr_items", "curr_items_tot", "curr_connections", "threads", "bytes", "mem_used",
          "ep_queue_size", "ep_num_checkpoints", "ep_dcp_total_queue", "ep_dcp_items_sent",
          "ep_dcp_total_data_size", "vb_active_num", "something_new", "xcmd_get"}) {
        EXPECT_EQ(MetricType::Gauge, metricType(stat)) << stat;
    }
    EXPECT_EQ("counter", prometheus::toString(MetricType::Counter));
    EXPECT_EQ("gauge", prometheus::toString(MetricType::Gauge));
}

TEST(PrometheusNumberTest, AcceptsDecimalNumbersOnly) {
    for (const char* value : {"0", "42", "-7", "1.5", "0.000123", "-2.5", "3e+06", "1E-3", "1.",
                              ".5", "18446744073709551615"}) {
        EXPECT_TRUE(isNumber(value)) << value;
    }
    for (const char* value : {"", "-", ".", "e5", "1e", "1e+", "+1", "0x10", "1,5", "1 ", " 1",
                              "true", "done", "loading data", "NaN", "inf", "1.2.3", "--1"}) {
        EXPECT_FALSE(isNumber(value)) << value;
    }
}

TEST(PrometheusExpositionTest, WritesHelpTypeAndSample) {
    Exposition out;
    EXPECT_TRUE(out.add("cmd_get", "12"));
    EXPECT_TRUE(out.add("curr_items", "3", "Items in active vbuckets."));
    EXPECT_EQ(
        "# HELP eddy_cmd_get STAT cmd_get (default group)\n"
        "# TYPE eddy_cmd_get counter\n"
        "eddy_cmd_get 12\n"
        "# HELP eddy_curr_items Items in active vbuckets.\n"
        "# TYPE eddy_curr_items gauge\n"
        "eddy_curr_items 3\n",
        out.text());
    EXPECT_EQ(2u, out.size());
}

TEST(PrometheusExpositionTest, SkipsNonNumericEmptyAndDuplicateNames) {
    Exposition out;
    EXPECT_FALSE(out.add("ep_warmup_state", "done"));
    EXPECT_FALSE(out.add("version", "0.1.0"));
    EXPECT_FALSE(out.add("", "1"));
    EXPECT_TRUE(out.add("a.b", "1"));
    EXPECT_FALSE(out.add("a:b", "2"));  // the same metric name: the first wins
    EXPECT_EQ(1u, out.size());
    EXPECT_EQ(std::string::npos, out.text().find("eddy_a_b 2"));
}

TEST(PrometheusExpositionTest, EscapesHelpAndEveryLineParses) {
    Exposition out;
    EXPECT_TRUE(out.add("odd\nname", "1", {}));
    EXPECT_TRUE(out.add("x", "2", "back\\slash\nnewline"));
    EXPECT_TRUE(out.add("vb_0:ops", "-1.5"));
    const std::regex comment(
        R"(^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge))$)");
    const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]* -?[0-9.e+]+$)");
    const auto lines = linesOf(out.text());
    ASSERT_EQ(9u, lines.size());
    for (const auto& line : lines) {
        EXPECT_TRUE(std::regex_match(line, line[0] == '#' ? comment : sample)) << line;
    }
    EXPECT_EQ("# HELP eddy_x back\\\\slash\\nnewline", lines[3]);
    EXPECT_EQ("# HELP eddy_odd_name STAT odd\\nname (default group)", lines[0]);
}

TEST(InternalCookieTest, ReservedIdAndStorage) {
    InternalCookie cookie;
    EXPECT_EQ(kInternalConnectionId, cookie.connectionId());
    struct Parked : EngineStorage {};
    cookie.setEngineStorage(std::make_unique<Parked>());
    EXPECT_NE(nullptr, cookie.engineStorage());
    cookie.setConnectionStorage(std::make_shared<Parked>());
    EXPECT_NE(nullptr, cookie.connectionStorage());
    EXPECT_NE(nullptr, cookie.takeEngineStorage());
    EXPECT_EQ(nullptr, cookie.engineStorage());
    cookie.setEngineStorage(std::make_unique<Parked>());
    cookie.releaseEngineState();
    EXPECT_EQ(nullptr, cookie.engineStorage());
    EXPECT_EQ(nullptr, cookie.connectionStorage());
}

TEST(InternalCookieTest, NothingOwedMeansSuccess) {
    InternalCookie cookie;
    EXPECT_FALSE(cookie.awaitingNotification());
    EXPECT_EQ(Status::Success, cookie.takeNotification());
}

TEST(InternalCookieTest, WaitsForTheNotificationThenDeliversIt) {
    InternalCookie cookie;
    cookie.setBlocked();
    EXPECT_TRUE(cookie.awaitingNotification());
    std::thread notifier([&cookie] { cookie.notify(Status::TemporaryFailure); });
    notifier.join();
    EXPECT_FALSE(cookie.awaitingNotification());
    EXPECT_EQ(Status::TemporaryFailure, cookie.takeNotification());
    // Ready for the next call: nothing owed.
    EXPECT_FALSE(cookie.awaitingNotification());
    EXPECT_EQ(Status::Success, cookie.takeNotification());
}

TEST(InternalCookieTest, NotificationBeforeSetBlockedIsKept) {
    // The engine's task may notify before the call that returned WouldBlock has returned.
    InternalCookie cookie;
    std::thread notifier([&cookie] { cookie.notify(Status::Success); });
    notifier.join();
    cookie.setBlocked();
    EXPECT_FALSE(cookie.awaitingNotification());
    EXPECT_EQ(Status::Success, cookie.takeNotification());
    cookie.setBlocked();
    EXPECT_TRUE(cookie.awaitingNotification());
    cookie.notify(Status::Success);
    EXPECT_EQ(Status::Success, cookie.takeNotification());
}

}  // namespace
}  // namespace eddy::daemon
