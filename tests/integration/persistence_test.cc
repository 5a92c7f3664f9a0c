// The persistence commands over a socket: SEQNO_PERSISTENCE (0xb7), OBSERVE_SEQNO (0x91) and
// COMPACT_DB (0xb3), against a persistent bucket (the default) and an ephemeral one. Every
// eddyd these tests start has its own fresh temporary data directory (EddydProcess).

#include "eddy/status.h"
#include "protocol/persistence_formats.h"
#include "server_fixture.h"
#include "test_engines/fault_injecting_engine.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::Feature;
using mcbp::ResponseStatus;
using namespace std::chrono_literals;

/// How long a command that waits for the flusher may take (sanitizer builds are slow).
constexpr auto kFlushWait = std::chrono::seconds(30);

std::string seqnoExtras(uint64_t seqno) {
    std::string extras;
    mcbp::appendUint64(extras, seqno);
    return extras;
}

Request seqnoPersistence(uint16_t vbucket, uint64_t seqno) {
    return {
        .opcode = ClientOpcode::SeqnoPersistence, .extras = seqnoExtras(seqno), .vbucket = vbucket};
}

Request observeSeqno(uint16_t vbucket, uint64_t uuid) {
    std::string value;
    mcbp::appendUint64(value, uuid);
    return {.opcode = ClientOpcode::ObserveSeqno, .value = value, .vbucket = vbucket};
}

Request compactDb(uint16_t vbucket, const mcbp::CompactDbExtras& fields = {}) {
    std::string extras;
    mcbp::appendCompactDbExtras(extras, fields);
    return {.opcode = ClientOpcode::CompactDb, .extras = extras, .vbucket = vbucket};
}

/// Where a mutation landed, from its MutationSeqno extras.
struct Position {
    uint64_t uuid = 0;
    uint64_t seqno = 0;
};

/// eddyd with `--bucket-config <bucketConfig()>`, in plain or always-async engine mode.
class PersistenceServerTest : public ::testing::TestWithParam<EngineMode> {
protected:
    void SetUp() override {
        EddydProcess::Options options;
        options.config_json = configFor(GetParam());
        if (const std::string bucket = bucketConfig(); !bucket.empty()) {
            options.extra_args = {"--bucket-config", bucket};
        }
        server_ = std::make_unique<EddydProcess>(options);
        client_ = connect();
        // Key commands answer ETMPFAIL until warm-up is done; a client would retry.
        waitForWarmup(*client_, kFlushWait);
    }

    void TearDown() override {
        client_.reset();
        EXPECT_EQ(0, server_->stop()) << "eddyd did not exit cleanly; its log:\n" << server_->log();
    }

    virtual std::string bucketConfig() const { return {}; }

    std::unique_ptr<McbpClient> connect() const {
        return std::make_unique<McbpClient>(server_->port());
    }

    /// send + receive with a deadline long enough for the flusher; an empty Response (and a
    /// test failure) when nothing arrives.
    static Response executeWaiting(McbpClient& client, const Request& request) {
        client.send(request);
        auto response = client.receive(kFlushWait);
        if (!response) {
            ADD_FAILURE() << "no response within " << kFlushWait.count() << " s";
            return {};
        }
        return *response;
    }

    /// SET on a connection that negotiated MutationSeqno; fails the test if it does not succeed.
    static Position setOn(McbpClient& client, uint16_t vbucket, const std::string& key) {
        const auto response = client.execute({.opcode = ClientOpcode::Set,
                                              .key = key,
                                              .value = "value of " + key,
                                              .extras = storeExtras(0, 0),
                                              .vbucket = vbucket});
        EXPECT_EQ(ResponseStatus::Success, response.status()) << key;
        EXPECT_EQ(16u, response.extras.size()) << "MutationSeqno not negotiated?";
        if (response.extras.size() != 16) {
            return {};
        }
        return {mcbp::readUint64(response.extras, 0), mcbp::readUint64(response.extras, 8)};
    }

