// Key-value commands over a socket, plain and asynchronous.

#include "server_fixture.h"

#include <thread>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::ResponseStatus;

class KvTest : public ServerTest {};

TEST_P(KvTest, SetThenGetReturnsValueFlagsAndCas) {
    const auto stored = client_->set("alpha", "one", 0xcafe);
    ASSERT_EQ(ResponseStatus::Success, stored.status());
    EXPECT_NE(0u, stored.header.cas);
    const auto got = client_->get("alpha");
    ASSERT_EQ(ResponseStatus::Success, got.status());
    EXPECT_EQ("one", got.value);
    ASSERT_EQ(4u, got.extras.size());
    EXPECT_EQ(0xcafeu, mcbp::readUint32(got.extras, 0));
    EXPECT_EQ(stored.header.cas, got.header.cas);
    EXPECT_TRUE(got.key.empty());
}

TEST_P(KvTest, GetMissIsKeyEnoent) {
    EXPECT_EQ(ResponseStatus::KeyEnoent, client_->get("missing").status());
}

TEST_P(KvTest, ErrorsCarryTheClassicTextWithoutXerror) {
    // This client negotiated nothing: an error's body is the memcached protocol's message.
    const auto miss = client_->get("missing");
    EXPECT_EQ(ResponseStatus::KeyEnoent, miss.status());
    EXPECT_EQ("Not found", miss.value);
    ASSERT_EQ(ResponseStatus::Success, client_->set("there", "v").status());
    const auto exists = client_->execute(
        {.opcode = ClientOpcode::Add, .key = "there", .value = "x", .extras = storeExtras(0, 0)});
    EXPECT_EQ(ResponseStatus::KeyEexists, exists.status());
    EXPECT_EQ("Data exists for key.", exists.value);

    // With XERROR the body is the JSON context, or nothing when there is none.
    McbpClient xerror(server_->port(), McbpClient::NoLogin{});
    xerror.hello({mcbp::Feature::Xerror});
    xerror.authenticate(std::string(McbpClient::kUser), std::string(McbpClient::kPassword));
    xerror.selectBucket("default");
    const auto quiet_miss = xerror.get("missing");
    EXPECT_EQ(ResponseStatus::KeyEnoent, quiet_miss.status());
    EXPECT_TRUE(quiet_miss.value.empty());
}

TEST_P(KvTest, GetkReturnsKeyOnHitAndMiss) {
    ASSERT_EQ(ResponseStatus::Success, client_->set("k1", "v1").status());
    auto hit = client_->execute({.opcode = ClientOpcode::Getk, .key = "k1"});
    EXPECT_EQ(ResponseStatus::Success, hit.status());
    EXPECT_EQ("k1", hit.key);
    auto miss = client_->execute({.opcode = ClientOpcode::Getk, .key = "nope"});
    EXPECT_EQ(ResponseStatus::KeyEnoent, miss.status());
    EXPECT_EQ("nope", miss.key);
}

TEST_P(KvTest, QuietGetsAnswerOnlyHitsAndNoopFlushes) {
    ASSERT_EQ(ResponseStatus::Success, client_->set("present", "here").status());
    std::string batch;
    batch += client::encode({.opcode = ClientOpcode::Getq, .key = "absent", .opaque = 1});
    batch += client::encode({.opcode = ClientOpcode::Getkq, .key = "present", .opaque = 2});
    batch += client::encode({.opcode = ClientOpcode::Getkq, .key = "absent", .opaque = 3});
    batch += client::encode({.opcode = ClientOpcode::Noop, .opaque = 4});
    client_->sendRaw(batch);
    auto first = client_->receive();
    ASSERT_TRUE(first);
    EXPECT_EQ(2u, first->header.opaque);
    EXPECT_EQ("present", first->key);
    EXPECT_EQ("here", first->value);
    auto second = client_->receive();
    ASSERT_TRUE(second);
    EXPECT_EQ(4u, second->header.opaque);
    EXPECT_EQ(static_cast<uint8_t>(ClientOpcode::Noop), second->header.opcode);
}

