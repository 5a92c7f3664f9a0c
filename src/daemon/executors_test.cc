#include "daemon/executors.h"

#include "protocol/validators.h"

#include <gtest/gtest.h>

TEST(ExecutorsTest, EveryValidatedOpcodeHasAnExecutorAndNoOther) {
    for (int opcode = 0; opcode < 256; ++opcode) {
        const auto byte = static_cast<uint8_t>(opcode);
        EXPECT_EQ(eddy::mcbp::hasValidator(byte), eddy::daemon::hasExecutor(byte))
            << "opcode 0x" << std::hex << opcode;
    }
}