    std::unique_ptr<EddydProcess> server_;
    std::unique_ptr<McbpClient> client_;
};

// ---- persistent bucket ----

class PersistentBucketTest : public PersistenceServerTest {
protected:
    void SetUp() override {
        PersistenceServerTest::SetUp();
        client_->hello({Feature::MutationSeqno, Feature::Xerror});
    }
};

TEST_P(PersistentBucketTest, SeqnoPersistenceAnswersOnceTheFlusherHasWritten) {
    const Position position = setOn(*client_, 0, "k");
    ASSERT_NE(0u, position.seqno);
    const auto persisted = executeWaiting(*client_, seqnoPersistence(0, position.seqno));
    EXPECT_EQ(ResponseStatus::Success, persisted.status());
    EXPECT_TRUE(persisted.extras.empty());
    EXPECT_TRUE(persisted.key.empty());
    EXPECT_TRUE(persisted.value.empty());

    // Once persisted, it stays persisted: the same and lower seqnos answer at once.
    EXPECT_EQ(ResponseStatus::Success,
              client_->execute(seqnoPersistence(0, position.seqno)).status());
    EXPECT_EQ(ResponseStatus::Success,
              client_->execute(seqnoPersistence(0, position.seqno - 1)).status());
}

TEST_P(PersistentBucketTest, SeqnoPersistenceWaitsForASeqnoNotWrittenYet) {
    const Position first = setOn(*client_, 3, "first");
    auto waiter = connect();
    waiter->send(seqnoPersistence(3, first.seqno + 1));
    // No mutation has that seqno yet, so nothing can have persisted it.
    EXPECT_FALSE(waiter->receive(300ms)) << "answered before the seqno existed";

    const Position second = setOn(*client_, 3, "second");
    EXPECT_EQ(first.seqno + 1, second.seqno);
    const auto answer = waiter->receive(kFlushWait);
    ASSERT_TRUE(answer) << "no answer after the seqno was written";
    EXPECT_EQ(ResponseStatus::Success, answer->status());
}

TEST_P(PersistentBucketTest, BlockedSeqnoPersistenceKeepsThePipelineInOrder) {
    const Position before = setOn(*client_, 0, "a");
    std::string batch;
    batch += client::encode({.opcode = ClientOpcode::Set,
                             .key = "b",
                             .value = "v",
                             .extras = storeExtras(0, 0),
                             .opaque = 1});
    Request wait = seqnoPersistence(0, before.seqno + 1);
    wait.opaque = 2;
    batch += client::encode(wait);
    batch += client::encode({.opcode = ClientOpcode::Get, .key = "b", .opaque = 3});
    client_->sendRaw(batch);
    for (uint32_t opaque : {1u, 2u, 3u}) {
        const auto response = client_->receive(kFlushWait);
        ASSERT_TRUE(response) << opaque;
        EXPECT_EQ(opaque, response->header.opaque);
        EXPECT_EQ(ResponseStatus::Success, response->status()) << opaque;
    }
}

TEST_P(PersistentBucketTest, ObserveSeqnoReportsPersistedAndCurrentSeqnos) {
    setOn(*client_, 5, "one");
    const Position position = setOn(*client_, 5, "two");
    ASSERT_EQ(ResponseStatus::Success,
              executeWaiting(*client_, seqnoPersistence(5, position.seqno)).status());

    const auto observed = client_->execute(observeSeqno(5, position.uuid));
    ASSERT_EQ(ResponseStatus::Success, observed.status());
    EXPECT_TRUE(observed.extras.empty());
    EXPECT_TRUE(observed.key.empty());
    ASSERT_EQ(mcbp::kObserveSeqnoBodySize, observed.value.size());
    EXPECT_EQ('\0', observed.value[0]) << "format 0: no failover";
    const auto body = mcbp::parseObserveSeqnoBody(observed.value);
    ASSERT_TRUE(body);
    EXPECT_FALSE(body->failed_over);
    EXPECT_EQ(5u, body->vbucket);
    EXPECT_EQ(position.uuid, body->vbucket_uuid);
    EXPECT_GE(body->last_persisted_seqno, position.seqno);
    EXPECT_GE(body->current_seqno, position.seqno);
    EXPECT_GE(body->current_seqno, body->last_persisted_seqno);
}