TEST_P(KvTest, QuietMutationsAnswerOnlyErrors) {
    std::string batch;
    batch += client::encode({.opcode = ClientOpcode::Setq,
                             .key = "q",
                             .value = "1",
                             .extras = storeExtras(0, 0),
                             .opaque = 1});
    batch += client::encode({.opcode = ClientOpcode::Addq,
                             .key = "q",
                             .value = "2",
                             .extras = storeExtras(0, 0),
                             .opaque = 2});
    batch += client::encode({.opcode = ClientOpcode::Deleteq, .key = "q", .opaque = 3});
    batch += client::encode({.opcode = ClientOpcode::Deleteq, .key = "q", .opaque = 4});
    batch += client::encode({.opcode = ClientOpcode::Noop, .opaque = 5});
    client_->sendRaw(batch);
    auto add_failed = client_->receive();
    ASSERT_TRUE(add_failed);
    EXPECT_EQ(2u, add_failed->header.opaque);
    EXPECT_EQ(ResponseStatus::KeyEexists, add_failed->status());
    auto delete_missing = client_->receive();
    ASSERT_TRUE(delete_missing);
    EXPECT_EQ(4u, delete_missing->header.opaque);
    EXPECT_EQ(ResponseStatus::KeyEnoent, delete_missing->status());
    auto noop = client_->receive();
    ASSERT_TRUE(noop);
    EXPECT_EQ(5u, noop->header.opaque);
}

TEST_P(KvTest, AddReplaceSemantics) {
    const auto add = [&](const char* key) {
        return client_->execute(
            {.opcode = ClientOpcode::Add, .key = key, .value = "a", .extras = storeExtras(0, 0)});
    };
    const auto replace = [&](const char* key) {
        return client_->execute({.opcode = ClientOpcode::Replace,
                                 .key = key,
                                 .value = "r",
                                 .extras = storeExtras(0, 0)});
    };
    EXPECT_EQ(ResponseStatus::KeyEnoent, replace("x").status());
    EXPECT_EQ(ResponseStatus::Success, add("x").status());
    EXPECT_EQ(ResponseStatus::KeyEexists, add("x").status());
    EXPECT_EQ(ResponseStatus::Success, replace("x").status());
    EXPECT_EQ("r", client_->get("x").value);
}

TEST_P(KvTest, CasMismatchIsKeyEexists) {
    const auto first = client_->set("c", "1");
    ASSERT_EQ(ResponseStatus::Success, first.status());
    EXPECT_EQ(ResponseStatus::KeyEexists,
              client_->set("c", "2", 0, 0, first.header.cas + 1).status());
    const auto second = client_->set("c", "3", 0, 0, first.header.cas);
    EXPECT_EQ(ResponseStatus::Success, second.status());
    EXPECT_NE(first.header.cas, second.header.cas);
    EXPECT_EQ(ResponseStatus::KeyEnoent, client_->set("nokey", "v", 0, 0, 1234).status());
    EXPECT_EQ("3", client_->get("c").value);
}

TEST_P(KvTest, DeleteWithCas) {
    const auto stored = client_->set("d", "v");
    EXPECT_EQ(
        ResponseStatus::KeyEexists,
        client_->execute({.opcode = ClientOpcode::Delete, .key = "d", .cas = stored.header.cas + 1})
            .status());
    EXPECT_EQ(
        ResponseStatus::Success,
        client_->execute({.opcode = ClientOpcode::Delete, .key = "d", .cas = stored.header.cas})
            .status());
    EXPECT_EQ(ResponseStatus::KeyEnoent, client_->get("d").status());
    EXPECT_EQ(ResponseStatus::KeyEnoent,
              client_->execute({.opcode = ClientOpcode::Delete, .key = "d"}).status());
}

TEST_P(KvTest, IncrementAndDecrement) {
    auto arith = [&](ClientOpcode opcode, uint64_t delta, uint64_t initial, uint32_t exptime) {
        return client_->execute({.opcode = opcode,
                                 .key = "counter",
                                 .extras = arithmeticExtras(delta, initial, exptime)});
    };
    EXPECT_EQ(ResponseStatus::KeyEnoent, arith(ClientOpcode::Increment, 1, 0, 0xffffffff).status());
    auto created = arith(ClientOpcode::Increment, 5, 10, 0);
    ASSERT_EQ(ResponseStatus::Success, created.status());
    EXPECT_EQ(10u, mcbp::readUint64(created.value, 0));
    auto incremented = arith(ClientOpcode::Increment, 5, 10, 0);
    EXPECT_EQ(15u, mcbp::readUint64(incremented.value, 0));
    auto decremented = arith(ClientOpcode::Decrement, 100, 0, 0);
    EXPECT_EQ(0u, mcbp::readUint64(decremented.value, 0));
    EXPECT_EQ("0", client_->get("counter").value);
    ASSERT_EQ(ResponseStatus::Success, client_->set("counter", "not a number").status());
    EXPECT_EQ(ResponseStatus::DeltaBadval, arith(ClientOpcode::Increment, 1, 0, 0).status());
    ASSERT_EQ(ResponseStatus::Success, client_->set("counter", "18446744073709551615").status());
    EXPECT_EQ(0u, mcbp::readUint64(arith(ClientOpcode::Increment, 1, 0, 0).value, 0));
}

