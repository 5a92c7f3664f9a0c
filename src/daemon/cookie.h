// eddy — one in-flight command.
//
// Owns: Cookie, everything about the command a connection is executing: the request (a view
// into the connection's input buffer, or the cookie's own copy once the command has blocked),
// the would-block flag and when it was set, the status a notification delivered (aiostat), the
// command's state machine and the engine's storage slot; and ResponseBody, the parts of a
// response that Cookie::sendResponse queues.
//
// Life cycle: initialize(frame) → execute ... [WouldBlock → markBlocked(now) →
// preserveRequest() → wait → notification sets aiostat and clears the flag → execute again ...]
// → reset(). Nothing but the owning front-end thread touches a Cookie: a background task holds
// it only as the opaque handle it passes to notifyIoComplete. Every mutator asserts the owner
// thread in debug and sanitizer builds (EDDY_ASSERT_OWNER).
//
// Blocked-command watchdog: markBlocked() stamps the time the engine answered WouldBlock (one
// steady-clock read, on the would-block path only); the front-end thread's once-a-second timer
// asks takeBlockedTooLong(), which is true exactly once per block that lasts the limit or more.
//
// Thread contract: owned by the front-end thread of its connection.
#pragma once

#include "common/owner_thread.h"
#include "daemon/command_context.h"
#include "eddy/cookie_iface.h"
#include "eddy/status.h"
#include "eddy/types.h"
#include "protocol/frame.h"
#include "protocol/opcode.h"
#include "protocol/status.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::daemon {

class Connection;

/// The parts of a response besides its status; every one defaults to empty / raw / 0, so a
/// caller names only what it sends: `cookie.sendResponse(status, {.value = v})`.
struct ResponseBody {
    std::string_view extras;
    std::string_view key;
    std::string_view value;
    uint8_t datatype = datatype::kRaw;
    uint64_t cas = 0;
};

class Cookie final : public CookieIface {
public:
    /// @param connection the owning connection (nullptr only in unit tests of the cookie itself)
    Cookie(Connection* connection, uint64_t connection_id);
    ~Cookie();
    Cookie(const Cookie&) = delete;
    Cookie& operator=(const Cookie&) = delete;

    /// Starts a new command on `frame`, which views the connection's input buffer.
    void initialize(const mcbp::Frame& frame);

    /// Copies the request out of the input buffer (which is about to be drained) into the
    /// cookie and re-points request() at the copy. Called when the command blocks.
    void preserveRequest();

    /// Back to idle: drops the request, the context and the engine storage.
    void reset();

    [[nodiscard]] bool isActive() const { return active_; }
    /// When initialize() started the command (for the per-opcode timings).
    [[nodiscard]] std::chrono::steady_clock::time_point startTime() const { return start_; }
    [[nodiscard]] const mcbp::Frame& request() const { return frame_; }
    [[nodiscard]] mcbp::ClientOpcode opcode() const {
        return static_cast<mcbp::ClientOpcode>(frame_.header.opcode);
    }
    [[nodiscard]] uint32_t opaque() const { return frame_.header.opaque; }
    /// The vbucket and document key the request names (views valid like request()). The
    /// document key is the engine's: it starts with the collection id (LEB128), which the
    /// request's key carries once Collections is negotiated; otherwise the command names the
    /// default collection and useDefaultCollection() put its prefix (0x00) in front.
    [[nodiscard]] Vbid vbucket() const { return Vbid(frame_.header.vbucket_or_status); }
    [[nodiscard]] DocKey key() const {
        return DocKey(default_collection_key_ ? std::string_view(prefixed_key_) : frame_.key);
    }
    /// The request's key names a document of the default collection without a prefix.
    void useDefaultCollection();

    [[nodiscard]] bool isBlocked() const { return blocked_; }
    /// The engine answered WouldBlock at `since`: the command waits for its notification.
    void markBlocked(std::chrono::steady_clock::time_point since);
    /// The notification arrived: the command runs again (or ends).
    void markUnblocked();
    /// When the current block began (meaningful only while isBlocked()).
    [[nodiscard]] std::chrono::steady_clock::time_point blockedSince() const {
        return blocked_since_;
    }
    /// The watchdog's question: true if the command is blocked, has been for at least `limit`
    /// at `now`, and this block was not reported before; it then counts as reported. So each
    /// block is reported at most once, however long it lasts. A zero `limit` is never reached.
    [[nodiscard]] bool takeBlockedTooLong(std::chrono::steady_clock::time_point now,
                                          std::chrono::steady_clock::duration limit);

    /// Queues the response to this command on its connection, unless the command's quiet
    /// opcode suppresses it (owner thread only). Every command's non-error response goes out
    /// through here; errors go through Connection::sendError, documents through sendItem.
    void sendResponse(mcbp::ResponseStatus status, const ResponseBody& body = {});

    /// The status a notification delivered; drive() swaps it back to Success.
    void setAiostat(Status status);
    [[nodiscard]] Status swapAiostat(Status status);

    [[nodiscard]] CommandContext* context() const { return context_.get(); }
    void setContext(std::unique_ptr<CommandContext> context);

    /// A human-readable reason sent with an error response when XERROR is negotiated.
    void setErrorContext(std::string message);
    [[nodiscard]] const std::string& errorContext() const { return error_context_; }
    /// The command names a scope or collection the bucket's manifest (uid `manifest_uid`) does
    /// not have: the error says so and carries the uid (kv_engine's "manifest_uid").
    void setUnknownCollection(uint64_t manifest_uid);
    [[nodiscard]] std::optional<uint64_t> errorManifestUid() const { return error_manifest_uid_; }

    /// The owning connection (immutable; readable from any thread, usable only on the owner).
    [[nodiscard]] Connection& connection() const { return *connection_; }

    // CookieIface
    void setEngineStorage(std::unique_ptr<EngineStorage> storage) override;
    [[nodiscard]] std::unique_ptr<EngineStorage> takeEngineStorage() override;
    [[nodiscard]] EngineStorage* engineStorage() override;
    [[nodiscard]] uint64_t connectionId() const override { return connection_id_; }
    void setConnectionStorage(std::shared_ptr<EngineStorage> storage) override;
    [[nodiscard]] EngineStorage* connectionStorage() override;

private:
    Connection* const connection_;
    const uint64_t connection_id_;
    OwnerThread owner_;
    mcbp::Frame frame_;
    std::string frame_copy_;
    /// 0x00 + the request's key, when default_collection_key_ (its capacity is kept).
    std::string prefixed_key_;
    bool default_collection_key_ = false;
    bool active_ = false;
    std::chrono::steady_clock::time_point start_;
    bool blocked_ = false;
    std::chrono::steady_clock::time_point blocked_since_;
    /// The watchdog has reported the current block.
    bool blocked_reported_ = false;
    Status aiostat_ = Status::Success;
    std::unique_ptr<CommandContext> context_;
    std::unique_ptr<EngineStorage> engine_storage_;
    /// Survives reset(): it belongs to the connection, not to one command.
    std::shared_ptr<EngineStorage> connection_storage_;
    std::string error_context_;
    std::optional<uint64_t> error_manifest_uid_;
};

}  // namespace eddy::daemon