TEST_P(PersistentBucketTest, ObserveSeqnoWithAnUnknownUuidIsKeyEnoent) {
    const Position position = setOn(*client_, 0, "k");
    EXPECT_EQ(ResponseStatus::KeyEnoent,
              client_->execute(observeSeqno(0, ~position.uuid)).status());
    // The connection goes on.
    EXPECT_EQ(ResponseStatus::Success, client_->execute(observeSeqno(0, position.uuid)).status());
}

TEST_P(PersistentBucketTest, ObserveSeqnoOfAnOlderBranchReportsTheFailover) {
    const Position before = setOn(*client_, 11, "k");
    // Replica, then active again: the vbucket starts a new branch (a new failover entry).
    for (const char state : {'\x02', '\x01'}) {
        ASSERT_EQ(ResponseStatus::Success, client_
                                               ->execute({.opcode = ClientOpcode::SetVbucket,
                                                          .extras = std::string(1, state),
                                                          .vbucket = 11})
                                               .status());
    }
    const Position after = setOn(*client_, 11, "k2");
    ASSERT_NE(before.uuid, after.uuid) << "no new branch after becoming active";

    const auto observed = client_->execute(observeSeqno(11, before.uuid));
    ASSERT_EQ(ResponseStatus::Success, observed.status());
    ASSERT_EQ(mcbp::kObserveSeqnoFailoverBodySize, observed.value.size());
    const auto body = mcbp::parseObserveSeqnoBody(observed.value);
    ASSERT_TRUE(body);
    EXPECT_TRUE(body->failed_over);
    EXPECT_EQ(11u, body->vbucket);
    EXPECT_EQ(after.uuid, body->vbucket_uuid) << "the current branch";
    EXPECT_EQ(before.uuid, body->old_vbucket_uuid);
    EXPECT_GE(body->old_branch_last_seqno, before.seqno);
    EXPECT_LT(body->old_branch_last_seqno, after.seqno);
    EXPECT_GE(body->current_seqno, after.seqno);

    // The current branch's own uuid is format 0.
    const auto current = client_->execute(observeSeqno(11, after.uuid));
    ASSERT_EQ(ResponseStatus::Success, current.status());
    EXPECT_EQ(mcbp::kObserveSeqnoBodySize, current.value.size());
}

TEST_P(PersistentBucketTest, SeqnoPersistenceGivesUpAfterItsTimeout) {
    std::string flush_param;
    mcbp::appendUint32(flush_param, 1);
    ASSERT_EQ(ResponseStatus::Success, client_
                                           ->execute({.opcode = ClientOpcode::SetParam,
                                                      .key = "seqno_persistence_timeout",
                                                      .value = "1",
                                                      .extras = flush_param})
                                           .status());
    const Position position = setOn(*client_, 0, "k");
    const auto start = std::chrono::steady_clock::now();
    // A seqno nobody writes: the wait ends with a temporary failure, not an answer.
    const auto gave_up = executeWaiting(*client_, seqnoPersistence(0, position.seqno + 1000));
    EXPECT_EQ(ResponseStatus::Etmpfail, gave_up.status());
    EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
    EXPECT_EQ(ResponseStatus::Success, client_->execute({.opcode = ClientOpcode::Noop}).status());
}

TEST_P(PersistentBucketTest, SeqnoPersistenceNeedsAnActiveVbucket) {
    const Position position = setOn(*client_, 9, "k");
    ASSERT_EQ(ResponseStatus::Success, client_
                                           ->execute({.opcode = ClientOpcode::SetVbucket,
                                                      .extras = std::string(1, '\x02'),  // replica
                                                      .vbucket = 9})
                                           .status());
    EXPECT_EQ(ResponseStatus::NotMyVbucket,
              client_->execute(seqnoPersistence(9, position.seqno)).status());
    // A vbucket that does not exist at all.
    EXPECT_EQ(ResponseStatus::NotMyVbucket, client_->execute(seqnoPersistence(1024, 1)).status());
}

