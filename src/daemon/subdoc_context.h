// eddy — the state machine of the sub-document commands.
//
// Owns: SubdocContext, which runs SUBDOC_MULTI_LOOKUP, SUBDOC_MULTI_MUTATION and the
// single-path sub-document opcodes as kv_engine does: fetch the document from the engine, run
// the specs on the front-end thread (SubdocExecution), and for a mutation store the result with
// the fetched CAS. A store that loses a race with another writer (KeyExists while the client
// gave no CAS) starts again from the fetch, at most kMaxAttempts times, then answers ETMPFAIL.
// A client CAS that does not match answers KEY_EEXISTS at once.
//
// States: Fetch → (Execute) → Store → done. Each engine call may return WouldBlock; the
// notification resumes the same state, which makes the same call again (the new value is kept
// in the context, never a view into the request).
//
// Thread contract: owned by a Cookie, front-end thread only.
#pragma once

#include "daemon/command_context.h"
#include "eddy/item.h"
#include "protocol/subdoc_request.h"

#include <cstdint>
#include <string>

namespace eddy::daemon {

class SubdocContext final : public SteppableCommandContext {
public:
    using SteppableCommandContext::SteppableCommandContext;

    static constexpr int kMaxAttempts = 100;

protected:
    Status step() override;

private:
    enum class State : uint8_t {
        Fetch,
        Store
    };

    Status fetch(const mcbp::subdoc::SubdocRequest& request);
    Status execute(const mcbp::subdoc::SubdocRequest& request);
    Status store(const mcbp::subdoc::SubdocRequest& request);

    State state_ = State::Fetch;
    int attempts_ = 0;
    /// The fetched document; null when it does not exist (and may be created).
    ItemPtr item_;
    /// What Store writes, kept across a WouldBlock.
    std::string new_value_;
    uint8_t new_datatype_ = 0;
    bool remove_ = false;
    /// The response body of a successful mutation (multi: its entries; single: the value).
    std::string response_value_;
};

}  // namespace eddy::daemon
