// eddy-bench's connection and thread against a scripted server at the other end of a socketpair:
// the requests' wire form, pipelining up to the depth, answers matched in order, and what ends
// a connection (an answer out of order, the server closing).
#include "load_connection.h"

#include "load_thread.h"
#include "protocol/encode.h"
#include "protocol/frame.h"
#include "protocol/opcode.h"
#include "recorder.h"
#include "sources.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace eddy::bench {
namespace {

using mcbp::ResponseStatus;

/// Operations from a list.
class ListSource final : public OperationSource {
public:
    explicit ListSource(std::deque<Operation> ops) : ops_(std::move(ops)) {}
    std::optional<Operation> next(TimePoint /*now*/) override {
        if (ops_.empty()) {
            return std::nullopt;
        }
        Operation op = ops_.front();
        ops_.pop_front();
        return op;
    }

private:
    std::deque<Operation> ops_;
};

struct Answer {
    OpKind kind;
    ResponseStatus status;
};

class ListSink final : public ResponseSink {
public:
    void completed(OpKind kind, ResponseStatus status, TimePoint sent,
                   TimePoint answered) override {
        EXPECT_LE(sent, answered);
        answers.push_back(Answer{kind, status});
    }
    std::vector<Answer> answers;
};

/// The server's end of a socketpair: reads whole requests, writes responses.
class ServerEnd {
public:
    ServerEnd() {
        int fds[2];
        EXPECT_EQ(0, ::socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
        client_fd_ = fds[0];
        fd_ = fds[1];
        // A read that waits longer fails the test instead of hanging it.
        const timeval timeout{.tv_sec = 10, .tv_usec = 0};
        EXPECT_EQ(0, ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)));
    }
    ~ServerEnd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    /// The client end, to hand to a LoadConnection.
    client::Connection client() { return client::Connection::adopt(client_fd_, "server-end"); }

    /// Reads until `count` whole requests have arrived (blocking).
    std::vector<mcbp::Header> readRequests(size_t count, std::vector<std::string>* keys = nullptr,
                                           std::vector<size_t>* extras = nullptr) {
        std::vector<mcbp::Header> headers;
        while (headers.size() < count) {
            const mcbp::ParseResult parsed = mcbp::parseFrame(buffer_, 1 << 26);
            if (parsed.status == mcbp::ParseStatus::Ok) {
                headers.push_back(parsed.frame.header);
                if (keys != nullptr) {
                    keys->emplace_back(parsed.frame.key);
                }
                if (extras != nullptr) {
                    extras->push_back(parsed.frame.extras.size());
                }
                buffer_.erase(0, parsed.frame.bytes.size());
                continue;
            }
            char chunk[65536];
            const ssize_t got = ::read(fd_, chunk, sizeof(chunk));
            if (got <= 0) {
                ADD_FAILURE() << "the client end closed, or nothing came for 10 s";
                break;
            }
            buffer_.append(chunk, static_cast<size_t>(got));
        }
        return headers;
    }

    void respond(const mcbp::Header& request, ResponseStatus status) {
        std::string out;
        mcbp::ResponseHeaderFields fields;
        fields.opcode = request.opcode;
        fields.status = status;
        fields.opaque = request.opaque;
        mcbp::appendResponse(out, fields, {}, {}, {});
        ASSERT_EQ(static_cast<ssize_t>(out.size()), ::write(fd_, out.data(), out.size()));
    }

    void close() {
        ::close(fd_);
        fd_ = -1;
    }

private:
    int client_fd_ = -1;
    int fd_ = -1;
    std::string buffer_;
};

ConnectionSettings settings(uint32_t depth) {
    return ConnectionSettings{.key_prefix = "k:", .vbuckets = 1024, .depth = depth};
}

