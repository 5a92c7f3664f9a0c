// eddy — running a sub-document command's specs (see subdoc_execution.h).
#include "daemon/subdoc_execution.h"

#include "protocol/opcode.h"
#include "subdoc/document.h"
#include "xattr/blob.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <optional>

namespace eddy::daemon {

namespace {

using mcbp::ResponseStatus;
using mcbp::subdoc::SubdocSpec;
namespace whole_doc = mcbp::subdoc::whole_doc;
namespace doc_flag = mcbp::subdoc::doc_flag;

constexpr std::string_view kEmptyBody = "{}";

std::optional<subdoc::Op> opOf(uint8_t opcode) {
    using C = mcbp::ClientOpcode;
    switch (static_cast<C>(opcode)) {
    case C::SubdocGet: return subdoc::Op::Get;
    case C::SubdocExists: return subdoc::Op::Exists;
    case C::SubdocGetCount: return subdoc::Op::GetCount;
    case C::SubdocDictAdd: return subdoc::Op::DictAdd;
    case C::SubdocDictUpsert: return subdoc::Op::DictUpsert;
    case C::SubdocDelete: return subdoc::Op::Delete;
    case C::SubdocReplace: return subdoc::Op::Replace;
    case C::SubdocArrayPushLast: return subdoc::Op::ArrayPushLast;
    case C::SubdocArrayPushFirst: return subdoc::Op::ArrayPushFirst;
    case C::SubdocArrayInsert: return subdoc::Op::ArrayInsert;
    case C::SubdocArrayAddUnique: return subdoc::Op::ArrayAddUnique;
    case C::SubdocCounter: return subdoc::Op::Counter;
    default: return std::nullopt;
    }
}

SpecOutcome outcome(subdoc::Result result, std::string value = {}) {
    return {static_cast<ResponseStatus>(result), std::move(value)};
}

SpecOutcome failure(ResponseStatus status) {
    return {status, {}};
}

std::string casHex(Cas cas) {
    return fmt::format("0x{:016x}", cas);
}

}  // namespace

/// The document taken apart, and what the specs have made of it so far.
struct SubdocExecution::Parts {
    bool valid = true;
    std::string_view section;  ///< length prefix included; empty without xattrs
    std::string_view body;

    std::unique_ptr<subdoc::Document> xattrs;  ///< every attribute as one object
    bool xattrs_changed = false;
    std::unique_ptr<subdoc::Document> virtuals;

