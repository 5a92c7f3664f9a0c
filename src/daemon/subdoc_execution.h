// eddy — running a sub-document command's specs against one version of a document.
//
// Owns: SubdocExecution, the part of a sub-document command that needs neither the connection
// nor the engine: given the decoded request and the document as fetched, it runs every spec and
// says what to answer and, for a mutation, what to store.
//
// A document is its xattr section and its body (xattr/blob.h). Xattr specs run against one JSON
// object holding every attribute (`{"meta":{...},"_sync":{...}}`), so a path like `meta.a[0]`
// is an ordinary path whose first component is the key; virtual attributes come from a second,
// read-only object built on first use:
//   $document  {"CAS","exptime","flags","value_bytes","datatype","deleted","last_modified"}
//   $vbucket   {"HLC":{"now","mode"}}
//   $XTOC      the keys of the document's xattrs (system ones only for who may read them)
// The body is parsed on the first body spec that needs it; a body that is not JSON fails that
// spec with SubdocDocNotJson, nothing else.
//
// Lookups report every spec. Mutations apply in order and stop at the first failure, which is
// then the only outcome; a success yields the new value (xattr section rebuilt only if an xattr
// changed, body re-serialised only if it changed) and its datatype.
//
// Thread contract: none; used by one front-end thread for one command step.
#pragma once

#include "eddy/types.h"
#include "protocol/status.h"
#include "protocol/subdoc_request.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace eddy::daemon {

/// The document a sub-document command works on, as the engine returned it.
struct SubdocInput {
    /// False when the document does not exist (a mutation that may create it starts empty).
    bool exists = false;
    std::string_view value;
    uint8_t datatype = 0;
    uint32_t flags = 0;
    /// Absolute expiry in Unix seconds, 0 = never.
    uint32_t expiry = 0;
    Cas cas = 0;
};

/// What the caller may touch besides user data.
struct SubdocPermissions {
    bool read_system_xattrs = false;
    bool write_system_xattrs = false;
};

struct SpecOutcome {
    mcbp::ResponseStatus status = mcbp::ResponseStatus::Success;
    std::string value;
};

struct SubdocLookupResult {
    std::array<SpecOutcome, mcbp::subdoc::kMaxSpecs> specs;
    size_t count = 0;
    [[nodiscard]] bool allSucceeded() const;
};

struct SubdocMutationResult {
    /// Success, or the status of the spec that failed (at `failed_index`).
    mcbp::ResponseStatus status = mcbp::ResponseStatus::Success;
    size_t failed_index = 0;
    /// Per spec: what it returns (a counter's new value), empty for most.
    std::array<SpecOutcome, mcbp::subdoc::kMaxSpecs> specs;
    size_t count = 0;
    /// remove_doc: the document is to be deleted rather than stored.
    bool remove_document = false;
    std::string value;
    uint8_t datatype = 0;
};

class SubdocExecution {
public:
    /// @param now_seconds the server's clock (Unix seconds) for $vbucket.HLC
    SubdocExecution(const mcbp::subdoc::SubdocRequest& request, const SubdocInput& input,
                    SubdocPermissions permissions, uint64_t now_seconds);
    ~SubdocExecution();
    SubdocExecution(const SubdocExecution&) = delete;
    SubdocExecution& operator=(const SubdocExecution&) = delete;

    [[nodiscard]] SubdocLookupResult lookup();
    [[nodiscard]] SubdocMutationResult mutate();

private:
    struct Parts;

    SpecOutcome lookupOne(const mcbp::subdoc::SubdocSpec& spec);
    SpecOutcome mutateOne(const mcbp::subdoc::SubdocSpec& spec);
    SpecOutcome runOnXattrs(const mcbp::subdoc::SubdocSpec& spec, bool mutation);
    SpecOutcome runOnBody(const mcbp::subdoc::SubdocSpec& spec, bool mutation);
    std::string virtualAttributes() const;
    void assemble(SubdocMutationResult& result) const;

    const mcbp::subdoc::SubdocRequest& request_;
    const SubdocInput& input_;
    SubdocPermissions permissions_;
    uint64_t now_seconds_;
    std::unique_ptr<Parts> parts_;
};

}  // namespace eddy::daemon