TEST_P(KvTest, AppendAndPrepend) {
    auto op = [&](ClientOpcode opcode, const char* value) {
        return client_->execute({.opcode = opcode, .key = "ap", .value = value});
    };
    EXPECT_EQ(ResponseStatus::NotStored, op(ClientOpcode::Append, "x").status());
    ASSERT_EQ(ResponseStatus::Success, client_->set("ap", "mid", 7).status());
    EXPECT_EQ(ResponseStatus::Success, op(ClientOpcode::Append, "-end").status());
    EXPECT_EQ(ResponseStatus::Success, op(ClientOpcode::Prepend, "start-").status());
    const auto got = client_->get("ap");
    EXPECT_EQ("start-mid-end", got.value);
    EXPECT_EQ(7u, mcbp::readUint32(got.extras, 0));
}

TEST_P(KvTest, TouchGatAndExpiry) {
    ASSERT_EQ(ResponseStatus::Success, client_->set("t", "v", 3, 1).status());
    // Extend the one-second expiry before it passes, then check the item outlives it.
    const auto touched =
        client_->execute({.opcode = ClientOpcode::Touch, .key = "t", .extras = uint32Extras(100)});
    EXPECT_EQ(ResponseStatus::Success, touched.status());
    EXPECT_TRUE(touched.value.empty());
    const auto gat =
        client_->execute({.opcode = ClientOpcode::Gat, .key = "t", .extras = uint32Extras(1)});
    EXPECT_EQ(ResponseStatus::Success, gat.status());
    EXPECT_EQ("v", gat.value);
    EXPECT_EQ(3u, mcbp::readUint32(gat.extras, 0));
    EXPECT_EQ(
        ResponseStatus::KeyEnoent,
        client_->execute({.opcode = ClientOpcode::Touch, .key = "none", .extras = uint32Extras(1)})
            .status());
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    EXPECT_EQ(ResponseStatus::KeyEnoent, client_->get("t").status());
}

TEST_P(KvTest, FlushRemovesEverything) {
    for (int i = 0; i < 20; ++i) {
        ASSERT_EQ(ResponseStatus::Success, client_->set("f" + std::to_string(i), "v").status());
    }
    EXPECT_EQ(ResponseStatus::Success, client_->execute({.opcode = ClientOpcode::Flush}).status());
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(ResponseStatus::KeyEnoent, client_->get("f" + std::to_string(i)).status());
    }
    EXPECT_EQ(
        ResponseStatus::NotSupported,
        client_->execute({.opcode = ClientOpcode::Flush, .extras = uint32Extras(10)}).status());
}

TEST_P(KvTest, PipelinedRequestsAnswerInOrder) {
    std::string batch;
    for (uint32_t i = 0; i < 200; ++i) {
        const std::string key = "p" + std::to_string((i / 2) % 50);
        if (i % 2 == 0) {
            batch += client::encode({.opcode = ClientOpcode::Set,
                                     .key = key,
                                     .value = std::to_string(i),
                                     .extras = storeExtras(0, 0),
                                     .opaque = i});
        } else {
            batch += client::encode({.opcode = ClientOpcode::Get, .key = key, .opaque = i});
        }
    }
    client_->sendRaw(batch);
    for (uint32_t i = 0; i < 200; ++i) {
        auto response = client_->receive();
        ASSERT_TRUE(response) << "response " << i;
        EXPECT_EQ(i, response->header.opaque);
        EXPECT_EQ(ResponseStatus::Success, response->status());
        if (i % 2 == 1) {
            EXPECT_EQ(std::to_string(i - 1), response->value);
        }
    }
}

TEST_P(KvTest, LargeValueRoundTrip) {
    std::string value(3 * 1024 * 1024, 'x');
    for (size_t i = 0; i < value.size(); i += 4096) {
        value[i] = static_cast<char>('a' + (i / 4096) % 26);
    }
    ASSERT_EQ(ResponseStatus::Success, client_->set("big", value).status());
    EXPECT_EQ(value, client_->get("big").value);
}

