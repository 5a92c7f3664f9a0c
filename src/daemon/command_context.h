// eddy — the state machine of one command.
//
// Owns: CommandContext, the per-command object a Cookie keeps while the command runs, and
// SteppableCommandContext, its usual form. drive() is called every time the cookie executes:
// first when the request arrives, then once per notifyIoComplete after a WouldBlock.
//
// Semantics of drive(): the status the notification delivered (the cookie's "aiostat") is taken
// and reset to Success. If it was not Success, that status is the command's result and step() is
// not called. If it was Success, step() resumes from the state the context saved and typically
// calls the engine again, which finds the state it parked in the cookie's EngineStorage.
// A context never stores views into the request: the request moves when the cookie preserves it,
// so every step reads it through cookie().request().
//
// Thread contract: owned by its Cookie; used only on that cookie's front-end thread.
#pragma once

#include "eddy/status.h"

namespace eddy::daemon {

class Cookie;

class CommandContext {
public:
    explicit CommandContext(Cookie& cookie) : cookie_(cookie) {}
    virtual ~CommandContext() = default;
    CommandContext(const CommandContext&) = delete;
    CommandContext& operator=(const CommandContext&) = delete;

    /// Runs the command as far as it can go: Success when its response has been sent,
    /// WouldBlock when it waits for a notification, another status to be sent as the response.
    virtual Status drive() = 0;

    /// The connection closed while this command waits for its notification (which still
    /// comes): work done only for its response may stop now.
    virtual void connectionClosed() {}

protected:
    [[nodiscard]] Cookie& cookie() const { return cookie_; }

private:
    Cookie& cookie_;
};

class SteppableCommandContext : public CommandContext {
public:
    using CommandContext::CommandContext;
    Status drive() final;

protected:
    /// Advances the state machine; same result contract as drive().
    virtual Status step() = 0;
};

/// Declares a SteppableCommandContext whose whole state machine is its step() (most command
/// families: read the request, call the engine once, write the response).
#define EDDY_DECLARE_STEPPABLE_CONTEXT(Name)                    \
    class Name final : public SteppableCommandContext {         \
    public:                                                     \
        using SteppableCommandContext::SteppableCommandContext; \
                                                                \
    protected:                                                  \
        Status step() override;                                 \
    }

}  // namespace eddy::daemon
