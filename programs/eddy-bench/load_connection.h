// eddy-bench — one pipelined client connection: requests out, responses in, each matched to the
// request it answers.
//
// Owns: LoadConnection (a connected client::Connection whose socket it drives without blocking,
// its output and input buffers and the requests in flight), OperationSource (where the next
// operation comes from) and ResponseSink (who is told of each answered request).
//
// Semantics. fill() encodes operations from the source until `depth` requests are in flight
// (GET 0x00, SET 0x01 with flags 0 and no expiry, DELETE 0x04, each to the key's vbucket);
// flush() writes as much of the output as the socket takes; receive() reads what the socket
// has, parses whole frames and hands each response to the sink with the time its request was
// sent. A server answers the requests of one connection in order (neither eddyd nor memcached
// reorders them unless a client negotiates unordered execution, which eddy-bench does not), so
// a response must carry the opaque of the oldest request in flight: anything else, a request
// from the server, a frame that cannot be parsed, or the peer closing, is a client::Error after
// which the connection is unusable.
//
// Thread contract: a LoadConnection belongs to one thread (the LoadThread that owns it).
#pragma once

#include "client/connection.h"
#include "protocol/status.h"
#include "workload.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::bench {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

/// Hands out the operations of a run; nullopt: nothing more to send for now (a duration ran
/// out, a quota was reached, or a populate range was used up).
class OperationSource {
public:
    virtual ~OperationSource() = default;
    [[nodiscard]] virtual std::optional<Operation> next(TimePoint now) = 0;
};

/// Told of every response.
class ResponseSink {
public:
    virtual ~ResponseSink() = default;
    virtual void completed(OpKind kind, mcbp::ResponseStatus status, TimePoint sent,
                           TimePoint answered) = 0;
};

struct ConnectionSettings {
    std::string key_prefix;
    /// Vbuckets to route keys over (the SDK's CRC rule); 0: every key to vbucket 0.
    uint16_t vbuckets = 0;
    /// Requests in flight at most (1: one request, then wait for its answer).
    uint32_t depth = 1;
};

class LoadConnection {
public:
    LoadConnection(client::Connection connection, const ConnectionSettings& settings);

    [[nodiscard]] int fd() const { return connection_.fd(); }
    [[nodiscard]] size_t inFlight() const { return in_flight_.size(); }
    /// Fewer than `depth` requests in flight.
    [[nodiscard]] bool hasRoom() const { return in_flight_.size() < settings_.depth; }
    [[nodiscard]] bool hasOutput() const { return output_sent_ < output_.size(); }

    /// Encodes operations from `source` until `depth` requests are in flight or the source has
    /// none; returns how many it added.
    size_t fill(OperationSource& source, TimePoint now);
    /// Writes buffered output until the socket would block; returns whether all of it went.
    /// Throws client::Error when the socket fails.
    bool flush();
    /// Reads and completes every whole response the socket has; throws client::Error as the
    /// file comment says.
    void receive(ResponseSink& sink);

private:
    struct Sent {
        OpKind kind;
        uint32_t opaque;
        TimePoint at;
    };

    void encode(const Operation& op);
    /// Hands every whole frame of the input buffer to `sink`.
    void complete(ResponseSink& sink, TimePoint now);

    client::Connection connection_;
    ConnectionSettings settings_;
    std::string output_;
    size_t output_sent_ = 0;
    std::string input_;
    size_t input_used_ = 0;
    std::deque<Sent> in_flight_;
    uint32_t next_opaque_ = 1;
    std::string key_;
};

}  // namespace eddy::bench
