// eddy — the state machines of the key-value commands.
//
// Owns: one SteppableCommandContext per command family: GetContext (GET, GETQ, GETK, GETKQ),
// MutationContext (SET, ADD, REPLACE, APPEND, PREPEND and their quiet forms), RemoveContext
// (DELETE), ArithmeticContext (INCREMENT, DECREMENT), GatContext (TOUCH, GAT, GATQ),
// GetMetaContext (GET_META, GETQ_META), FlushContext (FLUSH) and EngineCommandContext (opcodes
// handed to the engine whole).
//
// GET_META answers a live or deleted document's metadata in its extras: deleted (u32, 1 for a
// tombstone), flags (u32), expiry (u32; a tombstone's deletion time), revision (u64), and, when
// the request's one byte of extras is 2, the datatype (u8); the CAS in the header; no value.
// KEY_ENOENT when the key has neither (GETQ_META then says nothing).
// Each step() reads its arguments from the cookie's (validated) request, calls the engine once,
// and on Success writes the response; WouldBlock and errors go back to the connection.
//
// Thread contract: owned by a Cookie, front-end thread only.
#pragma once

#include "daemon/command_context.h"
#include "eddy/engine_iface.h"

#include <string>

namespace eddy::daemon {

EDDY_DECLARE_STEPPABLE_CONTEXT(GetContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(MutationContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(RemoveContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(ArithmeticContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(GatContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(GetMetaContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(FlushContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(EngineCommandContext);

/// Extras of a mutation response: vbucket uuid and seqno when the client negotiated
/// MutationSeqno and the engine numbers its changes; nothing otherwise.
[[nodiscard]] std::string mutationExtras(const Cookie& cookie, const MutationResult& result);

}  // namespace eddy::daemon
