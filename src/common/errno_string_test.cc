#include "common/errno_string.h"

#include <gtest/gtest.h>

#include <cerrno>

TEST(ErrnoStringTest, NamesTheError) {
    EXPECT_EQ("Connection refused", eddy::errnoString(ECONNREFUSED));
    EXPECT_FALSE(eddy::errnoString(123456).empty());
}
