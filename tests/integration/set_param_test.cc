// SET_PARAM (0x82) over a socket: dynamic bucket parameters change what they say they change,
// every refusal is EINVAL with the bucket's reason as the XERROR context.

#include "dcp_harness.h"
#include "server_fixture.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::Feature;
using mcbp::ResponseStatus;
using namespace std::chrono_literals;

// The request's param types (extras, 32-bit big-endian).
constexpr uint32_t kFlushParam = 1;
constexpr uint32_t kTapParam = 2;
constexpr uint32_t kCheckpointParam = 3;
constexpr uint32_t kDcpParam = 4;
constexpr uint32_t kVbucketParam = 5;

class SetParamTest : public ServerTest {
protected:
    void SetUp() override {
        ServerTest::SetUp();
        client_->hello({Feature::Xerror, Feature::Json});
    }

    Response setParam(uint32_t type, const std::string& key, const std::string& value) {
        return client_->execute({.opcode = ClientOpcode::SetParam,
                                 .key = key,
                                 .value = value,
                                 .extras = uint32Extras(type)});
    }

    /// The XERROR context of an error response ("" when there is none).
    static std::string contextOf(const Response& response) {
        const auto body = nlohmann::json::parse(response.value, nullptr, false);
        if (!body.is_object() || !body.contains("error") || !body["error"].contains("context")) {
            return {};
        }
        return body["error"]["context"].get<std::string>();
    }

    /// SET_PARAM that must succeed with an empty body.
    void expectSet(uint32_t type, const std::string& key, const std::string& value) {
        SCOPED_TRACE(::testing::Message() << key << "=" << value);
        const Response response = setParam(type, key, value);
        ASSERT_EQ(ResponseStatus::Success, response.status()) << contextOf(response);
        EXPECT_TRUE(response.value.empty());
        EXPECT_TRUE(response.extras.empty());
    }

    /// A numeric stat of `group` (the default group when empty); 0 when absent.
    uint64_t stat(const std::string& key, const std::string& group = {}) {
        const auto stats = client_->stats(group);
        const auto found = stats.find(key);
        EXPECT_NE(stats.end(), found) << "no stat " << key << " in group \"" << group << "\"";
        return found == stats.end() ? 0 : std::stoull(found->second);
    }

    /// Polls `condition` until it holds (true) or `timeout` runs out (false).
    static bool eventually(const std::function<bool()>& condition,
                           std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!condition()) {
            if (std::chrono::steady_clock::now() >= deadline) {
                return false;
            }
            std::this_thread::sleep_for(50ms);
        }
        return true;
    }

    /// Expects EINVAL whose context contains every one of `words`.
    void expectRefused(uint32_t type, const std::string& key, const std::string& value,
                       std::initializer_list<std::string_view> words) {
        SCOPED_TRACE(::testing::Message() << "type " << type << ", " << key << "=" << value);
        const Response response = setParam(type, key, value);
        ASSERT_EQ(ResponseStatus::Einval, response.status());
        const std::string context = contextOf(response);
        for (const auto word : words) {
            EXPECT_NE(std::string::npos, context.find(word)) << context;
        }
    }
};

TEST_P(SetParamTest, DynamicParametersChange) {
    // Each SET_PARAM is followed by a check of what it changes, as a client sees it; each check
    // fails while the parameter keeps its old value.

    // exp_pager_stime: the expiry pager runs at the new period from now on, not after the
    // 600 s the bucket started with; it expires documents nobody reads.
    ASSERT_EQ(ResponseStatus::Success, client_->set("expiring", "v", 0, 1).status());
    ASSERT_EQ(1u, stat("curr_items"));
    expectSet(kFlushParam, "exp_pager_stime", "1");
    EXPECT_TRUE(eventually([&] { return stat("curr_items") == 0; }))
        << "the expiry pager did not run at its new period";

    // exp_pager_enabled: off, the pager expires nothing; on again, it does.
    expectSet(kFlushParam, "exp_pager_enabled", "false");
    ASSERT_EQ(ResponseStatus::Success, client_->set("expiring", "v", 0, 1).status());
    const uint64_t runs = stat("ep_num_expiry_pager_runs");
    std::this_thread::sleep_for(2500ms);
    EXPECT_EQ(runs, stat("ep_num_expiry_pager_runs"));
    EXPECT_EQ(1u, stat("curr_items")) << "a disabled pager expired a document";
    expectSet(kFlushParam, "exp_pager_enabled", "true");
    EXPECT_TRUE(eventually([&] { return stat("curr_items") == 0; }));

    // chk_max_items: the open checkpoint closes every 10 items.
    const uint64_t before = stat("vb_0:open_checkpoint_id", "checkpoint 0");
    expectSet(kCheckpointParam, "chk_max_items", "10");
    for (int i = 0; i < 25; ++i) {
        ASSERT_EQ(ResponseStatus::Success, client_->set("chk" + std::to_string(i), "v").status());
    }
    EXPECT_LE(before + 2, stat("vb_0:open_checkpoint_id", "checkpoint 0"));

    // checkpoint_memory_ratio: the checkpoint budget is that share of the quota.
    expectSet(kCheckpointParam, "checkpoint_memory_ratio", "0.25");
    EXPECT_EQ(stat("ep_max_size") / 4, stat("ep_checkpoint_memory_quota"));

    // dcp_idle_timeout: a producer whose consumer stops answering noops is closed after it.
    expectSet(kDcpParam, "dcp_idle_timeout", "2");
    DcpConsumer consumer(server_->port());
    ASSERT_EQ(ResponseStatus::Success, consumer.open("set-param:idle"));
    ASSERT_EQ(ResponseStatus::Success, consumer.enableNoop(1));
    consumer.answerNoops(false);
    ASSERT_EQ(ResponseStatus::Success, consumer.streamRequest({.vbucket = 0}).status);
    EXPECT_TRUE(consumer.waitForClose(10s)) << "still open well past a 2 s idle timeout";

    // max_item_size: the one item-size limit, front end included, changes at once.
    expectSet(kFlushParam, "max_item_size", "2048");
    EXPECT_EQ(ResponseStatus::Success, client_->set("sized", std::string(2048, 'v')).status());
    EXPECT_EQ(ResponseStatus::E2big, client_->set("sized", std::string(2049, 'v')).status());
    expectSet(kFlushParam, "max_item_size", "4096");
    EXPECT_EQ(ResponseStatus::Success, client_->set("sized", std::string(2049, 'v')).status());

    // max_ttl: a document written without an expiry now expires after max_ttl seconds.
    expectSet(kFlushParam, "max_ttl", "1");
    ASSERT_EQ(ResponseStatus::Success, client_->set("bounded", "v").status());
    EXPECT_TRUE(eventually([&] {
        return client_->get("bounded").status() == ResponseStatus::KeyEnoent;
    })) << "max_ttl=1 did not bound a document written without an expiry";
}

