// The bucket parameters a VBucket reads at every use (max_item_size, max_ttl, bfilter_enabled):
// each test changes one on a live Configuration, as SET_PARAM does, and checks that the next
// operation behaves accordingly.
#include "engine/vbucket/vbucket.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

namespace eddy::engine {
namespace {

using config::Param;

constexpr uint32_t kStart = 1'700'000'000;

class VBucketParametersTest : public ::testing::Test {
protected:
    std::unique_ptr<VBucket> make(bool full_eviction = false) {
        VBucketConfig config;
        config.parameters = &parameters_;
        config.full_eviction = full_eviction;
        return std::make_unique<VBucket>(Vbid(0), VBucketState::Active, config, clock_,
                                         [this] { return now_; });
    }

    static VBucketResult set(VBucket& vbucket, std::string_view key, std::string_view value,
                             uint32_t exptime = 0, StoreSemantics semantics = StoreSemantics::Set) {
        StoreRequest request;
        request.key = DocKey(key);
        request.value = value;
        request.exptime = exptime;
        request.semantics = semantics;
        MutationInfo info;
        return vbucket.store(request, info);
    }

    static uint32_t expiryOf(VBucket& vbucket, std::string_view key) {
        Document document;
        EXPECT_EQ(Status::Success, vbucket.get(key, document)) << key;
        return document.expiry;
    }

    uint32_t now_ = kStart;
    config::Configuration parameters_;
    HybridLogicalClock clock_;
};

TEST_F(VBucketParametersTest, MaxItemSizeIsReadAtEveryWrite) {
    auto vbucket = make();
    ASSERT_TRUE(parameters_.set<Param::MaxItemSize>(1024).ok());
    EXPECT_EQ(Status::Success, set(*vbucket, "k", std::string(1024, 'v')));
    EXPECT_EQ(Status::TooBig, set(*vbucket, "k", std::string(1025, 'v')));
    EXPECT_EQ(Status::TooBig, set(*vbucket, "k", "x", 0, StoreSemantics::Append));

    // Raised at run time: the same vbucket accepts what it refused.
    ASSERT_TRUE(parameters_.set<Param::MaxItemSize>(2048).ok());
    EXPECT_EQ(Status::Success, set(*vbucket, "k", std::string(1025, 'v')));
    EXPECT_EQ(Status::Success, set(*vbucket, "k", "x", 0, StoreSemantics::Append));

    // Lowered: refused again.
    ASSERT_TRUE(parameters_.set<Param::MaxItemSize>(1024).ok());
    EXPECT_EQ(Status::TooBig, set(*vbucket, "k", std::string(1025, 'v')));
}

TEST_F(VBucketParametersTest, MaxTtlBoundsTheExpiryOfEveryWrite) {
    auto vbucket = make();
    ASSERT_EQ(Status::Success, set(*vbucket, "written-before", "v"));
    EXPECT_EQ(0u, expiryOf(*vbucket, "written-before")) << "max_ttl=0 bounds nothing";

    ASSERT_TRUE(parameters_.set<Param::MaxTtl>(100).ok());
    ASSERT_EQ(Status::Success, set(*vbucket, "no-expiry", "v", 0));
    EXPECT_EQ(kStart + 100, expiryOf(*vbucket, "no-expiry"));
    ASSERT_EQ(Status::Success, set(*vbucket, "sooner", "v", 50));
    EXPECT_EQ(kStart + 50, expiryOf(*vbucket, "sooner")) << "an earlier expiry is kept";
    ASSERT_EQ(Status::Success, set(*vbucket, "later", "v", 1000));
    EXPECT_EQ(kStart + 100, expiryOf(*vbucket, "later"));
    ASSERT_EQ(Status::Success, set(*vbucket, "absolute", "v", kStart + 5000));
    EXPECT_EQ(kStart + 100, expiryOf(*vbucket, "absolute"));

    // TOUCH / GAT.
    Document touched;
    MutationInfo info;
    ASSERT_EQ(Status::Success, vbucket->getAndTouch("sooner", 0, touched, info));
    EXPECT_EQ(kStart + 100, touched.expiry);
    EXPECT_EQ(kStart + 100, expiryOf(*vbucket, "sooner"));

    // A counter created by INCREMENT.
    ArithmeticRequest increment;
    increment.key = DocKey("counter");
    increment.initial = 1;
    uint64_t value = 0;
    bool created = false;
    ASSERT_EQ(Status::Success, vbucket->arithmetic(increment, value, info, created));
    EXPECT_TRUE(created);
    EXPECT_EQ(kStart + 100, expiryOf(*vbucket, "counter"));

    // APPEND to a document written before the bound existed is a write too.
    ASSERT_EQ(Status::Success, set(*vbucket, "written-before", "!", 0, StoreSemantics::Append));
    EXPECT_EQ(kStart + 100, expiryOf(*vbucket, "written-before"));

    // The bound counts from each write, and the document really expires there.
    now_ += 10;
    ASSERT_EQ(Status::Success, set(*vbucket, "written-later", "v"));
    EXPECT_EQ(kStart + 110, expiryOf(*vbucket, "written-later"));
    now_ = kStart + 110;
    Document gone;
    EXPECT_EQ(Status::KeyNotFound, vbucket->get("written-later", gone));

    // Back to 0: later writes are unbounded again.
    ASSERT_TRUE(parameters_.set<Param::MaxTtl>(0).ok());
    ASSERT_EQ(Status::Success, set(*vbucket, "free", "v"));
    EXPECT_EQ(0u, expiryOf(*vbucket, "free"));
}

TEST_F(VBucketParametersTest, BfilterEnabledDecidesWhetherAnAbsentKeyNeedsADiskRead) {
    auto vbucket = make(/*full_eviction=*/true);
    ASSERT_EQ(Status::Success, set(*vbucket, "stored", "v"));
    vbucket->markPersisted("stored", static_cast<int64_t>(vbucket->highSeqno()));

    // The filter knows every key on disk: one never written needs no disk read.
    EXPECT_FALSE(vbucket->needsFetch("never-written"));
    Document document;
    EXPECT_EQ(Status::KeyNotFound, vbucket->get("never-written", document));

    ASSERT_TRUE(parameters_.set<Param::BfilterEnabled>(false).ok());
    EXPECT_TRUE(vbucket->needsFetch("never-written"))
        << "without the filter every key not in memory is looked up on disk";
    EXPECT_TRUE(vbucket->get("never-written", document).needsBgFetch());

    // The filter is kept up to date while off. A new key's SET needs that disk read too; the
    // fetch finds nothing, then the SET goes ahead and the flusher persists it.
    EXPECT_TRUE(set(*vbucket, "stored-while-off", "v").needsBgFetch());
    ASSERT_TRUE(vbucket->restoreFetched("stored-while-off", nullptr, false, vbucket->fetchEpoch()));
    ASSERT_EQ(Status::Success, set(*vbucket, "stored-while-off", "v"));
    vbucket->markPersisted("stored-while-off", static_cast<int64_t>(vbucket->highSeqno()));
    ASSERT_TRUE(parameters_.set<Param::BfilterEnabled>(true).ok());
    EXPECT_FALSE(vbucket->needsFetch("never-written"));
    EXPECT_EQ(Status::KeyNotFound, vbucket->get("never-written", document));
}

}  // namespace
}  // namespace eddy::engine
