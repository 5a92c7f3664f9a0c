#include "protocol/error_map.h"

#include "protocol/status.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <string_view>

namespace eddy::mcbp {

namespace {

struct ErrorInfo {
    std::string_view desc;
    /// Error-map attributes; unused slots stay empty.
    std::array<std::string_view, 3> attrs;
};

// A switch without default, so a new ResponseStatus cannot be added without its entry.
ErrorInfo describe(ResponseStatus status) {
    using R = ResponseStatus;
    switch (status) {
    case R::Success: return {"Success", {"success"}};
    case R::KeyEnoent: return {"Document not found", {"item-only"}};
    case R::KeyEexists: return {"Document exists with a different CAS", {"item-only"}};
    case R::E2big: return {"Value too large", {"invalid-input"}};
    case R::Einval: return {"Invalid request", {"invalid-input"}};
    case R::NotStored: return {"Document not stored", {"item-only"}};
    case R::DeltaBadval: return {"Document value is not a number", {"invalid-input", "item-only"}};
    case R::NotMyVbucket: return {"This node does not own the vbucket", {"fetch-config"}};
    case R::NoBucket: return {"No bucket selected", {"conn-state-invalidated", "fetch-config"}};
    case R::Locked: return {"Document is locked", {"item-locked", "item-only", "retry-later"}};
    case R::DcpStreamNotFound: return {"No DCP stream for this vbucket", {"dcp"}};
    case R::OpaqueNoMatch: return {"DCP opaque does not match the stream", {"dcp"}};
    case R::AuthStale: return {"Authentication is stale", {"conn-state-invalidated", "auth"}};
    case R::AuthError: return {"Authentication failed", {"auth"}};
    case R::AuthContinue: return {"Authentication continues", {"auth", "special-handling"}};
    case R::Erange: return {"Value out of range", {"invalid-input"}};
    case R::Rollback: return {"Stream must roll back", {"dcp", "special-handling"}};
    case R::Eaccess: return {"No access", {"auth"}};
    case R::NotInitialized: return {"Node is not initialized", {"temp", "retry-later"}};
    case R::UnknownFrameInfo: return {"Unknown frame info", {"support", "invalid-input"}};
    case R::UnknownCommand: return {"Unknown command", {"support"}};
    case R::Enomem: return {"Out of memory", {"temp", "retry-later"}};
    case R::NotSupported: return {"Not supported", {"support"}};
    case R::Einternal: return {"Internal error", {"internal"}};
    case R::Ebusy: return {"Server is busy", {"temp", "retry-now"}};
    case R::Etmpfail: return {"Temporary failure", {"temp", "retry-later"}};
    case R::XattrEinval: return {"Invalid extended attribute", {"invalid-input", "subdoc"}};
    case R::UnknownCollection: return {"Unknown collection", {"invalid-input", "fetch-config"}};
    case R::NoCollectionsManifest:
        return {"No collections manifest has been set", {"invalid-input"}};
    case R::CannotApplyCollectionsManifest:
        return {"The collections manifest cannot be applied", {"invalid-input"}};
    case R::UnknownScope: return {"Unknown scope", {"invalid-input", "fetch-config"}};
    case R::SubdocPathEnoent: return {"Subdoc: path not found", {"item-only", "subdoc"}};
    case R::SubdocPathMismatch:
        return {"Subdoc: path does not match the document's shape",
                {"invalid-input", "item-only", "subdoc"}};
    case R::SubdocPathEinval: return {"Subdoc: invalid path", {"invalid-input", "subdoc"}};
    case R::SubdocPathE2big:
        return {"Subdoc: path too long or too many components", {"invalid-input", "subdoc"}};
    case R::SubdocDocE2deep: return {"Subdoc: document too deep to parse", {"item-only", "subdoc"}};
    case R::SubdocValueCantinsert:
        return {"Subdoc: value cannot be inserted", {"invalid-input", "subdoc"}};
    case R::SubdocDocNotJson: return {"Subdoc: document is not JSON", {"item-only", "subdoc"}};
    case R::SubdocNumErange:
        return {"Subdoc: existing number out of range", {"item-only", "subdoc"}};
    case R::SubdocDeltaEinval: return {"Subdoc: invalid delta", {"invalid-input", "subdoc"}};
    case R::SubdocPathEexists: return {"Subdoc: path already exists", {"item-only", "subdoc"}};
    case R::SubdocValueEtoodeep:
        return {"Subdoc: value would make the document too deep", {"invalid-input", "subdoc"}};
    case R::SubdocInvalidCombo:
        return {"Subdoc: invalid combination of commands", {"invalid-input", "subdoc"}};
    case R::SubdocMultiPathFailure: return {"Subdoc: one or more paths failed", {"subdoc"}};
    case R::SubdocSuccessDeleted:
        return {"Subdoc: success on a deleted document", {"success", "subdoc"}};
    case R::SubdocXattrInvalidFlagCombo:
        return {"Subdoc: invalid xattr flag combination", {"invalid-input", "subdoc"}};
    case R::SubdocXattrInvalidKeyCombo:
        return {"Subdoc: invalid xattr key combination", {"invalid-input", "subdoc"}};
    case R::SubdocXattrUnknownMacro:
        return {"Subdoc: unknown xattr macro", {"invalid-input", "subdoc"}};
    case R::SubdocXattrUnknownVattr:
        return {"Subdoc: unknown virtual attribute", {"invalid-input", "subdoc"}};
    case R::SubdocXattrCantModifyVattr:
        return {"Subdoc: virtual attributes cannot be changed", {"invalid-input", "subdoc"}};
    case R::SubdocMultiPathFailureDeleted:
        return {"Subdoc: one or more paths failed on a deleted document", {"subdoc"}};
    case R::SubdocInvalidXattrOrder:
        return {"Subdoc: xattr paths must come first", {"invalid-input", "subdoc"}};
    case R::DurabilityInvalidLevel: return {"Invalid durability level", {"invalid-input"}};
    case R::DurabilityImpossible: return {"Durability cannot be met", {"temp", "retry-later"}};
    }
    return {"Unknown status", {"internal"}};
}

/// The memcached binary protocol's own messages, where it defines one.
std::optional<std::string_view> classicMessage(ResponseStatus status) {
    using R = ResponseStatus;
    switch (status) {
    case R::KeyEnoent: return "Not found";
    case R::KeyEexists: return "Data exists for key.";
    case R::E2big: return "Too large.";
    case R::Einval: return "Invalid arguments";
    case R::NotStored: return "Not stored.";
    case R::DeltaBadval: return "Non-numeric server-side value for incr or decr";
    case R::AuthError: return "Auth failure.";
    case R::UnknownCommand: return "Unknown command";
    case R::Enomem: return "Out of memory";
    default: return std::nullopt;
    }
}

bool hasAttr(const ErrorInfo& info, std::string_view attr) {
    return std::find(info.attrs.begin(), info.attrs.end(), attr) != info.attrs.end();
}

// Version 2 tells clients how to retry the temporary errors; times in milliseconds.
std::optional<nlohmann::json> retrySpec(const ErrorInfo& info) {
    if (hasAttr(info, "retry-now")) {
        return nlohmann::json{
            {"strategy", "constant"}, {"interval", 10}, {"after", 0}, {"max-duration", 2000}};
    }
    if (hasAttr(info, "retry-later")) {
        return nlohmann::json{{"strategy", "exponential"},
                              {"interval", 2},
                              {"after", 10},
                              {"max-duration", 5000},
                              {"ceil", 500}};
    }
    return std::nullopt;
}

std::string build(uint16_t version) {
    nlohmann::json errors = nlohmann::json::object();
    for (uint32_t code = 0; code <= 0xffff; ++code) {
        const auto status = static_cast<ResponseStatus>(code);
        const auto name = statusName(status);
        if (!name) {
            continue;
        }
        const ErrorInfo info = describe(status);
        nlohmann::json attrs = nlohmann::json::array();
        for (std::string_view attr : info.attrs) {
            if (!attr.empty()) {
                attrs.push_back(attr);
            }
        }
        nlohmann::json entry{{"name", *name}, {"desc", info.desc}, {"attrs", std::move(attrs)}};
        if (version >= 2) {
            if (auto retry = retrySpec(info)) {
                entry["retry"] = std::move(*retry);
            }
        }
        char key[8];
        std::snprintf(key, sizeof(key), "%x", static_cast<unsigned>(code));
        errors[key] = std::move(entry);
    }
    nlohmann::json map{{"version", version}, {"revision", 1}, {"errors", std::move(errors)}};
    return map.dump();
}

}  // namespace

std::string errorMapJson(uint16_t requested_version) {
    if (requested_version == 0) {
        return {};
    }
    // Built once per version; function-local statics are initialised thread-safely.
    static const std::string kVersion1 = build(1);
    static const std::string kVersion2 = build(2);
    static_assert(kErrorMapMaxVersion == 2, "add the new version here");
    return requested_version == 1 ? kVersion1 : kVersion2;
}

std::string_view errorMessage(ResponseStatus status) {
    return classicMessage(status).value_or(describe(status).desc);
}

}  // namespace eddy::mcbp
