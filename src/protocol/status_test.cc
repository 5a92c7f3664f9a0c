#include "protocol/status.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace eddy::mcbp {
namespace {

using R = ResponseStatus;

TEST(StatusTest, EveryEngineStatusMaps) {
    // Lists every eddy::Status enumerator; status.cc's switch refuses to build without one.
    const std::vector<std::pair<Status, R>> expected = {
        {Status::Success, R::Success},
        {Status::KeyNotFound, R::KeyEnoent},
        {Status::KeyExists, R::KeyEexists},
        {Status::NoMemory, R::Enomem},
        {Status::NotStored, R::NotStored},
        {Status::InvalidArguments, R::Einval},
        {Status::NotSupported, R::NotSupported},
        {Status::WouldBlock, R::Einternal},
        {Status::TooBig, R::E2big},
        {Status::Disconnect, R::Einternal},
        {Status::NoAccess, R::Eaccess},
        {Status::NotMyVbucket, R::NotMyVbucket},
        {Status::TemporaryFailure, R::Etmpfail},
        {Status::OutOfRange, R::Erange},
        {Status::Rollback, R::Rollback},
        {Status::NoBucket, R::NoBucket},
        {Status::TooBusy, R::Ebusy},
        {Status::DeltaBadValue, R::DeltaBadval},
        {Status::Locked, R::Locked},
        {Status::LockedTmpfail, R::Etmpfail},
        {Status::Failed, R::Einternal},
    };
    for (const auto& [engine, wire] : expected) {
        SCOPED_TRACE(std::string(toString(engine)));
        EXPECT_EQ(wire, toResponseStatus(engine));
    }
}

TEST(StatusTest, WouldBlockNeverReachesTheWireAsSuccess) {
    EXPECT_EQ(R::Einternal, toResponseStatus(Status::WouldBlock));
}

TEST(StatusTest, ValuesOutsideTheEnumAreInternalErrors) {
    EXPECT_EQ(R::Einternal, toResponseStatus(static_cast<Status>(0x42)));
}

TEST(StatusTest, EveryEngineStatusByteMapsToANamedWireStatus) {
    for (int byte = 0; byte < 256; ++byte) {
        EXPECT_TRUE(statusName(toResponseStatus(static_cast<Status>(byte))).has_value()) << byte;
    }
}

TEST(StatusTest, Names) {
    EXPECT_EQ("SUCCESS", statusName(R::Success));
    EXPECT_EQ("KEY_ENOENT", statusName(R::KeyEnoent));
    EXPECT_EQ("KEY_EEXISTS", statusName(R::KeyEexists));
    EXPECT_EQ("E2BIG", statusName(R::E2big));
    EXPECT_EQ("NOT_MY_VBUCKET", statusName(R::NotMyVbucket));
    EXPECT_EQ("UNKNOWN_FRAME_INFO", statusName(R::UnknownFrameInfo));
    EXPECT_EQ("UNKNOWN_COMMAND", statusName(R::UnknownCommand));
    EXPECT_EQ("ETMPFAIL", statusName(R::Etmpfail));
    EXPECT_EQ("DURABILITY_IMPOSSIBLE", statusName(R::DurabilityImpossible));
}

TEST(StatusTest, NamesAreUniqueUpperCaseAndOnlyForKnownCodes) {
    std::set<std::string_view> names;
    for (uint32_t code = 0; code <= 0xffff; ++code) {
        const auto name = statusName(static_cast<R>(code));
        if (!name) {
            continue;
        }
        SCOPED_TRACE(std::string(*name));
        EXPECT_TRUE(names.insert(*name).second) << "duplicate";
        for (char c : *name) {
            EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
        }
    }
    EXPECT_EQ(54u, names.size());
    EXPECT_FALSE(statusName(static_cast<R>(0x0c)).has_value());
    EXPECT_FALSE(statusName(static_cast<R>(0xff00)).has_value());
}

}  // namespace
}  // namespace eddy::mcbp
