#include "eddy/status.h"

#include <gtest/gtest.h>

TEST(StatusTest, Names) {
    EXPECT_EQ("success", eddy::toString(eddy::Status::Success));
    EXPECT_EQ("would_block", eddy::toString(eddy::Status::WouldBlock));
    EXPECT_EQ("unknown", eddy::toString(static_cast<eddy::Status>(0x42)));
}
