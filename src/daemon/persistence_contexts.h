// eddy — the state machines of the persistence commands.
//
// Owns: SeqnoPersistenceContext (SEQNO_PERSISTENCE 0xb7: extras = the seqno; empty response
// once the vbucket's changes up to it are on disk), ObserveSeqnoContext (OBSERVE_SEQNO 0x91:
// value = a vbucket uuid; response value = mcbp::ObserveSeqnoBody, see
// protocol/persistence_formats.h) and CompactDbContext (COMPACT_DB 0xb3: extras =
// mcbp::CompactDbExtras; empty response). The vbucket is the request header's. Each step()
// reads its arguments from the cookie's validated request and calls the engine once.
//
// Waiting: SEQNO_PERSISTENCE and COMPACT_DB usually get WouldBlock. The engine then notifies:
// Success makes drive() call step() again, which asks the engine again (and the engine, finding
// the seqno persisted or the compaction done, answers Success); any other status (ETMPFAIL
// after seqno_persistence_timeout, say) is the command's response without another call.
//
// Thread contract: owned by a Cookie, front-end thread only.
#pragma once

#include "daemon/command_context.h"

namespace eddy::daemon {

EDDY_DECLARE_STEPPABLE_CONTEXT(SeqnoPersistenceContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(ObserveSeqnoContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(CompactDbContext);

}  // namespace eddy::daemon
