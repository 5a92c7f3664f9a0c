// Vbuckets over a socket: NOT_MY_VBUCKET, the vbucket commands, MutationSeqno, GET_LOCKED.

#include "server_fixture.h"

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::Feature;
using mcbp::ResponseStatus;

class VBucketTest : public ServerTest {
protected:
    Response setOn(uint16_t vbucket, const std::string& key, const std::string& value,
                   uint64_t cas = 0) {
        return client_->execute({.opcode = ClientOpcode::Set,
                                 .key = key,
                                 .value = value,
                                 .extras = storeExtras(0, 0),
                                 .cas = cas,
                                 .vbucket = vbucket});
    }
    Response getOn(uint16_t vbucket, const std::string& key,
                   ClientOpcode opcode = ClientOpcode::Get) {
        return client_->execute({.opcode = opcode, .key = key, .vbucket = vbucket});
    }
    Response setState(uint16_t vbucket, uint8_t state) {
        return client_->execute({.opcode = ClientOpcode::SetVbucket,
                                 .extras = std::string(1, static_cast<char>(state)),
                                 .vbucket = vbucket});
    }
};

TEST_P(VBucketTest, EveryVbucketStartsActive) {
    for (const uint16_t vbucket : {0, 1, 511, 1023}) {
        EXPECT_EQ(ResponseStatus::Success, setOn(vbucket, "k", "v").status()) << vbucket;
        const auto state =
            client_->execute({.opcode = ClientOpcode::GetVbucket, .vbucket = vbucket});
        ASSERT_EQ(ResponseStatus::Success, state.status());
        EXPECT_EQ(1u, mcbp::readUint32(state.value, 0));
    }
    EXPECT_EQ(ResponseStatus::NotMyVbucket, setOn(1024, "k", "v").status());
}

TEST_P(VBucketTest, KeysLiveInTheirVbucket) {
    ASSERT_EQ(ResponseStatus::Success, setOn(3, "shared", "three").status());
    ASSERT_EQ(ResponseStatus::Success, setOn(4, "shared", "four").status());
    EXPECT_EQ("three", getOn(3, "shared").value);
    EXPECT_EQ("four", getOn(4, "shared").value);
    EXPECT_EQ(ResponseStatus::KeyEnoent, getOn(5, "shared").status());
}

TEST_P(VBucketTest, StatesDecideWhoIsServed) {
    ASSERT_EQ(ResponseStatus::Success, setOn(7, "k", "v").status());
    ASSERT_EQ(ResponseStatus::Success, setState(7, 2).status());  // replica
    EXPECT_EQ(ResponseStatus::NotMyVbucket, getOn(7, "k").status());
    EXPECT_EQ(ResponseStatus::NotMyVbucket, setOn(7, "k", "w").status());
    const auto replica = getOn(7, "k", ClientOpcode::GetReplica);
    EXPECT_EQ(ResponseStatus::Success, replica.status());
    EXPECT_EQ("v", replica.value);
    EXPECT_EQ(ResponseStatus::NotMyVbucket, getOn(8, "k", ClientOpcode::GetReplica).status());

    ASSERT_EQ(ResponseStatus::Success, setState(7, 4).status());  // dead
    EXPECT_EQ(ResponseStatus::NotMyVbucket, getOn(7, "k").status());
    ASSERT_EQ(ResponseStatus::Success, setState(7, 1).status());  // active again
    EXPECT_EQ("v", getOn(7, "k").value);

    EXPECT_EQ(ResponseStatus::Einval, setState(7, 9).status());
    // The older four-byte form of the state is accepted too.
    std::string four_bytes;
    mcbp::appendUint32(four_bytes, 2);
    EXPECT_EQ(
        ResponseStatus::Success,
        client_->execute({.opcode = ClientOpcode::SetVbucket, .extras = four_bytes, .vbucket = 9})
            .status());
}

TEST_P(VBucketTest, DeletedVbucketsAreGoneUntilCreatedAgain) {
    ASSERT_EQ(ResponseStatus::Success, setOn(12, "k", "v").status());
    ASSERT_EQ(ResponseStatus::Success,
              client_->execute({.opcode = ClientOpcode::DelVbucket, .vbucket = 12}).status());
    EXPECT_EQ(ResponseStatus::NotMyVbucket, getOn(12, "k").status());
    EXPECT_EQ(ResponseStatus::NotMyVbucket,
              client_->execute({.opcode = ClientOpcode::GetVbucket, .vbucket = 12}).status());
    EXPECT_EQ(ResponseStatus::NotMyVbucket,
              client_->execute({.opcode = ClientOpcode::DelVbucket, .vbucket = 12}).status());
    ASSERT_EQ(ResponseStatus::Success, setState(12, 1).status());
    EXPECT_EQ(ResponseStatus::KeyEnoent, getOn(12, "k").status()) << "a new, empty vbucket";
}

