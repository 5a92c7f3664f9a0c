// eddy — the state machines of the DCP commands a client sends.
//
// Owns: one SteppableCommandContext per DCP command: DcpOpenContext (DCP_OPEN 0x50),
// DcpControlContext (DCP_CONTROL 0x5e), DcpStreamReqContext (DCP_STREAM_REQ 0x53),
// DcpGetFailoverLogContext (DCP_GET_FAILOVER_LOG 0x54), DcpCloseStreamContext
// (DCP_CLOSE_STREAM 0x52) and DcpBufferAckContext (DCP_BUFFER_ACKNOWLEDGEMENT 0x5d). The
// messages a producer sends are not commands: the connection steps the engine for them
// (connection.h), and the client's responses to them go straight to DcpIface::response().
//
// Semantics. Each step() reads its arguments from the cookie's validated request (extras
// big-endian, the opaque and vbucket from the header) and calls the bucket's DcpIface once.
// A bucket without one answers NotSupported. Every command but DCP_OPEN and
// DCP_GET_FAILOVER_LOG needs a connection DCP_OPEN has made a producer (Einval otherwise).
// Responses:
//   DCP_OPEN              Success, empty; with the Producer flag the connection becomes a
//                         producer (Connection::setDcpProducer).
//   DCP_CONTROL           Success, empty.
//   DCP_STREAM_REQ        Success with the failover log as the value, or ROLLBACK (0x23) with
//                         the 8-byte big-endian seqno to roll back to as the value. A value in
//                         the request is a collections filter (collections/stream_filter.h):
//                         only on a connection that negotiated Collections (EINVAL otherwise),
//                         each collection in the manifest in force (UNKNOWN_COLLECTION with its
//                         uid otherwise).
//   DCP_GET_FAILOVER_LOG  Success with the failover log.
//   DCP_CLOSE_STREAM      Success, empty.
//   DCP_BUFFER_ACK        nothing on success (as kv_engine); errors are answered.
// A refusal's explanation from the engine becomes the cookie's error context (XERROR).
// WouldBlock works as for every context (command_context.h): Success on notification calls the
// engine again.
//
// Thread contract: owned by a Cookie, front-end thread only.
#pragma once

#include "daemon/command_context.h"

namespace eddy::daemon {

EDDY_DECLARE_STEPPABLE_CONTEXT(DcpOpenContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(DcpControlContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(DcpStreamReqContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(DcpGetFailoverLogContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(DcpCloseStreamContext);
EDDY_DECLARE_STEPPABLE_CONTEXT(DcpBufferAckContext);

}  // namespace eddy::daemon
