// eddy-bench — one pipelined connection (load_connection.h).
#include "load_connection.h"

#include "common/errno_string.h"
#include "protocol/encode.h"
#include "protocol/frame.h"
#include "protocol/opcode.h"

#include <fmt/format.h>

#include <array>
#include <cerrno>

#include <sys/socket.h>

namespace eddy::bench {

namespace {

/// Bytes asked of the socket per read.
constexpr size_t kReadChunk = 64 * 1024;
/// Responses larger than this are taken as a broken stream (values are at most 20 MiB).
constexpr size_t kMaxResponseBody = 32 * 1024 * 1024;

/// The bytes every SET value is cut from.
std::string_view valueBytes(uint32_t size) {
    static const std::string kFiller(size_t{20} * 1024 * 1024, 'v');
    return std::string_view(kFiller).substr(0, size);
}

mcbp::ClientOpcode opcodeOf(OpKind kind) {
    switch (kind) {
    case OpKind::Get: return mcbp::ClientOpcode::Get;
    case OpKind::Set: return mcbp::ClientOpcode::Set;
    case OpKind::Delete: return mcbp::ClientOpcode::Delete;
    }
    return mcbp::ClientOpcode::Get;
}

}  // namespace

LoadConnection::LoadConnection(client::Connection connection, const ConnectionSettings& settings)
    : connection_(std::move(connection)), settings_(settings) {}

size_t LoadConnection::fill(OperationSource& source, TimePoint now) {
    size_t added = 0;
    while (in_flight_.size() < settings_.depth) {
        const std::optional<Operation> op = source.next(now);
        if (!op) {
            break;
        }
        encode(*op);
        in_flight_.push_back(Sent{op->kind, next_opaque_ - 1, now});
        ++added;
    }
    return added;
}

void LoadConnection::encode(const Operation& op) {
    key_ = keyName(settings_.key_prefix, op.key);
    mcbp::RequestFields fields;
    fields.opcode = static_cast<uint8_t>(opcodeOf(op.kind));
    fields.vbucket = vbucketOf(key_, settings_.vbuckets);
    fields.opaque = next_opaque_++;
    if (output_sent_ == output_.size()) {
        output_.clear();
        output_sent_ = 0;
    }
    if (op.kind == OpKind::Set) {
        std::array<char, 8> extras{};  // flags 0, expiry 0
        mcbp::appendRequest(output_, fields, std::string_view(extras.data(), extras.size()), key_,
                            valueBytes(op.value_size));
    } else {
        mcbp::appendRequest(output_, fields, {}, key_, {});
    }
}

bool LoadConnection::flush() {
    while (output_sent_ < output_.size()) {
        const ssize_t sent = ::send(fd(), output_.data() + output_sent_,
                                    output_.size() - output_sent_, MSG_NOSIGNAL);
        if (sent > 0) {
            output_sent_ += static_cast<size_t>(sent);
            continue;
        }
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return false;
        }
        if (sent < 0 && errno == EINTR) {
            continue;
        }
        throw client::Error(fmt::format("send to {}: {}", connection_.peer(), errnoString(errno)));
    }
    output_.clear();
    output_sent_ = 0;
    return true;
}

void LoadConnection::receive(ResponseSink& sink) {
    while (true) {
        if (input_used_ > 0 && input_used_ * 2 >= input_.size()) {
            input_.erase(0, input_used_);
            input_used_ = 0;
        }
        const size_t had = input_.size();
        input_.resize(had + kReadChunk);
        const ssize_t got = ::recv(fd(), input_.data() + had, kReadChunk, 0);
        input_.resize(had + (got > 0 ? static_cast<size_t>(got) : 0));
        if (got > 0) {
            complete(sink, Clock::now());
            if (static_cast<size_t>(got) < kReadChunk) {
                return;
            }
            continue;
        }
        if (got == 0) {
            throw client::Error(fmt::format("{} closed the connection", connection_.peer()));
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        }
        if (errno != EINTR) {
            throw client::Error(
                fmt::format("receive from {}: {}", connection_.peer(), errnoString(errno)));
        }
    }
}

void LoadConnection::complete(ResponseSink& sink, TimePoint now) {
    while (true) {
        const std::string_view unread = std::string_view(input_).substr(input_used_);
        const mcbp::ParseResult parsed = mcbp::parseFrame(unread, kMaxResponseBody);
        if (parsed.status == mcbp::ParseStatus::NeedMoreData) {
            return;
        }
        if (parsed.status != mcbp::ParseStatus::Ok) {
            throw client::Error(fmt::format("{} sent a frame that cannot be parsed (opcode {:#x})",
                                            connection_.peer(), parsed.frame.header.opcode));
        }
        const mcbp::Header& header = parsed.frame.header;
        if (header.magic != mcbp::Magic::ClientResponse &&
            header.magic != mcbp::Magic::AltClientResponse) {
            throw client::Error(fmt::format("{} sent a request (opcode {:#x}) to eddy-bench",
                                            connection_.peer(), header.opcode));
        }
        if (in_flight_.empty() || header.opaque != in_flight_.front().opaque) {
            throw client::Error(fmt::format("{} answered opaque {:#x} out of order (expected {})",
                                            connection_.peer(), header.opaque,
                                            in_flight_.empty()
                                                ? std::string("nothing")
                                                : fmt::format("{:#x}", in_flight_.front().opaque)));
        }
        const Sent sent = in_flight_.front();
        in_flight_.pop_front();
        input_used_ += parsed.frame.bytes.size();
        sink.completed(sent.kind, static_cast<mcbp::ResponseStatus>(header.vbucket_or_status),
                       sent.at, now);
    }
}

}  // namespace eddy::bench
