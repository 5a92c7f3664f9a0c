// eddy — decoding and validating sub-document commands (see subdoc_request.h).
#include "protocol/subdoc_request.h"

#include "protocol/encode.h"
#include "protocol/opcode.h"
#include "xattr/blob.h"

namespace eddy::mcbp::subdoc {

namespace {

using R = ResponseStatus;

/// What a spec opcode is and takes.
struct SpecTraits {
    bool known = false;
    bool mutation = false;
    bool needs_value = false;
    bool empty_path_allowed = false;
    /// get_doc, set_doc, remove_doc: multi-path only, the path must be empty, no xattr.
    bool whole_doc = false;
    uint8_t valid_flags = 0;
};

constexpr uint8_t kXattrFlags =
    path_flag::kXattr | path_flag::kExpandMacros | path_flag::kBinaryValue;

SpecTraits traitsOf(uint8_t opcode) {
    using Op = ClientOpcode;
    constexpr uint8_t kLookupFlags = path_flag::kXattr | path_flag::kBinaryValue;
    constexpr uint8_t kMkdirFlags = path_flag::kMkdirP | kXattrFlags;
    switch (opcode) {
    case whole_doc::kGet: return {true, false, false, true, true, 0};
    case whole_doc::kSet: return {true, true, false, true, true, 0};
    case whole_doc::kRemove: return {true, true, false, true, true, 0};
    default: break;
    }
    switch (static_cast<Op>(opcode)) {
    case Op::SubdocGet:
    case Op::SubdocExists: return {true, false, false, false, false, kLookupFlags};
    case Op::SubdocGetCount: return {true, false, false, true, false, kLookupFlags};
    case Op::SubdocDictAdd:
    case Op::SubdocDictUpsert: return {true, true, true, false, false, kMkdirFlags};
    case Op::SubdocDelete: return {true, true, false, false, false, path_flag::kXattr};
    case Op::SubdocReplace:
    case Op::SubdocArrayInsert: return {true, true, true, false, false, kXattrFlags};
    case Op::SubdocArrayPushLast:
    case Op::SubdocArrayPushFirst:
    case Op::SubdocArrayAddUnique: return {true, true, true, true, false, kMkdirFlags};
    case Op::SubdocCounter:
        return {true, true, true, false, false, path_flag::kMkdirP | path_flag::kXattr};
    default: return {};
    }
}

constexpr ValidationResult kOk{};

constexpr ValidationResult fail(ResponseStatus status, std::string_view message) {
    return {status, message};
}

/// The xattr rules of one spec (kv_engine's order: flag combinations, key, virtual, extensions).
ValidationResult checkXattr(const SubdocSpec& spec, bool mutation) {
    const bool macros = (spec.flags & path_flag::kExpandMacros) != 0;
    const bool binary = (spec.flags & path_flag::kBinaryValue) != 0;
    if (!spec.isXattr()) {
        if (macros || binary) {
            return fail(R::SubdocXattrInvalidFlagCombo, "Flag requires the xattr flag");
        }
        return kOk;
    }
    if (macros && binary) {
        return fail(R::SubdocXattrInvalidFlagCombo,
                    "Expand macros and binary value exclude each other");
    }
    const std::string_view key = spec.path.substr(0, spec.path.find_first_of(".["));
    if (!xattr::isValidKey(key)) {
        return fail(R::XattrEinval, "Invalid xattr key");
    }
    if (xattr::isVirtualKey(key) && mutation) {
        return fail(R::SubdocXattrCantModifyVattr, "Virtual xattrs cannot be modified");
    }
    if (macros) {
        return fail(R::NotSupported, "Macro expansion is not supported");
    }
    if (binary) {
        return fail(R::NotSupported, "Binary xattr values are not supported");
    }
    return kOk;
}

/// The checks every spec gets, single or multi.
ValidationResult checkSpec(const SubdocSpec& spec, const SpecTraits& traits, bool mutation) {
    if ((spec.flags & ~traits.valid_flags) != 0) {
        return fail(R::Einval, "Invalid path flags for the operation");
    }
    if (spec.path.size() > kMaxPathLength) {
        return fail(R::Einval, "Path too long");
    }
    if (traits.whole_doc && !spec.path.empty()) {
        return fail(R::Einval, "A whole-document operation takes no path");
    }
    if (!traits.empty_path_allowed && spec.path.empty() && !spec.isXattr()) {
        return fail(R::Einval, "The operation needs a path");
    }
    if (spec.isXattr() && spec.path.empty()) {
        return fail(R::XattrEinval, "Invalid xattr key");
    }
    if (traits.needs_value && spec.value.empty()) {
        return fail(R::Einval, "The operation needs a value");
    }
    if (!traits.needs_value && !spec.value.empty() && spec.opcode != whole_doc::kSet) {
        return fail(R::Einval, "The operation takes no value");
    }
    return checkXattr(spec, mutation);
}

ValidationResult checkDocFlags(const SubdocRequest& request, uint64_t cas) {
    using namespace doc_flag;
    const uint8_t valid =
        request.mutation ? (kMkdoc | kAdd | kAccessDeleted | kCreateAsDeleted | kReviveDocument)
                         : kAccessDeleted;
    if ((request.doc_flags & ~valid) != 0) {
        return fail(R::Einval, "Invalid doc flags");
    }
    if (request.hasDocFlag(kAdd) && request.hasDocFlag(kMkdoc)) {
        return fail(R::Einval, "Request must not contain both add and mkdoc flags");
    }
    if (request.hasDocFlag(kAdd) && cas != 0) {
        return fail(R::Einval, "Request with add flag must have CAS 0");
    }
    if (request.hasDocFlag(kCreateAsDeleted) || request.hasDocFlag(kReviveDocument)) {
        return fail(R::NotSupported, "Create-as-deleted and revive are not supported");
    }
    return kOk;
}

ValidationResult parseSingle(const Frame& frame, SubdocRequest& out) {
    const std::string_view extras = frame.extras;
    const size_t length = extras.size();
    if (length != 3 && length != 4 && length != 7 && length != 8) {
        return fail(R::Einval, "Invalid extras length");
    }
    const SpecTraits traits = traitsOf(frame.header.opcode);
    out.mutation = traits.mutation;
    if (!traits.mutation && length > 4) {
        return fail(R::Einval, "A lookup takes no expiry");
    }
    SubdocSpec& spec = out.specs[0];
    out.count = 1;
    spec.opcode = frame.header.opcode;
    spec.flags = static_cast<uint8_t>(extras[2]);
    if (length >= 7) {
        out.expiry = readUint32(extras, 3);
    }
    if (length == 4 || length == 8) {
        out.doc_flags = static_cast<uint8_t>(extras[length - 1]);
    }
    const size_t path_length = readUint16(extras, 0);
    if (path_length > frame.value.size()) {
        return fail(R::Einval, "Path length exceeds the body");
    }
    spec.path = frame.value.substr(0, path_length);
    spec.value = frame.value.substr(path_length);
    if (auto flags = checkDocFlags(out, frame.header.cas); !flags.ok()) {
        return flags;
    }
    return checkSpec(spec, traits, traits.mutation);
}

/// Reads one multi-path spec at `offset`, advancing it.
ValidationResult readSpec(std::string_view body, bool mutation, size_t& offset, SubdocSpec& spec) {
    const size_t header = mutation ? 8 : 4;
    if (body.size() - offset < header) {
        return fail(R::Einval, "Truncated spec");
    }
    spec.opcode = static_cast<uint8_t>(body[offset]);
    spec.flags = static_cast<uint8_t>(body[offset + 1]);
    const size_t path_length = readUint16(body, offset + 2);
    const size_t value_length = mutation ? readUint32(body, offset + 4) : 0;
    offset += header;
    if (path_length > body.size() - offset || value_length > body.size() - offset - path_length) {
        return fail(R::Einval, "Truncated spec");
    }
    spec.path = body.substr(offset, path_length);
    spec.value = body.substr(offset + path_length, value_length);
    offset += path_length + value_length;
    return kOk;
}

ValidationResult parseMulti(const Frame& frame, SubdocRequest& out) {
    out.multi = true;
    out.mutation =
        static_cast<ClientOpcode>(frame.header.opcode) == ClientOpcode::SubdocMultiMutation;
    const std::string_view extras = frame.extras;
    const size_t length = extras.size();
    if (length > (out.mutation ? 5U : 1U) || length == 2 || length == 3) {
        return fail(R::Einval, "Invalid extras length");
    }
    if (length >= 4) {
        out.expiry = readUint32(extras, 0);
    }
    if (length == 1 || length == 5) {
        out.doc_flags = static_cast<uint8_t>(extras[length - 1]);
    }
    if (auto flags = checkDocFlags(out, frame.header.cas); !flags.ok()) {
        return flags;
    }
    const std::string_view body = frame.value;
    size_t offset = 0;
    bool body_seen = false;
    bool whole_doc_mutation_seen = false;
    while (offset < body.size()) {
        if (out.count == kMaxSpecs) {
            return fail(R::SubdocInvalidCombo, "Request must contain at most 16 paths");
        }
        SubdocSpec& spec = out.specs[out.count];
        if (auto read = readSpec(body, out.mutation, offset, spec); !read.ok()) {
            return read;
        }
        const SpecTraits traits = traitsOf(spec.opcode);
        if (!traits.known || traits.mutation != out.mutation) {
            return fail(R::SubdocInvalidCombo, "Opcode not valid in this command");
        }
        if (auto checked = checkSpec(spec, traits, out.mutation); !checked.ok()) {
            return checked;
        }
        if (spec.isXattr() && body_seen) {
            return fail(R::SubdocInvalidXattrOrder, "Xattr paths must come first");
        }
        if (!spec.isXattr()) {
            // set_doc / remove_doc replace the whole body: nothing may follow them.
            if (whole_doc_mutation_seen) {
                return fail(R::SubdocInvalidCombo, "Nothing may follow a whole-document change");
            }
            whole_doc_mutation_seen = traits.whole_doc && traits.mutation;
            body_seen = true;
        }
        ++out.count;
    }
    if (out.count == 0) {
        return fail(R::SubdocInvalidCombo, "Request must contain at least one path");
    }
    return kOk;
}

}  // namespace

bool isSubdocOpcode(uint8_t opcode) {
    return (opcode >= static_cast<uint8_t>(ClientOpcode::SubdocGet) &&
            opcode <= static_cast<uint8_t>(ClientOpcode::SubdocGetCount));
}

ValidationResult parseSubdocRequest(const Frame& frame, SubdocRequest& out) {
    out = SubdocRequest{};
    const auto opcode = static_cast<ClientOpcode>(frame.header.opcode);
    if (opcode == ClientOpcode::SubdocMultiLookup || opcode == ClientOpcode::SubdocMultiMutation) {
        return parseMulti(frame, out);
    }
    return parseSingle(frame, out);
}

}  // namespace eddy::mcbp::subdoc
