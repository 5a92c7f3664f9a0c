// The DCP stream filter's JSON: what it accepts, and the error kind and message of what not.
#include "collections/stream_filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace eddy::collections {
namespace {

using Error = StreamFilterResult::Error;

TEST(StreamFilterTest, ListsCollectionsSortedWithAnOptionalUid) {
    const StreamFilterResult result =
        parseStreamFilter(R"({"collections":["a","8","FF"],"uid":"2"})");
    ASSERT_EQ(Error::None, result.error) << result.message;
    EXPECT_EQ((std::vector<CollectionId>{0x8, 0xa, 0xff}), result.filter.collections);
}

TEST(StreamFilterTest, AUidAloneStreamsEverything) {
    const StreamFilterResult result = parseStreamFilter(R"({"uid":"1f"})");
    ASSERT_EQ(Error::None, result.error) << result.message;
    EXPECT_FALSE(result.filter.collections);
}

TEST(StreamFilterTest, RefusesMalformedFilters) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "not a JSON object"},
        {"[]", "not a JSON object"},
        {"{}", "names nothing"},
        {R"({"collections":"8"})", "1 to 1000"},
        {R"({"collections":[]})", "1 to 1000"},
        {R"({"collections":[8]})", "not a collection id"},
        {R"({"collections":["0x8"]})", "not a collection id"},
        {R"({"collections":["123456789"]})", "not a collection id"},
        {R"({"collections":["8","08"]})", "twice"},
        {R"({"uid":"zz"})", "\"uid\""},
        {R"({"colections":["8"]})", "Unknown stream filter key \"colections\""},
    };
    for (const auto& [json, mention] : cases) {
        const StreamFilterResult result = parseStreamFilter(json);
        EXPECT_EQ(Error::Invalid, result.error) << json;
        EXPECT_NE(std::string::npos, result.message.find(mention))
            << json << ": " << result.message;
    }
    std::string many = R"({"collections":[)";
    for (int i = 0; i <= 1000; ++i) {
        many += (i == 0 ? "\"" : ",\"") + std::to_string(8 + i) + "\"";
    }
    many += "]}";
    EXPECT_EQ(Error::Invalid, parseStreamFilter(many).error);
}

TEST(StreamFilterTest, WhatIsNotImplementedIsNotSupportedRatherThanIgnored) {
    for (const char* json :
         {R"({"scope":"8"})", R"({"collections":["8"],"sid":3})", R"({"purge_seqno":"0"})"}) {
        const StreamFilterResult result = parseStreamFilter(json);
        EXPECT_EQ(Error::NotSupported, result.error) << json;
        EXPECT_FALSE(result.message.empty());
    }
    EXPECT_NE(std::string::npos,
              parseStreamFilter(R"({"scope":"8"})").message.find("list the scope's collections"));
}

}  // namespace
}  // namespace eddy::collections
