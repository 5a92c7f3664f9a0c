#include "protocol/validators.h"

#include "eddy/types.h"
#include "protocol/leb128.h"
#include "protocol/opcode.h"
#include "protocol/subdoc_request.h"

#include <array>

namespace eddy::mcbp {

namespace {

enum class KeyRule : uint8_t {
    Forbidden,
    Required,  ///< non-empty, at most kMaxKeyLength
    Optional,  ///< empty or at most kMaxKeyLength
    Text,      ///< optional free text (HELLO user agent, STAT group); any length
    DcpName,   ///< a DCP connection name: non-empty, at most kMaxDcpNameLength
    Document,  ///< a document key: Required, and a collection-id prefix once negotiated
};

enum class ValueRule : uint8_t {
    Forbidden,
    Optional,
    EvenLength,  ///< a list of 16-bit codes (HELLO features)
    TwoBytes,    ///< one 16-bit number (GET_ERROR_MAP version)
    EightBytes,  ///< one 64-bit number (OBSERVE_SEQNO vbucket uuid)
    NonEmpty,    ///< required, any size up to the limit (DCP_CONTROL value)
};

enum class DatatypeRule : uint8_t {
    Raw,       ///< the datatype byte must be 0
    Json,      ///< JSON allowed once negotiated (a JSON argument, never compressed)
    Document,  ///< JSON, Snappy and XATTR allowed once negotiated
};

enum class CasRule : uint8_t {
    Zero,
    Allowed
};

/// The extras lengths a command accepts, as a bit set: bit n set = length n allowed. Every
/// length any command takes is below 64 (DCP_STREAM_REQ's 48 is the largest).
using ExtrasLengths = uint64_t;
inline constexpr size_t kMaxExtrasLength = 63;

template <typename... Lengths>
constexpr ExtrasLengths extras(Lengths... lengths) {
    return ((ExtrasLengths{1} << lengths) | ...);
}

struct Rule {
    ClientOpcode opcode;
    ExtrasLengths extras;
    KeyRule key;
    ValueRule value;
    DatatypeRule datatype;
    CasRule cas;
};

using Op = ClientOpcode;
using K = KeyRule;
using V = ValueRule;
using D = DatatypeRule;
using C = CasRule;

// One row per opcode the server executes, sorted by opcode byte. An opcode without a row is
// answered UnknownCommand, so adding a command starts here.
// clang-format off
constexpr std::array kRules{
    //   opcode                extras        key           value          datatype     cas
    Rule{Op::Get,              extras(0),    K::Document,  V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::Set,              extras(8),    K::Document,  V::Optional,   D::Document, C::Allowed},
    Rule{Op::Add,              extras(8),    K::Document,  V::Optional,   D::Document, C::Zero},
    Rule{Op::Replace,          extras(8),    K::Document,  V::Optional,   D::Document, C::Allowed},
    Rule{Op::Delete,           extras(0),    K::Document,  V::Forbidden,  D::Raw,      C::Allowed},
    Rule{Op::Increment,        extras(20),   K::Document,  V::Forbidden,  D::Raw,      C::Allowed},
    Rule{Op::Decrement,        extras(20),   K::Document,  V::Forbidden,  D::Raw,      C::Allowed},
    Rule{Op::Quit,             extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::Flush,            extras(0, 4), K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::Getq,             extras(0),    K::Document,  V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::Noop,             extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::Version,          extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::Getk,             extras(0),    K::Document,  V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::Getkq,            extras(0),    K::Document,  V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::Append,           extras(0),    K::Document,  V::Optional,   D::Document, C::Allowed},
    Rule{Op::Prepend,          extras(0),    K::Document,  V::Optional,   D::Document, C::Allowed},
    Rule{Op::Stat,             extras(0),    K::Text,      V::Optional,   D::Json,     C::Zero},
    Rule{Op::Setq,             extras(8),    K::Document,  V::Optional,   D::Document, C::Allowed},
    Rule{Op::Addq,             extras(8),    K::Document,  V::Optional,   D::Document, C::Zero},
    Rule{Op::Replaceq,         extras(8),    K::Document,  V::Optional,   D::Document, C::Allowed},
    Rule{Op::Deleteq,          extras(0),    K::Document,  V::Forbidden,  D::Raw,      C::Allowed},
    Rule{Op::Incrementq,       extras(20),   K::Document,  V::Forbidden,  D::Raw,      C::Allowed},
    Rule{Op::Decrementq,       extras(20),   K::Document,  V::Forbidden,  D::Raw,      C::Allowed},
    Rule{Op::Quitq,            extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::Flushq,           extras(0, 4), K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::Appendq,          extras(0),    K::Document,  V::Optional,   D::Document, C::Allowed},
    Rule{Op::Prependq,         extras(0),    K::Document,  V::Optional,   D::Document, C::Allowed},
    Rule{Op::Verbosity,        extras(4),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::Touch,            extras(4),    K::Document,  V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::Gat,              extras(4),    K::Document,  V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::Gatq,             extras(4),    K::Document,  V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::Hello,            extras(0),    K::Text,      V::EvenLength, D::Raw,      C::Zero},
    Rule{Op::SaslListMechs,    extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::SaslAuth,         extras(0),    K::Required,  V::Optional,   D::Raw,      C::Zero},
    Rule{Op::SaslStep,         extras(0),    K::Required,  V::Optional,   D::Raw,      C::Zero},
    Rule{Op::SetVbucket,       extras(1, 4), K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::GetVbucket,       extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::DelVbucket,       extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::GetAllVbSeqnos,   extras(0, 4), K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::DcpOpen,          extras(8),    K::DcpName,   V::Optional,   D::Json,     C::Zero},
    Rule{Op::DcpCloseStream,   extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::DcpStreamReq,     extras(48),   K::Forbidden, V::Optional,   D::Json,     C::Zero},
    Rule{Op::DcpGetFailoverLog,
                               extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::DcpBufferAcknowledgement,
                               extras(4),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::DcpControl,       extras(0),    K::Required,  V::NonEmpty,   D::Raw,      C::Zero},
    Rule{Op::StopPersistence,  extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::StartPersistence, extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::SetParam,         extras(4),    K::Required,  V::Optional,   D::Raw,      C::Zero},
    Rule{Op::GetReplica,       extras(0),    K::Document,  V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::CreateBucket,     extras(0),    K::Required,  V::Optional,   D::Raw,      C::Zero},
    Rule{Op::DeleteBucket,     extras(0),    K::Required,  V::Optional,   D::Json,     C::Zero},
    Rule{Op::ListBuckets,      extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::SelectBucket,     extras(0),    K::Optional,  V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::ObserveSeqno,     extras(0),    K::Forbidden, V::EightBytes, D::Raw,      C::Zero},
    Rule{Op::GetLocked,        extras(0, 4), K::Document,  V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::UnlockKey,        extras(0),    K::Document,  V::Forbidden,  D::Raw,      C::Allowed},
    Rule{Op::GetMeta,          extras(0, 1), K::Document,  V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::GetqMeta,         extras(0, 1), K::Document,  V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::CompactDb,        extras(24),   K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::SetClusterConfig, extras(16),   K::Optional,  V::NonEmpty,   D::Json,     C::Allowed},
    Rule{Op::GetClusterConfig, extras(0, 16), K::Forbidden, V::Forbidden, D::Raw,      C::Zero},
    Rule{Op::SeqnoPersistence, extras(8),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::CollectionsSetManifest,
                               extras(0),    K::Forbidden, V::NonEmpty,   D::Json,     C::Zero},
    Rule{Op::CollectionsGetManifest,
                               extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    // The "scope.collection" path comes in the key or the value (the executor checks which).
    Rule{Op::CollectionsGetId, extras(0),    K::Text,      V::Optional,   D::Raw,      C::Zero},
    Rule{Op::CollectionsGetScopeId,
                               extras(0),    K::Text,      V::Optional,   D::Raw,      C::Zero},
    Rule{Op::SubdocGet,        extras(3, 4), K::Document, V::Optional, D::Json,      C::Allowed},
    Rule{Op::SubdocExists,     extras(3, 4), K::Document, V::Optional, D::Json,      C::Allowed},
    Rule{Op::SubdocDictAdd,    extras(3, 4, 7, 8),
                                             K::Document, V::Optional, D::Json,      C::Allowed},
    Rule{Op::SubdocDictUpsert, extras(3, 4, 7, 8),
                                             K::Document, V::Optional, D::Json,      C::Allowed},
    Rule{Op::SubdocDelete,     extras(3, 4, 7, 8),
                                             K::Document, V::Optional, D::Json,      C::Allowed},
    Rule{Op::SubdocReplace,    extras(3, 4, 7, 8),
                                             K::Document, V::Optional, D::Json,      C::Allowed},
    Rule{Op::SubdocArrayPushLast,
                               extras(3, 4, 7, 8),
                                             K::Document, V::Optional, D::Json,      C::Allowed},
    Rule{Op::SubdocArrayPushFirst,
                               extras(3, 4, 7, 8),
                                             K::Document, V::Optional, D::Json,      C::Allowed},
    Rule{Op::SubdocArrayInsert,
                               extras(3, 4, 7, 8),
                                             K::Document, V::Optional, D::Json,      C::Allowed},
    Rule{Op::SubdocArrayAddUnique,
                               extras(3, 4, 7, 8),
                                             K::Document, V::Optional, D::Json,      C::Allowed},
    Rule{Op::SubdocCounter,    extras(3, 4, 7, 8),
                                             K::Document, V::Optional, D::Json,      C::Allowed},
    Rule{Op::SubdocMultiLookup,
                               extras(0, 1), K::Document, V::Optional, D::Json,      C::Allowed},
    Rule{Op::SubdocMultiMutation,
                               extras(0, 1, 4, 5),
                                             K::Document, V::Optional, D::Json,      C::Allowed},
    Rule{Op::SubdocGetCount,   extras(3, 4), K::Document, V::Optional, D::Json,      C::Allowed},
    Rule{Op::IsaslRefresh,     extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::SslCertsRefresh,  extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::GetCmdTimer,      extras(1),    K::Optional,  V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::RbacRefresh,      extras(0),    K::Forbidden, V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::EwouldblockCtl,   extras(12),   K::Optional,  V::Forbidden,  D::Raw,      C::Zero},
    Rule{Op::GetErrorMap,      extras(0),    K::Forbidden, V::TwoBytes,   D::Raw,      C::Zero},
};
// clang-format on

constexpr bool rulesAreSorted() {
    for (size_t i = 1; i < kRules.size(); ++i) {
        if (kRules[i - 1].opcode >= kRules[i].opcode) {
            return false;
        }
    }
    return true;
}
static_assert(rulesAreSorted(), "kRules must be sorted by opcode, one row each");
static_assert(kRules.size() < 256);

// Byte → row index + 1 (0 = no row).
constexpr std::array<uint8_t, 256> kRuleIndex = [] {
    std::array<uint8_t, 256> index{};
    for (size_t i = 0; i < kRules.size(); ++i) {
        index[static_cast<uint8_t>(kRules[i].opcode)] = static_cast<uint8_t>(i + 1);
    }
    return index;
}();

const Rule* findRule(uint8_t opcode) {
    const uint8_t slot = kRuleIndex[opcode];
    return slot == 0 ? nullptr : &kRules[slot - 1];
}

constexpr ValidationResult kOk{};

constexpr ValidationResult fail(ResponseStatus status, std::string_view message) {
    return {status, message};
}

/// A document key of a connection that negotiated Collections: a canonical LEB128 collection
/// id that is not reserved, then a logical key of at least one byte and at most 250 bytes (the
/// default collection) or 246 (any other), 251 bytes in all at most.
ValidationResult checkCollectionKey(std::string_view key) {
    if (key.size() > kMaxCollectionsKeyLength) {
        return fail(ResponseStatus::Einval, "Key length exceeds 251");
    }
    Leb128Error error{};
    const auto prefix = decodeLeb128(key, &error);
    if (!prefix) {
        return fail(ResponseStatus::Einval, error == Leb128Error::NotCanonical
                                                ? "Key contains non-canonical leb128"
                                                : "No stop-byte found");
    }
    const size_t logical = key.size() - prefix->size;
    if (logical == 0) {
        return fail(ResponseStatus::Einval, "No logical key found");
    }
    if (prefix->value >= 1 && prefix->value <= 7) {
        return fail(ResponseStatus::Einval, "Invalid collection-id: ids 1-7 are reserved");
    }
    if (prefix->value == 0 ? logical > kMaxKeyLength : logical > kMaxCollectionsLogicalKeyLength) {
        return fail(ResponseStatus::Einval,
                    prefix->value == 0 ? "Logical key exceeds 250" : "Logical key exceeds 246");
    }
    return kOk;
}

ValidationResult checkKey(KeyRule rule, std::string_view key, bool collections) {
    switch (rule) {
    case KeyRule::Document:
        if (key.empty()) {
            return fail(ResponseStatus::Einval, "Request must include key");
        }
        if (collections) {
            return checkCollectionKey(key);
        }
        break;
    case KeyRule::Forbidden:
        if (!key.empty()) {
            return fail(ResponseStatus::Einval, "Request must not include key");
        }
        return kOk;
    case KeyRule::Required:
        if (key.empty()) {
            return fail(ResponseStatus::Einval, "Request must include key");
        }
        break;
    case KeyRule::Optional: break;
    case KeyRule::Text: return kOk;
    case KeyRule::DcpName:
        if (key.empty()) {
            return fail(ResponseStatus::Einval, "Request must include key");
        }
        if (key.size() > kMaxDcpNameLength) {
            return fail(ResponseStatus::Einval, "DCP connection name exceeds 200");
        }
        return kOk;
    }
    if (key.size() > kMaxKeyLength) {
        return fail(ResponseStatus::Einval, "Key length exceeds 250");
    }
    return kOk;
}

ValidationResult checkValue(ValueRule rule, std::string_view value) {
    switch (rule) {
    case ValueRule::Forbidden:
        if (!value.empty()) {
            return fail(ResponseStatus::Einval, "Request must not include value");
        }
        return kOk;
    case ValueRule::Optional: break;
    case ValueRule::EvenLength:
        if (value.size() % 2 != 0) {
            return fail(ResponseStatus::Einval, "Value length must be even");
        }
        break;
    case ValueRule::TwoBytes:
        if (value.size() != 2) {
            return fail(ResponseStatus::Einval, "Value must be 2 bytes");
        }
        break;
    case ValueRule::EightBytes:
        if (value.size() != 8) {
            return fail(ResponseStatus::Einval, "Value must be 8 bytes");
        }
        break;
    case ValueRule::NonEmpty:
        if (value.empty()) {
            return fail(ResponseStatus::Einval, "Request must include value");
        }
        break;
    }
    return kOk;
}

ValidationResult checkDatatype(DatatypeRule rule, uint8_t bits, const FeatureSet& features) {
    constexpr uint8_t kKnownBits = datatype::kJson | datatype::kSnappy | datatype::kXattr;
    if ((bits & ~kKnownBits) != 0) {
        return fail(ResponseStatus::Einval, "Unknown datatype bits");
    }
    if (bits == datatype::kRaw) {
        return kOk;
    }
    if (rule == DatatypeRule::Raw) {
        return fail(ResponseStatus::Einval, "Datatype must be raw");
    }
    if ((bits & datatype::kXattr) != 0) {
        if (rule != DatatypeRule::Document) {
            return fail(ResponseStatus::Einval, "Xattr datatype not supported");
        }
        if (!features.has(Feature::Xattr)) {
            return fail(ResponseStatus::Einval, "Xattr datatype not negotiated");
        }
    }
    if ((bits & datatype::kSnappy) != 0) {
        if (rule != DatatypeRule::Document) {
            return fail(ResponseStatus::Einval, "Snappy datatype not supported");
        }
        if (!features.has(Feature::Snappy)) {
            return fail(ResponseStatus::Einval, "Snappy datatype not negotiated");
        }
    }
    if ((bits & datatype::kJson) != 0 && !features.has(Feature::Json)) {
        return fail(ResponseStatus::Einval, "JSON datatype not negotiated");
    }
    return kOk;
}

// ---- frame infos ----

enum class FrameInfoLength : uint8_t {
    Empty,
    Durability,  ///< level (1 byte), optionally followed by a 16-bit timeout
    TwoBytes,
    NonEmpty,
};

struct FrameInfoRule {
    FrameInfoId id;
    FrameInfoLength length;
    bool supported;
};

// Indexed by id. Barrier is honoured (commands on a connection already run in order) and
// PreserveTtl (the mutation keeps the document's expiry); the others are refused.
constexpr std::array kFrameInfoRules{
    FrameInfoRule{FrameInfoId::Barrier, FrameInfoLength::Empty, true},
    FrameInfoRule{FrameInfoId::DurabilityRequirement, FrameInfoLength::Durability, false},
    FrameInfoRule{FrameInfoId::DcpStreamId, FrameInfoLength::TwoBytes, false},
    FrameInfoRule{FrameInfoId::OpenTracingContext, FrameInfoLength::NonEmpty, false},
    FrameInfoRule{FrameInfoId::Impersonate, FrameInfoLength::NonEmpty, false},
    FrameInfoRule{FrameInfoId::PreserveTtl, FrameInfoLength::Empty, true},
};

constexpr bool frameInfoRulesAreIndexedById() {
    for (size_t i = 0; i < kFrameInfoRules.size(); ++i) {
        if (static_cast<size_t>(kFrameInfoRules[i].id) != i) {
            return false;
        }
    }
    return true;
}
static_assert(frameInfoRulesAreIndexedById());

bool lengthFits(FrameInfoLength rule, size_t length) {
    switch (rule) {
    case FrameInfoLength::Empty: return length == 0;
    case FrameInfoLength::Durability: return length == 1 || length == 3;
    case FrameInfoLength::TwoBytes: return length == 2;
    case FrameInfoLength::NonEmpty: return length > 0;
    }
    return false;
}

}  // namespace

bool hasValidator(uint8_t opcode) {
    return findRule(opcode) != nullptr;
}

namespace {

/// One frame info as walkFrameInfos finds it.
struct FrameInfo {
    size_t id = 0;
    size_t length = 0;
};

/// Walks the encoding of the framing extras, calling `visit` for each object until it returns
/// false. Einval for a truncated encoding, Success otherwise.
template <typename Visit>
ValidationResult walkFrameInfos(std::string_view framing_extras, Visit visit) {
    constexpr uint8_t kEscape = 0x0f;
    const auto* bytes = reinterpret_cast<const uint8_t*>(framing_extras.data());
    const size_t size = framing_extras.size();
    size_t offset = 0;
    while (offset < size) {
        const uint8_t first = bytes[offset++];
        FrameInfo info{.id = static_cast<size_t>(first >> 4),
                       .length = static_cast<size_t>(first & 0x0f)};
        // Escaped id byte first, then escaped length byte, as the encoding lays them out.
        if (info.id == kEscape) {
            if (offset == size) {
                return fail(ResponseStatus::Einval, "Truncated frame info");
            }
            info.id += bytes[offset++];
        }
        if (info.length == kEscape) {
            if (offset == size) {
                return fail(ResponseStatus::Einval, "Truncated frame info");
            }
            info.length += bytes[offset++];
        }
        if (info.length > size - offset) {
            return fail(ResponseStatus::Einval, "Truncated frame info");
        }
        offset += info.length;
        if (!visit(info)) {
            break;
        }
    }
    return kOk;
}

}  // namespace

ValidationResult validateFrameInfos(std::string_view framing_extras) {
    ValidationResult problem = kOk;
    const ValidationResult walked = walkFrameInfos(framing_extras, [&](const FrameInfo& info) {
        if (info.id >= kFrameInfoRules.size()) {
            problem = fail(ResponseStatus::UnknownFrameInfo, "Unknown frame info");
            return false;
        }
        const FrameInfoRule& rule = kFrameInfoRules[info.id];
        if (!lengthFits(rule.length, info.length)) {
            problem = rule.id == FrameInfoId::Barrier
                          ? fail(ResponseStatus::Einval, "Barrier frame info must be empty")
                          : fail(ResponseStatus::Einval, "Invalid frame info length");
            return false;
        }
        if (!rule.supported) {
            problem = fail(ResponseStatus::NotSupported, "Frame info not supported");
            return false;
        }
        return true;
    });
    return walked.ok() ? problem : walked;
}

bool hasDocumentKey(uint8_t opcode) {
    const Rule* rule = findRule(opcode);
    return rule != nullptr && rule->key == KeyRule::Document;
}

bool hasFrameInfo(std::string_view framing_extras, FrameInfoId id) {
    bool found = false;
    (void)walkFrameInfos(framing_extras, [&](const FrameInfo& info) {
        found = info.id == static_cast<size_t>(id);
        return !found;
    });
    return found;
}

ValidationResult validateRequest(const Frame& frame, const ValidationContext& context) {
    const Header& header = frame.header;
    if (header.magic == Magic::AltClientRequest) {
        if (!context.features.has(Feature::AltRequestSupport)) {
            return fail(ResponseStatus::Einval, "Framing extras require AltRequestSupport");
        }
        if (auto infos = validateFrameInfos(frame.framing_extras); !infos.ok()) {
            return infos;
        }
    } else if (header.magic != Magic::ClientRequest) {
        return fail(ResponseStatus::Einval, "Invalid magic for a client request");
    }

    const Rule* rule = findRule(header.opcode);
    if (rule == nullptr) {
        return fail(ResponseStatus::UnknownCommand, "Unknown command");
    }
    const size_t extras_length = frame.extras.size();
    if (extras_length > kMaxExtrasLength ||
        (rule->extras & (ExtrasLengths{1} << extras_length)) == 0) {
        return fail(ResponseStatus::Einval, "Invalid extras length");
    }
    if (auto key = checkKey(rule->key, frame.key, context.features.has(Feature::Collections));
        !key.ok()) {
        return key;
    }
    if (auto value = checkValue(rule->value, frame.value); !value.ok()) {
        return value;
    }
    if (auto type = checkDatatype(rule->datatype, header.datatype, context.features); !type.ok()) {
        return type;
    }
    if (rule->cas == CasRule::Zero && header.cas != 0) {
        return fail(ResponseStatus::Einval, "Request must not include CAS");
    }
    if (subdoc::isSubdocOpcode(header.opcode)) {
        subdoc::SubdocRequest request;
        return subdoc::parseSubdocRequest(frame, request);
    }
    return kOk;
}

}  // namespace eddy::mcbp