TEST(LoadConnectionTest, PipelinesUpToTheDepthInTheWireFormOfEachOperation) {
    ServerEnd server;
    LoadConnection connection(server.client(), settings(3));
    ListSource source(
        {{OpKind::Get, 1, 0}, {OpKind::Set, 2, 10}, {OpKind::Delete, 3, 0}, {OpKind::Get, 4, 0}});
    EXPECT_EQ(3u, connection.fill(source, Clock::now()));
    EXPECT_EQ(3u, connection.inFlight());
    EXPECT_TRUE(connection.flush());
    std::vector<std::string> keys;
    std::vector<size_t> extras;
    const std::vector<mcbp::Header> requests = server.readRequests(3, &keys, &extras);
    ASSERT_EQ(3u, requests.size());
    EXPECT_EQ(static_cast<uint8_t>(mcbp::ClientOpcode::Get), requests[0].opcode);
    EXPECT_EQ(static_cast<uint8_t>(mcbp::ClientOpcode::Set), requests[1].opcode);
    EXPECT_EQ(static_cast<uint8_t>(mcbp::ClientOpcode::Delete), requests[2].opcode);
    EXPECT_EQ((std::vector<std::string>{"k:000000000001", "k:000000000002", "k:000000000003"}),
              keys);
    EXPECT_EQ((std::vector<size_t>{0, 8, 0}), extras);
    EXPECT_EQ(8u + keys[1].size() + 10u, requests[1].body_length) << "a 10-byte value";
    EXPECT_EQ(vbucketOf(keys[0], 1024), requests[0].vbucket_or_status);

    // Nothing more until an answer makes room; then exactly one more.
    EXPECT_EQ(0u, connection.fill(source, Clock::now()));
    server.respond(requests[0], ResponseStatus::KeyEnoent);
    ListSink sink;
    while (sink.answers.empty()) {
        connection.receive(sink);
    }
    ASSERT_EQ(1u, sink.answers.size());
    EXPECT_EQ(OpKind::Get, sink.answers[0].kind);
    EXPECT_EQ(ResponseStatus::KeyEnoent, sink.answers[0].status);
    EXPECT_EQ(1u, connection.fill(source, Clock::now()));
}

