#include "protocol/opcode.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace eddy::mcbp {
namespace {

using Op = ClientOpcode;

const std::vector<std::pair<Op, Op>> kQuietPairs = {
    {Op::Getq, Op::Get},
    {Op::Getkq, Op::Getk},
    {Op::Setq, Op::Set},
    {Op::Addq, Op::Add},
    {Op::Replaceq, Op::Replace},
    {Op::Deleteq, Op::Delete},
    {Op::Incrementq, Op::Increment},
    {Op::Decrementq, Op::Decrement},
    {Op::Quitq, Op::Quit},
    {Op::Flushq, Op::Flush},
    {Op::Appendq, Op::Append},
    {Op::Prependq, Op::Prepend},
    {Op::Gatq, Op::Gat},
    {Op::GetqMeta, Op::GetMeta},
    {Op::SetqWithMeta, Op::SetWithMeta},
    {Op::AddqWithMeta, Op::AddWithMeta},
    {Op::DelqWithMeta, Op::DelWithMeta},
};

std::string nameOf(Op opcode) {
    return std::string(opcodeName(static_cast<uint8_t>(opcode)).value_or("<none>"));
}

TEST(OpcodeTest, Names) {
    EXPECT_EQ("get", nameOf(Op::Get));
    EXPECT_EQ("setq", nameOf(Op::Setq));
    EXPECT_EQ("getkq", nameOf(Op::Getkq));
    EXPECT_EQ("hello", nameOf(Op::Hello));
    EXPECT_EQ("sasl_list_mechs", nameOf(Op::SaslListMechs));
    EXPECT_EQ("dcp_open", nameOf(Op::DcpOpen));
    EXPECT_EQ("get_cmd_timer", nameOf(Op::GetCmdTimer));
    EXPECT_EQ("ewouldblock_ctl", nameOf(Op::EwouldblockCtl));
    EXPECT_EQ("get_error_map", nameOf(Op::GetErrorMap));
}

TEST(OpcodeTest, QuietVariantsAndTheirLoudTwins) {
    for (const auto& [quiet, loud] : kQuietPairs) {
        SCOPED_TRACE(nameOf(quiet));
        EXPECT_TRUE(isQuiet(quiet));
        EXPECT_FALSE(isQuiet(loud));
        EXPECT_EQ(loud, loudVariant(quiet));
        EXPECT_EQ(loud, loudVariant(loud));
    }
}

TEST(OpcodeTest, OnlyThePairedOpcodesAreQuiet) {
    std::set<Op> quiet;
    for (const auto& pair : kQuietPairs) {
        quiet.insert(pair.first);
    }
    for (const OpcodeInfo& row : clientOpcodes()) {
        SCOPED_TRACE(std::string(row.name));
        EXPECT_EQ(quiet.count(row.opcode) == 1, isQuiet(row.opcode));
        if (!row.quiet) {
            EXPECT_EQ(row.opcode, loudVariant(row.opcode));
        }
    }
}

TEST(OpcodeTest, TableRowsAreConsistentWithTheLookups) {
    std::set<std::string_view> names;
    int previous = -1;
    for (const OpcodeInfo& row : clientOpcodes()) {
        const auto byte = static_cast<uint8_t>(row.opcode);
        SCOPED_TRACE(std::string(row.name));
        EXPECT_GT(int{byte}, previous);
        previous = byte;
        EXPECT_TRUE(isKnownOpcode(byte));
        EXPECT_EQ(row.name, opcodeName(byte));
        EXPECT_TRUE(names.insert(row.name).second) << "duplicate name";
        ASSERT_FALSE(row.name.empty());
        for (char c : row.name) {
            EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << row.name;
        }
        EXPECT_FALSE(isQuiet(row.loud)) << "a twin must be loud";
    }
}

TEST(OpcodeTest, UnknownBytes) {
    size_t known = 0;
    for (int byte = 0; byte < 256; ++byte) {
        const auto opcode = static_cast<uint8_t>(byte);
        EXPECT_EQ(isKnownOpcode(opcode), opcodeName(opcode).has_value());
        known += isKnownOpcode(opcode) ? 1 : 0;
    }
    EXPECT_EQ(clientOpcodes().size(), known);

    for (uint8_t opcode : {0x2a, 0x30, 0x40, 0x5a, 0x84, 0xff}) {
        SCOPED_TRACE(static_cast<int>(opcode));
        EXPECT_FALSE(isKnownOpcode(opcode));
        EXPECT_FALSE(opcodeName(opcode).has_value());
        const auto unknown = static_cast<Op>(opcode);
        EXPECT_FALSE(isQuiet(unknown));
        EXPECT_EQ(unknown, loudVariant(unknown));
    }
}

}  // namespace
}  // namespace eddy::mcbp
