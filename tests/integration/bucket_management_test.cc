// eddy tests — several buckets: CREATE_BUCKET, DELETE_BUCKET, LIST_BUCKETS, SELECT_BUCKET over
// sockets, isolation between buckets and users, the saved bucket list, and creating and
// deleting buckets while another bucket serves writes.
#include "protocol/encode.h"
#include "protocol/opcode.h"
#include "security/password_database.h"
#include "security/rbac_database.h"
#include "support/eddyd_process.h"
#include "support/mcbp_client.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

namespace eddy::test {
namespace {

using mcbp::ClientOpcode;
using mcbp::Feature;
using mcbp::ResponseStatus;

std::string contextOf(const Response& response) {
    const auto body = nlohmann::json::parse(response.value, nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"].value("context", "")
                                                      : std::string();
}

class BucketManagementTest : public ::testing::Test {
protected:
    void SetUp() override {
        data_dir_ = std::filesystem::temp_directory_path() /
                    ("eddy-buckets-" + std::to_string(::getpid()) + "-" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(data_dir_);
        start();
    }
    void TearDown() override {
        admin_.reset();
        if (server_) {
            EXPECT_EQ(0, server_->stop()) << server_->log();
        }
        std::filesystem::remove_all(data_dir_);
    }

    void start() {
        server_ =
            std::make_unique<EddydProcess>(EddydProcess::Options{.data_dir = data_dir_.string()});
        // The administrator selects no bucket: the bucket management commands need none.
        admin_ = std::make_unique<McbpClient>(server_->port(), McbpClient::NoLogin{});
        admin_->hello({Feature::Xerror, Feature::Json});
        admin_->authenticate(std::string(McbpClient::kUser), std::string(McbpClient::kPassword));
    }

    void restart() {
        admin_.reset();
        ASSERT_EQ(0, server_->stop()) << server_->log();
        start();
    }

    Response create(const std::string& name, const std::string& config) {
        return admin_->execute({.opcode = ClientOpcode::CreateBucket,
                                .key = name,
                                .value = std::string("ep\0", 3) + config});
    }

    Response remove(const std::string& name, const std::string& options = {}) {
        return admin_->execute(
            {.opcode = ClientOpcode::DeleteBucket, .key = name, .value = options});
    }

    std::string list(McbpClient& client) {
        return client.execute({.opcode = ClientOpcode::ListBuckets}).value;
    }

    /// A client logged in as the administrator with `bucket` selected, warmed up.
    std::unique_ptr<McbpClient> clientOf(const std::string& bucket) {
        auto client = std::make_unique<McbpClient>(server_->port(), McbpClient::NoLogin{});
        client->hello({Feature::Xerror, Feature::Json});
        client->authenticate(std::string(McbpClient::kUser), std::string(McbpClient::kPassword));
        client->selectBucket(bucket);
        EXPECT_TRUE(waitForWarmup(*client));
        return client;
    }

    std::filesystem::path data_dir_;
    std::unique_ptr<EddydProcess> server_;
    std::unique_ptr<McbpClient> admin_;
};

TEST_F(BucketManagementTest, CreatedBucketsAreSeparateStores) {
    ASSERT_EQ(ResponseStatus::Success, create("orders", "bucket_type=ephemeral").status());
    EXPECT_EQ("default orders", list(*admin_));
    auto orders = clientOf("orders");
    auto defaults = clientOf("default");
    EXPECT_EQ(ResponseStatus::Success, orders->set("k", "in orders").status());
    EXPECT_EQ(ResponseStatus::KeyEnoent, defaults->get("k").status());
    EXPECT_EQ(ResponseStatus::Success, defaults->set("k", "in default").status());
    EXPECT_EQ("in orders", orders->get("k").value);
    EXPECT_EQ("ephemeral", orders->stats("config")["ep_bucket_type"]);
    EXPECT_EQ("1", orders->stats()["curr_items"]);
}

TEST_F(BucketManagementTest, BadRequestsSayWhy) {
    auto bad_name = create("no/slash", "");
    EXPECT_EQ(ResponseStatus::Einval, bad_name.status());
    EXPECT_NE(std::string::npos, contextOf(bad_name).find("invalid characters"));
    EXPECT_EQ(ResponseStatus::Einval, create(std::string(101, 'x'), "").status());
    auto bad_config = create("b", "max_vbuckets=0");
    EXPECT_EQ(ResponseStatus::Einval, bad_config.status());
    EXPECT_NE(std::string::npos, contextOf(bad_config).find("max_vbuckets"));
    auto bad_type = admin_->execute({.opcode = ClientOpcode::CreateBucket,
                                     .key = "b",
                                     .value = std::string("memcached\0", 10)});
    EXPECT_EQ(ResponseStatus::Einval, bad_type.status());
    EXPECT_EQ(ResponseStatus::KeyEexists, create("default", "").status());
    EXPECT_EQ(ResponseStatus::KeyEnoent, remove("nope").status());
    EXPECT_EQ(ResponseStatus::Einval, remove("default", R"({"force": 1})").status());
    EXPECT_EQ("default", list(*admin_));
}

TEST_F(BucketManagementTest, DeletingClosesTheBucketsConnectionsAndItsFiles) {
    ASSERT_EQ(ResponseStatus::Success, create("temp", "").status());
    auto user = clientOf("temp");
    ASSERT_EQ(ResponseStatus::Success, user->set("k", "v").status());
    auto bystander = clientOf("default");
    ASSERT_EQ(ResponseStatus::Success, remove("temp").status());
    EXPECT_TRUE(user->closedByServer());
    EXPECT_EQ(ResponseStatus::Success, bystander->set("still", "here").status());
    EXPECT_EQ("default", list(*admin_));
    EXPECT_FALSE(std::filesystem::exists(data_dir_ / "temp"));
    EXPECT_EQ(ResponseStatus::KeyEnoent,
              admin_->execute({.opcode = ClientOpcode::SelectBucket, .key = "temp"}).status());
}

TEST_F(BucketManagementTest, KeepDataLeavesTheFiles) {
    ASSERT_EQ(ResponseStatus::Success, create("kept", "").status());
    ASSERT_EQ(ResponseStatus::Success, remove("kept", R"({"keep_data": true})").status());
    EXPECT_TRUE(std::filesystem::exists(data_dir_ / "kept"));
}

/// keep_data persists what the bucket still has queued before the files are left; force drops
/// it (the kept files warm up as after a crash).
TEST_F(BucketManagementTest, KeepDataPersistsWhatIsQueuedUnlessForced) {
    for (const bool force : {false, true}) {
        const std::string name = force ? "forced" : "kept";
        ASSERT_EQ(ResponseStatus::Success, create(name, "").status());
        {
            auto client = clientOf(name);
            ASSERT_EQ(ResponseStatus::Success,
                      client->execute({.opcode = ClientOpcode::StopPersistence}).status());
            ASSERT_EQ(ResponseStatus::Success, client->set("queued", "not on disk yet").status());
        }
        const std::string options =
            force ? R"({"keep_data": true, "force": true})" : R"({"keep_data": true})";
        ASSERT_EQ(ResponseStatus::Success, remove(name, options).status());
        // The kept files become the bucket again.
        ASSERT_EQ(ResponseStatus::Success, create(name, "").status());
        auto client = clientOf(name);
        EXPECT_EQ(force ? ResponseStatus::KeyEnoent : ResponseStatus::Success,
                  client->get("queued").status())
            << name;
    }
}

TEST_F(BucketManagementTest, TheBucketListSurvivesARestart) {
    ASSERT_EQ(ResponseStatus::Success, create("durable", "max_size=67108864").status());
    {
        auto client = clientOf("durable");
        ASSERT_EQ(ResponseStatus::Success, client->set("k", "persisted").status());
    }
    ASSERT_EQ(ResponseStatus::Success, remove("default").status());
    restart();
    EXPECT_EQ("durable", list(*admin_));
    auto client = clientOf("durable");
    EXPECT_EQ("persisted", client->get("k").value);
    EXPECT_EQ("67108864", client->stats("config")["ep_max_size"]);
}

TEST_F(BucketManagementTest, UsersSeeOnlyTheirBuckets) {
    ASSERT_EQ(ResponseStatus::Success, create("a", "").status());
    ASSERT_EQ(ResponseStatus::Success, create("b", "").status());
    const std::string users = (data_dir_ / "users.json").string();
    const std::string roles = (data_dir_ / "rbac.json").string();
    auto passwords = security::PasswordDatabase::load(users);
    passwords.upsert(security::makeUser("alice", "pw", 1000));
    passwords.save(users);
    auto rbac = security::RbacDatabase::load(roles);
    security::RbacUser alice;
    alice.buckets["a"] = PrivilegeSet::allOfLevel(true);
    rbac.upsert("alice", alice);
    rbac.save(roles);
    ASSERT_EQ(ResponseStatus::Success,
              admin_->execute({.opcode = ClientOpcode::IsaslRefresh}).status());
    ASSERT_EQ(ResponseStatus::Success,
              admin_->execute({.opcode = ClientOpcode::RbacRefresh}).status());
    clientOf("b")->set("secret", "of b");

    McbpClient client(server_->port(), McbpClient::NoLogin{});
    client.authenticate("alice", "pw");
    EXPECT_EQ("a", list(client));
    EXPECT_EQ(ResponseStatus::Eaccess,
              client.execute({.opcode = ClientOpcode::SelectBucket, .key = "b"}).status());
    client.selectBucket("a");
    EXPECT_EQ(ResponseStatus::KeyEnoent, client.get("secret").status());
    EXPECT_EQ("0", client.stats()["curr_items"]);
    // What DCP would stream: bucket a has no change at all, b has one.
    const auto seqnos = [](McbpClient& connection) {
        const auto response = connection.execute({.opcode = ClientOpcode::GetAllVbSeqnos});
        uint64_t sum = 0;
        for (size_t offset = 0; offset + 10 <= response.value.size(); offset += 10) {
            sum += mcbp::readUint64(response.value, offset + 2);
        }
        return sum;
    };
    EXPECT_EQ(0U, seqnos(client));
    EXPECT_EQ(1U, seqnos(*clientOf("b")));
}

TEST_F(BucketManagementTest, CreatingAndDeletingUnderLoadLosesNothingElsewhere) {
    std::atomic<bool> stop{false};
    std::atomic<int> written{0};
    std::atomic<int> failures{0};
    std::thread writer([&] {
        McbpClient client(server_->port());
        for (int i = 0; !stop.load() && i < 100000; ++i) {
            if (client.set("load" + std::to_string(i), std::to_string(i)).status() !=
                ResponseStatus::Success) {
                failures.fetch_add(1);
            }
            written.store(i + 1);
        }
    });
    for (int round = 0; round < 6; ++round) {
        const std::string name = "churn" + std::to_string(round);
        ASSERT_EQ(ResponseStatus::Success,
                  create(name, round % 2 == 0 ? "bucket_type=ephemeral" : "").status());
        auto user = clientOf(name);
        EXPECT_EQ(ResponseStatus::Success, user->set("k", "v").status());
        ASSERT_EQ(ResponseStatus::Success, remove(name).status());
        EXPECT_TRUE(user->closedByServer());
    }
    stop.store(true);
    writer.join();
    EXPECT_EQ(0, failures.load());
    McbpClient check(server_->port());
    for (int i = 0; i < written.load(); i += 97) {
        EXPECT_EQ(std::to_string(i), check.get("load" + std::to_string(i)).value) << i;
    }
    EXPECT_EQ("default", list(*admin_));
}

}  // namespace
}  // namespace eddy::test
