// SET_PARAM (0x82) over a socket: dynamic bucket parameters change, every refusal is EINVAL
// with the bucket's reason as the XERROR context.

#include "server_fixture.h"

#include <nlohmann/json.hpp>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::Feature;
using mcbp::ResponseStatus;

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
    struct Change {
        uint32_t type;
        const char* key;
        const char* value;
    };
    for (const Change& change : {
             Change{kFlushParam, "exp_pager_stime", "10"},
             Change{kFlushParam, "exp_pager_enabled", "false"},
             Change{kFlushParam, "compression_mode", "passive"},
             Change{kCheckpointParam, "chk_max_items", "5000"},
             Change{kCheckpointParam, "checkpoint_memory_ratio", "0.25"},
             Change{kDcpParam, "dcp_idle_timeout", "600"},
             Change{kVbucketParam, "hlc_drift_ahead_threshold_us", "1000"},
         }) {
        SCOPED_TRACE(change.key);
        const Response response = setParam(change.type, change.key, change.value);
        EXPECT_EQ(ResponseStatus::Success, response.status()) << contextOf(response);
        EXPECT_TRUE(response.value.empty());
        EXPECT_TRUE(response.extras.empty());
    }
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
    expectRefused(kFlushParam, "compression_mode", "always",
                  {"\"compression_mode\"", "off, passive, active"});
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

TEST_P(SetParamTest, WithoutXerrorTheBodyIsEmpty) {
    McbpClient plain(server_->port());
    const Response response = plain.execute({.opcode = ClientOpcode::SetParam,
                                             .key = "max_vbuckets",
                                             .value = "8",
                                             .extras = uint32Extras(kFlushParam)});
    EXPECT_EQ(ResponseStatus::Einval, response.status());
    EXPECT_TRUE(response.value.empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, SetParamTest,
                         ::testing::Values(EngineMode::Plain, EngineMode::AlwaysAsync),
                         engineModeName);

}  // namespace
}  // namespace eddy::test
