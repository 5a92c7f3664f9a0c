// eddy — SET_PARAM (0x82).
//
// Owns: SetParamContext. The request's extras are the parameter category as a 32-bit big-endian
// number (1 flush_param, 2 tap_param, 3 checkpoint_param, 4 dcp_param, 5 vbucket_param), its key
// names the parameter and its value is the new value as text (as in a bucket config string).
// The engine decides (EngineIface::setParameter); a refusal is EINVAL whose error context is the
// engine's message (naming the key and what is accepted); success is an empty response.
//
// Thread contract: owned by a Cookie, front-end thread only.
#pragma once

#include "daemon/command_context.h"

namespace eddy::daemon {

EDDY_DECLARE_STEPPABLE_CONTEXT(SetParamContext);

}  // namespace eddy::daemon
