// eddy — the collections commands: SET_COLLECTIONS_MANIFEST 0xb9, GET_COLLECTIONS_MANIFEST 0xba,
// GET_COLLECTION_ID 0xbb and GET_SCOPE_ID 0xbc.
//
// Semantics (kv_engine's). Each needs a selected bucket (NO_BUCKET otherwise).
//   - SET_COLLECTIONS_MANIFEST (value: the manifest JSON; NodeSupervisor): parsed and applied on
//     an AuxIO thread (collections::Manager::set saves it durably first). A manifest that does
//     not parse or breaks an invariant is EINVAL, one that is not a successor of the manifest in
//     force CANNOT_APPLY_COLLECTIONS_MANIFEST, each with the reason as the error context; a
//     failed save is EINTERNAL, a collection maxTTL NOT_SUPPORTED (not enforced yet). Success
//     has no body; a new manifest pushes the bucket's cluster map (its collectionsManifestUid)
//     to the clients that subscribed to it.
//   - GET_COLLECTIONS_MANIFEST: the manifest in force, as JSON.
//   - GET_COLLECTION_ID / GET_SCOPE_ID (the path "scope.collection" / "scope" in the key or the
//     value, not both): Success with 12 bytes of extras, the manifest uid (u64) and the id (u32);
//     UNKNOWN_SCOPE / UNKNOWN_COLLECTION carry the manifest uid in the error body (EINVAL for a
//     client that did not negotiate collections, as kv_engine answers); a malformed path is
//     EINVAL.
//
// Thread contract: front-end thread of the cookie; the manifest is saved on an executor thread
// that touches neither the cookie nor its connection.
#pragma once

#include "daemon/command_context.h"
#include "protocol/status.h"

#include <memory>
#include <string>

namespace eddy::daemon {

Status getCollectionsManifest(Cookie& cookie);
Status getCollectionId(Cookie& cookie);
Status getScopeId(Cookie& cookie);

class SetCollectionsManifestContext final : public SteppableCommandContext {
public:
    using SteppableCommandContext::SteppableCommandContext;

protected:
    Status step() override;

private:
    /// Filled on the executor: the status to answer and the reason.
    struct Result {
        mcbp::ResponseStatus status = mcbp::ResponseStatus::Success;
        std::string message;
        /// A new manifest is in force (the cluster map changed with it).
        bool applied = false;
    };
    std::shared_ptr<Result> result_;
};

}  // namespace eddy::daemon