TEST_P(PersistentBucketTest, CompactDbAfterDeletes) {
    for (const char* key : {"keep", "gone-1", "gone-2"}) {
        setOn(*client_, 0, key);
    }
    uint64_t last_seqno = 0;
    for (const char* key : {"gone-1", "gone-2"}) {
        const auto removed = client_->execute({.opcode = ClientOpcode::Delete, .key = key});
        ASSERT_EQ(ResponseStatus::Success, removed.status()) << key;
        ASSERT_EQ(16u, removed.extras.size());
        last_seqno = mcbp::readUint64(removed.extras, 8);
    }
    ASSERT_EQ(ResponseStatus::Success,
              executeWaiting(*client_, seqnoPersistence(0, last_seqno)).status());

    const auto compacted = executeWaiting(*client_, compactDb(0, {.drop_deletes = true}));
    EXPECT_EQ(ResponseStatus::Success, compacted.status());
    EXPECT_TRUE(compacted.extras.empty());
    EXPECT_TRUE(compacted.value.empty());
    // With the default parameters too.
    EXPECT_EQ(ResponseStatus::Success, executeWaiting(*client_, compactDb(0)).status());

    // Compaction changes the files, not the documents.
    EXPECT_EQ("value of keep", client_->get("keep").value);
    EXPECT_EQ(ResponseStatus::KeyEnoent, client_->get("gone-1").status());
    EXPECT_EQ(ResponseStatus::KeyEnoent, client_->get("gone-2").status());
}

TEST_P(PersistentBucketTest, AbandonedWaitDoesNotHoldTheServer) {
    const Position position = setOn(*client_, 0, "k");
    {
        auto quitter = connect();
        quitter->send(seqnoPersistence(0, position.seqno + 1000));
        EXPECT_FALSE(quitter->receive(100ms));
    }
    // Everyone else is served as before; TearDown checks that eddyd still stops cleanly.
    const Position next = setOn(*client_, 0, "k2");
    EXPECT_EQ(ResponseStatus::Success,
              executeWaiting(*client_, seqnoPersistence(0, next.seqno)).status());
}

TEST_P(PersistentBucketTest, MalformedRequestsAreEinvalAndTheConnectionStaysUsable) {
    std::vector<Request> malformed;
    // SEQNO_PERSISTENCE: 8 bytes of extras, nothing else.
    malformed.push_back({.opcode = ClientOpcode::SeqnoPersistence, .vbucket = 0});
    malformed.push_back({.opcode = ClientOpcode::SeqnoPersistence, .extras = std::string(4, '\0')});
    malformed.push_back(
        {.opcode = ClientOpcode::SeqnoPersistence, .extras = std::string(16, '\0')});
    Request with_key = seqnoPersistence(0, 1);
    with_key.key = "k";
    malformed.push_back(with_key);
    Request with_value = seqnoPersistence(0, 1);
    with_value.value = "v";
    malformed.push_back(with_value);
    Request with_cas = seqnoPersistence(0, 1);
    with_cas.cas = 1;
    malformed.push_back(with_cas);
    // OBSERVE_SEQNO: an 8-byte value, nothing else.
    malformed.push_back({.opcode = ClientOpcode::ObserveSeqno});
    malformed.push_back({.opcode = ClientOpcode::ObserveSeqno, .value = std::string(4, '\0')});
    Request observe_with_extras = observeSeqno(0, 1);
    observe_with_extras.extras = std::string(8, '\0');
    malformed.push_back(observe_with_extras);
    Request observe_with_key = observeSeqno(0, 1);
    observe_with_key.key = "k";
    malformed.push_back(observe_with_key);
    // COMPACT_DB: 24 bytes of extras, nothing else.
    malformed.push_back({.opcode = ClientOpcode::CompactDb});
    malformed.push_back({.opcode = ClientOpcode::CompactDb, .extras = std::string(8, '\0')});
    malformed.push_back({.opcode = ClientOpcode::CompactDb, .extras = std::string(25, '\0')});
    Request compact_with_key = compactDb(0);
    compact_with_key.key = "k";
    malformed.push_back(compact_with_key);
    Request compact_with_value = compactDb(0);
    compact_with_value.value = "v";
    malformed.push_back(compact_with_value);

    for (size_t i = 0; i < malformed.size(); ++i) {
        const auto response = client_->execute(malformed[i]);
        EXPECT_EQ(ResponseStatus::Einval, response.status())
            << "request " << i << " (opcode 0x" << std::hex << static_cast<int>(malformed[i].opcode)
            << ")";
    }
    EXPECT_EQ(ResponseStatus::Success, client_->execute({.opcode = ClientOpcode::Noop}).status());
    const Position position = setOn(*client_, 0, "still-here");
    EXPECT_EQ(ResponseStatus::Success,
              executeWaiting(*client_, seqnoPersistence(0, position.seqno)).status());
}

