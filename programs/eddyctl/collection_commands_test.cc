// eddyctl collection: the command line, the manifest edits (ids, uids, scopes made on demand)
// and the list text.
#include "collection_commands.h"

#include "tool_common.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace eddy::tools::ctl {
namespace {

using collections::Manifest;

CollectionCommand parse(const std::vector<std::string>& words) {
    return parseCollectionCommand(words);
}

TEST(CollectionCommandTest, CommandLine) {
    const auto list = parse({"list"});
    EXPECT_EQ(CollectionCommand::Kind::List, list.kind);
    EXPECT_EQ("default", list.bucket);
    const auto create = parse({"create", "s.c", "--bucket", "b"});
    EXPECT_EQ(CollectionCommand::Kind::Create, create.kind);
    EXPECT_EQ("s", create.scope);
    EXPECT_EQ("c", create.collection);
    EXPECT_EQ("b", create.bucket);
    const auto drop = parse({"drop", "s.c"});
    EXPECT_EQ(CollectionCommand::Kind::Drop, drop.kind);

    for (const auto& words :
         std::vector<std::vector<std::string>>{{},
                                               {"rename", "s.c"},
                                               {"create"},
                                               {"create", "s"},
                                               {"create", ".c"},
                                               {"create", "s."},
                                               {"create", "s.c.d"},
                                               {"create", "s.c", "t.d"},
                                               {"create", "s.c", "--max-ttl", "x"},
                                               {"create", "s.c", "--max-ttl"},
                                               {"drop", "s.c", "--max-ttl", "5"},
                                               {"list", "s.c"},
                                               {"create", "s.c", "--force"}}) {
        EXPECT_THROW(parse(words), UsageError) << testing::PrintToString(words);
    }
}

TEST(CollectionCommandTest, CreateMakesTheScopeAndGivesIdsThatGrowWithTheUid) {
    const Manifest start;
    const Manifest first = withCollection(start, parse({"create", "s.c1"}));
    EXPECT_EQ(1U, first.uid());
    const auto id = first.lookupCollection("s.c1");
    ASSERT_EQ(collections::Lookup::Result::Found, id.result);
    EXPECT_EQ(8U, id.collection);
    EXPECT_EQ(8U, id.scope);

    const Manifest second = withCollection(first, parse({"create", "s.c2"}));
    EXPECT_EQ(2U, second.uid());
    const auto c2 = second.lookupCollection("s.c2");
    EXPECT_EQ(9U, c2.collection);

    // c2 dropped, then a new collection: it does not get c2's id back.
    const Manifest third = withoutCollection(second, parse({"drop", "s.c2"}));
    EXPECT_EQ(nullptr, third.findCollection(9));
    const Manifest fourth = withCollection(third, parse({"create", "s.c3"}));
    EXPECT_EQ(11U, fourth.lookupCollection("s.c3").collection);
    EXPECT_FALSE(third.refuseSuccessor(fourth).has_value());

    EXPECT_EQ(0U, withCollection(start, parse({"create", "_default.c"}))
                      .lookupCollection("_default.c")
                      .scope);
}

TEST(CollectionCommandTest, CreatingWhatExistsOrDroppingWhatDoesNotFails) {
    const Manifest with = withCollection(Manifest(), parse({"create", "s.c"}));
    EXPECT_THROW((void)withCollection(with, parse({"create", "s.c"})), std::runtime_error);
    EXPECT_THROW((void)withoutCollection(with, parse({"drop", "s.nope"})), std::runtime_error);
    EXPECT_THROW((void)withoutCollection(with, parse({"drop", "nope.c"})), std::runtime_error);
    EXPECT_THROW((void)withCollection(with, parse({"create", "s.%bad"})), std::runtime_error)
        << "a name the manifest rules refuse";
}

TEST(CollectionCommandTest, ListText) {
    const Manifest manifest = Manifest::parse(R"({"uid":"1","scopes":[
        {"name":"_default","uid":"0","collections":[{"name":"_default","uid":"0"}]},
        {"name":"s","uid":"8","collections":[{"name":"c","uid":"8","maxTTL":60}]}]})");
    EXPECT_EQ("_default._default id 0x0\ns.c id 0x8 maxTTL 60\nmanifest uid 0x1",
              collectionLines(manifest));
}

}  // namespace
}  // namespace eddy::tools::ctl
