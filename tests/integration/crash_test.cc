// Crash safety over sockets: a writer stores documents and waits for each batch to be persisted
// (SEQNO_PERSISTENCE); eddyd is killed with SIGKILL at a random moment and restarted on the same
// data directory, several times. Every document acknowledged as persisted must come back with
// the same value, CAS and flags; every vbucket's new seqnos must continue above the ones
// acknowledged before. Documents written but not acknowledged may or may not be there.
//
// The seed is printed (and taken from EDDY_CRASH_SEED when set) so that a failure can be
// replayed.

#include "protocol/encode.h"
#include "support/eddyd_process.h"
#include "support/mcbp_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::Feature;
using mcbp::ResponseStatus;

constexpr int kRounds = 4;
constexpr uint16_t kVbuckets = 8;
constexpr int kBatch = 16;

struct Stored {
    std::string value;
    uint64_t cas = 0;
    uint32_t flags = 0;
    uint16_t vbucket = 0;
    uint64_t seqno = 0;
};

/// What the writer has had acknowledged as persisted, shared with the test thread.
struct Acknowledged {
    std::mutex mutex;
    std::map<std::string, Stored> documents;
    std::map<uint16_t, uint64_t> high_seqno;
    /// Batches acknowledged so far (all rounds).
    std::atomic<uint64_t> batches{0};
};

uint64_t seedFromEnvironment() {
    if (const char* text = std::getenv("EDDY_CRASH_SEED"); text != nullptr && *text != '\0') {
        return std::stoull(text);
    }
    return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

/// A request whose response may never come (the server is being killed): nullopt then, and no
/// test failure.
std::optional<Response> tryExecute(McbpClient& client, const Request& request) {
    client.send(request);
    return client.receive(std::chrono::seconds(30));
}

/// Writes batches until the connection breaks (the server was killed). Each batch: kBatch
/// SETs of fresh keys over the vbuckets, then SEQNO_PERSISTENCE for every vbucket's last seqno;
/// only when all of those succeed is the batch acknowledged.
void writeUntilKilled(uint16_t port, int round, Acknowledged& acknowledged) {
    try {
        McbpClient client(port);
        client.hello({Feature::MutationSeqno});
        for (int batch = 0;; ++batch) {
            std::vector<std::pair<std::string, Stored>> written;
            std::map<uint16_t, uint64_t> last;
            for (int i = 0; i < kBatch; ++i) {
                const std::string key = "r" + std::to_string(round) + "-b" + std::to_string(batch) +
                                        "-" + std::to_string(i);
                Stored stored;
                stored.vbucket = static_cast<uint16_t>(i % kVbuckets);
                stored.flags = static_cast<uint32_t>(batch * kBatch + i);
                stored.value = "value of " + key + std::string(static_cast<size_t>(i * 7), 'x');
                const auto response = tryExecute(client, {.opcode = ClientOpcode::Set,
                                                          .key = key,
                                                          .value = stored.value,
                                                          .extras = storeExtras(stored.flags, 0),
                                                          .vbucket = stored.vbucket});
                if (!response || response->status() != ResponseStatus::Success ||
                    response->extras.size() != 16) {
                    return;
                }
                stored.cas = response->header.cas;
                stored.seqno = mcbp::readUint64(response->extras, 8);
                last[stored.vbucket] = stored.seqno;
                written.emplace_back(key, stored);
            }
            for (const auto& [vbucket, seqno] : last) {
                std::string extras;
                mcbp::appendUint64(extras, seqno);
                const auto response = tryExecute(client, {.opcode = ClientOpcode::SeqnoPersistence,
                                                          .extras = extras,
                                                          .vbucket = vbucket});
                if (!response || response->status() != ResponseStatus::Success) {
                    return;
                }
            }
            std::lock_guard lock(acknowledged.mutex);
            for (auto& [key, stored] : written) {
                acknowledged.high_seqno[stored.vbucket] =
                    std::max(acknowledged.high_seqno[stored.vbucket], stored.seqno);
                acknowledged.documents[key] = std::move(stored);
            }
            acknowledged.batches.fetch_add(1);
        }
    } catch (const std::exception&) {
        // The server went away mid-request: that is the point.
    }
}

TEST(CrashTest, PersistedDocumentsSurviveSigkill) {
    const uint64_t seed = seedFromEnvironment();
    std::mt19937_64 random(seed);
    SCOPED_TRACE("EDDY_CRASH_SEED=" + std::to_string(seed));
    const std::string data_dir =
        (std::filesystem::temp_directory_path() / ("eddy-crash-" + std::to_string(::getpid())))
            .string();
    std::filesystem::remove_all(data_dir);
    Acknowledged acknowledged;

    for (int round = 0; round <= kRounds; ++round) {
        EddydProcess::Options options;
        options.data_dir = data_dir;
        EddydProcess server(options);
        McbpClient checker(server.port());
        checker.hello({Feature::MutationSeqno});
        {
            std::lock_guard lock(acknowledged.mutex);
            for (const auto& [key, stored] : acknowledged.documents) {
                const Response response = checker.execute(
                    {.opcode = ClientOpcode::Get, .key = key, .vbucket = stored.vbucket});
                ASSERT_EQ(ResponseStatus::Success, response.status())
                    << key << " was acknowledged as persisted (round " << round
                    << "); the server's log:\n"
                    << server.log();
                EXPECT_EQ(stored.value, response.value) << key;
                EXPECT_EQ(stored.cas, response.header.cas) << key;
                ASSERT_EQ(4u, response.extras.size());
                EXPECT_EQ(stored.flags, mcbp::readUint32(response.extras, 0)) << key;
            }
            // New changes continue above every seqno acknowledged before the crash.
            for (const auto& [vbucket, high] : acknowledged.high_seqno) {
                const Response response = checker.execute({.opcode = ClientOpcode::Set,
                                                           .key = "probe-" + std::to_string(round),
                                                           .value = "p",
                                                           .extras = storeExtras(0, 0),
                                                           .vbucket = vbucket});
                ASSERT_EQ(ResponseStatus::Success, response.status());
                ASSERT_EQ(16u, response.extras.size());
                EXPECT_GT(mcbp::readUint64(response.extras, 8), high) << "vbucket " << vbucket;
            }
        }
        if (round == kRounds) {
            break;  // the last start only checks; the server stops cleanly
        }
        // Kill at a random moment after the first acknowledgement of this round, so that every
        // round has persisted something and something in flight.
        const uint64_t before = acknowledged.batches.load();
        std::thread writer(writeUntilKilled, server.port(), round, std::ref(acknowledged));
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (acknowledged.batches.load() == before &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        std::uniform_int_distribution<int> delay_ms(0, 400);
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
        server.kill();
        writer.join();
    }
    std::lock_guard lock(acknowledged.mutex);
    EXPECT_LT(0u, acknowledged.documents.size()) << "the writer never got an acknowledgement";
    std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace eddy::test