INSTANTIATE_TEST_SUITE_P(Engines, PersistentBucketTest,
                         ::testing::Values(EngineMode::Plain, EngineMode::AlwaysAsync),
                         engineModeName);

// ---- ephemeral bucket ----

class EphemeralBucketTest : public PersistenceServerTest {
protected:
    std::string bucketConfig() const override { return "bucket_type=ephemeral"; }
};

TEST_P(EphemeralBucketTest, NothingToPersistOrCompact) {
    ASSERT_EQ(ResponseStatus::Success, client_->set("k", "v").status());
    EXPECT_EQ(ResponseStatus::NotSupported, client_->execute(seqnoPersistence(0, 1)).status());
    EXPECT_EQ(ResponseStatus::NotSupported, client_->execute(compactDb(0)).status());
    // The connection goes on.
    EXPECT_EQ("v", client_->get("k").value);
}

INSTANTIATE_TEST_SUITE_P(Engines, EphemeralBucketTest,
                         ::testing::Values(EngineMode::Plain, EngineMode::AlwaysAsync),
                         engineModeName);

// ---- the would-block path, driven by the fault-injecting engine ----

Request faultControl(test_engines::FaultMode mode, uint32_t value, Status status) {
    std::string extras;
    mcbp::appendUint32(extras, static_cast<uint32_t>(mode));
    mcbp::appendUint32(extras, value);
    mcbp::appendUint32(extras, static_cast<uint32_t>(status));
    return {.opcode = ClientOpcode::EwouldblockCtl, .extras = extras};
}

/// These inject the blocking themselves, so they start with the fault engine switched off.
TEST(PersistenceWouldBlockTest, NotifiedTemporaryFailureIsTheResponse) {
    EddydProcess server({.config_json = R"({"fault_injection": {"mode": "off", "value": 0}})"});
    McbpClient client(server.port());
    ASSERT_EQ(
        ResponseStatus::Success,
        client.execute(faultControl(test_engines::FaultMode::NextN, 3, Status::TemporaryFailure))
            .status());
    // The injected failures never reach the bucket: the notification alone decides.
    EXPECT_EQ(ResponseStatus::Etmpfail, client.execute(seqnoPersistence(0, 1)).status());
    EXPECT_EQ(ResponseStatus::Etmpfail, client.execute(observeSeqno(0, 1)).status());
    EXPECT_EQ(ResponseStatus::Etmpfail, client.execute(compactDb(0)).status());
    EXPECT_EQ(ResponseStatus::Success, client.execute({.opcode = ClientOpcode::Noop}).status());
    EXPECT_EQ(0, server.stop()) << server.log();
}

}  // namespace
}  // namespace eddy::test