TEST_P(SetParamTest, ChangesTakeEffect) {
    // The watermarks must stay low < high: with the defaults (75, 85) a high watermark of 60 is
    // refused, and accepted once the low one has really moved to 50.
    expectRefused(kFlushParam, "mem_high_wat", "60", {"mem_low_wat", "mem_high_wat"});
    ASSERT_EQ(ResponseStatus::Success, setParam(kFlushParam, "mem_low_wat", "50").status());
    EXPECT_EQ(ResponseStatus::Success, setParam(kFlushParam, "mem_high_wat", "60").status());
    expectRefused(kFlushParam, "mem_low_wat", "70", {"mem_low_wat", "mem_high_wat"});
}

TEST_P(SetParamTest, UnknownKeyIsNamed) {
    expectRefused(kFlushParam, "exp_pager_stme", "10", {"\"exp_pager_stme\"", "exp_pager_stime"});
    expectRefused(kFlushParam, "no_such_parameter", "1", {"\"no_such_parameter\""});
}

TEST_P(SetParamTest, StaticParameterIsNotSettable) {
    expectRefused(kFlushParam, "max_vbuckets", "8", {"\"max_vbuckets\"", "not settable"});
    expectRefused(kFlushParam, "bucket_type", "ephemeral", {"\"bucket_type\"", "not settable"});
}

TEST_P(SetParamTest, WrongCategoryIsRefused) {
    expectRefused(kCheckpointParam, "exp_pager_stime", "10",
                  {"\"exp_pager_stime\"", "flush_param", "checkpoint_param"});
    expectRefused(kFlushParam, "chk_max_items", "5000", {"\"chk_max_items\""});
    expectRefused(kVbucketParam, "dcp_idle_timeout", "600", {"\"dcp_idle_timeout\""});
}

TEST_P(SetParamTest, BadValuesAreRefused) {
    expectRefused(kFlushParam, "exp_pager_stime", "0", {"\"exp_pager_stime\""});
    expectRefused(kFlushParam, "mem_high_wat", "150", {"\"mem_high_wat\""});
    expectRefused(kFlushParam, "exp_pager_stime", "ten", {"\"exp_pager_stime\""});
    expectRefused(kFlushParam, "exp_pager_enabled", "maybe", {"\"exp_pager_enabled\""});
    expectRefused(kFlushParam, "ephemeral_full_policy", "always",
                  {"\"ephemeral_full_policy\"", "auto_delete, fail_new_data"});
    expectRefused(kFlushParam, "exp_pager_stime", "", {"\"exp_pager_stime\""});
}

TEST_P(SetParamTest, BadParamTypeIsRefused) {
    for (const uint32_t type : {0u, kTapParam, 6u, 9u, 0xffffffffu}) {
        expectRefused(type, "exp_pager_stime", "10", {"SET_PARAM type"});
    }
}

TEST_P(SetParamTest, MalformedRequestsAreEinvalAndKeepTheConnection) {
    // No extras, a 1-byte param type, no key.
    EXPECT_EQ(
        ResponseStatus::Einval,
        client_->execute({.opcode = ClientOpcode::SetParam, .key = "exp_pager_stime"}).status());
    EXPECT_EQ(ResponseStatus::Einval, client_
                                          ->execute({.opcode = ClientOpcode::SetParam,
                                                     .key = "exp_pager_stime",
                                                     .value = "10",
                                                     .extras = std::string(1, '\1')})
                                          .status());
    EXPECT_EQ(ResponseStatus::Einval, setParam(kFlushParam, "", "10").status());
    EXPECT_EQ(ResponseStatus::Success, client_->execute({.opcode = ClientOpcode::Noop}).status());
}

TEST_P(SetParamTest, WithoutXerrorTheBodyIsTheShortMessage) {
    McbpClient plain(server_->port());
    const Response response = plain.execute({.opcode = ClientOpcode::SetParam,
                                             .key = "max_vbuckets",
                                             .value = "8",
                                             .extras = uint32Extras(kFlushParam)});
    EXPECT_EQ(ResponseStatus::Einval, response.status());
    // Not the reason (that needs XERROR): the memcached protocol's message for EINVAL.
    EXPECT_EQ("Invalid arguments", response.value);
}

INSTANTIATE_TEST_SUITE_P(Engines, SetParamTest,
                         ::testing::Values(EngineMode::Plain, EngineMode::AlwaysAsync),
                         engineModeName);

}  // namespace
}  // namespace eddy::test
