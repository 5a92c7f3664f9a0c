#include "daemon/cookie.h"

#include "daemon/connection.h"

namespace eddy::daemon {

Status SteppableCommandContext::drive() {
    const Status delivered = cookie().swapAiostat(Status::Success);
    if (delivered != Status::Success) {
        return delivered;
    }
    return step();
}

Cookie::Cookie(Connection* connection, uint64_t connection_id)
    : connection_(connection), connection_id_(connection_id) {}

Cookie::~Cookie() = default;

void Cookie::initialize(const mcbp::Frame& frame) {
    start_ = std::chrono::steady_clock::now();
    EDDY_ASSERT_OWNER(owner_, "Cookie::initialize");
    frame_ = frame;
    frame_copy_.clear();
    default_collection_key_ = false;
    active_ = true;
    blocked_ = false;
    blocked_reported_ = false;
    aiostat_ = Status::Success;
    error_context_.clear();
    error_manifest_uid_.reset();
}

void Cookie::setUnknownCollection(uint64_t manifest_uid) {
    EDDY_ASSERT_OWNER(owner_, "Cookie::setUnknownCollection");
    error_context_ = "Unknown scope or collection in operation";
    error_manifest_uid_ = manifest_uid;
}

void Cookie::useDefaultCollection() {
    EDDY_ASSERT_OWNER(owner_, "Cookie::useDefaultCollection");
    prefixed_key_.assign(1, '\0');
    prefixed_key_.append(frame_.key);
    default_collection_key_ = true;
}

void Cookie::preserveRequest() {
    EDDY_ASSERT_OWNER(owner_, "Cookie::preserveRequest");
    if (!frame_copy_.empty() || frame_.bytes.empty()) {
        return;
    }
    frame_copy_.assign(frame_.bytes);
    // The copy has the same layout, so each part moves by the same offset.
    const std::string_view copy(frame_copy_);
    auto rebase = [&](std::string_view part) {
        if (part.empty()) {
            return std::string_view{};
        }
        return copy.substr(static_cast<size_t>(part.data() - frame_.bytes.data()), part.size());
    };
    frame_.framing_extras = rebase(frame_.framing_extras);
    frame_.extras = rebase(frame_.extras);
    frame_.key = rebase(frame_.key);
    frame_.value = rebase(frame_.value);
    frame_.bytes = copy;
}

void Cookie::reset() {
    EDDY_ASSERT_OWNER(owner_, "Cookie::reset");
    context_.reset();
    engine_storage_.reset();
    frame_ = {};
    frame_copy_.clear();
    default_collection_key_ = false;
    active_ = false;
    blocked_ = false;
    blocked_reported_ = false;
    aiostat_ = Status::Success;
    error_context_.clear();
    error_manifest_uid_.reset();
}

void Cookie::markBlocked(std::chrono::steady_clock::time_point since) {
    EDDY_ASSERT_OWNER(owner_, "Cookie::markBlocked");
    blocked_ = true;
    blocked_since_ = since;
    blocked_reported_ = false;
}

void Cookie::markUnblocked() {
    EDDY_ASSERT_OWNER(owner_, "Cookie::markUnblocked");
    blocked_ = false;
    blocked_reported_ = false;
}

bool Cookie::takeBlockedTooLong(std::chrono::steady_clock::time_point now,
                                std::chrono::steady_clock::duration limit) {
    EDDY_ASSERT_OWNER(owner_, "Cookie::takeBlockedTooLong");
    if (!blocked_ || blocked_reported_ || limit <= std::chrono::steady_clock::duration::zero() ||
        now - blocked_since_ < limit) {
        return false;
    }
    blocked_reported_ = true;
    return true;
}

void Cookie::sendResponse(mcbp::ResponseStatus status, const ResponseBody& body) {
    EDDY_ASSERT_OWNER(owner_, "Cookie::sendResponse");
    connection_->sendResponse(*this, status, body.extras, body.key, body.value, body.datatype,
                              body.cas);
}

void Cookie::setAiostat(Status status) {
    EDDY_ASSERT_OWNER(owner_, "Cookie::setAiostat");
    aiostat_ = status;
}

Status Cookie::swapAiostat(Status status) {
    EDDY_ASSERT_OWNER(owner_, "Cookie::swapAiostat");
    const Status previous = aiostat_;
    aiostat_ = status;
    return previous;
}

void Cookie::setContext(std::unique_ptr<CommandContext> context) {
    EDDY_ASSERT_OWNER(owner_, "Cookie::setContext");
    context_ = std::move(context);
}

void Cookie::setErrorContext(std::string message) {
    EDDY_ASSERT_OWNER(owner_, "Cookie::setErrorContext");
    error_context_ = std::move(message);
}

void Cookie::setEngineStorage(std::unique_ptr<EngineStorage> storage) {
    EDDY_ASSERT_OWNER(owner_, "Cookie::setEngineStorage");
    engine_storage_ = std::move(storage);
}

std::unique_ptr<EngineStorage> Cookie::takeEngineStorage() {
    EDDY_ASSERT_OWNER(owner_, "Cookie::takeEngineStorage");
    return std::move(engine_storage_);
}

EngineStorage* Cookie::engineStorage() {
    EDDY_ASSERT_OWNER(owner_, "Cookie::engineStorage");
    return engine_storage_.get();
}

void Cookie::setConnectionStorage(std::shared_ptr<EngineStorage> storage) {
    EDDY_ASSERT_OWNER(owner_, "Cookie::setConnectionStorage");
    connection_storage_ = std::move(storage);
}

EngineStorage* Cookie::connectionStorage() {
    EDDY_ASSERT_OWNER(owner_, "Cookie::connectionStorage");
    return connection_storage_.get();
}

}  // namespace eddy::daemon