TEST_P(KvTest, StatDefaultGroupIsTerminated) {
    ASSERT_EQ(ResponseStatus::Success, client_->set("s", "v").status());
    client_->send({.opcode = ClientOpcode::Stat});
    std::map<std::string, std::string> stats;
    while (true) {
        auto response = client_->receive();
        ASSERT_TRUE(response);
        ASSERT_EQ(ResponseStatus::Success, response->status());
        if (response->key.empty()) {
            break;
        }
        stats[response->key] = response->value;
    }
    EXPECT_EQ("1", stats["curr_items"]);
    EXPECT_EQ("1", stats["cmd_set"]);
    EXPECT_EQ("2", stats["threads"]);
    EXPECT_TRUE(stats.count("pid"));
    EXPECT_TRUE(stats.count("uptime"));
    EXPECT_EQ("1", stats["curr_connections"]);
    EXPECT_EQ(ResponseStatus::KeyEnoent,
              client_->execute({.opcode = ClientOpcode::Stat, .key = "nosuchgroup"}).status());
}

TEST_P(KvTest, ConcurrentClientsSeeTheirOwnWrites) {
    constexpr int kClients = 8;
    constexpr int kOps = 200;
    std::vector<std::thread> threads;
    threads.reserve(kClients);
    std::atomic<int> failures{0};
    for (int c = 0; c < kClients; ++c) {
        threads.emplace_back([&, c] {
            McbpClient client(server_->port());
            for (int i = 0; i < kOps; ++i) {
                const std::string key = "c" + std::to_string(c) + "-" + std::to_string(i % 10);
                const std::string value = std::to_string(i);
                if (client.set(key, value).status() != ResponseStatus::Success ||
                    client.get(key).value != value) {
                    failures.fetch_add(1);
                }
            }
            auto counter = client.execute({.opcode = ClientOpcode::Increment,
                                           .key = "shared",
                                           .extras = arithmeticExtras(1, 1, 0)});
            if (counter.status() != ResponseStatus::Success) {
                failures.fetch_add(1);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(0, failures.load());
    EXPECT_EQ(std::to_string(kClients), client_->get("shared").value);
}

TEST_P(KvTest, GetMetaOfLiveDeletedAndAbsentDocuments) {
    const auto stored = client_->set("meta", "value", 0xbeef);
    ASSERT_EQ(ResponseStatus::Success, stored.status());
    // Format 2: the datatype follows the revision.
    const Request v2{
        .opcode = ClientOpcode::GetMeta, .key = "meta", .extras = std::string(1, '\x02')};
    auto live = client_->execute(v2);
    ASSERT_EQ(ResponseStatus::Success, live.status());
    ASSERT_EQ(21U, live.extras.size());
    EXPECT_EQ(0U, mcbp::readUint32(live.extras, 0));  // not deleted
    EXPECT_EQ(0xbeefU, mcbp::readUint32(live.extras, 4));
    EXPECT_EQ(0U, mcbp::readUint32(live.extras, 8));  // no expiry
    EXPECT_EQ(1U, mcbp::readUint64(live.extras, 12));
    EXPECT_EQ(stored.header.cas, live.header.cas);
    EXPECT_TRUE(live.value.empty());
    // Format 1 (no extras): 20 bytes.
    EXPECT_EQ(20U,
              client_->execute({.opcode = ClientOpcode::GetMeta, .key = "meta"}).extras.size());

    // The tombstone is in memory until its deletion reaches disk (then memory lets it go and
    // GET_META answers KEY_ENOENT: see docs/architecture.md), so the flusher waits meanwhile.
    ASSERT_EQ(ResponseStatus::Success,
              client_->execute({.opcode = ClientOpcode::StopPersistence}).status());
    const auto removed = client_->execute({.opcode = ClientOpcode::Delete, .key = "meta"});
    ASSERT_EQ(ResponseStatus::Success, removed.status());
    auto deleted = client_->execute(v2);
    ASSERT_EQ(ResponseStatus::Success, deleted.status());
    EXPECT_EQ(1U, mcbp::readUint32(deleted.extras, 0));
    EXPECT_EQ(2U, mcbp::readUint64(deleted.extras, 12));
    ASSERT_EQ(ResponseStatus::Success,
              client_->execute({.opcode = ClientOpcode::StartPersistence}).status());

    EXPECT_EQ(ResponseStatus::KeyEnoent,
              client_->execute({.opcode = ClientOpcode::GetMeta, .key = "never"}).status());
    // GETQ_META says nothing about a key that never existed.
    std::string batch;
    batch += client::encode({.opcode = ClientOpcode::GetqMeta, .key = "never", .opaque = 1});
    batch += client::encode({.opcode = ClientOpcode::Noop, .opaque = 2});
    client_->sendRaw(batch);
    const auto next = client_->receive();
    ASSERT_TRUE(next);
    EXPECT_EQ(2U, next->header.opaque);
}

INSTANTIATE_TEST_SUITE_P(Engines, KvTest,
                         ::testing::Values(EngineMode::Plain, EngineMode::AlwaysAsync),
                         engineModeName);

}  // namespace
}  // namespace eddy::test