    std::unique_ptr<subdoc::Document> body_doc;
    subdoc::Result body_status = subdoc::Result::Success;
    bool body_changed = false;
    std::optional<std::string> replaced_body;  ///< set_doc
    bool removed = false;
};

bool SubdocLookupResult::allSucceeded() const {
    for (size_t i = 0; i < count; ++i) {
        if (specs[i].status != ResponseStatus::Success) {
            return false;
        }
    }
    return true;
}

SubdocExecution::SubdocExecution(const mcbp::subdoc::SubdocRequest& request,
                                 const SubdocInput& input, SubdocPermissions permissions,
                                 uint64_t now_seconds)
    : request_(request),
      input_(input),
      permissions_(permissions),
      now_seconds_(now_seconds),
      parts_(std::make_unique<Parts>()) {
    Parts& parts = *parts_;
    parts.body = input.value;
    if ((input.datatype & datatype::kXattr) != 0) {
        // Values are checked when they arrive; a section that fails here came from elsewhere
        // (a damaged file) and must not be trusted with its lengths.
        parts.valid = xattr::validate(input.value);
        if (parts.valid) {
            const size_t offset = xattr::bodyOffset(input.value);
            parts.section = input.value.substr(0, offset);
            parts.body = input.value.substr(offset);
        }
    }
}

SubdocExecution::~SubdocExecution() = default;

SubdocLookupResult SubdocExecution::lookup() {
    SubdocLookupResult result;
    result.count = request_.count;
    for (size_t i = 0; i < request_.count; ++i) {
        result.specs[i] =
            parts_->valid ? lookupOne(request_.specs[i]) : failure(ResponseStatus::Einternal);
    }
    return result;
}

SubdocMutationResult SubdocExecution::mutate() {
    SubdocMutationResult result;
    result.count = request_.count;
    if (!parts_->valid) {
        result.status = ResponseStatus::Einternal;
        return result;
    }
    for (size_t i = 0; i < request_.count; ++i) {
        SpecOutcome spec = mutateOne(request_.specs[i]);
        if (spec.status != ResponseStatus::Success) {
            result.status = spec.status;
            result.failed_index = i;
            return result;
        }
        result.specs[i] = std::move(spec);
    }
    assemble(result);
    return result;
}

SpecOutcome SubdocExecution::lookupOne(const SubdocSpec& spec) {
    if (spec.isXattr()) {
        return runOnXattrs(spec, false);
    }
    if (spec.opcode == whole_doc::kGet) {
        return {ResponseStatus::Success, std::string(parts_->body)};
    }
    return runOnBody(spec, false);
}

SpecOutcome SubdocExecution::mutateOne(const SubdocSpec& spec) {
    if (spec.isXattr()) {
        return runOnXattrs(spec, true);
    }
    if (spec.opcode == whole_doc::kSet) {
        parts_->replaced_body = std::string(spec.value);
        return {};
    }
    if (spec.opcode == whole_doc::kRemove) {
        parts_->removed = true;
        return {};
    }
    return runOnBody(spec, true);
}

SpecOutcome SubdocExecution::runOnXattrs(const SubdocSpec& spec, bool mutation) {
    const auto op = opOf(spec.opcode);
    if (!op) {
        return failure(ResponseStatus::SubdocInvalidCombo);
    }
    subdoc::Path path;
    if (const auto parsed = subdoc::parseXattrPath(spec.path, path);
        parsed != subdoc::Result::Success) {
        return outcome(parsed);
    }
    const std::string_view key = subdoc::xattrKeyOf(spec.path);
    Parts& parts = *parts_;
    std::string value;
    if (xattr::isVirtualKey(key)) {
        if (key != "$document" && key != "$vbucket" && key != "$XTOC") {
            return failure(ResponseStatus::SubdocXattrUnknownVattr);
        }
        if (!parts.virtuals) {
            parts.virtuals = std::make_unique<subdoc::Document>();
            (void)parts.virtuals->parse(virtualAttributes());
        }
        const auto found = parts.virtuals->lookup(*op, path, value);
        return outcome(found, std::move(value));
    }
    if (xattr::isSystemKey(key) &&
        !(mutation ? permissions_.write_system_xattrs : permissions_.read_system_xattrs)) {
        return failure(ResponseStatus::Eaccess);
    }
    if (!parts.xattrs) {
        parts.xattrs = std::make_unique<subdoc::Document>();
        std::string text = "{";
        if (!parts.section.empty()) {
            const xattr::Blob blob = xattr::Blob::decode(input_.value);
            for (const auto& [name, json] : blob.pairs()) {
                if (text.size() > 1) {
                    text += ',';
                }
                text += nlohmann::json(name).dump();
                text += ':';
                text += json;
            }
        }
        text += '}';
        if (const auto parsed = parts.xattrs->parse(text); parsed != subdoc::Result::Success) {
            return outcome(parsed);
        }
    }
    if (!mutation) {
        const auto found = parts.xattrs->lookup(*op, path, value);
        return outcome(found, std::move(value));
    }
    const bool mkdir_p = spec.mkdirP() || request_.hasDocFlag(doc_flag::kMkdoc) ||
                         request_.hasDocFlag(doc_flag::kAdd);
    const auto result = parts.xattrs->mutate(*op, path, spec.value, mkdir_p, value);
    parts.xattrs_changed = parts.xattrs_changed || result == subdoc::Result::Success;
    return outcome(result, std::move(value));
}

SpecOutcome SubdocExecution::runOnBody(const SubdocSpec& spec, bool mutation) {
    const auto op = opOf(spec.opcode);
    if (!op) {
        return failure(ResponseStatus::SubdocInvalidCombo);
    }
    subdoc::Path path;
    if (const auto parsed = subdoc::parsePath(spec.path, path); parsed != subdoc::Result::Success) {
        return outcome(parsed);
    }
    Parts& parts = *parts_;
    if (!parts.body_doc) {
        parts.body_doc = std::make_unique<subdoc::Document>();
        if (input_.exists) {
            parts.body_status = parts.body_doc->parse(parts.body);
        } else {
            parts.body_doc->makeEmptyRoot(*op, path);
        }
    }
    if (parts.body_status != subdoc::Result::Success) {
        return outcome(parts.body_status);
    }
    std::string value;
    if (!mutation) {
        const auto found = parts.body_doc->lookup(*op, path, value);
        return outcome(found, std::move(value));
    }
    const bool mkdir_p = spec.mkdirP() || request_.hasDocFlag(doc_flag::kMkdoc) ||
                         request_.hasDocFlag(doc_flag::kAdd);
    const auto result = parts.body_doc->mutate(*op, path, spec.value, mkdir_p, value);
    parts.body_changed = parts.body_changed || result == subdoc::Result::Success;
    return outcome(result, std::move(value));
}

std::string SubdocExecution::virtualAttributes() const {
    nlohmann::json types = nlohmann::json::array();
    if ((input_.datatype & datatype::kJson) != 0) {
        types.push_back("json");
    }
    if ((input_.datatype & datatype::kXattr) != 0) {
        types.push_back("xattr");
    }
    if (types.empty()) {
        types.push_back("raw");
    }
    // A CAS is a nanosecond clock reading (hlc.h), so it says when the document last changed.
    constexpr uint64_t kNanosPerSecond = 1'000'000'000;
    nlohmann::json document{{"CAS", casHex(input_.cas)},
                            {"exptime", input_.expiry},
                            {"flags", input_.flags},
                            {"value_bytes", parts_->body.size()},
                            {"datatype", std::move(types)},
                            {"deleted", false},
                            {"last_modified", std::to_string(input_.cas / kNanosPerSecond)}};
    nlohmann::json keys = nlohmann::json::array();
    if (!parts_->section.empty()) {
        const xattr::Blob blob = xattr::Blob::decode(input_.value);
        for (const auto& pair : blob.pairs()) {
            if (!xattr::isSystemKey(pair.first) || permissions_.read_system_xattrs) {
                keys.push_back(pair.first);
            }
        }
    }
    return nlohmann::json{
        {"$document", std::move(document)},
        {"$vbucket", {{"HLC", {{"now", std::to_string(now_seconds_)}, {"mode", "real"}}}}},
        {"$XTOC", std::move(keys)}}
        .dump();
}

void SubdocExecution::assemble(SubdocMutationResult& result) const {
    const Parts& parts = *parts_;
    result.remove_document = parts.removed;
    if (parts.removed) {
        return;
    }
    std::string section;
    if (parts.xattrs_changed) {
        xattr::Blob blob;
        for (const auto& [name, json] : parts.xattrs->members()) {
            blob.set(name, json);
        }
        section = blob.encode();
    } else {
        section = std::string(parts.section);
    }

    std::string body;
    bool json = (input_.datatype & datatype::kJson) != 0;
    if (parts.replaced_body) {
        body = *parts.replaced_body;
        subdoc::Document check;
        json = check.parse(body) == subdoc::Result::Success;
    } else if (parts.body_changed) {
        body = parts.body_doc->toJson();
        json = true;
    } else if (!input_.exists) {
        body = kEmptyBody;
        json = true;
    } else {
        body = std::string(parts.body);
    }
    result.datatype = json ? datatype::kJson : datatype::kRaw;
    if (!section.empty()) {
        result.datatype |= datatype::kXattr;
    }
    result.value = std::move(section);
    result.value += body;
}

}  // namespace eddy::daemon
