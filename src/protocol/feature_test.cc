#include "protocol/feature.h"

#include <gtest/gtest.h>

namespace eddy::mcbp {
namespace {

TEST(FeatureTest, Names) {
    EXPECT_EQ("TCP nodelay", featureName(static_cast<uint16_t>(Feature::TcpNoDelay)));
    EXPECT_EQ("XERROR", featureName(static_cast<uint16_t>(Feature::Xerror)));
    EXPECT_EQ("JSON", featureName(static_cast<uint16_t>(Feature::Json)));
    EXPECT_EQ("Alt request support",
              featureName(static_cast<uint16_t>(Feature::AltRequestSupport)));
    EXPECT_EQ("unknown", featureName(0x00));
    EXPECT_EQ("unknown", featureName(0x27));
    EXPECT_EQ("unknown", featureName(0xffff));
}

TEST(FeatureTest, EveryEnumeratedFeatureHasAName) {
    for (Feature feature :
         {Feature::Tls, Feature::TcpNoDelay, Feature::MutationSeqno, Feature::TcpDelay,
          Feature::Xattr, Feature::Xerror, Feature::SelectBucket, Feature::Snappy, Feature::Json,
          Feature::Duplex, Feature::ClustermapChangeNotification, Feature::UnorderedExecution,
          Feature::Tracing, Feature::AltRequestSupport, Feature::SyncReplication,
          Feature::Collections, Feature::PreserveTtl}) {
        EXPECT_NE("unknown", featureName(static_cast<uint16_t>(feature)));
    }
}

TEST(FeatureTest, FeatureSet) {
    FeatureSet features;
    EXPECT_FALSE(features.has(Feature::Json));
    features.enable(Feature::Json);
    features.enable(Feature::Xerror);
    EXPECT_TRUE(features.has(Feature::Json));
    EXPECT_TRUE(features.has(Feature::Xerror));
    EXPECT_FALSE(features.has(Feature::Snappy));
    features.clear();
    EXPECT_FALSE(features.has(Feature::Json));
}

}  // namespace
}  // namespace eddy::mcbp