TEST(LoadConnectionTest, AnAnswerOutOfOrderEndsTheConnection) {
    ServerEnd server;
    LoadConnection connection(server.client(), settings(2));
    ListSource source({{OpKind::Get, 1, 0}, {OpKind::Get, 2, 0}});
    connection.fill(source, Clock::now());
    ASSERT_TRUE(connection.flush());
    const std::vector<mcbp::Header> requests = server.readRequests(2);
    server.respond(requests[1], ResponseStatus::Success);
    ListSink sink;
    EXPECT_THROW(
        {
            for (int i = 0; i < 1000; ++i) {
                connection.receive(sink);
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        },
        client::Error);
    EXPECT_TRUE(sink.answers.empty());
}

TEST(LoadThreadTest, RunsUntilTheSourceIsUsedUpAndEveryAnswerCame) {
    ServerEnd server;
    std::vector<LoadConnection> connections;
    connections.emplace_back(server.client(), settings(4));
    LoadThread thread(std::move(connections));
    constexpr size_t kOps = 200;
    std::deque<Operation> ops;
    for (size_t i = 0; i < kOps; ++i) {
        ops.push_back({i % 2 == 0 ? OpKind::Get : OpKind::Set, i, 5});
    }
    std::thread answering([&server] {
        for (size_t answered = 0; answered < kOps;) {
            const std::vector<mcbp::Header> requests = server.readRequests(1);
            ASSERT_EQ(1u, requests.size());
            server.respond(requests[0], requests[0].opcode == 0 ? ResponseStatus::KeyEnoent
                                                                : ResponseStatus::Success);
            ++answered;
        }
    });
    ListSource source(std::move(ops));
    Recorder recorder(Window{.begin = TimePoint::min()});
    const std::atomic<bool> stop{false};
    const ThreadOutcome outcome = thread.run(source, recorder, stop, std::chrono::seconds(10));
    answering.join();
    EXPECT_EQ(0u, outcome.connection_errors) << outcome.first_error;
    EXPECT_EQ(0u, outcome.unanswered);
    RunResult result;
    recorder.addTo(result);
    EXPECT_EQ(kOps, result.ops);
    EXPECT_EQ(kOps / 2, result.by_kind[0].misses) << "every GET missed";
    EXPECT_EQ(kOps / 2, result.by_kind[1].count);
    EXPECT_EQ(kOps, result.latency.count());
}

TEST(LoadThreadTest, AnswersThatStopComingEndTheRunAfterTheDrainTimeoutAndRetireTheConnection) {
    ServerEnd server;
    std::vector<LoadConnection> connections;
    connections.emplace_back(server.client(), settings(4));
    LoadThread thread(std::move(connections));
    // The source is used up by the first fill; the server answers one of two, then nothing.
    ListSource source({{OpKind::Get, 1, 0}, {OpKind::Get, 2, 0}});
    std::thread answering([&server] {
        const std::vector<mcbp::Header> requests = server.readRequests(2);
        ASSERT_EQ(2u, requests.size());
        server.respond(requests[0], ResponseStatus::Success);
    });
    Recorder recorder(Window{.begin = TimePoint::min()});
    const std::atomic<bool> stop{false};
    const TimePoint started = Clock::now();
    const ThreadOutcome outcome =
        thread.run(source, recorder, stop, std::chrono::milliseconds(300));
    const auto took = Clock::now() - started;
    answering.join();
    EXPECT_EQ(1u, recorder.measured());
    EXPECT_EQ(1u, outcome.unanswered);
    EXPECT_EQ(0u, outcome.connection_errors);
    EXPECT_GE(took, std::chrono::milliseconds(300));
    EXPECT_LT(took, std::chrono::seconds(10));
    EXPECT_EQ(0u, thread.liveConnections()) << "its late answer must not reach a later run";

    // A later run has no connection left to send on: it ends at once.
    ListSource more({{OpKind::Get, 3, 0}});
    EXPECT_EQ(0u, thread.run(more, recorder, stop, std::chrono::milliseconds(300)).unanswered);
}

TEST(LoadThreadTest, StopEndsARunWhoseAnswersNeverCome) {
    ServerEnd server;
    std::vector<LoadConnection> connections;
    connections.emplace_back(server.client(), settings(2));
    LoadThread thread(std::move(connections));
    ListSource source({{OpKind::Get, 1, 0}});
    std::atomic<bool> stop{false};
    std::thread stopping([&] {
        (void)server.readRequests(1);
        stop.store(true);
    });
    Recorder recorder(Window{.begin = TimePoint::min()});
    const ThreadOutcome outcome = thread.run(source, recorder, stop, std::chrono::hours(1));
    stopping.join();
    EXPECT_EQ(1u, outcome.unanswered);
    EXPECT_EQ(0u, recorder.measured());
}

TEST(LoadThreadTest, AConnectionTheServerClosesIsDroppedAndCounted) {
    ServerEnd server;
    std::vector<LoadConnection> connections;
    connections.emplace_back(server.client(), settings(1));
    LoadThread thread(std::move(connections));
    ListSource source({{OpKind::Get, 1, 0}, {OpKind::Get, 2, 0}});
    std::thread closing([&server] {
        (void)server.readRequests(1);
        server.close();
    });
    Recorder recorder(Window{.begin = TimePoint::min()});
    const std::atomic<bool> stop{false};
    const ThreadOutcome outcome = thread.run(source, recorder, stop, std::chrono::seconds(10));
    closing.join();
    EXPECT_EQ(1u, outcome.connection_errors);
    EXPECT_NE(std::string::npos, outcome.first_error.find("closed")) << outcome.first_error;
    EXPECT_EQ(0u, thread.liveConnections());
}

}  // namespace
}  // namespace eddy::bench
