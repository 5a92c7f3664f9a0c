// eddy — the collections commands (collections_contexts.h).
#include "daemon/collections_contexts.h"

#include "collections/manager.h"
#include "collections/manifest.h"
#include "daemon/background_job.h"
#include "daemon/bucket_manager.h"
#include "daemon/connection.h"
#include "daemon/cookie.h"
#include "daemon/server.h"
#include "protocol/encode.h"
#include "protocol/feature.h"

#include <string>
#include <string_view>

namespace eddy::daemon {

namespace {

using mcbp::ResponseStatus;

/// The bucket of the cookie's connection; nullptr (and the error set) without one.
const Bucket* selectedBucket(Cookie& cookie) {
    const Bucket* bucket = cookie.connection().session().bucket();
    if (bucket == nullptr) {
        cookie.setErrorContext("No bucket selected");
    }
    return bucket;
}

/// GET_COLLECTION_ID / GET_SCOPE_ID: the path is the key or the value, never both.
Status answerLookup(Cookie& cookie, bool scope_only) {
    const Bucket* bucket = selectedBucket(cookie);
    if (bucket == nullptr) {
        return Status::NoBucket;
    }
    const auto& request = cookie.request();
    if (!request.key.empty() && !request.value.empty()) {
        cookie.setErrorContext("The path is given in the key or in the value, not both");
        return Status::InvalidArguments;
    }
    const std::string_view path = request.key.empty() ? request.value : request.key;
    const auto manifest = bucket->collections().manifest();
    const collections::Lookup found =
        scope_only ? manifest->lookupScope(path) : manifest->lookupCollection(path);
    switch (found.result) {
    case collections::Lookup::Result::Found: break;
    case collections::Lookup::Result::Invalid:
        cookie.setErrorContext(scope_only ? "Invalid scope path" : "Invalid collection path");
        return Status::InvalidArguments;
    case collections::Lookup::Result::UnknownScope:
    case collections::Lookup::Result::UnknownCollection:
        if (!cookie.connection().features().has(mcbp::Feature::Collections)) {
            // As kv_engine: a client that did not negotiate collections cannot act on these.
            cookie.setErrorContext("Unknown scope or collection");
            return Status::InvalidArguments;
        }
        cookie.setUnknownCollection(manifest->uid());
        cookie.connection().sendError(cookie,
                                      found.result == collections::Lookup::Result::UnknownScope
                                          ? ResponseStatus::UnknownScope
                                          : ResponseStatus::UnknownCollection);
        return Status::Success;
    }
    std::string extras;
    mcbp::appendUint64(extras, manifest->uid());
    mcbp::appendUint32(extras, scope_only ? found.scope : found.collection);
    cookie.sendResponse(ResponseStatus::Success, {.extras = extras});
    return Status::Success;
}

}  // namespace

Status getCollectionsManifest(Cookie& cookie) {
    const Bucket* bucket = selectedBucket(cookie);
    if (bucket == nullptr) {
        return Status::NoBucket;
    }
    const std::string json = bucket->collections().manifest()->toJson();
    cookie.sendResponse(ResponseStatus::Success, {.value = json, .datatype = datatype::kJson});
    return Status::Success;
}

Status getCollectionId(Cookie& cookie) {
    return answerLookup(cookie, false);
}

Status getScopeId(Cookie& cookie) {
    return answerLookup(cookie, true);
}

Status SetCollectionsManifestContext::step() {
    Cookie& cmd = cookie();
    if (!result_) {
        const Bucket* bucket = selectedBucket(cmd);
        if (bucket == nullptr) {
            return Status::NoBucket;
        }
        result_ = std::make_shared<Result>();
        // The manager lives as long as the bucket, which this connection holds while the
        // command is blocked.
        runInBackground(cmd.connection().server(), cmd, executor::TaskId::CollectionsManifestTask,
                        "Saving a collections manifest",
                        [result = result_, manager = bucket->sharedCollections(),
                         json = std::string(cmd.request().value)] {
                            try {
                                const auto next = collections::Manifest::parse(json);
                                const auto outcome = manager->set(next);
                                switch (outcome.outcome) {
                                case collections::Manager::Outcome::Applied:
                                    result->applied = true;
                                    break;
                                case collections::Manager::Outcome::Unchanged: break;
                                case collections::Manager::Outcome::NotSupported:
                                    result->status = ResponseStatus::NotSupported;
                                    break;
                                case collections::Manager::Outcome::Refused:
                                    result->status = ResponseStatus::CannotApplyCollectionsManifest;
                                    break;
                                case collections::Manager::Outcome::Failed:
                                    result->status = ResponseStatus::Einternal;
                                    break;
                                }
                                result->message = outcome.message;
                            } catch (const collections::ManifestError& error) {
                                result->status = ResponseStatus::Einval;
                                result->message = error.what();
                            }
                        });
        return Status::WouldBlock;
    }
    if (result_->status != ResponseStatus::Success) {
        cmd.setErrorContext(std::move(result_->message));
        cmd.connection().sendError(cmd, result_->status);
        return Status::Success;
    }
    cmd.sendResponse(ResponseStatus::Success);
    if (result_->applied) {
        // The bucket's cluster map names the manifest uid: subscribed clients hear of it.
        cmd.connection().server().announceClusterConfig(cmd.connection().session().bucketName());
    }
    return Status::Success;
}

}  // namespace eddy::daemon
