// eddy — the state machines of the vbucket-aware commands.
//
// Owns: GetLockedContext (GET_LOCKED), UnlockContext (UNLOCK_KEY), GetReplicaContext
// (GET_REPLICA), SetVBucketContext / GetVBucketContext / DelVBucketContext (SET_, GET_,
// DEL_VBUCKET) and GetAllVbSeqnosContext (GET_ALL_VB_SEQNOS). Like the key-value contexts, each
// step() reads its arguments from the cookie's validated request, calls the engine once and on
// Success writes the response.
//
// Thread contract: owned by a Cookie, front-end thread only.
#pragma once

#include "daemon/command_context.h"

namespace eddy::daemon {

EDDY_DECLARE_STEPPABLE_CONTEXT(GetLockedContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(UnlockContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(GetReplicaContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(SetVBucketContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(GetVBucketContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(DelVBucketContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(GetAllVbSeqnosContext);

}  // namespace eddy::daemon
