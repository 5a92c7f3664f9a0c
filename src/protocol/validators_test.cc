#include "protocol/validators.h"

#include "eddy/types.h"
#include "protocol/encode.h"
#include "protocol/opcode.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace eddy::mcbp {
namespace {

using Op = ClientOpcode;
using R = ResponseStatus;

// ---- helpers ----

struct Request {
    Magic magic = Magic::ClientRequest;
    uint8_t opcode = 0;
    std::string framing_extras;
    std::string extras;
    std::string key;
    std::string value;
    uint8_t datatype = 0;
    uint64_t cas = 0;
    uint16_t vbucket = 0;
};

ValidationResult validate(const Request& request, const ValidationContext& context) {
    std::string bytes;
    RequestFields fields;
    fields.magic = request.magic;
    fields.opcode = request.opcode;
    fields.vbucket = request.vbucket;
    fields.opaque = 0xcafe;
    fields.cas = request.cas;
    fields.datatype = request.datatype;
    appendRequest(bytes, fields, request.extras, request.key, request.value,
                  request.framing_extras);
    const ParseResult parsed = parseFrame(bytes, SIZE_MAX);
    EXPECT_EQ(ParseStatus::Ok, parsed.status);
    // The message is a literal, so the result outlives `bytes`.
    return validateRequest(parsed.frame, context);
}

ValidationContext withFeatures(std::initializer_list<Feature> features) {
    ValidationContext context;
    for (Feature feature : features) {
        context.features.enable(feature);
    }
    return context;
}

std::string bytesOf(std::initializer_list<uint8_t> values) {
    std::string out;
    for (uint8_t value : values) {
        out.push_back(static_cast<char>(value));
    }
    return out;
}

// ---- the expected rules, written independently of validators.cc ----

enum class Key {
    Forbidden,
    Required,
    Optional,
    Text,
    DcpName  ///< required, at most 200 bytes
};
enum class Value {
    Forbidden,
    Optional,
    EvenLength,
    TwoBytes,
    EightBytes,
    NonEmpty
};
enum class Datatype {
    Raw,      ///< only 0
    Json,     ///< JSON accepted once negotiated
    Document  ///< JSON, Snappy and XATTR accepted once negotiated
};
using Dt = Datatype;

struct Expected {
    Op opcode;
    std::vector<size_t> extras;
    Key key;
    Value value;
    Datatype datatype;
    bool cas;  ///< non-zero CAS accepted
};

/// gtest prints a parameter when a test starts; the opcode says which row it is.
void PrintTo(const Expected& row, std::ostream* out) {  // NOLINT(readability-identifier-naming)
    *out << opcodeName(static_cast<uint8_t>(row.opcode)).value_or("?");
}

const std::vector<Expected> kExpected = {
    {Op::Get, {0}, Key::Required, Value::Forbidden, Dt::Raw, false},
    {Op::Getq, {0}, Key::Required, Value::Forbidden, Dt::Raw, false},
    {Op::Getk, {0}, Key::Required, Value::Forbidden, Dt::Raw, false},
    {Op::Getkq, {0}, Key::Required, Value::Forbidden, Dt::Raw, false},
    {Op::Set, {8}, Key::Required, Value::Optional, Dt::Document, true},
    {Op::Setq, {8}, Key::Required, Value::Optional, Dt::Document, true},
    {Op::Add, {8}, Key::Required, Value::Optional, Dt::Document, false},
    {Op::Addq, {8}, Key::Required, Value::Optional, Dt::Document, false},
    {Op::Replace, {8}, Key::Required, Value::Optional, Dt::Document, true},
    {Op::Replaceq, {8}, Key::Required, Value::Optional, Dt::Document, true},
    {Op::Delete, {0}, Key::Required, Value::Forbidden, Dt::Raw, true},
    {Op::Deleteq, {0}, Key::Required, Value::Forbidden, Dt::Raw, true},
    {Op::Increment, {20}, Key::Required, Value::Forbidden, Dt::Raw, true},
    {Op::Incrementq, {20}, Key::Required, Value::Forbidden, Dt::Raw, true},
    {Op::Decrement, {20}, Key::Required, Value::Forbidden, Dt::Raw, true},
    {Op::Decrementq, {20}, Key::Required, Value::Forbidden, Dt::Raw, true},
    {Op::Append, {0}, Key::Required, Value::Optional, Dt::Document, true},
    {Op::Appendq, {0}, Key::Required, Value::Optional, Dt::Document, true},
    {Op::Prepend, {0}, Key::Required, Value::Optional, Dt::Document, true},
    {Op::Prependq, {0}, Key::Required, Value::Optional, Dt::Document, true},
    {Op::Quit, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::Quitq, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::Noop, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::Version, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::SaslListMechs, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::SaslAuth, {0}, Key::Required, Value::Optional, Dt::Raw, false},
    {Op::SaslStep, {0}, Key::Required, Value::Optional, Dt::Raw, false},
    {Op::CreateBucket, {0}, Key::Required, Value::Optional, Dt::Raw, false},
    {Op::DeleteBucket, {0}, Key::Required, Value::Optional, Dt::Json, false},
    {Op::ListBuckets, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::SelectBucket, {0}, Key::Optional, Value::Forbidden, Dt::Raw, false},
    {Op::IsaslRefresh, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::SslCertsRefresh, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::RbacRefresh, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::Flush, {0, 4}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::Flushq, {0, 4}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::Stat, {0}, Key::Text, Value::Optional, Dt::Json, false},
    {Op::Verbosity, {4}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::Touch, {4}, Key::Required, Value::Forbidden, Dt::Raw, false},
    {Op::Gat, {4}, Key::Required, Value::Forbidden, Dt::Raw, false},
    {Op::Gatq, {4}, Key::Required, Value::Forbidden, Dt::Raw, false},
    {Op::Hello, {0}, Key::Text, Value::EvenLength, Dt::Raw, false},
    {Op::GetErrorMap, {0}, Key::Forbidden, Value::TwoBytes, Dt::Raw, false},
    {Op::GetCmdTimer, {1}, Key::Optional, Value::Forbidden, Dt::Raw, false},
    {Op::EwouldblockCtl, {12}, Key::Optional, Value::Forbidden, Dt::Raw, false},
    {Op::SetVbucket, {1, 4}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::GetVbucket, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::DelVbucket, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::GetAllVbSeqnos, {0, 4}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::SetParam, {4}, Key::Required, Value::Optional, Dt::Raw, false},
    {Op::GetMeta, {0, 1}, Key::Required, Value::Forbidden, Dt::Raw, false},
    {Op::GetqMeta, {0, 1}, Key::Required, Value::Forbidden, Dt::Raw, false},
    {Op::GetReplica, {0}, Key::Required, Value::Forbidden, Dt::Raw, false},
    {Op::GetLocked, {0, 4}, Key::Required, Value::Forbidden, Dt::Raw, false},
    {Op::UnlockKey, {0}, Key::Required, Value::Forbidden, Dt::Raw, true},
    {Op::ObserveSeqno, {0}, Key::Forbidden, Value::EightBytes, Dt::Raw, false},
    {Op::CompactDb, {24}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::SetClusterConfig, {16}, Key::Optional, Value::NonEmpty, Dt::Json, true},
    {Op::GetClusterConfig, {0, 16}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::SeqnoPersistence, {8}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::CollectionsSetManifest, {0}, Key::Forbidden, Value::NonEmpty, Dt::Json, false},
    {Op::CollectionsGetManifest, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::CollectionsGetId, {0}, Key::Text, Value::Optional, Dt::Raw, false},
    {Op::CollectionsGetScopeId, {0}, Key::Text, Value::Optional, Dt::Raw, false},
    {Op::DcpOpen, {8}, Key::DcpName, Value::Optional, Dt::Json, false},
    {Op::DcpControl, {0}, Key::Required, Value::NonEmpty, Dt::Raw, false},
    {Op::DcpStreamReq, {48}, Key::Forbidden, Value::Optional, Dt::Json, false},
    {Op::DcpGetFailoverLog, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::DcpCloseStream, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::DcpBufferAcknowledgement, {4}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::StopPersistence, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
    {Op::StartPersistence, {0}, Key::Forbidden, Value::Forbidden, Dt::Raw, false},
};

class ValidatorRowTest : public ::testing::TestWithParam<Expected> {
protected:
    /// A request this row must accept.
    Request good() const {
        const Expected& row = GetParam();
        Request request;
        request.opcode = static_cast<uint8_t>(row.opcode);
        request.extras.assign(row.extras.front(), '\x01');
        if (row.key != Key::Forbidden) {
            request.key = "key";
        }
        switch (row.value) {
        case Value::Forbidden: break;
        case Value::Optional: request.value = "value"; break;
        case Value::EvenLength: request.value = bytesOf({0x00, 0x0b, 0x00, 0x07}); break;
        case Value::TwoBytes: request.value = bytesOf({0x00, 0x02}); break;
        case Value::EightBytes: request.value.assign(8, '\x07'); break;
        case Value::NonEmpty: request.value = "value"; break;
        }
        return request;
    }

    bool extrasAllowed(size_t length) const {
        const auto& allowed = GetParam().extras;
        return std::find(allowed.begin(), allowed.end(), length) != allowed.end();
    }

    ValidationContext context_;
};

TEST_P(ValidatorRowTest, GoodRequestPasses) {
    const ValidationResult result = validate(good(), context_);
    EXPECT_TRUE(result.ok()) << result.message;
    EXPECT_TRUE(result.message.empty());
    EXPECT_TRUE(hasValidator(static_cast<uint8_t>(GetParam().opcode)));
}

TEST_P(ValidatorRowTest, EveryAllowedExtrasLengthPasses) {
    for (size_t length : GetParam().extras) {
        Request request = good();
        request.extras.assign(length, '\0');
        EXPECT_TRUE(validate(request, context_).ok()) << length;
    }
}

TEST_P(ValidatorRowTest, OtherExtrasLengthsAreEinval) {
    for (size_t length :
         {0, 1, 2, 3, 4, 7, 8, 9, 12, 16, 20, 24, 31, 32, 33, 47, 48, 49, 63, 64, 255}) {
        if (extrasAllowed(length)) {
            continue;
        }
        SCOPED_TRACE(length);
        Request request = good();
        request.extras.assign(length, '\0');
        const ValidationResult result = validate(request, context_);
        EXPECT_EQ(R::Einval, result.status);
        EXPECT_EQ("Invalid extras length", result.message);
    }
}

TEST_P(ValidatorRowTest, KeyRule) {
    Request request = good();
    const Key rule = GetParam().key;

    request.key.clear();
    const ValidationResult empty = validate(request, context_);
    if (rule == Key::Required || rule == Key::DcpName) {
        EXPECT_EQ(R::Einval, empty.status);
        EXPECT_EQ("Request must include key", empty.message);
    } else {
        EXPECT_TRUE(empty.ok()) << empty.message;
    }

    request.key = "k";
    const ValidationResult one = validate(request, context_);
    if (rule == Key::Forbidden) {
        EXPECT_EQ(R::Einval, one.status);
        EXPECT_EQ("Request must not include key", one.message);
        return;
    }
    EXPECT_TRUE(one.ok()) << one.message;

    if (rule == Key::DcpName) {
        request.key.assign(200, 'n');
        EXPECT_TRUE(validate(request, context_).ok());
        request.key.assign(201, 'n');
        const ValidationResult too_long = validate(request, context_);
        EXPECT_EQ(R::Einval, too_long.status);
        EXPECT_EQ("DCP connection name exceeds 200", too_long.message);
        return;
    }

    request.key.assign(kMaxKeyLength, 'k');
    EXPECT_TRUE(validate(request, context_).ok());

    request.key.assign(kMaxKeyLength + 1, 'k');
    const ValidationResult too_long = validate(request, context_);
    if (rule == Key::Text) {
        EXPECT_TRUE(too_long.ok()) << too_long.message;
        request.key.assign(4000, 'k');
        EXPECT_TRUE(validate(request, context_).ok());
    } else {
        EXPECT_EQ(R::Einval, too_long.status);
        EXPECT_EQ("Key length exceeds 250", too_long.message);
    }
}

TEST_P(ValidatorRowTest, ValueRule) {
    Request request = good();
    switch (GetParam().value) {
    case Value::Forbidden: {
        request.value = "v";
        const ValidationResult result = validate(request, context_);
        EXPECT_EQ(R::Einval, result.status);
        EXPECT_EQ("Request must not include value", result.message);
        break;
    }
    case Value::Optional:
        request.value.clear();
        EXPECT_TRUE(validate(request, context_).ok());
        break;
    case Value::EvenLength:
        request.value.clear();
        EXPECT_TRUE(validate(request, context_).ok());
        for (size_t length : {1, 3, 5}) {
            request.value.assign(length, '\0');
            const ValidationResult result = validate(request, context_);
            EXPECT_EQ(R::Einval, result.status) << length;
            EXPECT_EQ("Value length must be even", result.message);
        }
        break;
    case Value::TwoBytes:
        for (size_t length : {0, 1, 3, 4}) {
            request.value.assign(length, '\0');
            const ValidationResult result = validate(request, context_);
            EXPECT_EQ(R::Einval, result.status) << length;
            EXPECT_EQ("Value must be 2 bytes", result.message);
        }
        break;
    case Value::EightBytes:
        for (size_t length : {0, 1, 4, 7, 9, 16}) {
            request.value.assign(length, '\0');
            const ValidationResult result = validate(request, context_);
            EXPECT_EQ(R::Einval, result.status) << length;
            EXPECT_EQ("Value must be 8 bytes", result.message);
        }
        break;
    case Value::NonEmpty: {
        request.value.clear();
        const ValidationResult result = validate(request, context_);
        EXPECT_EQ(R::Einval, result.status);
        EXPECT_EQ("Request must include value", result.message);
        request.value = "v";
        EXPECT_TRUE(validate(request, context_).ok());
        break;
    }
    }
}

TEST_P(ValidatorRowTest, JsonDatatype) {
    Request request = good();
    request.datatype = datatype::kJson;
    const ValidationContext json = withFeatures({Feature::Json});
    if (GetParam().datatype == Dt::Raw) {
        const ValidationResult result = validate(request, json);
        EXPECT_EQ(R::Einval, result.status);
        EXPECT_EQ("Datatype must be raw", result.message);
        return;
    }
    const ValidationResult not_negotiated = validate(request, context_);
    EXPECT_EQ(R::Einval, not_negotiated.status);
    EXPECT_EQ("JSON datatype not negotiated", not_negotiated.message);
    EXPECT_TRUE(validate(request, json).ok());
}

TEST_P(ValidatorRowTest, SnappyDatatype) {
    Request request = good();
    request.datatype = datatype::kSnappy;
    const ValidationContext snappy = withFeatures({Feature::Snappy});
    const ValidationResult negotiated = validate(request, snappy);
    if (GetParam().datatype != Dt::Document) {
        EXPECT_EQ(R::Einval, negotiated.status);
        EXPECT_EQ(GetParam().datatype == Dt::Raw ? "Datatype must be raw"
                                                 : "Snappy datatype not supported",
                  negotiated.message);
        return;
    }
    EXPECT_TRUE(negotiated.ok()) << negotiated.message;
    const ValidationResult not_negotiated = validate(request, withFeatures({Feature::Json}));
    EXPECT_EQ(R::Einval, not_negotiated.status);
    EXPECT_EQ("Snappy datatype not negotiated", not_negotiated.message);

    // Compressed JSON needs both features.
    request.datatype = datatype::kJson | datatype::kSnappy;
    EXPECT_EQ("JSON datatype not negotiated", validate(request, snappy).message);
    EXPECT_TRUE(validate(request, withFeatures({Feature::Json, Feature::Snappy})).ok());
}

TEST_P(ValidatorRowTest, XattrDatatypeOnlyOnDocumentsOnceNegotiated) {
    const ValidationContext all = withFeatures({Feature::Json, Feature::Snappy, Feature::Xattr});
    const ValidationContext no_xattr = withFeatures({Feature::Json, Feature::Snappy});
    for (uint8_t bits : {datatype::kXattr, uint8_t(datatype::kJson | datatype::kXattr),
                         uint8_t(datatype::kSnappy | datatype::kXattr)}) {
        SCOPED_TRACE(static_cast<int>(bits));
        Request request = good();
        request.datatype = bits;
        if (GetParam().datatype == Dt::Document) {
            EXPECT_TRUE(validate(request, all).ok()) << validate(request, all).message;
            EXPECT_EQ("Xattr datatype not negotiated", validate(request, no_xattr).message);
        } else {
            EXPECT_EQ(R::Einval, validate(request, all).status);
        }
    }
}

TEST_P(ValidatorRowTest, UnknownDatatypesAreEinval) {
    const ValidationContext all = withFeatures({Feature::Json, Feature::Snappy, Feature::Xattr});
    for (uint8_t bits : {uint8_t{0x08}, uint8_t{0x80}, uint8_t{0xff}}) {
        SCOPED_TRACE(static_cast<int>(bits));
        Request request = good();
        request.datatype = bits;
        EXPECT_EQ(R::Einval, validate(request, all).status);
    }
}

TEST_P(ValidatorRowTest, CasRule) {
    Request request = good();
    request.cas = 0x0123456789abcdefULL;
    const ValidationResult result = validate(request, context_);
    if (GetParam().cas) {
        EXPECT_TRUE(result.ok()) << result.message;
    } else {
        EXPECT_EQ(R::Einval, result.status);
        EXPECT_EQ("Request must not include CAS", result.message);
    }
}

TEST_P(ValidatorRowTest, AnyVbucketIsAccepted) {
    for (uint16_t vbucket : {uint16_t{1}, uint16_t{1023}, uint16_t{1024}, uint16_t{0xffff}}) {
        Request request = good();
        request.vbucket = vbucket;
        EXPECT_TRUE(validate(request, context_).ok()) << vbucket;
    }
}

TEST_P(ValidatorRowTest, AltMagicNeedsAltRequestSupport) {
    Request request = good();
    if (request.key.size() > 255) {
        request.key.resize(255);
    }
    request.magic = Magic::AltClientRequest;
    const ValidationResult without = validate(request, context_);
    EXPECT_EQ(R::Einval, without.status);
    EXPECT_EQ("Framing extras require AltRequestSupport", without.message);

    const ValidationContext alt = withFeatures({Feature::AltRequestSupport});
    EXPECT_TRUE(validate(request, alt).ok());
    request.framing_extras = bytesOf({0x00});  // barrier
    EXPECT_TRUE(validate(request, alt).ok());
    request.framing_extras = bytesOf({0x11, 0x01});  // durability: majority
    EXPECT_EQ(R::NotSupported, validate(request, alt).status);
}

TEST_P(ValidatorRowTest, AltMagicStillAppliesTheRow) {
    Request request = good();
    request.magic = Magic::AltClientRequest;
    request.framing_extras = bytesOf({0x00});
    // The next extras length the row refuses.
    const auto& allowed = GetParam().extras;
    size_t refused = request.extras.size() + 1;
    while (std::find(allowed.begin(), allowed.end(), refused) != allowed.end()) {
        ++refused;
    }
    request.extras.assign(refused, '\0');
    EXPECT_EQ(R::Einval, validate(request, withFeatures({Feature::AltRequestSupport})).status);
}

std::string rowName(const ::testing::TestParamInfo<Expected>& info) {
    return std::string(opcodeName(static_cast<uint8_t>(info.param.opcode)).value_or("unknown"));
}

INSTANTIATE_TEST_SUITE_P(AllRows, ValidatorRowTest, ::testing::ValuesIn(kExpected), rowName);

// ---- whole-table properties ----

TEST(ValidatorTest, ExpectedRowsMatchTheTableExactly) {
    std::set<uint8_t> expected;
    for (const Expected& row : kExpected) {
        EXPECT_TRUE(expected.insert(static_cast<uint8_t>(row.opcode)).second);
    }
    // The sub-document commands: their bodies have a layout of their own, whose rules
    // subdoc_request_test.cc checks.
    for (int byte = static_cast<int>(Op::SubdocGet); byte <= static_cast<int>(Op::SubdocGetCount);
         ++byte) {
        EXPECT_TRUE(expected.insert(static_cast<uint8_t>(byte)).second);
    }
    for (int byte = 0; byte < 256; ++byte) {
        EXPECT_EQ(expected.count(static_cast<uint8_t>(byte)) == 1,
                  hasValidator(static_cast<uint8_t>(byte)))
            << byte;
    }
}

TEST(ValidatorTest, OpcodesWithoutARowAreUnknownCommand) {
    const ValidationContext context;
    for (int byte = 0; byte < 256; ++byte) {
        const auto opcode = static_cast<uint8_t>(byte);
        if (hasValidator(opcode)) {
            continue;
        }
        Request request;
        request.opcode = opcode;
        const ValidationResult result = validate(request, context);
        EXPECT_EQ(R::UnknownCommand, result.status) << byte;
        EXPECT_EQ("Unknown command", result.message);
    }
}

TEST(ValidatorTest, GetCmdTimerTakesTheOpcodeInOneByteOfExtras) {
    Request request;
    request.opcode = static_cast<uint8_t>(Op::GetCmdTimer);
    request.extras = std::string(1, '\0');
    EXPECT_EQ(R::Success, validate(request, ValidationContext{}).status);
    request.key = "default";
    EXPECT_EQ(R::Success, validate(request, ValidationContext{}).status);
    request.extras.clear();
    EXPECT_EQ(R::Einval, validate(request, ValidationContext{}).status);
}

TEST(ValidatorTest, OnlyClientRequestMagicsAreAccepted) {
    for (Magic magic : {Magic::ClientResponse, Magic::AltClientResponse, Magic::ServerRequest,
                        Magic::ServerResponse}) {
        SCOPED_TRACE(static_cast<int>(magic));
        Request request;
        request.magic = magic;
        request.opcode = static_cast<uint8_t>(Op::Noop);
        const ValidationResult result =
            validate(request, withFeatures({Feature::AltRequestSupport, Feature::Duplex}));
        EXPECT_EQ(R::Einval, result.status);
        EXPECT_EQ("Invalid magic for a client request", result.message);
    }
}

TEST(ValidatorTest, HelloWithLongAgentAndFeatures) {
    Request request;
    request.opcode = static_cast<uint8_t>(Op::Hello);
    request.key =
        R"({"a":")" + std::string(300, 'x') + R"(","i":"0000000000000001/0000000000000002"})";
    request.value = bytesOf({0x00, 0x07, 0x00, 0x0b, 0x00, 0x10});
    EXPECT_TRUE(validate(request, ValidationContext{}).ok());
}

TEST(ValidatorTest, StatGroupWithJsonArguments) {
    Request request;
    request.opcode = static_cast<uint8_t>(Op::Stat);
    request.key = "dcp";
    request.value = R"({"stream_format":"json"})";
    request.datatype = datatype::kJson;
    EXPECT_TRUE(validate(request, withFeatures({Feature::Json})).ok());
    request.datatype = datatype::kRaw;
    EXPECT_TRUE(validate(request, ValidationContext{}).ok());
}

TEST(ValidatorTest, DocumentKeysCarryACollectionIdOnceNegotiated) {
    const ValidationContext collections = withFeatures({Feature::Collections});
    Request request;
    request.opcode = static_cast<uint8_t>(Op::Get);
    auto status = [&](const std::string& key, const ValidationContext& context) {
        request.key = key;
        return validate(request, context).status;
    };
    EXPECT_EQ(R::Success, status(std::string("\0k", 2), collections));
    EXPECT_EQ(R::Success, status("\x08k", collections));
    EXPECT_EQ(R::Success, status("\x80\x01k", collections));  // id 0x80
    EXPECT_EQ(R::Success, status(std::string(1, '\0') + std::string(250, 'x'), collections));
    EXPECT_EQ(R::Success, status("\x08" + std::string(246, 'x'), collections));
    for (const std::string& bad :
         {std::string("\x80"), std::string("\x80\x80\x80\x80\x80k"), std::string("\x80\x00k", 3),
          std::string("\x01k"), std::string("\x07k"), std::string("\x08"), std::string(1, '\0'),
          std::string("\xff\xff\xff\xff\x1fk"), std::string(1, '\0') + std::string(251, 'x'),
          "\x08" + std::string(247, 'x')}) {
        EXPECT_EQ(R::Einval, status(bad, collections)) << testing::PrintToString(bad);
    }
    // Without the feature the same bytes are just a key (up to 250 bytes).
    EXPECT_EQ(R::Success, status("\x80", ValidationContext{}));
    EXPECT_EQ(R::Success, status("\x01k", ValidationContext{}));
    EXPECT_EQ(R::Einval, status(std::string(251, 'x'), ValidationContext{}));
    // A command whose key is not a document's is not checked for a prefix.
    request.opcode = static_cast<uint8_t>(Op::SetParam);
    request.extras = std::string(4, '\0');
    EXPECT_EQ(R::Success, status("\x80", collections));
}

TEST(ValidatorTest, DocumentKeyOpcodesAreTheKeyValueCommands) {
    for (const Op opcode :
         {Op::Get, Op::Set, Op::Delete, Op::Increment, Op::Getkq, Op::Touch, Op::Gat, Op::GetMeta,
          Op::GetLocked, Op::UnlockKey, Op::GetReplica, Op::SubdocGet, Op::SubdocMultiMutation}) {
        EXPECT_TRUE(hasDocumentKey(static_cast<uint8_t>(opcode)))
            << opcodeName(static_cast<uint8_t>(opcode)).value_or("?");
    }
    for (const Op opcode : {Op::Stat, Op::SetParam, Op::DcpOpen, Op::SaslAuth, Op::CreateBucket,
                            Op::CollectionsGetId, Op::Hello}) {
        EXPECT_FALSE(hasDocumentKey(static_cast<uint8_t>(opcode)))
            << opcodeName(static_cast<uint8_t>(opcode)).value_or("?");
    }
}

TEST(ValidatorTest, DcpOpenAsAClientSendsIt) {
    Request request;
    request.opcode = static_cast<uint8_t>(Op::DcpOpen);
    request.extras = std::string(4, '\0') + bytesOf({0x00, 0x00, 0x00, 0x01});  // producer
    request.key = "replication:ns_1@10.0.0.1->ns_1@10.0.0.2:default";
    EXPECT_TRUE(validate(request, ValidationContext{}).ok());
    request.value = R"({"consumer_name":"replica"})";
    request.datatype = datatype::kJson;
    EXPECT_TRUE(validate(request, withFeatures({Feature::Json})).ok());
}

TEST(ValidatorTest, DcpStreamRequestWithAndWithoutFilter) {
    Request request;
    request.opcode = static_cast<uint8_t>(Op::DcpStreamReq);
    request.vbucket = 7;
    request.extras.assign(48, '\0');
    EXPECT_TRUE(validate(request, ValidationContext{}).ok());
    request.value = R"({"collections":["8"]})";
    EXPECT_TRUE(validate(request, ValidationContext{}).ok());
    request.key = "k";
    EXPECT_EQ("Request must not include key", validate(request, ValidationContext{}).message);
}

TEST(ValidatorTest, DcpControlNeedsKeyAndValue) {
    Request request;
    request.opcode = static_cast<uint8_t>(Op::DcpControl);
    request.key = "enable_noop";
    request.value = "true";
    EXPECT_TRUE(validate(request, ValidationContext{}).ok());
    request.value.clear();
    EXPECT_EQ("Request must include value", validate(request, ValidationContext{}).message);
    request.value = "true";
    request.key.clear();
    EXPECT_EQ("Request must include key", validate(request, ValidationContext{}).message);
}

TEST(ValidatorTest, ValueSizeIsLeftToTheBucket) {
    // The bucket's max_item_size is the one item-size limit; the validator has none of its own.
    Request request;
    request.opcode = static_cast<uint8_t>(Op::Set);
    request.extras.assign(8, '\0');
    request.key = "big";
    request.value.assign(21 * 1024 * 1024, 'v');
    EXPECT_TRUE(validate(request, ValidationContext{}).ok());
}

// ---- frame infos ----

TEST(FrameInfoTest, EmptyIsValid) {
    EXPECT_TRUE(validateFrameInfos({}).ok());
}

TEST(FrameInfoTest, Barrier) {
    EXPECT_TRUE(validateFrameInfos(bytesOf({0x00})).ok());
    EXPECT_TRUE(validateFrameInfos(bytesOf({0x00, 0x00})).ok());
    const ValidationResult with_payload = validateFrameInfos(bytesOf({0x01, 0xaa}));
    EXPECT_EQ(R::Einval, with_payload.status);
    EXPECT_EQ("Barrier frame info must be empty", with_payload.message);
}

TEST(FrameInfoTest, DurabilityRequirementIsKnownButNotSupported) {
    EXPECT_EQ(R::NotSupported, validateFrameInfos(bytesOf({0x11, 0x01})).status);
    EXPECT_EQ(R::NotSupported, validateFrameInfos(bytesOf({0x13, 0x02, 0x00, 0x64})).status);
    EXPECT_EQ(R::Einval, validateFrameInfos(bytesOf({0x10})).status);
    EXPECT_EQ(R::Einval, validateFrameInfos(bytesOf({0x12, 0x01, 0x00})).status);
    EXPECT_EQ("Frame info not supported", validateFrameInfos(bytesOf({0x11, 0x01})).message);
}

TEST(FrameInfoTest, DcpStreamIdIsKnownButNotSupported) {
    EXPECT_EQ(R::NotSupported, validateFrameInfos(bytesOf({0x22, 0x00, 0x01})).status);
    EXPECT_EQ(R::Einval, validateFrameInfos(bytesOf({0x21, 0x01})).status);
}

TEST(FrameInfoTest, OpenTracingAndImpersonateAreNotSupported) {
    EXPECT_EQ(R::NotSupported, validateFrameInfos(bytesOf({0x31, 0x7b})).status);
    EXPECT_EQ(R::Einval, validateFrameInfos(bytesOf({0x30})).status);
    EXPECT_EQ(R::NotSupported, validateFrameInfos(bytesOf({0x43, 'b', 'o', 'b'})).status);
    EXPECT_EQ(R::Einval, validateFrameInfos(bytesOf({0x40})).status);
}

TEST(FrameInfoTest, PreserveTtlIsEmptyAndFound) {
    EXPECT_TRUE(validateFrameInfos(bytesOf({0x50})).ok());
    EXPECT_TRUE(hasFrameInfo(bytesOf({0x50}), FrameInfoId::PreserveTtl));
    EXPECT_TRUE(hasFrameInfo(bytesOf({0x00, 0x50}), FrameInfoId::PreserveTtl));
    EXPECT_FALSE(hasFrameInfo(bytesOf({0x00}), FrameInfoId::PreserveTtl));
    EXPECT_FALSE(hasFrameInfo({}, FrameInfoId::PreserveTtl));
    const ValidationResult ttl_payload = validateFrameInfos(bytesOf({0x51, 0x00}));
    EXPECT_EQ(R::Einval, ttl_payload.status);
    EXPECT_EQ("Invalid frame info length", ttl_payload.message);
}

TEST(FrameInfoTest, UnknownIds) {
    for (uint8_t first : {0x60, 0x70, 0x81, 0xe0}) {
        std::string infos = bytesOf({first});
        infos.append(first & 0x0f, '\0');
        const ValidationResult result = validateFrameInfos(infos);
        EXPECT_EQ(R::UnknownFrameInfo, result.status) << static_cast<int>(first);
        EXPECT_EQ("Unknown frame info", result.message);
    }
}

TEST(FrameInfoTest, EscapedIdAndLength) {
    // id 15 + 0 = 15: unknown.
    EXPECT_EQ(R::UnknownFrameInfo, validateFrameInfos(bytesOf({0xf0, 0x00})).status);
    // length 15 + 1 = 16 bytes of impersonated user name.
    std::string impersonate = bytesOf({0x4f, 0x01});
    impersonate.append(16, 'u');
    EXPECT_EQ(R::NotSupported, validateFrameInfos(impersonate).status);
    // Escaped id (15 + 2 = 17) then escaped length (15 + 0 = 15).
    std::string both = bytesOf({0xff, 0x02, 0x00});
    both.append(15, 'x');
    EXPECT_EQ(R::UnknownFrameInfo, validateFrameInfos(both).status);
    both.pop_back();
    EXPECT_EQ(R::Einval, validateFrameInfos(both).status);
}

TEST(FrameInfoTest, TruncatedEncodingsAreEinval) {
    for (const std::string& infos :
         {bytesOf({0xf0}), bytesOf({0x0f}), bytesOf({0xff, 0x00}), bytesOf({0x0f, 0x00}),
          bytesOf({0x12, 0x01}), bytesOf({0x00, 0x22, 0x00})}) {
        const ValidationResult result = validateFrameInfos(infos);
        EXPECT_EQ(R::Einval, result.status) << infos.size();
        EXPECT_EQ("Truncated frame info", result.message);
    }
}

TEST(FrameInfoTest, TheFirstProblemWins) {
    EXPECT_EQ(R::NotSupported, validateFrameInfos(bytesOf({0x00, 0x31, 0x7b, 0x60})).status);
    EXPECT_EQ(R::UnknownFrameInfo, validateFrameInfos(bytesOf({0x00, 0x60, 0x31, 0x7b})).status);
    EXPECT_EQ(R::Einval, validateFrameInfos(bytesOf({0x01, 0x00, 0x60})).status);
}

TEST(FrameInfoTest, ValidateRequestReportsFrameInfoErrors) {
    Request request;
    request.magic = Magic::AltClientRequest;
    request.opcode = static_cast<uint8_t>(Op::Get);
    request.key = "k";
    const ValidationContext alt = withFeatures({Feature::AltRequestSupport});
    request.framing_extras = bytesOf({0x60});
    EXPECT_EQ(R::UnknownFrameInfo, validate(request, alt).status);
    request.framing_extras = bytesOf({0x0f});
    EXPECT_EQ(R::Einval, validate(request, alt).status);
    request.framing_extras = bytesOf({0x00, 0x00});
    EXPECT_TRUE(validate(request, alt).ok());
}

}  // namespace
}  // namespace eddy::mcbp