TEST_P(VBucketTest, GetAllVbSeqnos) {
    ASSERT_EQ(ResponseStatus::Success, setOn(0, "a", "1").status());
    ASSERT_EQ(ResponseStatus::Success, setOn(0, "b", "2").status());
    ASSERT_EQ(ResponseStatus::Success, setOn(2, "a", "1").status());
    ASSERT_EQ(ResponseStatus::Success, setState(1, 2).status());
    const auto all = client_->execute({.opcode = ClientOpcode::GetAllVbSeqnos});
    ASSERT_EQ(ResponseStatus::Success, all.status());
    ASSERT_EQ(1024u * 10, all.value.size());
    EXPECT_EQ(0u, mcbp::readUint16(all.value, 0));
    EXPECT_EQ(2u, mcbp::readUint64(all.value, 2));
    EXPECT_EQ(2u, mcbp::readUint16(all.value, 20));
    EXPECT_EQ(1u, mcbp::readUint64(all.value, 22));

    std::string replica_filter;
    mcbp::appendUint32(replica_filter, 2);
    const auto replicas =
        client_->execute({.opcode = ClientOpcode::GetAllVbSeqnos, .extras = replica_filter});
    ASSERT_EQ(ResponseStatus::Success, replicas.status());
    ASSERT_EQ(10u, replicas.value.size());
    EXPECT_EQ(1u, mcbp::readUint16(replicas.value, 0));
}

TEST_P(VBucketTest, MutationSeqnoExtras) {
    // Without the feature, no extras.
    EXPECT_TRUE(setOn(6, "k", "v").extras.empty());
    client_->hello({Feature::MutationSeqno});
    const auto first = setOn(6, "k", "v2");
    ASSERT_EQ(16u, first.extras.size());
    const uint64_t uuid = mcbp::readUint64(first.extras, 0);
    EXPECT_NE(0u, uuid);
    EXPECT_EQ(2u, mcbp::readUint64(first.extras, 8));
    const auto removed =
        client_->execute({.opcode = ClientOpcode::Delete, .key = "k", .vbucket = 6});
    ASSERT_EQ(16u, removed.extras.size());
    EXPECT_EQ(uuid, mcbp::readUint64(removed.extras, 0));
    EXPECT_EQ(3u, mcbp::readUint64(removed.extras, 8));
    const auto counter = client_->execute({.opcode = ClientOpcode::Increment,
                                           .key = "n",
                                           .extras = arithmeticExtras(1, 5, 0),
                                           .vbucket = 6});
    ASSERT_EQ(16u, counter.extras.size());
    EXPECT_EQ(4u, mcbp::readUint64(counter.extras, 8));
    EXPECT_EQ(5u, mcbp::readUint64(counter.value, 0));
}

TEST_P(VBucketTest, GetLockedAndUnlock) {
    ASSERT_EQ(ResponseStatus::Success, setOn(0, "lk", "v").status());
    const auto locked = client_->execute(
        {.opcode = ClientOpcode::GetLocked, .key = "lk", .extras = uint32Extras(10)});
    ASSERT_EQ(ResponseStatus::Success, locked.status());
    EXPECT_EQ("v", locked.value);
    const uint64_t key_cas = locked.header.cas;

    EXPECT_EQ(ResponseStatus::Locked,
              client_->execute({.opcode = ClientOpcode::GetLocked, .key = "lk"}).status());
    EXPECT_EQ(ResponseStatus::Locked, setOn(0, "lk", "other").status());
    EXPECT_EQ(~uint64_t{0}, getOn(0, "lk").header.cas) << "readers do not see the lock's CAS";
    EXPECT_EQ(ResponseStatus::Locked,
              client_->execute({.opcode = ClientOpcode::UnlockKey, .key = "lk", .cas = key_cas + 1})
                  .status());
    EXPECT_EQ(ResponseStatus::Success,
              client_->execute({.opcode = ClientOpcode::UnlockKey, .key = "lk", .cas = key_cas})
                  .status());
    EXPECT_EQ(ResponseStatus::Etmpfail,
              client_->execute({.opcode = ClientOpcode::UnlockKey, .key = "lk", .cas = key_cas})
                  .status());
    EXPECT_EQ(ResponseStatus::Success, setOn(0, "lk", "free").status());
}

TEST_P(VBucketTest, PendingVbucketHoldsCommandsUntilItIsActive) {
    ASSERT_EQ(ResponseStatus::Success, setOn(20, "p", "v").status());
    ASSERT_EQ(ResponseStatus::Success, setState(20, 3).status());  // pending
    auto waiter = connect();
    waiter->send({.opcode = ClientOpcode::Get, .key = "p", .vbucket = 20});
    EXPECT_FALSE(waiter->receive(std::chrono::milliseconds(300))) << "answered while pending";

    // A client that gives up while its command waits leaves nothing behind.
    {
        auto quitter = connect();
        quitter->send({.opcode = ClientOpcode::Get, .key = "p", .vbucket = 20});
        EXPECT_FALSE(quitter->receive(std::chrono::milliseconds(100)));
    }

    ASSERT_EQ(ResponseStatus::Success, setState(20, 1).status());  // active
    auto answer = waiter->receive();
    ASSERT_TRUE(answer);
    EXPECT_EQ(ResponseStatus::Success, answer->status());
    EXPECT_EQ("v", answer->value);
    EXPECT_EQ("v", getOn(20, "p").value);
}

INSTANTIATE_TEST_SUITE_P(Engines, VBucketTest,
                         ::testing::Values(EngineMode::Plain, EngineMode::AlwaysAsync),
                         engineModeName);

}  // namespace
}  // namespace eddy::test
