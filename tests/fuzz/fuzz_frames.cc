// eddy — libFuzzer target for the MCBP frame parser and the request validators.
//
// Feeds the input to parseFrame() the way a connection consumes its read buffer: frame after
// frame until the bytes run out or the stream is broken, validating every client request under
// a few negotiated-feature sets and checking the invariants the front end relies on.
// Thread contract: single-threaded (libFuzzer calls it from one thread).

#include "protocol/frame.h"
#include "protocol/opcode.h"
#include "protocol/status.h"
#include "protocol/validators.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

using namespace eddy::mcbp;

constexpr size_t kMaxBodyLength = 1024 * 1024;

// Aborts (a crash libFuzzer reports) when an invariant does not hold.
void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

std::array<ValidationContext, 3> makeContexts() {
    std::array<ValidationContext, 3> contexts{};
    // [0]: nothing negotiated. [1]: what SDKs ask for. [2]: everything, tiny value limit.
    contexts[1].features.enable(Feature::Json);
    contexts[1].features.enable(Feature::Xerror);
    contexts[1].features.enable(Feature::AltRequestSupport);
    for (Feature feature : {Feature::Json, Feature::Snappy, Feature::Xattr, Feature::Xerror,
                            Feature::AltRequestSupport, Feature::Collections, Feature::Duplex}) {
        contexts[2].features.enable(feature);
    }
    return contexts;
}

bool within(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void checkFrame(const Frame& frame) {
    const Header& header = frame.header;
    check(frame.bytes.size() == kHeaderSize + header.body_length);
    check(frame.framing_extras.size() == header.framing_extras_length);
    check(frame.extras.size() == header.extras_length);
    check(frame.key.size() == header.key_length);
    check(kHeaderSize + frame.framing_extras.size() + frame.extras.size() + frame.key.size() +
              frame.value.size() ==
          frame.bytes.size());
    for (std::string_view part : {frame.framing_extras, frame.extras, frame.key, frame.value}) {
        check(within(part, frame.bytes));
    }
}

void checkValidation(const Frame& frame, const ValidationContext& context) {
    const ValidationResult result = validateRequest(frame, context);
    check(result.ok() == result.message.empty());
    check(statusName(result.status).has_value());
    if (!result.ok()) {
        return;
    }
    // What the front end may assume of an accepted request.
    const auto opcode = static_cast<ClientOpcode>(frame.header.opcode);
    check(hasValidator(frame.header.opcode));
    check(isKnownOpcode(frame.header.opcode));
    check(frame.header.magic == Magic::ClientRequest ||
          (frame.header.magic == Magic::AltClientRequest &&
           context.features.has(Feature::AltRequestSupport)));
    // JSON, and Snappy and XATTR only once negotiated.
    check((frame.header.datatype & ~0x07) == 0);
    if ((frame.header.datatype & 0x02) != 0) {
        check(context.features.has(Feature::Snappy));
    }
    if ((frame.header.datatype & 0x04) != 0) {
        check(context.features.has(Feature::Xattr));
    }
    if (opcode != ClientOpcode::Hello && opcode != ClientOpcode::Stat) {
        check(frame.key.size() <= kMaxKeyLength);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::array<ValidationContext, 3> kContexts = makeContexts();
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    while (!bytes.empty()) {
        const ParseResult result = parseFrame(bytes, kMaxBodyLength);
        if (result.status == ParseStatus::NeedMoreData) {
            check(result.needed > bytes.size());
            break;
        }
        if (result.status != ParseStatus::Ok) {
            break;  // the stream cannot be resynchronised; a connection would close here
        }
        const Frame& frame = result.frame;
        checkFrame(frame);
        check(frame.bytes.data() == bytes.data());
        if (isRequest(frame.header.magic)) {
            for (const ValidationContext& context : kContexts) {
                checkValidation(frame, context);
            }
        }
        static_cast<void>(validateFrameInfos(frame.framing_extras));
        static_cast<void>(opcodeName(frame.header.opcode));
        bytes.remove_prefix(frame.bytes.size());
    }
    return 0;
}
