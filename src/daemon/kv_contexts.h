// eddy — the state machines of the key-value commands.
//
// Owns: one SteppableCommandContext per command family: GetContext (GET, GETQ, GETK, GETKQ),
// MutationContext (SET, ADD, REPLACE, APPEND, PREPEND and their quiet forms), RemoveContext
// (DELETE), ArithmeticContext (INCREMENT, DECREMENT), GatContext (TOUCH, GAT, GATQ),
// FlushContext (FLUSH) and EngineCommandContext (opcodes handed to the engine whole).
// Each step() reads its arguments from the cookie's (validated) request, calls the engine once,
// and on Success writes the response; WouldBlock and errors go back to the connection.
//
// Thread contract: owned by a Cookie, front-end thread only.
#pragma once

#include "daemon/command_context.h"

namespace eddy::daemon {

class GetContext final : public SteppableCommandContext {
public:
    using SteppableCommandContext::SteppableCommandContext;

protected:
    Status step() override;
};

class MutationContext final : public SteppableCommandContext {
public:
    using SteppableCommandContext::SteppableCommandContext;

protected:
    Status step() override;
};

class RemoveContext final : public SteppableCommandContext {
public:
    using SteppableCommandContext::SteppableCommandContext;

protected:
    Status step() override;
};

class ArithmeticContext final : public SteppableCommandContext {
public:
    using SteppableCommandContext::SteppableCommandContext;

protected:
    Status step() override;
};

class GatContext final : public SteppableCommandContext {
public:
    using SteppableCommandContext::SteppableCommandContext;

protected:
    Status step() override;
};

class FlushContext final : public SteppableCommandContext {
public:
    using SteppableCommandContext::SteppableCommandContext;

protected:
    Status step() override;
};

class EngineCommandContext final : public SteppableCommandContext {
public:
    using SteppableCommandContext::SteppableCommandContext;

protected:
    Status step() override;
};

}  // namespace eddy::daemon
